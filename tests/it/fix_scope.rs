//! A fix or command changes only what it is about: the value it moves (whole, and never
//! printed), the service and unit its finding is in, the one name in the one env a command
//! names. Each case here once did more (an adversarial review found them), and exited 0.

use std::path::Path;

use crate::common::{minipaas, minipaas_stdin, repo};

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

fn unchanged(dir: &Path) -> bool {
    let out =
        std::process::Command::new("git").args(["status", "--porcelain"]).current_dir(dir).output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().all(|l| l.starts_with("??"))
}

fn stack_config(dir: &Path, files: &[&str]) -> String {
    let mut cmd = std::process::Command::new("docker");
    cmd.args(["stack", "config"]);
    for f in files {
        cmd.args(["-c", f]);
    }
    let out = cmd.current_dir(dir).output().expect("the docker CLI is installed (scripts/test installs it)");
    assert!(out.status.success(), "docker stack config: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_block_scalar_value_is_moved_whole_and_never_printed() {
    for indicator in ["|", "|-", "|+", ">", ">-", "|2", ">2-"] {
        let text = format!(
            "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: {indicator}\n        first-canary-value\n      MYSQL_ROOT_PASSWORD: 'hunter3canary'\n      API_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
        );
        let dir = repo(&[("compose.yaml", &text)]);
        let mut shown = Vec::new();
        for format in ["text", "json", "sarif", "github"] {
            let run = minipaas(dir.path(), &["lint", "--diff", "--unsafe-fixes", "--format", format]);
            shown.push(run.stdout + &run.stderr);
        }
        let run = minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
        shown.push(run.stdout + &run.stderr);
        for out in &shown {
            for value in ["first-canary-value", "hunter3canary", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"] {
                assert!(!out.contains(value), "{indicator}: printed {value}:\n{out}");
            }
        }
        let after = read(dir.path(), "compose.yaml");
        assert!(
            after.contains(
                "      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password\n      MYSQL_ROOT_PASSWORD: 'hunter3canary'\n"
            ),
            "{indicator}:\n{after}"
        );
        let config = stack_config(dir.path(), &["compose.yaml"]);
        assert!(config.contains("API_TOKEN: ghp_"), "{indicator}: the next variable was damaged:\n{config}");
    }
}

#[test]
fn an_anchor_never_slides_to_the_next_item() {
    // `api` mounts `db` through the anchor: deleting `db` must not hand it `other`.
    let files = [
        (
            "dev/compose.yaml",
            "services:\n  web:\n    image: nginx\n    secrets: [&n db, other]\n  api:\n    image: nginx\n    secrets: [*n]\nsecrets:\n  db: {external: true}\n  other: {external: true}\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
    ];
    let dir = repo(&files);
    let run = minipaas(dir.path(), &["secret", "delete", "--env", "dev", "--name", "db"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert!(unchanged(dir.path()));
    // A safe removal of an anchored declaration an environment value reads: refused.
    let dir = repo(&[(
        "compose.yaml",
        "secrets: {&k legacy_key: {external: true}, used: {external: true}}\nservices:\n  web:\n    image: nginx\n    secrets: [used]\n    environment:\n      OLD_SECRET_NAME: *k\n",
    )]);
    let run = minipaas(dir.path(), &["lint", "--fix"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(unchanged(dir.path()), "{}", read(dir.path(), "compose.yaml"));
    assert!(run.stdout.contains("refused"), "{}", run.stdout);
}

#[test]
fn a_fix_for_one_env_never_changes_what_another_mounts() {
    // Declaring `db` for prod in the shared file would replace dev's `dev_db_v3` declaration.
    let dir = repo(&[
        ("dev/minipaas.yaml", "compose:\n  files: [../common/secrets.yml, ../common/app.yml]\n"),
        ("prod/minipaas.yaml", "compose:\n  files: [../common/app.yml]\n"),
        ("common/secrets.yml", "secrets:\n  db:\n    external: true\n    name: dev_db_v3\n"),
        ("common/app.yml", "services:\n  web:\n    image: nginx\n    secrets: [db]\n"),
    ]);
    let run = minipaas(dir.path(), &["lint", "--fix"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(unchanged(dir.path()), "{}", read(dir.path(), "common/app.yml"));
    assert!(run.stdout.contains("env dev"), "{}", run.stdout);
    // Dropping dev's older version from a file prod shares would unmount prod's secret.
    let shared = "services:\n  web:\n    image: nginx\n    secrets:\n      - source: db.aaaa1111\n        target: db\nsecrets:\n  db.aaaa1111:\n    external: true\n";
    let dir = repo(&[
        ("common/compose.yaml", shared),
        (
            "dev/compose.yaml",
            "services:\n  web:\n    secrets:\n      - source: db.bbbb2222\n        target: db\nsecrets:\n  db.bbbb2222:\n    external: true\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [../common/compose.yaml, compose.yaml]\n"),
        ("prod/compose.yaml", "services:\n  web:\n    environment:\n      A: b\n"),
        ("prod/minipaas.yaml", "compose:\n  files: [../common/compose.yaml, compose.yaml]\n"),
    ]);
    minipaas(dir.path(), &["lint", "--env", "dev", "--fix", "--unsafe-fixes"]);
    assert_eq!(read(dir.path(), "common/compose.yaml"), shared);
    // `secret delete --env dev` would edit the file prod deploys too: refused, like `create`.
    let dir = repo(&[
        (
            "common/compose.yaml",
            "services:\n  web:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    external: true\n",
        ),
        ("dev/compose.yaml", "services:\n  web:\n    environment:\n      A: b\n"),
        ("dev/minipaas.yaml", "compose:\n  files: [../common/compose.yaml, compose.yaml]\n"),
        ("prod/compose.yaml", "services:\n  web:\n    environment:\n      A: b\n"),
        ("prod/minipaas.yaml", "compose:\n  files: [../common/compose.yaml, compose.yaml]\n"),
    ]);
    let run = minipaas(dir.path(), &["secret", "delete", "--env", "dev", "--name", "db"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("env prod") && run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert!(unchanged(dir.path()));
}

#[test]
fn names_yaml_reads_as_numbers_are_written_quoted() {
    let dir = repo(&[("compose.yaml", "services:\n  web:\n    image: nginx\n    secrets: [\"2024_01\"]\n")]);
    assert_eq!(minipaas(dir.path(), &["lint", "--fix"]).code, 0);
    assert!(read(dir.path(), "compose.yaml").contains("\"2024_01\":"));
    stack_config(dir.path(), &["compose.yaml"]);
    for name in ["1_0", "0x1F", "0o7", "2001-12-14"] {
        let dir = repo(&[
            ("dev/compose.yaml", "services:\n  web:\n    image: nginx\n"),
            ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
        ]);
        let run = minipaas_stdin(
            dir.path(),
            &["secret", "create", "--env", "dev", "--name", name, "--for", "web"],
            b"val16",
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let config = stack_config(dir.path(), &["dev/compose.yaml"]);
        assert!(
            config.contains(&format!("target: {name}")) || config.contains(&format!("target: \"{name}\""))
        );
    }
}

#[test]
fn a_fix_that_does_not_resolve_its_finding_is_not_applied() {
    // Granting into a list `!reset` clears changes nothing Compose deploys: it used to be
    // applied 50 times per run.
    let files = [
        (
            "compose.yaml",
            "services:\n  web:\n    image: postgres\n    environment: {POSTGRES_PASSWORD_FILE: /run/secrets/db}\n    secrets: [db]\nsecrets: {db: {external: true}}\n",
        ),
        ("compose.override.yaml", "services:\n  web:\n    secrets: !reset []\n"),
        (".minipaas.toml", "[lint.level]\nfile-env-without-secret = \"error\"\n"),
    ];
    let dir = repo(&files);
    let run = minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(unchanged(dir.path()), "{}", read(dir.path(), "compose.override.yaml"));
    assert!(run.stdout.contains("does not resolve"), "{}", run.stdout);
}

#[test]
fn docker_stack_deploy_ignores_merge_tags() {
    // Measured with `docker stack config`: both lists are kept, so `web` mounts two secrets at
    // `db`, which Swarm rejects.
    let files = [
        (
            "dev/base.yaml",
            "services:\n  web:\n    image: nginx\n    secrets:\n      - source: db.aaaa1111\n        target: db\nsecrets:\n  db.aaaa1111:\n    external: true\n  db.bbbb2222:\n    external: true\n",
        ),
        (
            "dev/compose.yaml",
            "services:\n  web:\n    secrets: !override\n      - source: db.bbbb2222\n        target: db\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [base.yaml, compose.yaml]\n"),
    ];
    let dir = repo(&files);
    let config = stack_config(dir.path(), &["dev/base.yaml", "dev/compose.yaml"]);
    assert!(config.contains("db.aaaa1111") && config.matches("target: db").count() == 2, "{config}");
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert!(crate::common::codes(&run).iter().any(|(code, ..)| code == "MP008"), "{}", run.stdout);
}

#[test]
fn a_rotation_through_a_shared_list_names_every_service_it_rotates() {
    let files = [
        (
            "dev/compose.yaml",
            "services:\n  web:\n    image: x\n    secrets: &s\n      - source: db.aaaa1111\n        target: db\n  api:\n    image: x\n    secrets: *s\nsecrets:\n  db.aaaa1111:\n    external: true\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
    ];
    let dir = repo(&files);
    let create = |services: &[&str]| {
        let mut args = vec!["secret", "create", "--env", "dev", "--name", "db"];
        for s in services {
            args.extend(["--for", s]);
        }
        minipaas_stdin(dir.path(), &args, b"new value")
    };
    // `api` reads `web`'s list: rotating `web` alone would rotate `api` unasked.
    let run = create(&["web"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("service `api`") && run.stderr.contains("nothing was changed"),
        "{}",
        run.stderr
    );
    assert!(unchanged(dir.path()));
    let run = create(&["web", "api"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = read(dir.path(), "dev/compose.yaml");
    assert!(!text.contains("db.aaaa1111") && text.contains("secrets: *s"), "{text}");
}

/// A repository with one env `dev` reading `files` (paths under dev/).
fn env_repo(files: &[(&str, &str)], list: &str) -> tempfile::TempDir {
    let manifest = format!("compose:\n  files: [{list}]\n");
    let mut all: Vec<(String, String)> =
        files.iter().map(|(p, t)| (format!("dev/{p}"), t.to_string())).collect();
    all.push(("dev/minipaas.yaml".into(), manifest));
    let refs: Vec<(&str, &str)> = all.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    repo(&refs)
}

#[test]
fn removing_an_entry_never_rebinds_an_alias_to_an_earlier_anchor() {
    // `old_pw` holds a second `&img`: without it, `image: *img` would deploy nginx:1.25.
    let app = "x-img: &img nginx:1.25\nsecrets:\n  db_pw:\n    external: true\n  old_pw:\n    external: true\n    labels:\n      image: &img nginx:1.27\nservices:\n  web:\n    image: *img\n    secrets:\n      - db_pw\n";
    let dir = env_repo(&[("app.yaml", app)], "app.yaml");
    let run = minipaas(dir.path(), &["lint", "--fix"]);
    assert!(run.stdout.contains("refused") && run.stdout.contains("alias"), "{}", run.stdout);
    let run = minipaas(dir.path(), &["secret", "delete", "--env", "dev", "--name", "old_pw"]);
    assert_ne!(run.code, 0);
    assert!(unchanged(dir.path()));
    assert!(stack_config(dir.path(), &["dev/app.yaml"]).contains("nginx:1.27"));
}

#[test]
fn an_overlay_service_left_with_nothing_stays_a_mapping() {
    let base = "services:\n  web:\n    image: nginx\nsecrets:\n  old:\n    external: true\n";
    let dir = env_repo(
        &[("base.yaml", base), ("over.yaml", "services:\n  web:\n    secrets: [old]\n")],
        "base.yaml, over.yaml",
    );
    let run = minipaas(dir.path(), &["secret", "delete", "--env", "dev", "--name", "old"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(dir.path(), "dev/over.yaml"), "services:\n  web: {}\n");
    stack_config(dir.path(), &["dev/base.yaml", "dev/over.yaml"]);
}

#[test]
fn create_grants_only_the_services_it_names() {
    // `worker` merges `web` and `api` is `web`: a grant to `web` would reach both.
    let app = "services:\n  web: &web\n    image: nginx\n    secrets:\n      - db_pw\n  worker:\n    <<: *web\n    command: [\"worker\"]\n  api: *web\nsecrets:\n  db_pw:\n    external: true\n";
    let dir = env_repo(&[("app.yaml", app)], "app.yaml");
    let run = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "api_key", "--for", "web"],
        b"v",
    );
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("`api`") && run.stderr.contains("`worker`"), "{}", run.stderr);
    assert!(unchanged(dir.path()));
}

#[test]
fn moving_a_literal_never_leaves_it_behind_or_reads_another_secret() {
    // Through an alias, the literal stays where it is anchored: not fixed, still reported.
    let app = "x-common: &pw CanaryAAA1\nservices:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: *pw\n";
    let dir = env_repo(&[("app.yaml", app)], "app.yaml");
    let run = minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(unchanged(dir.path()));
    // Another secret already mounted where `_FILE` would point: not fixed.
    let app = "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: \"Canary-Zeta-77\"\n    secrets:\n      - source: other\n        target: postgres_password\nsecrets:\n  other:\n    external: true\n";
    let dir = env_repo(&[("app.yaml", app)], "app.yaml");
    let run = minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(unchanged(dir.path()));
}

#[test]
fn a_rotation_repoints_the_reference_in_the_overlay_that_holds_it() {
    let over = "services:\n  web:\n    secrets:\n      - source: tok.1a2b3c4d\n        target: tok  # keep\nsecrets:\n  tok.1a2b3c4d:\n    external: true\n";
    let dir = env_repo(
        &[("base.yaml", "services:\n  web:\n    image: nginx\n"), ("over.yaml", over)],
        "base.yaml, over.yaml",
    );
    let run = minipaas_stdin(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "tok", "--for", "web"],
        b"v2",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = read(dir.path(), "dev/over.yaml");
    assert!(
        text.contains("      - source: tok.") && text.contains("        target: tok  # keep\n"),
        "{text}"
    );
    assert!(!text.contains("tok.1a2b3c4d"), "{text}");
    let config = stack_config(dir.path(), &["dev/base.yaml", "dev/over.yaml"]);
    assert_eq!(config.matches("target: tok").count(), 1, "{config}");
}

/// Two services setting one key to two passwords: each moves to a secret of its own, and
/// services that share a value share the secret.
#[test]
fn two_passwords_under_one_key_move_to_two_secrets() {
    let text = "services:\n  orders_db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: first-pw-canary\n  users_db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: second-pw-canary\n";
    let dir = repo(&[("compose.yaml", text)]);
    let run = minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    let after = read(dir.path(), "compose.yaml");
    assert!(!after.contains("pw-canary"), "{after}");
    let mounted: Vec<&str> = after
        .lines()
        .filter_map(|l| l.trim().strip_prefix("POSTGRES_PASSWORD_FILE: /run/secrets/"))
        .collect();
    assert_eq!(mounted.len(), 2, "{after}");
    assert_ne!(mounted[0], mounted[1], "two passwords must not become one secret:\n{after}");
    for name in &mounted {
        assert!(run.stdout.contains(&format!("docker secret create {name} -")), "{name}: {}", run.stdout);
    }
    // One password in two services: one secret, as before.
    let same = text.replace("second-pw-canary", "first-pw-canary");
    let dir = repo(&[("compose.yaml", &same)]);
    minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    let after = read(dir.path(), "compose.yaml");
    let mounted: Vec<&str> = after
        .lines()
        .filter_map(|l| l.trim().strip_prefix("POSTGRES_PASSWORD_FILE: /run/secrets/"))
        .collect();
    assert_eq!(mounted, ["postgres_password", "postgres_password"], "{after}");
}
