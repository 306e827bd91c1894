//! The effective model of a unit: each service as the deploying tool sees it, after `extends`
//! and after the unit's files are merged.
//!
//! - `extends` (spec `05-services.md`, section `extends`): only the named service is brought
//!   in, recursively through its own `extends`; the referenced definition comes first and the
//!   extending one after. Compose "does not automatically import" the resources an extended
//!   service refers to, so the extended file's top-level `secrets:`/`configs:` are not the
//!   unit's, and its other services are not deployed.
//! - Merging (spec `13-merge.md`): definitions of one service in several files are merged in
//!   order. `secrets` and `configs` are "unique resources": an entry replaces an earlier one
//!   with the same key instead of being appended. The Compose Specification keys them by
//!   `target` (and `05-services.md` removes duplicates after an `extends` merge the same way);
//!   `docker stack deploy` (docker/cli `cli/compose/loader/merge.go`,
//!   `toServiceSecretConfigsMap`) keys them by `source`. A unit merges the way the tool that
//!   deploys it does ([`Tool`]).

use std::ops::Range;

use super::Project;
use super::chains::Tool;
use super::compose::{Reference, ResourceKind, Service};
use super::interp::{self, Name};
use super::locate::{Located, locate};
use crate::diagnostic::FileId;
use crate::discover::{Workspace, parent};

/// Index of a variable set in [`Project::vars`].
pub(crate) type VarsId = usize;

/// How many `extends` hops are followed from one service.
const MAX_EXTENDS_DEPTH: usize = 32;

/// One written definition of a service that contributes to an effective service.
#[derive(Debug, Clone)]
pub struct Def {
    /// The file it is written in.
    pub file: FileId,
    /// Its index in that file's [`super::compose::Compose::services`].
    pub index: usize,
    /// The variables its names are resolved with.
    pub vars: VarsId,
    /// The folder its relative paths start from.
    pub base_dir: String,
    /// True when `extends` brought it in: it is another service's definition.
    pub extended: bool,
}

/// A reference of an effective service, pointing at where it is written.
#[derive(Debug, Clone)]
pub struct Ref {
    /// Index into [`EffectiveService::defs`].
    pub def: usize,
    /// Index into that definition's references of the same kind.
    pub index: usize,
    /// The name it refers to, after interpolation.
    pub name: Name,
    /// What merging compares (see the module documentation).
    key: String,
}

/// A service after `extends` and merging.
#[derive(Debug, Clone)]
pub struct EffectiveService {
    /// The service name.
    pub name: String,
    /// Every definition that contributes, in merge order (extended ones before the one that
    /// extends them).
    pub defs: Vec<Def>,
    /// Secrets it mounts (and build secrets), after merging.
    pub secrets: Vec<Ref>,
    /// Configs it mounts, after merging.
    pub configs: Vec<Ref>,
}

impl EffectiveService {
    /// The references of one kind.
    pub fn refs(&self, kind: ResourceKind) -> &[Ref] {
        match kind {
            ResourceKind::Secret => &self.secrets,
            ResourceKind::Config => &self.configs,
        }
    }

    fn refs_mut(&mut self, kind: ResourceKind) -> &mut Vec<Ref> {
        match kind {
            ResourceKind::Secret => &mut self.secrets,
            ResourceKind::Config => &mut self.configs,
        }
    }
}

/// Something a unit holds that the tool cannot see, so some answers would be guesses.
#[derive(Debug, Clone)]
pub struct Unknown {
    /// What it may hide.
    pub hides: Hidden,
    /// What it is, for people.
    pub message: String,
    /// Where it is written, when in a loaded file.
    pub at: Option<(FileId, Range<usize>)>,
}

/// What an unknown part may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Anything: declarations and references (a file that did not parse, a remote or missing
    /// `include`, a listed file that does not exist).
    Anything,
    /// References only (an `extends` whose file or service cannot be found: Compose does not
    /// import an extended file's declarations).
    References,
    /// Nothing the rules count on: a name that cannot be interpolated (the rules treat it as a
    /// pattern); listed so `minipaas units` can say so.
    Nothing,
}

/// What building one service's layers found along the way.
pub(super) struct Expansion {
    /// Files read for `extends` only.
    pub files: Vec<FileId>,
    /// What could not be seen.
    pub unknowns: Vec<Unknown>,
    /// Problems to report as input warnings: (file, span, message).
    pub warnings: Vec<(FileId, Range<usize>, String)>,
}

impl Project {
    /// The written service a definition points at.
    pub fn service_def(&self, def: &Def) -> Option<&Service> {
        self.files[def.file].compose()?.services.get(def.index)
    }

    /// Where an effective reference is written: its definition and the reference itself.
    pub fn reference<'a>(
        &'a self,
        service: &'a EffectiveService,
        r: &Ref,
        kind: ResourceKind,
    ) -> Option<(&'a Def, &'a Reference)> {
        let def = service.defs.get(r.def)?;
        Some((def, self.service_def(def)?.refs(kind).get(r.index)?))
    }

    /// Where a reference mounts, interpolated with its definition's variables and normalized for
    /// comparison (`/run/secrets/x` and `x` are one place); `None` when a variable is unknown.
    pub fn mount_target(&self, def: &Def, r: &Reference, kind: ResourceKind) -> Option<String> {
        let raw = r.target.as_ref().unwrap_or(&r.source);
        interp::name(&raw.value, &self.vars[def.vars]).exact().map(|t| kind.normalize_target(t))
    }

    /// Adds one written service (and what it extends) to the effective services, merging it
    /// into a service of the same name.
    pub(super) fn layer(
        &mut self,
        ws: &Workspace,
        services: &mut Vec<EffectiveService>,
        by_name: &mut std::collections::HashMap<String, usize>,
        top: Def,
        tool: Tool,
        found: &mut Expansion,
    ) {
        let Some(name) = self.service_def(&top).map(|s| s.name.value.clone()) else { return };
        let mut layers = Vec::new();
        self.expand(ws, top, &mut layers, found, &mut Vec::new());
        let at = *by_name.entry(name.clone()).or_insert_with(|| {
            services.push(EffectiveService {
                name,
                defs: Vec::new(),
                secrets: Vec::new(),
                configs: Vec::new(),
            });
            services.len() - 1
        });
        let service = &mut services[at];
        for def in layers {
            let d = service.defs.len();
            let Some(written) = self.files[def.file].compose().and_then(|c| c.services.get(def.index)) else {
                continue;
            };
            let vars = &self.vars[def.vars];
            for kind in [ResourceKind::Secret, ResourceKind::Config] {
                if tool != Tool::Stack && written.merge_tags.iter().any(|(k, _)| *k == kind) {
                    // `!reset` and `!override` drop what earlier definitions set (only the
                    // build secrets stay: they are another attribute). `docker stack deploy`
                    // ignores the tags and merges as usual (measured: `docker stack config`
                    // 28.2.2 keeps both lists).
                    service.refs_mut(kind).retain(|old| old.key.starts_with("build:"));
                }
                for (index, r) in written.refs(kind).iter().enumerate() {
                    let name = interp::name(&r.source.value, vars);
                    let key = merge_key(tool, kind, r, &name, vars, (d, index));
                    let list = service.refs_mut(kind);
                    // Entries written in one definition never replace each other: Swarm rejects
                    // two with one target, and docker compose silently keeps one (compose-go
                    // `EnforceUnicity`); either way it is a mistake to report (MP008).
                    let replaced = list.iter().position(|old| old.key == key && old.def != d);
                    let new = Ref { def: d, index, name, key };
                    match replaced {
                        Some(i) => list[i] = new,
                        None => list.push(new),
                    }
                }
            }
            service.defs.push(def);
        }
    }

    /// `def` with what it extends first, recursively. `visiting` holds the definitions on the
    /// way here, to catch `extends` that go round in a circle.
    fn expand(
        &mut self,
        ws: &Workspace,
        def: Def,
        out: &mut Vec<Def>,
        found: &mut Expansion,
        visiting: &mut Vec<(FileId, usize)>,
    ) {
        let Some(ext) = self.service_def(&def).and_then(|s| s.extends.clone()) else {
            out.push(def);
            return;
        };
        let vars = &self.vars[def.vars];
        let service = interp::resolve(&ext.service.value, vars);
        let base_file = match &ext.file {
            None => Ok(def.file),
            // Relative to the project's folder (compose-go resolves it from the working
            // directory), which for a file read only for `extends` is its own folder.
            Some(raw) => match locate(ws, &raw.value, vars, &def.base_dir) {
                Located::File(rel) => {
                    let id = self.load_file(ws, &rel, false);
                    if !found.files.contains(&id) {
                        found.files.push(id);
                    }
                    if self.files[id].compose().is_some() {
                        Ok(id)
                    } else {
                        Err((format!("{rel} (extended) could not be read"), false))
                    }
                }
                Located::Remote(path) => {
                    Err((format!("`extends` names `{path}`, a remote file minipaas does not fetch"), false))
                }
                Located::Unresolved => {
                    Err((format!("`extends: file: {}` cannot be resolved", raw.value), false))
                }
                Located::Missing(path) => Err((
                    format!(
                        "`extends` names `{}`, which is not a file in this repository",
                        crate::secrets::mask::shown::shown_path(&path)
                    ),
                    true,
                )),
            },
        };
        let at = ext.file.as_ref().map_or(&ext.service.span, |f| &f.span).clone();
        let target = match (service, base_file) {
            (None, _) => Err((format!("`extends: {}` cannot be resolved", ext.service.value), false)),
            (_, Err(e)) => Err(e),
            (Some(service), Ok(file)) => {
                match self.files[file]
                    .compose()
                    .and_then(|c| c.services.iter().position(|s| s.name.value == service))
                {
                    Some(index) => Ok((file, index)),
                    None => {
                        Err((format!("`extends`: no service `{service}` in {}", self.files[file].path), true))
                    }
                }
            }
        };
        let (base_file, index) = match target {
            Ok(t) => t,
            Err((message, refused)) => {
                if refused {
                    found.warnings.push((def.file, at.clone(), format!("{message}; Compose refuses this")));
                }
                found.unknowns.push(Unknown { hides: Hidden::References, message, at: Some((def.file, at)) });
                out.push(def);
                return;
            }
        };
        visiting.push((def.file, def.index));
        if visiting.contains(&(base_file, index)) || visiting.len() > MAX_EXTENDS_DEPTH {
            found.warnings.push((
                def.file,
                ext.service.span.clone(),
                "`extends` goes round in a circle; Compose refuses this".into(),
            ));
            found.unknowns.push(Unknown {
                hides: Hidden::References,
                message: "an `extends` circle".into(),
                at: Some((def.file, ext.service.span.clone())),
            });
        } else {
            // An extended service's relative paths start from its own file's folder, unless it
            // is in the same file as the service extending it.
            let base_dir = if base_file == def.file {
                def.base_dir.clone()
            } else {
                parent(&self.files[base_file].path).to_string()
            };
            let base = Def { file: base_file, index, vars: def.vars, base_dir, extended: true };
            self.expand(ws, base, out, found, visiting);
        }
        visiting.pop();
        out.push(def);
    }
}

/// The key two references of one service are merged by (see the module documentation). A
/// name or target with an unknown variable could be anything: it never replaces another entry.
fn merge_key(
    tool: Tool,
    kind: ResourceKind,
    r: &Reference,
    name: &Name,
    vars: &interp::Vars,
    at: (usize, usize),
) -> String {
    let unique = || format!("unknown:{}:{}", at.0, at.1);
    if r.build {
        return name.exact().map_or_else(unique, |n| format!("build:{n}"));
    }
    match tool {
        Tool::Stack => name.exact().map_or_else(unique, |n| format!("source:{n}")),
        // compose-go keys the target as written, or the default mount path of the source.
        Tool::Compose => match &r.target {
            Some(t) => interp::name(&t.value, vars).exact().map_or_else(unique, |t| format!("target:{t}")),
            None => {
                let default = match kind {
                    ResourceKind::Secret => "/run/secrets/",
                    ResourceKind::Config => "/",
                };
                name.exact().map_or_else(unique, |n| format!("target:{default}{n}"))
            }
        },
    }
}
