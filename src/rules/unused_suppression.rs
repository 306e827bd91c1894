//! MP011 unused-suppression: a `# minipaas: ignore[...]` comment that silences nothing.

use super::{Rule, RuleMeta, finding, first_unit};
use crate::finding::{Finding, Severity, Suppression};
use crate::model::Project;
use crate::rules::lookup;
use crate::settings::Settings;
use crate::suppress::directives;

/// MP011.
pub(super) struct UnusedSuppression;

static META: RuleMeta = RuleMeta {
    code: "MP011",
    name: "unused-suppression",
    summary: "a `minipaas: ignore[...]` comment silences no finding (or names no rule)",
    severity: Severity::Warning,
    doc: r#"## What it does
Applies inline suppressions: a comment `# minipaas: ignore[MP006] reason` silences findings
of the named rules (codes or names, comma-separated) that start on the comment's line, or on
the next line when the comment stands alone on its line. A reason after the brackets is
required (see MP012). Then reports each suppression that silenced nothing, and each name in
the brackets that is not a rule.

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
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn review(&self, project: &Project, _settings: &Settings, findings: &mut Vec<Finding>) {
        let mut out = Vec::new();
        for d in directives(project) {
            let unit = first_unit(project, d.file);
            for unknown in d.codes.iter().filter(|c| lookup(c).is_none()) {
                out.push(finding(
                    &META,
                    unit,
                    d.file,
                    d.span.clone(),
                    "no such rule",
                    format!("`{unknown}` in this suppression is not a rule"),
                ));
            }
            if d.reason.is_empty() {
                continue;
            }
            let codes: Vec<&str> = d.codes.iter().filter_map(|c| lookup(c)).map(|r| r.meta().code).collect();
            let mut used = false;
            for f in findings.iter_mut() {
                let line = project.files[f.primary.file].line_col(f.primary.span.start).0;
                if f.primary.file == d.file
                    && line == d.target_line
                    && codes.contains(&f.code)
                    && f.suppressed.is_none()
                {
                    f.suppressed = Some(Suppression { in_source: true, justification: d.reason.clone() });
                    used = true;
                }
            }
            if !used && !codes.is_empty() {
                let mut f = finding(
                    &META,
                    unit,
                    d.file,
                    d.span.clone(),
                    "silences nothing",
                    format!("this suppression of {} silences nothing", codes.join(", ")),
                );
                f.subject = format!("{} line {}", codes.join(","), d.target_line);
                f.help = Some(
                    "remove it, or move it to the line of the finding (or alone on the line above)".into(),
                );
                out.push(f);
            }
        }
        findings.extend(out);
    }
}
