//! Writing files safely: a repository-wide lock so concurrent runs (pre-commit runs hooks in
//! parallel) never lose an edit, atomic replacement (temp file in the same folder, fsync,
//! rename, mode and owner kept) so a file is always either its old or its new content, and
//! all-or-nothing across files: every temporary file is ready before the first rename, and a
//! rename that fails puts back the files already replaced. A crash between two renames is the
//! one way to leave a mix; a journal in `.git/` records the write first (each file's old text),
//! and the next run that takes the lock undoes it: every file is then as it was before the
//! interrupted run (or as someone changed it since), and that run can simply be run again.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::discover::Workspace;
use crate::error::Error;

/// Held while a run reads, fixes and writes; released on drop.
pub(crate) struct RepoLock {
    _file: File,
    /// What undoing an earlier run's interrupted write did, a line per file (to print).
    pub(crate) recovered: Vec<String>,
}

/// Where the lock (`<stem>.lock`) and the journal (`<stem>-journal/`) live: in the git
/// directory, else in the temp folder keyed by the root.
fn state_path(ws: &Workspace, suffix: &str) -> PathBuf {
    match &ws.git_dir {
        Some(git) => git.join(format!("minipaas{suffix}")),
        None => {
            // FNV-1a: stable across builds, unlike the standard hasher.
            let hash =
                ws.root.to_string_lossy().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
            std::env::temp_dir().join(format!("minipaas-{hash:016x}{suffix}"))
        }
    }
}

/// The journal lives in the git directory only: a predictable folder in a shared temp
/// directory is one another local user could plant a journal in. Outside git, a crash between
/// two renames is reported by nothing (each file is still whole, old or new).
fn journal_dir(ws: &Workspace) -> Option<PathBuf> {
    ws.git_dir.as_ref().map(|git| git.join("minipaas-journal"))
}

/// Takes the workspace's write lock, waiting for another run to finish; then undoes a
/// multi-file write an earlier run was interrupted in, if there is one.
pub(crate) fn lock(ws: &Workspace) -> Result<RepoLock, Error> {
    let path = state_path(ws, ".lock");
    let fail = |e: std::io::Error| Error::Write {
        path: path.clone(),
        message: format!("cannot take the lock: {e}"),
    };
    let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(fail)?;
    file.lock().map_err(fail)?;
    let recovered = match journal_dir(ws) {
        Some(dir) => recover(&ws.root, &dir)?,
        None => Vec::new(),
    };
    Ok(RepoLock { _file: file, recovered })
}

/// True when an earlier run's multi-file write was interrupted and is not undone yet (the
/// next run that takes the lock undoes it).
pub(crate) fn interrupted(ws: &Workspace) -> bool {
    journal_dir(ws).is_some_and(|d| d.join(JOURNAL).exists())
}

const JOURNAL: &str = "journal.json";

/// One file of a multi-file write: enough to tell its state and to undo it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    /// Path relative to the root.
    path: String,
    /// SHA-256 of the old and new texts.
    before: String,
    after: String,
    /// The temporary file prepared beside it (left behind by a crash).
    tmp: PathBuf,
}

fn sha(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Records a write before its first rename: the old texts (`<n>.old`, readable by the owner
/// only) and, last, the list (`journal.json`, renamed into place, so it exists only whole).
fn record(dir: &Path, changes: &[(&str, &str, &str)], prepared: &[Prepared]) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let _ = std::fs::remove_dir_all(dir);
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let mut entries = Vec::new();
    for (i, ((rel, before, after), p)) in changes.iter().zip(prepared).enumerate() {
        let mut f =
            File::options().write(true).create_new(true).mode(0o600).open(dir.join(format!("{i}.old")))?;
        f.write_all(before.as_bytes())?;
        f.sync_all()?;
        entries.push(Entry {
            path: rel.to_string(),
            before: sha(before),
            after: sha(after),
            tmp: p.tmp.path().to_path_buf(),
        });
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(&mut tmp, &entries).map_err(std::io::Error::other)?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(JOURNAL)).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// Undoes the write a journal records: each file that has its new text gets its old one back;
/// one that still has its old text, or that changed since, is left as it is. Undoing, not
/// finishing: a run interrupted half-way never completes behind the user's back (who may have
/// put files back by hand since), and running the command again redoes it whole, verified.
/// Returns what happened to each file.
fn recover(root: &Path, dir: &Path) -> Result<Vec<String>, Error> {
    let list = dir.join(JOURNAL);
    let text = match std::fs::read_to_string(&list) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A journal folder without its list: the write never started renaming.
            let _ = std::fs::remove_dir_all(dir);
            return Ok(Vec::new());
        }
        Err(e) => return Err(journal_error(dir, &e.to_string())),
    };
    let entries: Vec<Entry> =
        serde_json::from_str(&text).map_err(|e| journal_error(dir, &format!("it cannot be read ({e})")))?;
    // Nothing in it is trusted: each path must be a relative path inside the root, each
    // temporary file one minipaas names beside its target, each new text the one recorded.
    for e in &entries {
        let rel = Path::new(&e.path);
        let inside = rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        let tmp_ok = e.tmp.parent() == root.join(rel).parent()
            && e.tmp
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".minipaas-") && n.ends_with(".tmp"));
        if !inside || e.path.is_empty() || !tmp_ok {
            return Err(journal_error(
                dir,
                &format!("it names `{}`, which is not a file it could have written", e.path),
            ));
        }
    }
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let _ = std::fs::remove_file(&e.tmp);
        let now = std::fs::read_to_string(root.join(&e.path)).ok().map(|t| sha(&t));
        let state = if now.as_deref() == Some(e.before.as_str()) {
            "had its old text".to_string()
        } else if now.as_deref() == Some(e.after.as_str()) {
            let old = std::fs::read_to_string(dir.join(format!("{i}.old")))
                .ok()
                .filter(|t| sha(t) == e.before)
                .ok_or_else(|| {
                    journal_error(dir, &format!("the old text of {} is missing or altered", e.path))
                })?;
            write_atomic(root, &e.path, &old).map_err(|err| journal_error(dir, &err.to_string()))?;
            "got its old text back".to_string()
        } else {
            "changed since; left as it is".to_string()
        };
        out.push(format!(
            "undid a write an earlier run was interrupted in (run it again to redo it): {}: {state}",
            e.path
        ));
    }
    std::fs::remove_dir_all(dir).map_err(|e| journal_error(dir, &e.to_string()))?;
    Ok(out)
}

/// Why the journal of an interrupted write cannot be undone, and how to go on without it.
fn journal_error(dir: &Path, why: &str) -> Error {
    Error::Write {
        path: dir.to_path_buf(),
        message: format!(
            "the journal of a write an earlier run was interrupted in cannot be undone: {why}; check the files it names (journal.json) and remove the folder to go on"
        ),
    }
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
/// their old text back, and the error says which files hold which. Several files are recorded
/// in the workspace's journal first, so a crash between renames is undone by the next run.
/// The lock must be held: the journal it writes is the lock's to undo.
pub(crate) fn write_all(
    ws: &Workspace,
    _lock: &RepoLock,
    changes: &[(&str, &str, &str)],
) -> Result<(), Error> {
    let journal = if changes.len() > 1 { journal_dir(ws) } else { None };
    write_journaled(&ws.root, journal.as_deref(), changes)
}

fn write_journaled(root: &Path, journal: Option<&Path>, changes: &[(&str, &str, &str)]) -> Result<(), Error> {
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
    if let Some(dir) = journal {
        record(dir, changes, &prepared).map_err(|e| Error::Write {
            path: dir.to_path_buf(),
            message: format!("cannot record the write in its journal: {e}; no file was changed"),
        })?;
    }
    let forget = || {
        if let Some(dir) = journal {
            let _ = std::fs::remove_dir_all(dir);
        }
    };
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
            // With files stuck at the new text, the journal stays: the next run undoes it.
            let state = if stuck.is_empty() {
                forget();
                "no file was changed (the files already replaced were put back)".to_string()
            } else {
                format!(
                    "these files hold the new text and could not be put back: {}; the others are unchanged{}",
                    stuck.join(", "),
                    if journal.is_some() { " (the next run that takes the lock puts them back)" } else { "" }
                )
            };
            return Err(Error::Write { path: root.join(&rel), message: format!("{message}; {state}") });
        }
        done.push(changes.iter().find(|(r, ..)| *r == rel).map_or("", |(r, ..)| *r));
    }
    forget();
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
        let err = write_journaled(dir.path(), None, &changes).unwrap_err().to_string();
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
        assert!(write_journaled(dir.path(), None, &changes).is_err());
        assert_eq!(std::fs::read_to_string(dir.path().join("a.yml")).unwrap(), "old a");
        // And when everything can be written, everything is.
        let changes = [("a.yml", "old a", "new a"), ("c.yml", "old c", "new c")];
        write_journaled(dir.path(), None, &changes).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("c.yml")).unwrap(), "new c");
    }

    #[test]
    fn a_write_interrupted_between_renames_is_undone_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let journal = root.join(".git/minipaas-journal");
        for (f, t) in [("a.yml", "old a"), ("b.yml", "old b"), ("c.yml", "old c")] {
            std::fs::write(root.join(f), t).unwrap();
        }
        let changes = [("a.yml", "old a", "new a"), ("b.yml", "old b", "new b"), ("c.yml", "old c", "new c")];
        // The write up to its second rename, then a crash: `c.yml` is still old, and `b.yml`
        // is edited by hand before the next run.
        let mut prepared: Vec<Prepared> =
            changes.iter().map(|(r, _, a)| prepare(root, r, a).unwrap()).collect();
        record(&journal, &changes, &prepared).unwrap();
        commit(prepared.remove(0)).unwrap();
        commit(prepared.remove(0)).unwrap();
        let tmps: Vec<PathBuf> = prepared.iter().map(|p| p.tmp.path().to_path_buf()).collect();
        for p in prepared {
            // A crash leaves the temporary files behind.
            p.tmp.keep().unwrap();
        }
        std::fs::write(root.join("b.yml"), "by hand").unwrap();
        let notes = recover(root, &journal).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("a.yml")).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(root.join("b.yml")).unwrap(), "by hand");
        assert_eq!(std::fs::read_to_string(root.join("c.yml")).unwrap(), "old c");
        let said = notes.join("\n");
        assert!(said.contains("a.yml: got its old text back"), "{said}");
        assert!(said.contains("b.yml: changed since; left as it is"), "{said}");
        assert!(said.contains("c.yml: had its old text"), "{said}");
        assert!(!journal.exists() && tmps.iter().all(|t| !t.exists()));
        // Nothing to undo: nothing is said.
        assert!(recover(root, &journal).unwrap().is_empty());
        // A completed write leaves no journal behind.
        write_journaled(root, Some(&journal), &[("a.yml", "old a", "x"), ("b.yml", "by hand", "y")]).unwrap();
        assert!(!journal.exists());
    }

    #[test]
    fn a_journal_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let journal = root.join(".git/minipaas-journal");
        std::fs::create_dir_all(&journal).unwrap();
        std::fs::write(root.join("keep.txt"), "precious").unwrap();
        std::fs::write(root.join("c.yml"), "new").unwrap();
        let plant = |path: &str, tmp: &Path, old: &str| {
            let entry =
                serde_json::json!([{ "path": path, "before": sha(old), "after": sha("new"), "tmp": tmp }]);
            std::fs::write(journal.join(JOURNAL), entry.to_string()).unwrap();
            std::fs::write(journal.join("0.old"), old).unwrap();
        };
        // A temporary file that is not one minipaas makes beside its target is never deleted.
        plant("c.yml", &root.join("keep.txt"), "old");
        assert!(recover(root, &journal).is_err());
        assert!(root.join("keep.txt").exists());
        // Paths outside the root are refused.
        for path in ["../x.yml", "/etc/passwd", ""] {
            plant(path, &root.join(".minipaas-1.tmp"), "old");
            let err = recover(root, &journal).unwrap_err().to_string();
            assert!(err.contains("remove the folder"), "{err}");
        }
        // An old text that does not match the journal's hash is not written.
        plant("c.yml", &root.join(".minipaas-1.tmp"), "old");
        std::fs::write(journal.join("0.old"), "image: evil/backdoor").unwrap();
        assert!(recover(root, &journal).is_err());
        assert_eq!(std::fs::read_to_string(root.join("c.yml")).unwrap(), "new");
    }

    #[test]
    fn keeps_the_owner_when_run_as_root() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("compose.yaml");
        std::fs::write(&p, "old").unwrap();
        // Only root can hand a file to someone else; anyone else writes files as themselves.
        if std::fs::metadata(&p).unwrap().uid() != 0 {
            return;
        }
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
        write_atomic(dir.path(), "compose.yaml", "new").unwrap();
        let meta = std::fs::metadata(&p).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
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
