//! MP002 undeclared-config: a service uses a config its lint unit does not declare.

use super::rule::{Rule, rule};
use super::undeclared_secret::check_undeclared;
use crate::diagnostic::Finding;
use crate::model::Project;
use crate::model::compose::ResourceKind;
use crate::secrets::Detector;

rule! {
    /// MP002.
    UndeclaredConfig {
        code: "MP002",
        name: "undeclared-config",
        summary: "a service uses a config that no file of its unit declares",
        severity: Error,
        doc: r#"## What it does
Checks that every config a service references in `configs:` (short or long syntax) is
declared under the top-level `configs:` of some file in the same lint unit.

## Why is this bad?
`docker stack deploy` refuses the stack ("undefined config"), so the deploy fails.

## Example
```yaml
services:
  proxy:
    configs: [caddyfile]
```

## Use instead
```yaml
services:
  proxy:
    configs: [caddyfile]
configs:
  caddyfile:
    external: true
```

## Fix safety
As for MP001: a near miss is renamed (unsafe), anything else is declared `external: true`
in the first file of the unit that defines the service (safe).
"#,
    }
}

impl Rule for UndeclaredConfig {
    fn check(&self, project: &Project, _detector: &Detector, out: &mut Vec<Finding>) {
        check_undeclared(project, ResourceKind::Config, &META, out);
    }
}
