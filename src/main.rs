//! The `minipaas` binary: parse the command line, run, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use minipaas::cli::{Cli, Command};
use minipaas::{Error, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = if matches!(cli.command, Command::Lsp) {
        // The server reads and writes stdio on threads of its own: no lock may be held here.
        minipaas::serve_lsp()
    } else {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut input = std::io::stdin().lock();
        minipaas::run(&cli, &mut input, &mut out, &mut std::io::stderr())
            .and_then(|o| out.flush().map(|()| o).map_err(Into::into))
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::InputError) => ExitCode::from(2),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {}", minipaas::error_message(&e));
            // 2: the command line or an input is wrong; 1: an operation failed.
            match e {
                Error::Swarm(_) | Error::Write { .. } | Error::Edit(_) => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
    }
}
