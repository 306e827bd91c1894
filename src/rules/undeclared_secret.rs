//! MP001 undeclared-secret: a service uses a secret its lint unit does not declare.

use std::collections::BTreeSet;

use super::{Rule, RuleMeta, finding};
use crate::compose::ResourceKind;
use crate::finding::{Finding, Severity};
use crate::project::Project;

/// MP001.
pub(super) struct UndeclaredSecret;

static META: RuleMeta = RuleMeta {
    code: "MP001",
    name: "undeclared-secret",
    summary: "a service (or its build) uses a secret that no file of its unit declares",
    severity: Severity::Error,
    doc: r#"## What it does
Checks that every secret a service references (in `secrets:`, short or long syntax, and in
`build.secrets`) is declared under the top-level `secrets:` of some file in the same lint
unit: the env's files from `minipaas.yaml`, or a base file with its overlays, includes and
extended files.

## Why is this bad?
`docker stack deploy` refuses the whole stack ("service web: undefined secret db_password").
It often happens when a secret is created with `minipaas secret create` in one env and the
declaration is missing in another, or after a rename.

## Example
```yaml
services:
  web:
    secrets: [db_pasword]
secrets:
  db_password:
    external: true
```

## Use instead
```yaml
services:
  web:
    secrets: [db_password]
secrets:
  db_password:
    external: true
```
Names with `${VAR}` that cannot be resolved from the env's `vars` are skipped.
"#,
};

impl Rule for UndeclaredSecret {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, out: &mut Vec<Finding>) {
        check_undeclared(project, ResourceKind::Secret, &META, out);
    }
}

/// MP001 and MP002: every reference whose name no declaration in the unit has.
pub(super) fn check_undeclared(
    project: &Project,
    kind: ResourceKind,
    meta: &'static RuleMeta,
    out: &mut Vec<Finding>,
) {
    for unit in project.units.iter().filter(|u| !u.incomplete) {
        let declared: BTreeSet<String> = project
            .declarations(unit, kind)
            .filter_map(|(_, d)| project.resolve(unit, &d.name.value))
            .collect();
        for (file, service) in project.services(unit) {
            for r in service.refs(kind) {
                let Some(name) = project.resolve(unit, &r.source.value) else {
                    continue;
                };
                if declared.contains(&name) {
                    continue;
                }
                let place = if r.build {
                    "build of service"
                } else {
                    "service"
                };
                let mut f = finding(
                    meta,
                    Some(unit),
                    file,
                    r.source.span.clone(),
                    &format!("not declared in {}", unit.label),
                    format!(
                        "{place} `{}` uses {} `{name}`, which is not declared",
                        service.name.value,
                        kind.noun()
                    ),
                );
                f.help = Some(match did_you_mean(&name, &declared) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "declare it under the top-level `{}:` (as `external: true` when it is created with `minipaas {} create`)",
                        kind.key(),
                        kind.noun()
                    ),
                });
                out.push(f);
            }
        }
    }
}

/// The declared name closest to `name`, if it is close enough to be a typo.
fn did_you_mean<'a>(name: &str, declared: &'a BTreeSet<String>) -> Option<&'a str> {
    declared
        .iter()
        .map(|d| (strsim::jaro_winkler(name, d), d))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d.as_str())
}
