//! Inline suppressions: `# minipaas: ignore[MP006] reason` on a finding's line, or alone on
//! the line above it. A reason is required. [`apply`] is the one place they silence findings,
//! after every rule ran; MP011 and MP012 then report, from what it returns, the ones that do
//! nothing.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::{FileId, Finding, Suppression};
use crate::model::Project;

static DIRECTIVE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*minipaas:\s*ignore\[([^\]]*)\]\s*(.*?)\s*$").ok());

/// One `minipaas: ignore[...]` comment.
#[derive(Debug, Clone)]
pub(crate) struct Directive {
    /// The file it is in.
    pub file: FileId,
    /// The comment's byte range.
    pub span: Range<usize>,
    /// The codes or names as written.
    pub codes: Vec<String>,
    /// The reason (empty when none was given).
    pub reason: String,
    /// The 1-based line whose findings it silences.
    pub target_line: usize,
}

/// Every suppression comment in the files this run lints (units' files and manifests).
pub(crate) fn directives(project: &Project) -> Vec<Directive> {
    let Some(re) = DIRECTIVE.as_ref() else { return Vec::new() };
    let mut files: Vec<FileId> = project.linted_files();
    files.extend(project.units.iter().filter_map(|u| u.manifest));
    files.sort_unstable();
    files.dedup();
    let mut out = Vec::new();
    for file in files {
        let f = &project.files[file];
        let Some(tree) = &f.tree else { continue };
        for comment in &tree.comments {
            let Some(caps) = re.captures(&comment.text) else { continue };
            let codes = caps.get(1).map(|m| m.as_str()).unwrap_or_default();
            let (line, _) = f.line_col(comment.span.start);
            let line_start = f.line_start(line).unwrap_or(0);
            let alone = f.text[line_start..comment.span.start].trim().is_empty();
            out.push(Directive {
                file,
                span: comment.span.clone(),
                codes: codes.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect(),
                reason: caps.get(2).map(|m| m.as_str().to_string()).unwrap_or_default(),
                target_line: if alone { line + 1 } else { line },
            });
        }
    }
    out
}

/// A suppression comment, and whether it silenced anything.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The comment.
    pub directive: Directive,
    /// The rule codes it names that are rules.
    pub codes: Vec<&'static str>,
    /// The names it gives that are no rule's code or name.
    pub unknown: Vec<String>,
    /// True when it silenced at least one finding.
    pub used: bool,
}

/// Silences the findings each suppression with a reason names, on its target line (a finding
/// is silenced once, by the first comment that names it), and says which comments did.
/// `code_of` gives the code of a rule's code or name, as written in a comment.
pub(crate) fn apply(
    project: &Project,
    findings: &mut [Finding],
    code_of: &dyn Fn(&str) -> Option<&'static str>,
) -> Vec<Applied> {
    let mut out = Vec::new();
    for directive in directives(project) {
        let codes: Vec<&'static str> = directive.codes.iter().filter_map(|c| code_of(c)).collect();
        let unknown = directive.codes.iter().filter(|c| code_of(c).is_none()).cloned().collect();
        let mut used = false;
        if !directive.reason.is_empty() {
            for f in findings.iter_mut() {
                let line = project.files[f.primary.file].line_col(f.primary.span.start).0;
                if f.primary.file == directive.file
                    && line == directive.target_line
                    && codes.contains(&f.code)
                    && f.suppressed.is_none()
                {
                    f.suppressed =
                        Some(Suppression { in_source: true, justification: directive.reason.clone() });
                    used = true;
                }
            }
        }
        out.push(Applied { directive, codes, unknown, used });
    }
    out
}
