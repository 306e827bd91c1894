//! MP011 unused-suppression: a `# minipaas: ignore[...]` comment that silences nothing.

use super::helpers::InUnits;
use super::rule::{Rule, rule};
use super::suppress::Applied;
use crate::diagnostic::{Finding, Subject};
use crate::model::Project;

rule! {
    /// MP011.
    UnusedSuppression {
        code: "MP011",
        name: "unused-suppression",
        summary: "a `minipaas: ignore[...]` comment silences no finding (or names no rule)",
        severity: Warning,
        doc: r#"## What it does
Reports each inline suppression that silenced nothing, and each name in its brackets that is
not a rule. A comment `# minipaas: ignore[MP006] reason` silences findings of the named rules
(codes or names, comma-separated) that start on the comment's line, or on the next line when
the comment stands alone on its line; a reason after the brackets is required (see MP012).
Suppressions are applied once, after every rule ran.

## Why is this bad?
A stale suppression hides the next real problem written on that line, and tells readers a
problem exists where none does.

## Example
```yaml
services:
  db:
    environment:
      # minipaas: ignore[MP006] the password moved to a secret long ago
      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
```

## Use instead
Remove the comment, or put it where the finding is:
```yaml
services:
  db:
    environment:
      POSTGRES_PASSWORD: dev-only  # minipaas: ignore[MP006] local development stack
```

## Fix safety
No automatic fix: deleting a comment is easy, but whether it should move is a person's call.
"#,
    }
}

impl Rule for UnusedSuppression {
    fn report(&self, project: &Project, suppressions: &[Applied], out: &mut Vec<Finding>) {
        for Applied { directive: d, codes, unknown, used } in suppressions {
            for unknown in unknown {
                let subject = Subject::Suppression { codes: vec![unknown.clone()], line: d.target_line };
                let f = META
                    .finding(subject, format!("`{unknown}` in this suppression is not a rule"))
                    .at(d.file, d.span.clone(), "no such rule")
                    .in_units_of(project, d.file);
                out.push(f.build());
            }
            // One without a reason is not applied: MP012 says so.
            if d.reason.is_empty() || *used || codes.is_empty() {
                continue;
            }
            let subject = Subject::Suppression {
                codes: codes.iter().map(|c| c.to_string()).collect(),
                line: d.target_line,
            };
            let f = META
                .finding(subject, format!("this suppression of {} silences nothing", codes.join(", ")))
                .at(d.file, d.span.clone(), "silences nothing")
                .in_units_of(project, d.file)
                .help("remove it, or move it to the line of the finding (or alone on the line above)");
            out.push(f.build());
        }
    }
}
