//! MP012 suppression-without-reason: a `# minipaas: ignore[...]` comment gives no reason.

use super::{Rule, RuleMeta, file_finding};
use crate::finding::{Finding, Severity};
use crate::model::Project;
use crate::suppress::Applied;

/// MP012.
pub(super) struct SuppressionWithoutReason;

static META: RuleMeta = RuleMeta {
    code: "MP012",
    name: "suppression-without-reason",
    summary: "a `minipaas: ignore[...]` comment gives no reason, so it is not applied",
    severity: Severity::Warning,
    doc: r#"## What it does
Reports inline suppressions with nothing after the brackets. Such a comment silences
nothing: the finding it was meant for is still reported.

## Why is this bad?
Silencing a security finding is a decision someone should be able to read and revisit: why
is this literal password acceptable here?

## Example
```yaml
      POSTGRES_PASSWORD: dev-only  # minipaas: ignore[MP006]
```

## Use instead
```yaml
      POSTGRES_PASSWORD: dev-only  # minipaas: ignore[MP006] local development stack, never deployed
```

## Fix safety
No automatic fix: only a person can give the reason.
"#,
};

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn report(&self, project: &Project, suppressions: &[Applied], findings: &mut Vec<Finding>) {
        for d in suppressions.iter().map(|a| &a.directive).filter(|d| d.reason.is_empty()) {
            let mut f = file_finding(
                &META,
                project,
                d.file,
                d.span.clone(),
                "no reason",
                "this suppression gives no reason, so it is not applied".into(),
            );
            f.subject = format!("line {}", d.target_line);
            f.help = Some(
                "add the reason after the brackets: `# minipaas: ignore[MP006] why this is acceptable`"
                    .into(),
            );
            findings.push(f);
        }
    }
}
