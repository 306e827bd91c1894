//! MP010 minipaas-missing-file: `minipaas.yaml` lists a Compose file that does not exist.

use super::{Rule, RuleMeta, finding};
use crate::finding::{Finding, Severity};
use crate::model::Project;
use crate::settings::Settings;

/// MP010.
pub(super) struct MinipaasMissingFile;

static META: RuleMeta = RuleMeta {
    code: "MP010",
    name: "minipaas-missing-file",
    summary: "minipaas.yaml lists a Compose file that does not exist",
    severity: Severity::Error,
    doc: r#"## What it does
Checks every path in `project.files` (upstream schema: relative to the directory MiniPaaS
runs in, the repository root or else the env folder's parent) or `compose.files` (fork
schema: relative to the env folder). With `--staged`, "exists" means "is in the index".
While a listed file is missing, the env's cross-file rules (MP001-MP004, MP009) are not run
for it, since their answer would be a guess.

## Why is this bad?
`minipaas deploy` passes every listed file to `docker stack deploy -c ...`, which stops at
the missing one; `minipaas secret create --for` cannot find services defined there.

## Example
```yaml
project:
  files:
  - compose.yaml
  - dev/compose.apps.yml   # the file is dev/compose.apps.yaml
```

## Use instead
```yaml
project:
  files:
  - compose.yaml
  - dev/compose.apps.yaml
```

## Fix safety
No automatic fix: only a person knows whether the path is misspelt or the file was removed.
"#,
};

impl Rule for MinipaasMissingFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, project: &Project, _settings: &Settings, out: &mut Vec<Finding>) {
        for unit in &project.units {
            let Some(manifest) = unit.manifest else {
                continue;
            };
            for (item, path) in &unit.missing {
                let mut f = finding(
                    &META,
                    Some(unit),
                    manifest,
                    item.span.clone(),
                    "no such file",
                    format!("`{}` is listed for {} but `{path}` does not exist", item.value, unit.label),
                );
                f.subject = item.value.clone();
                f.help = Some("fix the path or remove the entry".into());
                out.push(f);
            }
        }
    }
}
