//! JSON rendering of a [`Report`]: pretty-printed, one trailing newline.

use super::Report;

/// The report as pretty JSON text.
pub fn render(report: &Report) -> String {
    let mut text = Vec::new();
    write(report, &mut text).expect("writing to memory cannot fail");
    String::from_utf8(text).expect("JSON is UTF-8")
}

/// The report as pretty JSON text, streamed into `out` (a report of
/// every occurrence of a long reprinted text runs to tens of megabytes:
/// it is not built in memory first).
pub fn write(report: &Report, out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
