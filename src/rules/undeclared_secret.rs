//! MP001 undeclared-secret: a service uses a secret its lint unit does not declare.

use std::collections::BTreeSet;

use super::{Rule, RuleMeta, declare_fix, finding, home_file, offer, plan};
use crate::finding::{Finding, Severity};
use crate::fix::patch::{Unfixable, scalar};
use crate::fix::{Applicability, Edit, Fix};
use crate::model::Project;
use crate::model::compose::ResourceKind;
use crate::model::interp::Name;
use crate::settings::Settings;

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
unit: the env's files from `minipaas.yaml`, a chain of files the repository deploys
together, or a base file with its overlays, and the files they include. A service that
`extends` another brings that service's references with it (only that service's: the
extended file's other services and its declarations are not the unit's, as Compose does not
import them). A unit with a part the tool cannot see (a remote include, a file that does not
parse) is not checked.

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
Names with `${VAR}` are resolved with the project's `.env` and the env's `vars`; one that
cannot be resolved is skipped, and a declaration whose name cannot be resolved satisfies any
reference it could become.

## Fix safety
When the name is close to a declared one (a typo), the fix points the reference at the
declared name; it is unsafe because the service then mounts a different secret. Otherwise
the fix declares the secret `external: true` in the first file of the unit that defines the
service (where `minipaas secret create` would); it is safe: the stack could not deploy
before, and now deploys once the secret exists in Swarm.
"#,
};

impl Rule for UndeclaredSecret {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, _settings: &Settings, out: &mut Vec<Finding>) {
        check_undeclared(project, ResourceKind::Secret, &META, out);
    }
}

/// MP001 and MP002: every reference of a service (after `extends` and merging) whose name no
/// declaration of the unit has. Units with a part the tool cannot see are skipped: that part
/// may declare it.
pub(super) fn check_undeclared(
    project: &Project,
    kind: ResourceKind,
    meta: &'static RuleMeta,
    out: &mut Vec<Finding>,
) {
    for unit in project.units.iter().filter(|u| !u.may_declare_more()) {
        let declared: Vec<Name> =
            project.declarations(unit, kind).map(|(f, d)| project.name_in(unit, f, &d.name.value)).collect();
        let exact: BTreeSet<String> = declared.iter().filter_map(|d| d.exact().map(str::to_string)).collect();
        for service in &unit.services {
            for r in service.refs(kind) {
                // A name with an unknown variable is not a name the unit can be wrong about.
                let Name::Exact(name) = &r.name else { continue };
                if exact.contains(name) || declared.iter().any(|d| d.matches(name)) {
                    continue;
                }
                let Some((def, written)) = project.reference(service, r, kind) else { continue };
                let file = def.file;
                let place = if written.build { "build of service" } else { "service" };
                let through = match project.service_def(def) {
                    Some(base) if def.extended => format!(
                        " (through `extends` of `{}` in {})",
                        base.name.value, project.files[file].path
                    ),
                    _ => String::new(),
                };
                let mut f = finding(
                    meta,
                    Some(unit),
                    file,
                    written.source.span.clone(),
                    &format!("not declared in {}", unit.label),
                    format!(
                        "{place} `{}`{through} uses {} `{name}`, which is not declared",
                        service.name,
                        kind.noun()
                    ),
                );
                f.subject = format!("{}/{name}", service.name);
                // A near miss is a typo, but only in the service's own text: an extended
                // definition is shared with whatever else extends it.
                let near = did_you_mean(name, &exact).filter(|_| !def.extended);
                f.help = Some(match near {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "declare it under the top-level `{}:` (as `external: true` when it is created with `minipaas {} create`)",
                        kind.key(),
                        kind.noun()
                    ),
                });
                let result = match near {
                    // A near miss is a typo: point the reference at the declared name.
                    Some(near) => {
                        let title = format!("Replace `{name}` with `{near}`");
                        let edit = Edit::replace(written.source.span.clone(), scalar(near));
                        let fix = Fix {
                            title: title.clone(),
                            applicability: Applicability::Unsafe,
                            file,
                            edits: vec![edit],
                            isolation: None,
                        };
                        Ok(plan(title, Applicability::Unsafe, vec![fix], None))
                    }
                    None => home_file(project, unit, &service.name)
                        .ok_or_else(|| Unfixable(format!("service `{}` has no file", service.name)))
                        .and_then(|home| declare_fix(project, home, kind, name, Applicability::Safe))
                        .map(|fix| plan(fix.title.clone(), Applicability::Safe, vec![fix], None)),
                };
                offer(&mut f, result);
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
