//! MP008 conflicting-secret-target: two references of one service mount at the same target.

use std::collections::BTreeMap;

use super::helpers::InUnits;
use super::rule::{Rule, rule};
use crate::diagnostic::{Applicability, FileId, Finding, Fix, Subject};
use crate::fix::patch::{Unfixable, with_patcher};
use crate::model::Project;
use crate::model::compose::{Reference, ResourceKind, Service};
use crate::secrets::Detector;

rule! {
    /// MP008.
    ConflictingSecretTarget {
        code: "MP008",
        name: "conflicting-secret-target",
        summary: "two secrets (or configs) of one service are mounted at the same target",
        severity: Error,
        doc: r#"## What it does
Collects each service's `secrets:` (and `configs:`) as deployed: across the files of the
lint unit and through `extends`, where a later entry replaces an earlier one with the same
key (its `target` for `docker compose`, its `source` for `docker stack deploy` and MiniPaaS,
as each merges them). Reports a reference whose target (`target:`, or the source name when
there is none; `/run/secrets/x` and `x` are the same place) is already taken, by another
source or by the same one written twice.

## Why is this bad?
Swarm rejects the service: "secret references 'a' and 'b' have a conflicting target"
(`docker compose` silently keeps one of two entries written in one service, which hides
which value the service reads). The
upstream MiniPaaS CLI creates exactly this when a value is rotated: it appends
`db_password.<new hash>` with `target: db_password` next to the old version.

## Example
```yaml
services:
  api:
    secrets:
      - source: db_password.267da420
        target: db_password
      - source: db_password.9f86d081
        target: db_password
```

## Use instead
```yaml
services:
  api:
    secrets:
      - source: db_password.9f86d081
        target: db_password
```

## Fix safety
The fix keeps the last reference for the target and removes the earlier ones. It is unsafe:
the service then reads the other version, which must exist in Swarm.
"#,
    }
}

/// Removes the reference that comes first, in its own definition.
fn remove_first(
    project: &Project,
    file: FileId,
    def: &Service,
    r: &Reference,
    kind: ResourceKind,
    source: &str,
) -> Result<Fix, Unfixable> {
    let node = def.node.ok_or_else(|| Unfixable("the service has no mapping".into()))?;
    let edits =
        with_patcher(project, file, |p| p.remove_reference(node, &def.name.value, kind.key(), r.node))?;
    let title = format!("Remove the earlier reference to `{source}` from service `{}`", def.name.value);
    Ok(Fix::new(title, Applicability::Unsafe, file, edits))
}

impl Rule for ConflictingSecretTarget {
    fn check(&self, project: &Project, _detector: &Detector, out: &mut Vec<Finding>) {
        for unit in &project.units {
            for service in &unit.services {
                for kind in [ResourceKind::Secret, ResourceKind::Config] {
                    // target -> the first reference mounted there
                    let mut taken: BTreeMap<String, (FileId, &Service, &Reference, String)> = BTreeMap::new();
                    for r in service.refs(kind) {
                        let Some((def, written)) = project.reference(service, r, kind) else { continue };
                        let Some(def_service) = project.service_def(def) else { continue };
                        if written.build {
                            continue;
                        }
                        let Some(source) = r.name.exact() else { continue };
                        let Some(target) = project.mount_target(def, written, kind) else { continue };
                        let Some((first_file, first_def, first, first_source)) = taken.get(&target) else {
                            taken.insert(target, (def.file, def_service, written, source.to_string()));
                            continue;
                        };
                        let name = &service.name;
                        let message = if first_source == source {
                            format!("service `{name}` mounts {} `{source}` twice at `{target}`", kind.noun())
                        } else {
                            format!(
                                "service `{name}` mounts {} `{source}` at `{target}`, where `{first_source}` is already mounted",
                                kind.noun()
                            )
                        };
                        let subject = Subject::Mount {
                            service: name.clone(),
                            config: kind == ResourceKind::Config,
                            target: target.clone(),
                        };
                        let f = META
                            .finding(subject, message)
                            .at(def.file, written.item.clone(), "same target")
                            .in_unit(unit)
                            .related(*first_file, first.item.clone(), "first mounted here")
                            .help(format!(
                                "keep one {} per target; after a rotation keep the newest version only",
                                kind.noun()
                            ))
                            .try_fix(remove_first(
                                project,
                                *first_file,
                                first_def,
                                first,
                                kind,
                                first_source,
                            ));
                        out.push(f.build());
                    }
                }
            }
        }
    }
}
