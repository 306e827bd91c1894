//! Writing files safely: a repository-wide lock so concurrent runs (pre-commit runs hooks in
//! parallel) never lose an edit, and atomic replacement (temp file in the same folder, fsync,
//! rename, mode kept) so a file is always either its old or its new content.

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

/// Replaces `rel` under `root` with `text` atomically, keeping its permissions. A symlink is
/// written through only when its target stays inside the root.
pub fn write_atomic(root: &Path, rel: &str, text: &str) -> Result<(), Error> {
    let path = root.join(rel);
    let fail = |message: String| Error::Write { path: path.clone(), message };
    let target = std::fs::canonicalize(&path).map_err(|e| fail(e.to_string()))?;
    let real_root = std::fs::canonicalize(root).map_err(|e| fail(e.to_string()))?;
    if !target.starts_with(&real_root) {
        return Err(fail("refusing to write: it is a symlink to a file outside the repository".into()));
    }
    let dir = target.parent().ok_or_else(|| fail("has no parent folder".into()))?;
    let permissions = std::fs::metadata(&target).map_err(|e| fail(e.to_string()))?.permissions();
    let mut tmp = tempfile::Builder::new()
        .prefix(".minipaas-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail(format!("cannot create a temporary file: {e}")))?;
    tmp.write_all(text.as_bytes()).map_err(|e| fail(e.to_string()))?;
    tmp.as_file().set_permissions(permissions).map_err(|e| fail(e.to_string()))?;
    tmp.as_file().sync_all().map_err(|e| fail(e.to_string()))?;
    tmp.persist(&target).map_err(|e| fail(e.error.to_string()))?;
    // Make the rename itself durable; not all filesystems allow syncing a folder.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
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
