//! An env opened for a `secret`/`config` command: its workspace and unit, and the Swarm it
//! deploys to.

use std::path::{Path, PathBuf};

use crate::diagnostic::Severity;
use crate::discover::Workspace;
use crate::error::Error;
use crate::model::manifest::{Endpoint, MANIFEST_NAMES};
use crate::model::{Content, LoadOptions, Project};
use crate::settings::Settings;
use crate::swarm::Swarm;

/// Which Swarm the commands use.
pub enum Backend<'a> {
    /// Built without the `swarm` feature: only Compose files are changed.
    Disabled,
    /// A given implementation (tests).
    Given(&'a dyn Swarm),
    /// The env's Docker Engine.
    #[cfg(feature = "swarm")]
    Connect,
}

/// An env opened for a command: its workspace, its unit, where it is.
pub(super) struct Env {
    pub(super) ws: Workspace,
    pub(super) opts: LoadOptions,
    /// The repository's `.minipaas.toml` (what it includes and excludes, rule levels).
    pub(super) settings: Settings,
    pub(super) name: String,
    /// The env folder, which `api.tls` is relative to.
    #[cfg_attr(not(feature = "swarm"), allow(dead_code))]
    dir: PathBuf,
    endpoint: Endpoint,
    /// The manifest's `namespace` (the fork's stack name).
    pub(super) namespace: Option<String>,
}

impl Env {
    pub(super) fn open(arg: &Path) -> Result<Env, Error> {
        let has_manifest = MANIFEST_NAMES.iter().any(|n| arg.join(n).is_file());
        if !has_manifest {
            return Err(Error::Usage(format!(
                "no minipaas.yaml in `{}` (--env names the folder that holds the env's minipaas.yaml)",
                arg.display()
            )));
        }
        let ws = Workspace::open(arg, false)?;
        let rel = ws
            .relative(arg)
            .ok_or_else(|| Error::Path { path: arg.into(), message: "is not inside the project".into() })?;
        let name = if rel.is_empty() { ".".to_string() } else { rel };
        let dir = std::fs::canonicalize(arg).unwrap_or_else(|_| arg.to_path_buf());
        let settings = Settings::load(None, &ws.root)?;
        let opts = settings.load_options(&[], Vec::new(), Some(name.clone()));
        Ok(Env { ws, opts, settings, name, dir, endpoint: Endpoint::default(), namespace: None })
    }

    /// Loads the env; broken files stop the command before anything changes.
    pub(super) fn load(&mut self) -> Result<Project, Error> {
        let project = Project::load(&self.ws, &self.opts)?;
        let broken: Vec<String> = project
            .errors
            .iter()
            .filter(|e| e.severity == Severity::Error)
            .map(|e| match e.position {
                Some((l, c)) => format!("{}:{l}:{c}: {}", e.path, e.message),
                None => format!("{}: {}", e.path, e.message),
            })
            .collect();
        if !broken.is_empty() {
            return Err(Error::Input(format!(
                "env {} has files that cannot be read; nothing was changed:\n  {}",
                self.name,
                broken.join("\n  ")
            )));
        }
        if let Some(m) = project.units.first().and_then(|u| u.manifest)
            && let Content::Manifest(manifest) = &project.files[m].content
        {
            self.endpoint = manifest.endpoint.clone();
            self.namespace = manifest.namespace.clone();
        }
        Ok(project)
    }

    pub(super) fn swarm<'a>(&self, backend: &'a Backend<'a>) -> Option<SwarmHandle<'a>> {
        match backend {
            Backend::Disabled => None,
            Backend::Given(s) => Some(SwarmHandle::Borrowed(*s)),
            #[cfg(feature = "swarm")]
            Backend::Connect => Some(SwarmHandle::Owned(crate::swarm::connect(&self.endpoint, &self.dir))),
        }
    }
}

/// A Swarm borrowed from the caller or connected for this command.
pub(super) enum SwarmHandle<'a> {
    Borrowed(&'a dyn Swarm),
    #[cfg_attr(not(feature = "swarm"), allow(dead_code))]
    Owned(Box<dyn Swarm>),
}

impl SwarmHandle<'_> {
    pub(super) fn get(&self) -> &dyn Swarm {
        match self {
            SwarmHandle::Borrowed(s) => *s,
            SwarmHandle::Owned(s) => s.as_ref(),
        }
    }
}
