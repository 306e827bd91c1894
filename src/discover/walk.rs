//! The walk for files git does not track: parallel, honouring git's ignore rules, keeping
//! only names discovery has a use for ([`super::names::interesting`]) and the `--include` globs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use super::paths::to_slash;

/// Files git does not track, from a walk that may still be running: the index answers
/// "which files are tracked" several times faster than the work tree can be walked, so a run
/// starts reading tracked files while the walk goes on.
pub(super) struct Untracked {
    found: OnceLock<BTreeSet<String>>,
    walk: Mutex<Option<JoinHandle<Vec<String>>>>,
}

impl Untracked {
    pub(super) fn known(found: BTreeSet<String>) -> Untracked {
        Untracked { found: OnceLock::from(found), walk: Mutex::new(None) }
    }

    /// Starts [`interesting_files`] on its own thread (or runs it here if none can start).
    pub(super) fn walk(root: &Path, extra: &[String]) -> Untracked {
        let job = (root.to_path_buf(), extra.to_vec());
        match std::thread::Builder::new().name("walk".into()).spawn(move || interesting_files(&job.0, &job.1))
        {
            Ok(handle) => Untracked { found: OnceLock::new(), walk: Mutex::new(Some(handle)) },
            Err(_) => Untracked::known(interesting_files(root, extra).into_iter().collect()),
        }
    }

    /// The files, waiting for the walk the first time.
    pub(super) fn get(&self) -> &BTreeSet<String> {
        self.found.get_or_init(|| {
            let handle = self.walk.lock().ok().and_then(|mut w| w.take());
            // A panic in the walk is a crash here, never untracked files silently left out.
            let found = handle.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            found.unwrap_or_default().into_iter().collect()
        })
    }
}

/// Files under `root` that git does not ignore and whose names discovery may read
/// (see [`super::names::interesting`]) or that match `extra`: a parallel walk with the `ignore` crate, which
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
        .threads(crate::cores().min(4))
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
            let (root, globs) = (root, &globs);
            Box::new(move |entry| {
                if let Ok(entry) = entry
                    // Not folders or links; a FIFO or socket with a Compose name is kept, so it
                    // is reported as one that cannot be read rather than skipped in silence.
                    && entry.file_type().is_some_and(|t| !t.is_dir() && !t.is_symlink())
                {
                    // Most files are not wanted: decide on the name before splitting the path
                    // into components (which costs more than the whole name test).
                    let name = entry.file_name().as_encoded_bytes();
                    let by_name = super::names::interesting(name);
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
