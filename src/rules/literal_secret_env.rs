//! MP006 literal-secret-env: a credential-named environment variable has a literal value.

use std::collections::HashMap;

use super::helpers::{InUnits, grant_fix};
use super::rule::{Rule, rule};
use crate::diagnostic::{Applicability, Edit, FileId, Finding, Fix, Subject};
use crate::fix::patch::{Unfixable, scalar};
use crate::model::compose::{EnvVar, Service};
use crate::model::{Project, Unit};
use crate::secrets::Detector;

rule! {
    /// MP006.
    LiteralSecretEnv {
        code: "MP006",
        name: "literal-secret-env",
        summary: "a credential-named `environment` variable is set to a literal value",
        severity: Error,
        doc: r#"## What it does
Reports an `environment` entry (map or list form) whose name contains a credential word
(PASSWORD, PASSWD, PASS, SECRET, TOKEN, SALT, API_KEY, PRIVATE_KEY, JWT_KEY, ACCESS_KEY,
CREDENTIALS, ... as whole words, not substrings; also glued or plural: `DBPASSWORD`,
`DOMAINPASS`, `SECRETS`, but not `BYPASS` or `COMPASS`) and whose value is written out,
including the default in `${X:-literal}`; and a `*_AUTH` variable holding `user:password`.
Placeholders (`changeme`, `<password>`, `xxx`, `YOUR_PASSWORD_HERE`) are reported too, said
to be placeholders: they are deployed as written.

It skips settings about a credential (`*_FILE`, `*_PATH`, `PASSWORD_MIN_LENGTH`, names ending
in `_REALM`, `_SERVICE`, `_ISSUER`, `_URL`, `_TTL`, `_ALGORITHM`, ...), empty values, pure
interpolation (`${DB_PASSWORD}`), flags (`true`, `yes`, `1`), values that switch a feature
(`none`, `disabled`, `jwt`, `opaque`, ...), file paths (`/run/secrets/db`), numbers that
configure the credential rather than hold it, and password hashes (MP013 reports those).

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
      POSTGRES_PASSWORD: s3cret
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

## Fix safety
For images known to read the variable from a file (postgres, mysql, mariadb, mongo, minio,
wordpress, nextcloud, grafana: the list ships with minipaas), the fix rewrites `KEY: value` to
`KEY_FILE: /run/secrets/<key in lower case>` (`<service>_<key>` when another service sets the
same key to another value), grants that secret to the service and declares it
`external: true`, then prints the `minipaas secret create` command to run. It is unsafe:
the secret must be created before the next deploy, and the old value must be rotated since
it stays in git history. Other images, and values shared through anchors, get no fix.
"#,
    }
}

/// Official images whose entrypoint reads `<VAR><suffix>` from a file instead of `<VAR>`, and
/// the variables it does that for. Images not listed get no automatic fix: pointing a
/// variable at a file the image does not read would break it. (The official `rabbitmq` image
/// is not listed: its recent versions no longer read `_FILE` variables.)
const FILE_ENV_IMAGES: &[(&str, &str, &[&str])] = &[
    ("postgres", "_FILE", &["POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB", "POSTGRES_INITDB_ARGS"]),
    ("mysql", "_FILE", &["MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD", "MYSQL_USER", "MYSQL_DATABASE"]),
    (
        "mariadb",
        "_FILE",
        &[
            "MARIADB_ROOT_PASSWORD",
            "MARIADB_PASSWORD",
            "MARIADB_USER",
            "MARIADB_DATABASE",
            "MYSQL_ROOT_PASSWORD",
            "MYSQL_PASSWORD",
            "MYSQL_USER",
            "MYSQL_DATABASE",
        ],
    ),
    ("mongo", "_FILE", &["MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"]),
    (
        "minio/minio",
        "_FILE",
        &["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"],
    ),
    (
        "wordpress",
        "_FILE",
        &["WORDPRESS_DB_HOST", "WORDPRESS_DB_USER", "WORDPRESS_DB_PASSWORD", "WORDPRESS_DB_NAME"],
    ),
    (
        "nextcloud",
        "_FILE",
        &[
            "NEXTCLOUD_ADMIN_USER",
            "NEXTCLOUD_ADMIN_PASSWORD",
            "POSTGRES_PASSWORD",
            "MYSQL_PASSWORD",
            "REDIS_HOST_PASSWORD",
        ],
    ),
    (
        "grafana/grafana",
        "__FILE",
        &["GF_SECURITY_ADMIN_PASSWORD", "GF_SECURITY_ADMIN_USER", "GF_DATABASE_PASSWORD"],
    ),
];

/// The repository of an image reference, without registry `docker.io`, `library/`, tag or digest.
fn repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let no_tag = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    let no_registry = no_tag.strip_prefix("docker.io/").unwrap_or(no_tag);
    no_registry.strip_prefix("library/").unwrap_or(no_registry)
}

/// Each service's image in a unit: the first file of the unit that gives the service one.
type Images<'a> = HashMap<&'a str, &'a str>;

fn images<'a>(project: &'a Project, unit: &'a Unit) -> Images<'a> {
    let mut out = HashMap::new();
    for (_, s) in project.services(unit) {
        if let Some(image) = &s.image {
            out.entry(s.name.value.as_str()).or_insert(image.value.as_str());
        }
    }
    out
}

/// The suffix the service's image reads `key` from a file with, if it is known to.
fn file_suffix(images: &Images<'_>, service: &str, key: &str) -> Result<&'static str, Unfixable> {
    let image = images.get(service).ok_or_else(|| {
        Unfixable(format!("service `{service}` has no `image` to tell whether it reads `{key}_FILE`"))
    })?;
    let repo = repository(image);
    FILE_ENV_IMAGES
        .iter()
        .find(|(name, _, vars)| *name == repo && vars.contains(&key))
        .map(|(_, suffix, _)| *suffix)
        .ok_or_else(|| Unfixable(format!("image `{repo}` is not known to read `{key}` from a file")))
}

/// The secret a literal moves to: `<key>` in lower case, or `<service>_<key>` when another
/// service of the unit sets the same key to another literal (two services with two passwords
/// must not end up reading one secret).
fn secret_name(project: &Project, unit: &Unit, service: &Service, var: &EnvVar) -> String {
    let key = &var.key.value;
    let value = var.value.as_ref().map(|v| v.value.as_str());
    let other_value = project.services(unit).any(|(_, other)| {
        other.name.value != service.name.value
            && other.environment.iter().any(|v| {
                v.key.value == *key && v.value.as_ref().is_some_and(|o| Some(o.value.as_str()) != value)
            })
    });
    if other_value {
        format!("{}_{}", service.name.value, key).to_ascii_lowercase()
    } else {
        key.to_ascii_lowercase()
    }
}

/// `KEY: literal` → `KEY_FILE: /run/secrets/<name>`, plus granting and declaring `<name>`.
fn move_to_secret(
    project: &Project,
    unit: &Unit,
    images: &Images<'_>,
    file: FileId,
    service: &Service,
    var: &EnvVar,
) -> Result<Fix, Unfixable> {
    let key = &var.key.value;
    let svc = &service.name.value;
    let suffix = file_suffix(images, svc, key)?;
    let name = secret_name(project, unit, service, var);
    let f = &project.files[file];
    let tree = f.tree.as_ref().ok_or_else(|| Unfixable("the file did not parse".into()))?;
    let node = service.node.ok_or_else(|| Unfixable(format!("service `{svc}` has no mapping")))?;
    let env_node = tree
        .own_entry(node, "environment")
        .filter(|e| !tree.is_alias(e.value))
        .map(|e| e.value)
        .filter(|&v| {
            let span = &tree.node(v).span;
            span.start <= var.key.span.start && var.key.span.end <= span.end
        })
        .ok_or_else(|| {
            Unfixable(format!("`{key}` is shared through an anchor or merge key; move it by hand"))
        })?;
    let env = tree.node(env_node).span.clone();
    let file_key = format!("{key}{suffix}");
    if service.environment.iter().any(|v| v.key.value == file_key) {
        return Err(Unfixable(format!("service `{svc}` already sets `{file_key}`")));
    }
    let path = format!("/run/secrets/{name}");
    let value = var.value.as_ref().ok_or_else(|| Unfixable("no value".into()))?;
    let edits = match &var.item {
        Some(item) if var.verbatim => vec![Edit::replace(item.clone(), format!("{file_key}={path}"))],
        None if f.text.get(var.key.span.clone()) == Some(key.as_str()) => {
            // The value's whole text: a block scalar's `|` header too, and not the lines after.
            let node = tree
                .own_entries(env_node)
                .iter()
                .find(|e| tree.node(e.key).span == var.key.span)
                .map(|e| e.value);
            if node.is_some_and(|v| tree.is_alias(v)) {
                return Err(Unfixable(format!(
                    "`{key}` is an alias: the value stays where it is anchored; move it by hand"
                )));
            }
            let written = node.map_or_else(|| value.span.clone(), |v| tree.written_span(&f.text, v));
            vec![Edit::replace(var.key.span.clone(), file_key.clone()), Edit::replace(written, scalar(&path))]
        }
        _ => return Err(Unfixable(format!("`{key}` is written in a form this fix does not rewrite"))),
    };
    debug_assert!(edits.iter().all(|e| env.start <= e.range.start && e.range.end <= env.end));
    let title = format!("Read `{key}` from secret `{name}` (`{file_key}: {path}`)");
    let mut fix = Fix::new(title, Applicability::Unsafe, file, edits);
    // Something already mounted at /run/secrets/<name> must be that secret: pointing the
    // variable at another secret's file would hand the image that secret's content.
    let at_target: Vec<&str> = service
        .secrets
        .iter()
        .filter(|r| r.effective_target(crate::model::compose::ResourceKind::Secret) == name)
        .map(|r| r.source.value.as_str())
        .collect();
    if let Some(other) = at_target.iter().find(|s| !crate::model::compose::is_version_of(s, &name)) {
        return Err(Unfixable(format!(
            "secret `{other}` is already mounted at {path}; move the value by hand"
        )));
    }
    if at_target.is_empty() {
        fix = fix.and(grant_fix(project, unit, file, service, &name)?);
    }
    let note = match &unit.env {
        Some(env) => format!(
            "create the secret (the value is read from stdin): minipaas secret create --env {env} --name {name} --for {svc}"
        ),
        None => format!("create the secret (the value is read from stdin): docker secret create {name} -"),
    };
    Ok(fix.noted(format!("{note}; then rotate the old value, which is in git history")))
}

impl Rule for LiteralSecretEnv {
    fn check(&self, project: &Project, det: &Detector, out: &mut Vec<Finding>) {
        // Built once per unit: a file with thousands of findings looks each service up once.
        let mut images_of: HashMap<*const Unit, Images<'_>> = HashMap::new();
        for file in project.linted_files() {
            let Some(compose) = project.files[file].compose() else {
                continue;
            };
            for service in &compose.services {
                for var in &service.environment {
                    let Some(value) = &var.value else { continue };
                    let Some(range) = det.literal_credential(&var.key.value, &value.value) else {
                        continue;
                    };
                    // A password hash is MP013's (a warning): the password itself is not here.
                    if crate::secrets::find_hash(&value.value).is_some() {
                        continue;
                    }
                    let span = if var.verbatim {
                        value.span.start + range.start..value.span.start + range.end
                    } else {
                        value.span.clone()
                    };
                    // A key that is not a name may hold a value (`"DB_PASSWORD = x": y`).
                    let shown = crate::secrets::mask::shown::shown_name(&var.key.value, det);
                    let key = shown.as_ref();
                    let message = {
                        let literal = value.value.get(range.clone()).unwrap_or_default();
                        // `${X:-literal}`: the default is deployed whenever X is unset.
                        // Inside an open `${`: a default (`${X:-literal}`), not text after `${X}`.
                        let before = value.value.get(..range.start).unwrap_or_default();
                        let default = before.rfind("${").is_some_and(|i| !before[i..].contains('}'));
                        let what = match (default, crate::secrets::is_placeholder(literal)) {
                            (false, false) => "is set to a literal value,",
                            (false, true) => "is set to a placeholder, which is deployed as the value:",
                            (true, false) => {
                                "has a literal default, deployed whenever the variable is unset:"
                            }
                            (true, true) => {
                                "has a placeholder default, deployed whenever the variable is unset:"
                            }
                        };
                        format!("`{key}` of service `{}` {what} committed with this file", service.name.value)
                    };
                    let subject =
                        Subject::Service { service: service.name.value.clone(), name: key.to_string() };
                    let name = key.to_ascii_lowercase();
                    let mut f = META
                        .finding(subject, message)
                        .at(file, span, "literal value")
                        .in_units_of(project, file)
                        .value(&value.value)
                        .help(format!(
                            "keep it in a secret: `minipaas secret create --name {name} --for {}`, then read it from /run/secrets/{name} (e.g. `{key}_FILE` where the image supports it)",
                            service.name.value
                        ));
                    // A fix names the key: only for keys that are names.
                    if let (std::borrow::Cow::Borrowed(_), Some(unit)) =
                        (&shown, project.units_of(file).next())
                    {
                        let images = images_of
                            .entry(std::ptr::from_ref(unit))
                            .or_insert_with(|| images(project, unit));
                        f = f.try_fix(move_to_secret(project, unit, images, file, service, var));
                    }
                    out.push(f.build());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::repository;

    #[test]
    fn image_repositories() {
        assert_eq!(repository("postgres:17-alpine"), "postgres");
        assert_eq!(repository("docker.io/library/mysql:8@sha256:abc"), "mysql");
        assert_eq!(repository("grafana/grafana"), "grafana/grafana");
        assert_eq!(repository("localhost:5000/postgres"), "localhost:5000/postgres");
        assert_eq!(repository("bitnami/postgresql:16"), "bitnami/postgresql");
    }
}
