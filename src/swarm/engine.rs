//! A real Docker Engine through `bollard` (unix socket, tcp, tcp + TLS, ssh), with the Engine
//! API version negotiated, at the endpoint [`super::endpoint`] resolves. The `docker` CLI is
//! never run. Engine errors are passed on in full.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::Path;

use base64::Engine as _;
use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::{ConfigSpec, SecretSpec, TaskState};
use bollard::query_parameters::{
    ListConfigsOptionsBuilder, ListSecretsOptionsBuilder, ListServicesOptionsBuilder, ListTasksOptionsBuilder,
};

use super::endpoint::{Target, resolve};
use super::{StackService, Swarm, SwarmObject};
use crate::error::Error;
use crate::model::compose::ResourceKind;
use crate::model::manifest::Endpoint;

/// Seconds a request may take before the engine is taken to be gone.
const TIMEOUT: u64 = 60;

/// The label `docker stack deploy` puts on a stack's services.
const STACK_LABEL: &str = "com.docker.stack.namespace";

/// Connects to the env's engine. A connection that cannot be made is an engine whose every
/// operation fails with why, so the command stops where it first needs Swarm, with nothing
/// changed.
pub(crate) fn connect(endpoint: &Endpoint, env_dir: &Path) -> Box<dyn Swarm> {
    let target = resolve(endpoint, env_dir, &|k| std::env::var(k).ok());
    match Engine::open(&target) {
        Ok(engine) => Box::new(engine),
        Err(why) => Box::new(Unreachable(why)),
    }
}

/// An engine that could not be reached.
struct Unreachable(String);

impl Unreachable {
    fn fail<T>(&self) -> Result<T, Error> {
        Err(Error::Swarm(self.0.clone()))
    }
}

impl Swarm for Unreachable {
    fn endpoint(&self) -> String {
        self.0.clone()
    }
    fn inspect(&self, _: ResourceKind, _: &str) -> Result<Option<SwarmObject>, Error> {
        self.fail()
    }
    fn create(
        &self,
        _: ResourceKind,
        _: &str,
        _: &[u8],
        _: &BTreeMap<String, String>,
    ) -> Result<String, Error> {
        self.fail()
    }
    fn remove(&self, _: ResourceKind, _: &str) -> Result<(), Error> {
        self.fail()
    }
    fn list(&self, _: ResourceKind, _: &[(&str, &str)]) -> Result<Vec<SwarmObject>, Error> {
        self.fail()
    }
    fn stack_services(&self, _: &str) -> Result<Vec<StackService>, Error> {
        self.fail()
    }
}

/// A connected engine: `bollard` on a single-threaded runtime (the commands are sequential).
struct Engine {
    docker: Docker,
    runtime: tokio::runtime::Runtime,
    shown: String,
}

impl Engine {
    fn open(target: &Target) -> Result<Engine, String> {
        let shown = target.shown();
        let cannot = |e: &dyn std::fmt::Display| format!("cannot reach the Docker Engine at {shown}: {e}");
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| cannot(&e))?;
        let version = bollard::API_DEFAULT_VERSION;
        let docker = match target {
            Target::Unix(path) => Docker::connect_with_unix(&path.to_string_lossy(), TIMEOUT, version),
            Target::Tcp(host) => Docker::connect_with_http(host, TIMEOUT, version),
            Target::Tls { host, certs } => {
                // The engine is checked against ca.pem; cert.pem and key.pem are presented when
                // they exist (an engine may not ask for a client certificate), as the CLI does.
                if !certs.join("ca.pem").is_file() {
                    return Err(cannot(&format!("{} does not exist", certs.join("ca.pem").display())));
                }
                Docker::connect_with_ssl(
                    host,
                    &certs.join("key.pem"),
                    &certs.join("cert.pem"),
                    &certs.join("ca.pem"),
                    TIMEOUT,
                    version,
                )
            }
            Target::Ssh(host) => Docker::connect_with_ssh(host, TIMEOUT, version, None),
            Target::Unusable(why) => return Err(format!("cannot use {why}")),
        }
        .map_err(|e| cannot(&e))?;
        // The client speaks the engine's API version when the engine is older.
        let docker = runtime.block_on(docker.negotiate_version()).map_err(|e| cannot(&e))?;
        Ok(Engine { docker, runtime, shown })
    }

    fn run<T>(&self, f: impl Future<Output = Result<T, BollardError>>) -> Result<T, BollardError> {
        self.runtime.block_on(f)
    }

    /// The engine's own message for a refusal; the transport's for a failure to reach it.
    fn refused(&self, what: &str, e: BollardError) -> Error {
        match e {
            BollardError::DockerResponseServerError { message, .. } => {
                Error::Swarm(format!("the Docker Engine at {} refused to {what}: {message}", self.shown))
            }
            other => {
                Error::Swarm(format!("cannot reach the Docker Engine at {} to {what}: {other}", self.shown))
            }
        }
    }

    fn all(
        &self,
        kind: ResourceKind,
        filters: &HashMap<&str, Vec<String>>,
    ) -> Result<Vec<SwarmObject>, BollardError> {
        Ok(match kind {
            ResourceKind::Secret => {
                let options = ListSecretsOptionsBuilder::default().filters(filters).build();
                let list = self.run(self.docker.list_secrets(Some(options)))?;
                list.into_iter()
                    .filter_map(|s| {
                        let spec = s.spec?;
                        object(s.id?, spec.name?, spec.labels, s.created_at)
                    })
                    .collect()
            }
            ResourceKind::Config => {
                let options = ListConfigsOptionsBuilder::default().filters(filters).build();
                let list = self.run(self.docker.list_configs(Some(options)))?;
                list.into_iter()
                    .filter_map(|c| {
                        let spec = c.spec?;
                        object(c.id?, spec.name?, spec.labels, c.created_at)
                    })
                    .collect()
            }
        })
    }
}

fn object(
    id: String,
    name: String,
    labels: Option<HashMap<String, String>>,
    created: Option<String>,
) -> Option<SwarmObject> {
    Some(SwarmObject { id, name, labels: labels.unwrap_or_default().into_iter().collect(), created })
}

impl Swarm for Engine {
    fn endpoint(&self) -> String {
        self.shown.clone()
    }

    fn inspect(&self, kind: ResourceKind, name: &str) -> Result<Option<SwarmObject>, Error> {
        // By exact name: the Engine's own lookup also matches ID prefixes, which could name
        // another object.
        let filters = HashMap::from([("name", vec![name.to_string()])]);
        let found = self
            .all(kind, &filters)
            .map_err(|e| self.refused(&format!("look up {} {name}", kind.noun()), e))?;
        Ok(found.into_iter().find(|o| o.name == name))
    }

    fn create(
        &self,
        kind: ResourceKind,
        name: &str,
        data: &[u8],
        labels: &BTreeMap<String, String>,
    ) -> Result<String, Error> {
        let data = Some(base64::engine::general_purpose::STANDARD.encode(data));
        let labels = Some(labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        let name_owned = Some(name.to_string());
        let created = match kind {
            ResourceKind::Secret => {
                let spec = SecretSpec { name: name_owned, labels, data, ..SecretSpec::default() };
                self.run(self.docker.create_secret(spec))
            }
            ResourceKind::Config => {
                let spec = ConfigSpec { name: name_owned, labels, data, ..ConfigSpec::default() };
                self.run(self.docker.create_config(spec))
            }
        };
        created.map(|r| r.id).map_err(|e| self.refused(&format!("create {} {name}", kind.noun()), e))
    }

    fn remove(&self, kind: ResourceKind, name: &str) -> Result<(), Error> {
        let what = format!("remove {} {name}", kind.noun());
        // Removed by ID after an exact-name lookup, never by a name the Engine could read as
        // another object's ID prefix.
        let Some(object) = self.inspect(kind, name)? else {
            return Err(Error::Swarm(format!(
                "the Docker Engine at {} refused to {what}: {} {name} not found",
                self.shown,
                kind.noun()
            )));
        };
        let removed = match kind {
            ResourceKind::Secret => self.run(self.docker.delete_secret(&object.id)),
            ResourceKind::Config => self.run(self.docker.delete_config(&object.id)),
        };
        removed.map_err(|e| self.refused(&what, e))
    }

    fn list(&self, kind: ResourceKind, labels: &[(&str, &str)]) -> Result<Vec<SwarmObject>, Error> {
        let filters = HashMap::from([("label", labels.iter().map(|(k, v)| format!("{k}={v}")).collect())]);
        self.all(kind, &filters).map_err(|e| self.refused(&format!("list {}", kind.key()), e))
    }

    fn stack_services(&self, stack: &str) -> Result<Vec<StackService>, Error> {
        let what = format!("list the services of stack {stack}");
        let filters = HashMap::from([("label", vec![format!("{STACK_LABEL}={stack}")])]);
        let options = ListServicesOptionsBuilder::default().filters(&filters).build();
        let services =
            self.run(self.docker.list_services(Some(options))).map_err(|e| self.refused(&what, e))?;
        // One call for every running task of the cluster, grouped by service below.
        let filters = HashMap::from([("desired-state", vec!["running".to_string()])]);
        let options = ListTasksOptionsBuilder::default().filters(&filters).build();
        let tasks = self.run(self.docker.list_tasks(Some(options))).map_err(|e| self.refused(&what, e))?;
        let mut out = Vec::new();
        for service in services {
            let (Some(id), Some(spec)) = (service.id, service.spec) else { continue };
            let Some(name) = spec.name else { continue };
            let container = spec.task_template.and_then(|t| t.container_spec);
            let (secrets, configs) = mounts(container);
            let running = tasks
                .iter()
                .filter(|t| t.service_id.as_deref() == Some(id.as_str()))
                .filter(|t| t.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING))
                .map(|t| mounts(t.spec.clone().and_then(|s| s.container_spec)))
                .collect();
            out.push(StackService { name, secrets, configs, running });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// The secret and config names a container spec mounts.
fn mounts(spec: Option<bollard::models::TaskSpecContainerSpec>) -> (Vec<String>, Vec<String>) {
    let Some(spec) = spec else { return (Vec::new(), Vec::new()) };
    let secrets = spec.secrets.unwrap_or_default().into_iter().filter_map(|s| s.secret_name).collect();
    let configs = spec.configs.unwrap_or_default().into_iter().filter_map(|c| c.config_name).collect();
    (secrets, configs)
}
