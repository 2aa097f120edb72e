//! Helpers: run the binary, make temporary corpora, compare with diffs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub fn refrain() -> Command {
    Command::new(env!("CARGO_BIN_EXE_refrain"))
}

/// Path of a file in the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A finished run.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| {
            panic!(
                "stdout is not JSON ({err}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

fn finish(output: Output) -> Run {
    Run {
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        code: output.status.code().unwrap_or(-1),
    }
}

/// Runs `refrain ARGS` in `dir` with no stdin.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = refrain()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs");
    finish(output)
}

/// Runs `refrain ARGS` from the repository root.
pub fn run(args: &[&str]) -> Run {
    run_in(&repo_path("."), args)
}

/// Runs `refrain ARGS` with `input` on stdin.
pub fn run_with_stdin(args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = refrain()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("binary finishes");
    writer
        .join()
        .expect("writer thread")
        .expect("stdin written");
    finish(output)
}

/// Starts `refrain ARGS` in `dir` and kills it (SIGKILL) after `delay_ms`,
/// or lets it finish if it is faster.
pub fn run_and_kill(dir: &Path, args: &[&str], delay_ms: u64) {
    let mut child = refrain()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = child.kill();
    let _ = child.wait();
}

/// Writes `files` (relative path, contents) under a new temporary directory.
pub fn corpus(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, contents) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(path, contents).expect("write fixture");
    }
    dir
}

/// Like [`corpus`], for file lists built at run time.
pub fn corpus_owned(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    corpus(&refs)
}

/// Asserts two texts are equal, printing a line diff when they are not.
pub fn assert_same_text(expected: &str, got: &str, what: &str) {
    if expected == got {
        return;
    }
    let mut diff = String::new();
    let (e, g): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
    for i in 0..e.len().max(g.len()) {
        let (el, gl) = (e.get(i).copied(), g.get(i).copied());
        if el != gl {
            diff.push_str(&format!(
                "line {}:\n  expected: {:?}\n  got:      {:?}\n",
                i + 1,
                el,
                gl
            ));
        }
    }
    panic!("{what} differs:\n{diff}");
}

/// Every line of `stdout` parsed as JSON (a JSON-lines output).
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}
