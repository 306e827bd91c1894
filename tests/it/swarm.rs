//! End to end against a real Docker Engine in Swarm mode (run by scripts/test-swarm, which
//! starts a private engine and sets MINIPAAS_TEST_DOCKER_HOST): create from stdin, deploy
//! the patched files, read the value inside a container, rotate, redeploy, refuse to delete
//! in use, remove the stack, prune.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::repo;

fn host() -> String {
    std::env::var("MINIPAAS_TEST_DOCKER_HOST")
        .expect("run scripts/test-swarm: it starts a private Docker Engine in Swarm mode and sets MINIPAAS_TEST_DOCKER_HOST")
}

fn run(program: &str, dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("DOCKER_HOST", host())
        .env_remove("DOCKER_CONTEXT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// Runs minipaas with only these Docker variables (no DOCKER_HOST unless given).
fn minipaas_with(dir: &Path, args: &[&str], stdin: &[u8], vars: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_minipaas"));
    command.args(args).current_dir(dir);
    for var in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS"] {
        command.env_remove(var);
    }
    // No docker CLI to fall back on: the feature must not need it.
    command.env("PATH", "/nonexistent").envs(vars.iter().copied());
    let mut child =
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn docker(dir: &Path, args: &[&str]) -> Output {
    run("docker", dir, args, b"")
}

fn minipaas(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run(env!("CARGO_BIN_EXE_minipaas"), dir, args, stdin)
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Waits until `check` holds, or fails with what was last seen.
fn eventually(what: &str, mut check: impl FnMut() -> Result<(), String>) {
    let start = Instant::now();
    loop {
        match check() {
            Ok(()) => return,
            Err(last) if start.elapsed() > Duration::from_secs(120) => {
                panic!("timed out waiting for {what}: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
}

fn deploy(dir: &Path, stack: &str, file: &str) {
    let out = docker(dir, &["stack", "deploy", "--resolve-image", "never", "-c", file, stack]);
    assert!(out.status.success(), "deploy: {}", text(&out));
}

fn logs_show(dir: &Path, service: &str, needle: &str) {
    eventually(&format!("{service} to print the value"), || {
        let out = docker(dir, &["service", "logs", "--raw", service]);
        let t = text(&out);
        if t.lines().any(|l| l.trim() == needle) { Ok(()) } else { Err(t) }
    });
}

fn remove_stack(dir: &Path, stack: &str) {
    let out = docker(dir, &["stack", "rm", stack]);
    assert!(out.status.success(), "{}", text(&out));
    eventually("the stack's containers to stop", || {
        let out =
            docker(dir, &["ps", "-q", "--filter", &format!("label=com.docker.stack.namespace={stack}")]);
        if String::from_utf8_lossy(&out.stdout).trim().is_empty() { Ok(()) } else { Err(text(&out)) }
    });
}

fn lifecycle(kind: &str, stack: &str, mount: &str, create_from_file: bool) {
    let compose = format!(
        "services:\n  reader:\n    image: minipaas-test/busybox:latest\n    # prints the mounted value every second\n    command: [\"sh\", \"-c\", \"while true; do cat {mount}; echo; sleep 1; done\"]\n"
    );
    let dir = repo(&[
        ("dev/minipaas.yaml", "project:\n  files:\n  - dev/compose.yaml\napi:\n  local: true\n"),
        ("dev/compose.yaml", &compose),
    ]);
    let d = dir.path();
    let create = |value: &str| {
        if create_from_file {
            std::fs::write(d.join("value.txt"), value).unwrap();
            minipaas(
                d,
                &[kind, "create", "--env", "dev", "--name", "token", "--for", "reader", "value.txt"],
                b"",
            )
        } else {
            minipaas(
                d,
                &[kind, "create", "--env", "dev", "--name", "token", "--for", "reader"],
                value.as_bytes(),
            )
        }
    };
    // Create: the object exists, with its labels, and the value is never printed.
    let out = create("value-one");
    assert!(out.status.success(), "create: {}", text(&out));
    assert!(!text(&out).contains("value-one"));
    let first = minipaas::testing::versioned_name("token", b"value-one");
    let inspect = docker(d, &[kind, "inspect", "--format", "{{json .Spec.Labels}}", &first]);
    let labels = text(&inspect);
    for label in [
        "\"com.minipaas.managed\":\"true\"",
        "\"com.minipaas.base\":\"token\"",
        "\"com.minipaas.env\":\"dev\"",
    ] {
        assert!(labels.contains(label), "{labels}");
    }
    // Deploy the patched file: the container reads the value, and `status` says in sync.
    deploy(d, stack, "dev/compose.yaml");
    logs_show(d, &format!("{stack}_reader"), "value-one");
    let status = |expect: &str| {
        eventually(&format!("{kind} status to say {expect}"), || {
            let out = minipaas(d, &[kind, "status", "--env", "dev", "--stack", stack], b"");
            let t = text(&out);
            if t.contains(expect) { Ok(()) } else { Err(t) }
        });
        minipaas(d, &[kind, "status", "--env", "dev", "--stack", stack], b"")
    };
    let out = status(&format!("reader  runs {first}  in sync"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Rotate: the files point at the new version, the service still runs the old one.
    let out = create("value-two");
    assert!(out.status.success(), "rotate: {}", text(&out));
    assert!(text(&out).contains("keep the old value until the stack is deployed again"), "{}", text(&out));
    let second = minipaas::testing::versioned_name("token", b"value-two");
    let file = std::fs::read_to_string(d.join("dev/compose.yaml")).unwrap();
    assert!(file.contains(&second) && !file.contains(&first), "{file}");
    assert!(file.contains("# prints the mounted value every second"), "comments survive");
    let out = status(&format!("reader  runs {first}  stale"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("docker stack deploy -c dev/compose.yaml {stack}")),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("value-"), "no value: {}", text(&out));
    // Redeploy: in sync again, and the old version is an orphan.
    deploy(d, stack, "dev/compose.yaml");
    logs_show(d, &format!("{stack}_reader"), "value-two");
    let out = status(&format!("reader  runs {second}  in sync"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{first}  created ")) && text(&out).contains("  orphan"),
        "{}",
        text(&out)
    );
    let json = minipaas(d, &[kind, "status", "--env", "dev", "--stack", stack, "--format", "json"], b"");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["names"][0]["state"], "in-sync", "{doc}");
    // Delete while in use: refused by Swarm, no file changed.
    let before = std::fs::read_to_string(d.join("dev/compose.yaml")).unwrap();
    let out = minipaas(d, &[kind, "delete", "--env", "dev", "--name", "token"], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("in use"), "the engine's own message is shown: {}", text(&out));
    assert_eq!(std::fs::read_to_string(d.join("dev/compose.yaml")).unwrap(), before);
    // After the stack is gone, prune removes the old version nothing references any more.
    remove_stack(d, stack);
    let out = minipaas(d, &[kind, "prune", "--env", "dev"], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("unused in Swarm: {first}")), "{}", text(&out));
    let out = minipaas(d, &[kind, "prune", "--env", "dev", "--delete"], b"");
    assert!(out.status.success(), "{}", text(&out));
    let names = text(&docker(d, &[kind, "ls", "--format", "{{.Name}}"]));
    assert!(!names.contains(&first) && names.contains(&second), "{names}");
    // Delete now succeeds: object and references gone.
    let out = minipaas(d, &[kind, "delete", "--env", "dev", "--name", "token"], b"");
    assert!(out.status.success(), "{}", text(&out));
    let names = text(&docker(d, &[kind, "ls", "--format", "{{.Name}}"]));
    assert!(!names.contains(&second), "{names}");
    let file = std::fs::read_to_string(d.join("dev/compose.yaml")).unwrap();
    assert!(!file.contains("token.") && !file.contains(&format!("{kind}s:")), "{file}");
}

#[test]
fn secret_lifecycle_on_a_real_engine() {
    lifecycle("secret", "mpsecret", "/run/secrets/token", false);
}

#[test]
fn config_lifecycle_on_a_real_engine() {
    lifecycle("config", "mpconfig", "/token", true);
}

#[test]
fn engine_errors_are_shown_and_change_nothing() {
    let dir = repo(&[
        (
            "dev/minipaas.yaml",
            "compose:\n  files: [compose.yaml]\ndocker:\n  host: unix:///nonexistent/docker.sock\n",
        ),
        ("dev/compose.yaml", "services:\n  a:\n    image: minipaas-test/busybox:latest\n"),
    ]);
    let out = minipaas(dir.path(), &["secret", "create", "--env", "dev", "--name", "x", "--for", "a"], b"v");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("cannot reach the Docker Engine at unix:///nonexistent/docker.sock"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dev/compose.yaml")).unwrap(),
        "services:\n  a:\n    image: minipaas-test/busybox:latest\n"
    );
    // A name Swarm already has with other content (created outside minipaas) is reported.
    let d = dir.path();
    std::fs::write(d.join("dev/minipaas.yaml"), "compose:\n  files: [compose.yaml]\n").unwrap();
    let name = minipaas::testing::versioned_name("clash", b"mine");
    let out = run("docker", d, &["secret", "create", &name, "-"], b"theirs");
    assert!(out.status.success(), "{}", text(&out));
    let out = minipaas(d, &["secret", "create", "--env", "dev", "--name", "clash", "--for", "a"], b"mine");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("already exists in Swarm"), "{}", text(&out));
    docker(d, &["secret", "rm", &name]);
}

#[test]
fn prune_keeps_what_any_env_still_uses() {
    // Swarm names are global: env dev's label on an object does not make it dev's alone.
    let app = |name: &str| {
        format!(
            "services:\n  web:\n    image: minipaas-test/busybox:latest\n    secrets:\n      - source: {name}\n        target: key\nsecrets:\n  {name}:\n    external: true\n"
        )
    };
    let dir = repo(&[
        ("dev/minipaas.yaml", "compose:\n  files: [app.yaml]\n"),
        ("dev/app.yaml", &app("key.aaaa1111")),
        ("prod/minipaas.yaml", "compose:\n  files: [app.yaml]\n"),
        ("prod/app.yaml", &app("key.bbbb2222")),
        ("other/minipaas.yaml", "compose:\n  files: [app.yaml]\n"),
        ("other/app.yaml", &app("pat.${KEY_VERSION}")),
    ]);
    let d = dir.path();
    let labels = ["--label", "com.minipaas.managed=true", "--label", "com.minipaas.env=dev"];
    let names = ["key.aaaa1111", "key.bbbb2222", "pat.cccc3333", "gone.dddd4444"];
    for name in names {
        let mut args = vec!["secret", "create"];
        args.extend(labels);
        args.extend([name, "-"]);
        let out = run("docker", d, &args, b"v");
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = minipaas(d, &["secret", "prune", "--env", "dev", "--delete"], b"");
    let said = text(&out);
    let left = text(&docker(d, &["secret", "ls", "--format", "{{.Name}}"]));
    for name in &names[..3] {
        docker(d, &["secret", "rm", name]);
    }
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Removed from Swarm: gone.dddd4444"), "{said}");
    for kept in &names[..3] {
        assert!(left.contains(kept), "{kept} was removed: {said}");
    }
}

/// Runs last (tests run in name order with one thread): it takes the node out of the swarm,
/// then puts it back.
#[test]
fn zz_a_node_that_is_not_a_manager_changes_nothing() {
    let dir = repo(&[
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
        ("dev/compose.yaml", "services:\n  a:\n    image: minipaas-test/busybox:latest\n"),
    ]);
    let d = dir.path();
    let left = docker(d, &["swarm", "leave", "--force"]);
    assert!(left.status.success(), "{}", text(&left));
    let out = minipaas(d, &["secret", "create", "--env", "dev", "--name", "x", "--for", "a"], b"v");
    // Back on the private loopback port scripts/test-swarm chose (never Swarm's default 2377,
    // which a Swarm the machine runs may hold).
    let addr = std::env::var("MINIPAAS_TEST_SWARM_ADDR").unwrap();
    let data_port = std::env::var("MINIPAAS_TEST_DATA_PORT").unwrap();
    let rejoin = docker(
        d,
        &["swarm", "init", "--advertise-addr", &addr, "--listen-addr", &addr, "--data-path-port", &data_port],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).to_lowercase().contains("not a swarm manager"),
        "the engine's own message: {}",
        text(&out)
    );
    assert!(text(&out).contains("no file was changed"), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(d.join("dev/compose.yaml")).unwrap(),
        "services:\n  a:\n    image: minipaas-test/busybox:latest\n"
    );
    assert!(rejoin.status.success(), "{}", text(&rejoin));
}

/// TLS over tcp, checked both ways (scripts/test-swarm makes a CA, the engine's certificate and
/// a client's): from DOCKER_HOST with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, and from the env's
/// `api.host` + `api.tls`. A client that does not trust the engine's CA is refused, and
/// nothing changes. The docker CLI is not on the PATH.
#[test]
fn tls_over_tcp_without_the_docker_cli() {
    let tls_host = std::env::var("MINIPAAS_TEST_TLS_HOST").unwrap();
    let certs = std::env::var("MINIPAAS_TEST_TLS_CERTS").unwrap();
    let stranger = std::env::var("MINIPAAS_TEST_TLS_STRANGER").unwrap();
    let compose = "services:\n  a:\n    image: minipaas-test/busybox:latest\n";
    let dir = repo(&[
        ("dev/minipaas.yaml", "api:\n  local: true\ncompose:\n  files: [compose.yaml]\n"),
        ("dev/compose.yaml", compose),
    ]);
    let d = dir.path();
    let vars = [
        ("DOCKER_HOST", tls_host.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", certs.as_str()),
    ];
    let out = minipaas_with(
        d,
        &["secret", "create", "--env", "dev", "--name", "over_tls", "--for", "a"],
        b"v1",
        &vars,
    );
    assert!(out.status.success(), "{}", text(&out));
    let object = minipaas::testing::versioned_name("over_tls", b"v1");
    assert!(text(&docker(d, &["secret", "ls", "--format", "{{.Name}}"])).contains(&object));
    let out = minipaas_with(d, &["secret", "ls", "--env", "dev"], b"", &vars);
    assert!(text(&out).contains(&format!("{object}  present")), "{}", text(&out));

    // The env's own settings: api.host with api.tls, relative to the env folder.
    crate::common::copy_dir(Path::new(&certs), &d.join("dev/.tls"));
    let manifest = format!("api:\n  host: {tls_host}\n  tls: .tls\ncompose:\n  files: [compose.yaml]\n");
    std::fs::write(d.join("dev/minipaas.yaml"), &manifest).unwrap();
    let out = minipaas_with(d, &["secret", "delete", "--env", "dev", "--name", "over_tls"], b"", &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&docker(d, &["secret", "ls", "--format", "{{.Name}}"])).contains(&object));

    // A client that does not trust the engine's certificate, and one whose certificate the
    // engine does not trust: both refused, nothing changed.
    let impostor = std::env::var("MINIPAAS_TEST_TLS_IMPOSTOR").unwrap();
    for client in [&stranger, &impostor] {
        std::fs::remove_dir_all(d.join("dev/.tls")).unwrap();
        crate::common::copy_dir(Path::new(client), &d.join("dev/.tls"));
        let before = std::fs::read_to_string(d.join("dev/compose.yaml")).unwrap();
        let out =
            minipaas_with(d, &["secret", "create", "--env", "dev", "--name", "x", "--for", "a"], b"v", &[]);
        assert_eq!(out.status.code(), Some(1), "{client}: {}", text(&out));
        assert!(text(&out).contains("the Docker Engine at"), "{client}: {}", text(&out));
        assert_eq!(std::fs::read_to_string(d.join("dev/compose.yaml")).unwrap(), before);
        let names = text(&docker(d, &["secret", "ls", "--format", "{{.Name}}"]));
        assert!(!names.contains("x."), "{client}: {names}");
    }
}
