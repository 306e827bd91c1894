//! MP005 committed-secret-file: a secret's value lives in a file that git tracks.

use super::{Rule, RuleMeta, finding, plan};
use crate::finding::{Finding, Severity};
use crate::fix::Applicability;
use crate::model::Project;
use crate::settings::Settings;

/// MP005.
pub(super) struct CommittedSecretFile;

static META: RuleMeta = RuleMeta {
    code: "MP005",
    name: "committed-secret-file",
    summary: "a secret's `file:` (or an env_file with credentials) is tracked by git",
    severity: Severity::Error,
    doc: r#"## What it does
Reports a top-level secret whose `file:` points at a file (or a folder holding files) that
git tracks, and an `env_file:` that git tracks and that sets a credential-named variable
(PASSWORD, TOKEN, API_KEY, ...) to a literal value. With `--staged` "tracked" means "in the
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
};

impl Rule for CommittedSecretFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, settings: &Settings, out: &mut Vec<Finding>) {
        if !project.git {
            return;
        }
        for unit in &project.units {
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
                    let mut f = finding(
                        &META,
                        Some(unit),
                        file,
                        raw.span.clone(),
                        "tracked by git",
                        format!(
                            "secret `{}` is read from `{path}`, which git tracks: its value is committed",
                            decl.name.value
                        ),
                    );
                    f.subject = format!("secret {}", decl.name.value);
                    f.help = Some(format!(
                        "run `git rm --cached {path}`, add it to .gitignore, rotate the value, and declare the secret `external: true` (create it with `minipaas secret create`)"
                    ));
                    let title = format!(
                        "Stop tracking `{path}` (`git rm --cached {path}`), add it to .gitignore, and rotate the value"
                    );
                    f.fix = Some(plan(title, Applicability::DisplayOnly, Vec::new(), None));
                    out.push(f);
                }
                for service in &compose.services {
                    for raw in &service.env_files {
                        let Some((path, facts)) = project.facts_for(unit, file, &raw.value) else {
                            continue;
                        };
                        let Some(text) = facts.text.as_deref().filter(|_| facts.tracked) else {
                            continue;
                        };
                        let keys = settings.detector().env_file_credentials(text);
                        if keys.is_empty() {
                            continue;
                        }
                        let mut f = finding(
                            &META,
                            Some(unit),
                            file,
                            raw.span.clone(),
                            "tracked by git",
                            format!(
                                "env file `{path}` of service `{}` is tracked by git and sets {}",
                                service.name.value,
                                keys.join(", ")
                            ),
                        );
                        f.subject = format!("env_file {path}");
                        f.help = Some(format!(
                            "move those values to secrets (`minipaas secret create`), run `git rm --cached {path}`, and rotate them"
                        ));
                        out.push(f);
                    }
                }
            }
        }
    }
}
