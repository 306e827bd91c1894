//! `minipaas lint`: discover, parse, run the rules (and the fix engine), render, decide.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::Outcome;
use crate::cli::LintArgs;
use crate::commands::baseline::Baseline;
use crate::diagnostic::Applicability;
use crate::diagnostic::{Finding, Severity};
use crate::discover::Workspace;
use crate::error::Error;
use crate::fix::engine;
use crate::fix::write::{interrupted, lock, write_all};
use crate::model::{LoadOptions, Project};
use crate::render::scrub_run;
use crate::render::{Report, TextOptions, diff, render};
use crate::rules::{active, check_all};
use crate::secrets::mask::Scrubber;
use crate::settings::Settings;

/// Runs a lint as the command line asks.
pub(crate) fn lint(args: &LintArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome, Error> {
    let started = std::time::Instant::now();
    // pre-commit sets PRE_COMMIT for its hooks: with no files passed, lint what is staged.
    let staged = args.staged
        || (args.paths.is_empty() && !args.fix && !args.diff && std::env::var_os("PRE_COMMIT").is_some());
    let scope = Scope {
        paths: &args.paths,
        staged,
        include: &args.include,
        config: args.config.as_deref(),
        select: &args.select,
        ignore: &args.ignore,
        env: args.env.clone(),
    };
    let (ws, opts, settings) = open(&scope)?;
    // The progress line goes to standard error, and only to a terminal: never into the report.
    let shown = (!args.quiet && std::io::stderr().is_terminal())
        .then(|| Box::new(std::io::stderr()) as Box<dyn Write + Send>);
    let progress = crate::render::progress::Progress::start(ws.reads(), shown);
    if !args.fix && interrupted(&ws) {
        writeln!(
            err,
            "warning: an earlier run was interrupted while writing several files, which may now disagree; the next `minipaas lint --fix` (or secret/config command) puts them back as they were"
        )?;
    }
    let color = !args.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let text = TextOptions { color, quiet: args.quiet };
    if args.history {
        return super::history::history(&ws, &opts, &settings, args.format, out);
    }
    if !(args.fix || args.diff) {
        let mut project = Project::load(&ws, &opts)?;
        let mut findings = check_all(&project, &settings);
        // Before baselines and `--since` read subjects, so they all see the same text.
        let det = settings.redaction();
        let scrubber = Scrubber::for_project(&det, &project);
        scrub_run(&scrubber, &mut findings, &mut project.errors, &mut [], &mut []);
        if let Some(path) = &args.write_baseline {
            let n = Baseline::write(path, &project, &findings)?;
            writeln!(err, "Recorded {n} finding(s) in {}.", path.display())?;
            return Ok(Outcome::Clean);
        }
        if let Some(path) = &args.baseline {
            Baseline::load(path)?.apply(&project, &mut findings);
        }
        if let Some(rev) = &args.since {
            since(&ws, &opts, &settings, rev, &project, &mut findings, &scrubber)?;
        }
        drop(progress);
        let report = Report {
            project: &project,
            settings: &settings,
            findings: &findings,
            fixed: &[],
            fix_problems: &[],
            scrubber: &scrubber,
        };
        render(args.format, &report, text, out)?;
        if args.stats {
            stats(&report, started, err)?;
        }
        let result = outcome(&project, &findings);
        // The process ends here: freeing thousands of parsed files one by one only costs time.
        std::mem::forget(project);
        std::mem::forget(ws);
        return Ok(result);
    }
    let required = if args.unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe };
    // Held from the first read to the last write, so parallel runs never lose an edit.
    let lock = if args.fix { Some(lock(&ws)?) } else { None };
    for note in lock.iter().flat_map(|l| &l.recovered) {
        writeln!(err, "note: {note}")?;
    }
    let mut ws = ws;
    let mut run = engine::fix(&mut ws, &opts, &settings, required)?;
    drop(progress);
    let det = settings.redaction();
    let scrubber = Scrubber::for_project(&det, &run.project);
    scrub_run(&scrubber, &mut run.findings, &mut run.project.errors, &mut run.applied, &mut run.problems);
    if args.diff {
        diff::render(&run.changes, &scrubber, out)?;
        for p in &run.problems {
            writeln!(err, "warning: {p}")?;
        }
        // Input problems are never hidden by a diff: a file that could not be read may hold
        // what the diff would need.
        for e in &run.project.errors {
            let at = e.position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default();
            writeln!(err, "{}: {}{at}: {}", e.severity.as_str(), e.path, e.message)?;
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
        let input_error = run.project.errors.iter().any(|e| e.severity == Severity::Error);
        return Ok(if input_error {
            Outcome::InputError
        } else if run.changes.is_empty() {
            Outcome::Clean
        } else {
            Outcome::Findings
        });
    }
    let all: Vec<(&str, &str, &str)> =
        run.changes.iter().map(|c| (c.path.as_str(), c.before.as_str(), c.after.as_str())).collect();
    // `--fix` holds the lock from the first read (it is taken above whenever --fix is given).
    if let Some(lock) = &lock {
        write_all(&ws, lock, &all)?;
    }
    let report = Report {
        project: &run.project,
        settings: &settings,
        findings: &run.findings,
        fixed: &run.applied,
        fix_problems: &run.problems,
        scrubber: &scrubber,
    };
    render(args.format, &report, text, out)?;
    Ok(outcome(&run.project, &run.findings))
}

/// Marks findings that already exist at `rev` as suppressed, leaving only the new ones; the
/// current findings were masked with `scrubber`, and so are those at `rev` before comparing.
fn since(
    ws: &Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    rev: &str,
    project: &Project,
    findings: &mut [Finding],
    scrubber: &Scrubber<'_>,
) -> Result<(), Error> {
    let then = ws.at_commit(rev)?;
    let (old_project, mut old) = lint_workspace(&then, opts, settings)?;
    // The findings at `rev` masked as the current ones were: the same text for the same subject.
    old.iter_mut().for_each(|f| crate::render::mask_subject(scrubber, &mut f.subject));
    let before: std::collections::BTreeSet<_> = active(&old).map(|f| old_project.key_of(f)).collect();
    for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
        if before.contains(&project.key_of(f)) {
            f.suppressed =
                Some(crate::diagnostic::Suppression::external(format!("already present at {rev}")));
        }
    }
    Ok(())
}

/// `--stats`: what was looked at and found, and how long it took.
fn stats(report: &Report<'_>, started: std::time::Instant, err: &mut dyn Write) -> Result<(), Error> {
    let s = report.summary();
    writeln!(err, "files: {} Compose files in {} units", s.files, s.units)?;
    let mut per_rule: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in active(report.findings) {
        *per_rule.entry(f.code).or_default() += 1;
    }
    for (code, n) in &per_rule {
        let name = crate::rules::lookup(code).map(|r| r.meta().name).unwrap_or_default();
        writeln!(err, "{code} {name}: {n}")?;
    }
    let silenced = report.findings.iter().filter(|f| f.suppressed.is_some()).count();
    writeln!(err, "suppressed: {silenced}")?;
    writeln!(err, "time: {:.1} ms", started.elapsed().as_secs_f64() * 1000.0)?;
    Ok(())
}

/// What a command looks at: the command-line options `lint` and `units` share.
pub(crate) struct Scope<'a> {
    /// Files or folders named (all of the repository when empty).
    pub paths: &'a [PathBuf],
    /// Read the git index instead of the work tree.
    pub staged: bool,
    /// `--include` globs.
    pub include: &'a [String],
    /// `--config`.
    pub config: Option<&'a std::path::Path>,
    /// `--select`.
    pub select: &'a [String],
    /// `--ignore`.
    pub ignore: &'a [String],
    /// `--env`.
    pub env: Option<String>,
}

/// The workspace, load options and configuration a scope describes.
pub(crate) fn open(args: &Scope<'_>) -> Result<(Workspace, LoadOptions, Settings), Error> {
    let start: PathBuf = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    for p in args.paths {
        if !p.exists() {
            return Err(Error::Path { path: p.clone(), message: "no such file or folder".into() });
        }
    }
    let staged = args.staged;
    // The configuration lives at the root and may name more Compose files (`include`), which
    // the workspace must know before it looks for untracked files.
    let root = Workspace::root_of(&start).unwrap_or_else(|| start.clone());
    let mut settings = Settings::load(args.config, &root)?;
    settings.override_with(args.select, args.ignore)?;
    let extra: Vec<String> = args.include.iter().chain(&settings.include).cloned().collect();
    let mut ws = Workspace::open_with(&start, staged, &extra)?;
    // Outside git there is no repository root: the current folder is the natural one when it
    // holds every path given (so `minipaas lint a/ b/` is one project, as in a repository).
    if !ws.has_git() && !args.paths.is_empty() {
        let cwd =
            std::env::current_dir().map_err(|e| Error::Path { path: ".".into(), message: e.to_string() })?;
        let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
        let inside = |p: &PathBuf| std::fs::canonicalize(p).is_ok_and(|abs| abs.starts_with(&cwd));
        if args.paths.iter().all(inside) {
            ws = Workspace::open_with(&cwd, false, &extra)?;
        }
    }
    // A changed configuration concerns every file: lint them all (pre-commit passes it alone).
    let config_named =
        args.paths.iter().any(|p| p.file_name().is_some_and(|n| n == crate::settings::CONFIG_NAME));
    let mut paths = Vec::new();
    for p in args.paths.iter().filter(|_| !config_named) {
        let rel = ws.relative(p).ok_or_else(|| Error::Path {
            path: p.clone(),
            message: format!("is not inside {}", ws.root.display()),
        })?;
        paths.push(rel);
    }
    // `--env dev/` (a shell completes folders with a slash) and `--env ./dev` mean `dev`.
    let env = args.env.as_deref().map(|e| {
        let e = e.trim_end_matches('/');
        let e = e.strip_prefix("./").unwrap_or(e);
        if e.is_empty() { ".".to_string() } else { e.to_string() }
    });
    let opts = settings.load_options(args.include, paths, env);
    Ok((ws, opts, settings))
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
pub fn lint_workspace(
    ws: &Workspace,
    opts: &LoadOptions,
    settings: &Settings,
) -> Result<(Project, Vec<Finding>), Error> {
    let project = Project::load(ws, opts)?;
    let findings = check_all(&project, settings);
    Ok((project, findings))
}
