//! MP003 unused-secret: a top-level secret that no service of any unit containing it uses.

use super::rule::{Rule, rule};
use crate::diagnostic::{Applicability, Finding, Fix, RuleMeta, Subject};
use crate::fix::patch::with_patcher;
use crate::model::Project;
use crate::model::compose::ResourceKind;
use crate::secrets::Detector;

rule! {
    /// MP003.
    UnusedSecret {
        code: "MP003",
        name: "unused-secret",
        summary: "a top-level secret is declared but no service in its unit uses it",
        severity: Warning,
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
    }
}

impl Rule for UnusedSecret {
    fn check(&self, project: &Project, _detector: &Detector, out: &mut Vec<Finding>) {
        check_unused(project, ResourceKind::Secret, &META, out);
    }
}

/// MP003 and MP004: declarations that no service of any unit reading their file uses (after
/// `extends` and merging; see [`Project::unused`]).
pub(super) fn check_unused(
    project: &Project,
    kind: ResourceKind,
    meta: &'static RuleMeta,
    out: &mut Vec<Finding>,
) {
    for unused in project.unused(kind) {
        let (file, name) = (unused.file, &unused.name);
        let Some(unit) = project.units.iter().find(|u| unused.units.first() == Some(&u.label)) else {
            continue;
        };
        let raw = unused.decl.name.value.clone();
        let fix = with_patcher(project, file, |p| p.remove_declaration(kind, &raw)).map(|edits| {
            Fix::new(format!("Remove the unused {} `{name}`", kind.noun()), Applicability::Safe, file, edits)
        });
        let f = meta
            .finding(
                Subject::Declaration(name.clone()),
                format!("{} `{name}` is declared but no service in {} uses it", kind.noun(), unit.label),
            )
            .at(file, unused.decl.name.span.clone(), "declared here")
            .units(unit.env.clone(), unused.units.clone())
            .help(format!(
                "remove the declaration, or add `{name}` to the `{}:` of the service that needs it",
                kind.key()
            ))
            .try_fix(fix);
        out.push(f.build());
    }
}
