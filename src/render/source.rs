//! A masked file as miette reads it: shared by every report that shows the file, and read
//! only around the span asked for. miette's own `str` reader scans from the start of the file
//! for every report, which made a file with thousands of findings quadratic.

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A masked text with its line starts.
#[derive(Debug, Clone)]
pub(super) struct Masked {
    name: Arc<str>,
    text: Arc<str>,
    /// Byte offset of each line's start (the first is 0).
    starts: Arc<[usize]>,
}

impl Masked {
    pub(super) fn new(name: &str, text: String) -> Masked {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            // A line ends at LF, CR LF or a lone CR, as miette counts them.
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 2;
                    continue;
                }
                b'\r' | b'\n' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Masked { name: name.into(), text: text.into(), starts: starts.into() }
    }

    /// The 0-based line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }
}

impl SourceCode for Masked {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (offset, len) = (span.offset(), span.len());
        if offset + len > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // miette's reader on a window of whole lines around the span, with a line to spare
        // on each side, then moved back to where the window sits in the file: the same
        // contents as reading the whole file, at the cost of the window.
        let first = self.line_of(offset).saturating_sub(context_lines_before + 1);
        let last = self.line_of(offset + len) + context_lines_after + 2;
        let start = self.starts[first];
        let end = self.starts.get(last + 1).copied().unwrap_or(self.text.len());
        let window = &self.text[start..end];
        let inner =
            window.read_span(&(offset - start, len).into(), context_lines_before, context_lines_after)?;
        let contents = MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            (inner.span().offset() + start, inner.span().len()).into(),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )
        .with_language("yaml");
        Ok(Box::new(contents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window is what miette's own reader returns for the same text, span and context.
    #[test]
    fn reads_what_miettes_own_reader_reads() {
        let text = "a: 1\nb:\r\n  c: 2\rd: 3\n\ne: [x]\nlast";
        let masked = Masked::new("f.yaml", text.to_string());
        for offset in 0..text.len() {
            for len in [0, 1, 3, 9, 20, 40] {
                if offset + len > text.len() {
                    continue;
                }
                for (before, after) in [(0, 0), (1, 1), (2, 3), (3, 0), (0, 2)] {
                    let span: SourceSpan = (offset, len).into();
                    let ours = masked.read_span(&span, before, after).unwrap();
                    let theirs = text.read_span(&span, before, after).unwrap();
                    let at = format!("offset {offset} len {len} context {before}/{after}");
                    assert_eq!(ours.data(), theirs.data(), "{at}");
                    assert_eq!(ours.span(), theirs.span(), "{at}");
                    assert_eq!((ours.line(), ours.column()), (theirs.line(), theirs.column()), "{at}");
                    assert_eq!(ours.line_count(), theirs.line_count(), "{at}");
                }
            }
        }
    }
}
