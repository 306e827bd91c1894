//! `minipaas units` output: each lint unit with its files, why they were grouped, and what it
//! cannot see; as text for people and as a versioned JSON document.

use std::io::Write;

use serde::Serialize;

use crate::model::chains::Tool;
use crate::model::{Project, Unit};

/// The current version of the JSON shape.
pub(crate) const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    units: Vec<UnitV1<'a>>,
    skipped: Vec<SkippedV1>,
    errors: Vec<ProblemV1<'a>>,
}

#[derive(Serialize)]
struct UnitV1<'a> {
    label: &'a str,
    env: Option<&'a str>,
    origin: OriginV1,
    tool: &'static str,
    project_dir: &'a str,
    files: Vec<&'a str>,
    included: Vec<&'a str>,
    extended: Vec<&'a str>,
    services: Vec<&'a str>,
    unknowns: Vec<ProblemV1<'a>>,
}

#[derive(Serialize)]
struct OriginV1 {
    kind: &'static str,
    description: String,
}

#[derive(Serialize)]
struct SkippedV1 {
    origin: OriginV1,
    reason: String,
}

#[derive(Serialize)]
struct ProblemV1<'a> {
    message: &'a str,
    path: Option<&'a str>,
    line: Option<usize>,
}

fn tool(t: Tool) -> &'static str {
    match t {
        Tool::Compose => "docker compose",
        Tool::Stack => "docker stack deploy",
    }
}

/// The unit's files by role: its own, included, extended.
fn roles<'a>(project: &'a Project, unit: &'a Unit) -> (Vec<&'a str>, Vec<&'a str>, Vec<&'a str>) {
    let path = |f: usize| project.files[f].path.as_str();
    let own = unit.own_files().map(path).collect();
    let included = unit.members.iter().filter(|m| m.included).map(|m| path(m.file)).collect();
    let extended =
        unit.files.iter().filter(|f| !unit.members.iter().any(|m| m.file == **f)).map(|&f| path(f)).collect();
    (own, included, extended)
}

fn unknowns<'a>(project: &'a Project, unit: &'a Unit) -> Vec<ProblemV1<'a>> {
    unit.unknowns
        .iter()
        .map(|u| ProblemV1 {
            message: &u.message,
            path: u.at.as_ref().map(|(f, _)| project.files[*f].path.as_str()),
            line: u.at.as_ref().map(|(f, span)| project.files[*f].line_col(span.start).0),
        })
        .collect()
}

/// Text: one block per unit.
pub(crate) fn text(project: &Project, out: &mut dyn Write) -> std::io::Result<()> {
    for unit in &project.units {
        writeln!(out, "{}", unit.label)?;
        writeln!(out, "  why: {}; deployed with {}", unit.origin.describe(), tool(unit.tool))?;
        let (own, included, extended) = roles(project, unit);
        for f in own {
            writeln!(out, "  file: {f}")?;
        }
        for f in included {
            writeln!(out, "  included: {f}")?;
        }
        for f in extended {
            writeln!(out, "  extended: {f}")?;
        }
        let names: Vec<&str> = unit.services.iter().map(|s| s.name.as_str()).collect();
        if !names.is_empty() {
            writeln!(out, "  services: {}", names.join(", "))?;
        }
        for u in unknowns(project, unit) {
            match (u.path, u.line) {
                (Some(p), Some(l)) => writeln!(out, "  cannot see: {} ({p}:{l})", u.message)?,
                _ => writeln!(out, "  cannot see: {}", u.message)?,
            }
        }
    }
    for s in &project.skipped {
        writeln!(out, "not a unit: {}: {}", s.origin.describe(), s.reason)?;
    }
    for e in &project.errors {
        let at = e.position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default();
        writeln!(out, "{}: {}{at}: {}", e.severity.as_str(), e.path, e.message)?;
    }
    let files = project.linted_files().len();
    let n = project.units.len();
    writeln!(
        out,
        "{n} unit{} from {files} Compose file{}.",
        if n == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    )
}

/// JSON, version [`VERSION`].
pub(crate) fn json(project: &Project, out: &mut dyn Write) -> std::io::Result<()> {
    let units = project
        .units
        .iter()
        .map(|unit| {
            let (files, included, extended) = roles(project, unit);
            UnitV1 {
                label: &unit.label,
                env: unit.env.as_deref(),
                origin: OriginV1 { kind: unit.origin.kind(), description: unit.origin.describe() },
                tool: tool(unit.tool),
                project_dir: &unit.project_dir,
                files,
                included,
                extended,
                services: unit.services.iter().map(|s| s.name.as_str()).collect(),
                unknowns: unknowns(project, unit),
            }
        })
        .collect();
    let skipped = project
        .skipped
        .iter()
        .map(|s| SkippedV1 {
            origin: OriginV1 { kind: s.origin.kind(), description: s.origin.describe() },
            reason: s.reason.clone(),
        })
        .collect();
    let errors = project
        .errors
        .iter()
        .map(|e| ProblemV1 { message: &e.message, path: Some(&e.path), line: e.position.map(|p| p.0) })
        .collect();
    let doc = Document { version: VERSION, units, skipped, errors };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
