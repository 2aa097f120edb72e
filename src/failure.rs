//! The binary's errors: the library's, with each setting named by the flag
//! that sets it, and the binary's own flag errors.

use refrain::error::{Error, Setting};

/// An error that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A flag, or a combination of flags, is invalid.
    #[error("invalid value for {flag}: {reason}")]
    Flag {
        /// The flag as typed.
        flag: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The index was built with another value of a flag.
    #[error(
        "index {} was built with {setting} = {stored}, but this run uses {requested}; \
         pass {flag} {stored} (or build a new index)",
        .path.display()
    )]
    IndexFlag {
        /// The index file.
        path: std::path::PathBuf,
        /// The setting, as stored in the index.
        setting: Setting,
        /// The flag that sets it.
        flag: &'static str,
        /// Its value in the index.
        stored: String,
        /// Its value in this run.
        requested: String,
    },
    /// Any other error of the library.
    #[error(transparent)]
    Refrain(Error),
}

impl Failure {
    /// An invalid flag.
    pub fn flag(flag: &'static str, reason: impl Into<String>) -> Self {
        Failure::Flag {
            flag,
            reason: reason.into(),
        }
    }

    /// `error`, said of `flag` when it is about the output that flag names.
    pub fn of_output(flag: &'static str) -> impl Fn(Error) -> Failure {
        move |error| match error {
            Error::OverwritesInput { .. } => Failure::flag(flag, error.to_string()),
            other => other.into(),
        }
    }
}

/// The flag that sets `setting`, or how to get the setting when no flag
/// does.
fn flag_of(setting: Setting) -> &'static str {
    match setting {
        Setting::Threshold => "--threshold",
        Setting::PassageThreshold => "--passage-threshold",
        Setting::Containment => "--containment",
        Setting::ShingleSize => "--shingle-size",
        Setting::NumPerm => "--num-perm",
        Setting::Seed => "--seed",
        Setting::BandsRows => "--bands/--rows",
        Setting::MinDocs => "--min-docs",
        Setting::MaxDocBytes => "--max-doc-bytes",
        Setting::TextField => "--text-field",
        Setting::KeepField => "--keep",
        Setting::SchemaVersion => "(a newer refrain)",
        Setting::Normalization | Setting::Tokenizer => "(this version of refrain)",
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidSetting { setting, reason } => Failure::Flag {
                flag: flag_of(setting),
                reason: match setting {
                    // The permutations are the other side of the constraint.
                    Setting::BandsRows => format!("{reason}, or raise --num-perm"),
                    _ => reason,
                },
            },
            Error::IndexMismatch {
                path,
                setting,
                stored,
                requested,
            } => Failure::IndexFlag {
                path,
                setting,
                flag: flag_of(setting),
                stored,
                requested,
            },
            other => Failure::Refrain(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_setting_error_names_its_flag() {
        let error = Error::InvalidSetting {
            setting: Setting::MinDocs,
            reason: "1 is too small".into(),
        };
        assert_eq!(
            Failure::from(error).to_string(),
            "invalid value for --min-docs: 1 is too small"
        );
    }

    #[test]
    fn an_output_that_is_an_input_names_the_output_flag() {
        let error = Error::OverwritesInput {
            target: "a.txt".into(),
            input: "a.txt".into(),
        };
        let message = Failure::of_output("--out-dir")(error).to_string();
        assert!(message.starts_with("invalid value for --out-dir: a.txt is the input file a.txt"));
    }
}
