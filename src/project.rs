//! The parsed project: every Compose file and `minipaas.yaml` a run looks at, grouped into
//! lint units the way they are deployed, plus the facts about referenced files the rules need
//! (does it exist, does git track it). Rules read this and nothing else.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::compose::{Compose, Declaration, ResourceKind, Service, Spanned};
use crate::error::Error;
use crate::finding::{FileId, Severity};
use crate::manifest::{MANIFEST_NAMES, Manifest, Schema};
use crate::workspace::{Workspace, join_normalized, parent};
use crate::yaml::{Tree, line_col};

/// File names that are Compose files, matched against the file name alone.
pub const COMPOSE_GLOBS: &[&str] = &[
    "compose.{yml,yaml}",
    "compose.*.{yml,yaml}",
    "*.compose.{yml,yaml}",
    "docker-compose*.{yml,yaml}",
    "docker-stack*.{yml,yaml}",
    "*-stack.{yml,yaml}",
    "stack*.{yml,yaml}",
];

/// How many `include`/`extends` hops are followed from a unit's own files.
const MAX_INCLUDE_DEPTH: usize = 16;

/// What a file turned out to be.
#[derive(Debug)]
pub enum Content {
    /// A Compose file.
    Compose(Compose),
    /// A `minipaas.yaml`.
    Manifest(Manifest),
    /// It could not be read or parsed (see the input errors).
    Broken,
}

/// One file of the project.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the root, with `/`.
    pub path: String,
    /// The text (empty when it could not be read).
    pub text: String,
    /// The span tree, when the text parsed.
    pub tree: Option<Tree>,
    /// What it holds.
    pub content: Content,
}

impl SourceFile {
    /// The Compose view, if this is a parsed Compose file.
    pub fn compose(&self) -> Option<&Compose> {
        match &self.content {
            Content::Compose(c) => Some(c),
            _ => None,
        }
    }
}

/// A set of files deployed together: an env, or a base file with its overlays.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Human name: `env dev` or the base file's path.
    pub label: String,
    /// The env name, for units that come from a `minipaas.yaml`.
    pub env: Option<String>,
    /// The manifest, for env units.
    pub manifest: Option<FileId>,
    /// The env folder (relative to the root), for env units.
    pub dir: Option<String>,
    /// Files in deploy order (includes and extended files after the file that names them).
    pub files: Vec<FileId>,
    /// Variables for `${VAR}` in names.
    pub vars: BTreeMap<String, String>,
    /// Files listed by the manifest that do not exist: (manifest item, resolved path).
    pub missing: Vec<(Spanned, String)>,
    /// True when one of its files could not be parsed, so cross-file rules would guess.
    pub incomplete: bool,
}

/// A problem with an input file rather than a finding in it.
#[derive(Debug, Clone)]
pub struct InputError {
    /// The file, relative to the root.
    pub path: String,
    /// The file's id, when it was loaded (for snippets).
    pub file: Option<FileId>,
    /// Where in the file, when known.
    pub span: Option<Range<usize>>,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// Errors make the run exit 2; warnings are only shown.
    pub severity: Severity,
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

/// Which files to look at.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Extra globs (matched against the root-relative path) that name Compose files.
    pub include: Vec<String>,
    /// Only units touching these root-relative paths (files or folders); empty for all.
    pub paths: Vec<String>,
    /// Only this env.
    pub env: Option<String>,
    /// The tool's configuration (rules, levels, extra globs and words).
    pub settings: crate::settings::Settings,
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
    /// The configuration the rules run with.
    pub settings: crate::settings::Settings,
    by_path: HashMap<String, FileId>,
    /// Files read ahead (in parallel), waiting to be added.
    preloaded: HashMap<String, Loaded>,
}

impl Project {
    /// Finds, reads and groups everything under the workspace.
    pub fn load(ws: &Workspace, opts: &LoadOptions) -> Result<Project, Error> {
        let names = glob_set(COMPOSE_GLOBS.iter().copied(), true)?;
        let extra = glob_set(opts.include.iter().chain(&opts.settings.include).map(String::as_str), false)?;
        let mut project =
            Project { git: ws.has_git(), settings: opts.settings.clone(), ..Project::default() };

        let any_extra = !opts.include.is_empty() || !opts.settings.include.is_empty();
        // Some(true) for a manifest, Some(false) for a Compose file.
        let classify = |path: &str| {
            let name = path.rsplit('/').next().unwrap_or(path);
            // Every Compose and manifest name contains one of these words: a cheap first test
            // before the glob set, over what may be a hundred thousand paths.
            if !any_extra && !["compose", "stack", "minipaas"].iter().any(|w| name.contains(w)) {
                None
            } else if MANIFEST_NAMES.contains(&name) {
                Some(true)
            } else {
                (names.is_match(name) || extra.is_match(path)).then_some(false)
            }
        };
        // A run over the whole repository reads every candidate: start on the tracked ones
        // while the walk for untracked files is still going.
        if opts.paths.is_empty() && opts.env.is_none() {
            let early: Vec<(String, bool)> =
                ws.tracked_files().filter_map(|p| Some((p.clone(), classify(p)?))).collect();
            project.preload(ws, &early);
        }
        let mut candidates: Vec<String> = Vec::new();
        let mut manifests: Vec<String> = Vec::new();
        for path in ws.files() {
            let Some(manifest) = classify(path) else { continue };
            // Git lists a tracked file even when the work tree no longer has it.
            if project.preloaded.contains_key(path) || ws.exists(path) {
                if manifest { &mut manifests } else { &mut candidates }.push(path.clone());
            }
        }
        // A file named on the command line is linted whatever its name (as ripgrep searches
        // an explicitly named file even if it is ignored).
        let mut named_problems = Vec::new();
        for path in &opts.paths {
            let name = path.rsplit('/').next().unwrap_or(path);
            if ws.exists(path) && !candidates.contains(path) && !MANIFEST_NAMES.contains(&name) {
                candidates.push(path.clone());
            } else if !ws.exists(path) && ws.root.join(path).exists() && !ws.root.join(path).is_dir() {
                // Named, but not a regular file (a FIFO, a socket, a device): say so, never read it.
                named_problems.push(InputError {
                    path: path.clone(),
                    file: None,
                    span: None,
                    position: None,
                    message: "not a regular file; not read".into(),
                    severity: Severity::Error,
                });
            }
        }

        // Read the manifests first (few): they say which files form which env. Then decide
        // which units this run wants, by path alone, so that `--env` or a file named by a
        // hook reads and parses only what those units hold.
        let ahead: Vec<(String, bool)> = manifests.iter().map(|m| (m.clone(), true)).collect();
        project.preload(ws, &ahead);
        let given = |p: &str| opts.paths.iter().any(|g| under(p, g));
        let mut listed_anywhere: std::collections::HashSet<String> = Default::default();
        let mut envs = Vec::new();
        for manifest in &manifests {
            let Some(listing) = project.env_listing(ws, manifest) else { continue };
            let paths: Vec<&String> = listing.items.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
            listed_anywhere.extend(paths.iter().map(|p| p.to_string()));
            let env_ok = opts.env.as_ref().is_none_or(|e| env_name(manifest) == *e);
            if env_ok && (opts.paths.is_empty() || given(manifest) || paths.iter().any(|p| given(p))) {
                envs.push(listing);
            }
        }
        let loose_paths: Vec<String> = if opts.env.is_some() {
            Vec::new()
        } else {
            let free: Vec<&String> = candidates.iter().filter(|c| !listed_anywhere.contains(*c)).collect();
            let mut keep: std::collections::HashSet<&str> = Default::default();
            for group in loose_groups(&free) {
                if opts.paths.is_empty() || group.iter().any(|p| given(p)) {
                    keep.extend(group);
                }
            }
            free.into_iter().filter(|p| keep.contains(p.as_str())).cloned().collect()
        };
        let wanted: Vec<(String, bool)> = envs
            .iter()
            .flat_map(|l| l.items.iter().filter_map(|(_, r)| r.as_ref().ok()))
            .chain(loose_paths.iter())
            .map(|p| (p.clone(), false))
            .collect();
        project.preload(ws, &wanted);
        for listing in envs {
            let unit = project.env_unit(ws, listing);
            project.units.push(unit);
        }
        let loose: Vec<FileId> = loose_paths.iter().filter_map(|p| project.load_file(ws, p, None)).collect();
        project.group_loose(loose);
        for i in 0..project.units.len() {
            project.follow_includes(ws, i);
        }
        project.units.retain(|u| {
            opts.env.as_ref().is_none_or(|e| u.env.as_ref() == Some(e))
                && (opts.paths.is_empty()
                    || u.files.iter().chain(u.manifest.iter()).any(|&f| {
                        let p = &project.files[f].path;
                        opts.paths.iter().any(|given| under(p, given))
                    }))
        });
        if let Some(env) = &opts.env
            && project.units.is_empty()
        {
            let known: Vec<_> = manifests.iter().map(|m| env_name(m)).collect();
            return Err(Error::Usage(format!(
                "no env named `{env}` (envs in this repository: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )));
        }
        project.gather_facts(ws);
        // Only errors in the files of the selected units matter to this run.
        let used: std::collections::HashSet<FileId> =
            project.units.iter().flat_map(|u| u.files.iter().chain(u.manifest.iter()).copied()).collect();
        project.errors.retain(|e| e.file.is_none_or(|f| used.contains(&f)));
        project.errors.extend(named_problems);
        Ok(project)
    }

    /// Reads and parses one file once; later calls return the same id.
    fn load_file(&mut self, ws: &Workspace, path: &str, as_manifest: Option<()>) -> Option<FileId> {
        if let Some(&id) = self.by_path.get(path) {
            return Some(id);
        }
        let loaded = match self.preloaded.remove(path) {
            Some(loaded) => loaded,
            None => read_source(path, ws.read(path), as_manifest.is_some()),
        };
        Some(self.add(loaded))
    }

    /// Adds a read file, giving it (and its problems) an id.
    fn add(&mut self, (file, problems): Loaded) -> FileId {
        let id = self.files.len();
        self.by_path.insert(file.path.clone(), id);
        self.errors.extend(problems.into_iter().map(|mut e| {
            e.file = Some(id);
            e
        }));
        self.files.push(file);
        id
    }

    /// Reads and parses `paths` on several threads when there are many (thread start-up
    /// costs more than it saves on a few files), keeping the results for `load_file`.
    /// A file missing from the work tree is left out (git lists deleted files until they are
    /// staged); `load_file` reports it if a unit asks for it.
    fn preload(&mut self, ws: &Workspace, paths: &[(String, bool)]) {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let todo: Vec<&(String, bool)> = paths
            .iter()
            .filter(|(p, _)| !self.preloaded.contains_key(p) && !self.by_path.contains_key(p))
            .collect();
        let Some(reader) = ws.disk_reader().filter(|_| threads > 1 && todo.len() >= 64) else { return };
        // Files differ in size: threads take the next file as they finish, not a fixed share.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            while let Some((p, manifest)) = todo.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
            {
                match reader.read(p) {
                    Err(crate::workspace::ReadError::Missing) => {}
                    bytes => done.push(read_source(p, bytes, *manifest)),
                }
            }
            done
        };
        let results: Vec<Vec<Loaded>> = std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let mut all = vec![work()];
            all.extend(helpers.into_iter().filter_map(|h| h.join().ok()));
            all
        });
        for loaded in results.into_iter().flatten() {
            self.preloaded.insert(loaded.0.path.clone(), loaded);
        }
    }

    fn error(
        &mut self,
        path: &str,
        file: Option<FileId>,
        span: Option<(FileId, Range<usize>)>,
        message: String,
    ) {
        let (span, position) = match span {
            Some((f, s)) => (Some(s.clone()), Some(line_col(&self.files[f].text, s.start))),
            None => (None, None),
        };
        self.errors.push(InputError {
            path: path.into(),
            file,
            span,
            position,
            message,
            severity: Severity::Error,
        });
    }

    fn warning_at(&mut self, file: FileId, span: Range<usize>, message: String) {
        let position = Some(line_col(&self.files[file].text, span.start));
        let path = self.files[file].path.clone();
        self.errors.push(InputError {
            path,
            file: Some(file),
            span: Some(span),
            position,
            message,
            severity: Severity::Warning,
        });
    }

    /// Reads one `minipaas.yaml` and resolves what it lists (without reading those files).
    fn env_listing(&mut self, ws: &Workspace, manifest_path: &str) -> Option<Listing> {
        let id = self.load_file(ws, manifest_path, Some(()))?;
        let Content::Manifest(m) = &self.files[id].content else {
            return None;
        };
        let (listed, schema, vars) = (m.files.clone(), m.schema, m.vars.clone());
        let env_dir = parent(manifest_path).to_string();
        let items = listed
            .into_iter()
            .map(|item| {
                let resolved = self.resolve_listed(ws, &item.value, &env_dir, schema);
                (item, resolved)
            })
            .collect();
        Some(Listing { manifest: id, path: manifest_path.to_string(), vars, items })
    }

    /// Builds the unit of one `minipaas.yaml`, reading the files it lists.
    fn env_unit(&mut self, ws: &Workspace, listing: Listing) -> Unit {
        let (id, manifest_path) = (listing.manifest, listing.path);
        let mut unit = Unit {
            label: format!("env {}", env_name(&manifest_path)),
            env: Some(env_name(&manifest_path)),
            manifest: Some(id),
            dir: Some(parent(&manifest_path).to_string()),
            files: Vec::new(),
            vars: listing.vars,
            missing: Vec::new(),
            incomplete: false,
        };
        for (item, resolved) in listing.items {
            match resolved {
                Err(message) => {
                    self.error(&manifest_path, Some(id), Some((id, item.span.clone())), message);
                    unit.incomplete = true;
                }
                Ok(path) if ws.exists(&path) => {
                    if let Some(f) = self.load_file(ws, &path, None)
                        && !unit.files.contains(&f)
                    {
                        unit.files.push(f);
                    }
                }
                Ok(path) => {
                    unit.missing.push((item, path));
                    unit.incomplete = true;
                }
            }
        }
        unit
    }

    /// Where a listed path points. Upstream paths are relative to where MiniPaaS runs: the
    /// repository root, or else the env folder's parent (`--env dev` run beside `dev/`).
    fn resolve_listed(
        &self,
        ws: &Workspace,
        raw: &str,
        env_dir: &str,
        schema: Schema,
    ) -> Result<String, String> {
        let outside = || format!("`{raw}` is outside the repository; minipaas reads only files inside it");
        if raw.starts_with('/') {
            return ws.relative(std::path::Path::new(raw)).ok_or_else(outside);
        }
        match schema {
            Schema::Fork => join_normalized(env_dir, raw).ok_or_else(outside),
            Schema::Upstream => {
                let from_root = join_normalized("", raw);
                let from_parent = join_normalized(parent(env_dir), raw);
                match (from_root, from_parent) {
                    (Some(r), _) if ws.exists(&r) => Ok(r),
                    (_, Some(p)) if ws.exists(&p) => Ok(p),
                    (Some(r), _) => Ok(r),
                    (None, Some(p)) => Ok(p),
                    (None, None) => Err(outside()),
                }
            }
        }
    }

    /// Groups Compose files outside any env: a base file with the overlays beside it
    /// (`compose.override.yaml` next to `compose.yaml`), everything else on its own.
    fn group_loose(&mut self, loose: Vec<FileId>) {
        let mut bases: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut units: Vec<Unit> = Vec::new();
        let new_unit = |label: String, f: FileId| Unit {
            label,
            env: None,
            manifest: None,
            dir: None,
            files: vec![f],
            vars: BTreeMap::new(),
            missing: Vec::new(),
            incomplete: false,
        };
        let (mut base_files, mut rest) = (Vec::new(), Vec::new());
        for f in loose {
            if base_stem(&self.files[f].path).is_some() { base_files.push(f) } else { rest.push(f) }
        }
        for f in base_files {
            let path = &self.files[f].path;
            if let Some(stem) = base_stem(path) {
                bases.insert((parent(path).to_string(), stem.to_string()), units.len());
                units.push(new_unit(path.clone(), f));
            }
        }
        for f in rest {
            let path = &self.files[f].path;
            let group =
                overlay_stems(path).find_map(|stem| bases.get(&(parent(path).to_string(), stem.to_string())));
            match group {
                Some(&u) => units[u].files.push(f),
                None => units.push(new_unit(path.clone(), f)),
            }
        }
        self.units.extend(units);
    }

    /// Adds the files a unit's files `include:` or `extends:` from, transitively.
    fn follow_includes(&mut self, ws: &Workspace, unit: usize) {
        let mut i = 0;
        let mut depth_of: HashMap<FileId, usize> = self.units[unit].files.iter().map(|&f| (f, 0)).collect();
        while i < self.units[unit].files.len() {
            let f = self.units[unit].files[i];
            i += 1;
            let depth = depth_of.get(&f).copied().unwrap_or(0);
            let Some(compose) = self.files[f].compose() else {
                self.units[unit].incomplete = true;
                continue;
            };
            let dir = parent(&self.files[f].path).to_string();
            let mut wanted: Vec<Spanned> = compose.includes.clone();
            wanted.extend(compose.services.iter().filter_map(|s| s.extends.as_ref()?.1.clone()));
            for item in wanted {
                let Some(raw) = crate::interp::resolve(&item.value, &self.units[unit].vars) else {
                    continue;
                };
                if is_remote(&raw) || depth >= MAX_INCLUDE_DEPTH {
                    continue;
                }
                let path = if raw.starts_with('/') {
                    ws.relative(std::path::Path::new(&raw))
                } else {
                    join_normalized(&dir, &raw)
                };
                match path {
                    Some(p) if ws.exists(&p) => {
                        if let Some(id) = self.load_file(ws, &p, None)
                            && !self.units[unit].files.contains(&id)
                        {
                            depth_of.insert(id, depth + 1);
                            self.units[unit].files.push(id);
                        }
                    }
                    _ => self.warning_at(
                        f,
                        item.span.clone(),
                        format!("`{raw}` is not a file in this repository; not followed"),
                    ),
                }
            }
        }
    }

    /// Records existence and tracking for secret files and env files, and reads tracked env files.
    fn gather_facts(&mut self, ws: &Workspace) {
        let mut wanted: Vec<(String, bool)> = Vec::new();
        for unit in &self.units {
            for &f in &unit.files {
                let Some(compose) = self.files[f].compose() else {
                    continue;
                };
                let dir = parent(&self.files[f].path);
                let secret_files = compose.secrets.iter().filter_map(|d| d.file.as_ref()).map(|s| (s, false));
                let env_files = compose.services.iter().flat_map(|s| s.env_files.iter()).map(|s| (s, true));
                for (raw, read) in secret_files.chain(env_files) {
                    if let Some(path) =
                        crate::interp::resolve(&raw.value, &unit.vars).and_then(|r| join_normalized(dir, &r))
                    {
                        wanted.push((path, read));
                    }
                }
            }
        }
        for (path, read) in wanted {
            if self.facts.contains_key(&path) {
                continue;
            }
            let tracked = ws.is_tracked(&path);
            let exists = ws.exists(&path) || tracked;
            let text = if read && tracked {
                ws.read(&path).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
            } else {
                None
            };
            self.facts.insert(path, PathFacts { exists, tracked, text });
        }
    }

    /// The facts for a path a file in `unit` writes as `raw`, relative to that file.
    pub fn facts_for(&self, unit: &Unit, file: FileId, raw: &str) -> Option<(String, &PathFacts)> {
        let path =
            self.resolve(unit, raw).and_then(|r| join_normalized(parent(&self.files[file].path), &r))?;
        let facts = self.facts.get(&path)?;
        Some((path, facts))
    }

    /// Resolves `${VAR}`s in a name with the unit's variables; `None` if one is unknown.
    pub fn resolve(&self, unit: &Unit, raw: &str) -> Option<String> {
        crate::interp::resolve(raw, &unit.vars)
    }

    /// Every service definition in the unit, with its file.
    pub fn services<'a>(&'a self, unit: &'a Unit) -> impl Iterator<Item = (FileId, &'a Service)> + 'a {
        unit.files
            .iter()
            .filter_map(|&f| Some((f, self.files[f].compose()?)))
            .flat_map(|(f, c)| c.services.iter().map(move |s| (f, s)))
    }

    /// Every top-level declaration of one kind in the unit, with its file.
    pub fn declarations<'a>(
        &'a self,
        unit: &'a Unit,
        kind: ResourceKind,
    ) -> impl Iterator<Item = (FileId, &'a Declaration)> + 'a {
        unit.files
            .iter()
            .filter_map(|&f| Some((f, self.files[f].compose()?)))
            .flat_map(move |(f, c)| c.decls(kind).iter().map(move |d| (f, d)))
    }

    /// The units that contain a file.
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

/// What a `minipaas.yaml` lists, resolved to paths (or why an entry cannot be).
struct Listing {
    manifest: FileId,
    path: String,
    vars: BTreeMap<String, String>,
    items: Vec<(Spanned, Result<String, String>)>,
}

/// Groups Compose file paths outside envs the way [`Project::group_loose`] will: a base file
/// with the overlays beside it; any other file alone.
fn loose_groups<'a>(paths: &[&'a String]) -> Vec<Vec<&'a str>> {
    let mut groups: Vec<Vec<&str>> = Vec::new();
    let mut bases: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for p in paths.iter().filter(|p| base_stem(p).is_some()) {
        if let Some(stem) = base_stem(p) {
            bases.insert((parent(p), stem), groups.len());
            groups.push(vec![p.as_str()]);
        }
    }
    for p in paths.iter().filter(|p| base_stem(p).is_none()) {
        match overlay_stems(p).find_map(|stem| bases.get(&(parent(p), stem))) {
            Some(&g) => groups[g].push(p.as_str()),
            None => groups.push(vec![p.as_str()]),
        }
    }
    groups
}

/// A file read and parsed, with its problems (their file ids are set when it is added).
type Loaded = (SourceFile, Vec<InputError>);

/// Reads, decodes and parses one file: a pure function of its bytes, so it runs on any thread.
fn read_source(path: &str, bytes: Result<Vec<u8>, crate::workspace::ReadError>, as_manifest: bool) -> Loaded {
    crate::progress::FILES_READ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut file =
        SourceFile { path: path.to_string(), text: String::new(), tree: None, content: Content::Broken };
    let mut problems = Vec::new();
    let problem = |span: Option<Range<usize>>, position, message, severity| InputError {
        path: path.into(),
        file: None,
        span,
        position,
        message,
        severity,
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            problems.push(problem(None, None, e.to_string(), Severity::Error));
            return (file, problems);
        }
    };
    match decode(&bytes) {
        Err((message, offset)) => {
            problems.push(problem(None, offset.map(|o| byte_line_col(&bytes, o)), message, Severity::Error));
        }
        Ok(text) => {
            file.text = text;
            // Comments matter only for suppressions; most files have none.
            let suppressions = memchr::memmem::find(file.text.as_bytes(), b"minipaas:").is_some();
            match Tree::parse_with(&file.text, suppressions) {
                Err(e) => problems.push(problem(
                    Some(e.offset..e.offset),
                    Some((e.line, e.column)),
                    format!("invalid YAML: {}", e.message),
                    Severity::Error,
                )),
                Ok(tree) => {
                    let (content, found) = if as_manifest {
                        let m = Manifest::read(&tree);
                        let found: Vec<_> = m
                            .errors
                            .iter()
                            .map(|p| (p.clone(), Severity::Error))
                            .chain(m.unknown.iter().map(|p| (p.clone(), Severity::Warning)))
                            .collect();
                        (Content::Manifest(m), found)
                    } else {
                        let (compose, shape) = Compose::read(&tree, &file.text);
                        (Content::Compose(compose), shape.into_iter().map(|p| (p, Severity::Error)).collect())
                    };
                    for (p, severity) in found {
                        let pos = line_col(&file.text, p.span.start);
                        problems.push(problem(Some(p.span), Some(pos), p.message, severity));
                    }
                    file.content = content;
                    file.tree = Some(tree);
                }
            }
        }
    }
    (file, problems)
}

/// An env's name: its folder relative to the root (`.` for the root itself).
pub fn env_name(manifest_path: &str) -> String {
    let dir = parent(manifest_path);
    if dir.is_empty() { ".".into() } else { dir.into() }
}

/// For base files (`compose.yaml`, `docker-compose.yml`, `docker-stack.yml`, `stack.yml`),
/// the stem their overlays share.
fn base_stem(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (stem, ext) = name.split_once('.')?;
    (matches!(ext, "yml" | "yaml") && matches!(stem, "compose" | "docker-compose" | "docker-stack" | "stack"))
        .then_some(stem)
}

/// The base stems an overlay file may belong to: `compose.override.yaml` → `compose`;
/// `docker-compose.prod.yml` and `docker-compose-prod.yml` → `docker-compose`.
fn overlay_stems(path: &str) -> impl Iterator<Item = &str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let dotted = name.split_once('.').map(|(stem, _)| stem);
    let dashed = ["docker-compose", "docker-stack"]
        .into_iter()
        .find(|stem| name.strip_prefix(stem).is_some_and(|rest| rest.starts_with('-')));
    dotted.into_iter().chain(dashed)
}

/// Includes Compose fetches from elsewhere (`git@…`, `https://…`, `oci://…`, `remote:…`).
fn is_remote(raw: &str) -> bool {
    let scheme = raw.split_once(':').map(|(s, _)| s);
    raw.starts_with("git@")
        || scheme.is_some_and(|s| {
            s.len() > 1 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        })
}

/// True when `path` is `given` or lies under the folder `given`.
fn under(path: &str, given: &str) -> bool {
    given.is_empty() || path == given || path.strip_prefix(given).is_some_and(|rest| rest.starts_with('/'))
}

fn glob_set<'a>(globs: impl Iterator<Item = &'a str>, names_only: bool) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let glob =
            if names_only { Glob::new(g) } else { GlobBuilder::new(g).literal_separator(false).build() }
                .map_err(|e| Error::Usage(format!("invalid --include glob `{g}`: {e}")))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| Error::Usage(e.to_string()))
}

/// Text from bytes, refusing binary data and invalid UTF-8 (with the offset of the problem).
fn decode(bytes: &[u8]) -> Result<String, (String, Option<usize>)> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err(("binary file (it contains a NUL byte); not a Compose file".into(), Some(nul)));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(("invalid UTF-8; Compose files must be UTF-8 text".into(), Some(e.valid_up_to()))),
    }
}

fn byte_line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, String::from_utf8_lossy(&before[start..]).chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_names() {
        let set = glob_set(COMPOSE_GLOBS.iter().copied(), true).unwrap();
        for yes in [
            "compose.yaml",
            "compose.yml",
            "compose.prod.yaml",
            "app.compose.yml",
            "docker-compose.yml",
            "docker-compose-dev.yml",
            "docker-stack.yml",
            "web-stack.yaml",
            "stack.yml",
            "stack-prod.yml",
        ] {
            assert!(set.is_match(yes), "{yes}");
        }
        for no in ["values.yaml", "compose.json", "minipaas.yaml", "mycompose.yaml"] {
            assert!(!set.is_match(no), "{no}");
        }
    }

    #[test]
    fn bases_and_paths() {
        assert_eq!(base_stem("a/compose.yaml"), Some("compose"));
        assert_eq!(base_stem("docker-compose.yml"), Some("docker-compose"));
        assert_eq!(base_stem("compose.override.yaml"), None);
        assert_eq!(overlay_stems("a/compose.override.yaml").collect::<Vec<_>>(), ["compose"]);
        assert_eq!(
            overlay_stems("docker-compose-dev.yml").collect::<Vec<_>>(),
            ["docker-compose-dev", "docker-compose"]
        );
        assert_eq!(overlay_stems("docker-compose.prod.yml").collect::<Vec<_>>(), ["docker-compose"]);
        assert!(under("dev/a.yml", "dev"));
        assert!(
            is_remote("oci://docker.io/x")
                && is_remote("remote:cycle/a.yaml")
                && is_remote("git@github.com:a/b.git")
        );
        assert!(!is_remote("../shared/a.yaml") && !is_remote("C:/a.yaml"));
        assert!(!under("devx/a.yml", "dev"));
        assert_eq!(env_name("dev/minipaas.yaml"), "dev");
        assert_eq!(env_name("minipaas.yaml"), ".");
    }

    #[test]
    fn decode_rejects_binary_and_bad_utf8() {
        assert!(decode(b"a: 1\n").is_ok());
        assert_eq!(decode(b"a\0").unwrap_err().1, Some(1));
        assert_eq!(decode(b"ab\xff").unwrap_err().1, Some(2));
        assert_eq!(byte_line_col(b"a\nbc", 3), (2, 2));
    }
}
