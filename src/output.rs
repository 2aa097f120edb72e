//! Writing results: to stdout, or atomically to a file (a temporary file
//! in the same directory, flushed and synced, then renamed over the
//! target), so a reader never sees a half-written report and a crash
//! leaves the old file intact.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The file an `-o/--output` flag names: `None` for stdout, when the flag
/// is absent or `-` (as other command-line tools read it).
pub fn output_file(flag: Option<&Path>) -> Option<&Path> {
    flag.filter(|path| path.as_os_str() != "-")
}

/// Replaces `path` with `contents` atomically.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(contents)
        .map_err(|source| file.error(source))?;
    file.commit()
}

/// The files a run reads, by identity (device and inode), so that no output
/// lands on one of them, whatever path names it.
#[derive(Debug, Default, Clone)]
pub struct InputFiles {
    identities: std::collections::HashMap<(u64, u64), PathBuf>,
}

impl InputFiles {
    /// The identities of `paths` (files that cannot be looked at are left
    /// out: they are not read either).
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Self {
        let mut inputs = InputFiles::default();
        for path in paths {
            if let Ok(meta) = std::fs::metadata(path) {
                inputs
                    .identities
                    .entry(identity(&meta))
                    .or_insert_with(|| path.to_path_buf());
            }
        }
        inputs
    }

    /// The files that `paths` (files and directories, as given on the
    /// command line) name.
    pub fn under(paths: &[PathBuf]) -> Self {
        let (sources, _) = crate::corpus::walk(paths);
        let files: Vec<&Path> = sources
            .iter()
            .filter_map(|source| match source {
                crate::corpus::Source::File(path) => Some(path.as_path()),
                crate::corpus::Source::Stdin => None,
            })
            .collect();
        InputFiles::new(files)
    }

    /// An error when `target` is one of the inputs (after symbolic links).
    pub fn refuse(&self, target: &Path) -> Result<(), Error> {
        let Ok(meta) = std::fs::metadata(target) else {
            return Ok(());
        };
        match self.identities.get(&identity(&meta)) {
            Some(input) => Err(Error::OverwritesInput {
                target: target.to_path_buf(),
                input: input.clone(),
            }),
            None => Ok(()),
        }
    }
}

fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// A file written in pieces that appears at its path, complete, only on
/// [`AtomicFile::commit`]; dropped uncommitted, it leaves nothing behind.
///
/// A symbolic link is followed: its target is replaced and the link kept.
/// A regular file keeps its permission bits (and, where allowed, its owner);
/// a new one gets `0666` less the umask, as `>` in a shell would. A device,
/// FIFO or socket (`/dev/null`, `/dev/stdout`) is written to directly,
/// never replaced. A file with several hard links is refused: replacing it
/// would split the links.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    /// A temporary file beside the target, renamed over it on commit.
    Temporary {
        writer: BufWriter<tempfile::NamedTempFile>,
        /// The target's permissions and owner, when it exists.
        keep: Option<Box<std::fs::Metadata>>,
    },
    /// A device, FIFO or socket, written as it is.
    Direct(BufWriter<std::fs::File>),
}

impl AtomicFile {
    /// Starts a temporary file beside `path` (or opens a device).
    pub fn create(path: &Path) -> Result<Self, Error> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
        let fail = |source| Error::Output {
            path: path.to_path_buf(),
            source,
        };
        // Through symbolic links to what they name (a dangling link names
        // the file it would create).
        let target = resolve_links(path).map_err(fail)?;
        let existing = std::fs::metadata(&target).ok();
        if let Some(meta) = &existing {
            let kind = meta.file_type();
            if kind.is_char_device() || kind.is_block_device() || kind.is_fifo() || kind.is_socket()
            {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(fail)?;
                return Ok(AtomicFile {
                    path: path.to_path_buf(),
                    sink: Sink::Direct(BufWriter::with_capacity(1 << 16, file)),
                });
            }
            if meta.is_dir() {
                return Err(fail(std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "it is a directory",
                )));
            }
            if meta.nlink() > 1 {
                return Err(fail(std::io::Error::other(format!(
                    "it has {} hard links, and replacing it would split them; write to another path",
                    meta.nlink()
                ))));
            }
        }
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".refrain-")
            .suffix(".tmp")
            // Subject to the umask, as any new file is.
            .permissions(std::fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(fail)?;
        Ok(AtomicFile {
            path: target,
            sink: Sink::Temporary {
                writer: BufWriter::with_capacity(1 << 20, temp),
                keep: existing.map(Box::new),
            },
        })
    }

    /// The error of a failed write, naming the target.
    pub fn error(&self, source: std::io::Error) -> Error {
        Error::Output {
            path: self.path.clone(),
            source,
        }
    }

    /// Flushes, syncs and renames the file over its path.
    pub fn commit(self) -> Result<(), Error> {
        use std::os::unix::fs::MetadataExt;
        let fail = |source| Error::Output {
            path: self.path.clone(),
            source,
        };
        match self.sink {
            Sink::Direct(mut writer) => writer.flush().map_err(fail),
            Sink::Temporary { writer, keep } => {
                let temp = writer.into_inner().map_err(|e| fail(e.into_error()))?;
                if let Some(meta) = keep {
                    // Owner first: changing it may clear set-id bits.
                    let _ = std::os::unix::fs::fchown(
                        temp.as_file(),
                        Some(meta.uid()),
                        Some(meta.gid()),
                    );
                    temp.as_file()
                        .set_permissions(meta.permissions())
                        .map_err(fail)?;
                }
                fault_point("commit").map_err(fail)?;
                temp.as_file().sync_all().map_err(fail)?;
                temp.persist(&self.path).map_err(|err| fail(err.error))?;
                Ok(())
            }
        }
    }
}

/// Follows symbolic links from `path` to the path they end at (which need
/// not exist); a loop is an error.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Test-only fault injection: with `REFRAIN_FAULT=NAME` in a debug build,
/// the named point fails as a full disk would (and `REFRAIN_PAUSE=NAME`
/// waits there until the file named by `REFRAIN_PAUSE_FILE` exists, so a
/// test can kill the process at that exact point). Release builds ignore
/// both.
pub fn fault_point(name: &str) -> std::io::Result<()> {
    if cfg!(debug_assertions) {
        if std::env::var("REFRAIN_FAULT").is_ok_and(|fault| fault == name) {
            return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
        }
        if std::env::var("REFRAIN_PAUSE").is_ok_and(|pause| pause == name)
            && let Ok(flag) = std::env::var("REFRAIN_PAUSE_FILE")
        {
            let reached = format!("{flag}.reached");
            let _ = std::fs::write(&reached, name);
            while !Path::new(&flag).exists() {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
    Ok(())
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.sink {
            Sink::Temporary { writer, .. } => writer.write(buf),
            Sink::Direct(writer) => writer.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Temporary { writer, .. } => writer.flush(),
            Sink::Direct(writer) => writer.flush(),
        }
    }
}

/// The relative path of `source` under an output directory; compressed
/// sources are written uncompressed, so they lose their suffix.
pub fn output_name(source: &str) -> PathBuf {
    let relative = relative_path(Path::new(source));
    match relative.extension().and_then(|e| e.to_str()) {
        Some("gz" | "zst") => relative.with_extension(""),
        _ => relative,
    }
}

/// Where a given path goes below an output directory: the path without
/// its root, `.` or `..` components, so nothing is written outside it.
pub fn relative_path(path: &Path) -> std::path::PathBuf {
    path.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(part) => Some(part),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        std::fs::write(&target, "old").unwrap();
        write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn relative_paths_stay_below_the_directory() {
        assert_eq!(
            relative_path(Path::new("/abs/a.txt")),
            Path::new("abs/a.txt")
        );
        assert_eq!(
            relative_path(Path::new("../up/./b.txt")),
            Path::new("up/b.txt")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_the_mode_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let err = write_atomically(Path::new("/no/such/refrain/dir/out.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("/no/such/refrain/dir/out.json"));
    }
}
