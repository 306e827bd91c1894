//! Writing files safely: a repository-wide lock so concurrent runs (pre-commit runs hooks in
//! parallel) never lose an edit, atomic replacement (temp file in the same folder, fsync,
//! rename, mode and owner kept) so a file is always either its old or its new content, and
//! all-or-nothing across files: every temporary file is ready before the first rename, and a
//! rename that fails puts back the files already replaced.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::discover::Workspace;
use crate::error::Error;

/// Held while a run reads, fixes and writes; released on drop.
pub struct RepoLock {
    _file: File,
}

/// Where the lock lives: in the git directory, else in the temp folder keyed by the root.
fn lock_path(ws: &Workspace) -> PathBuf {
    match &ws.git_dir {
        Some(git) => git.join("minipaas.lock"),
        None => {
            // FNV-1a: stable across builds, unlike the standard hasher.
            let hash =
                ws.root.to_string_lossy().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
            std::env::temp_dir().join(format!("minipaas-{hash:016x}.lock"))
        }
    }
}

/// Takes the workspace's write lock, waiting for another run to finish.
pub fn lock(ws: &Workspace) -> Result<RepoLock, Error> {
    let path = lock_path(ws);
    let fail = |e: std::io::Error| Error::Write {
        path: path.clone(),
        message: format!("cannot take the lock: {e}"),
    };
    let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(RepoLock { _file: file })
}

/// A file's new content, written to a temporary file beside it and not yet renamed over it.
struct Prepared {
    rel: String,
    target: PathBuf,
    tmp: tempfile::NamedTempFile,
}

/// Writes `text` to a temporary file beside `rel` (through a symlink only when its target stays
/// inside the root), with the file's mode and owner, synced: ready to be renamed over it.
fn prepare(root: &Path, rel: &str, text: &str) -> Result<Prepared, String> {
    use std::os::unix::fs::MetadataExt;
    let path = root.join(rel);
    let target = std::fs::canonicalize(&path).map_err(|e| e.to_string())?;
    let real_root = std::fs::canonicalize(root).map_err(|e| e.to_string())?;
    if !target.starts_with(&real_root) {
        return Err("refusing to write: it is a symlink to a file outside the repository".into());
    }
    let dir = target.parent().ok_or("it has no parent folder")?;
    let meta = std::fs::metadata(&target).map_err(|e| e.to_string())?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".minipaas-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file beside it: {e}"))?;
    tmp.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    tmp.as_file().set_permissions(meta.permissions()).map_err(|e| e.to_string())?;
    // Keep the owner (a fix run as root must not hand the file to root); only root may.
    let file_meta = tmp.as_file().metadata().map_err(|e| e.to_string())?;
    if (file_meta.uid(), file_meta.gid()) != (meta.uid(), meta.gid()) {
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    Ok(Prepared { rel: rel.to_string(), target, tmp })
}

/// Renames a prepared file over its target, and makes the rename durable (not every
/// filesystem allows syncing a folder).
fn commit(p: Prepared) -> Result<(), String> {
    let dir = p.target.parent().map(Path::to_path_buf);
    p.tmp.persist(&p.target).map_err(|e| e.error.to_string())?;
    if let Some(d) = dir.and_then(|d| File::open(d).ok()) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Replaces `rel` under `root` with `text` atomically, keeping its mode and owner. A symlink is
/// written through only when its target stays inside the root.
pub fn write_atomic(root: &Path, rel: &str, text: &str) -> Result<(), Error> {
    let fail = |message: String| Error::Write { path: root.join(rel), message };
    commit(prepare(root, rel, text).map_err(fail)?).map_err(fail)
}

/// Writes every file or none: `(path, old text, new text)`. Every new text is ready in a
/// temporary file before the first rename; if a rename fails, the files already replaced get
/// their old text back, and the error says which files hold which.
pub fn write_all(root: &Path, changes: &[(&str, &str, &str)]) -> Result<(), Error> {
    let mut prepared = Vec::new();
    for (rel, _, after) in changes {
        match prepare(root, rel, after) {
            Ok(p) => prepared.push(p),
            Err(message) => {
                return Err(Error::Write {
                    path: root.join(rel),
                    message: format!("{message}; no file was changed"),
                });
            }
        }
    }
    let mut done: Vec<&str> = Vec::new();
    for p in prepared {
        let rel = p.rel.clone();
        if let Err(message) = commit(p) {
            let mut restored = Vec::new();
            let mut stuck = Vec::new();
            for d in &done {
                let old = changes.iter().find(|(r, ..)| r == d).map_or("", |(_, before, _)| *before);
                match prepare(root, d, old).and_then(commit) {
                    Ok(()) => restored.push(*d),
                    Err(_) => stuck.push(*d),
                }
            }
            let state = if stuck.is_empty() {
                "no file was changed (the files already replaced were put back)".to_string()
            } else {
                format!(
                    "these files hold the new text and could not be put back: {}; the others are unchanged",
                    stuck.join(", ")
                )
            };
            return Err(Error::Write { path: root.join(&rel), message: format!("{message}; {state}") });
        }
        done.push(changes.iter().find(|(r, ..)| *r == rel).map_or("", |(r, ..)| *r));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mode_and_replaces_content() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("compose.yaml");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(dir.path(), "compose.yaml", "new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o640);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file left behind");
    }

    #[test]
    fn several_files_are_written_all_or_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yml"), "old a").unwrap();
        std::fs::write(dir.path().join("c.yml"), "old c").unwrap();
        // `b.yml` is a folder: its temporary file is made, but no rename can replace a folder,
        // so the rename fails after `a.yml` was replaced; `a.yml` must get its text back.
        std::fs::create_dir(dir.path().join("b.yml")).unwrap();
        std::fs::write(dir.path().join("b.yml/keep"), "x").unwrap();
        let changes = [("a.yml", "old a", "new a"), ("b.yml", "", "new b"), ("c.yml", "old c", "new c")];
        let err = write_all(dir.path(), &changes).unwrap_err().to_string();
        assert!(err.contains("b.yml") && err.contains("no file was changed"), "{err}");
        assert_eq!(err.matches("cannot write").count(), 1, "said once: {err}");
        assert_eq!(std::fs::read_to_string(dir.path().join("a.yml")).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(dir.path().join("c.yml")).unwrap(), "old c");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "no temporary file left: {names:?}");
        // A file that cannot be prepared (gone): nothing is renamed at all.
        let changes = [("a.yml", "old a", "new a"), ("missing.yml", "", "x")];
        assert!(write_all(dir.path(), &changes).is_err());
        assert_eq!(std::fs::read_to_string(dir.path().join("a.yml")).unwrap(), "old a");
        // And when everything can be written, everything is.
        let changes = [("a.yml", "old a", "new a"), ("c.yml", "old c", "new c")];
        write_all(dir.path(), &changes).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("c.yml")).unwrap(), "new c");
    }

    #[test]
    fn refuses_symlinks_out_of_the_root() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.yaml"), "old").unwrap();
        std::os::unix::fs::symlink(outside.path().join("x.yaml"), dir.path().join("compose.yaml")).unwrap();
        let err = write_atomic(dir.path(), "compose.yaml", "new").unwrap_err();
        assert!(err.to_string().contains("outside the repository"), "{err}");
        assert_eq!(std::fs::read_to_string(outside.path().join("x.yaml")).unwrap(), "old");
    }
}
