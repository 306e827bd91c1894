//! `minipaas lint`: discover, parse, run the rules (and the fix engine), render, decide.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::Outcome;
use crate::cli::LintArgs;
use crate::engine;
use crate::error::Error;
use crate::finding::{Finding, Severity};
use crate::fix::Applicability;
use crate::project::{LoadOptions, Project};
use crate::render::{Report, TextOptions, diff, render};
use crate::rules::{active, check_all};
use crate::settings::Settings;
use crate::workspace::Workspace;
use crate::write::{lock, write_atomic};

/// Runs a lint as the command line asks.
pub fn lint(args: &LintArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome, Error> {
    let (ws, opts) = open(args)?;
    let color = !args.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let text = TextOptions { color, quiet: args.quiet };
    if !(args.fix || args.diff) {
        let project = Project::load(&ws, &opts)?;
        let findings = check_all(&project);
        let report = Report { project: &project, findings: &findings, fixed: &[], fix_problems: &[] };
        render(args.format, &report, text, out)?;
        return Ok(outcome(&project, &findings));
    }
    let required = if args.unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe };
    // Held from the first read to the last write, so parallel runs never lose an edit.
    let _lock = if args.fix { Some(lock(&ws)?) } else { None };
    let mut ws = ws;
    let run = engine::fix(&mut ws, &opts, required)?;
    if args.diff {
        diff::render(&run.changes, &run.project.settings.redaction(), out)?;
        for p in &run.problems {
            writeln!(err, "warning: {p}")?;
        }
        let n = run.applied.len();
        writeln!(
            err,
            "{} fix{} would change {} file{}.",
            n,
            if n == 1 { "" } else { "es" },
            run.changes.len(),
            if run.changes.len() == 1 { "" } else { "s" }
        )?;
        return Ok(if run.changes.is_empty() { Outcome::Clean } else { Outcome::Findings });
    }
    let mut written: Vec<&str> = Vec::new();
    for change in &run.changes {
        write_atomic(&ws.root, &change.path, &change.after).map_err(|e| match e {
            Error::Write { path, message } if !written.is_empty() => {
                Error::Write { path, message: format!("{message} (already written: {})", written.join(", ")) }
            }
            e => e,
        })?;
        written.push(&change.path);
    }
    let report = Report {
        project: &run.project,
        findings: &run.findings,
        fixed: &run.applied,
        fix_problems: &run.problems,
    };
    render(args.format, &report, text, out)?;
    Ok(outcome(&run.project, &run.findings))
}

/// The workspace and load options the arguments describe.
fn open(args: &LintArgs) -> Result<(Workspace, LoadOptions), Error> {
    let start: PathBuf = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    for p in &args.paths {
        if !p.exists() {
            return Err(Error::Path { path: p.clone(), message: "no such file or folder".into() });
        }
    }
    let mut ws = Workspace::open(&start, args.staged)?;
    // Outside git there is no repository root: the current folder is the natural one when it
    // holds every path given (so `minipaas lint a/ b/` is one project, as in a repository).
    if !ws.has_git() && !args.paths.is_empty() {
        let cwd =
            std::env::current_dir().map_err(|e| Error::Path { path: ".".into(), message: e.to_string() })?;
        let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
        let inside = |p: &PathBuf| std::fs::canonicalize(p).is_ok_and(|abs| abs.starts_with(&cwd));
        if args.paths.iter().all(inside) {
            ws = Workspace::open(&cwd, false)?;
        }
    }
    let mut paths = Vec::new();
    for p in &args.paths {
        let rel = ws.relative(p).ok_or_else(|| Error::Path {
            path: p.clone(),
            message: format!("is not inside {}", ws.root.display()),
        })?;
        paths.push(rel);
    }
    let mut settings = Settings::load(args.config.as_deref(), &ws.root)?;
    settings.override_with(&args.select, &args.ignore)?;
    Ok((ws, LoadOptions { include: args.include.clone(), paths, env: args.env.clone(), settings }))
}

fn outcome(project: &Project, findings: &[Finding]) -> Outcome {
    if project.errors.iter().any(|e| e.severity == Severity::Error) {
        Outcome::InputError
    } else if active(findings).any(|f| f.severity == Severity::Error) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// Lints a workspace from Rust (used by tests and embedders): the project and its findings.
pub fn lint_workspace(ws: &Workspace, opts: &LoadOptions) -> Result<(Project, Vec<Finding>), Error> {
    let project = Project::load(ws, opts)?;
    let findings = check_all(&project);
    Ok((project, findings))
}

/// Convenience for callers holding a path rather than a workspace.
pub fn lint_path(path: &Path) -> Result<(Project, Vec<Finding>), Error> {
    lint_workspace(&Workspace::open(path, false)?, &LoadOptions::default())
}
