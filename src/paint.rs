//! Colour on a terminal, as ripgrep does it: `--color auto` (the default)
//! colours what goes to a terminal unless `NO_COLOR` is set or `TERM` is
//! `dumb`; `always` and `never` decide alone. The library renders plain
//! text; colour is laid over it here, by the line shapes of the human
//! formats, so JSON, pipes and files never carry escape codes. Colour is
//! never the only signal: every coloured word is also written out.

use std::io::IsTerminal;
use std::sync::OnceLock;

use anstyle::{AnsiColor, Style};

use crate::cli::ColorWhen;

static CHOICE: OnceLock<(bool, bool)> = OnceLock::new();

/// Decides, once, whether stdout and stderr get colour.
pub fn init(when: ColorWhen) {
    let auto = |terminal: bool| {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        terminal && !no_color && !dumb
    };
    let choice = match when {
        ColorWhen::Always => (true, true),
        ColorWhen::Never => (false, false),
        ColorWhen::Auto => (
            auto(std::io::stdout().is_terminal()),
            auto(std::io::stderr().is_terminal()),
        ),
    };
    let _ = CHOICE.set(choice);
}

fn stdout_colored() -> bool {
    CHOICE.get().is_some_and(|&(stdout, _)| stdout)
}

fn stderr_colored() -> bool {
    CHOICE.get().is_some_and(|&(_, stderr)| stderr)
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const NOTE: Style = AnsiColor::Cyan.on_default();
const REPEATED: Style = AnsiColor::Magenta.on_default().bold();
const STRONG: Style = Style::new().bold();
const PATH: Style = AnsiColor::Green.on_default();

fn painted(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// `check`'s human lines: `path:line:` in green, `error[kind]` red,
/// `warning[kind]` yellow.
pub fn check_lines(text: &str) -> String {
    if !stdout_colored() {
        return text.to_owned();
    }
    text.lines()
        .map(|line| {
            for (word, style) in [(": error[", ERROR), (": warning[", WARNING)] {
                if let Some(at) = line.find(word)
                    && let Some(end) = line[at..].find("]:")
                {
                    let (place, rest) = line.split_at(at);
                    let (label, message) = rest[2..].split_at(end - 1);
                    return format!(
                        "{}: {}{}",
                        painted(PATH, place),
                        painted(style, label),
                        message
                    );
                }
            }
            line.to_owned()
        })
        .map(|line| line + "\n")
        .collect()
}

/// `scan`'s summary: headings and cluster ids bold, each kind of passage
/// in its colour (boilerplate yellow, repeated magenta, shared cyan),
/// locations green.
pub fn scan_summary(text: &str) -> String {
    if !stdout_colored() {
        return text.to_owned();
    }
    let kinds = [
        ("boilerplate", WARNING),
        ("repeated in a document", REPEATED),
        ("shared story text", NOTE),
    ];
    text.lines()
        .map(|line| {
            if line.starts_with("Repeated passages:")
                || line.starts_with("Near-duplicate documents:")
            {
                return painted(STRONG, line);
            }
            // "p3  shared story text, closing: …" and "d1  3 document(s)".
            if let Some((id, rest)) = line.split_once("  ")
                && id.len() > 1
                && (id.starts_with('p') || id.starts_with('d'))
                && id[1..].bytes().all(|b| b.is_ascii_digit())
            {
                let rest = kinds
                    .iter()
                    .find(|(kind, _)| rest.starts_with(kind))
                    .map_or_else(
                        || rest.to_owned(),
                        |(kind, style)| format!("{}{}", painted(*style, kind), &rest[kind.len()..]),
                    );
                return format!("{}  {rest}", painted(STRONG, id));
            }
            // "    path:line  similarity 1.00" and "    path  representative".
            if let Some(body) = line.strip_prefix("    ")
                && !body.starts_with('"')
                && !body.starts_with("...")
                && let Some((place, rest)) = body.split_once("  ")
            {
                return format!("    {}  {rest}", painted(PATH, place));
            }
            line.to_owned()
        })
        .map(|line| line + "\n")
        .collect()
}

/// A diagnostic line for stderr: `error:` in red, `warning:` in yellow.
pub fn diagnostic(line: &str) -> String {
    if !stderr_colored() {
        return line.to_owned();
    }
    for (word, style) in [("error:", ERROR), ("warning:", WARNING)] {
        if let Some(rest) = line
            .strip_prefix("refrain: ")
            .and_then(|l| l.strip_prefix(word))
        {
            return format!("refrain: {}{rest}", painted(style, word));
        }
    }
    line.to_owned()
}
