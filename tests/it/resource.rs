//! `secret|config create|delete|prune|ls` without Swarm (the default build): Compose patching,
//! validation before anything happens, rotation, and the messages; plus the Swarm ordering
//! and failure paths through the library with an in-memory Swarm.

use std::path::Path;
use std::process::Command;

use crate::common::{minipaas, minipaas_stdin, repo};
use minipaas::Outcome;
use minipaas::cli::ResourceAction;
use minipaas::testing::ResourceKind;
use minipaas::testing::{Backend, resource};
use minipaas::testing::{FakeSwarm, Swarm};

const COMMON: &str = "# shared by every env\nservices:\n  api:\n    image: api\n";
const APPS: &str = "services:\n  api:\n    environment:\n      DB_PASSWORD_FILE: /run/secrets/db_password  # read at start\n  worker:\n    image: worker   # no secrets yet\n";
const DB: &str = "services:\n  db:\n    image: postgres:17\n    secrets:\n      - source: db_password.267da420\n        target: db_password\n    volumes: [data:/var/lib/postgresql/data]\nsecrets:\n  db_password.267da420:\n    external: true\n";
const MANIFEST: &str = "project:\n  files:\n  - compose.yaml\n  - dev/compose.apps.yaml\n  - dev/compose.db.yaml\napi:\n  local: true\n";

fn env() -> tempfile::TempDir {
    repo(&[
        ("compose.yaml", COMMON),
        ("dev/compose.apps.yaml", APPS),
        ("dev/compose.db.yaml", DB),
        ("dev/minipaas.yaml", MANIFEST),
    ])
}

fn git_diff(dir: &Path) -> String {
    let out = Command::new("git").args(["diff", "--no-color"]).current_dir(dir).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn create_grants_in_the_env_files_and_says_no_swarm_object_was_made() {
    let dir = env();
    let run = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "api_token", "--for", "api", "--for", "worker"],
        b"s3cr3t-token\n",
    );
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let object = minipaas::testing::versioned_name("api_token", b"s3cr3t-token\n");
    assert!(run.stdout.contains("No Swarm secret was created"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("docker secret create --label com.minipaas.managed=true --label com.minipaas.base=api_token --label com.minipaas.env=dev {object} -")));
    assert!(!run.stdout.contains("s3cr3t-token") && !run.stderr.contains("s3cr3t-token"));
    // `api` is defined in compose.yaml (shared) and dev/compose.apps.yaml: the env file wins.
    assert_eq!(read(dir.path(), "compose.yaml"), COMMON);
    let apps = read(dir.path(), "dev/compose.apps.yaml");
    assert_eq!(
        apps,
        format!(
            "services:\n  api:\n    environment:\n      DB_PASSWORD_FILE: /run/secrets/db_password  # read at start\n    secrets:\n      - source: {object}\n        target: api_token\n  worker:\n    image: worker   # no secrets yet\n    secrets:\n      - source: {object}\n        target: api_token\n\nsecrets:\n  {object}:\n    external: true\n"
        )
    );
    assert_eq!(
        minipaas(dir.path(), &["lint", "--quiet"]).code,
        1,
        "MP009 still holds for api (db_password not granted)"
    );
    // The same value again changes nothing and says so.
    let again = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "api_token", "--for", "api", "--for", "worker"],
        b"s3cr3t-token\n",
    );
    assert_eq!(again.code, 0);
    assert!(again.stdout.contains("Compose files unchanged"), "{}", again.stdout);
    assert_eq!(read(dir.path(), "dev/compose.apps.yaml"), apps);
}

#[test]
fn rotation_replaces_the_version_in_place_and_drops_the_old_declaration() {
    let dir = env();
    let run = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "db_password", "--for", "db", "--for", "api"],
        b"new-value",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let object = minipaas::testing::versioned_name("db_password", b"new-value");
    let db = read(dir.path(), "dev/compose.db.yaml");
    assert_eq!(db, DB.replace("db_password.267da420", &object), "one word changes per place");
    let lint = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(lint.code, 0, "rotation leaves nothing to fix: {}", lint.stdout);
}

#[test]
fn config_from_a_file_takes_the_file_name_unless_named() {
    let dir = env();
    crate::common::write(dir.path(), "configs/app.json", "{\"a\":1}");
    let run =
        minipaas(dir.path(), &["config", "create", "--env", "dev", "--for", "worker", "configs/app.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(read(dir.path(), "dev/compose.apps.yaml").contains("target: app.json"));
    let run = minipaas(
        dir.path(),
        &["config", "create", "--env", "dev", "--name", "settings", "--for", "worker", "configs/app.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let apps = read(dir.path(), "dev/compose.apps.yaml");
    assert!(apps.contains("target: settings") && apps.contains("configs:"), "{apps}");
}

#[test]
fn every_error_is_caught_before_anything_changes() {
    let dir = env();
    let cases: &[(&[&str], &[u8], &str)] = &[
        (
            &["secret", "create", "--env", "dev", "--name", "x", "--for", "nope", "--for", "api"],
            b"v",
            "service `nope` not found in env dev (searched compose.yaml, dev/compose.apps.yaml, dev/compose.db.yaml)",
        ),
        (
            &["secret", "create", "--env", "dev", "--name", "../x", "--for", "api"],
            b"v",
            "`../x` cannot name a secret",
        ),
        (
            &["secret", "create", "--env", "dev", "--name", &"n".repeat(56), "--for", "api"],
            b"v",
            "cannot name a secret",
        ),
        (
            &["secret", "create", "--env", "dev", "--name", "x", "--for", "api"],
            b"",
            "is empty; nothing was created",
        ),
        (
            &["secret", "create", "--env", "dev", "--for", "api"],
            b"v",
            "when no FILE is given, --name is required",
        ),
        (&["secret", "create", "--env", "staging", "--name", "x"], b"v", "no minipaas.yaml in `staging`"),
        (&["secret", "create", "--env", "dev", "--name", "x", "missing.txt"], b"", "missing.txt"),
        (
            &["secret", "delete", "--env", "dev", "--name", "unknown"],
            b"",
            "no secret named `unknown` in env dev",
        ),
    ];
    for (args, stdin, message) in cases {
        let run = minipaas_stdin(dir.path(), args, stdin);
        assert_eq!(run.code, 2, "{args:?}: {} {}", run.stdout, run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        assert!(git_diff(dir.path()).is_empty(), "{args:?} changed a file");
    }
    let big = vec![b'x'; 500 * 1024 + 1];
    let run = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "big", "--for", "api"],
        &big,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("larger than Swarm accepts for a secret (500 KiB)"), "{}", run.stderr);
    // Broken YAML in the env stops everything, naming the file and line.
    crate::common::write(dir.path(), "dev/compose.db.yaml", "services:\n  db: [\n");
    let run = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "x", "--for", "api"],
        b"v",
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("dev/compose.db.yaml:"), "{}", run.stderr);
}

#[test]
fn inherited_lists_are_refused_not_replaced() {
    let dir = repo(&[
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
        (
            "dev/compose.yaml",
            "x-base: &base\n  image: a\n  secrets: [one]\nservices:\n  web:\n    <<: *base\nsecrets:\n  one:\n    external: true\n",
        ),
    ]);
    let run = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "two", "--for", "web"],
        b"v",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("inherits `secrets` through a `<<` merge key"), "{}", run.stderr);
    assert!(git_diff(dir.path()).is_empty());
}

#[test]
fn delete_removes_every_version_everywhere() {
    let dir = env();
    minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "db_password", "--for", "api"],
        b"other",
    );
    let run = minipaas(dir.path(), &["secret", "delete", "--env", "dev", "--name", "db_password"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("docker secret rm db_password."), "{}", run.stdout);
    assert!(!read(dir.path(), "dev/compose.db.yaml").contains("db_password"));
    assert!(!read(dir.path(), "dev/compose.apps.yaml").contains("db_password."));
    assert_eq!(
        read(dir.path(), "dev/compose.db.yaml"),
        "services:\n  db:\n    image: postgres:17\n    volumes: [data:/var/lib/postgresql/data]\n"
    );
}

#[test]
fn prune_lists_then_deletes_unused_declarations() {
    let dir = repo(&[
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
        (
            "dev/compose.yaml",
            "services:\n  web:\n    image: a\n    secrets: [used]\nsecrets:\n  used:\n    external: true\n  stale.0a1b2c3d:\n    external: true\n",
        ),
    ]);
    let run = minipaas(dir.path(), &["secret", "prune", "--env", "dev"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("unused declaration: stale.0a1b2c3d"), "{}", run.stdout);
    assert!(git_diff(dir.path()).is_empty());
    let run = minipaas(dir.path(), &["secret", "prune", "--env", "dev", "--delete"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!read(dir.path(), "dev/compose.yaml").contains("stale"));
    let run = minipaas(dir.path(), &["secret", "prune", "--env", "dev"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Nothing to prune"));
}

#[test]
fn prune_counts_what_services_use_through_extends_and_never_guesses() {
    let dir = repo(&[
        (
            "lib/databases.yaml",
            "services:\n  db:\n    image: postgres\n    secrets: [db_pass]\n  cache:\n    image: redis\n",
        ),
        (
            "dev/compose.yaml",
            "services:\n  api:\n    extends:\n      file: ../lib/databases.yaml\n      service: db\nsecrets:\n  db_pass:\n    external: true\n  old_pass:\n    external: true\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
    ]);
    // `db_pass` is used by `api` through `extends`; only `old_pass` is unused.
    let run = minipaas(dir.path(), &["secret", "prune", "--env", "dev", "--delete"]);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let text = read(dir.path(), "dev/compose.yaml");
    assert!(text.contains("db_pass:") && !text.contains("old_pass"), "{text}");
    // A remote include may use anything: nothing is pruned, and the reason is given.
    crate::common::write(
        dir.path(),
        "dev/compose.yaml",
        "include:\n  - oci://example.com/shared:1\nservices:\n  api:\n    image: api\nsecrets:\n  maybe_used:\n    external: true\n",
    );
    let run = minipaas(dir.path(), &["secret", "prune", "--env", "dev", "--delete"]);
    assert!(
        run.stdout.contains("Cannot tell what is unused") && run.stdout.contains("Nothing to prune"),
        "{}",
        run.stdout
    );
    assert!(read(dir.path(), "dev/compose.yaml").contains("maybe_used"));
}

#[test]
fn ls_shows_who_uses_what() {
    let dir = env();
    let run = minipaas(dir.path(), &["secret", "ls", "--env", "dev"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

fn action_create(env: &Path, services: &[&str]) -> ResourceAction {
    ResourceAction::Create {
        env: env.to_path_buf(),
        name: Some("api_token".into()),
        services: services.iter().map(|s| s.to_string()).collect(),
        file: None,
    }
}

#[test]
fn with_swarm_the_object_is_made_first_and_labelled() {
    let dir = env();
    let fake = FakeSwarm::default();
    let mut out = Vec::new();
    let outcome = resource(
        ResourceKind::Secret,
        &action_create(&dir.path().join("dev"), &["api"]),
        &mut &b"v1"[..],
        &mut out,
        &Backend::Given(&fake),
    )
    .unwrap();
    assert_eq!(outcome, Outcome::Clean);
    let object = minipaas::testing::versioned_name("api_token", b"v1");
    let made = fake.inspect(ResourceKind::Secret, &object).unwrap().unwrap();
    assert_eq!(made.labels["com.minipaas.base"], "api_token");
    assert_eq!(made.labels["com.minipaas.env"], "dev");
    assert_eq!(fake.objects.borrow()[0].2, b"v1");
    assert!(read(dir.path(), "dev/compose.apps.yaml").contains(&object));
}

#[test]
fn engine_down_changes_no_file() {
    let dir = env();
    let fake = FakeSwarm::default();
    *fake.down.borrow_mut() = Some("cannot reach the Docker Engine at fake://: connection refused".into());
    let err = resource(
        ResourceKind::Secret,
        &action_create(&dir.path().join("dev"), &["api"]),
        &mut &b"v1"[..],
        &mut Vec::new(),
        &Backend::Given(&fake),
    )
    .unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert!(git_diff(dir.path()).is_empty());
}

#[test]
fn an_unknown_service_creates_nothing_in_swarm() {
    let dir = env();
    let fake = FakeSwarm::default();
    let err = resource(
        ResourceKind::Secret,
        &action_create(&dir.path().join("dev"), &["nope"]),
        &mut &b"v1"[..],
        &mut Vec::new(),
        &Backend::Given(&fake),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not found"));
    assert!(fake.objects.borrow().is_empty(), "upstream creates the object first; we must not");
}

#[test]
fn deleting_a_secret_in_use_changes_no_file() {
    let dir = env();
    let fake = FakeSwarm::default();
    fake.create(
        ResourceKind::Secret,
        "db_password.267da420",
        b"x",
        &minipaas::testing::labels("db_password", "dev"),
    )
    .unwrap();
    fake.in_use.borrow_mut().push("db_password.267da420".into());
    let action = ResourceAction::Delete { env: dir.path().join("dev"), name: "db_password".into() };
    let err = resource(ResourceKind::Secret, &action, &mut &b""[..], &mut Vec::new(), &Backend::Given(&fake))
        .unwrap_err();
    assert!(
        err.to_string().contains("is in use") && err.to_string().contains("no file was changed"),
        "{err}"
    );
    assert!(git_diff(dir.path()).is_empty());
    fake.in_use.borrow_mut().clear();
    resource(ResourceKind::Secret, &action, &mut &b""[..], &mut Vec::new(), &Backend::Given(&fake)).unwrap();
    assert!(fake.objects.borrow().is_empty());
    assert!(!git_diff(dir.path()).is_empty());
}

#[test]
fn prune_removes_only_this_envs_unreferenced_objects() {
    let dir = env();
    let fake = FakeSwarm::default();
    for (name, env) in [("db_password.267da420", "dev"), ("old.0a1b2c3d", "dev"), ("old.0a1b2c3d.x", "prod")]
    {
        fake.create(ResourceKind::Secret, name, b"x", &minipaas::testing::labels("old", env)).unwrap();
    }
    let mut out = Vec::new();
    let action = ResourceAction::Prune { env: dir.path().join("dev"), delete: false };
    assert_eq!(
        resource(ResourceKind::Secret, &action, &mut &b""[..], &mut out, &Backend::Given(&fake)).unwrap(),
        Outcome::Findings
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("unused in Swarm: old.0a1b2c3d\n")
            && !text.contains("db_password")
            && !text.contains(".x"),
        "{text}"
    );
    let action = ResourceAction::Prune { env: dir.path().join("dev"), delete: true };
    resource(ResourceKind::Secret, &action, &mut &b""[..], &mut Vec::new(), &Backend::Given(&fake)).unwrap();
    let names: Vec<String> = fake.objects.borrow().iter().map(|(_, o, _)| o.name.clone()).collect();
    assert_eq!(names, ["db_password.267da420", "old.0a1b2c3d.x"]);
}

#[test]
fn an_engine_stopping_mid_command_is_reported_with_what_was_done() {
    let dir = env();
    let fake = FakeSwarm::default();
    for name in ["db_password.267da420", "db_password.ffffffff"] {
        fake.create(ResourceKind::Secret, name, b"x", &minipaas::testing::labels("db_password", "dev"))
            .unwrap();
    }
    // list + two inspections + the first removal succeed; the engine stops before the second.
    fake.calls_left.set(Some(4));
    let action = ResourceAction::Delete { env: dir.path().join("dev"), name: "db_password".into() };
    let err = resource(ResourceKind::Secret, &action, &mut &b""[..], &mut Vec::new(), &Backend::Given(&fake))
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("the Docker Engine stopped") && message.contains("no file was changed"),
        "{message}"
    );
    assert!(message.contains("already removed from Swarm: db_password.267da420"), "{message}");
    assert!(git_diff(dir.path()).is_empty());
}

fn status(fake: &FakeSwarm, dir: &Path, json: bool) -> (Outcome, String) {
    let action = ResourceAction::Status {
        env: dir.join("dev"),
        stack: None,
        format: if json { minipaas::cli::ReportFormat::Json } else { minipaas::cli::ReportFormat::Text },
    };
    let mut out = Vec::new();
    let outcome =
        resource(ResourceKind::Secret, &action, &mut &b""[..], &mut out, &Backend::Given(fake)).unwrap();
    (outcome, String::from_utf8(out).unwrap())
}

/// `secret status` with an in-memory Swarm: in sync, stale (naming the service and the
/// command that redeploys), missing, and orphans; text and JSON.
#[test]
fn status_compares_files_swarm_and_running_tasks() {
    let dir = env();
    let fake = FakeSwarm::default();
    let labels = minipaas::testing::labels("db_password", "dev");
    for name in ["db_password.267da420", "db_password.00aa00aa", "cache_key.11bb11bb"] {
        fake.create(ResourceKind::Secret, name, b"v", &labels).unwrap();
    }
    let task = |secret: &str| (vec![secret.to_string()], Vec::new());
    let deployed = |secret: &str| {
        let service = minipaas::testing::StackService {
            name: "minipaas_db".into(),
            secrets: vec![secret.into()],
            configs: Vec::new(),
            running: vec![task(secret), task(secret)],
        };
        fake.stacks.borrow_mut().insert("minipaas".into(), vec![service]);
    };

    // The service still runs the version before the rotation.
    deployed("db_password.00aa00aa");
    let (outcome, text) = status(&fake, dir.path(), false);
    assert_eq!(outcome, Outcome::Findings, "{text}");
    assert!(text.contains("Secrets of env dev in stack minipaas (fake://):"), "{text}");
    assert!(text.contains("db_password  stale"), "{text}");
    assert!(text.contains("  files:  db_password.267da420"), "{text}");
    assert!(text.contains("db  runs db_password.00aa00aa  stale"), "{text}");
    // Not an orphan: `api` reads /run/secrets/db_password without mounting it, so any version
    // of `db_password` may be what it wants, and `prune` keeps it too.
    assert!(text.contains("db_password.00aa00aa  created 2026-01-01T00:00:01Z\n"), "{text}");
    assert!(
        text.contains(
            "docker stack deploy -c compose.yaml -c dev/compose.apps.yaml -c dev/compose.db.yaml minipaas"
        ),
        "{text}"
    );
    assert!(
        text.contains("Orphans (made by minipaas for env dev, referenced by no file):\n  cache_key.11bb11bb"),
        "{text}"
    );

    // Redeployed: in sync, exit 0; JSON says the same.
    deployed("db_password.267da420");
    let (outcome, text) = status(&fake, dir.path(), false);
    assert_eq!(outcome, Outcome::Clean, "{text}");
    assert!(text.contains("db_password  in sync") && !text.contains("docker stack deploy"), "{text}");
    let (_, json) = status(&fake, dir.path(), true);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["stack"], "minipaas");
    assert_eq!(doc["names"][0]["state"], "in-sync");
    assert_eq!(doc["names"][0]["services"][0]["running"], serde_json::json!(["db_password.267da420"]));
    assert_eq!(doc["orphans"][0]["name"], "cache_key.11bb11bb");

    // The object the files reference is gone from Swarm: the next deploy fails.
    fake.remove(ResourceKind::Secret, "db_password.267da420").unwrap();
    let (outcome, text) = status(&fake, dir.path(), false);
    assert_eq!(outcome, Outcome::Findings);
    assert!(
        text.contains("db_password  missing") && text.contains("missing in Swarm: db_password.267da420"),
        "{text}"
    );
}

#[test]
fn status_without_the_swarm_feature_says_what_it_needs() {
    let dir = env();
    let run = minipaas(dir.path(), &["secret", "status", "--env", "dev"]);
    assert_eq!(run.code, 2, "{} {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("build minipaas with the `swarm` feature"), "{}", run.stderr);
}

/// `config status` on the fork's schema: the stack is the env's `namespace`; a config the
/// deploy creates is `<stack>_<key>`; a service the files no longer define but the stack still
/// runs is stale (with `--prune` suggested), and what it mounts is no orphan; a task mounting
/// two versions is stale.
#[test]
fn status_of_configs_in_a_namespaced_stack() {
    let compose = "services:\n  web:\n    image: web\n    configs:\n      - source: app_conf.aaaa1111\n        target: /app.conf\n      - nginx_conf\nconfigs:\n  app_conf.aaaa1111:\n    external: true\n  nginx_conf:\n    file: ./nginx.conf\n";
    let dir = repo(&[
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\nnamespace: shop\n"),
        ("dev/compose.yaml", compose),
        ("dev/nginx.conf", "events {}\n"),
    ]);
    let fake = FakeSwarm::default();
    let labels = minipaas::testing::labels("app_conf", "dev");
    for name in ["app_conf.aaaa1111", "app_conf.bbbb2222"] {
        fake.create(ResourceKind::Config, name, b"v", &labels).unwrap();
    }
    fake.create(ResourceKind::Config, "shop_nginx_conf", b"v", &Default::default()).unwrap();
    let service = |name: &str, tasks: &[&[&str]]| minipaas::testing::StackService {
        name: name.into(),
        secrets: Vec::new(),
        configs: tasks.first().map(|t| t.iter().map(|s| s.to_string()).collect()).unwrap_or_default(),
        running: tasks.iter().map(|t| (Vec::new(), t.iter().map(|s| s.to_string()).collect())).collect(),
    };
    let web_ok: &[&str] = &["app_conf.aaaa1111", "shop_nginx_conf"];
    fake.stacks.borrow_mut().insert(
        "shop".into(),
        vec![service("shop_web", &[web_ok, web_ok]), service("shop_old", &[&["app_conf.bbbb2222"]])],
    );
    let run = |json: bool| {
        let action = ResourceAction::Status {
            env: dir.path().join("dev"),
            stack: None,
            format: if json { minipaas::cli::ReportFormat::Json } else { minipaas::cli::ReportFormat::Text },
        };
        let mut out = Vec::new();
        let outcome =
            resource(ResourceKind::Config, &action, &mut &b""[..], &mut out, &Backend::Given(&fake)).unwrap();
        (outcome, String::from_utf8(out).unwrap())
    };
    let (outcome, text) = run(false);
    assert_eq!(outcome, Outcome::Findings, "{text}");
    assert!(text.contains("Configs of env dev in stack shop"), "{text}");
    assert!(text.contains("app_conf  stale"), "{text}");
    assert!(text.contains("web  runs app_conf.aaaa1111  in sync"), "{text}");
    assert!(text.contains("old  runs app_conf.bbbb2222  stale"), "{text}");
    assert!(text.contains("shop_nginx_conf  in sync"), "{text}");
    assert!(text.contains("docker stack deploy -c dev/compose.yaml shop"), "{text}");
    assert!(text.contains("shop_old no longer in the files: add --prune"), "{text}");
    assert!(!text.contains("orphan"), "mounted by shop_old: {text}");

    // One task mounting two versions of one name is stale too.
    let both: &[&str] = &["app_conf.aaaa1111", "app_conf.bbbb2222", "shop_nginx_conf"];
    fake.stacks.borrow_mut().insert("shop".into(), vec![service("shop_web", &[web_ok, both])]);
    let (outcome, json) = run(true);
    assert_eq!(outcome, Outcome::Findings);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["kind"], "config");
    let app = doc["names"].as_array().unwrap().iter().find(|n| n["base"] == "app_conf").unwrap();
    assert_eq!(app["services"][0]["state"], "stale", "{app}");
    // bbbb2222 is still mounted by a running task: not an orphan yet.
    assert_eq!(app["swarm"][1]["orphan"], false, "{app}");
}
