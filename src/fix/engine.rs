//! The one fix engine, shared by `lint --fix`/`--diff`, `prune` (the MP003/MP004 fixes of an
//! env) and the `secret`/`config` `create`/`delete` commands.
//!
//! [`fix`] applies findings' fixes: each pass lints the project as it would be with the edits
//! so far, picks the fixes the caller allows that do not conflict, splices them, and checks the
//! result: a file that no longer parses is never produced, and a pass that fails verification
//! ([`super::verify`]: new errors, changed mounts, a finding its fix leaves in place) is
//! reverted and retried one fix at a time, so the fix at fault is named and skipped.
//! [`apply_steps`] applies a command's steps (create and delete are "ensure" rules, not
//! findings) all or nothing, through the same splicing, the same trust rule (a file with an
//! input error is never edited) and the same verification on the whole change, with the
//! repository's settings; there only MP001, MP002 and MP008 (what breaks a deploy) refuse it,
//! other new findings are returned to be shown (a `_FILE` pointing at a secret deleted on
//! purpose). Nothing is written here: the caller gets the new texts and decides (write, or
//! print a diff).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostic::{Applicability, Edit, FileId, Finding, FindingKey, Fix, Severity, Subject};
use crate::discover::Workspace;
use crate::error::Error;
use crate::fix::splice;
use crate::model::yaml::Tree;
use crate::model::{LoadOptions, Project};
use crate::rules::check_all;
use crate::settings::Settings;

/// How many lint-and-fix passes run before the engine gives up converging.
pub(crate) const MAX_PASSES: usize = 50;

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
    /// What the finding is about (for MP003/MP004, the declaration).
    pub(crate) subject: Subject,
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

/// One fix of a finding, by the finding's key and the fix's title: a refused fix is not tried
/// again, but the finding may be offered another one later (a declaration, once the near name
/// a rename pointed at is gone). [`fix_only`] takes one too: two findings with one key (a
/// secret's and a config's conflict at one target text) are told apart by their fixes.
pub(crate) type FixKey = (FindingKey, String);

/// The [`FixKey`] of a finding's fix.
pub(crate) fn fix_key(project: &Project, f: &Finding) -> FixKey {
    (project.key_of(f), f.fix.as_ref().map(|p| p.title.clone()).unwrap_or_default())
}

fn load(ws: &Workspace, opts: &LoadOptions, settings: &Settings) -> Result<(Project, Vec<Finding>), Error> {
    let project = Project::load(ws, opts)?;
    let findings = check_all(&project, settings);
    Ok((project, findings))
}

/// The input error that makes `file` one never to edit: what a file Compose would reject
/// means is not known.
fn untrusted(project: &Project, file: FileId) -> Option<&crate::model::InputError> {
    project.errors.iter().find(|e| e.file == Some(file) && e.severity == Severity::Error)
}

/// Splices each file's sorted edits and re-parses the result: the new texts, and the files
/// that would no longer parse, with why.
fn splice_all(
    project: &Project,
    edits: &BTreeMap<FileId, Vec<Edit>>,
) -> (HashMap<FileId, String>, Vec<(FileId, String)>) {
    let mut texts = HashMap::new();
    let mut broken = Vec::new();
    for (&file, list) in edits {
        let path = &project.files[file].path;
        if let Some(line) = rebinds_alias(project, file, list) {
            broken.push((
                file,
                format!("it removes or replaces the anchored node an alias at {path}:{line} refers to"),
            ));
            continue;
        }
        let new = splice(&project.files[file].text, list);
        if let Err(e) = Tree::parse_with(&new, false) {
            // Removing an anchored node leaves its aliases pointing at nothing.
            let why = if e.message.contains("unknown anchor") {
                format!("an alias at {path}:{} would lose its anchor", e.line)
            } else {
                format!("it would make {path} invalid YAML ({} at line {})", e.message, e.line)
            };
            broken.push((file, why));
        }
        texts.insert(file, new);
    }
    (texts, broken)
}

/// The line of an alias whose anchored node `edits` remove or replace (while the alias stays):
/// the alias would then dangle, or, worse, bind to an earlier anchor of the same name and
/// silently mean something else (`image: *img` taking another image).
fn rebinds_alias(project: &Project, file: FileId, edits: &[Edit]) -> Option<usize> {
    let text = &project.files[file].text;
    let tree = project.files[file].tree.as_ref()?;
    tree.aliases().find_map(|(alias, target)| {
        let (a, t) = (&tree.node(alias).span, &tree.node(target).span);
        // Removed with its anchor; an edit that replaces the node's content after the anchor
        // (`web: &w {}`) leaves the anchor on the new content, which is what it means to do.
        let anchor = crate::fix::patch::props_start(text, t.start);
        let removed =
            edits.iter().any(|e| e.range.start <= anchor && t.end <= e.range.end && anchor < e.range.end);
        let kept = !edits.iter().any(|e| e.range.start <= a.start && a.end <= e.range.end);
        (removed && kept).then(|| project.files[file].line_col(a.start).0)
    })
}

/// Picks the findings whose fixes apply together this pass; returns their indexes and the
/// merged, sorted edits per file.
fn choose(
    project: &Project,
    findings: &[Finding],
    required: Applicability,
    blocked: &HashMap<FixKey, String>,
    single: bool,
    only: Option<&FixKey>,
) -> (Vec<usize>, BTreeMap<FileId, Vec<Edit>>) {
    let mut chosen = Vec::new();
    let mut edits: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut isolation: HashSet<&str> = HashSet::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(fix) = &f.fix else { continue };
        if f.suppressed.is_some()
            || fix.applicability < required
            || fix.is_empty()
            || blocked.contains_key(&fix_key(project, f))
            || only.is_some_and(|k| fix_key(project, f) != *k)
        {
            continue;
        }
        if fix.files().any(|file| untrusted(project, file).is_some()) {
            continue;
        }
        let fits = fix.isolation.iter().all(|k| !isolation.contains(k.as_str()))
            && fix.edits.iter().all(|(file, list)| {
                list.iter().all(|e| {
                    edits.get(file).is_none_or(|taken| taken.iter().all(|t| t == e || !t.conflicts(e)))
                })
            });
        if !fits {
            continue;
        }
        isolation.extend(fix.isolation.iter().map(String::as_str));
        for (&file, list) in &fix.edits {
            let taken = edits.entry(file).or_default();
            for e in list {
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

/// What one unsafe fix may change: the units its finding is in, and the services its edits are
/// written in.
type Scope = (Vec<String>, HashSet<String>);

/// The scope of each unsafe fix among the `chosen` findings (safe ones may change no mount).
fn scopes(project: &Project, findings: &[Finding], chosen: &[usize]) -> Vec<Scope> {
    let mut out = Vec::new();
    for f in chosen.iter().map(|&i| &findings[i]) {
        let Some(fix) = f.fix.as_ref().filter(|p| p.applicability < Applicability::Safe) else { continue };
        let mut services = HashSet::new();
        for (&file_id, list) in &fix.edits {
            let file = &project.files[file_id];
            let (Some(compose), Some(tree)) = (file.compose(), file.tree.as_ref()) else { continue };
            // A service's text runs from its key to the next key at its level or above, and no
            // further than the line the `services:` mapping ends on (an insertion after its
            // last line, past a trailing comment, is still in it; a new top-level section
            // after it is not).
            let mut bounds: Vec<usize> = compose.services.iter().map(|s| s.name.span.start).collect();
            for &root in &tree.roots {
                if !tree.is_map(root) {
                    continue;
                }
                bounds.extend(tree.own_entries(root).iter().map(|e| tree.node(e.key).span.start));
                if let Some(section) = tree.own_entry(root, "services") {
                    let end = tree.node(section.value).span.end.min(file.text.len());
                    bounds.push(file.text[end..].find('\n').map_or(file.text.len(), |i| end + i) + 1);
                }
            }
            bounds.sort_unstable();
            for s in &compose.services {
                let start = s.name.span.start;
                let end = bounds.iter().copied().find(|&x| x > start).unwrap_or(file.text.len());
                if list.iter().any(|e| start <= e.range.start && e.range.start < end) {
                    services.insert(s.name.value.clone());
                }
            }
        }
        out.push((f.units.clone(), services));
    }
    out
}

/// Applies every fix at or above `required` until nothing changes (or [`MAX_PASSES`]).
/// The workspace is left holding the fixed texts as overrides.
pub fn fix(
    ws: &mut Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    required: Applicability,
) -> Result<FixRun, Error> {
    fix_only(ws, opts, settings, required, None)
}

/// [`fix`], applying only the fix of the finding with key `only` when one is given (the
/// editor's quick fix of one finding: the same passes and verification as `lint --fix`).
pub(crate) fn fix_only(
    ws: &mut Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    required: Applicability,
    only: Option<&FixKey>,
) -> Result<FixRun, Error> {
    let (mut project, mut findings) = load(ws, opts, settings)?;
    let mut originals: BTreeMap<String, String> = BTreeMap::new();
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    // Fixes refused or reverted, with why: never tried again, and shown on their findings.
    let mut blocked: HashMap<FixKey, String> = HashMap::new();
    let mut applied: Vec<Applied> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut single = false;
    let mut converged = false;
    for _ in 0..MAX_PASSES {
        let (chosen, edits) = choose(&project, &findings, required, &blocked, single, only);
        if chosen.is_empty() {
            converged = true;
            break;
        }
        let describe = |i: &usize| {
            let f = &findings[*i];
            let title = f.fix.as_ref().map(|p| p.title.as_str()).unwrap_or_default();
            format!("{} ({title})", f.code)
        };
        // The pass is kept, or refused with the fixes to blame (each with why) and whether its
        // texts were already put in the workspace.
        let previous: Vec<(String, String)> =
            edits.keys().map(|&f| (project.files[f].path.clone(), project.files[f].text.clone())).collect();
        let verdict: Result<_, (Vec<(usize, String)>, &str)> = 'pass: {
            let (texts, broken) = splice_all(&project, &edits);
            if !broken.is_empty() {
                let culprits = chosen
                    .iter()
                    .filter_map(|&i| {
                        let files: Vec<FileId> = findings[i].fix.iter().flat_map(|fx| fx.files()).collect();
                        let whys: Vec<&str> = broken
                            .iter()
                            .filter(|(f, _)| files.contains(f))
                            .map(|(_, why)| why.as_str())
                            .collect();
                        (!whys.is_empty()).then(|| (i, whys.join("; ")))
                    })
                    .collect();
                break 'pass Err((culprits, "not applied"));
            }
            // Verified over every unit holding a changed file, whatever the run was limited to.
            let changed: Vec<String> = texts.keys().map(|&f| project.files[f].path.clone()).collect();
            let before = super::verify::state(ws, opts, settings, &changed)?;
            for (&file, new) in &texts {
                let path = &project.files[file].path;
                originals.entry(path.clone()).or_insert_with(|| project.files[file].text.clone());
                ws.set_override(path, new.clone());
            }
            let after = super::verify::state(ws, opts, settings, &changed)?;
            // A safe fix changes no mount; an unsafe one only those of the services it edits,
            // in the units its finding is in (an alias elsewhere, or a file another unit
            // shares, must not carry its change further).
            let scopes = scopes(&project, &findings, &chosen);
            let allowed = |m: &super::Mount| {
                scopes
                    .iter()
                    .any(|(units, services)| units.contains(&m.unit) && services.contains(&m.service))
            };
            let (gained, _) = super::verify::regressions(&before, &after, &allowed, &|_| true);
            if !gained.is_empty() {
                let why = gained.join("; ");
                break 'pass Err((chosen.iter().map(|&i| (i, why.clone())).collect(), "reverted"));
            }
            // A fix must resolve its finding: one that leaves it in place would be chosen again
            // next pass and apply again (a grant into a list `!reset` ignores, 50 times over).
            let (next_project, next_findings) = load(ws, opts, settings)?;
            let count = |list: &[Finding], p: &Project, k: &FindingKey| {
                list.iter().filter(|f| p.key_of(f) == *k).count()
            };
            let unresolved: Vec<(usize, String)> = chosen
                .iter()
                .filter(|&&i| {
                    let k = project.key_of(&findings[i]);
                    count(&next_findings, &next_project, &k) >= count(&findings, &project, &k)
                })
                .map(|&i| (i, "it does not resolve the finding".to_string()))
                .collect();
            if !unresolved.is_empty() {
                break 'pass Err((unresolved, "not applied"));
            }
            Ok((texts, next_project, next_findings))
        };
        let (texts, next_project, next_findings) = match verdict {
            Ok(kept) => kept,
            Err((culprits, what)) => {
                for (path, text) in &previous {
                    ws.set_override(path, text.clone());
                }
                // Blamed once the pass is down to one fix; until then, retried one at a time.
                if single || chosen.len() == 1 {
                    for (i, why) in culprits {
                        problems.push(format!("{what}: the fix for {}: {why}", describe(&i)));
                        blocked.insert(fix_key(&project, &findings[i]), why);
                    }
                }
                single = true;
                continue;
            }
        };
        for i in &chosen {
            let f = &findings[*i];
            let fix = f.fix.as_ref();
            applied.push(Applied {
                code: f.code,
                name: f.name,
                path: project.files[f.primary.file].path.clone(),
                message: f.message.clone(),
                subject: f.subject.clone(),
                title: fix.map(|p| p.title.clone()).unwrap_or_default(),
                note: fix.and_then(|p| p.note.clone()),
            });
        }
        for (file, new) in texts {
            current.insert(project.files[file].path.clone(), new);
        }
        (project, findings) = (next_project, next_findings);
    }
    // A finding whose fix was refused says so, rather than offering it again.
    for f in &mut findings {
        let Some(why) = blocked.get(&fix_key(&project, f)) else { continue };
        if let Some(fix) = &mut f.fix {
            let note = fix.note.take();
            *fix = Fix { note, ..Fix::display_only(format!("{} (refused: {why})", fix.title)) };
        }
    }
    if !converged {
        problems
            .push(format!("fixes did not settle after {MAX_PASSES} passes; what was applied so far is kept"));
    }
    let changes = changes(originals, current);
    Ok(FixRun { project, findings, changes, applied, problems })
}

/// The files whose text a run changed: their text on disk and their new text.
fn changes(mut originals: BTreeMap<String, String>, current: BTreeMap<String, String>) -> Vec<Change> {
    current
        .into_iter()
        .filter_map(|(path, after)| {
            let before = originals.remove(&path)?;
            (before != after).then_some(Change { path, before, after })
        })
        .collect()
}

/// One part of a command's change (`secret create`, `delete`): given the project as
/// it is so far, the fix that brings it one step closer, or none when the step is done.
/// Steps are re-run on a fresh parse after each application, so they stay simple "ensure"
/// rules and never hold stale offsets.
pub(crate) type Step<'a> = Box<dyn Fn(&Project) -> Result<Option<Fix>, crate::fix::patch::Unfixable> + 'a>;

/// How many times one step may apply before it is taken to loop.
const MAX_STEP_ROUNDS: usize = 200;

/// Applies `steps` in order through the same splice-and-verify path as `--fix`; returns the
/// changed files (nothing is written) and what the change leaves to look at (a `_FILE` that now
/// points at a secret deleted on purpose). Any step that cannot be done, a result that does not
/// parse, one that leaves a unit (this env's or another's) with an undeclared or conflicting
/// reference, or one that changes a mount `allowed` does not allow, stops everything with no
/// change.
pub(crate) fn apply_steps(
    ws: &mut Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    steps: &[Step<'_>],
    allowed: &dyn Fn(&super::Mount) -> bool,
) -> Result<(Vec<Change>, Vec<String>), Error> {
    let mut project = Project::load(ws, opts)?;
    let mut originals: BTreeMap<String, String> = BTreeMap::new();
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    for step in steps {
        for round in 0.. {
            let Some(fix) = step(&project).map_err(|e| Error::Edit(e.0))? else { break };
            if round >= MAX_STEP_ROUNDS {
                return Err(Error::Edit("an edit did not settle; nothing was changed".into()));
            }
            let mut edits: BTreeMap<FileId, Vec<Edit>> = fix.edits;
            for (&file, list) in edits.iter_mut() {
                if let Some(e) = untrusted(&project, file) {
                    let at = e.position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default();
                    return Err(Error::Edit(format!(
                        "{}{at} has a problem to fix first ({}); nothing was changed",
                        e.path, e.message
                    )));
                }
                list.sort_by_key(|e| e.range.start);
                list.dedup();
                if list.iter().enumerate().any(|(i, a)| list[i + 1..].iter().any(|b| a.conflicts(b))) {
                    return Err(Error::Edit("internal error: overlapping edits; nothing was changed".into()));
                }
            }
            let (texts, broken) = splice_all(&project, &edits);
            if let Some((_, why)) = broken.first() {
                return Err(Error::Edit(format!("refused: {why}; nothing was changed")));
            }
            for (file, new) in texts {
                let path = project.files[file].path.clone();
                originals.entry(path.clone()).or_insert_with(|| project.files[file].text.clone());
                ws.set_override(&path, new.clone());
                current.insert(path, new);
            }
            project = Project::load(ws, opts)?;
        }
    }
    // The same check as `--fix`, on the whole change, over every unit holding a changed file
    // (other envs too): measured on the original texts, then on the new ones.
    let changed: Vec<String> = current.keys().cloned().collect();
    for (path, text) in &originals {
        ws.set_override(path, text.clone());
    }
    let before = super::verify::state(ws, opts, settings, &changed)?;
    for (path, text) in &current {
        ws.set_override(path, text.clone());
    }
    let after = super::verify::state(ws, opts, settings, &changed)?;
    let breaks_deploy = |code: &str| matches!(code, "MP001" | "MP002" | "MP008");
    let (broken, notes) = super::verify::regressions(&before, &after, allowed, &breaks_deploy);
    if !broken.is_empty() {
        return Err(Error::Edit(format!("refused: {}; nothing was changed", broken.join("; "))));
    }
    Ok((changes(originals, current), notes))
}
