//! Reading the repository: every candidate file is read once (on several threads), judged by
//! name ([`crate::discover::names`]) and content ([`crate::discover::sniff`]), parsed when it is
//! a Compose file or a `minipaas.yaml`, and scanned for chains when it is a script, a
//! workflow or a `.env` file.

use std::collections::BTreeSet;
use std::ops::Range;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::chains::{self, Chain, Tool};
use super::dotenv::{self, DotEnv};
use super::outcome::{Done, Found, Job, Outcome, Role, compose_by_content, process};
use super::source::{InputError, Loaded, SourceFile, read_source};
use super::units::FoundChain;
use super::{LoadOptions, Project};
use crate::diagnostic::{FileId, Severity};
use crate::discover::names::{Kind, classify};
use crate::discover::{ReadError, Workspace};
use crate::error::Error;

/// What the survey of the repository found.
#[derive(Debug, Default)]
pub(super) struct Survey {
    /// Compose files: by name, by content, by `include` glob.
    pub compose: BTreeSet<String>,
    /// Files with Compose's top level but no services: parts of chains and overlays.
    pub parts: BTreeSet<String>,
    /// `minipaas.yaml` files.
    pub manifests: Vec<String>,
    /// Chains written in scripts, workflows and `.env` files.
    pub chains: Vec<FoundChain>,
}

/// The `--include` and `exclude` globs, matched against root-relative paths.
#[derive(Clone)]
pub(super) struct Globs {
    include: GlobSet,
    exclude: GlobSet,
}

impl Globs {
    pub(super) fn new(opts: &LoadOptions) -> Result<Globs, Error> {
        Ok(Globs {
            include: glob_set(&opts.include, "include")?,
            exclude: glob_set(&opts.exclude, "exclude")?,
        })
    }

    /// What the survey does with a path (`None`: it is not a candidate of any kind).
    pub(super) fn job_of(&self, path: &str) -> Option<Job> {
        let kind = classify(path);
        if kind == Some(Kind::Manifest) {
            return Some(Job::Manifest);
        }
        if self.exclude.is_match(path) {
            return None;
        }
        if self.include.is_match(path) {
            return Some(Job::Compose);
        }
        Some(match kind? {
            Kind::Manifest => Job::Manifest,
            Kind::ComposeName => Job::Compose,
            Kind::Yaml => Job::Yaml,
            Kind::Script => Job::Script,
            Kind::DotEnv => Job::DotEnv,
        })
    }
}

/// What each file's current blob turned out to be, so that `--history` reads and parses a
/// blob once, however many commits hold it: kept per path (the blob a path held last), so
/// memory follows the tree, not the history.
#[derive(Default)]
pub(super) struct BlobCache {
    by_path: std::collections::HashMap<String, (git2::Oid, Job, Outcome)>,
}

/// A blob read ahead (on another thread): its id and bytes.
pub(super) type Ready = (git2::Oid, Result<Vec<u8>, ReadError>);

/// What a changed file means for the units built before the change.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// Not a file the survey reads.
    Ignored,
    /// A Compose file (or part) with the same role as before: the same units, with new
    /// contents.
    Compose,
    /// A file the survey reads that is not a Compose file, with the same role as before (a
    /// script with the same chains, a YAML file that is not Compose).
    Other,
    /// Added, deleted, or a new role: the units may be others.
    Regroups,
}

impl BlobCache {
    /// The cached outcome of `path`, if it is for the blob the workspace holds now.
    fn get(&self, ws: &Workspace, path: &str, job: Job) -> Option<&Outcome> {
        let blob = ws.blob(path)?;
        self.by_path.get(path).filter(|(b, j, _)| *b == blob && *j == job).map(|(_, _, o)| o)
    }

    /// The loaded file of a Compose file or manifest whose current blob is cached.
    pub(super) fn loaded(&self, ws: &Workspace, path: &str, globs: &Globs) -> Option<&Loaded> {
        match self.get(ws, path, globs.job_of(path)?)? {
            Outcome::Source(l) | Outcome::Part(l) => Some(l),
            _ => None,
        }
    }

    /// Forgets the files the workspace no longer holds (a path deleted and added back later is
    /// an added file, not a changed one).
    pub(super) fn keep_present(&mut self, ws: &Workspace) {
        self.by_path.retain(|path, _| ws.blob(path).is_some());
    }

    /// Caches a path's blob as it is now (judged already in `ready`, or read here), and says
    /// what its change means.
    pub(super) fn update(
        &mut self,
        ws: &Workspace,
        globs: &Globs,
        path: &str,
        ready: Option<Ready>,
    ) -> Change {
        let Some(job) = globs.job_of(path) else { return Change::Ignored };
        let before = self.by_path.remove(path);
        let Some(blob) = ws.blob(path) else {
            // Deleted: a file whose name or target others write (`include`, `extends`, a
            // manifest's list) no longer resolves, so the units are found again.
            return Change::Regroups;
        };
        let bytes = match ready {
            Some((b, bytes)) if b == blob => bytes,
            _ => ws.read(path),
        };
        let outcome = process(path, job, bytes, false);
        let Some((_, old_job, old)) = before else {
            // Added: likewise, it may now resolve.
            self.by_path.insert(path.to_string(), (blob, job, outcome));
            return Change::Regroups;
        };
        let role = Role::of(&outcome);
        let change = match role {
            Some(_) if old_job != job || Role::of(&old) != role => Change::Regroups,
            Some(Role::Compose { .. }) => Change::Compose,
            Some(_) => Change::Other,
            None => Change::Regroups,
        };
        self.by_path.insert(path.to_string(), (blob, job, outcome));
        change
    }
}

fn glob_set(globs: &[String], what: &str) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let glob = GlobBuilder::new(g)
            .literal_separator(false)
            .build()
            .map_err(|e| Error::Usage(format!("invalid {what} glob `{g}`: {e}")))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| Error::Usage(e.to_string()))
}

impl Project {
    /// Reads every candidate file the workspace holds, plus the files named on the command
    /// line. A run limited to an env or to named files parses later, only what it needs.
    pub(super) fn survey(
        &mut self,
        ws: &Workspace,
        opts: &LoadOptions,
        globs: &Globs,
        mut cache: Option<&mut BlobCache>,
    ) -> Survey {
        let job_of = |path: &str| globs.job_of(path);
        let mut survey = Survey::default();
        // Tracked files first: they are known before the walk for untracked ones ends.
        let early: Vec<(String, Job)> =
            ws.tracked_files().filter_map(|p| Some((p.clone(), job_of(p)?))).collect();
        let done: BTreeSet<String> = early.iter().map(|(p, _)| p.clone()).collect();
        // A run on named files (a hook) or one env reads every candidate but parses only what
        // its units need.
        let defer = !opts.paths.is_empty() || opts.env.is_some();
        self.run_jobs(ws, early, &mut survey, defer, cache.as_deref_mut());
        let mut rest: Vec<(String, Job)> =
            ws.files().filter(|p| !done.contains(*p)).filter_map(|p| Some((p.clone(), job_of(p)?))).collect();
        // A file named on the command line is read even if git ignores it (as ripgrep searches
        // a file it is given); whether it is a Compose file is still up to its name or content.
        for path in &opts.paths {
            if ws.exists(path) && !done.contains(path) && !rest.iter().any(|(p, _)| p == path) {
                rest.extend(job_of(path).map(|j| (path.clone(), j)));
            } else if !ws.exists(path) && ws.root.join(path).exists() && !ws.root.join(path).is_dir() {
                // Named, but not a regular file (a FIFO, a socket, a device): say so, never read it.
                self.errors.push(InputError {
                    path: path.clone(),
                    file: None,
                    span: None,
                    position: None,
                    message: "not a regular file; not read".into(),
                    severity: Severity::Error,
                });
            }
        }
        self.run_jobs(ws, rest, &mut survey, defer, cache);
        survey.manifests.sort();
        survey
    }

    /// Runs the jobs (on several threads when there are many and the files are on disk) and
    /// files their outcomes. With a cache, a blob it holds is not read again, and what is read
    /// is added to it.
    fn run_jobs(
        &mut self,
        ws: &Workspace,
        jobs: Vec<(String, Job)>,
        survey: &mut Survey,
        defer: bool,
        cache: Option<&mut BlobCache>,
    ) {
        // What a run on named files keeps (unparsed bytes) is not what the cache holds.
        let cache = cache.filter(|_| !defer);
        let (known, jobs): (Vec<Done>, Vec<(String, Job)>) = match &cache {
            Some(cache) => {
                let mut known = Vec::new();
                let mut rest = Vec::new();
                for (path, job) in jobs {
                    match cache.get(ws, &path, job) {
                        Some(outcome) => known.push((path, job, outcome.clone())),
                        None => rest.push((path, job)),
                    }
                }
                (known, rest)
            }
            None => (Vec::new(), jobs),
        };
        let threads = crate::cores().min(8);
        let outcomes: Vec<Done> = if threads > 1 && jobs.len() >= 64 {
            let shared = ws.shared_reader();
            // Files differ in size: threads take the next file as they finish.
            let next = std::sync::atomic::AtomicUsize::new(0);
            let work = || {
                let reader = shared.for_thread();
                let mut done = Vec::new();
                while let Some((path, job)) =
                    jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    done.push((path.clone(), *job, process(path, *job, reader.read(path), defer)));
                }
                done
            };
            std::thread::scope(|scope| {
                let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
                let mut all = work();
                for h in helpers {
                    // A panic on another thread is a crash here too, never files silently missing.
                    all.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
                }
                all
            })
        } else {
            jobs.iter().map(|(p, j)| (p.clone(), *j, process(p, *j, ws.read(p), defer))).collect()
        };
        if let Some(cache) = cache {
            for (path, job, outcome) in &outcomes {
                if let Some(blob) = ws.blob(path) {
                    cache.by_path.insert(path.clone(), (blob, *job, outcome.clone()));
                }
            }
        }
        // Threads finish in any order; the results must not depend on it.
        let mut outcomes = outcomes;
        outcomes.extend(known);
        outcomes.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, job, outcome) in outcomes {
            match outcome {
                Outcome::Source(loaded) => {
                    match job {
                        Job::Manifest => survey.manifests.push(path.clone()),
                        _ => {
                            survey.compose.insert(path.clone());
                        }
                    }
                    self.preloaded.insert(path, *loaded);
                }
                Outcome::Part(loaded) => {
                    survey.parts.insert(path.clone());
                    self.preloaded.insert(path, *loaded);
                }
                Outcome::Deferred(bytes, found) => {
                    if found == Found::Part {
                        survey.parts.insert(path.clone());
                    } else {
                        survey.compose.insert(path.clone());
                    }
                    self.deferred.insert(path, (bytes, found));
                }
                Outcome::Chains(found) => {
                    survey.chains.extend(found.into_iter().map(|chain| FoundChain {
                        path: path.clone(),
                        chain,
                        dotenv: false,
                    }));
                }
                Outcome::DotEnv(env) => {
                    if let Some(value) = env.vars.get("COMPOSE_FILE") {
                        let line = env.lines.get("COMPOSE_FILE").copied().unwrap_or(1);
                        let sep = env.vars.get("COMPOSE_PATH_SEPARATOR").map(String::as_str);
                        let files = chains::split_compose_file(value, sep);
                        let chain =
                            Chain { files, env_file: None, project_dir: None, tool: Tool::Compose, line };
                        survey.chains.push(FoundChain { path: path.clone(), chain, dotenv: true });
                    }
                    self.dotenv.insert(path, Some(env));
                }
                Outcome::Warning(w) => self.errors.push(w),
                Outcome::Nothing => {}
            }
        }
    }

    /// Reads and parses one file once; later calls return the same id. A file that cannot be
    /// read is still added (with its problem), so a unit that names it can say so.
    pub(super) fn load_file(&mut self, ws: &Workspace, path: &str, manifest: bool) -> FileId {
        if let Some(&id) = self.by_path.get(path) {
            return id;
        }
        let loaded = if let Some(loaded) = self.preloaded.remove(path) {
            loaded
        } else if let Some((bytes, found)) = self.deferred.remove(path) {
            match found {
                Found::Name | Found::Part => read_source(path, Ok(bytes), manifest),
                Found::Content => match compose_by_content(path, bytes) {
                    Outcome::Source(loaded) => *loaded,
                    Outcome::Warning(w) => {
                        self.errors.push(w);
                        (SourceFile::broken(path), Vec::new())
                    }
                    _ => (SourceFile::broken(path), Vec::new()),
                },
            }
        } else {
            read_source(path, ws.read(path), manifest)
        };
        self.add(loaded)
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

    /// The variables of a `.env`-format file in the workspace (read once), if there is one.
    pub(super) fn env_file(&mut self, ws: &Workspace, path: &str) -> Option<&DotEnv> {
        if !self.dotenv.contains_key(path) {
            let env = if ws.holds(path) {
                ws.read(path).ok().map(|b| dotenv::parse(&String::from_utf8_lossy(&b)))
            } else {
                None
            };
            self.dotenv.insert(path.to_string(), env);
        }
        self.dotenv.get(path).and_then(Option::as_ref)
    }

    /// The variables of the `.env` in a folder (Compose reads the one in the project
    /// directory), if the workspace holds one.
    pub(super) fn dotenv_in(&mut self, ws: &Workspace, dir: &str) -> Option<&DotEnv> {
        let path = if dir.is_empty() { ".env".to_string() } else { format!("{dir}/.env") };
        self.env_file(ws, &path)
    }

    /// The raw text of a surveyed Compose file not parsed yet, or of one already parsed.
    pub(super) fn raw_text(&self, path: &str) -> Option<&[u8]> {
        match self.deferred.get(path) {
            Some((bytes, _)) => Some(bytes),
            None => self.preloaded.get(path).map(|(f, _)| f.text.as_bytes()),
        }
    }

    /// Records an input problem at a place in a loaded file.
    pub(super) fn problem(&mut self, file: FileId, span: Range<usize>, message: String, severity: Severity) {
        let position = Some(self.files[file].line_col(span.start));
        let path = self.files[file].path.clone();
        self.errors.push(InputError {
            path,
            file: Some(file),
            span: Some(span),
            position,
            message,
            severity,
        });
    }
}
