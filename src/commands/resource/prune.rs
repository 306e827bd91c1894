//! `secret|config prune`: the declarations nothing uses (the MP003/MP004 fixes of the env,
//! through the fix engine) and the Swarm objects no Compose file of the repository wants.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use super::env::{Backend, Env};
use super::{changed_files, recovered, unchanged, unit, write_changes};
use crate::diagnostic::Applicability;
use crate::error::Error;
use crate::fix::engine;
use crate::fix::write::lock;
use crate::model::compose::ResourceKind;
use crate::model::{LoadOptions, Project};
use crate::settings::Settings;
use crate::swarm::{LABEL_ENV, LABEL_MANAGED};

use super::Outcome;

pub(super) fn prune(
    kind: ResourceKind,
    env_arg: &Path,
    delete: bool,
    out: &mut dyn Write,
    backend: &Backend<'_>,
) -> Result<Outcome, Error> {
    let mut env = Env::open(env_arg)?;
    let lock = if delete { Some(lock(&env.ws)?) } else { None };
    recovered(&env.ws, lock.as_ref(), out)?;
    let mut project = env.load()?;
    crate::secrets::mask::scrub_project(&mut project, &env.settings.redaction());
    let u = unit(&project).map_err(|e| Error::Usage(e.0))?;
    if u.may_use_more() {
        let why: Vec<&str> = u.unknowns.iter().map(|k| k.message.as_str()).collect();
        writeln!(out, "Cannot tell what is unused in env {}: {}", env.name, why.join("; "))?;
    }
    // The declarations: the fixes `lint --env <env> --fix` makes for MP003/MP004, through the
    // same engine (unused by every unit that reads their file, in this env or another; nothing
    // where a part of a unit cannot be seen), verified over every unit holding a changed file.
    // The workspace then holds the pruned texts.
    let code = match kind {
        ResourceKind::Secret => "MP003",
        ResourceKind::Config => "MP004",
    };
    let settings = Settings { select: Some([code].into()), ..env.settings.clone() };
    let run = engine::fix(&mut env.ws, &env.opts, &settings, Applicability::Safe)?;
    let unused: BTreeSet<&str> = run
        .applied
        .iter()
        .filter_map(|a| match &a.subject {
            crate::diagnostic::Subject::Declaration(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    for p in &run.problems {
        writeln!(out, "warning: {p}")?;
    }
    let noun = kind.noun();
    let handle = env.swarm(backend);
    let mut orphans = Vec::new();
    if let Some(h) = &handle {
        let objects =
            h.get().list(kind, &[(LABEL_MANAGED, "true"), (LABEL_ENV, &env.name)]).map_err(unchanged)?;
        if !objects.is_empty() {
            let (blind, keep) = still_wanted(&env, kind)?;
            if let Some(unit) = blind {
                writeln!(
                    out,
                    "Cannot tell which Swarm {noun}s are unused: {unit} has parts minipaas cannot see"
                )?;
            }
            orphans.extend(objects.into_iter().map(|o| o.name).filter(|n| !keep(n)));
        }
    }
    if unused.is_empty() && orphans.is_empty() {
        writeln!(out, "Nothing to prune in env {}.", env.name)?;
        return Ok(Outcome::Clean);
    }
    for n in &unused {
        writeln!(out, "unused declaration: {n}")?;
    }
    for n in &orphans {
        writeln!(out, "unused in Swarm: {n}")?;
    }
    if !delete {
        writeln!(out, "Run with --delete to remove them.")?;
        return Ok(Outcome::Findings);
    }
    let mut failed = false;
    if let Some(h) = &handle {
        for n in &orphans {
            match h.get().remove(kind, n) {
                Ok(()) => writeln!(out, "Removed from Swarm: {n}")?,
                Err(e) => {
                    failed = true;
                    writeln!(out, "Not removed from Swarm: {n}: {e}")?;
                }
            }
        }
    }
    if let Some(lock) = &lock {
        write_changes(&env.ws, lock, &run.changes, None)?;
    }
    if !run.changes.is_empty() {
        writeln!(
            out,
            "Updated {}: removed {} unused {noun} declaration(s).",
            changed_files(&run.changes),
            run.applied.len()
        )?;
    }
    Ok(if failed { Outcome::Findings } else { Outcome::Clean })
}

/// True for an object minipaas created for env `env` (upstream's labels).
pub(super) fn made_for(o: &crate::swarm::SwarmObject, env: &str) -> bool {
    o.labels.get(LABEL_MANAGED).is_some_and(|v| v == "true")
        && o.labels.get(LABEL_ENV).is_some_and(|e| e == env)
}

/// Which Swarm objects the repository still wants, as pruned: a name any unit of any env
/// (or any other Compose file) uses or declares, or could (a name with an unknown variable);
/// everything, when a unit has a part the tool cannot see. Swarm names are global to the
/// cluster: an object env `dev` created may be the one env `prod` declares.
pub(super) fn still_wanted(
    env: &Env,
    kind: ResourceKind,
) -> Result<(Option<String>, impl Fn(&str) -> bool + use<>), Error> {
    let all = Project::load(&env.ws, &LoadOptions { env: None, paths: Vec::new(), ..env.opts.clone() })?;
    let blind_unit = all.units.iter().find(|u| u.may_use_more()).map(|u| u.label.clone());
    let blind = blind_unit.is_some();
    let mut names: Vec<crate::model::interp::Name> = Vec::new();
    let mut uses = Vec::new();
    for u in &all.units {
        uses.push(all.uses(u, kind));
        for (f, d) in all.declarations(u, kind) {
            // The object a declaration stands for is its `name:` when it has one.
            names.push(all.name_in(u, f, &d.real_name.as_ref().unwrap_or(&d.name).value));
            names.push(all.name_in(u, f, &d.name.value));
        }
    }
    let keep = move |name: &str| {
        blind || uses.iter().any(|u| u.matches(name)) || names.iter().any(|n| n.matches(name))
    };
    Ok((blind_unit, keep))
}
