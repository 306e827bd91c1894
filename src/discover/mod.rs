//! Finding files: which files a run looks at (a git work tree's index plus untracked,
//! not-ignored files; the index alone for `--staged`; a commit's tree; a plain folder), how
//! their bytes are read, and what each may be by its name ([`names`]) and content ([`sniff`]).
//!
//! Every path the rest of the crate sees is relative to the workspace root and uses `/`.

pub mod gitindex;
pub mod names;
pub mod paths;
mod read;
pub mod sniff;
mod treediff;
mod walk;
mod workspace;

pub use paths::{join_normalized, parent, to_slash, under};
pub use read::{DiskReader, MAX_FILE_BYTES, ReadError};
pub use treediff::{Change, Trees};
pub use workspace::{CommitInfo, Reads, SharedReader, ThreadReader, Workspace};
