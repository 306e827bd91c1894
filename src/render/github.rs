//! `--format github`: workflow commands that GitHub Actions turns into annotations.

use std::io::Write;

use super::{Report, position};
use crate::diagnostic::Severity;

/// Escapes an annotation's message.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): also `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one annotation per finding and input problem.
pub(crate) fn render(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    for e in &report.project.errors {
        let kind = if e.severity == Severity::Error { "error" } else { "warning" };
        let at = e.position.map(|(l, c)| format!(",line={l},col={c}")).unwrap_or_default();
        writeln!(out, "::{kind} file={}{at},title=minipaas input::{}", property(&e.path), data(&e.message))?;
    }
    for f in crate::rules::active(report.findings) {
        let kind = if f.severity == Severity::Error { "error" } else { "warning" };
        let (line, col) = position(report.project, f.primary.file, f.primary.span.start);
        let (end_line, end_col) = position(report.project, f.primary.file, f.primary.span.end);
        // Columns only make sense on one line (GitHub misplaces multi-line column ranges).
        let cols = if line == end_line { format!(",col={col},endColumn={end_col}") } else { String::new() };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        writeln!(
            out,
            "::{kind} file={},line={line},endLine={end_line}{cols},title={}::{}",
            property(&report.project.files[f.primary.file].path),
            property(&format!("{} {}", f.code, f.name)),
            data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
