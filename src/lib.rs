//! minipaas: lints Docker Compose secrets and configs for Docker Swarm deployments.
//!
//! The pipeline is: [`workspace`] finds files (git-native), [`project`] parses them with
//! exact spans ([`yaml`], [`compose`], [`manifest`]) and groups them into lint units,
//! [`rules`] report [`finding::Finding`]s, and [`render`] prints them with values masked
//! ([`redact`]). Only `main` maps outcomes to exit codes.

pub mod cli;
pub mod commands;
pub mod compose;
pub mod engine;
pub mod error;
pub mod finding;
pub mod fix;
pub mod interp;
pub mod manifest;
pub mod patch;
pub mod project;
pub mod redact;
pub mod render;
pub mod rules;
pub mod secrets;
pub mod workspace;
pub mod write;
pub mod yaml;

use std::io::Write;

use cli::{Cli, Command};
use commands::Outcome;
use error::Error;

/// Runs a parsed command line, writing its report to `out` and side remarks to `err`.
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome, Error> {
    match &cli.command {
        Command::Lint(args) => commands::lint::lint(args, out, err),
        Command::Rule { code } => commands::rule::rule(code, out),
        Command::Rules => commands::rule::rules(out),
    }
}
