//! The subcommands, each a function from parsed arguments to an [`Outcome`].

pub mod history;
pub mod init;
pub mod lint;
pub mod resource;
pub mod rule;
pub mod units;

/// How a command ended, for `main` to map to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at error level.
    Clean,
    /// Error-level findings.
    Findings,
    /// An input could not be read or parsed.
    InputError,
}
