//! Where the Docker Engine is, resolved as the `docker` CLI resolves it: the env's settings,
//! `DOCKER_HOST` with `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`, the current context (read
//! from the CLI's context store), the default socket.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::manifest::Endpoint;

/// How to reach the engine, after resolving the env's settings and the caller's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A unix socket.
    Unix(PathBuf),
    /// Plain HTTP over tcp (`tcp://host:port`).
    Tcp(String),
    /// HTTPS over tcp: the engine's certificate is checked against `ca.pem`, and `cert.pem` and
    /// `key.pem` are presented, all from `certs` (the CLI's `DOCKER_TLS_VERIFY` model).
    Tls {
        /// `tcp://host:port`.
        host: String,
        /// The folder holding `ca.pem`, `cert.pem`, `key.pem`.
        certs: PathBuf,
    },
    /// `ssh://[user@]host[:port]`: the engine through `docker system dial-stdio` on that host.
    Ssh(String),
    /// An endpoint this client cannot use, and why.
    Unusable(String),
}

impl Target {
    /// Where it is, for messages.
    pub(super) fn shown(&self) -> String {
        match self {
            Target::Unix(p) => format!("unix://{}", p.display()),
            Target::Tcp(h) | Target::Ssh(h) => h.clone(),
            Target::Tls { host, .. } => format!("{host} (TLS)"),
            Target::Unusable(why) => why.clone(),
        }
    }
}

/// The target of a `DOCKER_HOST`-style address, with TLS certificates when TLS is asked for.
fn target_of(host: &str, tls: Option<PathBuf>) -> Target {
    if let Some(path) = host.strip_prefix("unix://") {
        return Target::Unix(PathBuf::from(path));
    }
    if let Some(rest) = host.strip_prefix("ssh://") {
        let (user, address) = rest.rsplit_once('@').unwrap_or(("", rest));
        // docker/cli refuses a password in the address; it is not repeated in the message.
        if user.contains(':') {
            return Target::Unusable("an ssh:// Docker host with a password in it (use a key)".into());
        }
        // The ssh transport passes the address to `ssh` as a host name, where a port would not
        // be read: `Port` in ~/.ssh/config gives it instead.
        if address.contains(':') {
            return Target::Unusable(format!(
                "the Docker host `{host}` (give the port with `Port` in ~/.ssh/config, and the host without it)"
            ));
        }
        return Target::Ssh(host.to_string());
    }
    let Some(address) = host.strip_prefix("tcp://").or_else(|| host.strip_prefix("https://")) else {
        if let Some(address) = host.strip_prefix("http://") {
            return Target::Tcp(format!("tcp://{address}"));
        }
        return Target::Unusable(format!(
            "the Docker host `{host}` (only unix://, tcp:// and ssh:// are supported)"
        ));
    };
    let tcp = format!("tcp://{address}");
    match tls {
        Some(certs) => Target::Tls { host: tcp, certs },
        None if host.starts_with("https://") => {
            Target::Unusable(format!("the Docker host `{host}` asks for TLS, but no certificates are set"))
        }
        None => Target::Tcp(tcp),
    }
}

/// Resolution order: the env's `minipaas.yaml` (unless `api.local`), then `DOCKER_HOST`
/// (with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`, as the CLI reads them), then the current
/// docker context (`DOCKER_CONTEXT`, or `currentContext` in the CLI's config.json), then the
/// default socket.
pub(crate) fn resolve(endpoint: &Endpoint, env_dir: &Path, vars: &dyn Fn(&str) -> Option<String>) -> Target {
    if !endpoint.local
        && let Some(host) = &endpoint.host
    {
        return target_of(host, endpoint.tls.as_ref().map(|t| env_dir.join(t)));
    }
    // docker/cli ignores these when set but empty.
    let set = |name: &str| vars(name).filter(|v| !v.is_empty());
    let config_dir = set("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|h| Path::new(&h).join(".docker")));
    if let Some(host) = vars("DOCKER_HOST").filter(|h| !h.is_empty()) {
        // docker/cli: any non-empty DOCKER_TLS_VERIFY turns verification on.
        let verify = vars("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty());
        if !verify && vars("DOCKER_TLS").is_some_and(|v| !v.is_empty()) {
            return Target::Unusable(
                "DOCKER_TLS without DOCKER_TLS_VERIFY (TLS that does not check the engine's certificate is not supported)"
                    .into(),
            );
        }
        let certs = vars("DOCKER_CERT_PATH").filter(|p| !p.is_empty()).map(PathBuf::from).or(config_dir);
        return target_of(&host, if verify { certs } else { None });
    }
    let context = set("DOCKER_CONTEXT").or_else(|| current_context(config_dir.as_deref()?));
    match (context, config_dir) {
        (Some(name), Some(dir)) if name != "default" => context_target(&dir, &name),
        (Some(name), None) if name != "default" => {
            Target::Unusable(format!("the docker context `{name}` (no HOME or DOCKER_CONFIG to find it in)"))
        }
        _ => Target::Unix(PathBuf::from("/var/run/docker.sock")),
    }
}

/// `currentContext` of the docker CLI's config file.
fn current_context(config_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config_dir.join("config.json")).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value.get("currentContext")?.as_str().filter(|c| !c.is_empty()).map(str::to_string)
}

/// A docker context's endpoint, from the CLI's context store: `contexts/meta/<sha256 of the
/// name>/meta.json` (`Endpoints.docker.Host`, `SkipTLSVerify`) and its TLS material in
/// `contexts/tls/<same>/docker/` (docker/cli `context/store`).
fn context_target(config_dir: &Path, name: &str) -> Target {
    let id: String = Sha256::digest(name.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let meta = config_dir.join("contexts/meta").join(&id).join("meta.json");
    let Some(value) =
        std::fs::read_to_string(&meta).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok())
    else {
        return Target::Unusable(format!("the docker context `{name}` ({} cannot be read)", meta.display()));
    };
    let docker = value.pointer("/Endpoints/docker");
    let Some(host) = docker.and_then(|d| d.get("Host")).and_then(Value::as_str) else {
        return Target::Unusable(format!("the docker context `{name}` (it names no Docker host)"));
    };
    if docker.and_then(|d| d.get("SkipTLSVerify")).and_then(Value::as_bool) == Some(true) {
        return Target::Unusable(format!(
            "the docker context `{name}` (SkipTLSVerify: TLS that does not check the engine is not supported)"
        ));
    }
    // TLS whenever the context holds TLS material (docker/cli `context/docker` load).
    let tls = config_dir.join("contexts/tls").join(&id).join("docker");
    let any = ["ca.pem", "cert.pem", "key.pem"].iter().any(|f| tls.join(f).is_file());
    if any && !tls.join("ca.pem").is_file() {
        return Target::Unusable(format!(
            "the docker context `{name}` (client certificates without a ca.pem to check the engine with)"
        ));
    }
    target_of(host, any.then_some(tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&'static str, String)]) -> impl Fn(&str) -> Option<String> {
        let pairs = pairs.to_vec();
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn resolution_order() {
        let dir = Path::new("/repo/prod");
        let s = |v: &str| v.to_string();
        let remote = Endpoint { local: false, host: Some("tcp://h:2376".into()), tls: Some(".tls".into()) };
        assert_eq!(
            resolve(&remote, dir, &vars(&[("DOCKER_HOST", s("unix:///x.sock"))])),
            Target::Tls { host: s("tcp://h:2376"), certs: "/repo/prod/.tls".into() }
        );
        let local = Endpoint { local: true, host: Some("tcp://ignored".into()), tls: None };
        assert_eq!(
            resolve(&local, dir, &vars(&[("DOCKER_HOST", s("unix:///x.sock"))])),
            Target::Unix("/x.sock".into())
        );
        let fork = Endpoint { local: false, host: Some("ssh://me@h".into()), tls: None };
        assert_eq!(resolve(&fork, dir, &vars(&[])), Target::Ssh(s("ssh://me@h")));
        let none = Endpoint::default();
        assert_eq!(
            resolve(&none, dir, &vars(&[("DOCKER_HOST", s("tcp://h:2375"))])),
            Target::Tcp(s("tcp://h:2375"))
        );
        assert_eq!(
            resolve(
                &none,
                dir,
                &vars(&[
                    ("DOCKER_HOST", s("tcp://h:2376")),
                    ("DOCKER_TLS_VERIFY", s("1")),
                    ("HOME", s("/home/u"))
                ])
            ),
            Target::Tls { host: s("tcp://h:2376"), certs: "/home/u/.docker".into() }
        );
        assert!(matches!(
            resolve(&none, dir, &vars(&[("DOCKER_HOST", s("tcp://h:2376")), ("DOCKER_TLS", s("1"))])),
            Target::Unusable(_)
        ));
        assert_eq!(
            resolve(&none, dir, &vars(&[("DOCKER_CONTEXT", s("default")), ("HOME", s("/nowhere"))])),
            Target::Unix("/var/run/docker.sock".into())
        );
        // Set but empty is unset, as for the CLI.
        assert_eq!(
            resolve(
                &none,
                dir,
                &vars(&[("DOCKER_CONTEXT", s("")), ("DOCKER_HOST", s("")), ("HOME", s("/nowhere"))])
            ),
            Target::Unix("/var/run/docker.sock".into())
        );
        let port = resolve(&none, dir, &vars(&[("DOCKER_HOST", s("ssh://me@h:2222"))]));
        assert!(matches!(port, Target::Unusable(ref why) if why.contains("~/.ssh/config")), "{port:?}");
        let password = resolve(&none, dir, &vars(&[("DOCKER_HOST", s("ssh://me:hunter2@h"))]));
        assert!(matches!(password, Target::Unusable(ref why) if !why.contains("hunter2")), "{password:?}");
    }

    #[test]
    fn contexts_are_read_from_the_cli_store() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        let id: String = Sha256::digest(b"prod").iter().map(|b| format!("{b:02x}")).collect();
        let meta = config.join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"prod","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://prod:2376","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        let tls = config.join("contexts/tls").join(&id).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(tls.join("ca.pem"), "x").unwrap();
        std::fs::write(config.join("config.json"), r#"{"currentContext":"prod"}"#).unwrap();
        let home_var = home.path().to_string_lossy().into_owned();
        let resolved = resolve(&Endpoint::default(), Path::new("/r"), &vars(&[("HOME", home_var.clone())]));
        assert_eq!(resolved, Target::Tls { host: "tcp://prod:2376".into(), certs: tls });
        let missing = resolve(
            &Endpoint::default(),
            Path::new("/r"),
            &vars(&[("HOME", home_var), ("DOCKER_CONTEXT", "gone".into())]),
        );
        assert!(matches!(missing, Target::Unusable(ref why) if why.contains("`gone`")), "{missing:?}");
    }
}
