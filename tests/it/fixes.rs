//! The fix engine end to end: for each case in tests/fixes/, `lint --fix --unsafe-fixes` in a
//! temp git repository; the output and `git diff` are snapshotted, the result re-parses, a
//! second run changes nothing, and `--diff` predicted exactly the files that changed.

use std::path::Path;
use std::process::Command;

use crate::common::{minipaas, repo_from};

fn git_diff(dir: &Path) -> String {
    let out =
        Command::new("git").args(["diff", "--no-color", "--no-ext-diff"]).current_dir(dir).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Values planted in the fixtures that minipaas's own output (report, --diff) must never show.
const PLANTED: &[&str] = &["hunter2", "s3cret-root", "not-movable"];

fn case(name: &str, args: &[&str]) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes").join(name);
    let repo = repo_from(&src);
    let predicted = minipaas(repo.path(), &[&["lint", "--diff"], args].concat());
    assert!(git_diff(repo.path()).is_empty(), "{name}: --diff wrote something");
    let mut full = vec!["lint", "--fix", "--no-color"];
    full.extend_from_slice(args);
    let run = minipaas(repo.path(), &full);
    assert!(!run.stdout.contains("panicked") && !run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    let diff = git_diff(repo.path());
    for value in PLANTED {
        for shown in [&run.stdout, &run.stderr, &predicted.stdout, &predicted.stderr] {
            assert!(!shown.contains(value), "{name}: minipaas printed {value}:\n{shown}");
        }
    }
    // --diff shows a file exactly when --fix changes it, and the same changed lines: as many
    // added and removed, and each one it shows unmasked is one git shows (values are masked in
    // --diff, not in git's view of the fixture).
    for line in diff.lines().filter(|l| l.starts_with("+++ b/")) {
        assert!(
            predicted.stdout.contains(line),
            "{name}: --diff did not predict {line}:\n{}",
            predicted.stdout
        );
    }
    let changed = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                (l.starts_with('+') && !l.starts_with("+++")) || (l.starts_with('-') && !l.starts_with("---"))
            })
            .map(str::to_string)
            .collect()
    };
    let (said, done) = (changed(&predicted.stdout), changed(&diff));
    assert_eq!(
        said.len(),
        done.len(),
        "{name}: --diff and --fix change different lines:\n{}\n{diff}",
        predicted.stdout
    );
    for line in said.iter().filter(|l| !l.contains("***")) {
        assert!(done.contains(line), "{name}: --diff shows {line:?}, --fix did not write it:\n{diff}");
    }
    assert_eq!(predicted.code, if diff.is_empty() { 0 } else { 1 }, "{name}: --diff exit code");
    // Every changed file still parses, and a second run has nothing left to do.
    for line in diff.lines().filter_map(|l| l.strip_prefix("+++ b/")) {
        let text = std::fs::read_to_string(repo.path().join(line)).unwrap();
        minipaas::testing::Tree::parse(&text)
            .unwrap_or_else(|e| panic!("{name}: {line} no longer parses: {e:?}"));
    }
    let again = minipaas(repo.path(), &full);
    assert_eq!(git_diff(repo.path()), diff, "{name}: a second --fix changed more");
    assert!(!again.stdout.contains("Fixed "), "{name}: second run fixed again:\n{}", again.stdout);
    // The snapshot's `git diff` is git's view of the fixture, which does show its values.
    format!("--- exit {}\n{}\n--- git diff\n{}", run.code, run.stdout, diff)
}

#[test]
fn declare_in_an_existing_section() {
    insta::assert_snapshot!(case("declare-section", &[]));
}

#[test]
fn declare_creates_the_section_keeping_crlf() {
    let out = case("declare-new-section-crlf", &[]);
    assert!(out.contains("+secrets:\r\n+  db_password:\r\n+    external: true\r\n"), "{out:?}");
    insta::assert_snapshot!(out);
}

#[test]
fn declare_in_the_env_folder_file_like_minipaas() {
    insta::assert_snapshot!(case("declare-env-home", &[]));
}

#[test]
fn yaml_shapes_survive_removals_and_additions() {
    // A byte-order mark, a block scalar keeping blank lines, comments above, under and beside
    // entries, flow values and a flow section, a `...` marker: the diff is exactly the entries.
    insta::assert_snapshot!(case("yaml-shapes", &[]));
}

#[test]
fn remove_unused_declarations_and_empty_sections() {
    insta::assert_snapshot!(case("remove-unused", &[]));
}

#[test]
fn keep_the_newest_reference_for_a_target() {
    let safe_only = case("keep-newest", &[]);
    assert!(
        safe_only.contains("--- git diff\n\n") || safe_only.ends_with("--- git diff\n"),
        "unsafe fixes need --unsafe-fixes:\n{safe_only}"
    );
    insta::assert_snapshot!(case("keep-newest", &["--unsafe-fixes"]));
}

#[test]
fn grant_a_secret_a_file_variable_points_at() {
    insta::assert_snapshot!(case("grant-versioned", &["--unsafe-fixes"]));
}

#[test]
fn move_a_literal_into_a_secret() {
    let out = case("move-literal", &["--unsafe-fixes"]);
    assert!(out.contains("minipaas secret create"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn inherited_lists_are_not_fixed() {
    let out = case("inherited-not-fixable", &["--unsafe-fixes"]);
    assert!(out.contains("no automatic fix"), "{out}");
    assert!(out.ends_with("--- git diff\n"), "nothing may change:\n{out}");
}

#[test]
fn comments_anchors_and_quoting_survive() {
    let out = case("comments-and-anchors", &["--unsafe-fixes"]);
    insta::assert_snapshot!(out);
}

#[test]
fn concurrent_fix_runs_agree_with_one_run() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes/comments-and-anchors");
    let single = repo_from(&src);
    minipaas(single.path(), &["lint", "--fix", "--unsafe-fixes"]);
    let expected = git_diff(single.path());
    let shared = repo_from(&src);
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_minipaas"))
                .args(["lint", "--fix", "--unsafe-fixes", "--quiet"])
                .current_dir(shared.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().code().is_some());
    }
    assert_eq!(git_diff(shared.path()), expected);
    let leftovers: Vec<_> = std::fs::read_dir(shared.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".minipaas-"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn removing_the_only_declaration_of_a_file_leaves_a_file_compose_reads() {
    let dir = crate::common::repo(&[
        ("prod/stack.yml", "services:\n  web:\n    image: web\n"),
        ("prod/secrets.yml", "secrets:\n  old_token:\n    external: true\n"),
        ("prod/minipaas.yaml", "compose:\n  files: [stack.yml, secrets.yml]\n"),
    ]);
    let run = crate::common::minipaas(dir.path(), &["lint", "--fix"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(dir.path().join("prod/secrets.yml")).unwrap(), "secrets: {}\n");
    let config = std::process::Command::new("docker")
        .args(["stack", "config", "-c", "prod/stack.yml", "-c", "prod/secrets.yml"])
        .current_dir(dir.path())
        .output()
        .expect("the docker CLI is installed (scripts/test installs it)");
    assert!(config.status.success(), "{}", String::from_utf8_lossy(&config.stderr));
}

fn stack_config_accepts(dir: &std::path::Path, files: &[&str]) -> bool {
    let mut cmd = std::process::Command::new("docker");
    cmd.args(["stack", "config"]);
    for f in files {
        cmd.args(["-c", f]);
    }
    cmd.current_dir(dir)
        .output()
        .expect("the docker CLI is installed (scripts/test installs it)")
        .status
        .success()
}

#[test]
fn fixes_that_used_to_damage_files_now_leave_what_compose_reads() {
    // Two removals in one section: the section goes, not a `secrets:` with no value.
    let dir = crate::common::repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: web\nsecrets:\n  a:\n    external: true\n  b:\n    external: true\n",
    )]);
    assert_eq!(crate::common::minipaas(dir.path(), &["lint", "--fix"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        "services:\n  web:\n    image: web\n"
    );
    assert!(stack_config_accepts(dir.path(), &["compose.yaml"]));
    // A `...` document end: the new section goes before it, in the same document.
    let dir = crate::common::repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: web\n    secrets: [s]\n...\n",
    )]);
    assert_eq!(crate::common::minipaas(dir.path(), &["lint", "--fix"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        "services:\n  web:\n    image: web\n    secrets: [s]\n\nsecrets:\n  s:\n    external: true\n...\n"
    );
    // Deleting a config whose value ends in a block scalar leaves the next one whole.
    let dir = crate::common::repo(&[
        (
            "dev/compose.yaml",
            "services:\n  web:\n    image: web\n    configs: [a]\nconfigs:\n  last_conf:\n    content: |\n      hello\n  a:\n    external: true\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
    ]);
    let run =
        crate::common::minipaas(dir.path(), &["config", "delete", "--env", "dev", "--name", "last_conf"]);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dev/compose.yaml")).unwrap(),
        "services:\n  web:\n    image: web\n    configs: [a]\nconfigs:\n  a:\n    external: true\n"
    );
}

#[test]
fn a_fix_limited_to_one_env_never_breaks_another() {
    let files = [
        ("common/secrets.yaml", "secrets:\n  db_dev:\n    external: true\n  db_prod:\n    external: true\n"),
        ("dev/compose.yaml", "services:\n  api:\n    image: api\n    secrets: [db_dev]\n"),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml, ../common/secrets.yaml]\n"),
        ("prod/compose.yaml", "services:\n  api:\n    image: api\n    secrets: [db_prod]\n"),
        ("prod/minipaas.yaml", "compose:\n  files: [compose.yaml, ../common/secrets.yaml]\n"),
    ];
    for args in [
        &["lint", "--env", "dev", "--fix"][..],
        &["lint", "--fix", "--", "dev/compose.yaml"],
        &["secret", "prune", "--env", "dev", "--delete"],
    ] {
        let dir = crate::common::repo(&files);
        crate::common::minipaas(dir.path(), args);
        assert_eq!(git_diff(dir.path()), "", "{args:?} changed a file");
        assert_eq!(crate::common::minipaas(dir.path(), &["lint", "--env", "prod"]).code, 0, "{args:?}");
    }
}

#[test]
fn a_file_compose_would_reject_is_never_edited() {
    // `secrets:` of a service written as a mapping: an input error; the declaration it means to
    // use is not "unused".
    let dir = crate::common::repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: web\n    secrets:\n      db_password: {}\nsecrets:\n  db_password:\n    external: true\n",
    )]);
    let run = crate::common::minipaas(dir.path(), &["lint", "--fix"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(git_diff(dir.path()), "");
}

#[test]
fn did_you_mean_never_hands_a_service_another_services_secret() {
    let dir = crate::common::repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: web\n    secrets: [db_pass1]\n  api:\n    image: api\n    secrets: [db_pass2]\n",
    )]);
    crate::common::minipaas(dir.path(), &["lint", "--fix"]);
    crate::common::minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(text.contains("secrets: [db_pass1]") && text.contains("secrets: [db_pass2]"), "{text}");
    // A near name already in the service's list is not offered either.
    let dir = crate::common::repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: web\n    secrets: [s_common, s_comon]\nsecrets:\n  s_common:\n    external: true\n",
    )]);
    crate::common::minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(!text.contains("[s_common, s_common]"), "{text}");
}

#[test]
fn a_version_a_file_variable_means_to_read_is_not_removed() {
    // MP009's fix grants `db_password.267da420`: MP003's must not remove it first.
    let dir = crate::common::repo(&[(
        "compose.yaml",
        "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\nsecrets:\n  db_password.267da420:\n    external: true\n",
    )]);
    let run = crate::common::minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes"]);
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(
        text.contains("source: db_password.267da420") && text.contains("target: db_password"),
        "{}\n{text}",
        run.stdout
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}
