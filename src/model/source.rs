//! One file as the model holds it: its text, span tree, line index and typed content, read
//! and parsed by a pure function of its bytes (so any thread can do it), with the problems
//! found on the way.

use std::ops::Range;
use std::sync::OnceLock;

use super::compose::Compose;
use super::manifest::Manifest;
use crate::diagnostic::{FileId, Severity};
use crate::discover::ReadError;
use crate::model::lines::LineIndex;
use crate::model::yaml::Tree;

/// What a file turned out to be.
#[derive(Debug, Clone)]
pub enum Content {
    /// A Compose file.
    Compose(Compose),
    /// A `minipaas.yaml`.
    Manifest(Manifest),
    /// It could not be read or parsed (see the input errors).
    Broken,
}

/// One file of the project (cloned from `--history`'s cache of parsed blobs).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the root, with `/`.
    pub path: String,
    /// The text (empty when it could not be read).
    pub text: String,
    /// The span tree, when the text parsed.
    pub tree: Option<Tree>,
    /// What it holds.
    pub content: Content,
    /// Line starts, built the first time a position is asked for.
    lines: OnceLock<LineIndex>,
    /// How the text is laid out, learnt the first time a fix needs it.
    layout: OnceLock<crate::model::yaml::Layout>,
}

impl SourceFile {
    /// A file that could not be read or parsed (its problems are reported elsewhere).
    pub(super) fn broken(path: &str) -> SourceFile {
        SourceFile {
            path: path.to_string(),
            text: String::new(),
            tree: None,
            content: Content::Broken,
            lines: OnceLock::new(),
            layout: OnceLock::new(),
        }
    }

    /// The text's layout, learnt by `learn` the first time (a file with thousands of fixes
    /// learns it once).
    pub fn layout(&self, learn: impl FnOnce() -> crate::model::yaml::Layout) -> crate::model::yaml::Layout {
        *self.layout.get_or_init(learn)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.get_or_init(|| LineIndex::new(&self.text)).line_col(&self.text, offset)
    }

    /// The byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.lines.get_or_init(|| LineIndex::new(&self.text)).line_start(line)
    }

    /// The Compose view, if this is a parsed Compose file.
    pub fn compose(&self) -> Option<&Compose> {
        match &self.content {
            Content::Compose(c) => Some(c),
            _ => None,
        }
    }
}

/// A problem with an input file rather than a finding in it.
#[derive(Debug, Clone)]
pub struct InputError {
    /// The file, relative to the root.
    pub path: String,
    /// The file's id, when it was loaded (for snippets).
    pub file: Option<FileId>,
    /// Where in the file, when known.
    pub span: Option<Range<usize>>,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// Errors make the run exit 2; warnings are only shown.
    pub severity: Severity,
}

/// A file read and parsed, with its problems (their file ids are set when it is added).
pub(super) type Loaded = (SourceFile, Vec<InputError>);

/// Reads, decodes and parses one file: a pure function of its bytes, so it runs on any thread.
pub(super) fn read_source(path: &str, bytes: Result<Vec<u8>, ReadError>, as_manifest: bool) -> Loaded {
    let mut file = SourceFile::broken(path);
    let mut problems = Vec::new();
    let problem = |span: Option<Range<usize>>, position, message, severity| InputError {
        path: path.into(),
        file: None,
        span,
        position,
        message,
        severity,
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            problems.push(problem(None, None, e.to_string(), Severity::Error));
            return (file, problems);
        }
    };
    match decode(&bytes) {
        Err((message, offset)) => {
            problems.push(problem(None, offset.map(|o| byte_line_col(&bytes, o)), message, Severity::Error));
        }
        Ok(text) => {
            file.text = text;
            // Comments matter only for suppressions; most files have none.
            let suppressions = memchr::memmem::find(file.text.as_bytes(), b"minipaas:").is_some();
            match Tree::parse_with(&file.text, suppressions) {
                Err(e) => problems.push(problem(
                    Some(e.offset..e.offset),
                    Some((e.line, e.column)),
                    format!("invalid YAML: {}", e.message),
                    Severity::Error,
                )),
                Ok(tree) => {
                    let (content, found) = if as_manifest {
                        let m = Manifest::read(&tree);
                        let found: Vec<_> = m
                            .errors
                            .iter()
                            .map(|p| (p.clone(), Severity::Error))
                            .chain(m.unknown.iter().map(|p| (p.clone(), Severity::Warning)))
                            .collect();
                        (Content::Manifest(m), found)
                    } else {
                        let (compose, shape) = Compose::read(&tree, &file.text);
                        (Content::Compose(compose), shape.into_iter().map(|p| (p, Severity::Error)).collect())
                    };
                    for (p, severity) in found {
                        let pos = file.line_col(p.span.start);
                        problems.push(problem(Some(p.span), Some(pos), p.message, severity));
                    }
                    file.content = content;
                    file.tree = Some(tree);
                }
            }
        }
    }
    (file, problems)
}

/// Text from bytes, refusing binary data and invalid UTF-8 (with the offset of the problem).
pub(super) fn decode(bytes: &[u8]) -> Result<String, (String, Option<usize>)> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err(("binary file (it contains a NUL byte); not a Compose file".into(), Some(nul)));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(("invalid UTF-8; Compose files must be UTF-8 text".into(), Some(e.valid_up_to()))),
    }
}

/// The position of an offset in bytes that are not (all) text: counted in the valid prefix.
fn byte_line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let text = String::from_utf8_lossy(before);
    crate::model::lines::line_col(&text, text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_binary_and_bad_utf8() {
        assert!(decode(b"a: 1\n").is_ok());
        assert_eq!(decode(b"a\0").unwrap_err().1, Some(1));
        assert_eq!(decode(b"ab\xff").unwrap_err().1, Some(2));
        assert_eq!(byte_line_col(b"a\nbc", 3), (2, 2));
    }
}
