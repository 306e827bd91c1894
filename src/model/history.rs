//! The project of commit after commit (`lint --history`), at a cost that follows what each
//! commit changes, not the size of the tree: a blob is read and parsed once (the
//! [`BlobCache`]); a commit that changes only the contents of files some units read builds
//! those units again and nothing else; the repository is surveyed and grouped again only when
//! a commit may change the grouping or what MP005 judges against the whole repository (see
//! [`Regrouping::step`] and `Role` in `load.rs`: a file added or deleted, a manifest, a
//! script's chains, a `.env`, a changed `include`/`extends`/`env_file`/secret `file:`, a
//! declaration's name, a `minipaas:` comment, a file the facts name, or any file a unit reads
//! that is not a Compose file by itself).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::load::{BlobCache, Change, Globs, Ready};
use super::units::{Origin, Plan};
use super::{LoadOptions, Project};
use crate::discover::{Trees, Workspace, parent};
use crate::error::Error;

/// How to build one unit again.
pub(super) enum Recipe {
    /// An env, from its `minipaas.yaml` (which gives its variables).
    Env(String),
    /// Any other unit, from its plan.
    Plan(Plan),
}

/// What a commit's changes led to.
pub(crate) enum Step {
    /// Nothing a unit reads changed.
    Same,
    /// The repository was surveyed and grouped again: the whole project.
    Whole(Project),
    /// Only the units that read a changed file, built again. Findings about the repository as a
    /// whole (MP005's committed files, which depend on files these units do not hold) are left
    /// to whole steps: every change to such a file makes one.
    Units(Project),
}

/// Reads the blobs of changed files the survey would read: the part of a step that needs
/// only git, run ahead of the model on another thread. (Parsing stays with the model: what a
/// thread allocates is best freed by that thread.)
pub(crate) struct BlobReader {
    globs: Globs,
}

/// Blobs read ahead, by path.
pub(crate) struct Fetched(Vec<(String, Ready)>);

impl BlobReader {
    /// Reads every changed file the survey would read (`skip`: none, for a commit the model
    /// loads whole anyway, on several threads).
    pub(crate) fn fetch(&self, trees: &Trees, changes: &[crate::discover::Change], skip: bool) -> Fetched {
        if skip {
            return Fetched(Vec::new());
        }
        let fetched = changes.iter().filter_map(|(path, blob)| {
            let blob = (*blob)?;
            self.globs.job_of(path)?;
            Some((path.clone(), (blob, trees.read(blob))))
        });
        Fetched(fetched.collect())
    }
}

/// The loader `--history` moves from commit to commit.
pub(crate) struct Regrouping {
    opts: LoadOptions,
    globs: Globs,
    cache: BlobCache,
    /// False until the first commit is loaded whole.
    loaded: bool,
    /// The units of the last whole load: how to build each, and the paths each reads.
    recipes: Vec<(Recipe, Vec<String>)>,
    /// For each path a unit reads, the units (indexes into `recipes`).
    readers: HashMap<String, Vec<usize>>,
    /// Paths the units' facts are about (secret files, env files): whether they exist and are
    /// tracked is part of the findings.
    referenced: HashSet<String>,
}

impl Regrouping {
    /// A loader with the run's options (`--include`, `--exclude`, configured projects).
    pub(crate) fn new(opts: &LoadOptions) -> Result<Regrouping, Error> {
        Ok(Regrouping {
            opts: opts.clone(),
            globs: Globs::new(opts)?,
            cache: BlobCache::default(),
            loaded: false,
            recipes: Vec::new(),
            readers: HashMap::new(),
            referenced: HashSet::new(),
        })
    }

    /// What reads the blobs a commit changed, on another thread.
    pub(crate) fn reader(&self) -> BlobReader {
        BlobReader { globs: self.globs.clone() }
    }

    /// The project after `ws` moved to a commit (see [`Workspace::apply`]) that changed the
    /// paths `changed`; `ready` holds those blobs read ahead by a [`BlobReader`].
    pub(crate) fn step(&mut self, ws: &Workspace, changed: &[String], ready: Fetched) -> Result<Step, Error> {
        let mut regroup = !self.loaded;
        let mut touched = Vec::new();
        let mut ready: HashMap<String, Ready> = ready.0.into_iter().collect();
        // The first load reads every file (on several threads): no file-by-file updates first.
        for path in changed.iter().filter(|_| self.loaded) {
            let change = self.cache.update(ws, &self.globs, path, ready.remove(path));
            if change == Change::Regroups || self.is_referenced(path) {
                regroup = true;
            }
            if self.readers.contains_key(path) {
                // A unit reads it: as a Compose file with the same role, only that unit is
                // built again; any other file a unit reads (an env file, an included file the
                // survey does not take for Compose: its links are unknown) regroups.
                regroup |= change != Change::Compose;
                touched.push(path);
            }
        }
        if regroup {
            let project = Project::load_with(ws, &self.opts, Some(&mut self.cache))?;
            self.cache.keep_present(ws);
            self.remember(&project);
            self.loaded = true;
            return Ok(Step::Whole(project));
        }
        let wanted: BTreeSet<usize> = touched.iter().flat_map(|p| &self.readers[*p]).copied().collect();
        if wanted.is_empty() {
            return Ok(Step::Same);
        }
        let recipes: Vec<&Recipe> = wanted.iter().map(|&i| &self.recipes[i].0).collect();
        let reads: Vec<&String> = wanted.iter().flat_map(|&i| &self.recipes[i].1).collect();
        let mut project = Project::rebuild(ws, &recipes, &reads, &self.cache, &self.globs);
        project.changed = Some(touched.iter().filter_map(|p| project.by_path.get(*p).copied()).collect());
        Ok(Step::Units(project))
    }

    /// True when a fact of the last whole load is about this file or a folder holding it.
    fn is_referenced(&self, path: &str) -> bool {
        let mut at = path;
        loop {
            if self.referenced.contains(at) {
                return true;
            }
            if at.is_empty() {
                return false;
            }
            at = parent(at);
        }
    }

    /// Keeps what a whole load grouped: each unit's recipe and reads, and its facts' paths.
    fn remember(&mut self, project: &Project) {
        self.recipes.clear();
        self.readers.clear();
        for (i, unit) in project.units.iter().enumerate() {
            let recipe = match &unit.origin {
                Origin::Env { manifest } => Recipe::Env(manifest.clone()),
                _ => Recipe::Plan(unit.plan.clone()),
            };
            let files = unit.files.iter().chain(&unit.manifest).map(|&f| project.files[f].path.clone());
            let reads: Vec<String> = files.chain(unit.env_source.iter().cloned()).collect();
            for path in &reads {
                self.readers.entry(path.clone()).or_default().push(i);
            }
            self.recipes.push((recipe, reads));
        }
        // A chain's `--env-file` that does not exist yet is not a fact, but adding it
        // changes the unit.
        let env_files = project.units.iter().filter_map(|u| u.plan.env_file.clone());
        self.referenced = project.facts.keys().cloned().chain(env_files).collect();
    }
}
