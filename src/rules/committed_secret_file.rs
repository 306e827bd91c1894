//! MP005 committed-secret-file: a secret's value lives in a file that git tracks.

use super::helpers::InUnits;
use super::rule::{Rule, rule};
use crate::diagnostic::{Finding, Fix, Subject};
use crate::model::Project;
use crate::secrets::Detector;

rule! {
    /// MP005.
    CommittedSecretFile {
        code: "MP005",
        name: "committed-secret-file",
        summary: "a secret's `file:` (or an env_file with credentials) is tracked by git",
        severity: Error,
        doc: r#"## What it does
Reports a top-level secret whose `file:` points at a file (or a folder holding files) that
git tracks; an `env_file:` that git tracks and that sets a credential-named variable
(PASSWORD, TOKEN, API_KEY, ...) to a literal value; and the same for an env file read for
interpolation: the `.env` of the project directory (or the `--env-file` a script names) and
an `include` entry's `env_file`, reported once, where the first unit reads it. A variable
whose value is the name of a declared secret or config (`DB_SECRET=db_password` for
`secrets: ["${DB_SECRET}"]`) is a name, not a credential. With `--staged` "tracked" means "in the
index", so a secret file about to be committed is caught too. Outside a git repository the
rule cannot tell and stays silent.

## Why is this bad?
The secret's value is in the repository's history, readable by everyone with a clone, and
stays there after the file is deleted. Swarm secrets exist so that values never need to be
committed.

## Example
```yaml
secrets:
  db_password:
    file: ./db/password.txt   # committed
```

## Use instead
```yaml
secrets:
  db_password:
    external: true   # created with: minipaas secret create --env prod --name db_password
```
Then `git rm --cached db/password.txt`, add it to `.gitignore`, and rotate the value: it
has been published.

## Fix safety
No automatic fix: removing the file from git does not unpublish it, and the value must be
rotated by a person.
"#,
    }
}

impl Rule for CommittedSecretFile {
    fn check(&self, project: &Project, det: &Detector, out: &mut Vec<Finding>) {
        if !project.git {
            return;
        }
        // An env file several units read is reported once, where the first reads it.
        let mut reported = std::collections::HashSet::new();
        for unit in &project.units {
            // The `.env` (or `--env-file`) Compose reads this unit's variables from: shown at
            // the first key of the unit's first file, which is what reads it.
            if let (Some(path), Some(&first)) = (&unit.env_source, unit.files.first()) {
                let at = project.files[first]
                    .tree
                    .as_ref()
                    .and_then(|t| {
                        t.roots
                            .first()
                            .and_then(|&r| t.own_entries(r).first().map(|e| t.node(e.key).span.clone()))
                    })
                    .unwrap_or(0..0);
                if let Some(f) = interpolation_file(project, det, unit, first, EnvPath::Root(path), at)
                    && reported.insert(f.subject.clone())
                {
                    out.push(f);
                }
            }
            for &file in &unit.files {
                let Some(compose) = project.files[file].compose() else {
                    continue;
                };
                for decl in &compose.secrets {
                    let Some(raw) = &decl.file else { continue };
                    let Some((path, facts)) = project.facts_for(unit, file, &raw.value) else {
                        continue;
                    };
                    if !facts.tracked {
                        continue;
                    }
                    let title = format!(
                        "Stop tracking `{path}` (`git rm --cached {path}`), add it to .gitignore, and rotate the value"
                    );
                    let message = format!(
                        "secret `{}` is read from `{path}`, which git tracks: its value is committed",
                        decl.name.value
                    );
                    let f = META
                        .finding(Subject::SecretFile(decl.name.value.clone()), message)
                        .at(file, raw.span.clone(), "tracked by git")
                        .in_unit(unit)
                        .help(format!(
                            "run `git rm --cached {path}`, add it to .gitignore, rotate the value, and declare the secret `external: true` (create it with `minipaas secret create`)"
                        ))
                        .fix(Fix::display_only(title));
                    out.push(f.build());
                }
                // `env_file`s of `include` entries: Compose reads them for interpolation.
                for include in &compose.includes {
                    for raw in &include.env_files {
                        if let Some(f) = interpolation_file(
                            project,
                            det,
                            unit,
                            file,
                            EnvPath::Written(&raw.value),
                            raw.span.clone(),
                        ) && reported.insert(f.subject.clone())
                        {
                            out.push(f);
                        }
                    }
                }
                for service in &compose.services {
                    for raw in &service.env_files {
                        let Some((path, facts)) = project.facts_for(unit, file, &raw.value) else {
                            continue;
                        };
                        let Some(text) = facts.text.as_deref().filter(|_| facts.tracked) else {
                            continue;
                        };
                        let found = det.env_file_credentials(text);
                        if found.is_empty() {
                            continue;
                        }
                        let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
                        let message = format!(
                            "env file `{path}` of service `{}` is tracked by git and sets {}",
                            service.name.value,
                            keys.join(", ")
                        );
                        let f = META
                            .finding(Subject::EnvFile(path.clone()), message)
                            .at(file, raw.span.clone(), "tracked by git")
                            .in_unit(unit)
                            .value(&credentials(&found))
                            .help(format!(
                                "move those values to secrets (`minipaas secret create`), run `git rm --cached {path}`, and rotate them"
                            ))
                            .build();
                        // An env file also read for interpolation is reported once.
                        if reported.insert(f.subject.clone()) {
                            out.push(f);
                        }
                    }
                }
            }
        }
    }
}

/// Where an env file is: a path from the repository root, or as a file wrote it.
enum EnvPath<'a> {
    Root(&'a str),
    Written(&'a str),
}

/// MP005 for an `.env`-format file Compose reads for interpolation (`.env`, `--env-file`, an
/// include's `env_file`): tracked and setting a credential-named variable to a literal.
fn interpolation_file(
    project: &Project,
    det: &Detector,
    unit: &crate::model::Unit,
    file: usize,
    at: EnvPath<'_>,
    span: std::ops::Range<usize>,
) -> Option<Finding> {
    let (path, facts) = match at {
        EnvPath::Root(path) => (path.to_string(), project.facts.get(path)?),
        EnvPath::Written(raw) => project.facts_for(unit, file, raw)?,
    };
    if !facts.tracked {
        return None;
    }
    let env = project.dotenv(&path)?;
    // `DB_SECRET=db_password` names a secret for `secrets: ["${DB_SECRET}"]`: a value that is
    // the name of a secret or config declared in the repository is a name, not a credential.
    let declared = |v: &str| {
        project.files.iter().filter_map(|f| f.compose()).any(|c| {
            c.secrets
                .iter()
                .chain(&c.configs)
                .any(|d| d.name.value == v || d.real_name.as_ref().is_some_and(|n| n.value == v))
        })
    };
    let found: Vec<(String, String)> = env
        .vars
        .iter()
        .filter(|(k, v)| {
            (det.literal_credential(k, v).is_some() || crate::secrets::find_hash(v).is_some()) && !declared(v)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if found.is_empty() {
        return None;
    }
    let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    let message =
        format!("env file `{path}`, read for interpolation, is tracked by git and sets {}", keys.join(", "));
    let f = META
        .finding(Subject::EnvFile(path.clone()), message)
        .at(file, span, "reads a tracked env file")
        .in_unit(unit)
        .value(&credentials(&found))
        .help(format!(
            "keep credentials out of `{path}`: move them to secrets (`minipaas secret create`), commit an example file instead (`git rm --cached {path}`), and rotate them"
        ));
    Some(f.build())
}

/// The credentials an env file sets, as one text for the finding's value hash: another
/// credential, or another value of one, is a new finding to baselines, `--since` and
/// `--history`; a change to any other variable is not.
fn credentials(found: &[(String, String)]) -> String {
    let mut lines: Vec<String> = found.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    lines.sort();
    lines.concat()
}
