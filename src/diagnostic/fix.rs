//! A finding's remedy as data: byte-range [`Edit`]s per file, with a title and an
//! [`Applicability`]. The fix engine (`crate::fix`) decides which apply.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use super::FileId;

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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit { range: at..at, replacement: text.into() }
    }

    /// Deletes `range`.
    pub(crate) fn delete(range: Range<usize>) -> Edit {
        Edit { range, replacement: String::new() }
    }

    /// Replaces `range` with `text`.
    pub(crate) fn replace(range: Range<usize>, text: impl Into<String>) -> Edit {
        Edit { range, replacement: text.into() }
    }

    /// True when two edits cannot both apply: their ranges overlap, or one inserts inside the
    /// other. Insertions at the same point are compatible (they apply in order).
    pub(crate) fn conflicts(&self, other: &Edit) -> bool {
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

/// A finding's remedy: one title and applicability, and edits to one or more files, applied
/// all together or not at all (none: advice for a person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, in the imperative ("Declare `db_password` as external").
    pub title: String,
    /// How much to trust it.
    pub applicability: Applicability,
    /// The edits, per file: sorted by start, non-overlapping; insertions at one point apply in
    /// the order given.
    pub edits: BTreeMap<FileId, Vec<Edit>>,
    /// Printed after the fix is applied (e.g. the command that creates the secret).
    pub note: Option<String>,
    /// Fixes sharing an isolation key are never applied in the same pass (e.g. two that each
    /// create the same missing top-level section).
    pub isolation: Vec<String>,
}

impl Fix {
    /// Edits to one file.
    pub(crate) fn new(
        title: impl Into<String>,
        applicability: Applicability,
        file: FileId,
        edits: Vec<Edit>,
    ) -> Fix {
        Fix {
            title: title.into(),
            applicability,
            edits: BTreeMap::from([(file, edits)]),
            note: None,
            isolation: Vec::new(),
        }
    }

    /// Instructions for a person: nothing is edited.
    pub(crate) fn display_only(title: impl Into<String>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::DisplayOnly,
            edits: BTreeMap::new(),
            note: None,
            isolation: Vec::new(),
        }
    }

    /// This fix and `other` as one: its edits follow this fix's, it is as trusted as the less
    /// trusted of the two, and keeps this one's title.
    pub(crate) fn and(mut self, other: Fix) -> Fix {
        for (file, edits) in other.edits {
            let list = self.edits.entry(file).or_default();
            list.extend(edits);
            // Stable: of two insertions at one point, this fix's comes first.
            list.sort_by_key(|e| e.range.start);
        }
        self.applicability = self.applicability.min(other.applicability);
        self.isolation.extend(other.isolation);
        self.note = self.note.or(other.note);
        self
    }

    /// The same edits under another title.
    pub(crate) fn titled(mut self, title: impl Into<String>) -> Fix {
        self.title = title.into();
        self
    }

    /// With `note` printed after it is applied.
    pub(crate) fn noted(mut self, note: String) -> Fix {
        self.note = Some(note);
        self
    }

    /// Never applied in the same pass as another fix with the isolation key `key`.
    pub(crate) fn isolated(mut self, key: String) -> Fix {
        self.isolation.push(key);
        self
    }

    /// True when it edits nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.edits.values().all(Vec::is_empty)
    }

    /// The files it edits.
    pub(crate) fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        self.edits.iter().filter(|(_, e)| !e.is_empty()).map(|(f, _)| *f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_fix_joined_is_as_trusted_as_its_weakest_part() {
        let a = Fix::new("a", Applicability::Safe, 0, vec![Edit::insert(0, "x")]);
        let b = Fix::new("b", Applicability::Unsafe, 1, vec![Edit::insert(0, "y")]).isolated("k".into());
        let joined = a.and(b);
        assert_eq!(joined.title, "a");
        assert_eq!(joined.applicability, Applicability::Unsafe);
        assert_eq!(joined.files().collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(joined.isolation, vec!["k".to_string()]);
        assert!(Fix::display_only("by hand").is_empty());
        // Edits to one file stay sorted by start; at one point, the first fix's come first.
        let a = Fix::new("a", Applicability::Safe, 0, vec![Edit::insert(5, "a"), Edit::insert(9, "b")]);
        let b = Fix::new("b", Applicability::Safe, 0, vec![Edit::insert(1, "c"), Edit::insert(5, "d")]);
        let starts: Vec<(usize, String)> =
            a.and(b).edits[&0].iter().map(|e| (e.range.start, e.replacement.clone())).collect();
        assert_eq!(starts, [(1, "c".into()), (5, "a".into()), (5, "d".into()), (9, "b".into())]);
    }
}
