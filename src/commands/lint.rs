//! `minipaas lint`: discover, parse, run the rules, render, decide the outcome.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::Outcome;
use crate::cli::LintArgs;
use crate::error::Error;
use crate::finding::Severity;
use crate::project::{LoadOptions, Project};
use crate::render::{Report, TextOptions, render};
use crate::rules::check_all;
use crate::workspace::Workspace;

/// Runs a lint as the command line asks.
pub fn lint(args: &LintArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let start: PathBuf = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    for p in &args.paths {
        if !p.exists() {
            return Err(Error::Path {
                path: p.clone(),
                message: "no such file or folder".into(),
            });
        }
    }
    let mut ws = Workspace::open(&start, args.staged)?;
    // Outside git there is no repository root: the current folder is the natural one when it
    // holds every path given (so `minipaas lint a/ b/` is one project, as in a repository).
    if !ws.has_git() && !args.paths.is_empty() {
        let cwd = std::env::current_dir().map_err(|e| Error::Path {
            path: ".".into(),
            message: e.to_string(),
        })?;
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
    let opts = LoadOptions {
        include: args.include.clone(),
        paths,
        env: args.env.clone(),
    };
    let project = Project::load(&ws, &opts)?;
    let findings = check_all(&project);
    let report = Report {
        project: &project,
        findings: &findings,
    };
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    render(
        args.format,
        &report,
        TextOptions {
            color,
            quiet: args.quiet,
        },
        out,
    )?;
    Ok(outcome(&project, &findings))
}

fn outcome(project: &Project, findings: &[crate::finding::Finding]) -> Outcome {
    if project.errors.iter().any(|e| e.severity == Severity::Error) {
        Outcome::InputError
    } else if findings.iter().any(|f| f.severity == Severity::Error) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// Lints a workspace from Rust (used by tests and embedders): the project and its findings.
pub fn lint_workspace(
    ws: &Workspace,
    opts: &LoadOptions,
) -> Result<(Project, Vec<crate::finding::Finding>), Error> {
    let project = Project::load(ws, opts)?;
    let findings = check_all(&project);
    Ok((project, findings))
}

/// Convenience for callers holding a path rather than a workspace.
pub fn lint_path(path: &Path) -> Result<(Project, Vec<crate::finding::Finding>), Error> {
    lint_workspace(&Workspace::open(path, false)?, &LoadOptions::default())
}
