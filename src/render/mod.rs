//! Renderers: turn findings and input errors into what a user or a tool reads. They sit at the
//! edge, write to an injected writer, and see only masked source text.

use std::io::Write;

use serde::Serialize;

use crate::diagnostic::Applicability;
use crate::diagnostic::{Finding, Severity};
use crate::fix::engine::Applied;
use crate::model::Project;

pub(crate) mod diff;
pub(crate) mod github;
pub(crate) mod history;
pub(crate) mod json;
pub(crate) mod progress;
pub(crate) mod sarif;
mod source;
pub(crate) mod text;
pub(crate) mod units;

/// Output formats of `minipaas lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with source snippets.
    Text,
    /// A versioned JSON document (see README).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Everything one lint run reports.
pub(crate) struct Report<'a> {
    /// What was looked at.
    pub project: &'a Project,
    /// The configuration (its credential words decide what is masked).
    pub settings: &'a crate::settings::Settings,
    /// What the rules found, sorted.
    pub findings: &'a [Finding],
    /// Fixes applied by `--fix`.
    pub fixed: &'a [Applied],
    /// Fixes refused or reverted by `--fix`, and why.
    pub fix_problems: &'a [String],
    /// What masks snippets beyond the structure: the project's credential values.
    pub scrubber: &'a crate::secrets::mask::Scrubber<'a>,
}

/// Counts for the summary line and `--format json`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Compose files linted.
    pub files: usize,
    /// Lint units.
    pub units: usize,
    /// Findings at error level.
    pub errors: usize,
    /// Findings at warning level.
    pub warnings: usize,
    /// Input problems that make the run exit 2.
    pub input_errors: usize,
}

impl Report<'_> {
    /// The counts.
    pub(crate) fn summary(&self) -> Summary {
        let count = |s| crate::rules::active(self.findings).filter(|f| f.severity == s).count();
        Summary {
            files: self.project.linted_files().len(),
            units: self.project.units.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            input_errors: self.project.errors.iter().filter(|e| e.severity == Severity::Error).count(),
        }
    }
}

/// How text output looks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextOptions {
    /// ANSI colours.
    pub color: bool,
    /// Findings only, no summary line.
    pub quiet: bool,
}

/// Writes the report in `format`.
pub(crate) fn render(
    format: Format,
    report: &Report<'_>,
    options: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
    }
}

/// A line telling how a finding's fix is applied, if it has one.
pub(crate) fn fix_hint(f: &Finding) -> Option<String> {
    let plan = f.fix.as_ref()?;
    Some(match plan.applicability {
        Applicability::Safe => format!("fix (safe, applied by --fix): {}", plan.title),
        Applicability::Unsafe => format!("fix (unsafe, applied by --fix --unsafe-fixes): {}", plan.title),
        Applicability::DisplayOnly => format!("to do by hand: {}", plan.title),
    })
}

/// 1-based (line, column) of a byte offset in a project file; columns count characters.
pub(crate) fn position(project: &Project, file: usize, offset: usize) -> (usize, usize) {
    project.files[file].line_col(offset)
}

/// Every message of a run through the scrubber: findings (messages, notes, help, fix titles,
/// suppression reasons), input errors, fixes applied and refused. Renderers see only what
/// this leaves.
pub(crate) fn scrub_run(
    scrubber: &crate::secrets::mask::Scrubber<'_>,
    findings: &mut [crate::diagnostic::Finding],
    errors: &mut [crate::model::InputError],
    applied: &mut [crate::fix::engine::Applied],
    problems: &mut [String],
) {
    for f in findings {
        if let Some(why) = &mut f.suppressed {
            // A reason written in a comment is comment text: masked like one.
            if why.in_source {
                why.justification =
                    why.justification.chars().map(|c| if c == ' ' { ' ' } else { '*' }).collect();
            } else {
                scrubber.scrub_in(&mut why.justification);
            }
        }
        scrubber.scrub_in(&mut f.message);
        mask_subject(scrubber, &mut f.subject);
        scrubber.scrub_in(&mut f.primary.note);
        f.related.iter_mut().for_each(|r| scrubber.scrub_in(&mut r.note));
        f.help.iter_mut().for_each(|h| scrubber.scrub_in(h));
        if let Some(fix) = &mut f.fix {
            scrubber.scrub_in(&mut fix.title);
            fix.note.iter_mut().for_each(|n| scrubber.scrub_in(n));
            // SARIF shows each fix's inserted text.
            fix.edits.values_mut().flatten().for_each(|e| scrubber.scrub_in(&mut e.replacement));
        }
    }
    errors.iter_mut().for_each(|e| scrubber.scrub_in(&mut e.message));
    for a in applied {
        scrubber.scrub_in(&mut a.message);
        scrubber.scrub_in(&mut a.title);
        a.note.iter_mut().for_each(|n| scrubber.scrub_in(n));
    }
    problems.iter_mut().for_each(|p| scrubber.scrub_in(p));
}

/// A finding's subject as output shows it (what baselines record and `--since` compares).
pub(crate) fn mask_subject(
    scrubber: &crate::secrets::mask::Scrubber<'_>,
    subject: &mut crate::diagnostic::Subject,
) {
    subject.mask(|text| match scrubber.scrub(text) {
        std::borrow::Cow::Owned(masked) => Some(masked),
        std::borrow::Cow::Borrowed(_) => None,
    });
}
