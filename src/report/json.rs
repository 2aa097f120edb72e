//! JSON rendering of a [`Report`]: pretty-printed, one trailing newline.

use super::Report;

/// The report as pretty JSON text.
pub fn render(report: &Report) -> String {
    let mut text =
        serde_json::to_string_pretty(report).expect("the report holds only serializable values");
    text.push('\n');
    text
}
