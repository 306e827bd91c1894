//! minipaas: lints Docker Compose secrets and configs for Docker Swarm deployments.
//!
//! The pipeline is: [`discover`] finds files (git-native, by name and by content), [`model`]
//! parses them with exact spans ([`yaml`]) and models them the way Compose does (units,
//! `extends`, `include`, interpolation), [`rules`] report [`finding::Finding`]s, the fix
//! engine ([`fix`]) applies their fixes, and [`render`] prints them with values masked ([`redact`]).
//! Only `main` maps outcomes to exit codes.

pub mod baseline;
pub mod cli;
pub mod commands;
pub mod discover;
pub mod error;
pub mod finding;
pub mod fix;
pub mod lines;
pub mod lsp;
pub mod model;
pub mod redact;
pub mod render;
pub mod rules;
pub mod secrets;
pub mod settings;
pub mod suppress;
pub mod swarm;
pub mod yaml;

use std::io::{Read, Write};

use cli::{Cli, Command};
use commands::Outcome;
use error::Error;

/// Runs a parsed command line: values are read from `input`, the report goes to `out` and
/// side remarks to `err`.
pub fn run(
    cli: &Cli,
    input: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome, Error> {
    #[cfg(feature = "swarm")]
    let backend = commands::resource::Backend::Connect;
    #[cfg(not(feature = "swarm"))]
    let backend = commands::resource::Backend::Disabled;
    match &cli.command {
        Command::Lint(args) => commands::lint::lint(args, out, err),
        Command::Secret(action) => {
            commands::resource::resource(model::compose::ResourceKind::Secret, action, input, out, &backend)
        }
        Command::Config(action) => {
            commands::resource::resource(model::compose::ResourceKind::Config, action, input, out, &backend)
        }
        Command::Units(args) => commands::units::units(args, out),
        Command::Rule { code } => commands::rule::rule(code, out),
        Command::Rules => commands::rule::rules(out),
        Command::Init { force } => commands::init::init(*force, out),
        Command::Lsp => lsp::serve(),
    }
}

/// The cores this process may use, asked once: the answer reads cgroup files, and `--history`
/// would otherwise ask for every commit.
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
