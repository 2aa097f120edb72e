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

/// A file written in pieces that appears at its path, complete, only on
/// [`AtomicFile::commit`]; dropped uncommitted, it leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts a temporary file beside `path`.
    pub fn create(path: &Path) -> Result<Self, Error> {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".refrain-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|source| Error::Output {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, temp),
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
        let fail = |source| Error::Output {
            path: self.path.clone(),
            source,
        };
        let temp = self.writer.into_inner().map_err(|e| fail(e.into_error()))?;
        temp.as_file().sync_all().map_err(fail)?;
        temp.persist(&self.path).map_err(|err| fail(err.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
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

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let err = write_atomically(Path::new("/no/such/refrain/dir/out.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("/no/such/refrain/dir/out.json"));
    }
}
