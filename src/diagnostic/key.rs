//! A finding's identity: what it is about ([`Subject`]) and the key every comparison of
//! findings uses ([`FindingKey`]).

use std::fmt;

/// What a finding is about, stable across edits that move lines: with the rule, the file and
/// the value's hash it is the finding's identity ([`FindingKey`]). Never holds a value. Its
/// text (`db/POSTGRES_PASSWORD`, `secret db_password`) is what baselines record and SARIF
/// fingerprints hash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// A name a service uses: a reference, an environment key, a mount target (`svc/name`).
    Service { service: String, name: String },
    /// Two references of a service mounted at one target (`svc/target` for secrets,
    /// `svc/config:target` for configs: a secret and a config may share a target's text).
    Mount { service: String, config: bool, target: String },
    /// A top-level declaration (`name`).
    Declaration(String),
    /// The committed file behind a secret's `file:` (`secret name`).
    SecretFile(String),
    /// An env file that holds credentials (`env_file path`).
    EnvFile(String),
    /// A value found under `key` (none outside a mapping), of a kind (`NOTE/an AWS access key
    /// ID`, `REGISTRY_AUTH/hash`).
    Value { key: Option<String>, kind: String },
    /// A file a `minipaas.yaml` lists (`path`).
    Listed(String),
    /// A suppression comment for the line `line`, naming `codes` (`MP001,MP003 line 4`).
    Suppression { codes: Vec<String>, line: usize },
    /// Any of the above as output shows it, once masking changed its text (a name in it looked
    /// like a value): kept as that text, which is what baselines and fingerprints then use.
    Masked(String),
}

impl Subject {
    /// Masks its text as a whole with `mask` (as output is masked): a subject whose text
    /// changes becomes [`Subject::Masked`]. Whole, not name by name: `svc/name` is one word to
    /// the scrubber, as it was when subjects were text.
    pub(crate) fn mask(&mut self, mask: impl FnOnce(&str) -> Option<String>) {
        if let Some(masked) = mask(&self.to_string()) {
            *self = Subject::Masked(masked);
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Service { service, name } => write!(f, "{service}/{name}"),
            Subject::Mount { service, config: false, target } => write!(f, "{service}/{target}"),
            Subject::Mount { service, config: true, target } => write!(f, "{service}/config:{target}"),
            Subject::Declaration(name) | Subject::Listed(name) | Subject::Masked(name) => f.write_str(name),
            Subject::SecretFile(name) => write!(f, "secret {name}"),
            Subject::EnvFile(path) => write!(f, "env_file {path}"),
            Subject::Value { key, kind } => write!(f, "{}/{kind}", key.as_deref().unwrap_or("-")),
            Subject::Suppression { codes, line } if codes.is_empty() => write!(f, "line {line}"),
            Subject::Suppression { codes, line } => write!(f, "{} line {line}", codes.join(",")),
        }
    }
}

/// A finding's identity, apart from where it is: rule, file, subject and the hash of the value
/// it is about. Dedup across `--history` steps, baselines, `--since` and the fix engine's "this
/// finding" all compare these; SARIF fingerprints hash it without the value. Findings with one
/// key are one problem to the fix engine (the same name misspelt in a service's `secrets:` and
/// its `build.secrets:` is repointed in both by one quick fix).
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

    /// The fingerprint with the value's hash and `extra` (a fix's title) folded in: tells two
    /// values under one key apart without carrying anything a value could be guessed from
    /// offline (16 bytes of a hash of the hash, salted per process).
    pub(crate) fn digest(&self, extra: &str) -> String {
        static SALT: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
        let salt = SALT.get_or_init(|| {
            let mut salt = [0u8; 16];
            // Without OS randomness the salt stays zero: the digest only ever travels between
            // this process and its editor.
            let _ = getrandom::fill(&mut salt);
            salt
        });
        let mut data = salt.to_vec();
        data.extend(self.fingerprint().as_bytes());
        data.extend(self.value.iter().flatten());
        data.push(0);
        data.extend(extra.as_bytes());
        hex16(&data)
    }
}

/// The first 16 bytes of `data`'s SHA-256, in hex.
fn hex16(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_as_baselines_recorded_them() {
        let s = |s: Subject| s.to_string();
        assert_eq!(s(Subject::Service { service: "db".into(), name: "PW".into() }), "db/PW");
        assert_eq!(s(Subject::Declaration("x".into())), "x");
        let mount = |config| Subject::Mount { service: "api".into(), config, target: "db".into() };
        assert_eq!((s(mount(false)), s(mount(true))), ("api/db".into(), "api/config:db".into()));
        assert_eq!(s(Subject::SecretFile("x".into())), "secret x");
        assert_eq!(s(Subject::EnvFile(".env".into())), "env_file .env");
        assert_eq!(s(Subject::Value { key: None, kind: "hash".into() }), "-/hash");
        assert_eq!(s(Subject::Suppression { codes: vec![], line: 3 }), "line 3");
        assert_eq!(
            s(Subject::Suppression { codes: vec!["MP001".into(), "MP003".into()], line: 3 }),
            "MP001,MP003 line 3"
        );
    }
}
