//! A real Docker Engine: HTTP/1.1 over its unix socket, or the `docker` CLI for remote hosts
//! and contexts. Engine errors are passed on in full.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Swarm, SwarmObject};
use crate::error::Error;
use crate::model::compose::ResourceKind;
use crate::model::manifest::Endpoint;

/// How to reach the engine, after resolving the env's settings and the caller's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A local socket, spoken to directly.
    Socket(PathBuf),
    /// The `docker` CLI with these extra environment variables (tcp, TLS, ssh, contexts).
    Cli(Vec<(String, String)>),
}

/// Resolution order: the env's `minipaas.yaml` (unless `api.local`), then `DOCKER_HOST`
/// (with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`, which the CLI reads), then the current docker
/// context, then the default socket.
pub fn resolve(endpoint: &Endpoint, env_dir: &Path, vars: &dyn Fn(&str) -> Option<String>) -> Target {
    let host_target = |host: &str, extra: Vec<(String, String)>| match host.strip_prefix("unix://") {
        Some(path) if extra.is_empty() => Target::Socket(PathBuf::from(path)),
        _ => {
            let mut env = vec![("DOCKER_HOST".to_string(), host.to_string())];
            env.extend(extra);
            Target::Cli(env)
        }
    };
    if !endpoint.local
        && let Some(host) = &endpoint.host
    {
        let tls = endpoint.tls.as_ref().map(|t| {
            vec![
                ("DOCKER_TLS_VERIFY".to_string(), "1".to_string()),
                ("DOCKER_CERT_PATH".to_string(), env_dir.join(t).to_string_lossy().into_owned()),
            ]
        });
        return host_target(host, tls.unwrap_or_default());
    }
    if let Some(host) = vars("DOCKER_HOST").filter(|h| !h.is_empty()) {
        // The CLI reads DOCKER_TLS_VERIFY/DOCKER_CERT_PATH from the inherited environment.
        return match host.strip_prefix("unix://") {
            Some(path) => Target::Socket(PathBuf::from(path)),
            None => Target::Cli(Vec::new()),
        };
    }
    let context = vars("DOCKER_CONTEXT").or_else(|| current_context(vars));
    if context.is_some_and(|c| c != "default") {
        return Target::Cli(Vec::new());
    }
    Target::Socket(PathBuf::from("/var/run/docker.sock"))
}

/// `currentContext` of the docker CLI's config file.
fn current_context(vars: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let dir = vars("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| vars("HOME").map(|h| Path::new(&h).join(".docker")))?;
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value.get("currentContext")?.as_str().map(str::to_string)
}

/// Connects to the env's engine.
pub fn connect(endpoint: &Endpoint, env_dir: &Path) -> Box<dyn Swarm> {
    match resolve(endpoint, env_dir, &|k| std::env::var(k).ok()) {
        Target::Socket(path) => Box::new(SocketEngine { path }),
        Target::Cli(env) => Box::new(CliEngine { env }),
    }
}

fn plural(kind: ResourceKind) -> &'static str {
    kind.key()
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn object(v: &Value) -> Option<SwarmObject> {
    let labels = v
        .pointer("/Spec/Labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    Some(SwarmObject {
        id: v.get("ID")?.as_str()?.to_string(),
        name: v.pointer("/Spec/Name")?.as_str()?.to_string(),
        labels,
    })
}

/// The engine's unix socket.
struct SocketEngine {
    path: PathBuf,
}

impl SocketEngine {
    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Vec<u8>), Error> {
        let where_ = self.endpoint();
        let fail =
            |e: std::io::Error| Error::Swarm(format!("cannot reach the Docker Engine at {where_}: {e}"));
        let mut stream = UnixStream::connect(&self.path).map_err(fail)?;
        stream.set_read_timeout(Some(Duration::from_secs(60))).map_err(fail)?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: minipaas/{}\r\nConnection: close\r\n",
            env!("CARGO_PKG_VERSION")
        );
        if !body.is_empty() {
            head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).map_err(fail)?;
        stream.write_all(body.as_bytes()).map_err(fail)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(fail)?;
        parse_response(&raw).ok_or_else(|| {
            Error::Swarm(format!("the Docker Engine at {where_} sent a response minipaas cannot read"))
        })
    }

    /// The engine's own error message from a JSON body, or the status.
    fn refusal(&self, what: &str, status: u16, body: &[u8]) -> Error {
        let message = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| format!("HTTP status {status}"));
        Error::Swarm(format!("the Docker Engine at {} refused to {what}: {message}", self.endpoint()))
    }
}

/// Splits an HTTP/1.1 response into status and body (plain or chunked).
fn parse_response(raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let body = &raw[split + 4..];
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if !chunked {
        return Some((status, body.to_vec()));
    }
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some((status, out));
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

impl Swarm for SocketEngine {
    fn endpoint(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    fn inspect(&self, kind: ResourceKind, name: &str) -> Result<Option<SwarmObject>, Error> {
        let (status, body) = self.request("GET", &format!("/{}/{}", plural(kind), encode(name)), None)?;
        match status {
            200 => Ok(serde_json::from_slice::<Value>(&body).ok().as_ref().and_then(object)),
            404 => Ok(None),
            _ => Err(self.refusal(&format!("look up {} {name}", kind.noun()), status, &body)),
        }
    }

    fn create(
        &self,
        kind: ResourceKind,
        name: &str,
        data: &[u8],
        labels: &BTreeMap<String, String>,
    ) -> Result<String, Error> {
        let spec = json!({ "Name": name, "Labels": labels, "Data": base64::engine::general_purpose::STANDARD.encode(data) });
        let (status, body) = self.request("POST", &format!("/{}/create", plural(kind)), Some(&spec))?;
        if status != 201 && status != 200 {
            return Err(self.refusal(&format!("create {} {name}", kind.noun()), status, &body));
        }
        Ok(serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("ID")?.as_str().map(str::to_string))
            .unwrap_or_default())
    }

    fn remove(&self, kind: ResourceKind, name: &str) -> Result<(), Error> {
        let (status, body) = self.request("DELETE", &format!("/{}/{}", plural(kind), encode(name)), None)?;
        match status {
            200 | 204 => Ok(()),
            _ => Err(self.refusal(&format!("remove {} {name}", kind.noun()), status, &body)),
        }
    }

    fn list(&self, kind: ResourceKind, labels: &[(&str, &str)]) -> Result<Vec<SwarmObject>, Error> {
        let filters = json!({ "label": labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>() });
        let (status, body) = self.request(
            "GET",
            &format!("/{}?filters={}", plural(kind), encode(&filters.to_string())),
            None,
        )?;
        if status != 200 {
            return Err(self.refusal(&format!("list {}", plural(kind)), status, &body));
        }
        let list: Value = serde_json::from_slice(&body)
            .map_err(|e| Error::Swarm(format!("unreadable list from the engine: {e}")))?;
        Ok(list.as_array().map(|a| a.iter().filter_map(object).collect()).unwrap_or_default())
    }
}

/// The `docker` CLI, for hosts and contexts the socket client does not speak.
struct CliEngine {
    env: Vec<(String, String)>,
}

impl CliEngine {
    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<(bool, String, String), Error> {
        let mut cmd = Command::new("docker");
        cmd.args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = cmd.spawn().map_err(|e| Error::Swarm(format!("cannot run the docker CLI: {e}")))?;
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(data)
                .map_err(|e| Error::Swarm(format!("cannot pass the value to the docker CLI: {e}")))?;
        }
        let out =
            child.wait_with_output().map_err(|e| Error::Swarm(format!("the docker CLI failed: {e}")))?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ))
    }

    fn refused(&self, what: &str, stderr: &str) -> Error {
        Error::Swarm(format!("docker ({}) refused to {what}: {stderr}", self.endpoint()))
    }
}

impl Swarm for CliEngine {
    fn endpoint(&self) -> String {
        self.env
            .iter()
            .find(|(k, _)| k == "DOCKER_HOST")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "the docker CLI's current context".into())
    }

    fn inspect(&self, kind: ResourceKind, name: &str) -> Result<Option<SwarmObject>, Error> {
        let (ok, out, err) = self.run(&[kind.noun(), "inspect", "--format", "{{json .}}", name], None)?;
        if !ok {
            return if err.to_ascii_lowercase().contains("no such") || err.contains("not found") {
                Ok(None)
            } else {
                Err(self.refused(&format!("look up {} {name}", kind.noun()), &err))
            };
        }
        Ok(serde_json::from_str::<Value>(out.trim()).ok().as_ref().and_then(object))
    }

    fn create(
        &self,
        kind: ResourceKind,
        name: &str,
        data: &[u8],
        labels: &BTreeMap<String, String>,
    ) -> Result<String, Error> {
        let label_args: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec![kind.noun(), "create"];
        for l in &label_args {
            args.push("--label");
            args.push(l);
        }
        args.extend([name, "-"]);
        let (ok, out, err) = self.run(&args, Some(data))?;
        if !ok {
            return Err(self.refused(&format!("create {} {name}", kind.noun()), &err));
        }
        Ok(out.trim().to_string())
    }

    fn remove(&self, kind: ResourceKind, name: &str) -> Result<(), Error> {
        let (ok, _, err) = self.run(&[kind.noun(), "rm", name], None)?;
        if ok { Ok(()) } else { Err(self.refused(&format!("remove {} {name}", kind.noun()), &err)) }
    }

    fn list(&self, kind: ResourceKind, labels: &[(&str, &str)]) -> Result<Vec<SwarmObject>, Error> {
        let filters: Vec<String> = labels.iter().map(|(k, v)| format!("label={k}={v}")).collect();
        let mut args = vec![kind.noun(), "ls", "--format", "{{.Name}}"];
        for f in &filters {
            args.push("--filter");
            args.push(f);
        }
        let (ok, out, err) = self.run(&args, None)?;
        if !ok {
            return Err(self.refused(&format!("list {}", plural(kind)), &err));
        }
        let mut objects = Vec::new();
        for name in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
            objects.extend(self.inspect(kind, name)?);
        }
        Ok(objects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn resolution_order() {
        let dir = Path::new("/repo/prod");
        let remote = Endpoint { local: false, host: Some("tcp://h:2376".into()), tls: Some(".tls".into()) };
        match resolve(&remote, dir, &vars(&[("DOCKER_HOST", "unix:///x.sock")])) {
            Target::Cli(env) => {
                assert!(env.contains(&("DOCKER_HOST".into(), "tcp://h:2376".into())));
                assert!(env.contains(&("DOCKER_CERT_PATH".into(), "/repo/prod/.tls".into())));
            }
            other => panic!("{other:?}"),
        }
        let local = Endpoint { local: true, host: Some("tcp://ignored".into()), tls: None };
        assert_eq!(
            resolve(&local, dir, &vars(&[("DOCKER_HOST", "unix:///x.sock")])),
            Target::Socket("/x.sock".into())
        );
        let fork = Endpoint { local: false, host: Some("unix:///run/d.sock".into()), tls: None };
        assert_eq!(resolve(&fork, dir, &vars(&[])), Target::Socket("/run/d.sock".into()));
        let none = Endpoint::default();
        assert_eq!(resolve(&none, dir, &vars(&[("DOCKER_HOST", "ssh://me@h")])), Target::Cli(Vec::new()));
        assert_eq!(resolve(&none, dir, &vars(&[("DOCKER_CONTEXT", "prod")])), Target::Cli(Vec::new()));
        assert_eq!(
            resolve(&none, dir, &vars(&[("DOCKER_CONTEXT", "default")])),
            Target::Socket("/var/run/docker.sock".into())
        );
    }

    #[test]
    fn responses_plain_and_chunked() {
        let plain = b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain), Some((404, b"{}".to_vec())));
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n[1,\r\n2\r\n2]\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Some((200, b"[1,2]".to_vec())));
        assert_eq!(parse_response(b"garbage"), None);
        assert_eq!(encode("{\"label\":[\"a=b\"]}"), "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
    }
}
