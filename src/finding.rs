//! What a rule reports: a finding with one primary location and optional related ones.

use std::ops::Range;

use serde::Serialize;

use crate::fix::{Applicability, Fix};

/// Index of a file in [`crate::project::Project::files`].
pub type FileId = usize;

/// How serious a finding is; only errors fail a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; does not change the exit code.
    Warning,
    /// Breaks a deploy or leaks a secret; exit code 1.
    Error,
}

impl Severity {
    /// Lower-case name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in a file, with a note shown under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// Byte range.
    pub span: Range<usize>,
    /// Shown next to the underline.
    pub note: String,
}

/// One problem found by a rule.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule's code, e.g. `MP001`.
    pub code: &'static str,
    /// The rule's kebab-case name.
    pub name: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence; never contains a secret value.
    pub message: String,
    /// Where it is.
    pub primary: Label,
    /// Other places that explain it (a declaration elsewhere, the first of two references).
    pub related: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// The env of the lint unit it was found in, if any.
    pub env: Option<String>,
    /// What `--fix` can do about it.
    pub fix: Option<FixPlan>,
}

/// A finding's remedy: one title and applicability, edits to one or more files (applied all
/// together or not at all; none for display-only advice), and what to do afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixPlan {
    /// Imperative summary.
    pub title: String,
    /// The weakest applicability of its fixes.
    pub applicability: Applicability,
    /// One fix per file.
    pub fixes: Vec<Fix>,
    /// Printed after the fix is applied (e.g. the command that creates the secret).
    pub note: Option<String>,
}

impl Finding {
    /// Sort key: file, position, code.
    pub fn sort_key(&self) -> (FileId, usize, usize, &'static str) {
        (self.primary.file, self.primary.span.start, self.primary.span.end, self.code)
    }
}
