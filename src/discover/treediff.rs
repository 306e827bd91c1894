//! The files whose blobs differ between two trees of a repository, read folder by folder: a
//! folder whose tree id is the same on both sides is skipped, as `git diff-tree` skips it, so
//! the cost follows the change, not the size of the tree.

use std::collections::{HashMap, HashSet};

use git2::{ObjectType, Oid, Repository};

use super::read::{MAX_FILE_BYTES, ReadError, Reads};
use crate::error::Error;

/// A commit of [`super::Workspace::history`].
pub struct CommitInfo {
    /// Its id, in hex.
    pub id: String,
    /// The first line of its message.
    pub summary: String,
    /// Its tree.
    pub(super) tree: git2::Oid,
}

/// A file that differs between two trees: its path, and its new blob (`None`: deleted).
pub(crate) type Change = (String, Option<Oid>);

/// Tells libgit2 to read objects as `git log` does: without hashing each again (only `fsck`
/// checks them; that would cost as much as reading them), and without its object cache (each
/// tree and blob is read once: the cache would only fill up, and take time to empty).
pub(super) fn read_objects_once() {
    git2::opts::strict_hash_verification(false);
    git2::opts::enable_caching(true);
}

/// Reads a repository's history tree by tree: owned by one thread (`--history` reads git on
/// one core while the model works on the other).
pub struct Trees {
    repo: Repository,
    memo: TreeMemo,
    tree: Option<Oid>,
    /// The workspace's count of files read.
    reads: Reads,
}

impl Trees {
    pub(super) fn open(git_dir: &std::path::Path, reads: Reads) -> Result<Trees, Error> {
        let repo = Repository::open(git_dir).map_err(|e| Error::Git(e.message().to_string()))?;
        read_objects_once();
        Ok(Trees { repo, memo: TreeMemo::default(), tree: None, reads })
    }

    /// The files that differ between the tree it is at (at first, none) and `commit`'s, which
    /// it moves to.
    pub fn advance(&mut self, commit: &CommitInfo) -> Result<Vec<Change>, Error> {
        let changes = self
            .memo
            .diff(&self.repo, self.tree, commit.tree)
            .map_err(|e| Error::Git(e.message().to_string()))?;
        self.tree = Some(commit.tree);
        Ok(changes)
    }

    /// A blob's bytes, refusing anything over [`MAX_FILE_BYTES`].
    pub fn read(&self, blob: Oid) -> Result<Vec<u8>, ReadError> {
        self.reads.bump();
        let blob = self.repo.find_blob(blob).map_err(|e| ReadError::Io(e.message().to_string()))?;
        if blob.size() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(blob.size() as u64));
        }
        Ok(blob.content().to_vec())
    }
}

/// One entry of a tree: name, id, kind.
type Entry = (Vec<u8>, Oid, Option<ObjectType>);

/// What an entry is on one side: its id and kind.
type Side = Option<(Oid, Option<ObjectType>)>;

/// The trees the last comparison read on its new side. `--history` compares each commit with
/// the one before, so they are the next comparison's old side, which is not read again.
#[derive(Default)]
struct TreeMemo {
    last: HashMap<Oid, Vec<Entry>>,
}

impl TreeMemo {
    /// `(path, new blob, or None when deleted)` for every file that differs between `old` (no
    /// tree: empty) and `new`. Submodules (commits) are not files.
    fn diff(&mut self, repo: &Repository, old: Option<Oid>, new: Oid) -> Result<Vec<Change>, git2::Error> {
        let mut walk = Walk { repo, last: &self.last, read: HashMap::new(), out: Vec::new() };
        walk.compare(old, Some(new), "")?;
        let Walk { read, out, .. } = walk;
        self.last = read;
        Ok(out)
    }
}

struct Walk<'a> {
    repo: &'a Repository,
    last: &'a HashMap<Oid, Vec<Entry>>,
    read: HashMap<Oid, Vec<Entry>>,
    out: Vec<Change>,
}

impl Walk<'_> {
    fn entries(&self, id: Oid) -> Result<Vec<Entry>, git2::Error> {
        let tree = self.repo.find_tree(id)?;
        Ok(tree.iter().map(|e| (e.name_bytes().to_vec(), e.id(), e.kind())).collect())
    }

    /// Compares two folders (either may be absent) at `prefix`.
    fn compare(&mut self, old: Option<Oid>, new: Option<Oid>, prefix: &str) -> Result<(), git2::Error> {
        if old == new {
            return Ok(());
        }
        let old_read;
        let old_entries: &[Entry] = match old {
            Some(id) => match self.last.get(&id) {
                Some(known) => known,
                None => {
                    old_read = self.entries(id)?;
                    &old_read
                }
            },
            None => &[],
        };
        let new_entries = match new {
            Some(id) => self.entries(id)?,
            None => Vec::new(),
        };
        let before: HashMap<&[u8], (Oid, Option<ObjectType>)> =
            old_entries.iter().map(|(n, id, k)| (n.as_slice(), (*id, *k))).collect();
        let after: HashSet<&[u8]> = new_entries.iter().map(|(n, _, _)| n.as_slice()).collect();
        for (name, id, kind) in &new_entries {
            self.entry(prefix, name, before.get(name.as_slice()).copied(), Some((*id, *kind)))?;
        }
        for (name, id, kind) in old_entries {
            if !after.contains(name.as_slice()) {
                self.entry(prefix, name, Some((*id, *kind)), None)?;
            }
        }
        if let Some(id) = new {
            self.read.insert(id, new_entries);
        }
        Ok(())
    }

    /// One name, whatever it was before and is now: a folder is compared (or emptied), a file
    /// is changed (or deleted).
    fn entry(&mut self, prefix: &str, name: &[u8], was: Side, now: Side) -> Result<(), git2::Error> {
        if was == now {
            return Ok(());
        }
        // Git allows any bytes in a name; a path that is not UTF-8 is not one minipaas reads.
        let Ok(name) = std::str::from_utf8(name) else { return Ok(()) };
        let path = format!("{prefix}{name}");
        let of = |side: Side, kind: ObjectType| side.filter(|s| s.1 == Some(kind)).map(|s| s.0);
        let (old_tree, new_tree) = (of(was, ObjectType::Tree), of(now, ObjectType::Tree));
        if old_tree.is_some() || new_tree.is_some() {
            self.compare(old_tree, new_tree, &format!("{path}/"))?;
        }
        let new_blob = of(now, ObjectType::Blob);
        if new_blob.is_some() || of(was, ObjectType::Blob).is_some() {
            self.out.push((path, new_blob));
        }
        Ok(())
    }
}
