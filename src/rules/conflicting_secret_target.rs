//! MP008 conflicting-secret-target: two references of one service mount at the same target.

use std::collections::BTreeMap;

use super::{Rule, RuleMeta, finding, offer, plan, with_patcher};
use crate::compose::{Reference, ResourceKind, Service};
use crate::finding::{FileId, Finding, Label, Severity};
use crate::fix::{Applicability, Fix};
use crate::patch::Unfixable;
use crate::project::Project;

/// MP008.
pub(super) struct ConflictingSecretTarget;

static META: RuleMeta = RuleMeta {
    code: "MP008",
    name: "conflicting-secret-target",
    summary: "two secrets (or configs) of one service are mounted at the same target",
    severity: Severity::Error,
    doc: r#"## What it does
Collects each service's `secrets:` (and `configs:`) across every file of the lint unit (a
later file's entry for the same source replaces an earlier one, as Compose merges them) and
reports a reference whose target (`target:`, or the source name when there is none;
`/run/secrets/x` and `x` are the same place) is already taken by a different source.

## Why is this bad?
Swarm rejects the service: "secret references 'a' and 'b' have a conflicting target". The
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
};

/// Per service name: its references by (kind, source), a later file's entry replacing an earlier.
type ByService<'a> = BTreeMap<&'a str, BTreeMap<(ResourceKind, String), Placed<'a>>>;

/// A reference with the file and service definition it is written in.
type Placed<'a> = (FileId, &'a Service, &'a Reference);

/// Removes the earlier reference, keeping the last one (MiniPaaS appends the newest version).
fn remove_first(
    project: &Project,
    (file, def, r): Placed<'_>,
    kind: ResourceKind,
    source: &str,
) -> Result<crate::finding::FixPlan, Unfixable> {
    let node = def.node.ok_or_else(|| Unfixable("the service has no mapping".into()))?;
    let edits =
        with_patcher(project, file, |p| p.remove_reference(node, &def.name.value, kind.key(), r.node))?;
    let title = format!("Remove the earlier reference to `{source}` from service `{}`", def.name.value);
    let fix =
        Fix { title: title.clone(), applicability: Applicability::Unsafe, file, edits, isolation: None };
    Ok(plan(title, Applicability::Unsafe, vec![fix], None))
}

impl Rule for ConflictingSecretTarget {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, out: &mut Vec<Finding>) {
        for unit in &project.units {
            let mut services: ByService<'_> = BTreeMap::new();
            let mut order: Vec<(&str, ResourceKind, String)> = Vec::new();
            for (file, service) in project.services(unit) {
                for kind in [ResourceKind::Secret, ResourceKind::Config] {
                    for r in service.refs(kind).iter().filter(|r| !r.build) {
                        let Some(source) = project.resolve(unit, &r.source.value) else {
                            continue;
                        };
                        let refs = services.entry(&service.name.value).or_default();
                        if refs.insert((kind, source.clone()), (file, service, r)).is_none() {
                            order.push((&service.name.value, kind, source));
                        }
                    }
                }
            }
            let mut targets: BTreeMap<(&str, ResourceKind, String), (Placed<'_>, String)> = BTreeMap::new();
            for (service, kind, source) in order {
                let Some(&(file, def, r)) =
                    services.get(service).and_then(|m| m.get(&(kind, source.clone())))
                else {
                    continue;
                };
                let Some(target) = project.resolve(unit, &r.target.as_ref().unwrap_or(&r.source).value)
                else {
                    continue;
                };
                let target = kind.normalize_target(&target);
                match targets.get(&(service, kind, target.clone())) {
                    None => {
                        targets.insert((service, kind, target), ((file, def, r), source));
                    }
                    Some(((first_file, first_def, first), first_source)) => {
                        let mut f = finding(
                            &META,
                            Some(unit),
                            file,
                            r.item.clone(),
                            "same target",
                            format!(
                                "service `{service}` mounts {} `{source}` at `{target}`, where `{first_source}` is already mounted",
                                kind.noun()
                            ),
                        );
                        f.subject = format!("{service}/{target}");
                        f.related.push(Label {
                            file: *first_file,
                            span: first.item.clone(),
                            note: "first mounted here".into(),
                        });
                        f.help = Some(format!(
                            "keep one {} per target; after a rotation keep the newest version only",
                            kind.noun()
                        ));
                        let result =
                            remove_first(project, (*first_file, first_def, first), kind, first_source);
                        offer(&mut f, result);
                        out.push(f);
                    }
                }
            }
        }
    }
}
