//! `--format json`: a frozen, versioned document. Never the internal types, so they can change
//! without breaking users; `version` changes when this shape does.

use std::io::Write;

use serde::Serialize;

use super::{Report, Summary, position};
use crate::diagnostic::Applicability;
use crate::diagnostic::{Label, Severity};

/// The current version of the JSON shape.
pub(crate) const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<FindingV1<'a>>,
    errors: Vec<ErrorV1<'a>>,
    fixed: Vec<FixedV1<'a>>,
    fix_problems: &'a [String],
    summary: Summary,
}

#[derive(Serialize)]
struct FixV1<'a> {
    title: &'a str,
    applicability: Applicability,
}

#[derive(Serialize)]
struct FixedV1<'a> {
    code: &'a str,
    name: &'a str,
    path: &'a str,
    message: &'a str,
    fix: &'a str,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingV1<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    #[serde(flatten)]
    location: LocationV1<'a>,
    env: Option<&'a str>,
    units: &'a [String],
    related: Vec<RelatedV1<'a>>,
    fix: Option<FixV1<'a>>,
}

#[derive(Serialize)]
struct LocationV1<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    byte_start: usize,
    byte_end: usize,
}

#[derive(Serialize)]
struct RelatedV1<'a> {
    #[serde(flatten)]
    location: LocationV1<'a>,
    note: &'a str,
}

#[derive(Serialize)]
struct ErrorV1<'a> {
    path: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    severity: Severity,
    message: &'a str,
}

fn location<'a>(report: &'a Report<'_>, label: &Label) -> LocationV1<'a> {
    let (line, column) = position(report.project, label.file, label.span.start);
    let (end_line, end_column) = position(report.project, label.file, label.span.end);
    LocationV1 {
        path: &report.project.files[label.file].path,
        line,
        column,
        end_line,
        end_column,
        byte_start: label.span.start,
        byte_end: label.span.end,
    }
}

/// Writes the JSON document and a newline.
pub(crate) fn render(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let findings = crate::rules::active(report.findings)
        .map(|f| FindingV1 {
            code: f.code,
            name: f.name,
            severity: f.severity,
            message: &f.message,
            help: f.help.as_deref(),
            location: location(report, &f.primary),
            env: f.env.as_deref(),
            units: &f.units,
            related: f
                .related
                .iter()
                .map(|r| RelatedV1 { location: location(report, r), note: &r.note })
                .collect(),
            fix: f.fix.as_ref().map(|p| FixV1 { title: &p.title, applicability: p.applicability }),
        })
        .collect();
    let errors = report
        .project
        .errors
        .iter()
        .map(|e| ErrorV1 {
            path: &e.path,
            line: e.position.map(|p| p.0),
            column: e.position.map(|p| p.1),
            severity: e.severity,
            message: &e.message,
        })
        .collect();
    let fixed = report
        .fixed
        .iter()
        .map(|a| FixedV1 {
            code: a.code,
            name: a.name,
            path: &a.path,
            message: &a.message,
            fix: &a.title,
            note: a.note.as_deref(),
        })
        .collect();
    let doc = Document {
        version: VERSION,
        findings,
        errors,
        fixed,
        fix_problems: report.fix_problems,
        summary: report.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
