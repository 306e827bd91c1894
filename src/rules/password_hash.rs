//! MP013 password-hash: a password hash (htpasswd, bcrypt, crypt, `{SHA512-CRYPT}`) committed
//! in a value.

use super::helpers::{InUnits, linted_compose};
use super::rule::{Rule, rule};
use crate::diagnostic::{Finding, Subject};
use crate::model::Project;
use crate::secrets::Detector;

rule! {
    /// MP013.
    PasswordHash {
        code: "MP013",
        name: "password-hash",
        summary: "a value holds a password hash (htpasswd, bcrypt, crypt)",
        severity: Warning,
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
    }
}

impl Rule for PasswordHash {
    fn check(&self, project: &Project, det: &Detector, out: &mut Vec<Finding>) {
        for (file, compose, tree, text) in linted_compose(project) {
            for scalar in &compose.scalars {
                let Some(value) = tree.scalar(scalar.value) else { continue };
                let Some(range) = crate::secrets::find_hash(value) else { continue };
                let span = tree
                    .source_range(text, scalar.value, range.clone())
                    .unwrap_or_else(|| tree.node(scalar.value).span.clone());
                let key = scalar
                    .key
                    .and_then(|k| tree.scalar(k))
                    .map(|k| crate::secrets::mask::shown::shown_name(k, det));
                let key = key.as_deref();
                let place = key.map_or_else(|| "a value".to_string(), |k| format!("the value of `{k}`"));
                let subject = Subject::Value { key: key.map(str::to_string), kind: "hash".into() };
                let f = META
                    .finding(subject, format!("{place} holds a password hash, committed with this file"))
                    .at(file, span, "password hash")
                    .in_units_of(project, file)
                    .value(value.get(range).unwrap_or(value))
                    .help("keep it in a Swarm secret (a users file the program reads, e.g. `basicauth.usersfile`), and change the password if it is weak or a sample");
                out.push(f.build());
            }
        }
    }
}
