//! The subcommands, each a function from parsed arguments to an [`Outcome`].

pub(crate) mod baseline;
pub(crate) mod history;
pub(crate) mod init;
pub(crate) mod lint;
pub(crate) mod resource;
pub(crate) mod rule;
pub(crate) mod units;

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
