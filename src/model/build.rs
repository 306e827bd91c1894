//! Building lint units from plans: reading the files, giving each its variables and project
//! directory, following `include:` (spec `14-include.md`) and building the effective
//! services ([`super::effective`]).

use std::collections::HashMap;

use super::compose::{ResourceKind, Spanned};
use super::effective::{Def, Expansion, Hidden, Unknown, VarsId};
use super::interp::{self, Vars};
use super::locate::{Located, locate};
use super::manifest::Schema;
use super::source::Content;
use super::units::{Origin, Plan};
use super::{Member, PathFacts, Project, Unit, env_name};
use crate::diagnostic::{FileId, Severity};
use crate::discover::{Workspace, join_normalized, parent};

/// How many `include` hops are followed from a unit's own files.
const MAX_INCLUDE_DEPTH: usize = 16;

/// What a `minipaas.yaml` lists, resolved to paths (or why an entry cannot be).
pub(super) struct Listing {
    pub manifest: FileId,
    pub path: String,
    pub vars: Vars,
    pub items: Vec<(Spanned, Result<String, String>)>,
}

impl Listing {
    /// The listed files that resolved to a path.
    pub(super) fn paths(&self) -> impl Iterator<Item = &String> {
        self.items.iter().filter_map(|(_, r)| r.as_ref().ok())
    }
}

impl Project {
    /// Keeps a set of variables, returning its id.
    fn add_vars(&mut self, vars: Vars) -> VarsId {
        self.vars.push(vars);
        self.vars.len() - 1
    }

    /// Reads one `minipaas.yaml` and resolves what it lists (without reading those files).
    pub(super) fn env_listing(&mut self, ws: &Workspace, manifest_path: &str) -> Option<Listing> {
        let id = self.load_file(ws, manifest_path, true);
        let Content::Manifest(m) = &self.files[id].content else {
            return None;
        };
        let (listed, schema, vars) = (m.files.clone(), m.schema, m.vars.clone());
        let env_dir = parent(manifest_path).to_string();
        let items = listed
            .into_iter()
            .map(|item| {
                let resolved = resolve_listed(ws, &item.value, &env_dir, schema);
                (item, resolved)
            })
            .collect();
        Some(Listing { manifest: id, path: manifest_path.to_string(), vars, items })
    }

    /// The unit of one env: the files its `minipaas.yaml` lists, in order.
    pub(super) fn env_unit(&mut self, ws: &Workspace, listing: Listing) -> Unit {
        let mut files = Vec::new();
        let mut missing = Vec::new();
        let mut bad = Vec::new();
        for (item, resolved) in listing.items {
            match resolved {
                Err(message) => bad.push((item.span, message)),
                Ok(path) if ws.exists(&path) => {
                    if !files.contains(&path) {
                        files.push(path);
                    }
                }
                Ok(path) => missing.push((item, path)),
            }
        }
        // MiniPaaS deploys an env with `docker stack deploy -c <file>...`.
        let plan = Plan {
            files,
            origin: Origin::Env { manifest: listing.path.clone() },
            tool: super::chains::Tool::Stack,
            env_file: None,
            project_dir: None,
            unknown: Vec::new(),
        };
        let env_dir = parent(&listing.path).to_string();
        let mut unit = self.build_unit(ws, &plan, Some((listing.vars, env_dir.clone())));
        unit.label = format!("env {}", env_name(&listing.path));
        unit.env = Some(env_name(&listing.path));
        unit.manifest = Some(listing.manifest);
        unit.dir = Some(env_dir);
        for (span, message) in bad {
            self.problem(listing.manifest, span.clone(), message.clone(), Severity::Error);
            unit.unknowns.push(Unknown {
                hides: Hidden::Anything,
                message,
                at: Some((listing.manifest, span)),
            });
        }
        for (item, path) in &missing {
            unit.unknowns.push(Unknown {
                hides: Hidden::Anything,
                message: format!("{path} is listed but does not exist"),
                at: Some((listing.manifest, item.span.clone())),
            });
        }
        unit.missing = missing;
        unit
    }

    /// Builds one unit: its files with their variables, what they include, and the effective
    /// services. `env` gives an env's variables (which win over `.env`) and folder.
    pub(super) fn build_unit(&mut self, ws: &Workspace, plan: &Plan, env: Option<(Vars, String)>) -> Unit {
        // Compose's project directory is the first file's folder unless one is given; its
        // `.env` (or the `--env-file` the command names) gives the variables.
        let project_dir = plan
            .project_dir
            .clone()
            .or_else(|| plan.files.first().map(|f| parent(f).to_string()))
            .or_else(|| env.as_ref().map(|(_, dir)| dir.clone()))
            .unwrap_or_default();
        let env_path = match &plan.env_file {
            Some(path) => path.clone(),
            None if project_dir.is_empty() => ".env".to_string(),
            None => format!("{project_dir}/.env"),
        };
        let env_read = self.env_file(ws, &env_path).map(|e| e.vars.clone());
        let env_source = env_read.is_some().then_some(env_path);
        let mut vars = env_read.unwrap_or_default();
        if let Some((env_vars, _)) = env {
            vars.extend(env_vars);
        }
        let vars = self.add_vars(vars);
        let mut unit = Unit {
            label: plan.files.join(" + "),
            env: None,
            manifest: None,
            dir: None,
            origin: plan.origin.clone(),
            tool: plan.tool,
            files: Vec::new(),
            members: Vec::new(),
            vars,
            project_dir: project_dir.clone(),
            env_source,
            missing: Vec::new(),
            unknowns: Vec::new(),
            services: Vec::new(),
            plan: plan.clone(),
        };
        for raw in &plan.unknown {
            unit.unknowns.push(Unknown {
                hides: Hidden::Anything,
                message: format!(
                    "`{}` ({}) is not a Compose file found here",
                    crate::secrets::mask::shown::shown_path(raw),
                    plan.origin.describe()
                ),
                at: None,
            });
        }
        for path in &plan.files {
            // A file taken for Compose by its content but that does not parse as Compose is not
            // one (as a run over the whole repository finds before grouping).
            let by_content =
                self.deferred.get(path).is_some_and(|(_, found)| *found != super::outcome::Found::Name);
            let file = self.load_file(ws, path, false);
            if by_content && self.files[file].compose().is_none() {
                continue;
            }
            self.add_member(
                &mut unit,
                Member { file, vars, base_dir: project_dir.clone(), included: false },
                None,
            );
        }
        let mut depth: HashMap<FileId, usize> = HashMap::new();
        let mut i = 0;
        while i < unit.members.len() {
            let member = unit.members[i].clone();
            i += 1;
            let d = depth.get(&member.file).copied().unwrap_or(0);
            if d < MAX_INCLUDE_DEPTH {
                for file in self.follow_includes(ws, &mut unit, &member) {
                    depth.insert(file, d + 1);
                }
            }
        }
        let mut found = Expansion { files: Vec::new(), unknowns: Vec::new(), warnings: Vec::new() };
        let mut services = Vec::new();
        let mut by_name = HashMap::new();
        for member in unit.members.clone() {
            let count = self.files[member.file].compose().map_or(0, |c| c.services.len());
            for index in 0..count {
                let def = Def {
                    file: member.file,
                    index,
                    vars: member.vars,
                    base_dir: member.base_dir.clone(),
                    extended: false,
                };
                self.layer(ws, &mut services, &mut by_name, def, plan.tool, &mut found);
            }
        }
        for f in found.files {
            if !unit.files.contains(&f) {
                unit.files.push(f);
            }
        }
        for (file, span, message) in found.warnings {
            if !self.errors.iter().any(|e| e.file == Some(file) && e.span.as_ref() == Some(&span)) {
                self.problem(file, span, message, Severity::Warning);
            }
        }
        unit.unknowns.extend(found.unknowns);
        // Names that stay patterns: the rules treat them as such; `minipaas units` says so.
        for service in &services {
            for kind in [ResourceKind::Secret, ResourceKind::Config] {
                for r in service.refs(kind).iter().filter(|r| r.name.exact().is_none()) {
                    let Some(def) = service.defs.get(r.def) else { continue };
                    let Some(written) = self.service_def(def).and_then(|s| s.refs(kind).get(r.index)) else {
                        continue;
                    };
                    let at = Some((def.file, written.source.span.clone()));
                    if !unit.unknowns.iter().any(|u| u.at == at) {
                        unit.unknowns.push(Unknown {
                            hides: Hidden::Nothing,
                            message: format!(
                                "`{}` has a variable the repository does not define; taken as any name like `{}`",
                                written.source.value, r.name
                            ),
                            at,
                        });
                    }
                }
            }
        }
        if services.is_empty() && plan.origin.inferred() {
            // Declarations with no services are deployed with other files.
            unit.unknowns.push(Unknown {
                hides: Hidden::References,
                message: "no services: these files are deployed together with others".into(),
                at: None,
            });
        }
        unit.services = services;
        unit
    }

    /// Adds a member file to a unit (once), noting when it cannot be read.
    fn add_member(
        &mut self,
        unit: &mut Unit,
        member: Member,
        at: Option<(FileId, std::ops::Range<usize>)>,
    ) -> bool {
        if unit.members.iter().any(|m| m.file == member.file) {
            return false;
        }
        if self.files[member.file].compose().is_none() {
            unit.unknowns.push(Unknown {
                hides: Hidden::Anything,
                message: format!("{} could not be read", self.files[member.file].path),
                at,
            });
        }
        if !unit.files.contains(&member.file) {
            unit.files.push(member.file);
        }
        unit.members.push(member);
        true
    }

    /// Adds what one member file includes; returns the files added.
    fn follow_includes(&mut self, ws: &Workspace, unit: &mut Unit, member: &Member) -> Vec<FileId> {
        let Some(compose) = self.files[member.file].compose() else { return Vec::new() };
        let includes = compose.includes.clone();
        let mut added = Vec::new();
        for include in includes {
            let parent_vars = self.vars[member.vars].clone();
            let unknown = |message: String| Unknown {
                hides: Hidden::Anything,
                message,
                at: Some((member.file, include.span.clone())),
            };
            let mut paths = Vec::new();
            for raw in &include.paths {
                match locate(ws, &raw.value, &parent_vars, &member.base_dir) {
                    Located::File(p) => paths.push(p),
                    Located::Remote(path) => {
                        unit.unknowns.push(unknown(format!(
                            "`{path}` is a remote include; minipaas does not fetch it"
                        )));
                    }
                    Located::Unresolved => {
                        unit.unknowns.push(unknown(format!("`include: {}` cannot be resolved", raw.value)));
                    }
                    Located::Missing(path) => {
                        let message = format!(
                            "`{}` is not a file in this repository; not followed",
                            crate::secrets::mask::shown::shown_path(&path)
                        );
                        self.problem(member.file, raw.span.clone(), message.clone(), Severity::Warning);
                        unit.unknowns.push(unknown(message));
                    }
                }
            }
            let Some(first) = paths.first() else { continue };
            let project_dir = include
                .project_directory
                .as_ref()
                .and_then(|d| interp::resolve(&d.value, &parent_vars))
                .and_then(|d| join_normalized(&member.base_dir, &d))
                .unwrap_or_else(|| parent(first).to_string());
            // The included project's own variables, overridden by the including project's.
            let mut vars = Vars::new();
            if include.env_files.is_empty() {
                vars.extend(self.dotenv_in(ws, &project_dir).map(|e| e.vars.clone()).unwrap_or_default());
            }
            for env_file in &include.env_files {
                let path = interp::resolve(&env_file.value, &parent_vars)
                    .and_then(|p| join_normalized(&member.base_dir, &p));
                if let Some(env) = path.and_then(|p| self.env_file(ws, &p).cloned()) {
                    vars.extend(env.vars);
                }
            }
            vars.extend(parent_vars);
            let vars = self.add_vars(vars);
            for path in paths {
                let file = self.load_file(ws, &path, false);
                let m = Member { file, vars, base_dir: project_dir.clone(), included: true };
                if self.add_member(unit, m, Some((member.file, include.span.clone()))) {
                    added.push(file);
                }
            }
        }
        added
    }

    /// Records existence and tracking for secret files and env files, and reads tracked env files.
    pub(super) fn gather_facts(&mut self, ws: &Workspace) {
        let mut wanted: Vec<(String, bool)> = Vec::new();
        for unit in &self.units {
            for &file in &unit.files {
                let Some(compose) = self.files[file].compose() else { continue };
                let (vars, base) = self.context(unit, file);
                let secret_files = compose.secrets.iter().filter_map(|d| d.file.as_ref()).map(|s| (s, false));
                let env_files = compose.services.iter().flat_map(|s| s.env_files.iter()).map(|s| (s, true));
                // Include `env_file`s are read for interpolation (MP005 asks whether they are tracked).
                let include_envs =
                    compose.includes.iter().flat_map(|i| i.env_files.iter()).map(|s| (s, false));
                for (raw, read) in secret_files.chain(env_files).chain(include_envs) {
                    if let Some(path) =
                        interp::resolve(&raw.value, vars).and_then(|r| join_normalized(base, &r))
                    {
                        wanted.push((path, read));
                    }
                }
            }
            wanted.extend(unit.env_source.iter().map(|p| (p.clone(), false)));
        }
        for (path, read) in wanted {
            if self.facts.contains_key(&path) {
                continue;
            }
            let tracked = ws.is_tracked(&path);
            let exists = ws.exists(&path) || tracked;
            let text = if read && tracked {
                ws.read(&path).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
            } else {
                None
            };
            self.facts.insert(path, PathFacts { exists, tracked, text });
        }
    }
}

/// Where a listed path points. Upstream paths are relative to where MiniPaaS runs: the
/// repository root, or else the env folder's parent (`--env dev` run beside `dev/`).
fn resolve_listed(ws: &Workspace, raw: &str, env_dir: &str, schema: Schema) -> Result<String, String> {
    let outside = || format!("`{raw}` is outside the repository; minipaas reads only files inside it");
    if raw.starts_with('/') {
        return ws.relative(std::path::Path::new(raw)).ok_or_else(outside);
    }
    match schema {
        Schema::Fork => join_normalized(env_dir, raw).ok_or_else(outside),
        Schema::Upstream => {
            let from_root = join_normalized("", raw);
            let from_parent = join_normalized(parent(env_dir), raw);
            match (from_root, from_parent) {
                (Some(r), _) if ws.exists(&r) => Ok(r),
                (_, Some(p)) if ws.exists(&p) => Ok(p),
                (Some(r), _) => Ok(r),
                (None, Some(p)) => Ok(p),
                (None, None) => Err(outside()),
            }
        }
    }
}
