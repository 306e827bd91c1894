//! MP009 file-env-without-secret: `X_FILE: /run/secrets/NAME` in a service not granted NAME.

use std::collections::BTreeSet;

use super::{Rule, RuleMeta, finding, grant_fixes, offer, plan};
use crate::compose::ResourceKind;
use crate::finding::{Finding, Severity};
use crate::fix::Applicability;
use crate::project::Project;

/// MP009.
pub(super) struct FileEnvWithoutSecret;

static META: RuleMeta = RuleMeta {
    code: "MP009",
    name: "file-env-without-secret",
    summary: "an `X_FILE: /run/secrets/NAME` variable's service is not granted a secret at NAME",
    severity: Severity::Error,
    doc: r#"## What it does
For every `environment` variable whose name ends in `_FILE` and whose value is a path under
`/run/secrets/`, checks that the service (all its definitions in the lint unit) mounts a
secret at that path (`target:`, or the source name in short syntax).

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
};

impl Rule for FileEnvWithoutSecret {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, out: &mut Vec<Finding>) {
        for unit in project.units.iter().filter(|u| !u.incomplete) {
            let services: BTreeSet<&str> =
                project.services(unit).map(|(_, s)| s.name.value.as_str()).collect();
            for name in services {
                let defs: Vec<_> = project.services(unit).filter(|(_, s)| s.name.value == name).collect();
                let granted: BTreeSet<String> = defs
                    .iter()
                    .flat_map(|(_, s)| s.secrets.iter().filter(|r| !r.build))
                    .filter_map(|r| {
                        let target = r.target.as_ref().unwrap_or(&r.source);
                        project
                            .resolve(unit, &target.value)
                            .map(|t| ResourceKind::Secret.normalize_target(&t))
                    })
                    .collect();
                for (file, service) in &defs {
                    for var in &service.environment {
                        let Some(value) = &var.value else { continue };
                        let Some(secret) = value.value.strip_prefix("/run/secrets/") else {
                            continue;
                        };
                        if !var.key.value.ends_with("_FILE")
                            || secret.is_empty()
                            || secret.contains('$')
                            || granted.contains(secret)
                        {
                            continue;
                        }
                        let mut f = finding(
                            &META,
                            Some(unit),
                            *file,
                            value.span.clone(),
                            "nothing is mounted here",
                            format!(
                                "`{}` points at /run/secrets/{secret}, but service `{name}` is not granted a secret there",
                                var.key.value
                            ),
                        );
                        f.subject = format!("{name}/{}", var.key.value);
                        f.help = Some(format!(
                            "grant it: add `{secret}` to the service's `secrets:` (or run `minipaas secret create --name {secret} --for {name}`)"
                        ));
                        let result = grant_fixes(project, unit, *file, service, secret).map(|fixes| {
                            let title = format!("Grant secret `{secret}` to service `{name}`");
                            plan(title, Applicability::Unsafe, fixes, None)
                        });
                        offer(&mut f, result);
                        out.push(f);
                    }
                }
            }
        }
    }
}
