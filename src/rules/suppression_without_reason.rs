//! MP012 suppression-without-reason: a `# minipaas: ignore[...]` comment gives no reason.

use super::helpers::InUnits;
use super::rule::{Rule, rule};
use super::suppress::Applied;
use crate::diagnostic::{Finding, Subject};
use crate::model::Project;

rule! {
    /// MP012.
    SuppressionWithoutReason {
        code: "MP012",
        name: "suppression-without-reason",
        summary: "a `minipaas: ignore[...]` comment gives no reason, so it is not applied",
        severity: Warning,
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
    }
}

impl Rule for SuppressionWithoutReason {
    fn report(&self, project: &Project, suppressions: &[Applied], out: &mut Vec<Finding>) {
        for d in suppressions.iter().map(|a| &a.directive).filter(|d| d.reason.is_empty()) {
            let subject = Subject::Suppression { codes: Vec::new(), line: d.target_line };
            let f = META
                .finding(subject, "this suppression gives no reason, so it is not applied")
                .at(d.file, d.span.clone(), "no reason")
                .in_units_of(project, d.file)
                .help(
                    "add the reason after the brackets: `# minipaas: ignore[MP006] why this is acceptable`",
                );
            out.push(f.build());
        }
    }
}
