//! What a rule reports: a finding with one primary location and optional related ones.

use std::ops::Range;

use serde::Serialize;

use crate::fix::{Applicability, Fix};

/// Index of a file in [`crate::model::Project::files`].
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
    /// The env of the (first) lint unit it was found in, if any.
    pub env: Option<String>,
    /// The labels of every lint unit it was found in (one finding per place, however many
    /// units share the file).
    pub units: Vec<String>,
    /// What `--fix` can do about it.
    pub fix: Option<FixPlan>,
    /// What it is about, stable across edits that move lines (`db/POSTGRES_PASSWORD`): the
    /// basis of fingerprints. Never a value.
    pub subject: String,
    /// SHA-256 of the secret value it is about, for baselines (salted there); never printed.
    pub value_hash: Option<[u8; 32]>,
    /// Set when an inline comment or the configuration silences it.
    pub suppressed: Option<Suppression>,
}

/// SHA-256 of a value, kept in memory to tell one leaked value from another; never printed.
pub fn value_hash(value: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(value.as_bytes()).into()
}

/// Why a finding is silenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// True for `# minipaas: ignore[...]` in the file, false for the configuration.
    pub in_source: bool,
    /// The reason given.
    pub justification: String,
}

impl Suppression {
    /// Silenced by the configuration file.
    pub fn external(justification: String) -> Suppression {
        Suppression { in_source: false, justification }
    }
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
    /// A line-independent identity: rule, file, subject. Never includes a value.
    pub fn fingerprint(&self, path: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{}\0{path}\0{}", self.code, self.subject));
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// Sort key: file, position, code.
    pub fn sort_key(&self) -> (FileId, usize, usize, &'static str) {
        (self.primary.file, self.primary.span.start, self.primary.span.end, self.code)
    }
}
