//! minipaas: lints Docker Compose secrets and configs for Docker Swarm deployments.
//!
//! The pipeline is: `discover/` finds files (git-native, by name and by content), `model/`
//! parses them with exact spans (`model/yaml`) and models them the way Compose does (units,
//! `extends`, `include`, interpolation), `rules/` report findings (`diagnostic/`: one
//! finding shape, one identity, one fix shape), `fix/` makes and applies their edits, and
//! `render/` prints them with values masked (`secrets/`: detectors and masking). `commands/`
//! are the subcommands, `swarm/` the Engine, `lsp/` the editor server. Only `main` maps
//! outcomes to exit codes. The library's surface is [`run`] and what the binary needs;
//! [`testing`] re-exports what the tests, benchmarks and fuzz targets drive.

pub mod cli;
mod commands;
mod diagnostic;
mod discover;
mod error;
mod fix;
mod lsp;
mod model;
mod render;
mod rules;
mod secrets;
mod settings;
mod swarm;
#[doc(hidden)]
pub mod testing;

pub use commands::Outcome;
pub use error::Error;

use std::io::{Read, Write};

use cli::{Cli, Command};

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

/// Serves the Language Server Protocol on stdin/stdout until the client says `exit`.
pub fn serve_lsp() -> Result<Outcome, Error> {
    lsp::serve()
}

/// An error as the user may see it: anything that looks like a token masked (errors quote
/// what was given: paths, configuration values).
pub fn error_message(e: &Error) -> String {
    secrets::mask::scrub(&e.to_string(), &secrets::Detector::default()).into_owned()
}

/// The cores this process may use, asked once: the answer reads cgroup files, and `--history`
/// would otherwise ask for every commit.
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
