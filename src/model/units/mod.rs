//! Which Compose files are deployed together: the plans the loader turns into lint units.
//!
//! In order of authority: each `minipaas.yaml` (an env), each `[[lint.project]]` of
//! `.minipaas.toml`, each chain the repository writes down (`docker compose -f a -f b`,
//! `docker stack deploy -c a -c b`, `COMPOSE_FILE`, in scripts, Makefiles, CI workflows and
//! `.env` files). A file used in any of those is linted only there. Every other Compose file is
//! grouped by name: `<name>.yml` with `<name>.override.yml` beside it (what `docker compose`
//! loads by default), and with each `<name>.<variant>.yml` (what `-f <name>.yml -f
//! <name>.<variant>.yml` deploys); any other file is its own unit.

use std::collections::{BTreeMap, BTreeSet};

use super::chains::{Chain, Tool};
use crate::discover::{join_normalized, parent};

/// Why a unit's files were grouped, for `minipaas units` and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Listed in an env's `minipaas.yaml`.
    Env {
        /// The manifest's path.
        manifest: String,
    },
    /// A `[[lint.project]]` entry of `.minipaas.toml` (0-based).
    Config {
        /// Which entry.
        index: usize,
    },
    /// A command in a script, Makefile or workflow.
    Chain {
        /// The file holding the command.
        path: String,
        /// Its 1-based line.
        line: usize,
    },
    /// `COMPOSE_FILE` in a `.env` file.
    DotEnv {
        /// The `.env` file.
        path: String,
        /// Its 1-based line.
        line: usize,
    },
    /// `<name>.yml` with `<name>.override.yml` beside it.
    Override,
    /// `<name>.yml` with `<name>.<variant>.yml` beside it.
    Variant,
    /// A file on its own.
    Alone,
}

impl Origin {
    /// One line saying why, for people.
    pub fn describe(&self) -> String {
        match self {
            Origin::Env { manifest } => format!("listed in {manifest}"),
            Origin::Config { index } => format!("[[lint.project]] #{} in .minipaas.toml", index + 1),
            Origin::Chain { path, line } => format!("command at {path}:{line}"),
            Origin::DotEnv { path, line } => format!("COMPOSE_FILE at {path}:{line}"),
            Origin::Override => "an override file beside its base file".into(),
            Origin::Variant => "a variant file beside its base file".into(),
            Origin::Alone => "a Compose file on its own".into(),
        }
    }

    /// A short tag for JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Origin::Env { .. } => "env",
            Origin::Config { .. } => "config",
            Origin::Chain { .. } => "chain",
            Origin::DotEnv { .. } => "dotenv",
            Origin::Override => "override",
            Origin::Variant => "variant",
            Origin::Alone => "alone",
        }
    }

    /// True for the groupings inferred from file names, which a stronger one replaces.
    pub fn inferred(&self) -> bool {
        matches!(self, Origin::Override | Origin::Variant | Origin::Alone)
    }
}

/// A unit to build: its files by path, before anything is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Compose files in merge order, root-relative.
    pub files: Vec<String>,
    /// Why these.
    pub origin: Origin,
    /// Who merges them.
    pub tool: Tool,
    /// An `--env-file` that gives the variables instead of the project's `.env`.
    pub env_file: Option<String>,
    /// An explicit project directory (`--project-directory`).
    pub project_dir: Option<String>,
    /// Files the chain names that are not known Compose files here (`-f "$1"`, a git-ignored
    /// local override): the unit cannot see them.
    pub unknown: Vec<String>,
}

/// A chain found in a file, with where it was found.
#[derive(Debug, Clone)]
pub(crate) struct FoundChain {
    /// The script, Makefile, workflow or `.env` holding it.
    pub path: String,
    /// The chain as written.
    pub chain: Chain,
    /// True when it is `COMPOSE_FILE` in a `.env` file (relative to that file's folder).
    pub dotenv: bool,
}

/// A chain that names files the tool cannot find, kept so `minipaas units` can say why it is
/// not a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is written.
    pub origin: Origin,
    /// Why it is not a unit.
    pub reason: String,
}

/// Plans for the chains: each resolved against the Compose files discovered, relative to the
/// folder of the file that writes it, or else to the repository root (where CI runs), or else
/// to the one folder that holds all of them (the script ran `cd deploy`, or a CI step set
/// `working-directory`, or the path starts with a folder variable: `$DIR/app.yml`,
/// `$(dirname "$0")/app.yml`, `${{ github.workspace }}/app.yml`). Variables in a name
/// (`docker-compose.${ENV}.yml`) match any discovered file. A file that cannot be found makes
/// the unit one with a part it cannot see; a chain where no file can be found is no unit.
pub(crate) fn chain_plans(found: &[FoundChain], compose: &BTreeSet<String>) -> (Vec<Plan>, Vec<Skipped>) {
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    for f in found {
        let origin = if f.dotenv {
            Origin::DotEnv { path: f.path.clone(), line: f.chain.line }
        } else {
            Origin::Chain { path: f.path.clone(), line: f.chain.line }
        };
        let dir = parent(&f.path);
        let files: Vec<String> = f.chain.files.iter().map(|p| strip_folder_variables(p)).collect();
        let mut bases: Vec<&str> = if f.dotenv || dir.is_empty() { vec![dir] } else { vec![dir, ""] };
        let holding = folders_holding(&files, compose);
        if !f.dotenv && holding.len() == 1 {
            bases.extend(holding.iter().map(String::as_str));
        }
        // The base where the most files are found (the script's folder first).
        let (base, resolved) = bases
            .iter()
            .map(|b| (*b, resolve_all(&files, b, compose)))
            .max_by_key(|(b, r)| (r.found, usize::from(*b == dir)))
            .unwrap_or(("", Resolved::default()));
        if resolved.found == 0 {
            skipped.push(Skipped {
                origin,
                reason: format!(
                    "names no Compose file found here: {}",
                    f.chain
                        .files
                        .iter()
                        .map(|p| crate::secrets::mask::shown::shown_path(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            continue;
        }
        let relative =
            |p: &str| join_normalized(base, p.trim_start_matches("./")).filter(|p| !p.contains('$'));
        let env_file = f.chain.env_file.as_deref().and_then(relative);
        let mut unknown = resolved.unknown.clone();
        if f.chain.env_file.is_some() && env_file.is_none() {
            unknown.extend(f.chain.env_file.clone());
        }
        let project_dir = f.chain.project_dir.as_deref().and_then(relative);
        for files in resolved.combos {
            plans.push(Plan {
                files,
                origin: origin.clone(),
                tool: f.chain.tool,
                env_file: env_file.clone(),
                project_dir: project_dir.clone(),
                unknown: unknown.clone(),
            });
        }
    }
    (plans, skipped)
}

/// A path whose leading folders are variables (`$DIR/app.yml`, `${PWD}/deploy/app.yml`):
/// those folders dropped, so the rest is looked for from the script's folder, the root, or the
/// one folder that holds every file of the chain.
fn strip_folder_variables(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let keep = parts.iter().position(|p| !has_variable(p)).unwrap_or(parts.len());
    if keep == 0 || keep == parts.len() { path.to_string() } else { parts[keep..].join("/") }
}

/// The folders from which every file of a chain (without variables) is a known Compose file.
fn folders_holding(files: &[String], compose: &BTreeSet<String>) -> Vec<String> {
    let plain: Vec<&str> = files
        .iter()
        .map(|f| f.trim_start_matches("./"))
        .filter(|f| !has_variable(f) && !f.starts_with('/'))
        .collect();
    let Some(first) = plain.first() else { return Vec::new() };
    let mut out: Vec<String> = compose
        .iter()
        .filter_map(|c| c.strip_suffix(first).filter(|d| d.is_empty() || d.ends_with('/')))
        .map(|d| d.trim_end_matches('/').to_string())
        .filter(|d| plain.iter().all(|f| join_normalized(d, f).is_some_and(|p| compose.contains(&p))))
        .collect();
    out.dedup();
    out
}

/// How a chain's files read from one base folder.
#[derive(Debug, Default)]
struct Resolved {
    /// Every way to read the known files (several when variables stand for parts of names).
    combos: Vec<Vec<String>>,
    /// The files as written that match no Compose file.
    unknown: Vec<String>,
    /// How many files were found.
    found: usize,
}

fn resolve_all(files: &[String], base: &str, compose: &BTreeSet<String>) -> Resolved {
    const MAX_COMBINATIONS: usize = 16;
    let mut out = Resolved { combos: vec![Vec::new()], ..Resolved::default() };
    for raw in files {
        let options: Vec<String> = match join_normalized(base, raw.trim_start_matches("./")) {
            None => Vec::new(),
            Some(path) if has_variable(&path) => {
                let pattern = wildcard(&path);
                // A name that is all variable (`-f $FILE`) could be any file: not one to guess.
                let name = pattern.rsplit('/').next().unwrap_or(&pattern);
                let literal = name.trim_end_matches(".yml").trim_end_matches(".yaml").replace('*', "");
                if literal.len() < 3 || pattern.matches('*').count() > 4 {
                    Vec::new()
                } else {
                    compose.iter().filter(|c| glob_match(&pattern, c)).cloned().collect()
                }
            }
            Some(path) if compose.contains(&path) => vec![path],
            Some(_) => Vec::new(),
        };
        if options.is_empty() {
            out.unknown.push(raw.clone());
            continue;
        }
        // `-f a.yml -f a.yml` loads the file once.
        if options.len() == 1 && out.combos.iter().all(|c| c.contains(&options[0])) {
            continue;
        }
        let mut next = Vec::new();
        for combo in &out.combos {
            for o in &options {
                if !combo.contains(o) {
                    let mut c = combo.clone();
                    c.push(o.clone());
                    next.push(c);
                }
            }
        }
        if next.is_empty() || next.len() > MAX_COMBINATIONS {
            out.unknown.push(raw.clone());
            continue;
        }
        out.found += 1;
        out.combos = next;
    }
    out
}

fn has_variable(path: &str) -> bool {
    path.contains('$') || path.contains('%')
}

/// A path with its variables (`$X`, `${X}`, `$(X)`, `%X%`) turned into `*`.
fn wildcard(path: &str) -> String {
    let mut out = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => {
                match chars.peek() {
                    Some('{') | Some('(') => {
                        let close = if chars.next() == Some('{') { '}' } else { ')' };
                        for v in chars.by_ref() {
                            if v == close {
                                break;
                            }
                        }
                    }
                    _ => {
                        while chars.peek().is_some_and(|v| v.is_ascii_alphanumeric() || *v == '_') {
                            chars.next();
                        }
                    }
                }
                out.push('*');
            }
            '%' => {
                for v in chars.by_ref() {
                    if v == '%' {
                        break;
                    }
                }
                out.push('*');
            }
            c => out.push(c),
        }
    }
    out
}

/// `*` matches any run of characters other than `/`.
fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else { return false };
            // Every place the `*` may end: character boundaries up to the next `/`.
            let stop = tail.find('/').unwrap_or(tail.len());
            tail.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(tail.len()))
                .take_while(|&i| i <= stop)
                .any(|i| glob_match(rest, &tail[i..]))
        }
    }
}

/// Plans for the Compose files no env, configured project or chain uses, by name. Parts (files
/// without services) are overlays of a base or nothing: never a unit alone.
pub(crate) fn inferred_plans(
    compose: &BTreeSet<String>,
    parts: &BTreeSet<String>,
    used: &BTreeSet<String>,
) -> Vec<Plan> {
    // Stack files by name are deployed with `docker stack deploy`, the rest as Compose would.
    let plan = |files: Vec<String>, origin: Origin| Plan {
        tool: if files.first().is_some_and(|f| stack_name(f)) { Tool::Stack } else { Tool::Compose },
        files,
        origin,
        env_file: None,
        project_dir: None,
        unknown: Vec::new(),
    };
    // (folder, stem) -> the base file; a base may itself be used elsewhere and still take the
    // overlays nobody else uses.
    let mut bases: BTreeMap<(&str, &str), &String> = BTreeMap::new();
    for path in compose {
        if let Some(stem) = base_stem(path) {
            bases.entry((parent(path), stem)).or_insert(path);
        }
    }
    // `docker compose` with no `-f` loads the first of four base names and the first of four
    // override names in a folder, whichever stems they have (compose-go `DefaultFileNames`,
    // `DefaultOverrideFileNames`): `compose.yaml` with `docker-compose.override.yml` is a pair.
    let first_in = |dir: &str, names: &[&str]| {
        names
            .iter()
            .map(|n| join_normalized(dir, n).unwrap_or_default())
            .find(|p| compose.contains(p) || parts.contains(p))
    };
    let mut overlays: BTreeMap<&String, (Option<&String>, Vec<&String>)> = BTreeMap::new();
    let mut alone: Vec<&String> = Vec::new();
    for path in compose.iter().chain(parts).filter(|p| !used.contains(*p)) {
        let dir = parent(path);
        let default_base = DEFAULT_OVERRIDES
            .contains(&crate::discover::names::file_name(path))
            .then(|| first_in(dir, &DEFAULT_BASES))
            .flatten()
            .filter(|_| first_in(dir, &DEFAULT_OVERRIDES).as_deref() == Some(path.as_str()));
        let base = match default_base.as_ref().and_then(|b| compose.get(b)) {
            Some(b) => Some(b),
            None => overlay_stems(path).find_map(|stem| bases.get(&(dir, stem)).copied()),
        }
        .filter(|b| *b != path);
        match base {
            Some(b) => {
                let entry = overlays.entry(b).or_default();
                if is_override(path) && entry.0.is_none() {
                    entry.0 = Some(path);
                } else {
                    entry.1.push(path);
                }
            }
            None if compose.contains(path) => alone.push(path),
            None => {}
        }
    }
    let mut out = Vec::new();
    for path in alone {
        // A base with overlays is deployed with them, not alone.
        if !overlays.contains_key(path) {
            out.push(plan(vec![path.clone()], Origin::Alone));
        }
    }
    for (base, (over, variants)) in overlays {
        if let Some(o) = over {
            out.push(plan(vec![base.clone(), o.clone()], Origin::Override));
        }
        for v in variants {
            out.push(plan(vec![base.clone(), v.clone()], Origin::Variant));
        }
    }
    out
}

/// The base file names `docker compose` looks for, in order.
const DEFAULT_BASES: [&str; 4] = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
/// The override file names `docker compose` loads with the base, in order.
const DEFAULT_OVERRIDES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// A name that says `docker stack deploy`: `docker-stack*.yml`, `*-stack.yml`, `*stack*/…`.
fn stack_name(path: &str) -> bool {
    let name = crate::discover::names::file_name(path);
    name.starts_with("docker-stack") || name.contains("-stack.") || name.starts_with("stack.")
}

/// The stem a base file's overlays share: `compose.yaml` → `compose`, `blog.yml` → `blog`.
/// A name with more than one dot is an overlay, not a base.
fn base_stem(path: &str) -> Option<&str> {
    let name = crate::discover::names::file_name(path);
    let (stem, ext) = name.split_once('.')?;
    (matches!(ext, "yml" | "yaml") && !stem.is_empty()).then_some(stem)
}

/// The stems an overlay may belong to: `compose.override.yaml` → `compose`;
/// `docker-compose.prod.yml` and `docker-compose-prod.yml` → `docker-compose`.
fn overlay_stems(path: &str) -> impl Iterator<Item = &str> {
    let name = crate::discover::names::file_name(path);
    let dotted = name.split_once('.').filter(|(_, rest)| rest.contains('.')).map(|(stem, _)| stem);
    let dashed = ["docker-compose", "docker-stack"]
        .into_iter()
        .find(|stem| name.strip_prefix(stem).is_some_and(|rest| rest.starts_with('-')));
    dotted.into_iter().chain(dashed)
}

fn is_override(path: &str) -> bool {
    let name = crate::discover::names::file_name(path);
    name.split_once('.').is_some_and(|(_, rest)| rest == "override.yml" || rest == "override.yaml")
}

#[cfg(test)]
mod tests;
