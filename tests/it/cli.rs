//! The command line as users drive it: exit codes, git modes, envs, bad input, formats.

use crate::common::{codes, git, minipaas, repo, write};

const CLEAN: &str = "services:\n  web:\n    image: nginx\n    secrets: [db_password]\nsecrets:\n  db_password:\n    external: true\n";
const UNDECLARED: &str = "services:\n  web:\n    image: nginx\n    secrets: [db_password]\n";
const UNUSED: &str = "services:\n  web:\n    image: nginx\nsecrets:\n  old:\n    external: true\n";

#[test]
fn rules_and_rule_print_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let run = minipaas(dir.path(), &["rules"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.lines().count(), minipaas::testing::rule_codes().len());
    assert!(run.stdout.contains("MP001  undeclared-secret"));
    let run = minipaas(dir.path(), &["rule", "unused-secret"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("# MP003 unused-secret"));
    assert!(run.stdout.contains("## Why is this bad?"));
    let run = minipaas(dir.path(), &["rule", "MP999"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no rule `MP999`"), "{}", run.stderr);
}

#[test]
fn exit_codes_follow_the_worst_finding() {
    let clean = repo(&[("compose.yaml", CLEAN)]);
    let run = minipaas(clean.path(), &["lint"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("No problems found (1 Compose file in 1 unit checked)."));

    let warn = repo(&[("compose.yaml", UNUSED)]);
    let run = minipaas(warn.path(), &["lint"]);
    assert_eq!(run.code, 0, "warnings do not fail: {}", run.stdout);
    assert!(run.stdout.contains("Found 1 warning"));

    let bad = repo(&[("compose.yaml", UNDECLARED)]);
    let run = minipaas(bad.path(), &["lint", "--quiet"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("MP001"));
    assert!(!run.stdout.contains("Found"), "--quiet drops the summary");

    let run = minipaas(bad.path(), &["lint", "--format", "nope"]);
    assert_eq!(run.code, 2);
}

#[test]
fn a_bad_file_is_reported_and_the_others_still_linted() {
    let dir = repo(&[
        ("a/compose.yaml", "services:\n  web:\n    image: [unclosed\n"),
        ("b/compose.yaml", UNDECLARED),
        ("c/compose.yaml", "\0\u{1}binary"),
    ]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 2);
    assert_eq!(codes(&run), [("MP001".to_string(), 4, 15)]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["path"], "a/compose.yaml");
    assert!(errors[0]["line"].as_u64().unwrap() >= 3);
    assert!(errors[0]["message"].as_str().unwrap().starts_with("invalid YAML"));
    assert_eq!(errors[1]["path"], "c/compose.yaml");
    assert!(errors[1]["message"].as_str().unwrap().contains("binary"));

    let text = minipaas(dir.path(), &["lint", "--no-color"]);
    assert_eq!(text.code, 2);
    assert!(text.stdout.contains("a/compose.yaml:"), "{}", text.stdout);
    assert!(
        text.stdout.contains("1 input problem") || text.stdout.contains("2 input problems"),
        "{}",
        text.stdout
    );
}

#[test]
fn shape_errors_name_file_and_line() {
    let dir = repo(&[("compose.yaml", "services:\n  web:\n    image: x\n    secrets:\n      db: 1\n")]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 2);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["errors"][0]["line"], 5);
    assert!(doc["errors"][0]["message"].as_str().unwrap().contains("`secrets` must be a list"));
}

#[test]
fn staged_lints_the_index_not_the_work_tree() {
    let dir = repo(&[("compose.yaml", CLEAN)]);
    // Work tree broken, index clean: the commit would be clean.
    write(dir.path(), "compose.yaml", UNDECLARED);
    assert_eq!(minipaas(dir.path(), &["lint"]).code, 1);
    assert_eq!(minipaas(dir.path(), &["lint", "--staged"]).code, 0);
    // Staged broken: the commit would fail.
    git(dir.path(), &["add", "compose.yaml"]);
    assert_eq!(minipaas(dir.path(), &["lint", "--staged"]).code, 1);
    // An untracked file is not part of the commit.
    write(dir.path(), "other/compose.yaml", UNDECLARED);
    let run = minipaas(dir.path(), &["lint", "--staged", "--format", "json"]);
    assert!(codes(&run).len() == 1, "{}", run.stdout);
    // A secret file that is only staged is already "committed" for MP005.
    write(
        dir.path(),
        "s/compose.yaml",
        "services:\n  a:\n    image: a\n    secrets: [pw]\nsecrets:\n  pw:\n    file: pw.txt\n",
    );
    write(dir.path(), "s/pw.txt", "x");
    git(dir.path(), &["add", "s"]);
    let run = minipaas(dir.path(), &["lint", "--staged", "--format", "json", "s"]);
    assert_eq!(codes(&run), [("MP005".to_string(), 7, 11)]);
}

#[test]
fn untracked_files_count_ignored_ones_do_not() {
    let dir = repo(&[(".gitignore", "generated/\n"), ("compose.yaml", CLEAN)]);
    write(dir.path(), "new/compose.yaml", UNDECLARED);
    write(dir.path(), "generated/compose.yaml", UNDECLARED);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    let paths: Vec<String> = serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, ["new/compose.yaml"]);
}

#[test]
fn outside_git_the_tree_is_walked_and_mp005_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "skip/\n");
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  a:\n    image: a\n    secrets: [pw]\nsecrets:\n  pw:\n    file: pw.txt\n",
    );
    write(dir.path(), "pw.txt", "x");
    write(dir.path(), "skip/compose.yaml", UNDECLARED);
    // Helm values: a `services:` key, but also keys Compose does not have.
    const VALUES: &str = "replicaCount: 1\nservices:\n  web:\n    secrets: [db_password]\n";
    write(dir.path(), "values.yaml", VALUES);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(codes(&run).is_empty());
    // --include makes another file a Compose file.
    let run = minipaas(dir.path(), &["lint", "--format", "json", "--include", "*.yaml"]);
    assert_eq!(codes(&run), [("MP001".to_string(), 4, 15)]);
    // A named file is a Compose file only by its name or content (pre-commit passes every
    // YAML file): Helm values are not linted, a stack file with any name is.
    let run = minipaas(dir.path(), &["lint", "--format", "json", "values.yaml"]);
    assert!(codes(&run).is_empty(), "{}", run.stdout);
    write(dir.path(), "stacks/web.yml", UNDECLARED);
    let run = minipaas(dir.path(), &["lint", "--format", "json", "stacks/web.yml"]);
    assert_eq!(codes(&run), [("MP001".to_string(), 4, 15)]);
    // Several paths outside git: the current folder is the project root.
    write(dir.path(), "sub/compose.yaml", UNDECLARED);
    let run = minipaas(dir.path(), &["lint", "--format", "json", "sub", "stacks"]);
    assert_eq!(codes(&run).len(), 2, "{} {}", run.stdout, run.stderr);
    assert_eq!(minipaas(dir.path(), &["lint", "--staged"]).code, 2);
}

#[test]
fn envs_group_their_files_and_resolve_vars() {
    let dir = repo(&[
        ("compose.yaml", "services:\n  api:\n    image: api\n"),
        (
            "dev/minipaas.yaml",
            "project:\n  files:\n  - compose.yaml\n  - dev/compose.apps.yaml\n  - dev/compose.secrets.yaml\nunknown_key: 1\n",
        ),
        ("dev/compose.apps.yaml", "services:\n  api:\n    secrets: [db_password]\n"),
        ("dev/compose.secrets.yaml", "secrets:\n  db_password:\n    external: true\n"),
        (
            "prod/minipaas.yaml",
            "compose:\n  files:\n    - ../compose.yaml\n    - compose.prod.yaml\nvars:\n  V: \"2\"\n",
        ),
        (
            "prod/compose.prod.yaml",
            "services:\n  api:\n    secrets:\n      - db_${V}\n      - ${UNKNOWN}\nsecrets:\n  db_2:\n    external: true\n",
        ),
    ]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["summary"]["units"], 2);
    assert_eq!(doc["errors"][0]["severity"], "warning");
    assert!(doc["errors"][0]["message"].as_str().unwrap().contains("unknown_key"));

    let run = minipaas(dir.path(), &["lint", "--env", "dev", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["summary"]["units"], 1);
    let run = minipaas(dir.path(), &["lint", "--env", "staging"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no env named `staging`") && run.stderr.contains("dev, prod"),
        "{}",
        run.stderr
    );

    // Remove the declaring file from dev: MP001 in dev only, with the env named.
    write(
        dir.path(),
        "dev/minipaas.yaml",
        "project:\n  files:\n  - compose.yaml\n  - dev/compose.apps.yaml\n",
    );
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "MP001");
    assert_eq!(doc["findings"][0]["env"], "dev");
    assert_eq!(doc["findings"][0]["path"], "dev/compose.apps.yaml");
}

#[test]
fn bad_manifest_is_an_input_error() {
    let dir = repo(&[("dev/minipaas.yaml", "project:\n  files: compose.yaml\n"), ("compose.yaml", CLEAN)]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let run = minipaas(dir.path(), &["lint", "--no-color"]);
    assert!(run.stdout.contains("`files` must be a list of paths"), "{}", run.stdout);
    let dir = repo(&[("dev/minipaas.yaml", "compose:\n  files: [../../../etc/passwd]\n")]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("outside the repository"), "{}", run.stdout);
}

#[test]
fn include_and_extends_join_the_unit() {
    let dir = repo(&[
        (
            "app/compose.yaml",
            "include:\n  - ../common/secrets.yaml\nservices:\n  web:\n    extends:\n      file: ../common/base.yaml\n      service: base\n    secrets: [db_password]\n",
        ),
        (
            "common/secrets.yaml",
            "secrets:\n  db_password:\n    external: true\n  api_token:\n    external: true\n",
        ),
        ("common/base.yaml", "services:\n  base:\n    image: base\n    secrets: [api_token]\n"),
    ]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(codes(&run).is_empty(), "{}", run.stdout);
}

#[test]
fn paths_select_the_units_that_contain_them() {
    let dir = repo(&[("a/compose.yaml", UNDECLARED), ("b/compose.yaml", UNDECLARED)]);
    let run = minipaas(dir.path(), &["lint", "--format", "json", "b"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["path"], "b/compose.yaml");
    let run = minipaas(dir.path(), &["lint", "missing/"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing/"), "{}", run.stderr);
}

#[test]
fn anchored_values_are_reported_once() {
    let repo = crate::common::repo_from(&crate::common::fixtures().join("MP006/bad"));
    let run = minipaas(repo.path(), &["lint", "--format", "json"]);
    let lines: Vec<u64> = codes(&run).into_iter().filter(|(c, ..)| c == "MP006").map(|(_, l, _)| l).collect();
    assert_eq!(
        lines,
        [3, 17, 18, 19, 20, 21],
        "the anchored password (line 3) once, though two services use it"
    );
}

#[test]
fn json_shape_is_stable() {
    let repo = crate::common::repo_from(&crate::common::fixtures().join("MP008/bad"));
    let run = minipaas(repo.path(), &["lint", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    insta::assert_json_snapshot!("json_mp008", doc);
}

#[test]
fn huge_and_invalid_utf8_files_are_input_errors() {
    let dir = repo(&[("compose.yaml", CLEAN)]);
    let big = "# padding\n".repeat(900_000);
    write(dir.path(), "big/compose.yaml", &big);
    std::fs::write(dir.path().join("docker-compose.yml"), b"services:\n  a:\n    image: \xff\n").unwrap();
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 2);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let messages: Vec<String> =
        doc["errors"].as_array().unwrap().iter().map(|e| format!("{} {}", e["path"], e["message"])).collect();
    assert!(
        messages.iter().any(|m| m.contains("big/compose.yaml") && m.contains("too large")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("docker-compose.yml") && m.contains("UTF-8")), "{messages:?}");
    assert_eq!(doc["errors"][1]["line"], 3);
}

#[test]
fn config_file_and_flags_choose_rules_and_levels() {
    let dir = repo(&[
        ("compose.yaml", UNUSED),
        (
            "legacy/compose.yaml",
            "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: legacy-pw\n",
        ),
        (
            "app/compose.yaml",
            "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: changeme\n      CARD_PIN: \"1234\"\n",
        ),
        (
            ".minipaas.toml",
            "[lint]\ncredential-words = [\"pin\"]\nallowed-values = [\"changeme\"]\n\n[lint.level]\nunused-secret = \"error\"\n\n[lint.per-file-ignores]\n\"legacy/**\" = [\"MP006\"]\n",
        ),
    ]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    let found: Vec<(String, String)> =
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    format!("{} {}", f["path"].as_str().unwrap(), f["severity"].as_str().unwrap()),
                )
            })
            .collect();
    assert_eq!(
        found,
        [
            ("MP006".to_string(), "app/compose.yaml error".to_string()),
            ("MP003".to_string(), "compose.yaml error".to_string())
        ],
        "changeme is allowed, CARD_PIN is a credential, legacy/ is ignored, MP003 is an error: {}",
        run.stdout
    );
    assert_eq!(run.code, 1);
    // Flags override the file.
    let run = minipaas(dir.path(), &["lint", "--format", "json", "--ignore", "MP003,literal-secret-env"]);
    assert_eq!(codes(&run).len(), 0, "{}", run.stdout);
    let run = minipaas(dir.path(), &["lint", "--format", "json", "--select", "MP006"]);
    assert_eq!(codes(&run).len(), 1);
    let run = minipaas(dir.path(), &["lint", "--select", "MP404"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no rule `MP404`"), "{}", run.stderr);
    // A wrong config names the file, line and column.
    write(dir.path(), ".minipaas.toml", "[lint]\nignore = [\"MP001\", \"nope\"]\n");
    let run = minipaas(dir.path(), &["lint"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(".minipaas.toml:2:20: no rule `nope`"), "{}", run.stderr);
    let run = minipaas(dir.path(), &["lint", "--config", "missing.toml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.toml"), "{}", run.stderr);
}
