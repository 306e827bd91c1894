//! A direct reader of `.git/index` for the paths and blob ids a lint needs.
//!
//! libgit2 verifies the index's SHA-1 (with collision detection) on every read, which is a
//! sixth of a lint of a large repository; git itself can skip it (`index.skipHash`). This reader
//! handles index versions 2, 3 and 4 with SHA-1 object ids and says `None` for anything else
//! (split or sparse indexes, SHA-256 repositories, a malformed file), so the caller falls back to
//! libgit2, which also reports errors properly.

use std::path::Path;

/// One stage-0 entry: its path and blob id.
pub type IndexEntry = (String, [u8; 20]);

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Git's offset varint (used by index v4 path compression).
fn varint(b: &[u8], at: &mut usize) -> Option<usize> {
    let mut byte = *b.get(*at)?;
    *at += 1;
    let mut value = usize::from(byte & 0x7f);
    while byte & 0x80 != 0 {
        byte = *b.get(*at)?;
        *at += 1;
        value = value.checked_add(1)?.checked_shl(7)? | usize::from(byte & 0x7f);
    }
    Some(value)
}

/// The index's stage-0 entries: read directly when the format allows (no checksum pass), else
/// through libgit2, else (split indexes, which libgit2 does not read) through git itself.
pub(super) fn entries(repo: &git2::Repository, root: &Path) -> Result<Vec<IndexEntry>, git2::Error> {
    match read(repo.path(), repo.commondir()) {
        Some(entries) => Ok(entries),
        None => index_with_libgit2(repo).or_else(|e| index_with_git_cli(root).ok_or(e)),
    }
}

/// Stage-0 entries of the repository's index (`git_dir` holds the index, `common_dir` the
/// config: they differ in a linked worktree), or `None` when this reader does not handle it.
pub fn read(git_dir: &Path, common_dir: &Path) -> Option<Vec<IndexEntry>> {
    let config = std::fs::read_to_string(common_dir.join("config")).unwrap_or_default().to_ascii_lowercase();
    if config.contains("objectformat") || config.contains("splitindex") || config.contains("sparseindex") {
        return None;
    }
    let bytes = match std::fs::read(git_dir.join("index")) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(Vec::new()),
        Err(_) => return None,
    };
    parse(&bytes)
}

/// Parses an index file's bytes.
pub fn parse(b: &[u8]) -> Option<Vec<IndexEntry>> {
    if b.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(b, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = usize::try_from(be32(b, 8)?).ok()?;
    let end = b.len().checked_sub(20)?;
    let mut at = 12;
    let mut out = Vec::with_capacity(count.min(1 << 20));
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        let id: [u8; 20] = b.get(start + 40..start + 60)?.try_into().ok()?;
        let flags = be16(b, start + 60)?;
        let extended = version >= 3 && flags & 0x4000 != 0;
        at = start + 62 + if extended { 2 } else { 0 };
        let path = if version == 4 {
            let strip = varint(b, &mut at)?;
            let nul = b.get(at..end)?.iter().position(|&c| c == 0)?;
            let keep = previous.len().checked_sub(strip)?;
            let mut path = previous[..keep].to_vec();
            path.extend_from_slice(&b[at..at + nul]);
            at += nul + 1;
            path
        } else {
            let nul = b.get(at..end)?.iter().position(|&c| c == 0)?;
            let path = b[at..at + nul].to_vec();
            // Entries are padded with 1 to 8 NUL bytes to a multiple of 8 bytes.
            at = start + ((at + nul - start + 8) & !7);
            path
        };
        if at > end {
            return None;
        }
        if (flags >> 12) & 0x3 == 0 {
            out.push((String::from_utf8_lossy(&path).into_owned(), id));
        }
        previous = path;
    }
    // Extensions: a split ("link") or sparse ("sdir") index is not one this reader handles.
    while at + 8 <= end {
        let sig = b.get(at..at + 4)?;
        if sig == b"link" || sig == b"sdir" {
            return None;
        }
        at += 8 + usize::try_from(be32(b, at + 4)?).ok()?;
    }
    Some(out)
}

/// The index's stage-0 entries through libgit2 (which checks the file's checksum).
fn index_with_libgit2(repo: &git2::Repository) -> Result<Vec<IndexEntry>, git2::Error> {
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
fn index_with_git_cli(root: &Path) -> Option<Vec<IndexEntry>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_it_does_not_know() {
        assert!(parse(b"").is_none());
        assert!(parse(b"DIRC\0\0\0\x05\0\0\0\0").is_none());
        assert!(parse(&[b"DIRC\0\0\0\x02\0\0\0\x01".as_slice(), &[0; 20]].concat()).is_none());
        let mut at = 0;
        assert_eq!(varint(&[0x81, 0x00], &mut at), Some(256));
    }
}
