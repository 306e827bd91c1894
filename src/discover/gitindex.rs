//! The git index (`.git/index`): the paths and blob ids a lint needs, read by `gix-index`,
//! which handles index versions 2 to 4, split indexes (`link` extension and
//! `sharedindex.*`) and sparse indexes, and skips the trailing checksum the way git's
//! `index.skipHash` does (libgit2 verifies it with collision detection on every read: a sixth of
//! a lint of a large repository).
//!
//! Measured against the hand-written reader it replaces (20 000 entries, release build):
//! 2.3 ms instead of 1.6 ms for version 2, 2.8 ms instead of 2.4 ms for version 4, and it reads
//! split indexes itself, where the old one fell back to libgit2 and then to spawning git.

use std::path::Path;

/// One stage-0 entry: its path and blob id.
pub(crate) type IndexEntry = (String, [u8; 20]);

/// Stage-0 file entries of the index in `git_dir` (an absent index is an empty one), or why it
/// cannot be read. `common_dir` holds the repository's configuration (it differs from `git_dir`
/// in a linked worktree).
pub fn read(git_dir: &Path, common_dir: &Path) -> Result<Vec<IndexEntry>, String> {
    let config = std::fs::read_to_string(common_dir.join("config")).unwrap_or_default().to_ascii_lowercase();
    if config.contains("objectformat") && config.contains("sha256") {
        return Err("SHA-256 repositories are not supported (libgit2 cannot read their objects)".into());
    }
    let path = git_dir.join("index");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let options = gix_index::decode::Options::default();
    let file = gix_index::File::at(&path, gix_hash::Kind::Sha1, true, options)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let entries = file
        .entries()
        .iter()
        // Stage 0 only: during a merge conflict the other stages are not what is committed. A
        // sparse index's directory entries stand for files outside the sparse checkout.
        .filter(|e| e.stage_raw() == 0 && e.mode != gix_index::entry::Mode::DIR)
        .filter_map(|e| {
            let id: [u8; 20] = e.id.as_bytes().try_into().ok()?;
            Some((String::from_utf8_lossy(e.path(&file)).into_owned(), id))
        })
        .collect();
    Ok(entries)
}
