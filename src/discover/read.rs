//! Reading one file's bytes from disk: one path lookup, no following links out of the
//! repository, no waiting on FIFOs, nothing over [`MAX_FILE_BYTES`].

use std::collections::BTreeMap;
use std::path::Path;

/// A count of files read, shared by the readers of one workspace and whoever shows progress.
#[derive(Debug, Clone, Default)]
pub struct Reads(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Reads {
    pub(super) fn bump(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many files were read.
    pub fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Files bigger than this are reported, not read: no Compose file is anywhere near it.
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

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

/// Reads files under a root (with pending overrides); shareable across threads.
pub(crate) struct DiskReader<'a> {
    pub(super) root: &'a Path,
    pub(super) overrides: &'a BTreeMap<String, String>,
}

impl DiskReader<'_> {
    /// Reads a file's bytes, refusing anything over [`MAX_FILE_BYTES`].
    pub(crate) fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
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
        // The link exists: a target that does not, or a loop, is a problem to report, not a
        // file that is simply gone.
        let target = std::fs::canonicalize(path).map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => ReadError::Io("a symbolic link that loops; not read".into()),
            _ if e.kind() == std::io::ErrorKind::NotFound => {
                ReadError::Io("a symbolic link to a file that does not exist; not read".into())
            }
            _ => ReadError::Io(e.to_string()),
        })?;
        let root = std::fs::canonicalize(self.root).unwrap_or_else(|_| self.root.to_path_buf());
        if !target.starts_with(&root) {
            return Err(ReadError::Io("a symbolic link to a file outside the repository; not read".into()));
        }
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&target).map_err(io_error)
    }
}

pub(super) fn io_error(e: std::io::Error) -> ReadError {
    if e.kind() == std::io::ErrorKind::NotFound { ReadError::Missing } else { ReadError::Io(e.to_string()) }
}
