//! `minipaas units`: which Compose files form which lint unit, and why, so a user can see the
//! grouping and correct it (`[[lint.project]]` in `.minipaas.toml`).

use std::io::Write;

use super::Outcome;
use super::lint::{Scope, open};
use crate::cli::{ReportFormat, UnitsArgs};
use crate::diagnostic::Severity;
use crate::error::Error;
use crate::model::Project;

/// Lists the units.
pub(crate) fn units(args: &UnitsArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let scope = Scope {
        paths: &args.paths,
        staged: args.staged,
        include: &args.include,
        config: args.config.as_deref(),
        select: &[],
        ignore: &[],
        env: args.env.clone(),
    };
    let (ws, opts, settings) = open(&scope)?;
    let mut project = Project::load(&ws, &opts)?;
    crate::secrets::mask::scrub_project(&mut project, &settings.redaction());
    match args.format {
        ReportFormat::Text => crate::render::units::text(&project, out)?,
        ReportFormat::Json => crate::render::units::json(&project, out)?,
    }
    Ok(if project.errors.iter().any(|e| e.severity == Severity::Error) {
        Outcome::InputError
    } else {
        Outcome::Clean
    })
}
