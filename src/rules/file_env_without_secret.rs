//! MP009 file-env-without-secret: `X_FILE: /run/secrets/NAME` in a service not granted NAME.

use std::collections::{BTreeMap, BTreeSet};

use super::helpers::{InUnits, grant_fix};
use super::rule::{Rule, rule};
use crate::diagnostic::{Finding, Subject};
use crate::model::Project;
use crate::model::compose::{EnvVar, ResourceKind};
use crate::secrets::Detector;

rule! {
    /// MP009.
    FileEnvWithoutSecret {
        code: "MP009",
        name: "file-env-without-secret",
        summary: "an `X_FILE: /run/secrets/NAME` variable's service is not granted a secret at NAME",
        severity: Error,
        doc: r#"## What it does
For every `environment` variable whose name ends in `_FILE` and whose value is a path under
`/run/secrets/`, checks that the service (as deployed: all its definitions in the lint unit
and what it `extends`) mounts a secret at that path (`target:`, or the source name in short
syntax).

## Why is this bad?
The image reads the file at start-up and finds nothing: the container exits ("cannot read
/run/secrets/postgres_password") or, worse, falls back to an empty or default password.

## Example
```yaml
services:
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
```

## Use instead
```yaml
services:
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
    secrets:
      - source: postgres_password.267da420
        target: postgres_password
secrets:
  postgres_password.267da420:
    external: true
```

## Fix safety
The fix references the declared secret named NAME (or its only versioned `NAME.<hash8>`,
mounted at NAME), declaring `NAME` as `external: true` when nothing declares it. It is
unsafe: the service then needs that secret to exist in Swarm.
"#,
    }
}

impl Rule for FileEnvWithoutSecret {
    fn check(&self, project: &Project, _detector: &Detector, out: &mut Vec<Finding>) {
        for unit in project.units.iter().filter(|u| !u.may_use_more()) {
            for service in &unit.services {
                let name = service.name.as_str();
                let mut granted: BTreeSet<String> = BTreeSet::new();
                let mut unknown_target = false;
                for r in service.refs(ResourceKind::Secret) {
                    let Some((def, written)) = project.reference(service, r, ResourceKind::Secret) else {
                        continue;
                    };
                    if written.build {
                        continue;
                    }
                    match project.mount_target(def, written, ResourceKind::Secret) {
                        Some(t) => {
                            granted.insert(t);
                        }
                        // A target with an unknown variable may be any of them.
                        None => unknown_target = true,
                    }
                }
                // A config mounted under /run/secrets/ puts a file there too.
                for r in service.refs(ResourceKind::Config) {
                    let Some((_, written)) = project.reference(service, r, ResourceKind::Config) else {
                        continue;
                    };
                    match &written.target {
                        Some(t) if t.value.contains('$') => unknown_target = true,
                        Some(t) => {
                            granted.extend(t.value.strip_prefix("/run/secrets/").map(str::to_string));
                        }
                        None => {}
                    }
                }
                // `environment` merges as a mapping: a later definition's value for a key wins.
                let mut vars: BTreeMap<&str, (&crate::model::Def, &EnvVar)> = BTreeMap::new();
                for def in &service.defs {
                    let Some(written) = project.service_def(def) else { continue };
                    for var in &written.environment {
                        vars.insert(var.key.value.as_str(), (def, var));
                    }
                }
                for (key, (def, var)) in vars {
                    let Some(value) = &var.value else { continue };
                    let Some(secret) = value.value.strip_prefix("/run/secrets/") else {
                        continue;
                    };
                    // Only a name Swarm accepts can be granted; anything else in the value is not
                    // a mount this rule understands, and may be a value pasted by mistake: it is
                    // never quoted in a message.
                    if !key.ends_with("_FILE")
                        || !crate::model::compose::valid_object_name(secret)
                        || granted.contains(secret)
                        || unknown_target
                    {
                        continue;
                    }
                    let message = format!(
                        "`{key}` points at /run/secrets/{secret}, but service `{name}` is not granted a secret there"
                    );
                    let subject = Subject::Service { service: name.to_string(), name: key.to_string() };
                    let f = META
                        .finding(subject, message)
                        .at(def.file, value.span.clone(), "nothing is mounted here")
                        .in_unit(unit)
                        .help(format!(
                            "grant it: add `{secret}` to the service's `secrets:` (or run `minipaas secret create --name {secret} --for {name}`)"
                        ));
                    // The grant goes in the service's own definition, never in a shared one.
                    let own = service.defs.iter().rev().find(|d| !d.extended);
                    let fix = match own.and_then(|d| Some((d.file, project.service_def(d)?))) {
                        Some((file, written)) => grant_fix(project, unit, file, written, secret)
                            .map(|fix| fix.titled(format!("Grant secret `{secret}` to service `{name}`"))),
                        None => Err(crate::fix::patch::Unfixable(format!(
                            "service `{name}` has no definition of its own"
                        ))),
                    };
                    out.push(f.try_fix(fix).build());
                }
            }
        }
    }
}
