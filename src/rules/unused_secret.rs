//! MP003 unused-secret: a top-level secret that no service of any unit containing it uses.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Rule, RuleMeta, finding, offer, plan, with_patcher};
use crate::finding::{FileId, Finding, Severity};
use crate::fix::{Applicability, Fix};
use crate::model::Project;
use crate::model::compose::ResourceKind;
use crate::model::interp::Name;
use crate::settings::Settings;

/// MP003.
pub(super) struct UnusedSecret;

static META: RuleMeta = RuleMeta {
    code: "MP003",
    name: "unused-secret",
    summary: "a top-level secret is declared but no service in its unit uses it",
    severity: Severity::Warning,
    doc: r#"## What it does
Reports a top-level `secrets:` entry that no service uses, in any profile, in any file of
the lint unit (build secrets count; so do references brought in by `extends`, and a Swarm
cluster volume's `x-cluster-spec.secrets`). A file
deployed in several units is reported only when the declaration is unused in every one of
them, and never while a unit holding it has a part the tool cannot see (a remote include, a
missing `extends` file) or a reference whose `${VAR}` could make it this name.

## Why is this bad?
A stale declaration keeps a secret alive in Swarm after the code stopped needing it, hides
renames (a service may use a misspelt name instead), and for `file:` secrets keeps a
credential file around. MiniPaaS leaves old versions behind when a value is rotated.

## Example
```yaml
services:
  web:
    secrets: [db_password.2b1c9a10]
secrets:
  db_password.2b1c9a10:
    external: true
  db_password.267da420:
    external: true
```

## Use instead
```yaml
services:
  web:
    secrets: [db_password.2b1c9a10]
secrets:
  db_password.2b1c9a10:
    external: true
```

## Fix safety
Removing the declaration is safe: nothing in the unit uses it, so the deployed stack is the
same (the Swarm object itself is left alone; `minipaas secret prune` deals with those).
"#,
};

impl Rule for UnusedSecret {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, _settings: &Settings, out: &mut Vec<Finding>) {
        check_unused(project, ResourceKind::Secret, &META, out);
    }
}

/// MP003 and MP004: declarations that no service of any unit containing them uses (after
/// `extends` and merging), reported only when every such unit is fully seen.
pub(super) fn check_unused(
    project: &Project,
    kind: ResourceKind,
    meta: &'static RuleMeta,
    out: &mut Vec<Finding>,
) {
    // (file, key span) -> (units that have it, units where it is unused, the finding)
    let mut seen: BTreeMap<(FileId, usize), (usize, usize, Option<Finding>)> = BTreeMap::new();
    for unit in &project.units {
        let used = project.uses(unit, kind);
        for (file, decl) in project.declarations(unit, kind) {
            let entry = seen.entry((file, decl.name.span.start)).or_insert((0, 0, None));
            entry.0 += 1;
            let Name::Exact(name) = project.name_in(unit, file, &decl.name.value) else {
                continue;
            };
            // A part the tool cannot see may use it; a reference with an unknown variable
            // may be it.
            if project.may_use(unit, &used, &name) {
                continue;
            }
            entry.1 += 1;
            match &mut entry.2 {
                Some(f) => f.units.push(unit.label.clone()),
                None => {
                    let span: Range<usize> = decl.name.span.clone();
                    let mut f = finding(
                        meta,
                        Some(unit),
                        file,
                        span,
                        "declared here",
                        format!(
                            "{} `{name}` is declared but no service in {} uses it",
                            kind.noun(),
                            unit.label
                        ),
                    );
                    f.subject = name.clone();
                    f.help = Some(format!(
                        "remove the declaration, or add `{name}` to the `{}:` of the service that needs it",
                        kind.key()
                    ));
                    let raw = decl.name.value.clone();
                    let result =
                        with_patcher(project, file, |p| p.remove_declaration(kind, &raw)).map(|edits| {
                            let title = format!("Remove the unused {} `{name}`", kind.noun());
                            let fix = Fix {
                                title: title.clone(),
                                applicability: Applicability::Safe,
                                file,
                                edits,
                                isolation: None,
                            };
                            plan(title, Applicability::Safe, vec![fix], None)
                        });
                    offer(&mut f, result);
                    entry.2 = Some(f);
                }
            }
        }
    }
    out.extend(seen.into_values().filter(|(all, unused, _)| all == unused).filter_map(|(_, _, f)| f));
}
