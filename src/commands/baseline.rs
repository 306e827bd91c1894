//! Baselines: a file recording the current findings, so that a project adopting minipaas
//! sees only new problems. Entries hold rule, path and subject (no line numbers, so edits
//! elsewhere do not invalidate them) and, for value findings, a slow salted hash of the value
//! so that a changed value is reported again. Each entry has its own random salt (equal values
//! do not give equal hashes) and the hash is Argon2id (each offline guess costs milliseconds
//! and memory): a random value cannot be recovered from the file, a weak one is slow to guess
//! but not safe. README, "What the baseline hash protects".

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Finding, Suppression};
use crate::error::Error;
use crate::model::Project;

/// The file format written; version 1 (one SHA-256 salt per file) is still read.
const VERSION: u32 = 2;

/// Argon2id with 8 MiB and one pass: a few milliseconds per finding on one core, so a
/// 1 000-finding baseline is written and checked in seconds (README gives the measurement).
const KDF_MEMORY_KIB: u32 = 8 * 1024;
const KDF_PASSES: u32 = 1;
const KDF_NAME: &str = "argon2id-m8192-t1-p1";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    code: String,
    path: String,
    subject: String,
    /// Version 2: `<salt hex>$<hash hex>`; version 1: the hash, salted with the file's salt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    /// Version 1 only: the one salt of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    /// Version 2: how values are hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kdf: Option<String>,
    findings: Vec<Entry>,
}

/// A finding's identity apart from its value.
type Key = (String, String, String);

/// A loaded baseline.
#[derive(Debug)]
pub(crate) struct Baseline {
    /// Version 1's file-wide salt.
    salt: Option<String>,
    entries: BTreeMap<Key, Vec<Option<String>>>,
    label: String,
}

/// The file's columns of a finding's [`crate::diagnostic::FindingKey`] (its value is matched
/// apart, through the slow hash): the subject as text, as version 1 wrote it too.
fn key(project: &Project, f: &Finding) -> Key {
    let k = project.key_of(f);
    (k.code.to_string(), k.path, k.subject.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Argon2id of a value's SHA-256 under `salt`, as hex.
fn slow_hash(salt: &[u8], value_hash: &[u8; 32]) -> Option<String> {
    let params = argon2::Params::new(KDF_MEMORY_KIB, KDF_PASSES, 1, Some(16)).ok()?;
    let kdf = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 16];
    kdf.hash_password_into(value_hash, salt, &mut out).ok()?;
    Some(hex(&out))
}

/// A version 2 value for `value_hash` with a fresh salt.
fn new_value(value_hash: &[u8; 32]) -> String {
    let salt = random_bytes();
    format!("{}${}", hex(&salt), slow_hash(&salt, value_hash).unwrap_or_default())
}

/// True when a recorded value is `value_hash`'s.
fn same_value(recorded: &str, file_salt: Option<&str>, value_hash: &[u8; 32]) -> bool {
    match (recorded.split_once('$'), file_salt) {
        (Some((salt, hash)), _) => {
            let salt: Option<Vec<u8>> = (0..salt.len() / 2)
                .map(|i| salt.get(2 * i..2 * i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
                .collect();
            salt.and_then(|s| slow_hash(&s, value_hash)).is_some_and(|h| h == hash)
        }
        (None, Some(salt)) => {
            let digest = Sha256::new().chain_update(salt.as_bytes()).chain_update(value_hash).finalize();
            hex(&digest[..12]) == recorded
        }
        (None, None) => false,
    }
}

/// 16 random bytes from the OS (`getrandom`: /dev/urandom, getrandom(2), BCryptGenRandom).
fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: a salt unique to this moment and process still tells equal values
        // in two entries apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes = Sha256::digest(format!("{nanos}:{}", std::process::id()).as_bytes())[..16]
            .try_into()
            .unwrap_or([7; 16]);
    }
    bytes
}

impl Baseline {
    /// Reads a baseline file.
    pub(crate) fn load(path: &Path) -> Result<Baseline, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Path { path: path.into(), message: e.to_string() })?;
        let file: File = serde_json::from_str(&text).map_err(|e| Error::Config {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: format!("not a minipaas baseline: {e}"),
        })?;
        let supported = match file.version {
            1 => file.salt.is_some(),
            VERSION => file.kdf.as_deref() == Some(KDF_NAME),
            _ => false,
        };
        if !supported {
            return Err(Error::Usage(format!(
                "{}: baseline version {} ({}) is not supported",
                path.display(),
                file.version,
                file.kdf.as_deref().unwrap_or("no kdf")
            )));
        }
        let mut entries: BTreeMap<Key, Vec<Option<String>>> = BTreeMap::new();
        for e in file.findings {
            entries.entry((e.code, e.path, e.subject)).or_default().push(e.value);
        }
        Ok(Baseline { salt: file.salt, entries, label: path.display().to_string() })
    }

    /// The recorded entry `f` matches, if any: its value as written in the file.
    fn recorded(&self, project: &Project, f: &Finding) -> Option<Option<String>> {
        let values = self.entries.get(&key(project, f))?;
        match &f.value_hash {
            None => values.iter().find(|v| v.is_none()).cloned(),
            Some(h) => values
                .iter()
                .flatten()
                .find(|v| same_value(v, self.salt.as_deref(), h))
                .map(|v| Some(v.clone())),
        }
    }

    /// Marks the findings the baseline records as suppressed.
    pub(crate) fn apply(&self, project: &Project, findings: &mut [Finding]) {
        let matched =
            in_parallel(findings, |f| f.suppressed.is_none() && self.recorded(project, f).is_some());
        for (f, hit) in findings.iter_mut().zip(matched) {
            if hit {
                f.suppressed =
                    Some(Suppression::external(format!("recorded in the baseline {}", self.label)));
            }
        }
    }

    /// Writes the active findings to `path`, sorted. A finding already recorded keeps its
    /// entry (and salt), so re-recording an unchanged project changes nothing; a version 1
    /// file is rewritten as version 2.
    pub(crate) fn write(path: &Path, project: &Project, findings: &[Finding]) -> Result<usize, Error> {
        let old = Baseline::load(path).ok().filter(|b| b.salt.is_none());
        let active: Vec<&Finding> = crate::rules::active(findings).collect();
        let values = in_parallel(&active, |f| {
            let kept = old.as_ref().and_then(|b| b.recorded(project, f));
            kept.unwrap_or_else(|| f.value_hash.as_ref().map(new_value))
        });
        let entries: BTreeSet<Entry> = active
            .iter()
            .zip(values)
            .map(|(f, value)| {
                let (code, path, subject) = key(project, f);
                Entry { code, path, subject, value }
            })
            .collect();
        let count = entries.len();
        let file = File {
            version: VERSION,
            salt: None,
            kdf: Some(KDF_NAME.into()),
            findings: entries.into_iter().collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| Error::Usage(e.to_string()))?;
        text.push('\n');
        if path.exists() {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            crate::fix::write::write_atomic(dir, &name, &text)?;
        } else {
            std::fs::write(path, text)
                .map_err(|e| Error::Write { path: path.into(), message: e.to_string() })?;
        }
        Ok(count)
    }
}

/// `work` over `items` on every core: each slow hash is independent.
fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = crate::cores().min(items.len().max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&work).collect::<Vec<R>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}
