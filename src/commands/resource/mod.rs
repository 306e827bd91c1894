//! `minipaas secret|config create|delete|prune|ls`: MiniPaaS's commands, with its bugs fixed.
//!
//! Every command runs in the same order: validate everything (names, sizes, services, the
//! Compose edits themselves, computed in memory), then touch Swarm, then write the files
//! atomically. A failure before Swarm changes nothing anywhere; a failure after it says
//! exactly what exists and how to finish or undo. (Taking the write lock first undoes a
//! multi-file write an earlier run was interrupted in, and says so.)

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::Outcome;
use crate::cli::ResourceAction;
use crate::discover::Workspace;
use crate::error::Error;
use crate::fix::Mount;
use crate::fix::engine::{Change, Step, apply_steps};
use crate::fix::write::{RepoLock, lock, write_all};
use crate::model::Unit;
use crate::model::compose::{ResourceKind, is_version_of, split_version, valid_object_name};
use crate::swarm::{LABEL_BASE, LABEL_ENV, LABEL_MANAGED, labels, max_size};

mod env;
mod prune;
mod status;
mod steps;
pub use env::Backend;
use env::Env;
use steps::{
    drop_declaration, drop_old_version, drop_other_version, drop_reference, ensure_declared,
    ensure_reference, unit,
};

/// Runs a `secret`/`config` subcommand.
pub fn resource(
    kind: ResourceKind,
    action: &ResourceAction,
    input: &mut dyn Read,
    out: &mut dyn Write,
    backend: &Backend<'_>,
) -> Result<Outcome, Error> {
    match action {
        ResourceAction::Create { env, name, services, file } => {
            create(kind, env, name.as_deref(), services, file.as_deref(), input, out, backend)
        }
        ResourceAction::Delete { env, name } => delete(kind, env, name, out, backend),
        ResourceAction::Prune { env, delete } => prune::prune(kind, env, *delete, out, backend),
        ResourceAction::Ls { env } => ls(kind, env, out, backend),
        ResourceAction::Status { env, stack, format } => {
            status::status(kind, env, stack.as_deref(), *format, out, backend)
        }
    }
}

/// `<base>.<first 8 hex digits of sha256(value)>`, MiniPaaS's versioned name.
pub fn versioned_name(base: &str, value: &[u8]) -> String {
    let digest = Sha256::digest(value);
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{base}.{hex}")
}

/// The mounts a command on one name in one env may change: those it is `about`, in that env's
/// unit, of the `services` named (all when `None`). A file another env shares is
/// edited only when that env's mounts stay; a list shared through an anchor, only when the
/// other services that read it are named too.
fn only_in_env(
    unit: &Unit,
    kind: ResourceKind,
    about: impl Fn(&Mount) -> bool,
    services: Option<BTreeSet<String>>,
) -> impl Fn(&Mount) -> bool {
    let env = unit.env.clone();
    move |m: &Mount| {
        m.env == env && m.kind == kind && about(m) && services.as_ref().is_none_or(|s| s.contains(&m.service))
    }
}

/// Names matching a `delete --name`: one version if a versioned name is given, else all.
fn matches_delete(name: &str, given: &str) -> bool {
    if split_version(given).is_some() { name == given } else { is_version_of(name, given) }
}

/// Says what undoing an earlier run's interrupted write did (with the lock), or that one is
/// pending (a command that only reads).
fn recovered(ws: &Workspace, lock: Option<&RepoLock>, out: &mut dyn Write) -> Result<(), Error> {
    match lock {
        Some(lock) => {
            for note in &lock.recovered {
                writeln!(out, "note: {note}")?;
            }
        }
        None if crate::fix::write::interrupted(ws) => writeln!(
            out,
            "warning: an earlier run was interrupted while writing several files, which may now disagree; the next command that writes puts them back as they were"
        )?,
        None => {}
    }
    Ok(())
}

/// A Swarm error raised before any file was written says so.
fn unchanged(e: Error) -> Error {
    match e {
        Error::Swarm(m) => Error::Swarm(format!("{m}; no file was changed")),
        e => e,
    }
}

/// Writes the changes, all or none; if that fails after Swarm changed, says what exists and
/// what to do.
fn write_changes(
    ws: &Workspace,
    lock: &RepoLock,
    changes: &[Change],
    after_swarm: Option<&str>,
) -> Result<(), Error> {
    let all: Vec<(&str, &str, &str)> =
        changes.iter().map(|c| (c.path.as_str(), c.before.as_str(), c.after.as_str())).collect();
    write_all(ws, lock, &all).map_err(|e| match (e, after_swarm) {
        (Error::Write { path, message }, Some(swarm)) => {
            Error::Write { path, message: format!("{message}; {swarm}") }
        }
        (e, _) => e,
    })
}

fn changed_files(changes: &[Change]) -> String {
    changes.iter().map(|c| c.path.as_str()).collect::<Vec<_>>().join(", ")
}

/// Reads the value: all of FILE or stdin, refusing more than Swarm accepts or nothing.
fn read_value(kind: ResourceKind, file: Option<&Path>, input: &mut dyn Read) -> Result<Vec<u8>, Error> {
    let limit = max_size(kind);
    let mut data = Vec::new();
    let what = match file {
        Some(path) => {
            let f = std::fs::File::open(path).map_err(|e| {
                // A word that is not a path may be the value itself, typed where the file
                // goes: say so without printing it.
                let text = path.to_string_lossy();
                if e.kind() == std::io::ErrorKind::NotFound && !text.contains(['/', '.']) {
                    Error::Usage(format!(
                        "the FILE argument names no file (not printed, in case it is the value itself: it is now in your shell history, rotate it if so); give the value on stdin: printf '%s' \"$VALUE\" | minipaas {} create ...",
                        kind.noun()
                    ))
                } else {
                    Error::Path { path: path.into(), message: e.to_string() }
                }
            })?;
            f.take(limit as u64 + 1)
                .read_to_end(&mut data)
                .map_err(|e| Error::Path { path: path.into(), message: e.to_string() })?;
            format!("`{}`", path.display())
        }
        None => {
            input
                .take(limit as u64 + 1)
                .read_to_end(&mut data)
                .map_err(|e| Error::Usage(format!("cannot read the value from stdin: {e}")))?;
            "stdin".to_string()
        }
    };
    if data.len() > limit {
        return Err(Error::Usage(format!(
            "the value from {what} is larger than Swarm accepts for a {} ({} KiB); nothing was created",
            kind.noun(),
            limit / 1024
        )));
    }
    if data.is_empty() {
        return Err(Error::Usage(format!("the value from {what} is empty; nothing was created")));
    }
    Ok(data)
}

/// Checks a base name so that `<base>.<hash8>` is a valid Swarm name.
fn check_base(kind: ResourceKind, base: &str) -> Result<(), Error> {
    if !valid_object_name(base) || base.len() > 55 {
        return Err(Error::Usage(format!(
            "`{base}` cannot name a {}: use 1 to 55 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit (Swarm allows 64 characters, and 9 go to the `.<hash>` version suffix)",
            kind.noun()
        )));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn create(
    kind: ResourceKind,
    env_arg: &Path,
    name: Option<&str>,
    services: &[String],
    file: Option<&Path>,
    input: &mut dyn Read,
    out: &mut dyn Write,
    backend: &Backend<'_>,
) -> Result<Outcome, Error> {
    let base = match (name, file) {
        (Some(n), _) => n.to_string(),
        (None, Some(f)) => f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        (None, None) => return Err(Error::Usage("when no FILE is given, --name is required".into())),
    };
    check_base(kind, &base)?;
    let mut env = Env::open(env_arg)?;
    let value = read_value(kind, file, input)?;
    let object = versioned_name(&base, &value);
    let lock = lock(&env.ws)?;
    recovered(&env.ws, Some(&lock), out)?;
    let project = env.load()?;
    let u = unit(&project).map_err(|e| Error::Usage(e.0))?;
    let mut targets: Vec<(String, String)> = Vec::new();
    let mut missing = Vec::new();
    for svc in services {
        if targets.iter().any(|(s, _)| s == svc) {
            continue;
        }
        match crate::fix::patch::home_file(&project, u, svc) {
            Some(f) => targets.push((svc.clone(), project.files[f].path.clone())),
            None => missing.push(format!("`{svc}`")),
        }
    }
    if !missing.is_empty() {
        let searched: Vec<&str> = u.files.iter().map(|&f| project.files[f].path.as_str()).collect();
        return Err(Error::Usage(format!(
            "service {} not found in env {} (searched {}); nothing was created or changed",
            missing.join(", "),
            env.name,
            if searched.is_empty() { "no files".to_string() } else { searched.join(", ") }
        )));
    }
    // Services that mount another version of the base now: after a rotation they keep running
    // the old value until the stack is deployed again.
    let rotated: Vec<String> = u
        .services
        .iter()
        .filter(|s| targets.iter().any(|(t, _)| *t == s.name))
        .filter(|s| {
            s.refs(kind)
                .iter()
                .any(|r| r.name.exact().is_some_and(|n| is_version_of(n, &base) && n != object))
        })
        .map(|s| format!("`{}`", s.name))
        .collect();
    let mut steps: Vec<Step<'_>> = Vec::new();
    for (svc, path) in &targets {
        steps.push(drop_other_version(kind, svc, &base, &object));
        steps.push(ensure_reference(kind, path, svc, &object, &base));
    }
    let homes: BTreeSet<&str> = targets.iter().map(|(_, p)| p.as_str()).collect();
    for path in &homes {
        steps.push(ensure_declared(kind, path, &object));
    }
    steps.push(drop_old_version(kind, &base, &object));
    // What a rotation touches: versions of the base, and whatever the named services mount
    // where the base goes (the reference that is repointed).
    let named = targets.iter().map(|(s, _)| s.clone()).collect();
    let at = kind.normalize_target(&base);
    let allowed = only_in_env(u, kind, |m| is_version_of(&m.source, &base) || m.target == at, Some(named));
    let (changes, notes) = apply_steps(&mut env.ws, &env.opts, &env.settings, &steps, &allowed)?;
    for n in &notes {
        writeln!(out, "warning: now {n}")?;
    }
    let noun = kind.noun();
    let title = capitalized(noun);
    let mut swarm_note = None;
    match env.swarm(backend) {
        None => writeln!(
            out,
            "No Swarm {noun} was created: this minipaas is built without the `swarm` feature. Create it with the value on stdin:\n  docker {noun} create --label {LABEL_MANAGED}=true --label {LABEL_BASE}={base} --label {LABEL_ENV}={} {object} -",
            env.name
        )?,
        Some(handle) => {
            let swarm = handle.get();
            if swarm.inspect(kind, &object).map_err(unchanged)?.is_some() {
                writeln!(out, "{title} {object} already exists in Swarm ({}).", swarm.endpoint())?;
            } else {
                swarm.create(kind, &object, &value, &labels(&base, &env.name)).map_err(unchanged)?;
                writeln!(out, "{title} created in Swarm: {object}")?;
                swarm_note = Some(format!(
                    "the Swarm {noun} {object} was created: run the same command again to finish, or `docker {noun} rm {object}` to undo"
                ));
            }
        }
    }
    write_changes(&env.ws, &lock, &changes, swarm_note.as_deref())?;
    if changes.is_empty() {
        let who = if targets.is_empty() {
            "no service was named with --for".to_string()
        } else {
            format!(
                "{} already use(s) it",
                targets.iter().map(|(s, _)| format!("`{s}`")).collect::<Vec<_>>().join(", ")
            )
        };
        writeln!(out, "Compose files unchanged: {who}.")?;
    } else {
        let granted: Vec<String> = targets.iter().map(|(s, p)| format!("{s} ({p})")).collect();
        writeln!(
            out,
            "Updated {}: {object} granted to {} as `{base}`.",
            changed_files(&changes),
            granted.join(", ")
        )?;
        if !rotated.is_empty() {
            writeln!(
                out,
                "Rotated: the running {} of {} keep the old value until the stack is deployed again (`minipaas {noun} status --env {}` shows which still do).",
                if rotated.len() == 1 { "service" } else { "services" },
                rotated.join(", "),
                env_arg.display()
            )?;
        }
    }
    Ok(Outcome::Clean)
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn delete(
    kind: ResourceKind,
    env_arg: &Path,
    given: &str,
    out: &mut dyn Write,
    backend: &Backend<'_>,
) -> Result<Outcome, Error> {
    let mut env = Env::open(env_arg)?;
    let lock = lock(&env.ws)?;
    recovered(&env.ws, Some(&lock), out)?;
    let project = env.load()?;
    let u = unit(&project).map_err(|e| Error::Usage(e.0))?;
    let pred = |n: &str| matches_delete(n, given);
    let mut names: BTreeSet<String> = project
        .declarations(u, kind)
        .filter_map(|(_, d)| project.resolve(u, &d.name.value))
        .chain(
            project
                .services(u)
                .flat_map(|(_, s)| s.refs(kind))
                .filter_map(|r| project.resolve(u, &r.source.value)),
        )
        .filter(|n| pred(n))
        .collect();
    let steps: Vec<Step<'_>> = vec![drop_reference(kind, &pred), drop_declaration(kind, &pred)];
    let allowed = only_in_env(u, kind, |m| pred(&m.source), None);
    let (changes, notes) = apply_steps(&mut env.ws, &env.opts, &env.settings, &steps, &allowed)?;
    for n in &notes {
        writeln!(out, "warning: now {n}")?;
    }
    let noun = kind.noun();
    let handle = env.swarm(backend);
    let mut in_swarm = Vec::new();
    if let Some(h) = &handle {
        let swarm = h.get();
        for o in swarm.list(kind, &[(LABEL_MANAGED, "true"), (LABEL_ENV, &env.name)]).map_err(unchanged)? {
            if pred(&o.name) {
                names.insert(o.name);
            }
        }
        for n in &names {
            if swarm.inspect(kind, n).map_err(unchanged)?.is_some() {
                in_swarm.push(n.clone());
            }
        }
    }
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "no {noun} named `{given}` in env {}; nothing was changed",
            env.name
        )));
    }
    match &handle {
        None => writeln!(
            out,
            "No Swarm {noun} was removed: this minipaas is built without the `swarm` feature. Remove them with:\n  docker {noun} rm {}",
            names.iter().cloned().collect::<Vec<_>>().join(" ")
        )?,
        Some(h) => {
            for (i, n) in in_swarm.iter().enumerate() {
                h.get().remove(kind, n).map_err(|e| {
                    let done = if i == 0 {
                        String::new()
                    } else {
                        format!(" (already removed from Swarm: {})", in_swarm[..i].join(", "))
                    };
                    match e {
                        Error::Swarm(m) => Error::Swarm(format!("{m}; no file was changed{done}")),
                        e => e,
                    }
                })?;
                writeln!(out, "Removed from Swarm: {n}")?;
            }
        }
    }
    write_changes(&env.ws, &lock, &changes, None)?;
    if changes.is_empty() {
        writeln!(out, "No Compose file referenced or declared it.")?;
    } else {
        writeln!(
            out,
            "Updated {}: removed every reference to and declaration of `{given}`.",
            changed_files(&changes)
        )?;
    }
    Ok(Outcome::Clean)
}

fn ls(
    kind: ResourceKind,
    env_arg: &Path,
    out: &mut dyn Write,
    backend: &Backend<'_>,
) -> Result<Outcome, Error> {
    let mut env = Env::open(env_arg)?;
    recovered(&env.ws, None, out)?;
    let project = env.load()?;
    let u = unit(&project).map_err(|e| Error::Usage(e.0))?;
    let mut rows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, d) in project.declarations(u, kind) {
        if let Some(n) = project.resolve(u, &d.name.value) {
            rows.entry(n).or_default();
        }
    }
    let mut services: BTreeSet<String> = BTreeSet::new();
    for (_, s) in project.services(u) {
        for r in s.refs(kind) {
            if let Some(n) = project.resolve(u, &r.source.value) {
                rows.entry(n).or_default().insert(s.name.value.clone());
                services.insert(s.name.value.clone());
            }
        }
    }
    let handle = env.swarm(backend);
    // One call for every object, not one per name.
    let present: Option<Result<BTreeSet<String>, Error>> =
        handle.as_ref().map(|h| Ok(h.get().list(kind, &[])?.into_iter().map(|o| o.name).collect()));
    let width = rows.keys().map(String::len).max().unwrap_or(4).max(4);
    let mut header = format!("{:<width$}  {:<8}", capitalized(kind.noun()), "Swarm");
    for s in &services {
        header.push_str(&format!("  {s}"));
    }
    writeln!(out, "{}", header.trim_end())?;
    for (name, users) in &rows {
        let state = match &present {
            None => "-",
            Some(Ok(names)) if names.contains(name) => "present",
            Some(Ok(_)) => "missing",
            Some(Err(_)) => "unknown",
        };
        let mut line = format!("{name:<width$}  {state:<8}");
        for s in &services {
            let mark = if users.contains(s) { "x" } else { "." };
            line.push_str(&format!("  {mark:<w$}", w = s.len()));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    if let Some(Err(e)) = &present {
        writeln!(out, "(Swarm state unknown: {e})")?;
    }
    if handle.is_none() {
        writeln!(out, "(Swarm state unknown: built without the `swarm` feature)")?;
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_upstream() {
        // The value MiniPaaS's example app hashed: "postgres\n".
        assert_eq!(versioned_name("postgres_password", b"postgres\n"), "postgres_password.267da420");
        assert!(
            is_version_of("db.0a1b2c3d", "db")
                && is_version_of("db", "db")
                && !is_version_of("db2.0a1b2c3d", "db")
        );
        assert!(matches_delete("db.0a1b2c3d", "db") && !matches_delete("db.0a1b2c3d", "db.ffffffff"));
    }
}
