//! What one file turned out to be for the loader (a Compose file, a part, chains, a `.env`, a
//! warning, nothing), read from its bytes by a pure function any thread can run, and the role
//! that tells `--history` whether a change to it may regroup the repository.

use super::chains::{self, Chain};
use super::dotenv::{self, DotEnv};
use super::source::{Content, InputError, Loaded, read_source};
use crate::diagnostic::Severity;
use crate::discover::ReadError;
use crate::discover::sniff::Shape;

/// What to do with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Job {
    Manifest,
    /// A Compose file by name or `include` glob.
    Compose,
    /// A YAML file that may be a Compose file (by content) or a workflow (chains).
    Yaml,
    Script,
    DotEnv,
}

/// How a file whose parsing is deferred was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// By name (or an `include` glob): a Compose file whatever it holds.
    Name,
    /// By content: a Compose file if it parses as one.
    Content,
    /// A part (Compose keys, no services).
    Part,
}

/// A file, its job and what it turned out to be.
pub(super) type Done = (String, Job, Outcome);

/// What one file turned out to be.
#[derive(Clone)]
pub(super) enum Outcome {
    Source(Box<Loaded>),
    Part(Box<Loaded>),
    /// A Compose file or part read but not parsed yet (a run on named files parses only the
    /// units it needs).
    Deferred(Vec<u8>, Found),
    Chains(Vec<Chain>),
    DotEnv(DotEnv),
    Warning(InputError),
    Nothing,
}

/// What decides how a file takes part in grouping: whether it is a Compose file or a part,
/// what it includes and extends, which chains it writes. Two blobs of one path with the same
/// role build the same units (only the units' contents differ).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// Not a Compose file, a part, a manifest or a file with chains.
    Nothing,
    /// A Compose file or a part, with every path it writes in `include:`, `extends: file`,
    /// `env_file` and a secret's `file:`, the names it declares, and its `minipaas:` comments
    /// (suppressions): MP005 judges committed files against the whole repository's
    /// declarations and suppressions, so a change to these is judged on a whole load.
    Compose { part: bool, links: Vec<String>, names: Vec<String>, directives: Vec<String> },
    /// A script, workflow or YAML file with these chains.
    Chains(Vec<Chain>),
}

impl Role {
    /// The role of an outcome; `None` when any change to the file may regroup the repository
    /// (a manifest, a `.env`, a file that cannot be read).
    pub(super) fn of(outcome: &Outcome) -> Option<Role> {
        let compose = |loaded: &Loaded, part: bool| {
            let c = loaded.0.compose()?;
            let includes = c.includes.iter().flat_map(|i| {
                i.paths.iter().chain(&i.project_directory).chain(&i.env_files).map(|s| s.value.clone())
            });
            let extends = c.services.iter().filter_map(|s| s.extends.as_ref().and_then(|e| e.file.as_ref()));
            // The files whose existence and tracking the rules ask about (the project's facts).
            let env_files = c.services.iter().flat_map(|s| &s.env_files);
            let secret_files = c.secrets.iter().filter_map(|d| d.file.as_ref());
            let written = extends.chain(env_files).chain(secret_files).map(|s| s.value.clone());
            let declared = c.secrets.iter().chain(&c.configs);
            let names =
                declared.flat_map(|d| std::iter::once(&d.name).chain(&d.real_name)).map(|n| n.value.clone());
            let text = &loaded.0.text;
            let directives = text.lines().filter(|l| l.contains("minipaas:")).map(|l| l.trim().to_string());
            Some(Role::Compose {
                part,
                links: includes.chain(written).collect(),
                names: names.collect(),
                directives: directives.collect(),
            })
        };
        match outcome {
            Outcome::Nothing => Some(Role::Nothing),
            Outcome::Chains(chains) => Some(Role::Chains(chains.clone())),
            Outcome::Source(loaded) => compose(loaded, false),
            Outcome::Part(loaded) => compose(loaded, true),
            Outcome::Deferred(..) | Outcome::DotEnv(_) | Outcome::Warning(_) => None,
        }
    }
}

/// Reads what one job needs from one file's bytes: a pure function, so any thread can run it.
pub(super) fn process(path: &str, job: Job, bytes: Result<Vec<u8>, ReadError>, defer: bool) -> Outcome {
    // Git lists a tracked file even when the work tree no longer has it.
    if bytes == Err(ReadError::Missing) {
        return Outcome::Nothing;
    }
    match job {
        Job::Manifest => Outcome::Source(Box::new(read_source(path, bytes, true))),
        Job::Compose if defer && bytes.is_ok() => Outcome::Deferred(bytes.unwrap_or_default(), Found::Name),
        Job::Compose => Outcome::Source(Box::new(read_source(path, bytes, false))),
        Job::DotEnv => match bytes {
            Ok(b) => Outcome::DotEnv(dotenv::parse(&String::from_utf8_lossy(&b))),
            Err(_) => Outcome::Nothing,
        },
        Job::Script => match bytes {
            Ok(b) if chains::may_hold_chains(&b) => {
                Outcome::Chains(chains::scan(&String::from_utf8_lossy(&b)))
            }
            _ => Outcome::Nothing,
        },
        Job::Yaml => {
            // Not known to be a Compose file: a file that cannot be read is not reported.
            let Ok(bytes) = bytes else { return Outcome::Nothing };
            match crate::discover::sniff::shape(&bytes) {
                Shape::Compose if defer => Outcome::Deferred(bytes, Found::Content),
                Shape::Part if defer => Outcome::Deferred(bytes, Found::Part),
                Shape::Compose => compose_by_content(path, bytes),
                Shape::Part => match read_source(path, Ok(bytes), false) {
                    (file, problems) if file.compose().is_some() => Outcome::Part(Box::new((file, problems))),
                    _ => Outcome::Nothing,
                },
                Shape::Other if chains::may_hold_chains(&bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    Outcome::Chains(chains::scan_yaml(&text).unwrap_or_else(|| chains::scan(&text)))
                }
                Shape::Other => Outcome::Nothing,
            }
        }
    }
}

/// A YAML file whose top level looks like Compose's: parsed, and kept when its `services` is
/// a mapping. One that does not parse is reported as a warning (it may be a template): a
/// linter that fails on every YAML file it cannot read would be uninstalled.
pub(super) fn compose_by_content(path: &str, bytes: Vec<u8>) -> Outcome {
    let (file, problems) = read_source(path, Ok(bytes), false);
    let services_map = file.tree.as_ref().is_some_and(|tree| {
        tree.roots.iter().any(|&r| {
            tree.is_map(r)
                && tree.get(r, "services").is_some_and(|e| tree.is_map(e.value) || tree.is_null(e.value))
        })
    });
    match (&file.content, services_map) {
        (Content::Compose(_), true) => Outcome::Source(Box::new((file, problems))),
        (Content::Broken, _) if file.tree.is_none() && !file.text.is_empty() => {
            let first = problems.into_iter().next();
            let message = first.as_ref().map_or_else(String::new, |p| p.message.clone());
            Outcome::Warning(InputError {
                path: path.to_string(),
                file: None,
                span: None,
                position: first.and_then(|p| p.position),
                message: format!(
                    "looks like a Compose file (a top-level `services:`), but: {message}; not linted"
                ),
                severity: Severity::Warning,
            })
        }
        _ => Outcome::Nothing,
    }
}
