//! Where files come from: a git work tree (the index plus untracked, not-ignored files), the
//! git index itself (`--staged`), or a plain folder walked the way git would.
//!
//! Every path the rest of the crate sees is relative to the workspace root and uses `/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::paths::to_slash;
use super::read::{DiskReader, MAX_FILE_BYTES, ReadError, Reads};
use super::treediff::{Change, CommitInfo, Trees};
use super::walk::Untracked;
use crate::error::Error;

/// Where file contents are read from.
enum Contents {
    /// Files on disk under the root.
    Disk,
    /// Blobs in git (the index, or a commit's tree), by path.
    Blobs { repo: git2::Repository, blobs: BTreeMap<String, git2::Oid> },
}

/// The set of files a run looks at and how to read them.
pub struct Workspace {
    /// Absolute root: the git work tree, or the folder walked.
    pub root: PathBuf,
    /// Files not tracked by git (or, outside git, every file walked), relative to the root.
    untracked: Untracked,
    /// Files git tracks (the index); `None` outside git.
    tracked: Option<BTreeSet<String>>,
    contents: Contents,
    /// The repository's git directory, when there is one (for the write lock).
    pub git_dir: Option<PathBuf>,
    /// Texts that replace files' contents for this run (the fix engine's pending edits).
    overrides: BTreeMap<String, String>,
    /// Files read so far (what a progress line shows).
    reads: Reads,
}

impl Workspace {
    /// Opens the workspace that contains `start`: its git work tree if there is one (reading
    /// the index when `staged`), else `start` itself walked with .gitignore rules.
    pub fn open(start: &Path, staged: bool) -> Result<Workspace, Error> {
        Self::open_with(start, staged, &[])
    }

    /// The folder a workspace opened at `start` would have as its root.
    pub fn root_of(start: &Path) -> Option<PathBuf> {
        let abs = std::fs::canonicalize(start).ok()?;
        match git2::Repository::discover(&abs) {
            Ok(repo) => repo.workdir().and_then(|w| std::fs::canonicalize(w).ok()),
            Err(_) if abs.is_dir() => Some(abs),
            Err(_) => abs.parent().map(Path::to_path_buf),
        }
    }

    /// Like [`Workspace::open`]; untracked files are looked for only under names that may be
    /// Compose files, manifests or configuration, plus the `extra` globs (`--include`): git
    /// then stats only those, not every tracked file.
    pub fn open_with(start: &Path, staged: bool, extra: &[String]) -> Result<Workspace, Error> {
        let start_abs = std::fs::canonicalize(start)
            .map_err(|e| Error::Path { path: start.to_path_buf(), message: e.to_string() })?;
        match git2::Repository::discover(&start_abs) {
            Ok(repo) if repo.workdir().is_some() => Self::from_git(repo, staged, extra),
            _ if staged => Err(Error::Usage(format!(
                "--staged needs a git repository, and {} is not inside one",
                start.display()
            ))),
            _ => {
                let root = if start_abs.is_dir() {
                    start_abs
                } else {
                    start_abs.parent().map(Path::to_path_buf).unwrap_or(start_abs)
                };
                Ok(Self::walk(root, None))
            }
        }
    }

    /// A plain folder with a known list of tracked files (used to replay a repository's
    /// `git ls-files` without a git checkout, e.g. for the public corpus).
    pub fn with_tracked(root: &Path, tracked: BTreeSet<String>) -> Workspace {
        Self::walk(root.to_path_buf(), Some(tracked))
    }

    fn walk(root: PathBuf, tracked: Option<BTreeSet<String>>) -> Workspace {
        let mut files = BTreeSet::new();
        let walker = ignore::WalkBuilder::new(&root)
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker.flatten() {
            if entry.file_type().is_some_and(|t| !t.is_dir() && !t.is_symlink())
                && let Ok(rel) = entry.path().strip_prefix(&root)
            {
                files.insert(to_slash(rel));
            }
        }
        Workspace {
            root,
            untracked: Untracked::known(files),
            tracked,
            contents: Contents::Disk,
            git_dir: None,
            overrides: BTreeMap::new(),
            reads: Reads::default(),
        }
    }

    fn from_git(repo: git2::Repository, staged: bool, extra: &[String]) -> Result<Workspace, Error> {
        let root = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        // Untracked files are looked for (on another thread) while the index is read.
        let untracked =
            if staged { Untracked::known(BTreeSet::new()) } else { Untracked::walk(&root, extra) };
        let index = super::gitindex::read(repo.path(), repo.commondir());
        let entries = index.map_err(Error::Git)?.into_iter();
        if staged {
            // The blob map alone answers "tracked?" (see `is_tracked`): no second copy of the paths.
            let blobs = entries.filter_map(|(p, id)| Some((p, git2::Oid::from_bytes(&id).ok()?))).collect();
            let git_dir = Some(repo.path().to_path_buf());
            return Ok(Workspace {
                root,
                untracked,
                tracked: None,
                contents: Contents::Blobs { repo, blobs },
                git_dir,
                overrides: BTreeMap::new(),
                reads: Reads::default(),
            });
        }
        let tracked_paths: BTreeSet<String> = entries.map(|(p, _)| p).collect();
        // A tracked file deleted from the work tree stays listed here; the project loader
        // checks existence of the few files it actually wants.
        let git_dir = Some(repo.path().to_path_buf());
        Ok(Workspace {
            root,
            untracked,
            tracked: Some(tracked_paths),
            contents: Contents::Disk,
            git_dir,
            overrides: BTreeMap::new(),
            reads: Reads::default(),
        })
    }

    /// The workspace as it was at a commit (`REF` is anything `git rev-parse` accepts), read
    /// from git objects without a checkout. "Tracked" means "in that commit".
    pub fn at_commit(&self, rev: &str) -> Result<Workspace, Error> {
        let git_dir =
            self.git_dir.as_ref().ok_or_else(|| Error::Usage("--since needs a git repository".into()))?;
        let repo = git2::Repository::open(git_dir).map_err(|e| Error::Git(e.message().to_string()))?;
        let oid =
            repo.revparse_single(rev).and_then(|o| o.peel_to_commit()).map(|c| c.id()).map_err(|e| {
                Error::Usage(format!("`{rev}` is not a commit in this repository: {}", e.message()))
            })?;
        Self::from_commit(repo, oid, self.root.clone(), self.reads.clone())
    }

    /// The workspace holding one commit's tree (counting its reads with `reads`).
    fn from_commit(
        repo: git2::Repository,
        oid: git2::Oid,
        root: PathBuf,
        reads: Reads,
    ) -> Result<Workspace, Error> {
        let git_err = |e: git2::Error| Error::Git(e.message().to_string());
        let mut blobs = BTreeMap::new();
        {
            let tree = repo.find_commit(oid).and_then(|c| c.tree()).map_err(git_err)?;
            tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(git2::ObjectType::Blob)
                    && let Ok(name) = entry.name()
                {
                    blobs.insert(format!("{dir}{name}"), entry.id());
                }
                git2::TreeWalkResult::Ok
            })
            .map_err(git_err)?;
        }
        let git_dir = Some(repo.path().to_path_buf());
        Ok(Workspace {
            root,
            tracked: None,
            untracked: Untracked::known(BTreeSet::new()),
            contents: Contents::Blobs { repo, blobs },
            git_dir,
            overrides: BTreeMap::new(),
            reads,
        })
    }

    /// An empty workspace over this repository's objects, to be moved from commit to commit
    /// with [`Workspace::advance`] (`--history`).
    pub fn history_start(&self) -> Result<Workspace, Error> {
        let git_dir =
            self.git_dir.as_ref().ok_or_else(|| Error::Usage("--history needs a git repository".into()))?;
        let repo = git2::Repository::open(git_dir).map_err(|e| Error::Git(e.message().to_string()))?;
        super::treediff::read_objects_once();
        Ok(Workspace {
            root: self.root.clone(),
            tracked: None,
            untracked: Untracked::known(BTreeSet::new()),
            contents: Contents::Blobs { repo, blobs: BTreeMap::new() },
            git_dir: Some(git_dir.clone()),
            overrides: BTreeMap::new(),
            reads: self.reads.clone(),
        })
    }

    /// Moves a workspace read from git objects to another tree, given the files that differ
    /// (see [`Trees::advance`]). Returns their paths.
    pub fn apply(&mut self, changes: &[Change]) -> Vec<String> {
        let Contents::Blobs { blobs, .. } = &mut self.contents else { return Vec::new() };
        let mut paths = Vec::with_capacity(changes.len());
        for (path, blob) in changes {
            match blob {
                Some(id) => blobs.insert(path.clone(), *id),
                None => blobs.remove(path),
            };
            paths.push(path.clone());
        }
        paths.sort_unstable();
        paths
    }

    /// A reader of this repository's trees and blobs that another thread can own.
    pub fn trees(&self) -> Result<Trees, Error> {
        let git_dir =
            self.git_dir.as_ref().ok_or_else(|| Error::Usage("--history needs a git repository".into()))?;
        Trees::open(git_dir, self.reads.clone())
    }

    /// The count of files this workspace (and its readers) read.
    pub fn reads(&self) -> Reads {
        self.reads.clone()
    }

    /// Every commit reachable from HEAD, oldest first (parents before children).
    pub fn history(&self) -> Result<Vec<CommitInfo>, Error> {
        let git_dir =
            self.git_dir.as_ref().ok_or_else(|| Error::Usage("--history needs a git repository".into()))?;
        let git_err = |e: git2::Error| Error::Git(e.message().to_string());
        let repo = git2::Repository::open(git_dir).map_err(git_err)?;
        let mut walk = repo.revwalk().map_err(git_err)?;
        walk.push_head().map_err(git_err)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(git_err)?;
        let mut out = Vec::new();
        for oid in walk {
            let oid = oid.map_err(git_err)?;
            let commit = repo.find_commit(oid).map_err(git_err)?;
            let summary = commit.summary().ok().flatten().unwrap_or_default().to_string();
            out.push(CommitInfo { id: oid.to_string(), summary, tree: commit.tree_id() });
        }
        Ok(out)
    }

    /// The blob id of a file, when the contents come from git.
    pub fn blob(&self, rel: &str) -> Option<git2::Oid> {
        match &self.contents {
            Contents::Blobs { blobs, .. } => blobs.get(rel).copied(),
            Contents::Disk => None,
        }
    }

    /// Every file the run may consider, relative to the root: tracked ones, then the others.
    pub fn files(&self) -> impl Iterator<Item = &String> {
        let blobs = match &self.contents {
            Contents::Blobs { blobs, .. } => Some(blobs.keys()),
            Contents::Disk => None,
        };
        let tracked = self.tracked.iter().flatten().chain(blobs.into_iter().flatten());
        let others = self
            .untracked
            .get()
            .iter()
            .filter(move |f| self.tracked.as_ref().is_none_or(|t| !t.contains(*f)));
        tracked.chain(others)
    }

    /// The files git tracks, available before untracked ones are known (empty outside git
    /// and when contents come from git objects).
    pub fn tracked_files(&self) -> impl Iterator<Item = &String> {
        self.tracked.iter().flatten()
    }

    /// True when git tracks this file, or any file under this folder.
    pub fn is_tracked(&self, rel: &str) -> bool {
        let prefix = format!("{}/", rel.trim_end_matches('/'));
        match (&self.tracked, &self.contents) {
            (Some(t), _) => {
                t.contains(rel) || t.range(prefix.clone()..).next().is_some_and(|p| p.starts_with(&prefix))
            }
            (None, Contents::Blobs { blobs, .. }) => {
                blobs.contains_key(rel)
                    || blobs.range(prefix.clone()..).next().is_some_and(|(p, _)| p.starts_with(&prefix))
            }
            (None, Contents::Disk) => false,
        }
    }

    /// True when the workspace knows whether files are tracked (it is a git repository).
    pub fn has_git(&self) -> bool {
        self.tracked.is_some() || matches!(self.contents, Contents::Blobs { .. })
    }

    /// Makes `read` return `text` for `rel` (the fix engine's view of a pending edit).
    pub fn set_override(&mut self, rel: &str, text: String) {
        self.overrides.insert(rel.to_string(), text);
    }

    /// True when the run may read this file as part of the repository: git tracks it (or the
    /// index or commit read holds it), or the walk found it untracked and not ignored. An
    /// ignored file (a local `.env`) is never one: results must not depend on whose machine
    /// runs the lint.
    pub fn holds(&self, rel: &str) -> bool {
        if self.overrides.contains_key(rel) {
            return true;
        }
        match &self.contents {
            Contents::Blobs { blobs, .. } => blobs.contains_key(rel),
            Contents::Disk => {
                self.tracked.as_ref().is_some_and(|t| t.contains(rel)) && self.root.join(rel).is_file()
                    || self.untracked.get().contains(rel)
            }
        }
    }

    /// True when the path exists as a file in this workspace (on disk, or in the index).
    pub fn exists(&self, rel: &str) -> bool {
        if self.overrides.contains_key(rel) {
            return true;
        }
        match &self.contents {
            Contents::Disk => self.root.join(rel).is_file(),
            Contents::Blobs { blobs, .. } => blobs.contains_key(rel),
        }
    }

    /// A reader that other threads can share: each calls [`SharedReader::for_thread`] once.
    pub fn shared_reader(&self) -> SharedReader<'_> {
        let blobs = match &self.contents {
            Contents::Blobs { repo, blobs } => Some((repo.path(), blobs)),
            Contents::Disk => None,
        };
        SharedReader {
            disk: DiskReader { root: &self.root, overrides: &self.overrides },
            blobs,
            reads: &self.reads,
        }
    }

    /// Reads a file's bytes, refusing anything over [`MAX_FILE_BYTES`].
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        self.reads.bump();
        match &self.contents {
            Contents::Disk => DiskReader { root: &self.root, overrides: &self.overrides }.read(rel),
            _ if self.overrides.contains_key(rel) => Ok(self.overrides[rel].as_bytes().to_vec()),
            Contents::Blobs { repo, blobs } => read_blob(repo, blobs, rel),
        }
    }

    /// Turns a user-given path into one relative to the root, if it lies inside it.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let abs =
            if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
        let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
        abs.strip_prefix(&self.root).ok().map(to_slash)
    }
}

/// Reads files for several threads, from disk or from git objects.
pub struct SharedReader<'a> {
    disk: DiskReader<'a>,
    blobs: Option<(&'a Path, &'a BTreeMap<String, git2::Oid>)>,
    reads: &'a Reads,
}

impl SharedReader<'_> {
    /// A reader for one thread: a repository handle of its own when reading git objects
    /// (libgit2 handles are not shared between threads).
    pub fn for_thread(&self) -> ThreadReader<'_> {
        let repo = self.blobs.map(|(dir, _)| git2::Repository::open(dir));
        ThreadReader { shared: self, repo }
    }
}

/// One thread's reader.
pub struct ThreadReader<'a> {
    shared: &'a SharedReader<'a>,
    repo: Option<Result<git2::Repository, git2::Error>>,
}

impl ThreadReader<'_> {
    /// Reads a file's bytes, refusing anything over [`MAX_FILE_BYTES`].
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        self.shared.reads.bump();
        match (&self.repo, self.shared.blobs) {
            (Some(repo), Some((_, blobs))) => {
                if let Some(text) = self.shared.disk.overrides.get(rel) {
                    return Ok(text.as_bytes().to_vec());
                }
                let repo = repo.as_ref().map_err(|e| ReadError::Io(e.message().to_string()))?;
                read_blob(repo, blobs, rel)
            }
            _ => self.shared.disk.read(rel),
        }
    }
}

fn read_blob(
    repo: &git2::Repository,
    blobs: &BTreeMap<String, git2::Oid>,
    rel: &str,
) -> Result<Vec<u8>, ReadError> {
    let oid = blobs.get(rel).ok_or(ReadError::Missing)?;
    let blob = repo.find_blob(*oid).map_err(|e| ReadError::Io(e.message().to_string()))?;
    if blob.size() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(blob.size() as u64));
    }
    Ok(blob.content().to_vec())
}
