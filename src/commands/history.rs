//! `minipaas lint --history`: every commit reachable from HEAD, read from git objects, for
//! values that were ever committed. A secret deleted later is still in the history, so it
//! still has to be rotated; each leak is reported once, with the commit that introduced it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde::Serialize;

use super::Outcome;
use crate::discover::Workspace;
use crate::error::Error;
use crate::model::{LoadOptions, Project};
use crate::render::Format;
use crate::rules::{active, check_all};
use crate::settings::Settings;

/// The rules about values: the ones a commit can leak.
const LEAK_RULES: [&str; 4] = ["MP005", "MP006", "MP007", "MP013"];

#[derive(Serialize)]
struct Leak {
    commit: String,
    summary: String,
    code: &'static str,
    name: &'static str,
    path: String,
    line: usize,
    column: usize,
    message: String,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    commits: usize,
    history: &'a [Leak],
}

/// A commit's signature: (path, blob) of its YAML and env files, and which referenced secret
/// files it tracks.
type Signature = (Vec<(String, String)>, Vec<bool>);

/// What decides a commit's findings: the YAML and env files' blobs, and whether the secret
/// files the previous commit referenced are tracked. Commits with the same one are skipped.
fn signature(ws: &Workspace, referenced: &[String]) -> Signature {
    let blobs = ws
        .files()
        .filter(|p| crate::discover::names::classify(p).is_some() || p.contains(".env"))
        .map(|p| (p.clone(), ws.blob_id(p).unwrap_or_default()))
        .collect();
    (blobs, referenced.iter().map(|p| ws.is_tracked(p)).collect())
}

/// Runs the history scan.
pub fn history(
    ws: &Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    format: Format,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    if !matches!(format, Format::Text | Format::Json) {
        return Err(Error::Usage("--history writes text or json".into()));
    }
    let commits = ws.history()?;
    let det = settings.redaction();
    let mut seen: BTreeSet<(&'static str, String, String, Option<[u8; 32]>)> = BTreeSet::new();
    let mut leaks: Vec<Leak> = Vec::new();
    let mut last: Option<Signature> = None;
    let mut referenced: Vec<String> = Vec::new();
    for (id, summary) in &commits {
        let at = ws.commit(id)?;
        let sig = signature(&at, &referenced);
        if last.as_ref() == Some(&sig) {
            continue;
        }
        let project = Project::load(&at, opts)?;
        referenced = project.facts.keys().cloned().collect();
        last = Some(signature(&at, &referenced));
        let findings = check_all(&project, settings);
        let scrubber = crate::redact::Scrubber::for_project(&det, &project);
        for f in active(&findings).filter(|f| LEAK_RULES.contains(&f.code)) {
            let path = project.files[f.primary.file].path.clone();
            if !seen.insert((f.code, path.clone(), f.subject.clone(), f.value_hash)) {
                continue;
            }
            let (line, column) = project.files[f.primary.file].line_col(f.primary.span.start);
            leaks.push(Leak {
                commit: id.clone(),
                summary: scrubber.scrub(summary).into_owned(),
                code: f.code,
                name: f.name,
                path,
                line,
                column,
                message: scrubber.scrub(&f.message).into_owned(),
            });
        }
    }
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &Document { version: 1, commits: commits.len(), history: &leaks },
            )
            .map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        _ => {
            let mut by_commit: BTreeMap<usize, Vec<&Leak>> = BTreeMap::new();
            for l in &leaks {
                let order = commits.iter().position(|(c, _)| *c == l.commit).unwrap_or(0);
                by_commit.entry(order).or_default().push(l);
            }
            for list in by_commit.values() {
                let first = list[0];
                writeln!(out, "commit {} {}", &first.commit[..first.commit.len().min(12)], first.summary)?;
                for l in list {
                    writeln!(
                        out,
                        "  {}:{}:{}: {} {}: {}",
                        l.path, l.line, l.column, l.code, l.name, l.message
                    )?;
                }
            }
            if leaks.is_empty() {
                writeln!(out, "No committed values found in {} commits.", commits.len())?;
            } else {
                writeln!(
                    out,
                    "Found {} leak(s) in the history of {} commits: rotate these values even if they are gone from HEAD.",
                    leaks.len(),
                    commits.len()
                )?;
            }
        }
    }
    Ok(if leaks.is_empty() { Outcome::Clean } else { Outcome::Findings })
}
