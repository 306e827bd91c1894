//! MP013 password-hash: a password hash (htpasswd, bcrypt, crypt, `{SHA512-CRYPT}`) committed
//! in a value.

use super::{Rule, RuleMeta, file_finding};
use crate::finding::{Finding, Severity};
use crate::model::Project;
use crate::settings::Settings;

/// MP013.
pub(super) struct PasswordHash;

static META: RuleMeta = RuleMeta {
    code: "MP013",
    name: "password-hash",
    summary: "a value holds a password hash (htpasswd, bcrypt, crypt)",
    severity: Severity::Warning,
    doc: r#"## What it does
Reports a value that holds a password hash: bcrypt (`$2y$10$…`), Apache's `$apr1$`, crypt's
`$1$`/`$5$`/`$6$` (written `$$6$$` in Compose, which interpolates `$`), or a Dovecot-style
`{SHA512-CRYPT}`/`{SSHA}` prefix. These are typical in Traefik `basicauth.users` labels,
htpasswd-style `REGISTRY_AUTH` settings and mail server account lists.

## Why is this bad?
A hash is not the password, but anyone with the repository can try guesses against it offline
as fast as their hardware allows, and a weak or sample password falls at once. It is a warning,
not an error, because the hash is meant to be published less than a password is.

## Example
```yaml
services:
  traefik:
    labels:
      - traefik.http.middlewares.auth.basicauth.users=admin:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/
```

## Use instead
```yaml
services:
  traefik:
    labels:
      - traefik.http.middlewares.auth.basicauth.usersfile=/run/secrets/htpasswd
    secrets: [htpasswd]
secrets:
  htpasswd:
    external: true
```

## Fix safety
No automatic fix: where the program can read the users from a file differs per program.
"#,
};

impl Rule for PasswordHash {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, settings: &Settings, out: &mut Vec<Finding>) {
        let det = settings.detector();
        for (file, compose, tree, text) in super::linted_compose(project) {
            for scalar in &compose.scalars {
                let Some(value) = tree.scalar(scalar.value) else { continue };
                let Some(range) = crate::secrets::find_hash(value) else { continue };
                let span = tree
                    .source_range(text, scalar.value, range.clone())
                    .unwrap_or_else(|| tree.node(scalar.value).span.clone());
                let key = scalar.key.and_then(|k| tree.scalar(k)).map(|k| crate::redact::shown_name(k, &det));
                let key = key.as_deref();
                let place = key.map_or_else(|| "a value".to_string(), |k| format!("the value of `{k}`"));
                let mut f = file_finding(
                    &META,
                    project,
                    file,
                    span,
                    "password hash",
                    format!("{place} holds a password hash, committed with this file"),
                );
                f.subject = format!("{}/hash", key.unwrap_or("-"));
                f.value_hash = Some(crate::finding::value_hash(value.get(range).unwrap_or(value)));
                f.help = Some(
                    "keep it in a Swarm secret (a users file the program reads, e.g. `basicauth.usersfile`), and change the password if it is weak or a sample"
                        .into(),
                );
                out.push(f);
            }
        }
    }
}
