//! MP010 minipaas-missing-file: `minipaas.yaml` lists a Compose file that does not exist.

use super::helpers::InUnits;
use super::rule::{Rule, rule};
use crate::diagnostic::{Finding, Subject};
use crate::model::Project;
use crate::secrets::Detector;

rule! {
    /// MP010.
    MinipaasMissingFile {
        code: "MP010",
        name: "minipaas-missing-file",
        summary: "minipaas.yaml lists a Compose file that does not exist",
        severity: Error,
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
    }
}

impl Rule for MinipaasMissingFile {
    fn check(&self, project: &Project, _detector: &Detector, out: &mut Vec<Finding>) {
        for unit in &project.units {
            let Some(manifest) = unit.manifest else {
                continue;
            };
            for (item, path) in &unit.missing {
                let message =
                    format!("`{}` is listed for {} but `{path}` does not exist", item.value, unit.label);
                let f = META
                    .finding(Subject::Listed(item.value.clone()), message)
                    .at(manifest, item.span.clone(), "no such file")
                    .in_unit(unit)
                    .help("fix the path or remove the entry");
                out.push(f.build());
            }
        }
    }
}
