//! MP001 undeclared-secret: a service uses a secret its lint unit does not declare.

use std::collections::BTreeSet;

use super::helpers::{InUnits, declare_fix};
use super::rule::{Rule, rule};
use crate::diagnostic::{Applicability, Finding, Fix, RuleMeta, Subject};
use crate::fix::patch::{Unfixable, home_file, repoint};
use crate::model::Project;
use crate::model::compose::ResourceKind;
use crate::model::interp::Name;
use crate::secrets::Detector;

rule! {
    /// MP001.
    UndeclaredSecret {
        code: "MP001",
        name: "undeclared-secret",
        summary: "a service (or its build) uses a secret that no file of its unit declares",
        severity: Error,
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
When the name is close to exactly one declared name that no service uses (a typo, and the
declaration it meant), the fix points the reference at the declared name; it is unsafe because the service then mounts a different secret. Otherwise
the fix declares the secret `external: true` in the first file of the unit that defines the
service (where `minipaas secret create` would); it is safe: the stack could not deploy
before, and now deploys once the secret exists in Swarm. A name written with a variable
(`${DB_SECRET}`) gets no fix: the declaration would have to spell out what the variable holds
(maybe a value from `.env`), and Compose does not interpolate keys.
"#,
    }
}

impl Rule for UndeclaredSecret {
    fn check(&self, project: &Project, _detector: &Detector, out: &mut Vec<Finding>) {
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
        // A typo pairs a name nothing declares with a declaration nothing uses: a declared name
        // another service already mounts is that service's secret, not a typo to point at.
        let uses = project.uses(unit, kind);
        let unused: BTreeSet<String> = exact.iter().filter(|d| !uses.matches(d)).cloned().collect();
        // Every missing name, and how many of them each unused declaration is close to: one
        // declaration two missing names could mean is no typo of either.
        let missing: BTreeSet<&str> = unit
            .services
            .iter()
            .flat_map(|s| s.refs(kind))
            .filter_map(|r| r.name.exact())
            .filter(|n| !exact.contains(*n) && !declared.iter().any(|d| d.matches(n)))
            .collect();
        let mut claims: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for n in &missing {
            if let Some(near) = did_you_mean(n, &unused) {
                *claims.entry(near).or_default() += 1;
            }
        }
        for service in &unit.services {
            let listed: BTreeSet<&str> = service.refs(kind).iter().filter_map(|r| r.name.exact()).collect();
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
                // A near miss is a typo, but only in the service's own text: an extended
                // definition is shared with whatever else extends it.
                let near = did_you_mean(name, &unused)
                    .filter(|n| !def.extended && !listed.contains(n) && claims.get(n) == Some(&1));
                let help = match near {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "declare it under the top-level `{}:` (as `external: true` when it is created with `minipaas {} create`)",
                        kind.key(),
                        kind.noun()
                    ),
                };
                let fix = match near {
                    // A near miss is a typo: point the reference at the declared name.
                    Some(near) => {
                        let f = &project.files[file];
                        f.tree
                            .as_ref()
                            .ok_or_else(|| Unfixable("the file did not parse".into()))
                            .and_then(|tree| repoint(&f.text, tree, written, near))
                            .map(|edit| {
                                let title = format!("Replace `{name}` with `{near}`");
                                Fix::new(title, Applicability::Unsafe, file, vec![edit])
                            })
                    }
                    // A name that comes from a variable is declared by hand: the declaration
                    // would write the variable's value (maybe one from `.env`) into the file,
                    // and Compose does not interpolate keys.
                    None if written.source.value.contains('$') => Err(Unfixable(format!(
                        "the name is written `{}`: declaring what it resolves to would write the variable's value into the file",
                        written.source.value
                    ))),
                    None => home_file(project, unit, &service.name)
                        .ok_or_else(|| Unfixable(format!("service `{}` has no file", service.name)))
                        .and_then(|home| declare_fix(project, home, kind, name, Applicability::Safe)),
                };
                let subject = Subject::Service { service: service.name.clone(), name: name.clone() };
                let message = format!(
                    "{place} `{}`{through} uses {} `{name}`, which is not declared",
                    service.name,
                    kind.noun()
                );
                let f = meta
                    .finding(subject, message)
                    .at(file, written.source.span.clone(), format!("not declared in {}", unit.label))
                    .in_unit(unit)
                    .help(help)
                    .try_fix(fix);
                out.push(f.build());
            }
        }
    }
}

/// The one declared name close enough to `name` to be a typo; none when two are (which one
/// was meant is a guess).
fn did_you_mean<'a>(name: &str, declared: &'a BTreeSet<String>) -> Option<&'a str> {
    let mut close = declared.iter().filter(|d| strsim::jaro_winkler(name, d) >= 0.85);
    match (close.next(), close.next()) {
        (Some(only), None) => Some(only.as_str()),
        _ => None,
    }
}
