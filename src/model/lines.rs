//! Byte offsets to 1-based lines and columns: the one place that computes them, for every
//! diagnostic, input error and output format.

/// Where each line of a text starts, for positions by binary search instead of a scan from
/// the start of the file per finding.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text` (one pass over its newlines).
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column (columns count characters) of a byte offset into `text`, the
    /// text this index was built from. An offset inside a character counts as that character.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        (line, text.get(start..offset).map_or(0, |s| s.chars().count()) + 1)
    }

    /// The byte offset where a 1-based line starts, if the text has that line.
    pub(crate) fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }
}

/// The position of one offset in a text that has no index of its own (a configuration file, an
/// error in a file being parsed).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let text = "a: 1\nbé: 2\n\nc";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 4), (1, 5));
        assert_eq!(index.line_col(text, 5), (2, 1));
        // `é` is two bytes: the column counts it once, and an offset inside it is it.
        assert_eq!(index.line_col(text, 8), (2, 3));
        assert_eq!(index.line_col(text, 7), (2, 2));
        assert_eq!(index.line_col(text, 12), (3, 1));
        assert_eq!(index.line_col(text, 99), (4, 2));
        assert_eq!(index.line_start(2), Some(5));
        assert_eq!(index.line_start(9), None);
        assert_eq!(line_col("", 0), (1, 1));
    }
}
