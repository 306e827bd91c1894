//! What several rules share: the files the value-scanning rules walk, the units a finding
//! names, and the fixes that declare or grant a secret.

use crate::diagnostic::{Applicability, FileId, FindingBuilder, Fix};
use crate::fix::patch::{NewReference, Unfixable, home_file, with_patcher};
use crate::model::compose::{Compose, ResourceKind, Service, is_version_of, valid_object_name};
use crate::model::yaml::Tree;
use crate::model::{Project, Unit};

/// Ties a finding to the lint units it was found in.
pub(super) trait InUnits: Sized {
    /// Found in `unit`.
    fn in_unit(self, unit: &Unit) -> Self;
    /// Found in `file`, which every unit reading it shares (per-file rules).
    fn in_units_of(self, project: &Project, file: FileId) -> Self;
}

impl InUnits for FindingBuilder {
    fn in_unit(self, unit: &Unit) -> Self {
        self.units(unit.env.clone(), vec![unit.label.clone()])
    }

    fn in_units_of(self, project: &Project, file: FileId) -> Self {
        let units: Vec<&Unit> = project.units_of(file).collect();
        let env = units.first().and_then(|u| u.env.clone());
        self.units(env, units.iter().map(|u| u.label.clone()).collect())
    }
}

/// Each linted Compose file that parsed, with its view, tree and text: what the rules that
/// scan every value (MP007, MP013) walk.
pub(super) fn linted_compose(project: &Project) -> impl Iterator<Item = (FileId, &Compose, &Tree, &str)> {
    // A `--history` step that built units again for a few changed files scans only those:
    // what these rules find depends on one file's text alone.
    let scanned =
        project.linted_files().into_iter().filter(|f| project.changed.as_ref().is_none_or(|c| c.contains(f)));
    scanned.filter_map(move |file| {
        let f = &project.files[file];
        Some((file, f.compose()?, f.tree.as_ref()?, f.text.as_str()))
    })
}

/// Declares `name` as `external: true` in `file`; creating a section is isolated per pass.
pub(super) fn declare_fix(
    project: &Project,
    file: FileId,
    kind: ResourceKind,
    name: &str,
    applicability: Applicability,
) -> Result<Fix, Unfixable> {
    if !valid_object_name(name) {
        return Err(Unfixable(format!("`{name}` is not a valid {} name", kind.noun())));
    }
    let (edits, created) = with_patcher(project, file, |p| p.declare_external(kind, name))?;
    let path = &project.files[file].path;
    let fix = Fix::new(
        format!("Declare {} `{name}` as external in {path}", kind.noun()),
        applicability,
        file,
        edits,
    );
    Ok(if created { fix.isolated(format!("create-section:{path}:{}", kind.key())) } else { fix })
}

/// The fix that grants the secret mounted at `/run/secrets/<target>` to a service definition:
/// reference the declared secret with that name (or its only MiniPaaS version
/// `<target>.<hash8>`, mounted at `target`), declaring it external when nothing declares it.
pub(super) fn grant_fix(
    project: &Project,
    unit: &Unit,
    file: FileId,
    def: &Service,
    target: &str,
) -> Result<Fix, Unfixable> {
    let kind = ResourceKind::Secret;
    let declared: Vec<String> =
        project.declarations(unit, kind).filter_map(|(_, d)| project.resolve(unit, &d.name.value)).collect();
    let versions: Vec<&String> =
        declared.iter().filter(|d| *d != target && is_version_of(d, target)).collect();
    let (source, mount) = match versions.as_slice() {
        _ if declared.iter().any(|d| d == target) => (target.to_string(), None),
        [only] => (only.to_string(), Some(target)),
        _ => (target.to_string(), None),
    };
    let node = def.node.ok_or_else(|| Unfixable(format!("service `{}` has no mapping", def.name.value)))?;
    let r = NewReference { source: &source, target: mount, long: false };
    let edits = with_patcher(project, file, |p| p.add_reference(node, &def.name.value, kind, &r))?;
    let title = format!("Grant secret `{source}` to service `{}`", def.name.value);
    let grant = Fix::new(title, Applicability::Unsafe, file, edits);
    if declared.contains(&source) {
        return Ok(grant);
    }
    let home = home_file(project, unit, &def.name.value).unwrap_or(file);
    Ok(grant.and(declare_fix(project, home, kind, &source, Applicability::Unsafe)?))
}
