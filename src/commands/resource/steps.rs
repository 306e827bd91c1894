//! The steps of `create` and `delete`: "ensure" rules over the project as it is so far, each
//! returning the next edit (through the shared patch operations) or none when it holds.

use crate::diagnostic::{Applicability, Edit, FileId, Fix};
use crate::fix::engine::Step;
use crate::fix::patch::{NewReference, Patcher, Unfixable, repoint, with_patcher};
use crate::model::compose::{ResourceKind, is_version_of};
use crate::model::{Project, Unit};

pub(super) fn unit(project: &Project) -> Result<&Unit, Unfixable> {
    project.units.first().ok_or_else(|| Unfixable("the env has no files".into()))
}

fn file_id(project: &Project, path: &str) -> Result<FileId, Unfixable> {
    project
        .files
        .iter()
        .position(|f| f.path == path)
        .ok_or_else(|| Unfixable(format!("{path} is no longer loaded")))
}

fn patcher_fix(
    project: &Project,
    file: FileId,
    title: String,
    build: impl FnOnce(&Patcher<'_>) -> Result<Vec<Edit>, Unfixable>,
) -> Result<Option<Fix>, Unfixable> {
    let edits = with_patcher(project, file, build)?;
    Ok(Some(Fix::new(title, Applicability::Unsafe, file, edits)))
}

/// Step: in `service`, in whichever of the env's files writes it, deal with one reference
/// mounted at `target` whose source is not `keep` (the rotation rule: no two versions at one
/// target). The first one is repointed at `keep` in place (a one-word edit, in the overlay that
/// holds it too); any further one is removed.
pub(super) fn drop_other_version<'a>(
    kind: ResourceKind,
    service: &'a str,
    target: &'a str,
    keep: &'a str,
) -> Step<'a> {
    Box::new(move |project: &Project| {
        let u = unit(project)?;
        let has_keep = project.services(u).filter(|(_, s)| s.name.value == service).any(|(_, s)| {
            s.refs(kind)
                .iter()
                .any(|r| !r.build && project.resolve(u, &r.source.value).as_deref() == Some(keep))
        });
        for (file, def) in project.services(u).filter(|(_, s)| s.name.value == service) {
            let refs: Vec<_> = def.refs(kind).iter().filter(|r| !r.build).collect();
            for r in &refs {
                let source = project.resolve(u, &r.source.value);
                if r.effective_target(kind) != kind.normalize_target(target)
                    || source.as_deref() == Some(keep)
                {
                    continue;
                }
                let f = &project.files[file];
                let repointed = f.tree.as_ref().and_then(|t| repoint(&f.text, t, r, keep).ok());
                if let Some(edit) = repointed.filter(|_| !has_keep && r.target.is_some()) {
                    let title = format!("Point `{service}` at `{keep}`");
                    return Ok(Some(Fix::new(title, Applicability::Unsafe, file, vec![edit])));
                }
                let node =
                    def.node.ok_or_else(|| Unfixable(format!("service `{service}` has no mapping")))?;
                let title = format!("Remove {} `{}` from `{service}`", kind.noun(), r.source.value);
                return patcher_fix(project, file, title, |p| {
                    p.remove_reference(node, service, kind.key(), r.node)
                });
            }
        }
        Ok(None)
    })
}

/// Step: `service` in `path` references `source` mounted at `target` (long syntax).
pub(super) fn ensure_reference<'a>(
    kind: ResourceKind,
    path: &'a str,
    service: &'a str,
    source: &'a str,
    target: &'a str,
) -> Step<'a> {
    Box::new(move |project: &Project| {
        let u = unit(project)?;
        let file = file_id(project, path)?;
        let Some(compose) = project.files[file].compose() else { return Ok(None) };
        let Some(def) = compose.services.iter().find(|s| s.name.value == service) else {
            return Err(Unfixable(format!("service `{service}` is no longer in {path}")));
        };
        let has = project.services(u).filter(|(_, s)| s.name.value == service).any(|(_, s)| {
            s.refs(kind)
                .iter()
                .any(|r| !r.build && project.resolve(u, &r.source.value).as_deref() == Some(source))
        });
        if has {
            return Ok(None);
        }
        let node = def.node.ok_or_else(|| Unfixable(format!("service `{service}` has no mapping")))?;
        let r = NewReference { source, target: Some(target), long: true };
        patcher_fix(project, file, format!("Grant `{source}` to `{service}`"), |p| {
            p.add_reference(node, service, kind, &r)
        })
    })
}

/// Step: `path` declares `name` (as `external: true`).
pub(super) fn ensure_declared<'a>(kind: ResourceKind, path: &'a str, name: &'a str) -> Step<'a> {
    Box::new(move |project: &Project| {
        let file = file_id(project, path)?;
        let declared =
            project.files[file].compose().is_some_and(|c| c.decls(kind).iter().any(|d| d.name.value == name));
        if declared {
            return Ok(None);
        }
        let (edits, _) = with_patcher(project, file, |p| p.declare_external(kind, name))?;
        Ok(Some(Fix::new(format!("Declare `{name}`"), Applicability::Unsafe, file, edits)))
    })
}

/// Step: remove one declaration matching `pred` from the env's files, whatever uses it (the
/// references go first, in [`drop_reference`]).
pub(super) fn drop_declaration<'a>(kind: ResourceKind, pred: &'a dyn Fn(&str) -> bool) -> Step<'a> {
    Box::new(move |project: &Project| {
        let u = unit(project)?;
        for (file, decl) in project.declarations(u, kind) {
            let Some(name) = project.resolve(u, &decl.name.value) else { continue };
            if pred(&name) {
                let raw = decl.name.value.clone();
                return patcher_fix(project, file, format!("Remove declaration `{name}`"), |p| {
                    p.remove_declaration(kind, &raw)
                });
            }
        }
        Ok(None)
    })
}

/// Step: remove one reference matching `pred` from any service of the env.
pub(super) fn drop_reference<'a>(kind: ResourceKind, pred: &'a dyn Fn(&str) -> bool) -> Step<'a> {
    Box::new(move |project: &Project| {
        let u = unit(project)?;
        for (file, def) in project.services(u) {
            for r in def.refs(kind) {
                if project.resolve(u, &r.source.value).is_some_and(|n| pred(&n)) {
                    let node = def
                        .node
                        .ok_or_else(|| Unfixable(format!("service `{}` has no mapping", def.name.value)))?;
                    if r.build {
                        return Err(Unfixable(format!(
                            "service `{}` uses it in `build.secrets`; remove it by hand",
                            def.name.value
                        )));
                    }
                    let title = format!("Remove `{}` from `{}`", r.source.value, def.name.value);
                    return patcher_fix(project, file, title, |p| {
                        p.remove_reference(node, &def.name.value, kind.key(), r.node)
                    });
                }
            }
        }
        Ok(None)
    })
}

/// Step: remove one declaration of an older version of `base` that is no longer needed: no
/// service of the env uses it, or none in its own file does and another file declares it too.
pub(super) fn drop_old_version<'a>(kind: ResourceKind, base: &'a str, keep: &'a str) -> Step<'a> {
    Box::new(move |project: &Project| {
        let u = unit(project)?;
        let refs_in = |files: &[FileId], name: &str| {
            files
                .iter()
                .filter_map(|&f| project.files[f].compose())
                .flat_map(|c| &c.services)
                .flat_map(|s| s.refs(kind))
                .any(|r| project.resolve(u, &r.source.value).as_deref() == Some(name))
        };
        for (file, decl) in project.declarations(u, kind) {
            let Some(name) = project.resolve(u, &decl.name.value) else { continue };
            if name == keep || !is_version_of(&name, base) {
                continue;
            }
            let elsewhere =
                project.declarations(u, kind).any(|(f, d)| f != file && d.name.value == decl.name.value);
            // Kept while any unit reading its file, in this env or another, uses it.
            let unused = !project.used_anywhere(file, kind, &decl.name.value);
            if unused || (!refs_in(&[file], &name) && elsewhere) {
                let raw = decl.name.value.clone();
                return patcher_fix(project, file, format!("Remove declaration `{name}`"), |p| {
                    p.remove_declaration(kind, &raw)
                });
            }
        }
        Ok(None)
    })
}
