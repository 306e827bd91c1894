//! MP004 unused-config: a top-level config that no service of any unit containing it uses.

use super::rule::{Rule, rule};
use super::unused_secret::check_unused;
use crate::diagnostic::Finding;
use crate::model::Project;
use crate::model::compose::ResourceKind;
use crate::secrets::Detector;

rule! {
    /// MP004.
    UnusedConfig {
        code: "MP004",
        name: "unused-config",
        summary: "a top-level config is declared but no service in its unit uses it",
        severity: Warning,
        doc: r#"## What it does
Reports a top-level `configs:` entry that no service uses, in any profile, in any file of
the lint unit. A file deployed in several envs is reported only when the declaration is
unused in every one of them.

## Why is this bad?
Stale configs pile up in Swarm (each MiniPaaS rotation makes a new versioned name) and make
it unclear which version a service really reads.

## Example
```yaml
configs:
  app.json.0a1b2c3d:
    external: true
```

## Use instead
Remove the declaration, or reference it from the service that needs it:
```yaml
services:
  api:
    configs:
      - source: app.json.0a1b2c3d
        target: /app/app.json
configs:
  app.json.0a1b2c3d:
    external: true
```

## Fix safety
Removing the declaration is safe: nothing in the unit uses it.
"#,
    }
}

impl Rule for UnusedConfig {
    fn check(&self, project: &Project, _detector: &Detector, out: &mut Vec<Finding>) {
        check_unused(project, ResourceKind::Config, &META, out);
    }
}
