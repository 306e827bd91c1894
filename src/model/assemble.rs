//! Assembling a project: the survey's files grouped into plans, the plans a run needs built
//! into units (all of them, or those of one env or of the named files, plus the units that
//! share their files, kept as context), parts dropped, facts gathered.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::build::Listing;
use super::units::{self, Origin, Plan};
use super::{InputError, LoadOptions, Project, env_name};
use crate::diagnostic::{FileId, Severity};
use crate::discover::{Workspace, join_normalized, under};
use crate::error::Error;

impl Project {
    /// Finds, reads and groups everything under the workspace.
    pub fn load(ws: &Workspace, opts: &LoadOptions) -> Result<Project, Error> {
        Self::load_with(ws, opts, None)
    }

    /// [`Project::load`], reading only the blobs the cache does not hold (`--history`).
    pub(super) fn load_with(
        ws: &Workspace,
        opts: &LoadOptions,
        cache: Option<&mut super::load::BlobCache>,
    ) -> Result<Project, Error> {
        let globs = super::load::Globs::new(opts)?;
        let mut project = Project { git: ws.has_git(), ..Project::default() };
        let survey = project.survey(ws, opts, &globs, cache);
        let mut listings = Vec::new();
        for manifest in &survey.manifests {
            listings.extend(project.env_listing(ws, manifest));
        }
        if let Some(env) = &opts.env
            && !listings.iter().any(|l| env_name(&l.path) == *env)
        {
            let known: Vec<_> = survey.manifests.iter().map(|m| env_name(m)).collect();
            return Err(Error::Usage(format!(
                "no env named `{env}` (envs in this repository: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )));
        }
        let plans = project.plans(&survey, &listings, opts);
        let given = |p: &str| opts.paths.iter().any(|g| under(p, g));
        // A named script, Makefile, workflow or `.env` concerns the units its chains make.
        let origin_given = |o: &Origin| match o {
            Origin::Chain { path, .. } | Origin::DotEnv { path, .. } => given(path),
            _ => false,
        };
        let filtered = opts.env.is_some() || !opts.paths.is_empty();
        // What this run reports on: an env by name, the units holding a named file, or all.
        let selected = |project: &Project, u: &super::Unit| {
            opts.env.as_ref().is_none_or(|e| u.env.as_ref() == Some(e))
                && (opts.paths.is_empty()
                    || origin_given(&u.origin)
                    || u.files.iter().chain(u.manifest.iter()).any(|&f| given(&project.files[f].path)))
        };
        // First the plans the selection may need (a superset: a file that may include or extend
        // a named one counts), then, as context, those sharing a file with what was selected.
        let seeds: Vec<String> = match &opts.env {
            Some(env) => listings
                .iter()
                .filter(|l| env_name(&l.path) == *env)
                .flat_map(|l| l.paths().cloned().chain(std::iter::once(l.path.clone())))
                .collect(),
            None => opts
                .paths
                .iter()
                .cloned()
                .chain(plans.iter().filter(|p| origin_given(&p.origin)).flat_map(|p| p.files.iter().cloned()))
                .collect(),
        };
        let wanted = if filtered { project.touched(&survey, &seeds) } else { BTreeSet::new() };
        let needed = |files: Vec<&String>, manifest: Option<&str>| {
            !filtered
                || manifest.is_some_and(|m| seeds.iter().any(|s| under(m, s)))
                || files.iter().any(|f| wanted.contains(*f))
        };
        let (now, later): (Vec<Listing>, Vec<Listing>) =
            listings.into_iter().partition(|l| needed(l.paths().collect(), Some(&l.path)));
        let (plans_now, plans_later): (Vec<Plan>, Vec<Plan>) =
            plans.into_iter().partition(|p| needed(p.files.iter().collect(), None));
        project.build_all(ws, now, &plans_now);
        project.drop_targets();
        let (chosen, rest): (Vec<_>, Vec<_>) =
            std::mem::take(&mut project.units).into_iter().partition(|u| selected(&project, u));
        project.units = chosen;
        project.context = rest;
        if filtered {
            let seed: Vec<String> =
                project.units.iter().flat_map(|u| &u.files).map(|&f| project.files[f].path.clone()).collect();
            let sharing = project.touched(&survey, &seed);
            let (more, _): (Vec<Listing>, Vec<Listing>) =
                later.into_iter().partition(|l| l.paths().any(|f| sharing.contains(f)));
            let more_plans: Vec<Plan> =
                plans_later.into_iter().filter(|p| p.files.iter().any(|f| sharing.contains(f))).collect();
            let selected_count = project.units.len();
            project.build_all(ws, more, &more_plans);
            let extra = project.units.split_off(selected_count);
            project.context.extend(extra);
        }
        // Two units of the same files (say, two chains with different `--env-file`s) are told
        // apart by why they exist.
        let mut counts: HashMap<String, usize> = HashMap::new();
        for u in project.units.iter().chain(&project.context) {
            *counts.entry(u.label.clone()).or_default() += 1;
        }
        for u in project.units.iter_mut().chain(project.context.iter_mut()) {
            if counts.get(&u.label).is_some_and(|&n| n > 1) {
                u.label = format!("{} ({})", u.label, u.origin.describe());
            }
        }
        project.gather_facts(ws);
        // Only problems in the files of the selected units matter to this run.
        let used: HashSet<FileId> =
            project.units.iter().flat_map(|u| u.files.iter().chain(u.manifest.iter()).copied()).collect();
        let in_scope = |path: &str| opts.paths.is_empty() || given(path);
        project.errors.retain(|e| e.file.map_or_else(|| in_scope(&e.path), |f| used.contains(&f)));
        project.preloaded = HashMap::new();
        project.deferred = HashMap::new();
        // The units are final now: the index of which units read a file is built from these.
        project.units_by_file = std::sync::OnceLock::new();
        Ok(project)
    }

    /// The units of these recipes alone, built as [`Project::load`] builds them, reading from
    /// the cache what it holds (`--history`, when a commit changes only what some units read).
    pub(super) fn rebuild(
        ws: &Workspace,
        recipes: &[&super::history::Recipe],
        reads: &[&String],
        cache: &super::load::BlobCache,
        globs: &super::load::Globs,
    ) -> Project {
        let mut project = Project { git: ws.has_git(), ..Project::default() };
        for path in reads {
            if let Some(loaded) = cache.loaded(ws, path, globs) {
                project.preloaded.insert((*path).clone(), loaded.clone());
            }
        }
        for recipe in recipes {
            let unit = match recipe {
                super::history::Recipe::Env(manifest) => match project.env_listing(ws, manifest) {
                    Some(listing) => project.env_unit(ws, listing),
                    None => continue,
                },
                super::history::Recipe::Plan(plan) => project.build_unit(ws, plan, None),
            };
            project.units.push(unit);
        }
        project.gather_facts(ws);
        project.preloaded = HashMap::new();
        project
    }

    /// Every plan besides the envs: `[[lint.project]]`s, chains, then the groupings by name of
    /// the files none of those use.
    fn plans(&mut self, survey: &super::load::Survey, listings: &[Listing], opts: &LoadOptions) -> Vec<Plan> {
        let mut plans: Vec<Plan> = Vec::new();
        for (index, spec) in opts.projects.iter().enumerate() {
            plans.push(Plan {
                files: spec.files.iter().filter_map(|f| join_normalized("", f)).collect(),
                origin: Origin::Config { index },
                tool: spec.tool,
                env_file: spec.env_file.as_deref().and_then(|f| join_normalized("", f)),
                project_dir: None,
                unknown: Vec::new(),
            });
        }
        let known: BTreeSet<String> = survey.compose.union(&survey.parts).cloned().collect();
        let (chained, skipped) = units::chain_plans(&survey.chains, &known);
        self.skipped = skipped;
        for plan in chained {
            let same = |p: &Plan| {
                p.files == plan.files
                    && p.tool == plan.tool
                    && p.env_file == plan.env_file
                    && p.unknown == plan.unknown
            };
            let env_same = listings.iter().any(|l| l.paths().eq(plan.files.iter()));
            if !plans.iter().any(same) && !env_same {
                plans.push(plan);
            }
        }
        let used: BTreeSet<String> = listings
            .iter()
            .flat_map(|l| l.paths().cloned())
            .chain(plans.iter().flat_map(|p| p.files.iter().cloned()))
            .collect();
        plans.extend(units::inferred_plans(&survey.compose, &survey.parts, &used));
        plans
    }

    /// Builds the units of these listings and plans, appended to [`Project::units`].
    fn build_all(&mut self, ws: &Workspace, listings: Vec<Listing>, plans: &[Plan]) {
        for listing in listings {
            let unit = self.env_unit(ws, listing);
            self.units.push(unit);
        }
        for plan in plans {
            // A file the survey read (even one it could not read: a dangling link, a FIFO) is
            // reported with its own problem; one nobody found does not exist.
            let known = |f: &String| {
                ws.exists(f)
                    || self.preloaded.contains_key(f)
                    || self.deferred.contains_key(f)
                    || self.by_path.contains_key(f)
            };
            if let Some(missing) = plan.files.iter().find(|f| !known(f)) {
                self.errors.push(InputError {
                    path: missing.clone(),
                    file: None,
                    span: None,
                    position: None,
                    message: format!("{} names it, but it does not exist", plan.origin.describe()),
                    severity: Severity::Error,
                });
                continue;
            }
            let unit = self.build_unit(ws, plan, None);
            self.units.push(unit);
        }
    }

    /// The Compose files a run seeded with `paths` may need: those under the paths, and those
    /// whose text mentions the name of one that is needed (it may `include` or `extend` it), to
    /// closure. A superset: units are selected exactly once built.
    fn touched(&self, survey: &super::load::Survey, paths: &[String]) -> BTreeSet<String> {
        let candidates: Vec<&String> = survey.compose.iter().chain(&survey.parts).collect();
        let mut touched: BTreeSet<String> =
            candidates.iter().filter(|c| paths.iter().any(|g| under(c, g))).map(|c| c.to_string()).collect();
        let mut names: BTreeSet<String> =
            touched.iter().chain(paths).map(|p| crate::discover::names::file_name(p).to_string()).collect();
        loop {
            let needles: Vec<&String> = names.iter().filter(|n| !n.is_empty()).collect();
            // One automaton for every name, one pass over each text.
            let Ok(finder) = aho_corasick::AhoCorasick::new(&needles) else { return touched };
            let more: Vec<String> = candidates
                .iter()
                .filter(|c| !touched.contains(**c))
                .filter(|c| self.raw_text(c).is_some_and(|t| finder.is_match(t)))
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
    /// This applies to groupings inferred from names: a file alone, or an overlay beside its
    /// base (`docker-compose.base.yml` that other files extend is a library, not an overlay).
    /// Decided in order, and never in favour of a unit already dropped, so two files that
    /// extend each other keep one unit.
    fn drop_targets(&mut self) {
        let mut parts: HashMap<FileId, Vec<usize>> = HashMap::new();
        for (i, unit) in self.units.iter().enumerate() {
            for &f in &unit.files {
                if !unit.own_files().any(|o| o == f) {
                    parts.entry(f).or_default().push(i);
                }
            }
        }
        let mut dropped = vec![false; self.units.len()];
        for (i, unit) in self.units.iter().enumerate() {
            // The files that make it a unit of its own: all of a file alone, the overlay of a
            // base with an overlay.
            let deciding: Vec<FileId> = match unit.origin {
                Origin::Alone => unit.own_files().collect(),
                Origin::Override | Origin::Variant => unit.own_files().skip(1).collect(),
                _ => continue,
            };
            let part_elsewhere =
                |f: &FileId| parts.get(f).is_some_and(|by| by.iter().any(|&j| j != i && !dropped[j]));
            if !deciding.is_empty() && deciding.iter().all(part_elsewhere) {
                dropped[i] = true;
            }
        }
        let mut keep = dropped.into_iter().map(|d| !d);
        self.units.retain(|_| keep.next().unwrap_or(true));
    }
}
