//! The one shape of what a rule reports: a [`Finding`] (built with [`Draft`], which cannot be
//! finished without a primary location), its typed identity [`FindingKey`], and its remedy,
//! a [`Fix`] (byte-range [`Edit`]s per file with a title and an [`Applicability`]).
//!
//! This module depends on nothing else in the crate: the model, the rules, the fix engine
//! and the renderers all build on it.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Serialize;

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

/// What a finding is about, stable across edits that move lines: with the rule, the file and
/// the value's hash it is the finding's identity ([`FindingKey`]). Never holds a value. Its
/// text (`db/POSTGRES_PASSWORD`, `secret db_password`) is what baselines record and SARIF
/// fingerprints hash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// A name a service uses: a reference, an environment key, a mount target (`svc/name`).
    Service { service: String, name: String },
    /// A top-level declaration (`name`).
    Declaration(String),
    /// The committed file behind a secret's `file:` (`secret name`).
    SecretFile(String),
    /// An env file that holds credentials (`env_file path`).
    EnvFile(String),
    /// A value found under `key` (none outside a mapping), of a kind (`key/aws-access-key`).
    Value { key: Option<String>, kind: String },
    /// A file a `minipaas.yaml` lists (`path`).
    Listed(String),
    /// A suppression comment for the line `line`, naming `codes` (`MP001,MP003 line 4`).
    Suppression { codes: Vec<String>, line: usize },
}

impl Subject {
    /// Every name it holds, to mask what looks like a value before output.
    pub(crate) fn names_mut(&mut self) -> Vec<&mut String> {
        match self {
            Subject::Service { service, name } => vec![service, name],
            Subject::Declaration(s) | Subject::SecretFile(s) | Subject::EnvFile(s) | Subject::Listed(s) => {
                vec![s]
            }
            Subject::Value { key, kind } => key.iter_mut().chain([kind]).collect(),
            Subject::Suppression { codes, .. } => codes.iter_mut().collect(),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Service { service, name } => write!(f, "{service}/{name}"),
            Subject::Declaration(name) | Subject::Listed(name) => f.write_str(name),
            Subject::SecretFile(name) => write!(f, "secret {name}"),
            Subject::EnvFile(path) => write!(f, "env_file {path}"),
            Subject::Value { key, kind } => write!(f, "{}/{kind}", key.as_deref().unwrap_or("-")),
            Subject::Suppression { codes, line } if codes.is_empty() => write!(f, "line {line}"),
            Subject::Suppression { codes, line } => write!(f, "{} line {line}", codes.join(",")),
        }
    }
}

/// A finding's identity, apart from where it is: rule, file, subject and the hash of the value
/// it is about. Dedup across steps, baselines, `--since`, `--history`, SARIF fingerprints and
/// the fix engine's "this finding" all compare these.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FindingKey {
    /// The rule's code.
    pub code: &'static str,
    /// The file's path.
    pub path: String,
    /// What it is about.
    pub subject: Subject,
    /// SHA-256 of the value, for findings about one; never printed.
    pub value: Option<[u8; 32]>,
}

impl FindingKey {
    /// A line-independent fingerprint: rule, file, subject (never the value, nor its hash).
    pub(crate) fn fingerprint(&self) -> String {
        hex16(format!("{}\0{}\0{}", self.code, self.path, self.subject).as_bytes())
    }

    /// The fingerprint with the value's hash folded in: tells two values under one key apart
    /// without carrying anything a value could be guessed from offline (16 bytes of a hash of
    /// the hash, salted per process).
    pub(crate) fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        static SALT: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
        let salt = SALT.get_or_init(|| {
            let mut salt = [0u8; 16];
            // Without OS randomness the digest is unsalted: still no value in it.
            let _ = getrandom::fill(&mut salt);
            salt
        });
        let mut h = Sha256::new();
        h.update(salt);
        h.update(self.fingerprint().as_bytes());
        if let Some(v) = &self.value {
            h.update(v);
        }
        h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

/// The first 16 bytes of `data`'s SHA-256, in hex.
fn hex16(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).iter().take(16).map(|b| format!("{b:02x}")).collect()
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
    /// The edits, per file, in the order they apply.
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
            self.edits.entry(file).or_default().extend(edits);
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
    fn subjects_read_as_baselines_recorded_them() {
        let s = |s: Subject| s.to_string();
        assert_eq!(s(Subject::Service { service: "db".into(), name: "PW".into() }), "db/PW");
        assert_eq!(s(Subject::Declaration("x".into())), "x");
        assert_eq!(s(Subject::SecretFile("x".into())), "secret x");
        assert_eq!(s(Subject::EnvFile(".env".into())), "env_file .env");
        assert_eq!(s(Subject::Value { key: None, kind: "hash".into() }), "-/hash");
        assert_eq!(s(Subject::Suppression { codes: vec![], line: 3 }), "line 3");
        assert_eq!(
            s(Subject::Suppression { codes: vec!["MP001".into(), "MP003".into()], line: 3 }),
            "MP001,MP003 line 3"
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
    }
}
