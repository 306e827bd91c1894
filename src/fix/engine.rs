//! The one fix engine, shared by `lint --fix` and the `secret`/`config` commands.
//!
//! Each pass lints the project as it would be with the edits so far, picks the fixes the
//! caller allows that do not conflict, splices them, and checks the result: a file that no
//! longer parses is never produced, and a pass whose edits make any unit gain a new error is
//! reverted and retried one fix at a time, so the fix at fault is named and skipped. Nothing
//! is written here: the caller gets the new texts and decides (write, or print a diff).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::discover::Workspace;
use crate::error::Error;
use crate::finding::{FileId, Finding, Severity};
use crate::fix::{Applicability, Edit, splice};
use crate::model::{LoadOptions, Project};
use crate::rules::check_all;
use crate::settings::Settings;
use crate::yaml::Tree;

/// How many lint-and-fix passes run before the engine gives up converging.
pub const MAX_PASSES: usize = 50;

/// A finding whose fix was applied.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The rule.
    pub code: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// Where the finding was.
    pub path: String,
    /// The finding's message (it never holds a value).
    pub message: String,
    /// What the fix did.
    pub title: String,
    /// What the user must do next, if anything.
    pub note: Option<String>,
}

/// One changed file: its text before and after.
#[derive(Debug, Clone)]
pub struct Change {
    /// Path relative to the root.
    pub path: String,
    /// The text on disk.
    pub before: String,
    /// The fixed text.
    pub after: String,
}

/// What a fix run produced.
pub struct FixRun {
    /// The project as fixed.
    pub project: Project,
    /// The findings that remain.
    pub findings: Vec<Finding>,
    /// Files whose text changed.
    pub changes: Vec<Change>,
    /// Fixes applied, in order.
    pub applied: Vec<Applied>,
    /// Fixes that were refused or reverted, and why.
    pub problems: Vec<String>,
}

type Key = (&'static str, String, String);

fn key(project: &Project, f: &Finding) -> Key {
    (f.code, project.files[f.primary.file].path.clone(), f.message.clone())
}

fn load(ws: &Workspace, opts: &LoadOptions, settings: &Settings) -> Result<(Project, Vec<Finding>), Error> {
    let project = Project::load(ws, opts)?;
    let findings = check_all(&project, settings);
    Ok((project, findings))
}

/// The error-level findings, without positions (a fix moves text around).
fn errors(project: &Project, findings: &[Finding]) -> BTreeSet<Key> {
    crate::rules::active(findings)
        .filter(|f| f.severity == Severity::Error)
        .map(|f| key(project, f))
        .collect()
}

/// Picks the findings whose fixes apply together this pass; returns their indexes and the
/// merged, sorted edits per file.
fn choose(
    project: &Project,
    findings: &[Finding],
    required: Applicability,
    blocked: &HashSet<Key>,
    single: bool,
) -> (Vec<usize>, BTreeMap<FileId, Vec<Edit>>) {
    let mut chosen = Vec::new();
    let mut edits: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut isolation: HashSet<&str> = HashSet::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(plan) = &f.fix else { continue };
        if f.suppressed.is_some()
            || plan.applicability < required
            || plan.fixes.is_empty()
            || blocked.contains(&key(project, f))
        {
            continue;
        }
        let fits = plan.fixes.iter().all(|fix| {
            fix.isolation.as_deref().is_none_or(|k| !isolation.contains(k))
                && fix.edits.iter().all(|e| {
                    edits.get(&fix.file).is_none_or(|taken| taken.iter().all(|t| t == e || !t.conflicts(e)))
                })
        });
        if !fits {
            continue;
        }
        for fix in &plan.fixes {
            isolation.extend(fix.isolation.as_deref());
            let taken = edits.entry(fix.file).or_default();
            for e in &fix.edits {
                if !taken.contains(e) {
                    taken.push(e.clone());
                }
            }
        }
        chosen.push(i);
        if single {
            break;
        }
    }
    for list in edits.values_mut() {
        // Stable: insertions at one point keep the order their findings came in.
        list.sort_by_key(|e| e.range.start);
    }
    (chosen, edits)
}

/// Applies every fix at or above `required` until nothing changes (or [`MAX_PASSES`]).
/// The workspace is left holding the fixed texts as overrides.
pub fn fix(
    ws: &mut Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    required: Applicability,
) -> Result<FixRun, Error> {
    let (mut project, mut findings) = load(ws, opts, settings)?;
    let mut originals: BTreeMap<String, String> = BTreeMap::new();
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    let mut blocked: HashSet<Key> = HashSet::new();
    let mut applied: Vec<Applied> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut single = false;
    let mut converged = false;
    for _ in 0..MAX_PASSES {
        let (chosen, edits) = choose(&project, &findings, required, &blocked, single);
        if chosen.is_empty() {
            converged = true;
            break;
        }
        let describe = |i: &usize| {
            let f = &findings[*i];
            let title = f.fix.as_ref().map(|p| p.title.as_str()).unwrap_or_default();
            format!("{} ({title})", f.code)
        };
        let mut texts: HashMap<FileId, String> = HashMap::new();
        let mut unparsable = Vec::new();
        for (&file, list) in &edits {
            let new = splice(&project.files[file].text, list);
            if Tree::parse_with(&new, false).is_err() {
                unparsable.push(file);
            }
            texts.insert(file, new);
        }
        if !unparsable.is_empty() {
            for i in &chosen {
                let touches =
                    findings[*i].fix.iter().flat_map(|p| &p.fixes).any(|fx| unparsable.contains(&fx.file));
                if touches && (single || chosen.len() == 1) {
                    blocked.insert(key(&project, &findings[*i]));
                    problems.push(format!(
                        "not applied: the fix for {} would make the file invalid YAML",
                        describe(i)
                    ));
                }
            }
            single = true;
            continue;
        }
        let before = errors(&project, &findings);
        let previous: Vec<(String, String)> =
            texts.keys().map(|&f| (project.files[f].path.clone(), project.files[f].text.clone())).collect();
        for (&file, new) in &texts {
            let path = &project.files[file].path;
            originals.entry(path.clone()).or_insert_with(|| project.files[file].text.clone());
            ws.set_override(path, new.clone());
        }
        let (next, next_findings) = load(ws, opts, settings)?;
        let gained: Vec<Key> = errors(&next, &next_findings).difference(&before).cloned().collect();
        if !gained.is_empty() {
            for (path, text) in previous {
                ws.set_override(&path, text);
            }
            if single || chosen.len() == 1 {
                for i in &chosen {
                    blocked.insert(key(&project, &findings[*i]));
                    let new: Vec<String> =
                        gained.iter().map(|(c, p, m)| format!("{c} in {p}: {m}")).collect();
                    problems.push(format!(
                        "reverted the fix for {}: it introduced {}",
                        describe(i),
                        new.join("; ")
                    ));
                }
            }
            single = true;
            continue;
        }
        for i in &chosen {
            let f = &findings[*i];
            let plan = f.fix.as_ref();
            applied.push(Applied {
                code: f.code,
                name: f.name,
                path: project.files[f.primary.file].path.clone(),
                message: f.message.clone(),
                title: plan.map(|p| p.title.clone()).unwrap_or_default(),
                note: plan.and_then(|p| p.note.clone()),
            });
        }
        for (file, new) in texts {
            current.insert(project.files[file].path.clone(), new);
        }
        project = next;
        findings = next_findings;
    }
    if !converged {
        problems
            .push(format!("fixes did not settle after {MAX_PASSES} passes; what was applied so far is kept"));
    }
    let changes = current
        .into_iter()
        .filter_map(|(path, after)| {
            let before = originals.remove(&path)?;
            (before != after).then_some(Change { path, before, after })
        })
        .collect();
    Ok(FixRun { project, findings, changes, applied, problems })
}

/// One part of a command's change (`secret create`, `delete`, `prune`): given the project as
/// it is so far, the fixes that bring it one step closer, or none when the step is done.
/// Steps are re-run on a fresh parse after each application, so they stay simple "ensure"
/// rules and never hold stale offsets.
pub type Step<'a> = Box<dyn Fn(&Project) -> Result<Vec<crate::fix::Fix>, crate::fix::patch::Unfixable> + 'a>;

/// How many times one step may apply before it is taken to loop.
const MAX_STEP_ROUNDS: usize = 200;

/// Applies `steps` in order through the same splice-and-verify path as `--fix`; returns the
/// changed files (nothing is written) and the resulting project. Any step that cannot be
/// done, or a result that does not parse, stops everything with no change.
pub fn apply_steps(
    ws: &mut Workspace,
    opts: &LoadOptions,
    steps: &[Step<'_>],
) -> Result<(Vec<Change>, Project), Error> {
    let mut project = Project::load(ws, opts)?;
    let mut originals: BTreeMap<String, String> = BTreeMap::new();
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    for step in steps {
        for round in 0.. {
            let fixes = step(&project).map_err(|e| Error::Edit(e.0))?;
            if fixes.is_empty() {
                break;
            }
            if round >= MAX_STEP_ROUNDS {
                return Err(Error::Edit("an edit did not settle; nothing was changed".into()));
            }
            let mut edits: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
            for fix in fixes {
                edits.entry(fix.file).or_default().extend(fix.edits);
            }
            for (file, mut list) in edits {
                list.sort_by_key(|e| e.range.start);
                if list.windows(2).any(|w| w[0].conflicts(&w[1])) {
                    return Err(Error::Edit("internal error: overlapping edits; nothing was changed".into()));
                }
                let path = project.files[file].path.clone();
                let new = splice(&project.files[file].text, &list);
                if let Err(e) = Tree::parse_with(&new, false) {
                    return Err(Error::Edit(format!(
                        "editing {path} would make it invalid YAML ({} at line {}); nothing was changed",
                        e.message, e.line
                    )));
                }
                originals.entry(path.clone()).or_insert_with(|| project.files[file].text.clone());
                ws.set_override(&path, new.clone());
                current.insert(path, new);
            }
            project = Project::load(ws, opts)?;
        }
    }
    let changes = current
        .into_iter()
        .filter_map(|(path, after)| {
            let before = originals.remove(&path)?;
            (before != after).then_some(Change { path, before, after })
        })
        .collect();
    Ok((changes, project))
}
