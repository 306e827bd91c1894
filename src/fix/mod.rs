//! Fixing: a fix is data ([`crate::diagnostic::Fix`]: byte-range edits per file with a title and an applicability);
//! [`patch`] builds the edits Compose needs (declare, grant, remove, repoint), [`engine`]
//! decides which apply, splices and verifies them, and [`write`] writes the result, all or
//! nothing. Splicing is here.

pub(crate) mod engine;
pub(crate) mod patch;
mod verify;
pub(crate) mod write;

pub(crate) use verify::Mount;

use crate::diagnostic::Edit;

/// Splices edits into `text`. Edits must be sorted by start and must not conflict; insertions
/// at the same point are applied in the order given.
pub(crate) fn splice(text: &str, edits: &[Edit]) -> String {
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
}
