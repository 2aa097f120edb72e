//! Expands the command line's paths into a sorted list of sources.
//!
//! Directories are walked recursively in file-name order; hidden entries
//! (names starting with `.`) below a given directory are skipped, as
//! ripgrep and fd do. A path named explicitly is always read. `-` is
//! standard input. Symbolic links inside directories are followed; a file
//! reached twice is read once.

use std::path::PathBuf;

use walkdir::WalkDir;

use crate::error::{InputProblem, ProblemKind};

/// Something to read documents from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file on disk.
    File(PathBuf),
}

impl Source {
    /// The name used in reports and messages.
    pub fn display_name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_owned(),
            Source::File(path) => path.to_string_lossy().into_owned(),
        }
    }
}

/// Lists the sources under `paths`, in order, and the paths that could not
/// be listed. A file reached by two paths (named and inside a named
/// directory, or through a link) is one source, under the first path that
/// reached it.
pub fn walk(paths: &[PathBuf]) -> (Vec<Source>, Vec<InputProblem>) {
    let (sources, problems) = walk_all(paths);
    let mut seen = std::collections::HashSet::new();
    let sources = sources
        .into_iter()
        .filter(|source| match source {
            Source::Stdin => true,
            Source::File(path) => match std::fs::metadata(path) {
                Ok(meta) => {
                    use std::os::unix::fs::MetadataExt;
                    seen.insert((meta.dev(), meta.ino()))
                }
                Err(_) => true,
            },
        })
        .collect();
    (sources, problems)
}

fn walk_all(paths: &[PathBuf]) -> (Vec<Source>, Vec<InputProblem>) {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        let display = path.to_string_lossy();
        match std::fs::metadata(path) {
            Err(err) => problems.push(InputProblem::new(
                &display,
                None,
                ProblemKind::Unreadable,
                err.to_string(),
            )),
            Ok(meta) if meta.is_dir() => walk_directory(path, &mut sources, &mut problems),
            Ok(_) => sources.push(Source::File(path.clone())),
        }
    }
    (sources, problems)
}

fn walk_directory(root: &PathBuf, sources: &mut Vec<Source>, problems: &mut Vec<InputProblem>) {
    // Links are followed (a loop is reported, not walked forever).
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                sources.push(Source::File(entry.into_path()))
            }
            Ok(_) => {}
            Err(err) => {
                let path = err.path().unwrap_or(root).to_string_lossy().into_owned();
                let reason = err
                    .io_error()
                    .map_or_else(|| err.to_string(), ToString::to_string);
                problems.push(InputProblem::new(
                    &path,
                    None,
                    ProblemKind::Unreadable,
                    reason,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_recursive_and_hidden_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/sub")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for name in [
            "z.txt",
            "a.txt",
            "b/sub/c.txt",
            "b/a.txt",
            ".hidden.txt",
            ".git/config",
        ] {
            std::fs::write(root.join(name), "x").unwrap();
        }
        let (sources, problems) = walk(&[root.to_path_buf()]);
        assert!(problems.is_empty());
        let names: Vec<String> = sources
            .iter()
            .map(|s| match s {
                Source::File(p) => p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                Source::Stdin => "-".into(),
            })
            .collect();
        assert_eq!(names, ["a.txt", "b/a.txt", "b/sub/c.txt", "z.txt"]);
    }

    #[test]
    fn links_are_followed_and_a_file_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("d")).unwrap();
        std::fs::write(root.join("good.txt"), "x").unwrap();
        std::fs::write(root.join("d/own.txt"), "y").unwrap();
        std::os::unix::fs::symlink("../good.txt", root.join("d/link.txt")).unwrap();
        let (sources, problems) = walk(&[root.join("d")]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(sources.len(), 2);
        // Named, then reached again through the directory and the link.
        let (sources, _) = walk(&[root.join("good.txt"), root.to_path_buf()]);
        let names: Vec<String> = sources.iter().map(Source::display_name).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].ends_with("good.txt"));
        assert!(names[1].ends_with("own.txt"));
    }

    #[test]
    fn missing_path_is_a_problem_and_stdin_is_a_source() {
        let (sources, problems) =
            walk(&[PathBuf::from("/no/such/refrain/path"), PathBuf::from("-")]);
        assert_eq!(sources, [Source::Stdin]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::Unreadable);
        assert_eq!(problems[0].source, "/no/such/refrain/path");
    }
}
