//! Positions as LSP counts them: lines from 0, columns in UTF-16 code units, and `\n`, `\r\n`
//! and a lone `\r` all ending a line (the specification's `TextDocuments` section; YAML breaks
//! lines on the same three). Byte offsets are what the model and the fix engine use.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, TextEdit};

/// The line starts of one text, to turn byte offsets into positions and back.
pub(super) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Lines<'a> {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines { text, starts }
    }

    /// The position of a byte offset (clamped to the text, and back to a character boundary).
    pub(super) fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line];
        let column = self.text[start..offset].encode_utf16().count();
        Position::new(line as u32, column as u32)
    }

    pub(super) fn range(&self, span: &std::ops::Range<usize>) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a position: a column past the end of its line means the line's end
    /// (before its break), a line past the last means the end of the text, as the
    /// specification says clients may send.
    pub(super) fn offset(&self, at: Position) -> usize {
        let Some(&start) = self.starts.get(at.line as usize) else { return self.text.len() };
        let end = self.starts.get(at.line as usize + 1).copied().unwrap_or(self.text.len());
        let line = self.text[start..end].trim_end_matches(['\n', '\r']);
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= at.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }
}

/// Applies one `didChange` event to a buffer: a range replaces that part, no range the whole.
pub(super) fn apply(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let lines = Lines::new(text);
            let (start, end) = (lines.offset(range.start), lines.offset(range.end));
            let (start, end) = (start.min(end), end.max(start));
            text.replace_range(start..end, &change.text);
        }
    }
}

/// The edits that turn `before` into `after`, as `TextEdit`s on `before`: the changed lines,
/// then within them the changed words, so an edit never carries text that stays (a value
/// between two changes on one line is not sent back to the editor).
pub(super) fn edits(before: &str, after: &str) -> Vec<TextEdit> {
    let lines = Lines::new(before);
    let mut out = Vec::new();
    for (old, new) in changes(before, after, false) {
        let was = &before[old.clone()];
        for (o, n) in changes(was, &new, true) {
            // A word that changes keeps what it shares at either end (`v}` → `v, x}` inserts
            // `, x`): the value a word holds stays out of the edit.
            let old_word = &was[o.clone()];
            let head = shared(old_word.chars(), n.chars());
            let tail = shared(old_word[head..].chars().rev(), n[head..].chars().rev());
            let span = old.start + o.start + head..old.start + o.end - tail;
            out.push(TextEdit { range: lines.range(&span), new_text: n[head..n.len() - tail].to_string() });
        }
    }
    out
}

/// How many bytes two character sequences share at their start.
fn shared(a: impl Iterator<Item = char>, b: impl Iterator<Item = char>) -> usize {
    a.zip(b).take_while(|(x, y)| x == y).map(|(x, _)| x.len_utf8()).sum()
}

/// The changed parts of `before` (byte ranges) with their new text, by lines or by words.
fn changes(before: &str, after: &str, words: bool) -> Vec<(std::ops::Range<usize>, String)> {
    let mut config = similar::TextDiff::configure();
    config.algorithm(similar::Algorithm::Myers);
    let diff = if words { config.diff_words(before, after) } else { config.diff_lines(before, after) };
    // Where each old token starts, in bytes (one more for the end).
    let mut starts = vec![0];
    for token in diff.old_slices() {
        starts.push(starts.last().copied().unwrap_or(0) + token.len());
    }
    let new = diff.new_slices();
    diff.ops()
        .iter()
        .filter(|op| !matches!(op, similar::DiffOp::Equal { .. }))
        .map(|op| {
            let (o, n) = (op.old_range(), op.new_range());
            (starts[o.start]..starts[o.end], new[n].concat())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spliced(before: &str, edits: &[TextEdit]) -> String {
        // Applied from the last to the first, as a client does with non-overlapping edits.
        let mut text = before.to_string();
        for e in edits.iter().rev() {
            let lines = Lines::new(&text);
            let (s, t) = (lines.offset(e.range.start), lines.offset(e.range.end));
            text.replace_range(s..t, &e.new_text);
        }
        text
    }

    #[test]
    fn positions_count_utf16_and_every_line_break() {
        let text = "a\r\nbé𝄞c\rd\n";
        let lines = Lines::new(text);
        let c = text.find('c').unwrap();
        assert_eq!(lines.position(c), Position::new(1, 4), "é is one unit, 𝄞 two");
        assert_eq!(lines.offset(Position::new(1, 4)), c);
        assert_eq!(lines.position(text.find('d').unwrap()), Position::new(2, 0), "a lone \\r ends a line");
        assert_eq!(lines.offset(Position::new(0, 99)), 1, "past the end of a line: before its break");
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
        assert_eq!(lines.position(text.len()), Position::new(3, 0));
    }

    #[test]
    fn incremental_changes_apply_at_their_range() {
        let mut text = String::from("services:\n  wéb:\n    image: x\n");
        let at = |l, c| Position::new(l, c);
        apply(
            &mut text,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(at(1, 2), at(1, 5))),
                range_length: None,
                text: "api".into(),
            },
        );
        assert_eq!(text, "services:\n  api:\n    image: x\n");
        apply(
            &mut text,
            TextDocumentContentChangeEvent { range: None, range_length: None, text: "x".into() },
        );
        assert_eq!(text, "x");
    }

    #[test]
    fn line_edits_rebuild_the_new_text_exactly() {
        for (before, after) in [
            ("a\nb\nc\n", "a\nB\nc\nd\n"),
            ("a\r\nb", "a\r\nb\r\nsecrets:\r\n  x: {}"),
            ("x: 1\n", ""),
            ("", "new: 1\n"),
            ("héllo\n  𝄞: 1\nz\n", "héllo\n  𝄞: 2\n"),
        ] {
            assert_eq!(spliced(before, &edits(before, after)), after, "{before:?} → {after:?}");
        }
        assert!(edits("same\n", "same\n").is_empty());
        let narrowed = edits("a: 1\nKEY: s3cret  # x\n", "a: 1\nKEY: s3cret  # y\n");
        assert_eq!(narrowed.len(), 1);
        assert_eq!(narrowed[0].new_text, "y", "only what changes is sent: {narrowed:?}");
        // Two changes on one line, a value between them: two edits, neither holding it.
        let before =
            "db: {environment: {A_PASSWORD: aaa, T_TOKEN: planted-9, B_PASSWORD: bbb}, secrets: [x]}\n";
        let after = "db: {environment: {A_PASSWORD_FILE: /run/a, T_TOKEN: planted-9, B_PASSWORD: bbb}, secrets: [x, a]}\n";
        let split = edits(before, after);
        assert_eq!(spliced(before, &split), after);
        assert!(split.len() >= 2 && split.iter().all(|e| !e.new_text.contains("planted-9")), "{split:?}");
        let attached = edits("t: {T_TOKEN: planted-9}\n", "t: {T_TOKEN: planted-9, x: 1}\n");
        assert_eq!(attached.len(), 1);
        assert_eq!(attached[0].new_text, ", x: 1", "{attached:?}");
    }
}
