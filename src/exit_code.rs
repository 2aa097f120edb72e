//! Exit codes, as grep and ripgrep use them.

/// The process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    /// Ran and found nothing to fail on.
    Success,
    /// Found duplicates and a flag asked to fail on them.
    Findings,
    /// An error: bad flags, unreadable input, nothing to scan.
    Error,
}

impl ExitCode {
    /// The more serious of two outcomes: an error outranks findings, which
    /// outrank success.
    pub fn merge(self, other: ExitCode) -> ExitCode {
        self.max(other)
    }

    /// The numeric status.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Findings => 1,
            ExitCode::Error => 2,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_the_most_serious() {
        use ExitCode::*;
        assert_eq!(Success.merge(Findings), Findings);
        assert_eq!(Findings.merge(Error), Error);
        assert_eq!(Error.merge(Success), Error);
        assert_eq!(Success.merge(Success), Success);
        assert_eq!([Success.code(), Findings.code(), Error.code()], [0, 1, 2]);
    }
}
