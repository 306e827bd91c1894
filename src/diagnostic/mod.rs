//! The one shape of what a rule reports: a [`Finding`] (built with [`Draft`], which cannot be
//! finished without a primary location), its typed identity [`FindingKey`], and its remedy,
//! a [`Fix`] (byte-range [`Edit`]s per file with a title and an [`Applicability`]).
//!
//! This module depends on nothing else in the crate: the model, the rules, the fix engine
//! and the renderers all build on it.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

mod fix;
mod key;

pub use fix::Applicability;
pub(crate) use fix::{Edit, Fix};
pub(crate) use key::FindingKey;
pub(crate) use key::Subject;

/// Index of a file in the project's list of files.
pub(crate) type FileId = usize;

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

/// What a rule is, for `minipaas rule`, `minipaas rules` and every output format.
#[derive(Debug)]
pub(crate) struct RuleMeta {
    /// `MP001`.
    pub code: &'static str,
    /// `undeclared-secret`: names the flagged pattern, not the remedy.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Markdown: What it does / Why is this bad? / Example / Use instead / Fix safety.
    pub doc: &'static str,
}

impl RuleMeta {
    /// Starts a finding of this rule about `subject`; [`Draft::at`] gives it its place.
    pub(crate) fn finding(&'static self, subject: Subject, message: impl Into<String>) -> Draft {
        Draft { meta: self, subject, message: message.into() }
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

/// SHA-256 of a value, kept in memory to tell one leaked value from another; never printed.
pub(crate) fn value_hash(value: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(value.as_bytes()).into()
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
    pub fix: Option<Fix>,
    /// What it is about: the basis of its identity.
    pub subject: Subject,
    /// SHA-256 of the secret value it is about, for baselines (salted there); never printed.
    pub value_hash: Option<[u8; 32]>,
    /// Set when an inline comment or the configuration silences it.
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// The finding's identity, given its file's path.
    pub(crate) fn key(&self, path: &str) -> FindingKey {
        FindingKey {
            code: self.code,
            path: path.to_string(),
            subject: self.subject.clone(),
            value: self.value_hash,
        }
    }

    /// Sort key: file, position, code.
    pub(crate) fn sort_key(&self) -> (FileId, usize, usize, &'static str) {
        (self.primary.file, self.primary.span.start, self.primary.span.end, self.code)
    }
}

/// A finding being described, not yet placed: only [`Draft::at`] turns it into something that
/// can be built, so no finding exists without a primary location.
#[must_use]
pub(crate) struct Draft {
    meta: &'static RuleMeta,
    subject: Subject,
    message: String,
}

impl Draft {
    /// Places the finding at `span` in `file`, with `note` under it.
    pub(crate) fn at(self, file: FileId, span: Range<usize>, note: impl Into<String>) -> FindingBuilder {
        FindingBuilder(Finding {
            code: self.meta.code,
            name: self.meta.name,
            severity: self.meta.severity,
            message: self.message,
            primary: Label { file, span, note: note.into() },
            related: Vec::new(),
            help: None,
            env: None,
            units: Vec::new(),
            fix: None,
            subject: self.subject,
            value_hash: None,
            suppressed: None,
        })
    }
}

/// A placed finding, with the optional parts still to add.
#[must_use]
pub(crate) struct FindingBuilder(Finding);

impl FindingBuilder {
    /// The units it was found in (their labels) and the env of the first.
    pub(crate) fn units(mut self, env: Option<String>, labels: Vec<String>) -> Self {
        self.0.env = env;
        self.0.units = labels;
        self
    }

    /// What to do about it.
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.0.help = Some(help.into());
        self
    }

    /// Another place that explains it.
    pub(crate) fn related(mut self, file: FileId, span: Range<usize>, note: impl Into<String>) -> Self {
        self.0.related.push(Label { file, span, note: note.into() });
        self
    }

    /// The secret value it is about (only its hash is kept).
    pub(crate) fn value(mut self, value: &str) -> Self {
        self.0.value_hash = Some(value_hash(value));
        self
    }

    /// Its fix.
    pub(crate) fn fix(mut self, fix: Fix) -> Self {
        self.0.fix = Some(fix);
        self
    }

    /// Its fix, or why there is none (added to the help).
    pub(crate) fn try_fix<E: fmt::Display>(mut self, fix: Result<Fix, E>) -> Self {
        match fix {
            Ok(fix) => self.0.fix = Some(fix),
            Err(why) => {
                let line = format!("no automatic fix: {why}");
                self.0.help = Some(match self.0.help.take() {
                    Some(h) => format!("{h}\n{line}"),
                    None => line,
                });
            }
        }
        self
    }

    /// The finding.
    pub(crate) fn build(self) -> Finding {
        self.0
    }
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
    pub(crate) fn external(justification: String) -> Suppression {
        Suppression { in_source: false, justification }
    }
}
