//! MP006 literal-secret-env: a credential-named environment variable has a literal value.

use super::{Rule, RuleMeta, finding, first_unit};
use crate::finding::{Finding, Severity};
use crate::project::Project;
use crate::secrets::literal_credential;

/// MP006.
pub(super) struct LiteralSecretEnv;

static META: RuleMeta = RuleMeta {
    code: "MP006",
    name: "literal-secret-env",
    summary: "a credential-named `environment` variable is set to a literal value",
    severity: Severity::Error,
    doc: r#"## What it does
Reports an `environment` entry (map or list form) whose name contains a credential word
(PASSWORD, PASSWD, PASS, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ACCESS_KEY, CREDENTIALS, ... as
whole words, not substrings) and whose value is written out, including the default in
`${X:-literal}`. It skips `*_FILE` and `*_PATH` variables, empty values, pure interpolation
(`${DB_PASSWORD}`), flags (`true`, `yes`, `1`), and numbers that configure the credential
rather than hold it (`PASSWORD_MIN_LENGTH: 12`).

## Why is this bad?
The value is committed with the Compose file, visible in `docker inspect`, in the process
environment of every child process, and often in logs. Swarm secrets are mounted as files
that only the granted service can read.

## Example
```yaml
services:
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD: hunter2
```

## Use instead
```yaml
services:
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
    secrets: [postgres_password]
secrets:
  postgres_password:
    external: true
```
Create the secret with `minipaas secret create --env prod --name postgres_password --for db`.
"#,
};

impl Rule for LiteralSecretEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, out: &mut Vec<Finding>) {
        for file in project.linted_files() {
            let Some(compose) = project.files[file].compose() else {
                continue;
            };
            for service in &compose.services {
                for var in &service.environment {
                    let Some(value) = &var.value else { continue };
                    let Some(range) = literal_credential(&var.key.value, &value.value) else {
                        continue;
                    };
                    let span = if var.verbatim {
                        value.span.start + range.start..value.span.start + range.end
                    } else {
                        value.span.clone()
                    };
                    let key = &var.key.value;
                    let mut f = finding(
                        &META,
                        first_unit(project, file),
                        file,
                        span,
                        "literal value",
                        format!(
                            "`{key}` of service `{}` is set to a literal value, committed with this file",
                            service.name.value
                        ),
                    );
                    let name = key.to_ascii_lowercase();
                    f.help = Some(format!(
                        "keep it in a secret: `minipaas secret create --name {name} --for {}`, then read it from /run/secrets/{name} (e.g. `{key}_FILE` where the image supports it)",
                        service.name.value
                    ));
                    out.push(f);
                }
            }
        }
    }
}
