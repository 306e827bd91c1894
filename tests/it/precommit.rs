//! The pre-commit hooks with the real `pre-commit` (installed by scripts/test, which sets
//! PRE_COMMIT_BIN): `try-repo` builds this checkout as a rust hook and runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::repo;

fn pre_commit(dir: &Path, hook: &str) -> Output {
    let bin = std::env::var_os("PRE_COMMIT_BIN")
        .map(PathBuf::from)
        .expect("set PRE_COMMIT_BIN to a pre-commit executable (scripts/test installs it from PyPI)");
    let checkout = env!("CARGO_MANIFEST_DIR");
    // One pre-commit home and cargo target for every run, so the hook is built once.
    let home = Path::new(checkout).join("target/pre-commit-home");
    Command::new(bin)
        .args(["try-repo", checkout, hook, "--all-files", "--color", "never"])
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", &home)
        .env("CARGO_TARGET_DIR", Path::new(checkout).join("target/pre-commit-build"))
        // What is tested is the hook wiring, not optimised code: build it the quick way.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn lint_hook_fails_on_a_bad_repo_and_passes_on_a_clean_one() {
    let bad = repo(&[
        ("deploy/docker-compose.yml", "services:\n  web:\n    image: nginx\n    secrets: [db_password]\n"),
        ("values.yaml", "not: [a compose file\n"),
        ("k8s/service.yaml", "apiVersion: v1\nkind: Service\nservices:\n  a:\n    secrets: [x]\n"),
        ("stacks/app.yml", "services:\n  app:\n    image: app\n    secrets: [api_key]\n"),
    ]);
    let out = pre_commit(bad.path(), "minipaas-lint");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // Every YAML file is passed; the stack file with any name is linted, the others are not.
    assert!(text(&out).contains("MP001"), "{}", text(&out));
    assert!(text(&out).contains("stacks/app.yml"), "{}", text(&out));
    assert!(
        !text(&out).contains("k8s/service.yaml") && !text(&out).contains("values.yaml"),
        "{}",
        text(&out)
    );
    let clean = repo(&[
        (
            "deploy/docker-compose.yml",
            "services:\n  web:\n    image: nginx\n    secrets: [db_password]\nsecrets:\n  db_password:\n    external: true\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [../deploy/docker-compose.yml]\n"),
    ]);
    let out = pre_commit(clean.path(), "minipaas-lint");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn fix_hook_rewrites_and_reports_the_change() {
    let dir = repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: nginx  # keep\nsecrets:\n  stale:\n    external: true\n",
    )]);
    let out = pre_commit(dir.path(), "minipaas-fix");
    assert_eq!(out.status.code(), Some(1), "pre-commit fails a hook that modifies files: {}", text(&out));
    assert!(text(&out).contains("files were modified by this hook"), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        "services:\n  web:\n    image: nginx  # keep\n"
    );
}
