//! `lint --history`'s report: the leaks found in the commits, grouped by the commit that
//! introduced them (text), or as a versioned document (JSON). Messages and commit subjects
//! arrive masked.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::Format;

/// A value a commit introduced.
#[derive(Serialize)]
pub(crate) struct Leak {
    /// The commit's place in the scan (oldest first), to group the text report by.
    #[serde(skip)]
    pub(crate) order: usize,
    pub(crate) commit: String,
    pub(crate) summary: String,
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) path: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    commits: usize,
    history: &'a [Leak],
}

/// Writes the report of a scan of `commits` commits.
pub(crate) fn render(
    format: Format,
    commits: usize,
    leaks: &[Leak],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, &Document { version: 1, commits, history: leaks })
            .map_err(std::io::Error::other)?;
        return writeln!(out);
    }
    let mut by_commit: BTreeMap<usize, Vec<&Leak>> = BTreeMap::new();
    for l in leaks {
        by_commit.entry(l.order).or_default().push(l);
    }
    for list in by_commit.values() {
        let first = list[0];
        writeln!(out, "commit {} {}", &first.commit[..first.commit.len().min(12)], first.summary)?;
        for l in list {
            writeln!(out, "  {}:{}:{}: {} {}: {}", l.path, l.line, l.column, l.code, l.name, l.message)?;
        }
    }
    if leaks.is_empty() {
        writeln!(out, "No committed values found in {commits} commits.")
    } else {
        writeln!(
            out,
            "Found {} leak(s) in the history of {commits} commits: rotate these values even if they are gone from HEAD.",
            leaks.len()
        )
    }
}
