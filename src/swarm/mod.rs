//! Swarm secrets and configs: the operations the resource commands need, behind one trait.
//!
//! With the `swarm` feature, [`connect`] talks to a real Docker Engine through `bollard`
//! (unix socket, tcp, TLS, ssh, docker contexts; no `docker` CLI). Without it, commands only
//! patch Compose files. Values travel only in request bodies, never in argv or output.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::model::compose::ResourceKind;

/// Label on every object minipaas creates.
pub(crate) const LABEL_MANAGED: &str = "com.minipaas.managed";
/// Label holding the base name (`db_password` for `db_password.267da420`).
pub(crate) const LABEL_BASE: &str = "com.minipaas.base";
/// Label holding the env that created it, so `prune` of one env leaves the others alone.
pub(crate) const LABEL_ENV: &str = "com.minipaas.env";

/// A secret or config as Swarm reports it (never its data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmObject {
    /// Swarm's ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// When Swarm created it (RFC 3339, as the Engine reports it).
    pub created: Option<String>,
}

/// A service of a deployed stack: what its spec mounts and what its running tasks mount (a
/// task keeps the spec it was started with until the service is updated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackService {
    /// Its Swarm name (`<stack>_<service>`).
    pub name: String,
    /// Secret names in the service's spec.
    pub secrets: Vec<String>,
    /// Config names in the service's spec.
    pub configs: Vec<String>,
    /// For each running task, the (secret, config) names it mounts.
    pub running: Vec<(Vec<String>, Vec<String>)>,
}

/// The Swarm operations the commands use.
pub trait Swarm {
    /// Where it is, for messages (`unix:///var/run/docker.sock`).
    fn endpoint(&self) -> String;
    /// The object with this exact name, if any.
    fn inspect(&self, kind: ResourceKind, name: &str) -> Result<Option<SwarmObject>, Error>;
    /// Creates an object; returns its ID.
    fn create(
        &self,
        kind: ResourceKind,
        name: &str,
        data: &[u8],
        labels: &BTreeMap<String, String>,
    ) -> Result<String, Error>;
    /// Removes an object (Swarm refuses while a service uses it).
    fn remove(&self, kind: ResourceKind, name: &str) -> Result<(), Error>;
    /// Objects carrying every one of these labels (all objects when none is given).
    fn list(&self, kind: ResourceKind, labels: &[(&str, &str)]) -> Result<Vec<SwarmObject>, Error>;
    /// The services of a stack (`docker stack deploy`'s namespace label), with their tasks.
    fn stack_services(&self, stack: &str) -> Result<Vec<StackService>, Error>;
}

/// The largest value Swarm accepts (SwarmKit's MaxSecretSize / MaxConfigSize).
pub(crate) fn max_size(kind: ResourceKind) -> usize {
    match kind {
        ResourceKind::Secret => 500 * 1024,
        ResourceKind::Config => 1000 * 1024,
    }
}

/// The labels minipaas puts on an object it creates.
pub fn labels(base: &str, env: &str) -> BTreeMap<String, String> {
    [(LABEL_MANAGED, "true"), (LABEL_BASE, base), (LABEL_ENV, env)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An in-memory Swarm for tests of the commands' ordering and error paths.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct FakeSwarm {
    /// (kind, object, data).
    pub objects: std::cell::RefCell<Vec<(ResourceKind, SwarmObject, Vec<u8>)>>,
    /// Names a service uses (removal fails).
    pub in_use: std::cell::RefCell<Vec<String>>,
    /// When set, every call fails with this message (engine down).
    pub down: std::cell::RefCell<Option<String>>,
    /// When set, the engine goes down after this many more calls (stopped mid-command).
    pub calls_left: std::cell::Cell<Option<usize>>,
    /// Deployed services, by stack.
    pub stacks: std::cell::RefCell<BTreeMap<String, Vec<StackService>>>,
}

impl FakeSwarm {
    fn check(&self) -> Result<(), Error> {
        if let Some(left) = self.calls_left.get() {
            if left == 0 {
                *self.down.borrow_mut() = Some("the Docker Engine stopped".into());
            }
            self.calls_left.set(Some(left.saturating_sub(1)));
        }
        match self.down.borrow().as_ref() {
            Some(m) => Err(Error::Swarm(m.clone())),
            None => Ok(()),
        }
    }
}

impl Swarm for FakeSwarm {
    fn endpoint(&self) -> String {
        "fake://".into()
    }
    fn inspect(&self, kind: ResourceKind, name: &str) -> Result<Option<SwarmObject>, Error> {
        self.check()?;
        Ok(self
            .objects
            .borrow()
            .iter()
            .find(|(k, o, _)| *k == kind && o.name == name)
            .map(|(_, o, _)| o.clone()))
    }
    fn create(
        &self,
        kind: ResourceKind,
        name: &str,
        data: &[u8],
        labels: &BTreeMap<String, String>,
    ) -> Result<String, Error> {
        self.check()?;
        if self.inspect(kind, name)?.is_some() {
            return Err(Error::Swarm(format!("{} {name} already exists", kind.noun())));
        }
        let id = format!("id{}", self.objects.borrow().len());
        let created = Some(format!("2026-01-01T00:00:{:02}Z", self.objects.borrow().len() % 60));
        let object = SwarmObject { id: id.clone(), name: name.into(), labels: labels.clone(), created };
        self.objects.borrow_mut().push((kind, object, data.to_vec()));
        Ok(id)
    }
    fn remove(&self, kind: ResourceKind, name: &str) -> Result<(), Error> {
        self.check()?;
        if self.in_use.borrow().iter().any(|n| n == name) {
            return Err(Error::Swarm(format!(
                "{} '{name}' is in use by the following service: web",
                kind.noun()
            )));
        }
        let before = self.objects.borrow().len();
        self.objects.borrow_mut().retain(|(k, o, _)| !(*k == kind && o.name == name));
        if self.objects.borrow().len() == before {
            return Err(Error::Swarm(format!("{} {name} not found", kind.noun())));
        }
        Ok(())
    }
    fn list(&self, kind: ResourceKind, labels: &[(&str, &str)]) -> Result<Vec<SwarmObject>, Error> {
        self.check()?;
        Ok(self
            .objects
            .borrow()
            .iter()
            .filter(|(k, o, _)| {
                *k == kind && labels.iter().all(|(lk, lv)| o.labels.get(*lk).map(String::as_str) == Some(*lv))
            })
            .map(|(_, o, _)| o.clone())
            .collect())
    }
    fn stack_services(&self, stack: &str) -> Result<Vec<StackService>, Error> {
        self.check()?;
        Ok(self.stacks.borrow().get(stack).cloned().unwrap_or_default())
    }
}

#[cfg(feature = "swarm")]
mod endpoint;
#[cfg(feature = "swarm")]
mod engine;
#[cfg(feature = "swarm")]
pub(crate) use engine::connect;
