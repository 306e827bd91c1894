//! Human output: miette's rustc-style reports over masked source, then a summary line.

use std::fmt;
use std::io::Write;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::source::Masked;

use super::{Report, TextOptions, fix_hint};
use crate::diagnostic::{Finding, Label, Severity};
use crate::model::{Content, InputError};
use crate::secrets::mask::{Shape, mask_parsed, mask_with};

/// One report as miette draws it.
#[derive(Debug)]
struct Shown {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Masked>,
    labels: Vec<LabeledSpan>,
    related: Vec<Shown>,
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {}

impl Diagnostic for Shown {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn Diagnostic))
                as Box<dyn Iterator<Item = &dyn Diagnostic>>
        })
    }
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    }
}

/// Masked texts, computed once per file that appears in the output.
struct Sources<'a> {
    report: &'a Report<'a>,
    masked: std::collections::HashMap<usize, Masked>,
}

impl Sources<'_> {
    fn get(&mut self, file: usize) -> Masked {
        let f = &self.report.project.files[file];
        self.masked
            .entry(file)
            .or_insert_with(|| {
                let det = self.report.settings.redaction();
                let masked = match &f.tree {
                    Some(tree) => mask_parsed(&f.text, tree, Shape::of_path(&f.path), &det),
                    None => mask_with(&f.text, Shape::of_path(&f.path), &det),
                };
                Masked::new(&f.path, self.report.scrubber.mask_known(masked))
            })
            .clone()
    }

    fn span(&self, file: usize, label: &Label) -> (usize, usize) {
        let len = self.report.project.files[file].text.len();
        let start = label.span.start.min(len);
        (start, label.span.end.clamp(start, len) - start)
    }
}

fn shown_finding(sources: &mut Sources<'_>, f: &Finding) -> Shown {
    let (start, len) = sources.span(f.primary.file, &f.primary);
    let mut labels = vec![LabeledSpan::new_primary_with_span(Some(f.primary.note.clone()), (start, len))];
    let mut related = Vec::new();
    for r in &f.related {
        let (s, l) = sources.span(r.file, r);
        if r.file == f.primary.file {
            labels.push(LabeledSpan::new_with_span(Some(r.note.clone()), (s, l)));
        } else {
            related.push(Shown {
                message: r.note.clone(),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: Some(sources.get(r.file)),
                labels: vec![LabeledSpan::new_primary_with_span(None, (s, l))],
                related: Vec::new(),
            });
        }
    }
    // One finding per place: the units that share it are named once, here.
    let units = (f.units.len() > 1).then(|| format!("in {} units: {}", f.units.len(), f.units.join(", ")));
    let help = [f.help.clone(), fix_hint(f), units].into_iter().flatten().collect::<Vec<_>>().join("\n");
    let help = (!help.is_empty()).then_some(help);
    Shown {
        message: f.message.clone(),
        code: Some(format!("{} {}", f.code, f.name)),
        severity: severity(f.severity),
        help,
        source: Some(sources.get(f.primary.file)),
        labels,
        related,
    }
}

fn shown_error(sources: &mut Sources<'_>, e: &InputError) -> Shown {
    // A file that did not parse cannot be masked reliably, so its text is never shown.
    let parsed = e.file.is_some_and(|f| !matches!(sources.report.project.files[f].content, Content::Broken));
    let (source, labels) = match (e.file, &e.span) {
        (Some(f), Some(span)) if parsed => {
            let len = sources.report.project.files[f].text.len();
            let start = span.start.min(len);
            let label = LabeledSpan::new_primary_with_span(None, (start, span.end.clamp(start, len) - start));
            (Some(sources.get(f)), vec![label])
        }
        _ => (None, Vec::new()),
    };
    let message = match (&source, e.position) {
        (None, Some((line, col))) => format!("{}:{line}:{col}: {}", e.path, e.message),
        (None, None) => format!("{}: {}", e.path, e.message),
        (Some(_), _) => e.message.clone(),
    };
    Shown {
        message,
        code: None,
        severity: severity(e.severity),
        help: None,
        source,
        labels,
        related: Vec::new(),
    }
}

/// Writes every input problem and finding, then the summary (unless quiet).
pub(crate) fn render(report: &Report<'_>, options: TextOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut sources = Sources { report, masked: Default::default() };
    let mut shown: Vec<Shown> = report.project.errors.iter().map(|e| shown_error(&mut sources, e)).collect();
    shown.extend(crate::rules::active(report.findings).map(|f| shown_finding(&mut sources, f)));
    for s in &shown {
        let mut buf = String::new();
        handler.render_report(&mut buf, s).map_err(std::io::Error::other)?;
        writeln!(out, "{}", buf.trim_end())?;
        writeln!(out)?;
    }
    for p in report.fix_problems {
        writeln!(out, "warning: {p}")?;
    }
    if !report.fixed.is_empty() {
        writeln!(out, "Fixed {}:", plural(report.fixed.len(), "finding"))?;
        for a in report.fixed {
            writeln!(out, "  {} {}: {} ({})", a.code, a.path, a.title, a.message)?;
            if let Some(note) = &a.note {
                writeln!(out, "    next: {note}")?;
            }
        }
        writeln!(out)?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(report))?;
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

fn summary_line(report: &Report<'_>) -> String {
    let s = report.summary();
    let scope = format!("{} in {}", plural(s.files, "Compose file"), plural(s.units, "unit"));
    let mut parts = Vec::new();
    if s.errors > 0 {
        parts.push(plural(s.errors, "error"));
    }
    if s.warnings > 0 {
        parts.push(plural(s.warnings, "warning"));
    }
    if s.input_errors > 0 {
        parts.push(format!("{} that could not be read", plural(s.input_errors, "input problem")));
    }
    if parts.is_empty() {
        format!("No problems found ({scope} checked).")
    } else {
        format!("Found {} ({scope} checked).", parts.join(", "))
    }
}
