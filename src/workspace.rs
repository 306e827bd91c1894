//! Where files come from: a git work tree (the index plus untracked, not-ignored files), the
//! git index itself (`--staged`), or a plain folder walked the way git would.
//!
//! Every path the rest of the crate sees is relative to the workspace root and uses `/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use crate::error::Error;

/// Words in the names of every file the project may find by name: Compose files,
/// manifests, the configuration. A superset: the project loader matches names exactly.
const INTEREST: &[&str] = &["*compose*", "*stack*", "*minipaas*"];

/// Files bigger than this are reported, not read: no Compose file is anywhere near it.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

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
}

/// Files git does not track, from a walk that may still be running: the index answers
/// "which files are tracked" several times faster than the work tree can be walked, so a run
/// starts reading tracked files while the walk goes on.
struct Untracked {
    found: OnceLock<BTreeSet<String>>,
    walk: Mutex<Option<JoinHandle<Vec<String>>>>,
}

impl Untracked {
    fn known(found: BTreeSet<String>) -> Untracked {
        Untracked { found: OnceLock::from(found), walk: Mutex::new(None) }
    }

    /// Starts [`interesting_files`] on its own thread (or runs it here if none can start).
    fn walk(root: &Path, extra: &[String]) -> Untracked {
        let job = (root.to_path_buf(), extra.to_vec());
        match std::thread::Builder::new().name("walk".into()).spawn(move || interesting_files(&job.0, &job.1))
        {
            Ok(handle) => Untracked { found: OnceLock::new(), walk: Mutex::new(Some(handle)) },
            Err(_) => Untracked::known(interesting_files(root, extra).into_iter().collect()),
        }
    }

    /// The files, waiting for the walk the first time.
    fn get(&self) -> &BTreeSet<String> {
        self.found.get_or_init(|| {
            let handle = self.walk.lock().ok().and_then(|mut w| w.take());
            handle.and_then(|h| h.join().ok()).unwrap_or_default().into_iter().collect()
        })
    }
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not there (or not in the index).
    Missing,
    /// Over [`MAX_FILE_BYTES`].
    TooLarge(u64),
    /// Any other I/O or git failure.
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("no such file"),
            ReadError::TooLarge(n) => {
                write!(f, "file is too large ({n} bytes; the limit is {MAX_FILE_BYTES})")
            }
            ReadError::Io(e) => f.write_str(e),
        }
    }
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
            if entry.file_type().is_some_and(|t| t.is_file())
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
        }
    }

    fn from_git(repo: git2::Repository, staged: bool, extra: &[String]) -> Result<Workspace, Error> {
        let git_err = |e: git2::Error| Error::Git(e.message().to_string());
        let root = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        // Untracked files are looked for (on another thread) while the index is read: directly
        // when the format allows (no checksum pass), else through libgit2.
        let (git_dir, common_dir) = (repo.path().to_path_buf(), repo.commondir().to_path_buf());
        let untracked =
            if staged { Untracked::known(BTreeSet::new()) } else { Untracked::walk(&root, extra) };
        let index = match crate::gitindex::read(&git_dir, &common_dir) {
            Some(entries) => Ok(entries),
            // libgit2 does not read split indexes; git does.
            None => index_with_libgit2(&repo).or_else(|e| index_with_git_cli(&root).ok_or(e)),
        };
        let entries = index.map_err(git_err)?.into_iter();
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
        Self::from_commit(repo, oid, self.root.clone())
    }

    /// The workspace holding one commit's tree.
    fn from_commit(repo: git2::Repository, oid: git2::Oid, root: PathBuf) -> Result<Workspace, Error> {
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
        })
    }

    /// Every commit reachable from HEAD, oldest first, with its workspace (built lazily).
    pub fn history(&self) -> Result<Vec<(String, String)>, Error> {
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
            out.push((oid.to_string(), summary));
        }
        Ok(out)
    }

    /// The workspace of one commit of [`Workspace::history`].
    pub fn commit(&self, id: &str) -> Result<Workspace, Error> {
        self.at_commit(id)
    }

    /// The blob id of a file, when the contents come from git.
    pub fn blob_id(&self, rel: &str) -> Option<String> {
        match &self.contents {
            Contents::Blobs { blobs, .. } => blobs.get(rel).map(|o| o.to_string()),
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

    /// A reader that other threads can use, when contents come from disk.
    pub fn disk_reader(&self) -> Option<DiskReader<'_>> {
        matches!(self.contents, Contents::Disk)
            .then_some(DiskReader { root: &self.root, overrides: &self.overrides })
    }

    /// Reads a file's bytes, refusing anything over [`MAX_FILE_BYTES`].
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        match &self.contents {
            Contents::Disk => DiskReader { root: &self.root, overrides: &self.overrides }.read(rel),
            _ if self.overrides.contains_key(rel) => Ok(self.overrides[rel].as_bytes().to_vec()),
            Contents::Blobs { repo, blobs } => {
                let oid = blobs.get(rel).ok_or(ReadError::Missing)?;
                let blob = repo.find_blob(*oid).map_err(|e| ReadError::Io(e.message().to_string()))?;
                if blob.size() as u64 > MAX_FILE_BYTES {
                    return Err(ReadError::TooLarge(blob.size() as u64));
                }
                Ok(blob.content().to_vec())
            }
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

/// Reads files for several threads: see [`Workspace::shared_reader`].
pub struct SharedReader<'a> {
    disk: DiskReader<'a>,
    blobs: Option<(&'a Path, &'a BTreeMap<String, git2::Oid>)>,
}

impl SharedReader<'_> {
    /// A reader for one thread.
    pub fn for_thread(&self) -> ThreadReader<'_> {
        let repo = self.blobs.and_then(|(dir, _)| git2::Repository::open(dir).ok());
        ThreadReader { shared: self, repo }
    }
}

/// One thread's reader (with its own repository handle when reading blobs).
pub struct ThreadReader<'a> {
    shared: &'a SharedReader<'a>,
    repo: Option<git2::Repository>,
}

impl ThreadReader<'_> {
    /// Reads a file's bytes, refusing anything over [`MAX_FILE_BYTES`].
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        let Some((_, blobs)) = self.shared.blobs else { return self.shared.disk.read(rel) };
        if let Some(text) = self.shared.disk.overrides.get(rel) {
            return Ok(text.as_bytes().to_vec());
        }
        let repo = self.repo.as_ref().ok_or_else(|| ReadError::Io("cannot open the repository".into()))?;
        let oid = blobs.get(rel).ok_or(ReadError::Missing)?;
        let blob = repo.find_blob(*oid).map_err(|e| ReadError::Io(e.message().to_string()))?;
        if blob.size() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(blob.size() as u64));
        }
        Ok(blob.content().to_vec())
    }
}

/// Reads files under a root (with pending overrides); shareable across threads.
pub struct DiskReader<'a> {
    root: &'a Path,
    overrides: &'a BTreeMap<String, String>,
}

impl DiskReader<'_> {
    /// Reads a file's bytes, refusing anything over [`MAX_FILE_BYTES`].
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        if let Some(text) = self.overrides.get(rel) {
            return Ok(text.as_bytes().to_vec());
        }
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.root.join(rel);
        // One path lookup for the common case (as `cat` does): no-follow, so a link takes the
        // checked way below; non-blocking, so a FIFO is refused by the type test, not waited on.
        let file = match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => self.check_link(&path)?,
            Err(e) => return Err(io_error(e)),
        };
        let meta = file.metadata().map_err(io_error)?;
        if !meta.is_file() {
            return Err(ReadError::Io("not a regular file".into()));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(meta.len()));
        }
        // The size just read says how much to read: one read call in the common case, not a
        // second one to see the end (system calls are most of the cost of reading a small
        // file). A file that changes meanwhile is read as far as that size.
        let mut file = file;
        if meta.len() == 0 {
            // Some file systems report no size for files that have content.
            let mut bytes = Vec::new();
            file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io_error)?;
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return Err(ReadError::TooLarge(bytes.len() as u64));
            }
            return Ok(bytes);
        }
        let mut bytes = vec![0; usize::try_from(meta.len()).unwrap_or(0)];
        let mut filled = 0;
        while filled < bytes.len() {
            match file.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        bytes.truncate(filled);
        Ok(bytes)
    }

    /// Opens the target of a symbolic link, which may point anywhere: only when it stays
    /// inside the repository.
    fn check_link(&self, path: &Path) -> Result<std::fs::File, ReadError> {
        let target = std::fs::canonicalize(path).map_err(io_error)?;
        let root = std::fs::canonicalize(self.root).unwrap_or_else(|_| self.root.to_path_buf());
        if !target.starts_with(&root) {
            return Err(ReadError::Io("a symbolic link to a file outside the repository; not read".into()));
        }
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&target).map_err(io_error)
    }
}

/// The index's stage-0 entries through libgit2 (which checks the file's checksum).
fn index_with_libgit2(repo: &git2::Repository) -> Result<Vec<crate::gitindex::IndexEntry>, git2::Error> {
    let index = repo.index()?;
    // Stage 0 only: during a merge conflict the other stages are not what is committed.
    Ok(index
        .iter()
        .filter(|e| (e.flags >> 12) & 0x3 == 0)
        .filter_map(|e| {
            Some((String::from_utf8_lossy(&e.path).into_owned(), e.id.as_bytes().try_into().ok()?))
        })
        .collect())
}

/// The index's stage-0 entries as `git ls-files --stage` lists them (for index features that
/// neither the direct reader nor libgit2 handle, such as a split index).
fn index_with_git_cli(root: &Path) -> Option<Vec<crate::gitindex::IndexEntry>> {
    let out = std::process::Command::new("git")
        .args(["ls-files", "--stage", "-z"])
        .current_dir(root)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut entries = Vec::new();
    for record in text.split('\0').filter(|r| !r.is_empty()) {
        let (meta, path) = record.split_once('\t')?;
        let fields: Vec<&str> = meta.split(' ').collect();
        let (oid, stage) = (fields.get(1)?, fields.get(2)?);
        if *stage == "0" {
            let id = git2::Oid::from_str(oid).ok()?;
            entries.push((path.to_string(), id.as_bytes().try_into().ok()?));
        }
    }
    Some(entries)
}

/// Files under `root` that git does not ignore and whose names the project may read
/// (see [`INTEREST`]) or that match `extra`: a parallel walk with the `ignore` crate, which
/// applies git's rules (`.gitignore` at every level, `.git/info/exclude`, `core.excludesFile`)
/// without a `stat` per file, and does not enter nested repositories (submodules).
fn interesting_files(root: &Path, extra: &[String]) -> Vec<String> {
    let mut globs = globset::GlobSetBuilder::new();
    for g in extra {
        if let Ok(glob) = globset::GlobBuilder::new(g).literal_separator(false).build() {
            globs.add(glob);
        }
    }
    let globs = globs.build().unwrap_or_else(|_| globset::GlobSet::empty());
    let words: Vec<memchr::memmem::Finder<'_>> =
        INTEREST.iter().map(|p| memchr::memmem::Finder::new(p.trim_matches('*'))).collect();
    let found = std::sync::Mutex::new(Vec::new());
    // Folders holding a `.git` of their own are other repositories, which git does not look
    // into. Noting them when their `.git` entry turns up, and dropping what was found below
    // them afterwards, costs nothing in the common case, where testing every folder for a
    // `.git` cost one failed stat per folder.
    let nested = std::sync::Arc::new(std::sync::Mutex::new(Vec::<PathBuf>::new()));
    let (root_buf, nested_in) = (root.to_path_buf(), nested.clone());
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .threads(std::thread::available_parallelism().map_or(1, |n| n.get()).min(4))
        .filter_entry(move |e| {
            if e.file_name() != ".git" {
                return true;
            }
            if let Some(dir) = e.path().parent().filter(|d| *d != root_buf) {
                nested_in.lock().map(|mut n| n.push(dir.to_path_buf())).ok();
            }
            false
        })
        .build_parallel()
        .run(|| {
            let found = &found;
            let (root, words, globs) = (root, &words, &globs);
            Box::new(move |entry| {
                if let Ok(entry) = entry
                    && entry.file_type().is_some_and(|t| t.is_file())
                {
                    // Most files are not wanted: decide on the name before splitting the path
                    // into components (which costs more than the whole name test).
                    let name = entry.file_name().as_encoded_bytes();
                    let by_name = words.iter().any(|w| w.find(name).is_some());
                    if (by_name || !globs.is_empty())
                        && let Ok(rel) = entry.path().strip_prefix(root)
                        && (by_name || globs.is_match(rel))
                    {
                        found.lock().map(|mut f| f.push(to_slash(rel))).ok();
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let found = found.into_inner().unwrap_or_default();
    let nested: Vec<String> = match nested.lock() {
        Ok(n) => {
            n.iter().filter_map(|d| d.strip_prefix(root).ok()).map(|d| format!("{}/", to_slash(d))).collect()
        }
        Err(_) => Vec::new(),
    };
    if nested.is_empty() {
        return found;
    }
    found.into_iter().filter(|f| !nested.iter().any(|n| f.starts_with(n.as_str()))).collect()
}

fn io_error(e: std::io::Error) -> ReadError {
    if e.kind() == std::io::ErrorKind::NotFound { ReadError::Missing } else { ReadError::Io(e.to_string()) }
}

/// A relative path with `/` separators.
pub fn to_slash(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Joins `rel` onto the folder `base` (both root-relative) and removes `.` and `..`
/// lexically; `None` when the result would leave the root or `rel` is absolute.
pub fn join_normalized(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The folder part of a root-relative path (`""` for the root).
pub fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside_the_root() {
        assert_eq!(join_normalized("dev", "./a.yml").as_deref(), Some("dev/a.yml"));
        assert_eq!(join_normalized("dev", "../a.yml").as_deref(), Some("a.yml"));
        assert_eq!(join_normalized("dev", "../../etc/passwd"), None);
        assert_eq!(join_normalized("", "x/./y/../z").as_deref(), Some("x/z"));
        assert_eq!(parent("a/b/c.yml"), "a/b");
        assert_eq!(parent("c.yml"), "");
    }
}
