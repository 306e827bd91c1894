//! The Compose model of a repository: every Compose file and `minipaas.yaml` a run looks at,
//! grouped into lint units the way they are deployed ([`units`]), each unit's services as the
//! deploying tool sees them after `extends`, `include` and merging ([`effective`]), with
//! names interpolated from the repository's own variables ([`interp`], [`dotenv`]), plus the
//! facts about referenced files the rules need. Rules read this and nothing else.

mod build;
pub mod chains;
pub mod compose;
pub mod dotenv;
pub mod effective;
pub mod interp;
mod load;
pub mod manifest;
mod source;
pub mod units;

use std::collections::{BTreeSet, HashMap, HashSet};

pub use effective::{Def, EffectiveService, Hidden, Ref, Unknown, VarsId};
pub use source::{Content, InputError, SourceFile};
pub use units::{Origin, Skipped};

use chains::Tool;
use compose::{Declaration, ResourceKind, Service, Spanned};
use dotenv::DotEnv;
use interp::{Name, Vars};
use source::Loaded;
use units::Plan;

use crate::discover::{Workspace, join_normalized, parent, under};
use crate::error::Error;
use crate::finding::{FileId, Severity};

/// A set of files deployed together, and what Compose makes of them.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Human name: `env dev`, or the files joined with ` + `.
    pub label: String,
    /// The env name, for units that come from a `minipaas.yaml`.
    pub env: Option<String>,
    /// The manifest, for env units.
    pub manifest: Option<FileId>,
    /// The env folder (relative to the root), for env units.
    pub dir: Option<String>,
    /// Why these files form a unit.
    pub origin: Origin,
    /// The tool that deploys it (it decides how files merge).
    pub tool: Tool,
    /// Every file the unit reads: its own, then included and extended ones.
    pub files: Vec<FileId>,
    /// The files whose services and top-level declarations belong to the unit: its own files in
    /// merge order and the files they include (not files read only for `extends`).
    pub members: Vec<Member>,
    /// The variables of its own files.
    pub vars: VarsId,
    /// Compose's project directory: where relative paths start.
    pub project_dir: String,
    /// Files listed by the manifest that do not exist: (manifest item, resolved path).
    pub missing: Vec<(Spanned, String)>,
    /// What the tool cannot see.
    pub unknowns: Vec<Unknown>,
    /// The services after `extends` and merging.
    pub services: Vec<EffectiveService>,
}

impl Unit {
    /// True when a part the tool cannot see may declare names (so "undeclared" would guess).
    pub fn may_declare_more(&self) -> bool {
        self.unknowns.iter().any(|u| u.hides == Hidden::Anything)
    }

    /// True when a part the tool cannot see may use names (so "unused" would guess).
    pub fn may_use_more(&self) -> bool {
        self.unknowns.iter().any(|u| matches!(u.hides, Hidden::Anything | Hidden::References))
    }

    /// The unit's own files (not included or extended ones), in merge order.
    pub fn own_files(&self) -> impl Iterator<Item = FileId> + '_ {
        self.members.iter().filter(|m| !m.included).map(|m| m.file)
    }
}

/// A file whose services and declarations belong to a unit.
#[derive(Debug, Clone)]
pub struct Member {
    /// The file.
    pub file: FileId,
    /// The variables its names and paths are interpolated with.
    pub vars: VarsId,
    /// The folder its relative paths start from (its project directory).
    pub base_dir: String,
    /// True when an `include:` brought it in.
    pub included: bool,
}

/// What the rules need to know about a file a Compose file points at.
#[derive(Debug, Clone, Default)]
pub struct PathFacts {
    /// It exists in the workspace.
    pub exists: bool,
    /// Git tracks it (or something under it).
    pub tracked: bool,
    /// Its text, read only for tracked env files.
    pub text: Option<String>,
}

/// A project the configuration names (`[[lint.project]]` in `.minipaas.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSpec {
    /// Its Compose files in merge order, relative to the root.
    pub files: Vec<String>,
    /// Who deploys it.
    pub tool: Tool,
    /// A file giving its variables instead of the project directory's `.env`.
    pub env_file: Option<String>,
}

/// Which files to look at and how to group them.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Extra globs (root-relative paths) that name Compose files.
    pub include: Vec<String>,
    /// Globs of files that are never Compose files (unless an env or a chain names them).
    pub exclude: Vec<String>,
    /// Projects the configuration spells out.
    pub projects: Vec<ProjectSpec>,
    /// Only units touching these root-relative paths (files or folders); empty for all.
    pub paths: Vec<String>,
    /// Only this env.
    pub env: Option<String>,
}

/// Everything a lint run looked at.
#[derive(Debug, Default)]
pub struct Project {
    /// Loaded files.
    pub files: Vec<SourceFile>,
    /// Lint units.
    pub units: Vec<Unit>,
    /// Problems with input files.
    pub errors: Vec<InputError>,
    /// Facts about referenced files, by root-relative path.
    pub facts: HashMap<String, PathFacts>,
    /// True when the workspace is a git repository (so "tracked" means something).
    pub git: bool,
    /// Variable sets, by [`VarsId`].
    pub vars: Vec<Vars>,
    /// Chains found in the repository that name files the tool cannot find.
    pub skipped: Vec<Skipped>,
    by_path: HashMap<String, FileId>,
    /// Files read ahead (in parallel), waiting to be added.
    preloaded: HashMap<String, Loaded>,
    /// `.env`-format files read, by folder (the `.env` there) or `file:<path>`.
    dotenv: HashMap<String, Option<DotEnv>>,
    /// Compose files read but not parsed yet (runs on named files parse only what they need).
    deferred: HashMap<String, (Vec<u8>, load::Found)>,
}

impl Project {
    /// Finds, reads and groups everything under the workspace.
    pub fn load(ws: &Workspace, opts: &LoadOptions) -> Result<Project, Error> {
        let globs = load::Globs::new(opts)?;
        let mut project = Project { git: ws.has_git(), ..Project::default() };
        let env_only = opts.env.is_some();
        let survey = project.survey(ws, opts, &globs, env_only);
        let mut listings = Vec::new();
        let mut used: BTreeSet<String> = BTreeSet::new();
        for manifest in &survey.manifests {
            if let Some(listing) = project.env_listing(ws, manifest) {
                used.extend(listing.paths().cloned());
                listings.push(listing);
            }
        }
        if let Some(env) = &opts.env {
            listings.retain(|l| env_name(&l.path) == *env);
            if listings.is_empty() {
                let known: Vec<_> = survey.manifests.iter().map(|m| env_name(m)).collect();
                return Err(Error::Usage(format!(
                    "no env named `{env}` (envs in this repository: {})",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )));
            }
        }
        let mut plans: Vec<Plan> = Vec::new();
        if !env_only {
            for (index, spec) in opts.projects.iter().enumerate() {
                plans.push(Plan {
                    files: spec.files.iter().filter_map(|f| join_normalized("", f)).collect(),
                    origin: Origin::Config { index },
                    tool: spec.tool,
                    env_file: spec.env_file.as_deref().and_then(|f| join_normalized("", f)),
                    project_dir: None,
                });
            }
            let known: BTreeSet<String> = survey.compose.union(&survey.parts).cloned().collect();
            let (chained, skipped) = units::chain_plans(&survey.chains, &known);
            project.skipped = skipped;
            for plan in chained {
                let same =
                    |p: &Plan| p.files == plan.files && p.tool == plan.tool && p.env_file == plan.env_file;
                let env_same = listings.iter().any(|l| l.paths().eq(plan.files.iter()));
                if !plans.iter().any(same) && !env_same {
                    plans.push(plan);
                }
            }
            used.extend(plans.iter().flat_map(|p| p.files.iter().cloned()));
            plans.extend(units::inferred_plans(&survey.compose, &survey.parts, &used));
        }
        if !opts.paths.is_empty() {
            let wanted = project.touched(&survey, &opts.paths);
            let given = |p: &str| opts.paths.iter().any(|g| under(p, g));
            plans.retain(|p| p.files.iter().any(|f| wanted.contains(f)));
            listings.retain(|l| given(&l.path) || l.paths().any(|f| wanted.contains(f)));
        }
        for listing in listings {
            let unit = project.env_unit(ws, listing);
            project.units.push(unit);
        }
        for plan in &plans {
            if let Some(missing) = plan.files.iter().find(|f| !ws.exists(f)) {
                project.errors.push(InputError {
                    path: missing.clone(),
                    file: None,
                    span: None,
                    position: None,
                    message: format!("{} names it, but it does not exist", plan.origin.describe()),
                    severity: Severity::Error,
                });
                continue;
            }
            let unit = project.build_unit(ws, plan, None);
            project.units.push(unit);
        }
        project.drop_targets();
        project.units.retain(|u| {
            opts.paths.is_empty()
                || u.files.iter().chain(u.manifest.iter()).any(|&f| {
                    let p = &project.files[f].path;
                    opts.paths.iter().any(|given| under(p, given))
                })
        });
        project.gather_facts(ws);
        // Only problems in the files of the selected units matter to this run.
        let used: HashSet<FileId> =
            project.units.iter().flat_map(|u| u.files.iter().chain(u.manifest.iter()).copied()).collect();
        let given = |path: &str| opts.paths.is_empty() || opts.paths.iter().any(|g| under(path, g));
        project.errors.retain(|e| e.file.map_or_else(|| given(&e.path), |f| used.contains(&f)));
        project.preloaded = HashMap::new();
        project.deferred = HashMap::new();
        Ok(project)
    }

    /// The Compose files a run on `paths` may need: those under the paths, and those whose text
    /// mentions the name of one that is needed (it may `include` or `extend` it), to closure.
    /// A superset: units are filtered exactly once built.
    fn touched(&self, survey: &load::Survey, paths: &[String]) -> BTreeSet<String> {
        let candidates: Vec<&String> = survey.compose.iter().chain(&survey.parts).collect();
        let mut touched: BTreeSet<String> =
            candidates.iter().filter(|c| paths.iter().any(|g| under(c, g))).map(|c| c.to_string()).collect();
        let mut names: BTreeSet<String> =
            touched.iter().chain(paths).map(|p| crate::discover::names::file_name(p).to_string()).collect();
        loop {
            let finders: Vec<memchr::memmem::Finder<'_>> = names
                .iter()
                .filter(|n| !n.is_empty())
                .map(|n| memchr::memmem::Finder::new(n.as_bytes()))
                .collect();
            let more: Vec<String> = candidates
                .iter()
                .filter(|c| !touched.contains(**c))
                .filter(|c| self.raw_text(c).is_some_and(|t| finders.iter().any(|f| f.find(t).is_some())))
                .map(|c| c.to_string())
                .collect();
            if more.is_empty() {
                return touched;
            }
            names.extend(more.iter().map(|p| crate::discover::names::file_name(p).to_string()));
            touched.extend(more);
        }
    }

    /// Drops the units of files that are only ever included or extended by another unit: such
    /// a file is a part, not a project (its per-file rules still run, in the units that read it).
    fn drop_targets(&mut self) {
        let mut parts: HashMap<FileId, HashSet<usize>> = HashMap::new();
        for (i, unit) in self.units.iter().enumerate() {
            for &f in &unit.files {
                if !unit.own_files().any(|o| o == f) {
                    parts.entry(f).or_default().insert(i);
                }
            }
        }
        let keep: Vec<bool> = self
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                u.origin != Origin::Alone
                    || !u.own_files().all(|f| parts.get(&f).is_some_and(|by| by.iter().any(|&j| j != i)))
            })
            .collect();
        let mut keep = keep.into_iter();
        self.units.retain(|_| keep.next().unwrap_or(true));
    }

    /// The variables and base folder a file is read with in a unit.
    pub fn context<'a>(&'a self, unit: &'a Unit, file: FileId) -> (&'a Vars, &'a str) {
        match unit.members.iter().find(|m| m.file == file) {
            Some(m) => (&self.vars[m.vars], m.base_dir.as_str()),
            None => (&self.vars[unit.vars], parent(&self.files[file].path)),
        }
    }

    /// A name written in `file`, interpolated as the unit reads that file.
    pub fn name_in(&self, unit: &Unit, file: FileId, raw: &str) -> Name {
        interp::name(raw, self.context(unit, file).0)
    }

    /// The facts for a path a file in `unit` writes as `raw`.
    pub fn facts_for(&self, unit: &Unit, file: FileId, raw: &str) -> Option<(String, &PathFacts)> {
        let (vars, base) = self.context(unit, file);
        let path = interp::resolve(raw, vars).and_then(|r| join_normalized(base, &r))?;
        let facts = self.facts.get(&path)?;
        Some((path, facts))
    }

    /// Resolves `${VAR}`s in a name with the variables of the unit's own files; `None` if one
    /// is unknown.
    pub fn resolve(&self, unit: &Unit, raw: &str) -> Option<String> {
        interp::resolve(raw, &self.vars[unit.vars])
    }

    /// Every service definition written in the unit's own and included files, with its file
    /// (not the services of files read only for `extends`).
    pub fn services<'a>(&'a self, unit: &'a Unit) -> impl Iterator<Item = (FileId, &'a Service)> + 'a {
        unit.members
            .iter()
            .filter_map(|m| Some((m.file, self.files[m.file].compose()?)))
            .flat_map(|(f, c)| c.services.iter().map(move |s| (f, s)))
    }

    /// Every top-level declaration of one kind in the unit, with its file.
    pub fn declarations<'a>(
        &'a self,
        unit: &'a Unit,
        kind: ResourceKind,
    ) -> impl Iterator<Item = (FileId, &'a Declaration)> + 'a {
        unit.members
            .iter()
            .filter_map(|m| Some((m.file, self.files[m.file].compose()?)))
            .flat_map(move |(f, c)| c.decls(kind).iter().map(move |d| (f, d)))
    }

    /// Every name the unit's services use, as deployed (after `extends` and merging; build
    /// secrets count), plus the secrets Swarm cluster volumes use (`x-cluster-spec.secrets`).
    /// Names with unknown variables are patterns: a declaration they could match is used.
    pub fn uses(&self, unit: &Unit, kind: ResourceKind) -> Vec<Name> {
        let mut used: Vec<Name> =
            unit.services.iter().flat_map(|s| s.refs(kind)).map(|r| r.name.clone()).collect();
        if kind == ResourceKind::Secret {
            for m in &unit.members {
                let Some(compose) = self.files[m.file].compose() else { continue };
                used.extend(compose.volume_secrets.iter().map(|s| self.name_in(unit, m.file, &s.value)));
            }
        }
        used
    }

    /// True when a unit uses `name` (see [`Project::uses`]), or may, because a part of it
    /// cannot be seen.
    pub fn may_use(&self, unit: &Unit, used: &[Name], name: &str) -> bool {
        unit.may_use_more() || used.iter().any(|u| u.matches(name))
    }

    /// The units that read a file.
    pub fn units_of(&self, file: FileId) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.files.contains(&file))
    }

    /// Files that belong to at least one unit, in id order.
    pub fn linted_files(&self) -> Vec<FileId> {
        let mut ids: Vec<FileId> = self.units.iter().flat_map(|u| u.files.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// An env's name: its folder relative to the root (`.` for the root itself).
pub fn env_name(manifest_path: &str) -> String {
    let dir = parent(manifest_path);
    if dir.is_empty() { ".".into() } else { dir.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert_eq!(env_name("dev/minipaas.yaml"), "dev");
        assert_eq!(env_name("minipaas.yaml"), ".");
    }
}
