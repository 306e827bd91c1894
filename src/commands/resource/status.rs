//! `secret|config status`: the env's files against Swarm. Secrets and configs are immutable, so
//! a new value is a new object, and a running service keeps mounting the object it was started
//! with until its stack is deployed again (moby issues 29882, 35803, 35048). For each base name
//! this shows the version the files reference, the versions Swarm holds, and the version each
//! service of the env's stack runs, as one state per name: `in sync`, `stale` (a service runs
//! another version than the files say), `missing` (the files reference an object Swarm does not
//! have: the next deploy fails), `not deployed`; and the `orphan` objects minipaas made for the
//! env that nothing in the repository references and the stack does not mount (`prune --delete`
//! removes them). Three Engine calls (the objects, the stack's services, the running tasks)
//! after the version negotiation.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::env::{Backend, Env};
use super::prune::{made_for, still_wanted};
use super::{Outcome, capitalized, recovered, unit};
use crate::cli::ReportFormat;
use crate::error::Error;
use crate::model::compose::{ResourceKind, is_version_of, split_version};
use crate::model::{Project, Unit};
use crate::swarm::{StackService, SwarmObject};

/// The stack MiniPaaS deploys as, when the env does not name one (upstream hard-codes it).
const DEFAULT_STACK: &str = "minipaas";

/// How a name (or one service's use of it) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
enum State {
    /// Everything runs what the files say.
    InSync,
    /// The files' objects exist, but no task of the stack runs with them.
    NotDeployed,
    /// A service runs another version than the files say.
    Stale,
    /// The files reference an object Swarm does not have.
    Missing,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::InSync => "in sync",
            State::NotDeployed => "not deployed",
            State::Stale => "stale",
            State::Missing => "missing",
        }
    }
}

/// A Swarm object, as shown.
#[derive(Debug, Serialize)]
struct Object {
    name: String,
    created: Option<String>,
    labels: BTreeMap<String, String>,
    /// Made by minipaas for this env and referenced by no file of the repository.
    orphan: bool,
}

/// One service's use of a name.
#[derive(Debug, Serialize)]
struct ServiceUse {
    /// The Compose service.
    service: String,
    /// Its Swarm service (`<stack>_<service>`).
    swarm_service: String,
    /// The objects the files give it (empty: the files no longer reference the name).
    wanted: Vec<String>,
    /// The versions its running tasks mount.
    running: Vec<String>,
    state: State,
}

/// One base name.
#[derive(Debug, Serialize)]
struct Row {
    base: String,
    state: State,
    /// The Swarm objects the files reference.
    referenced: Vec<String>,
    /// Those Swarm does not have.
    missing: Vec<String>,
    /// Its versions in Swarm.
    swarm: Vec<Object>,
    services: Vec<ServiceUse>,
}

#[derive(Debug, Serialize)]
struct Report {
    version: u32,
    kind: &'static str,
    env: String,
    stack: String,
    endpoint: String,
    names: Vec<Row>,
    /// Orphans that are no version of a name the files use.
    orphans: Vec<Object>,
    /// The command that makes stale services run what the files say.
    redeploy: Option<String>,
    /// Services of the stack the files no longer define (`--prune` removes them).
    gone: Vec<String>,
    /// Variables the files are interpolated with, to export before deploying (names only).
    variables: Vec<String>,
    /// True when the stack has services at all.
    deployed: bool,
}

/// The base a Swarm name is a version of: `db.1a2b3c4d` → `db`.
fn base_of(name: &str) -> &str {
    split_version(name).map_or(name, |(base, _)| base)
}

/// For each service of the unit, the Swarm objects its references stand for
/// ([`crate::model::compose::Declaration::swarm_object`], with the stack). A name with a
/// variable the repository does not set (in the key, or in `name:`) cannot be compared, and
/// references to it are left out.
fn wanted(
    project: &Project,
    u: &Unit,
    kind: ResourceKind,
    stack: &str,
) -> BTreeMap<String, BTreeSet<(String, bool)>> {
    // Declared keys, with their object (`None`: not known).
    let mut objects: BTreeMap<String, Option<(String, bool)>> = BTreeMap::new();
    for (file, d) in project.declarations(u, kind) {
        let Some(key) = project.name_in(u, file, &d.name.value).exact().map(str::to_string) else { continue };
        let real = match &d.real_name {
            None => Some(None),
            Some(r) => project.name_in(u, file, &r.value).exact().map(|n| Some(n.to_string())),
        };
        let object = real.map(|real| (d.swarm_object(&key, real.as_deref(), stack), d.external));
        objects.insert(key, object);
    }
    let mut out: BTreeMap<String, BTreeSet<(String, bool)>> = BTreeMap::new();
    for service in &u.services {
        for r in service.refs(kind) {
            let Some(name) = r.name.exact() else { continue };
            let object = match objects.get(name) {
                Some(Some(object)) => object.clone(),
                Some(None) => continue,
                // An undeclared name is MP001/MP002's business; Swarm would look for the key.
                None => (name.to_string(), true),
            };
            out.entry(service.name.clone()).or_default().insert(object);
        }
    }
    out
}

pub(super) fn status(
    kind: ResourceKind,
    env_arg: &Path,
    stack: Option<&str>,
    format: ReportFormat,
    out: &mut dyn Write,
    backend: &Backend<'_>,
) -> Result<Outcome, Error> {
    let mut env = Env::open(env_arg)?;
    let project = env.load()?;
    let u = unit(&project).map_err(|e| Error::Usage(e.0))?;
    let Some(handle) = env.swarm(backend) else {
        return Err(Error::Usage(format!(
            "`{} status` reads Swarm: build minipaas with the `swarm` feature",
            kind.noun()
        )));
    };
    let swarm = handle.get();
    let stack =
        stack.map(str::to_string).or_else(|| env.namespace.clone()).unwrap_or_else(|| DEFAULT_STACK.into());
    let objects = swarm.list(kind, &[])?;
    let services = swarm.stack_services(&stack)?;
    let (_, keep) = still_wanted(&env, kind)?;
    // What the stack mounts, in its specs or its running tasks: Swarm refuses to remove it.
    let mounted: BTreeSet<&str> = services
        .iter()
        .flat_map(|s| {
            let spec = match kind {
                ResourceKind::Secret => &s.secrets,
                ResourceKind::Config => &s.configs,
            };
            let tasks = s.running.iter().flat_map(move |(secrets, configs)| match kind {
                ResourceKind::Secret => secrets,
                ResourceKind::Config => configs,
            });
            spec.iter().chain(tasks)
        })
        .map(String::as_str)
        .collect();
    // Exactly what `prune --delete` removes: made for this env, wanted by no file, and not in
    // use by the stack.
    let orphan =
        |o: &SwarmObject| made_for(o, &env.name) && !keep(&o.name) && !mounted.contains(o.name.as_str());
    let wanted = wanted(&project, u, kind, &stack);
    let running = |s: &StackService| -> Vec<Vec<String>> {
        s.running
            .iter()
            .map(|(secrets, configs)| match kind {
                ResourceKind::Secret => secrets.clone(),
                ResourceKind::Config => configs.clone(),
            })
            .collect()
    };

    // Every base the files reference, or a service of the stack runs.
    let mut bases: BTreeSet<String> = BTreeSet::new();
    for set in wanted.values() {
        bases.extend(set.iter().map(|(o, _)| base_of(o).to_string()));
    }
    for s in &services {
        bases.extend(running(s).into_iter().flatten().map(|n| base_of(&n).to_string()));
    }
    let present: BTreeSet<&str> = objects.iter().map(|o| o.name.as_str()).collect();
    let mut rows = Vec::new();
    let mut shown: BTreeSet<&str> = BTreeSet::new();
    let mut stale_any = false;
    for base in &bases {
        let of_base = |n: &str| is_version_of(n, base);
        let referenced: BTreeSet<&str> =
            wanted.values().flatten().filter(|(o, _)| of_base(o)).map(|(o, _)| o.as_str()).collect();
        let missing: Vec<String> = wanted
            .values()
            .flatten()
            .filter(|(o, external)| *external && of_base(o) && !present.contains(o.as_str()))
            .map(|(o, _)| o.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut uses = Vec::new();
        let mut names: BTreeSet<String> = wanted.keys().cloned().collect();
        let prefix = format!("{stack}_");
        names.extend(services.iter().filter_map(|s| s.name.strip_prefix(&prefix).map(str::to_string)));
        for service in names {
            let want: BTreeSet<&str> = wanted
                .get(&service)
                .into_iter()
                .flatten()
                .filter(|(o, _)| of_base(o))
                .map(|(o, _)| o.as_str())
                .collect();
            let swarm_service = format!("{stack}_{service}");
            let tasks: Vec<BTreeSet<String>> = services
                .iter()
                .filter(|s| s.name == swarm_service)
                .flat_map(&running)
                .map(|mounted| mounted.into_iter().filter(|n| of_base(n)).collect())
                .collect();
            let mounted: BTreeSet<String> = tasks.iter().flatten().cloned().collect();
            if want.is_empty() && mounted.is_empty() {
                continue;
            }
            let state = if tasks.is_empty() {
                State::NotDeployed
            } else if tasks.iter().all(|t| t.iter().map(String::as_str).eq(want.iter().copied())) {
                State::InSync
            } else {
                State::Stale
            };
            uses.push(ServiceUse {
                service,
                swarm_service,
                wanted: want.iter().map(|s| s.to_string()).collect(),
                running: mounted.into_iter().collect(),
                state,
            });
        }
        let versions: Vec<Object> = objects
            .iter()
            .filter(|o| of_base(&o.name) || referenced.contains(o.name.as_str()))
            .map(|o| {
                shown.insert(o.name.as_str());
                Object {
                    name: o.name.clone(),
                    created: o.created.clone(),
                    labels: o.labels.clone(),
                    orphan: orphan(o),
                }
            })
            .collect();
        let state = if !missing.is_empty() {
            State::Missing
        } else {
            uses.iter()
                .map(|s| s.state)
                .filter(|s| *s != State::NotDeployed)
                .max()
                .unwrap_or(State::NotDeployed)
        };
        stale_any |= uses.iter().any(|s| s.state == State::Stale);
        rows.push(Row {
            base: base.clone(),
            state,
            referenced: referenced.iter().map(|s| s.to_string()).collect(),
            missing,
            swarm: versions,
            services: uses,
        });
    }
    let orphans: Vec<Object> = objects
        .iter()
        .filter(|o| !shown.contains(o.name.as_str()) && orphan(o))
        .map(|o| Object {
            name: o.name.clone(),
            created: o.created.clone(),
            labels: o.labels.clone(),
            orphan: true,
        })
        .collect();
    let redeploy = stale_any.then(|| {
        let files: Vec<String> =
            u.own_files().map(|f| format!("-c {}", shell_word(&project.files[f].path))).collect();
        format!("docker stack deploy {} {}", files.join(" "), shell_word(&stack))
    });
    // Services the stack runs that the files no longer define: a deploy leaves them running
    // unless it is given `--prune`.
    let gone: Vec<String> = rows
        .iter()
        .flat_map(|r| &r.services)
        .filter(|s| {
            s.state == State::Stale
                && !wanted.contains_key(&s.service)
                && !u.services.iter().any(|e| e.name == s.service)
        })
        .map(|s| s.swarm_service.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // `docker stack deploy` reads neither `.env` nor the env's `vars`: name what to export.
    let variables: Vec<String> =
        if stale_any { project.vars[u.vars].keys().cloned().collect() } else { Vec::new() };
    let deployed = !services.is_empty();
    let report = Report {
        version: 1,
        kind: kind.noun(),
        env: env.name.clone(),
        stack,
        endpoint: swarm.endpoint(),
        names: rows,
        orphans,
        redeploy,
        gone,
        variables,
        deployed,
    };
    // Names come from the files and from Swarm: masked like every other output (a `name:`
    // made of a credential variable would otherwise be printed).
    let det = env.settings.redaction();
    let scrubber = crate::secrets::mask::Scrubber::for_project(&det, &project);
    let mut shown = Vec::new();
    match format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut shown, &report).map_err(std::io::Error::other)?;
            shown.push(b'\n');
        }
        ReportFormat::Text => {
            recovered(&env.ws, None, &mut shown)?;
            text(&report, kind, &mut shown)?;
        }
    }
    out.write_all(scrubber.scrub(&String::from_utf8_lossy(&shown)).as_bytes())?;
    let bad = report.names.iter().any(|r| matches!(r.state, State::Stale | State::Missing));
    Ok(if bad { Outcome::Findings } else { Outcome::Clean })
}

/// A word as a POSIX shell reads it: quoted unless it is plainly safe.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:@".contains(&b)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn text(report: &Report, kind: ResourceKind, out: &mut dyn Write) -> Result<(), Error> {
    let noun = kind.noun();
    writeln!(
        out,
        "{}s of env {} in stack {} ({}):",
        capitalized(noun),
        report.env,
        report.stack,
        report.endpoint
    )?;
    if !report.deployed {
        writeln!(
            out,
            "  no service of stack {} runs here (deployed under another name? --stack NAME)",
            report.stack
        )?;
    }
    if report.names.is_empty() {
        writeln!(out, "  no {noun} is referenced by the files or mounted by the stack")?;
    }
    for row in &report.names {
        writeln!(out, "\n{}  {}", row.base, row.state.as_str())?;
        let referenced = if row.referenced.is_empty() { "-".to_string() } else { row.referenced.join(", ") };
        writeln!(out, "  files:  {referenced}")?;
        for m in &row.missing {
            writeln!(out, "  missing in Swarm: {m} (the next deploy fails)")?;
        }
        for (i, o) in row.swarm.iter().enumerate() {
            let lead = if i == 0 { "  Swarm:" } else { "        " };
            let created = o.created.as_deref().map(|c| format!("  created {c}")).unwrap_or_default();
            let orphan = if o.orphan { "  orphan" } else { "" };
            writeln!(out, "{lead}  {}{created}{orphan}", o.name)?;
        }
        let width = row.services.iter().map(|s| s.service.len()).max().unwrap_or(0);
        for s in &row.services {
            let runs = if s.running.is_empty() {
                "runs nothing".to_string()
            } else {
                format!("runs {}", s.running.join(", "))
            };
            writeln!(out, "  {:<width$}  {runs}  {}", s.service, s.state.as_str())?;
        }
    }
    if !report.orphans.is_empty() {
        writeln!(out, "\nOrphans (made by minipaas for env {}, referenced by no file):", report.env)?;
        for o in &report.orphans {
            let created = o.created.as_deref().map(|c| format!("  created {c}")).unwrap_or_default();
            writeln!(out, "  {}{created}", o.name)?;
        }
    }
    if report.names.iter().any(|r| r.swarm.iter().any(|o| o.orphan)) || !report.orphans.is_empty() {
        writeln!(out, "\n`minipaas {noun} prune --env {} --delete` removes the orphans.", report.env)?;
    }
    if report.names.iter().any(|r| r.state == State::Missing) {
        writeln!(
            out,
            "\nMissing: create them (`minipaas {noun} create --env {} --name BASE --for SERVICE`) before the next deploy.",
            report.env
        )?;
    }
    if let Some(cmd) = &report.redeploy {
        writeln!(
            out,
            "\nStale: running services keep the old {noun} until the stack is deployed again. From the repository root:\n  {cmd}"
        )?;
        if !report.variables.is_empty() {
            writeln!(
                out,
                "with the variables the files use exported first (`docker stack deploy` reads neither `.env` nor minipaas.yaml's vars): {}",
                report.variables.join(", ")
            )?;
        }
        if !report.gone.is_empty() {
            writeln!(
                out,
                "{} no longer in the files: add --prune to remove {}, or `docker service rm` {}",
                report.gone.join(", "),
                if report.gone.len() == 1 { "it" } else { "them" },
                if report.gone.len() == 1 { "it" } else { "them" }
            )?;
        }
    }
    Ok(())
}
