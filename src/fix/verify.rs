//! Checking a pass of edits before it is kept, over every unit that holds a changed file, not
//! only the env or the files the run was limited to: the changed files still parse as Compose
//! (no new input error), hold as many YAML documents as before, no unit gains an error-level
//! finding, no service or top-level section is left with no value, and what every service
//! mounts (source, target, and what the declarations of the source say) changes only where the
//! caller allows: nowhere for safe fixes, in the units and services an unsafe fix is about,
//! and for the commands the one name in the one env (and for `create`, the services named). A
//! name that was undeclared may become declared anywhere: that is what MP001's fix is for.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Severity;
use crate::discover::Workspace;
use crate::error::Error;
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
    /// Top-level `secrets:`/`configs:`, and services, with no value per changed file (`docker
    /// stack deploy` rejects them: "must be a mapping").
    empty: BTreeMap<String, usize>,
    /// What each service mounts.
    mounts: BTreeSet<Mount>,
}

/// One thing a service mounts in one unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Mount {
    /// The unit's label.
    pub unit: String,
    /// The unit's env, for env units.
    pub env: Option<String>,
    /// The service.
    pub service: String,
    /// Secret or config.
    pub kind: ResourceKind,
    /// The name it mounts, interpolated.
    pub source: String,
    /// Where it mounts, normalized (`?` when a variable is unknown).
    pub target: String,
    /// What the unit's declarations of `source` say (external and its real name, file,
    /// environment, a hash of content), each once, or empty when it is undeclared: a change
    /// here changes which object is mounted.
    pub declared: Vec<String>,
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
    // `--select` (and `prune`) narrow what is fixed, not what is checked.
    let checked = Settings { select: None, ..settings.clone() };
    let findings = check_all(&project, &checked);
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
            let roots = || t.roots.iter().filter(|&&r| t.is_map(r));
            let sections = roots()
                .flat_map(|&r| ["secrets", "configs"].map(|k| t.own_entry(r, k)))
                .flatten()
                .filter(|e| t.is_null(e.value))
                .count();
            let services = roots()
                .filter_map(|&r| t.own_entry(r, "services"))
                .filter(|s| t.is_map(s.value))
                .flat_map(|s| t.own_entries(s.value))
                .filter(|e| t.is_null(e.value))
                .count();
            sections + services
        });
        out.empty.insert(path.clone(), empty);
    }
    for unit in &project.units {
        let declared = declarations(&project, unit);
        for service in &unit.services {
            for kind in [ResourceKind::Secret, ResourceKind::Config] {
                for r in service.refs(kind) {
                    let Some((def, written)) = project.reference(service, r, kind) else { continue };
                    let target = project.mount_target(def, written, kind).unwrap_or_else(|| "?".into());
                    let source = r.name.exact().map_or_else(|| written.source.value.clone(), str::to_string);
                    out.mounts.insert(Mount {
                        unit: unit.label.clone(),
                        env: unit.env.clone(),
                        service: service.name.clone(),
                        kind,
                        declared: declared.get(&(kind, source.clone())).cloned().unwrap_or_default(),
                        source,
                        target,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Each name's declarations in a unit, as [`Mount::declared`] lists them.
fn declarations(
    project: &Project,
    unit: &crate::model::Unit,
) -> BTreeMap<(ResourceKind, String), Vec<String>> {
    let mut out: BTreeMap<(ResourceKind, String), Vec<String>> = BTreeMap::new();
    for kind in [ResourceKind::Secret, ResourceKind::Config] {
        for (file, d) in project.declarations(unit, kind) {
            let name = project.name_in(unit, file, &d.name.value);
            let name = name.exact().map_or_else(|| d.name.value.clone(), str::to_string);
            let value = |s: &Option<crate::model::compose::Spanned>| s.as_ref().map(|s| s.value.clone());
            let content = d.content.as_ref().map(|c| hex(&crate::diagnostic::value_hash(&c.value)));
            // A `file:` is relative to the file declaring it: the path it resolves to is the object.
            let path = d.file.as_ref().map(|f| {
                project.facts_for(unit, file, &f.value).map_or_else(|| f.value.clone(), |(path, _)| path)
            });
            out.entry((kind, name)).or_default().push(format!(
                "external={} name={:?} file={:?} environment={:?} content={:?}",
                d.external,
                value(&d.real_name),
                path,
                value(&d.environment),
                content,
            ));
        }
    }
    // What they declare, not where: two files declaring the same object are one declaration,
    // so dropping a duplicate changes nothing mounted.
    for list in out.values_mut() {
        list.sort();
        list.dedup();
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why the pass from `before` to `after` must be reverted, if it must: broken files, new
/// error-level findings whose code `blocks`, and mounts that change where `allowed` says no
/// (it is asked about each mount that goes and each that comes). New findings that do not
/// block are returned apart, to report.
pub(super) fn regressions(
    before: &State,
    after: &State,
    allowed: &dyn Fn(&Mount) -> bool,
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
            out.push(format!(
                "it leaves a service, or a top-level `secrets:` or `configs:`, with no value in {path}"
            ));
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
    // A name that was undeclared and now is declared, same service and target, is MP001's fix.
    let declared_now = |m: &Mount| {
        !m.declared.is_empty()
            && before.mounts.iter().any(|b| {
                b.declared.is_empty()
                    && (&b.unit, &b.service, b.kind, &b.source, &b.target)
                        == (&m.unit, &m.service, m.kind, &m.source, &m.target)
            })
    };
    let undeclared_then = |m: &Mount| {
        m.declared.is_empty()
            && after.mounts.iter().any(|a| {
                !a.declared.is_empty()
                    && (&a.unit, &a.service, a.kind, &a.source, &a.target)
                        == (&m.unit, &m.service, m.kind, &m.source, &m.target)
            })
    };
    let mut changed: BTreeSet<String> = BTreeSet::new();
    for (m, gone) in before
        .mounts
        .difference(&after.mounts)
        .map(|m| (m, true))
        .chain(after.mounts.difference(&before.mounts).map(|m| (m, false)))
    {
        if (gone && undeclared_then(m)) || (!gone && declared_now(m)) || allowed(m) {
            continue;
        }
        changed.insert(format!("what service `{}` mounts in {}", m.service, m.unit));
    }
    if !changed.is_empty() {
        out.push(format!(
            "it changes {}, which it is not about (through an anchor, a file another unit reads too, or a declaration that would replace another)",
            changed.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    (out, notes)
}
