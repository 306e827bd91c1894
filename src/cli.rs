//! The command line, declared with clap derive.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::render::Format;

/// Keeps Docker Compose secrets and configs honest.
#[derive(Debug, Parser)]
#[command(name = "minipaas", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint the Compose files of the repository that contains the current directory.
    #[command(
        after_help = "Examples:\n  minipaas lint                  # the whole repository\n  minipaas lint --env dev        # only the env in dev/minipaas.yaml\n  minipaas lint --staged         # what the next commit contains\n  minipaas lint --format json deploy/\n  minipaas lint --fix            # apply safe fixes\n  minipaas lint --diff --unsafe-fixes\n\nExit codes: 0 no error-level finding, 1 findings, 2 usage or input error."
    )]
    Lint(LintArgs),
    /// Print the documentation of one rule (by code or name).
    #[command(after_help = "Examples:\n  minipaas rule MP001\n  minipaas rule unused-secret")]
    Rule {
        /// `MP001` or `undeclared-secret`.
        code: String,
    },
    /// List every rule: code, name, default level, summary.
    Rules,
}

/// Options of `minipaas lint`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mode").args(["fix", "diff"])))]
pub struct LintArgs {
    /// Files or folders to lint (default: the whole repository). Units that contain them are
    /// linted whole, since references cross files.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only lint this env (the folder of its minipaas.yaml, relative to the repository root).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Lint the blobs staged in the git index (what the next commit contains), not the work tree.
    #[arg(long, conflicts_with = "mode")]
    pub staged: bool,
    /// Apply the safe fixes and write the files (atomically, only the bytes that change).
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: also apply the unsafe fixes (they change what is deployed).
    #[arg(long, requires = "mode")]
    pub unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change and write nothing (exit 1 if any).
    #[arg(long)]
    pub diff: bool,
    /// Also treat files matching this glob (relative to the repository root) as Compose files.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Never use colours (also honoured: the NO_COLOR environment variable).
    #[arg(long)]
    pub no_color: bool,
    /// Print findings only, without the summary line.
    #[arg(long, short)]
    pub quiet: bool,
}
