//! Finding files: which files a run looks at (a git work tree's index plus untracked,
//! not-ignored files; the index alone for `--staged`; a commit's tree; a plain folder), how
//! their bytes are read, and what each may be by its name ([`names`]) and content ([`sniff`]).
//!
//! Every path the rest of the crate sees is relative to the workspace root and uses `/`.

pub(crate) mod gitindex;
pub(crate) mod names;
pub(crate) mod paths;
mod read;
pub(crate) mod sniff;
mod treediff;
mod walk;
mod workspace;

pub(crate) use paths::{join_normalized, parent, under};
pub(crate) use read::ReadError;
pub(crate) use read::Reads;
pub(crate) use treediff::{Change, Trees};
pub use workspace::Workspace;
