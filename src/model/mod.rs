//! The Compose model of a repository: every Compose file and `minipaas.yaml` a run looks at,
//! grouped into lint units the way they are deployed ([`units`]), each unit's services as the
//! deploying tool sees them after `extends`, `include` and merging ([`effective`]), with
//! names interpolated from the repository's own variables ([`interp`], [`dotenv`]), plus the
//! facts about referenced files the rules need. Rules read this and nothing else.

mod assemble;
mod build;
pub(crate) mod chains;
pub(crate) mod compose;
pub(crate) mod dotenv;
pub(crate) mod effective;
mod history;
pub(crate) mod interp;
pub(crate) mod lines;
mod load;
mod locate;
pub(crate) mod manifest;
mod outcome;
mod source;
pub(crate) mod units;
pub(crate) mod yaml;

use std::collections::HashMap;

pub(crate) use effective::{Def, EffectiveService, Hidden, Unknown, VarsId};
pub(crate) use history::{Regrouping, Step};
pub use source::InputError;
pub(crate) use source::{Content, SourceFile};
pub(crate) use units::{Origin, Skipped};

use chains::Tool;
use compose::{Declaration, ResourceKind, Service, Spanned};
use dotenv::DotEnv;
use interp::{Name, Vars};
use source::Loaded;

use crate::diagnostic::FileId;
use crate::discover::{join_normalized, parent};

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
    /// The `.env`-format file Compose reads this unit's variables from (`.env` in the project
    /// directory, or the chain's `--env-file`), when it exists.
    pub env_source: Option<String>,
    /// Files listed by the manifest that do not exist: (manifest item, resolved path).
    pub missing: Vec<(Spanned, String)>,
    /// What the tool cannot see.
    pub unknowns: Vec<Unknown>,
    /// The services after `extends` and merging.
    pub services: Vec<EffectiveService>,
    /// What it was built from (`--history` builds it again when one of its files changes).
    pub plan: units::Plan,
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

/// The names a unit uses (see [`Project::uses`]): exact names in a set, patterns apart.
#[derive(Debug, Clone, Default)]
pub struct Uses {
    exact: std::collections::HashSet<String>,
    patterns: Vec<Name>,
}

impl Uses {
    /// True when `name` is used, or a pattern could be it.
    pub fn matches(&self, name: &str) -> bool {
        self.exact.contains(name) || self.patterns.iter().any(|p| p.matches(name))
    }

    /// The exact names used.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.exact.iter().map(String::as_str)
    }
}

/// For each file, the indexes (into `all`) of the units it is a member of.
fn holders(all: &[&Unit]) -> HashMap<FileId, Vec<usize>> {
    let mut out: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, unit) in all.iter().enumerate() {
        for m in &unit.members {
            let list = out.entry(m.file).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    out
}

/// A declaration no unit uses (see [`Project::unused`]).
#[derive(Debug)]
pub struct Unused<'a> {
    /// The file declaring it.
    pub file: FileId,
    /// The declaration.
    pub decl: &'a Declaration,
    /// Its name, interpolated.
    pub name: String,
    /// The labels of the selected units that hold it.
    pub units: Vec<String>,
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
    /// Globs of files that are never taken for Compose files (an env still reads what its
    /// `minipaas.yaml` lists).
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
    /// The lint units this run reports on.
    pub units: Vec<Unit>,
    /// Units outside this run's scope (`--env`, named files) that share files with it: read
    /// only to tell whether a declaration is used anywhere, so a run limited to one env never
    /// calls unused what another deploys.
    pub context: Vec<Unit>,
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
    /// In a `--history` step that built only some units again ([`Step::Units`]), the files the
    /// commit changed: rules that judge one file's text alone skip the others, whose findings
    /// an earlier commit already had.
    pub changed: Option<std::collections::HashSet<FileId>>,
    /// Files read ahead (in parallel), waiting to be added.
    preloaded: HashMap<String, Loaded>,
    /// `.env`-format files read, by path (`None`: not in the workspace).
    dotenv: HashMap<String, Option<DotEnv>>,
    /// Which units read each file, by index into `units` (see [`Project::units_of`]).
    units_by_file: std::sync::OnceLock<HashMap<FileId, Vec<usize>>>,
    /// Compose files read but not parsed yet (runs on named files parse only what they need).
    deferred: HashMap<String, (Vec<u8>, outcome::Found)>,
}

impl Project {
    /// The identity of a finding in this project (its rule, file, subject and value hash).
    pub(crate) fn key_of(&self, f: &crate::diagnostic::Finding) -> crate::diagnostic::FindingKey {
        f.key(&self.files[f.primary.file].path)
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

    /// Every `.env`-format file read for interpolation, with its root-relative path.
    pub fn dotenv_files(&self) -> impl Iterator<Item = (&str, &DotEnv)> {
        self.dotenv.iter().filter_map(|(p, e)| e.as_ref().map(|e| (p.as_str(), e)))
    }

    /// An `.env`-format file read for interpolation, by root-relative path.
    pub fn dotenv(&self, path: &str) -> Option<&DotEnv> {
        self.dotenv.get(path).and_then(Option::as_ref)
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

    /// Every name the unit's services use: as deployed (after `extends` and merging; build
    /// secrets count), and as written in the unit's files even where an overlay replaces it (the
    /// base file may be deployed without that overlay too: a grouping is never taken to be the
    /// only deployment); plus the secrets Swarm cluster volumes use (`x-cluster-spec.secrets`)
    /// and the configs of `credential_spec`. Names with unknown variables are patterns: a
    /// declaration they could match is used.
    pub fn uses(&self, unit: &Unit, kind: ResourceKind) -> Uses {
        let mut used: Vec<Name> =
            unit.services.iter().flat_map(|s| s.refs(kind)).map(|r| r.name.clone()).collect();
        for m in &unit.members {
            let written = self.files[m.file].compose().into_iter().flat_map(|c| &c.services);
            let vars = &self.vars[m.vars];
            used.extend(written.flat_map(|s| s.refs(kind)).map(|r| interp::name(&r.source.value, vars)));
        }
        match kind {
            ResourceKind::Secret => {
                for m in &unit.members {
                    let Some(compose) = self.files[m.file].compose() else { continue };
                    used.extend(compose.volume_secrets.iter().map(|s| self.name_in(unit, m.file, &s.value)));
                }
                // `X_FILE: /run/secrets/NAME` with nothing mounted there means to read NAME: a
                // declaration of NAME (or of one of MiniPaaS's versions `NAME.<hash8>`) is what
                // MP009's fix grants, not something to remove.
                for eff in &unit.services {
                    let granted: Vec<Option<String>> = eff
                        .secrets
                        .iter()
                        .filter_map(|r| self.reference(eff, r, ResourceKind::Secret))
                        .map(|(d, w)| self.mount_target(d, w, ResourceKind::Secret))
                        .collect();
                    if granted.iter().any(Option::is_none) {
                        continue;
                    }
                    for def in &eff.defs {
                        let Some(service) = self.service_def(def) else { continue };
                        for var in service.environment.iter().filter(|v| v.key.value.ends_with("_FILE")) {
                            let Some(target) =
                                var.value.as_ref().and_then(|v| v.value.strip_prefix("/run/secrets/"))
                            else {
                                continue;
                            };
                            let mounted = granted.iter().flatten().any(|g| g == target);
                            if !mounted && !target.is_empty() && !target.contains(['$', '/']) {
                                used.push(Name::Exact(target.to_string()));
                                used.push(Name::Pattern {
                                    parts: vec![format!("{target}.")],
                                    open_start: false,
                                    open_end: true,
                                });
                            }
                        }
                    }
                }
            }
            ResourceKind::Config => {
                for def in unit.services.iter().flat_map(|s| &s.defs) {
                    if let Some(c) = self.service_def(def).and_then(|s| s.credential_config.as_ref()) {
                        used.push(interp::name(&c.value, &self.vars[def.vars]));
                    }
                }
            }
        }
        let mut uses = Uses::default();
        for name in used {
            match name {
                Name::Exact(n) => {
                    uses.exact.insert(n);
                }
                pattern => uses.patterns.push(pattern),
            }
        }
        uses
    }

    /// True when a unit uses `name` (see [`Project::uses`]), or may, because a part of it
    /// cannot be seen.
    pub fn may_use(&self, unit: &Unit, used: &Uses, name: &str) -> bool {
        unit.may_use_more() || used.matches(name)
    }

    /// The declarations of the selected units that no unit reading their file uses, each once,
    /// with the selected units that hold it. "No unit" includes the context units: a run limited
    /// to one env never calls unused what another env (or a chain, or a base file's default
    /// deployment) uses. A unit with a part the tool cannot see uses everything.
    pub fn unused(&self, kind: ResourceKind) -> Vec<Unused<'_>> {
        let all: Vec<&Unit> = self.units.iter().chain(&self.context).collect();
        let holders = holders(&all);
        let mut uses: Vec<Option<Uses>> = vec![None; all.len()];
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for unit in &self.units {
            for (file, decl) in self.declarations(unit, kind) {
                if !seen.insert((file, decl.name.span.start)) {
                    continue;
                }
                let Name::Exact(name) = self.name_in(unit, file, &decl.name.value) else { continue };
                let of_file = holders.get(&file).map_or(&[][..], Vec::as_slice);
                if !self.used_by(&all, of_file, &mut uses, file, kind, &decl.name.value) {
                    let selected = of_file.iter().filter(|&&i| i < self.units.len());
                    let units = selected.map(|&i| all[i].label.clone()).collect();
                    out.push(Unused { file, decl, name, units });
                }
            }
        }
        out
    }

    /// True when any unit (selected or context) that reads `file` uses the declaration written
    /// there as `raw`, or may (see [`Project::unused`]).
    pub fn used_anywhere(&self, file: FileId, kind: ResourceKind, raw: &str) -> bool {
        let all: Vec<&Unit> = self.units.iter().chain(&self.context).collect();
        let holders = holders(&all);
        let of_file = holders.get(&file).map_or(&[][..], Vec::as_slice);
        self.used_by(&all, of_file, &mut vec![None; all.len()], file, kind, raw)
    }

    /// True when one of the units `of_file` (indexes into `all`, the units holding `file`) uses
    /// the declaration written there as `raw`.
    fn used_by(
        &self,
        all: &[&Unit],
        of_file: &[usize],
        uses: &mut [Option<Uses>],
        file: FileId,
        kind: ResourceKind,
        raw: &str,
    ) -> bool {
        of_file.iter().any(|&i| {
            let holder = all[i];
            let names = uses[i].get_or_insert_with(|| self.uses(holder, kind));
            self.name_in(holder, file, raw).exact().is_none_or(|n| self.may_use(holder, names, n))
        })
    }

    /// The units that read a file.
    pub fn units_of(&self, file: FileId) -> impl Iterator<Item = &Unit> {
        // Built on first use: rules ask this per finding, and a scan of every unit per finding
        // would grow with findings x units.
        let index = self.units_by_file.get_or_init(|| {
            let mut index: HashMap<FileId, Vec<usize>> = HashMap::new();
            for (i, unit) in self.units.iter().enumerate() {
                for &f in &unit.files {
                    let list = index.entry(f).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            index
        });
        index.get(&file).into_iter().flatten().map(|&i| &self.units[i])
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
pub(crate) fn env_name(manifest_path: &str) -> String {
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
