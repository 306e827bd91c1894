//! The errors that stop a command; only `main` turns them into exit codes.
//!
//! Problems with one input file (bad YAML, unreadable, too large) are not errors here: they are
//! [`crate::model::InputError`]s, reported beside the findings while the other files are linted.

use std::path::PathBuf;

/// A failure that ends the command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// A path given on the command line cannot be used.
    #[error("{}: {message}", path.display())]
    Path {
        /// The path as given.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The configuration file is wrong.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The git repository cannot be read.
    #[error("cannot read the git repository: {0}")]
    Git(String),
    /// A file could not be written (nothing was half-written: writes are atomic).
    #[error("cannot write {}: {message}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A change to Compose files cannot be made safely; nothing was written.
    #[error("{0}")]
    Edit(String),
    /// The Docker Engine refused or could not be reached.
    #[error("{0}")]
    Swarm(String),
    /// Input files of the env are broken; nothing was changed.
    #[error("{0}")]
    Input(String),
    /// Writing output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    /// True when the output pipe was closed (e.g. `| head`): not a failure of ours.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
