//! Baselines: a file recording the current findings, so that a project adopting minipaas
//! sees only new problems. Entries hold rule, path and subject (no line numbers, so edits
//! elsewhere do not invalidate them) and, for value findings, a hash of the value salted with
//! a per-repository salt kept in the file: never the value, and not guessable from the file.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::finding::{Finding, Suppression};
use crate::model::Project;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    code: String,
    path: String,
    subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    salt: String,
    findings: Vec<Entry>,
}

/// A loaded baseline.
#[derive(Debug)]
pub struct Baseline {
    salt: String,
    entries: BTreeSet<Entry>,
    label: String,
}

fn entry(salt: &str, project: &Project, f: &Finding) -> Entry {
    let value = f.value_hash.map(|h| {
        let digest = Sha256::new().chain_update(salt.as_bytes()).chain_update(h).finalize();
        digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
    });
    Entry {
        code: f.code.to_string(),
        path: project.files[f.primary.file].path.clone(),
        subject: f.subject.clone(),
        value,
    }
}

/// A fresh random salt (from the OS), as hex.
fn new_salt() -> String {
    let mut bytes = [0u8; 16];
    let random =
        std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if random.is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes = Sha256::digest(format!("{nanos}:{}", std::process::id()).as_bytes())[..16]
            .try_into()
            .unwrap_or([7; 16]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Baseline {
    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Path { path: path.into(), message: e.to_string() })?;
        let file: File = serde_json::from_str(&text).map_err(|e| Error::Config {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: format!("not a minipaas baseline: {e}"),
        })?;
        if file.version != 1 {
            return Err(Error::Usage(format!(
                "{}: baseline version {} is not supported",
                path.display(),
                file.version
            )));
        }
        Ok(Baseline {
            salt: file.salt,
            entries: file.findings.into_iter().collect(),
            label: path.display().to_string(),
        })
    }

    /// Marks the findings the baseline records as suppressed.
    pub fn apply(&self, project: &Project, findings: &mut [Finding]) {
        for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            if self.entries.contains(&entry(&self.salt, project, f)) {
                f.suppressed =
                    Some(Suppression::external(format!("recorded in the baseline {}", self.label)));
            }
        }
    }

    /// Writes the active findings to `path` (keeping the salt of a baseline already there),
    /// sorted, so re-recording an unchanged project changes nothing.
    pub fn write(path: &Path, project: &Project, findings: &[Finding]) -> Result<usize, Error> {
        let salt = Baseline::load(path).map(|b| b.salt).unwrap_or_else(|_| new_salt());
        let entries: BTreeSet<Entry> =
            crate::rules::active(findings).map(|f| entry(&salt, project, f)).collect();
        let count = entries.len();
        let file = File { version: 1, salt, findings: entries.into_iter().collect() };
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
