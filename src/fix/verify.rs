//! Checking a pass of edits before it is kept, over every unit that holds a changed file, not
//! only the env or the files the run was limited to: the changed files still parse as Compose
//! (no new input error), hold as many YAML documents as before, no unit gains an error-level
//! finding, and a pass of safe fixes leaves every service's mounts (source → target) as they
//! were.

use std::collections::{BTreeMap, BTreeSet};

use crate::discover::Workspace;
use crate::error::Error;
use crate::finding::Severity;
use crate::model::compose::ResourceKind;
use crate::model::{LoadOptions, Project};
use crate::rules::{active, check_all};
use crate::settings::Settings;

/// What a pass must not make worse, measured on the units holding the changed files.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Error-level findings, without positions (a fix moves text around): (code, path, message).
    errors: BTreeSet<(&'static str, String, String)>,
    /// Input errors per changed file.
    input: BTreeMap<String, usize>,
    /// YAML documents per changed file.
    documents: BTreeMap<String, usize>,
    /// Top-level `secrets:`/`configs:` with no value per changed file (`docker stack deploy`
    /// rejects them: "must be a mapping").
    empty: BTreeMap<String, usize>,
    /// What each service mounts: (unit, service, kind, source, target).
    mounts: BTreeSet<(String, String, ResourceKind, String, String)>,
}

/// Measures the units that hold `changed` as the workspace reads them now.
pub(super) fn state(
    ws: &Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    changed: &[String],
) -> Result<State, Error> {
    let scoped = LoadOptions { paths: changed.to_vec(), env: None, ..opts.clone() };
    let project = Project::load(ws, &scoped)?;
    let findings = check_all(&project, settings);
    let mut out = State::default();
    for f in active(&findings).filter(|f| f.severity == Severity::Error) {
        out.errors.insert((f.code, project.files[f.primary.file].path.clone(), f.message.clone()));
    }
    for path in changed {
        let input =
            project.errors.iter().filter(|e| e.path == *path && e.severity == Severity::Error).count();
        out.input.insert(path.clone(), input);
        let file = project.files.iter().find(|f| f.path == *path);
        let tree = file.and_then(|f| f.tree.as_ref());
        out.documents.insert(path.clone(), tree.map_or(0, |t| t.roots.len()));
        let empty = tree.map_or(0, |t| {
            t.roots
                .iter()
                .filter(|&&r| t.is_map(r))
                .flat_map(|&r| ["secrets", "configs"].map(|k| t.own_entry(r, k)))
                .flatten()
                .filter(|e| t.is_null(e.value))
                .count()
        });
        out.empty.insert(path.clone(), empty);
    }
    for unit in &project.units {
        for service in &unit.services {
            for kind in [ResourceKind::Secret, ResourceKind::Config] {
                for r in service.refs(kind) {
                    let Some((def, written)) = project.reference(service, r, kind) else { continue };
                    let target = project.mount_target(def, written, kind).unwrap_or_else(|| "?".into());
                    out.mounts.insert((
                        unit.label.clone(),
                        service.name.clone(),
                        kind,
                        r.name.to_string(),
                        target,
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Why the pass from `before` to `after` must be reverted, if it must: broken files, new
/// error-level findings whose code `blocks`, and for safe fixes changed mounts. New findings
/// that do not block are returned apart, to report.
pub(super) fn regressions(
    before: &State,
    after: &State,
    safe: bool,
    blocks: &dyn Fn(&str) -> bool,
) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for (path, &n) in &after.documents {
        let was = before.documents.get(path).copied().unwrap_or(n);
        if n != was {
            out.push(format!("it changes the number of YAML documents in {path} ({was} to {n})"));
        }
    }
    for (path, &n) in &after.empty {
        if n > before.empty.get(path).copied().unwrap_or(0) {
            out.push(format!("it leaves a top-level `secrets:` or `configs:` with no value in {path}"));
        }
    }
    for (path, &n) in &after.input {
        if n > before.input.get(path).copied().unwrap_or(0) {
            out.push(format!("it makes {path} a file Compose rejects"));
        }
    }
    for (code, path, message) in after.errors.difference(&before.errors) {
        let line = format!("{code} in {path}: {message}");
        if blocks(code) { out.push(line) } else { notes.push(line) }
    }
    if safe && after.mounts != before.mounts {
        let changed: BTreeSet<String> = after
            .mounts
            .symmetric_difference(&before.mounts)
            .map(|(unit, service, ..)| format!("service `{service}` in {unit}"))
            .collect();
        out.push(format!(
            "a safe fix must not change what services mount, and it changes {}",
            changed.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    (out, notes)
}
