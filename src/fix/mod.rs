//! Fixing: a fix is data (byte-range edits on one file with a title and an applicability);
//! [`patch`] builds the edits Compose needs (declare, grant, remove, repoint), [`engine`]
//! decides which apply, splices and verifies them, and [`write`] writes the result, all or
//! nothing. Splicing is here.

pub mod engine;
pub mod patch;
mod verify;
pub mod write;

pub(crate) use verify::Mount;

use std::ops::Range;

use serde::Serialize;

use crate::finding::FileId;

/// How much a fix may be trusted, ordered `DisplayOnly < Unsafe < Safe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Instructions for a person; nothing is edited.
    DisplayOnly,
    /// Valid, but changes what is deployed (a secret must exist, a mount moves): `--unsafe-fixes`.
    Unsafe,
    /// Changes nothing that is deployed beyond what the finding is about: `--fix`.
    Safe,
}

impl Applicability {
    /// The name users see.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace `range` with `replacement`: empty range inserts, empty replacement deletes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    /// Byte range in the file's current text.
    pub range: Range<usize>,
    /// New text.
    pub replacement: String,
}

impl Edit {
    /// Inserts `text` at `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit { range: at..at, replacement: text.into() }
    }

    /// Deletes `range`.
    pub fn delete(range: Range<usize>) -> Edit {
        Edit { range, replacement: String::new() }
    }

    /// Replaces `range` with `text`.
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Edit {
        Edit { range, replacement: text.into() }
    }

    /// True when two edits cannot both apply: their ranges overlap, or one inserts inside the
    /// other. Insertions at the same point are compatible (they apply in order).
    pub fn conflicts(&self, other: &Edit) -> bool {
        let (a, b) = (&self.range, &other.range);
        if a.is_empty() && b.is_empty() {
            return false;
        }
        if a.is_empty() {
            return b.start < a.start && a.start < b.end;
        }
        if b.is_empty() {
            return a.start < b.start && b.start < a.end;
        }
        a.start < b.end && b.start < a.end
    }
}

/// Edits to one file that together fix (part of) a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, in the imperative ("Declare `db_password` as external").
    pub title: String,
    /// How much to trust it.
    pub applicability: Applicability,
    /// The file edited.
    pub file: FileId,
    /// Sorted, non-overlapping edits.
    pub edits: Vec<Edit>,
    /// Fixes sharing an isolation key are never applied in the same pass (e.g. two that each
    /// create the same missing top-level section).
    pub isolation: Option<String>,
}

/// Splices edits into `text`. Edits must be sorted by start and must not conflict; insertions
/// at the same point are applied in the order given.
pub fn splice(text: &str, edits: &[Edit]) -> String {
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.replacement.len()).sum::<usize>());
    let mut at = 0;
    for e in edits {
        let start = e.range.start.clamp(at, text.len());
        out.push_str(&text[at..start]);
        out.push_str(&e.replacement);
        at = e.range.end.clamp(start, text.len());
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_applies_in_order() {
        let text = "abcdef";
        let edits =
            [Edit::insert(1, "X"), Edit::insert(1, "Y"), Edit::delete(2..3), Edit::replace(4..6, "Z")];
        assert_eq!(splice(text, &edits), "aXYbdZ");
    }

    #[test]
    fn conflicts() {
        assert!(!Edit::insert(3, "a").conflicts(&Edit::insert(3, "b")));
        assert!(Edit::insert(3, "a").conflicts(&Edit::delete(2..4)));
        assert!(!Edit::insert(2, "a").conflicts(&Edit::delete(2..4)));
        assert!(!Edit::insert(4, "a").conflicts(&Edit::delete(2..4)));
        assert!(Edit::delete(1..3).conflicts(&Edit::delete(2..4)));
        assert!(!Edit::delete(1..2).conflicts(&Edit::delete(2..4)));
        assert!(
            Applicability::Safe > Applicability::Unsafe && Applicability::Unsafe > Applicability::DisplayOnly
        );
    }
}
