//! The Compose model, one semantic point per test, each on a small repository: how files are
//! found, how they are grouped, what `extends`, `include` and `.env` mean, what the tool
//! cannot see, and that a finding several units share is printed once.

use crate::common::{json_findings, minipaas, repo};
use serde_json::Value;

/// `(code, path, line)` of every finding, with the finding itself.
fn findings(dir: &std::path::Path, args: &[&str]) -> Vec<(String, String, u64, Value)> {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    json_findings(&minipaas(dir, &all))
        .into_iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f,
            )
        })
        .collect()
}

fn short(found: &[(String, String, u64, Value)]) -> Vec<(&str, &str, u64)> {
    found.iter().map(|(c, p, l, _)| (c.as_str(), p.as_str(), *l)).collect()
}

/// `minipaas units --format json`, as (label, own files, origin kind).
fn units(dir: &std::path::Path) -> Vec<(String, Vec<String>, String)> {
    let run = minipaas(dir, &["units", "--format", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    doc["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let files =
                u["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
            (
                u["label"].as_str().unwrap().to_string(),
                files,
                u["origin"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const LIBRARY: &str = "services:\n  db:\n    image: postgres\n    secrets: [db_pass]\n  cache:\n    image: redis\n    secrets: [cache_pass]\n";

#[test]
fn extends_brings_only_the_named_service() {
    let dir = repo(&[
        ("lib/databases.yaml", LIBRARY),
        (
            "compose.yaml",
            "services:\n  api:\n    extends:\n      file: lib/databases.yaml\n      service: db\nsecrets:\n  db_pass:\n    external: true\n",
        ),
    ]);
    // `cache` and its secret are not part of the project; `db_pass` is used through `api`.
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // The library is a part, not a project of its own.
    assert_eq!(units(dir.path()).len(), 1);

    // Without the declaration: one finding, in the library where the reference is written,
    // naming the service that extends it.
    crate::common::write(
        dir.path(),
        "compose.yaml",
        "services:\n  api:\n    extends:\n      file: lib/databases.yaml\n      service: db\n",
    );
    let found = findings(dir.path(), &[]);
    assert_eq!(short(&found), [("MP001", "lib/databases.yaml", 4)]);
    let message = found[0].3["message"].as_str().unwrap();
    assert!(message.contains("service `api`") && message.contains("extends"), "{message}");
}

#[test]
fn nested_extends_and_merge_order() {
    let dir = repo(&[(
        "compose.yaml",
        "services:\n  base:\n    image: busybox\n    secrets: [a]\n  common:\n    extends: base\n    secrets: [b]\n  cli:\n    extends:\n      service: common\n    environment:\n      A_FILE: /run/secrets/a\n      B_FILE: /run/secrets/b\nsecrets:\n  a:\n    external: true\n  b:\n    external: true\n  c:\n    external: true\n",
    )]);
    // `cli` gets `a` from `base` through `common`: its `_FILE`s are granted; only `c` is unused.
    assert_eq!(short(&findings(dir.path(), &[])), [("MP003", "compose.yaml", 19)]);
}

#[test]
fn extends_cycles_and_missing_targets_are_unknowns() {
    let dir = repo(&[(
        "compose.yaml",
        "services:\n  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends:\n      file: missing.yaml\n      service: x\nsecrets:\n  s:\n    external: true\n",
    )]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let messages: Vec<&str> =
        doc["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("circle")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("missing.yaml")), "{messages:?}");
    // The missing file may use `s`: not reported as unused.
    assert!(doc["findings"].as_array().unwrap().is_empty(), "{}", run.stdout);
    assert_eq!(run.code, 0);
}

#[test]
fn include_with_project_directory_and_env_file() {
    let dir = repo(&[
        (
            "compose.yaml",
            "include:\n  - path: db/compose.yaml\n    project_directory: db\n    env_file: db/db.env\nservices:\n  api:\n    image: api\n    secrets: [api_key]\nsecrets:\n  api_key:\n    external: true\n",
        ),
        ("db/db.env", "DB_SECRET=db_password\nSECRETS_DIR=./secrets\n"),
        (
            "db/compose.yaml",
            "services:\n  db:\n    image: postgres\n    secrets: [\"${DB_SECRET}\"]\nsecrets:\n  db_password:\n    file: ${SECRETS_DIR}/pw.txt\n",
        ),
        ("db/secrets/pw.txt", "hunter2\n"),
    ]);
    // The included file's names come from its env_file; its secret file is relative to its
    // project directory, and tracked.
    let found = findings(dir.path(), &[]);
    assert_eq!(short(&found), [("MP005", "db/compose.yaml", 7)], "{found:?}");
    assert!(found[0].3["message"].as_str().unwrap().contains("db/secrets/pw.txt"));
    assert_eq!(units(dir.path()).len(), 1, "the included file is a part, not a unit");
}

#[test]
fn dotenv_gives_paths_and_compose_file() {
    let dir = repo(&[
        ("app/.env", "ENV_VARS_DIRECTORY=./env_vars\nCOMPOSE_FILE=base.yml:db.yml\n"),
        ("app/base.yml", "services:\n  web:\n    image: web\n    secrets: [mysql_password]\n"),
        ("app/db.yml", "secrets:\n  mysql_password:\n    file: ${ENV_VARS_DIRECTORY}/.MYSQL_PASSWORD\n"),
        ("app/env_vars/.MYSQL_PASSWORD", "secret\n"),
    ]);
    assert_eq!(
        units(dir.path()),
        [(
            "app/base.yml + app/db.yml".to_string(),
            vec!["app/base.yml".into(), "app/db.yml".into()],
            "dotenv".into()
        )]
    );
    assert_eq!(short(&findings(dir.path(), &[])), [("MP005", "app/db.yml", 3)]);
}

#[test]
fn chains_in_makefiles_scripts_and_workflows_group_files() {
    let dir = repo(&[
        ("Makefile", "BASE = compose.yml\nup:\n\tdocker compose -f $(BASE) -f compose.prod.yml up -d\n"),
        ("compose.yml", "services:\n  web:\n    image: web\n    secrets: [web_token]\n"),
        ("compose.prod.yml", "secrets:\n  web_token:\n    external: true\n"),
        (
            "deploy/run.sh",
            "#!/bin/sh\ncd \"$(dirname \"$0\")\"\ndocker stack deploy -c stack.yml -c stack.secrets.yml app\n",
        ),
        ("deploy/stack.yml", "services:\n  api:\n    image: api\n    secrets: [api_token]\n"),
        ("deploy/stack.secrets.yml", "secrets:\n  api_token:\n    external: true\n"),
        (
            ".github/workflows/deploy.yml",
            "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose -f jobs/a.yml -f jobs/b.yml config\n",
        ),
        ("jobs/a.yml", "services:\n  job:\n    image: job\n    configs: [job_conf]\n"),
        ("jobs/b.yml", "configs:\n  job_conf:\n    file: ./job.conf\n"),
    ]);
    // Each chain is one unit; no file of a chain is linted alone (it would report MP001).
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    let mut kinds: Vec<(Vec<String>, String)> =
        units(dir.path()).into_iter().map(|(_, f, k)| (f, k)).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            (vec!["compose.yml".into(), "compose.prod.yml".into()], "chain".into()),
            (vec!["deploy/stack.yml".into(), "deploy/stack.secrets.yml".into()], "chain".into()),
            (vec!["jobs/a.yml".into(), "jobs/b.yml".into()], "chain".into()),
        ]
    );
}

#[test]
fn override_and_variant_files_beside_a_base() {
    let dir = repo(&[
        ("blog.yml", "services:\n  blog:\n    image: blog\n    secrets: [blog_key]\n"),
        ("blog.override.yml", "secrets:\n  blog_key:\n    external: true\n"),
        ("blog.features.yml", "services:\n  blog:\n    environment:\n      FEATURES: all\n"),
    ]);
    let mut got: Vec<(Vec<String>, String)> = units(dir.path()).into_iter().map(|(_, f, k)| (f, k)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            (vec!["blog.yml".into(), "blog.features.yml".into()], "variant".into()),
            (vec!["blog.yml".into(), "blog.override.yml".into()], "override".into()),
        ]
    );
    // `-f blog.yml -f blog.features.yml` does not declare `blog_key`: that deploy fails.
    let found = findings(dir.path(), &[]);
    assert_eq!(short(&found), [("MP001", "blog.yml", 4)]);
    assert_eq!(found[0].3["units"], serde_json::json!(["blog.yml + blog.features.yml"]));
}

#[test]
fn stack_files_with_any_name_are_found_and_other_yaml_is_not() {
    let dir = repo(&[
        ("apps/web.yml", "version: '3.8'\nservices:\n  web:\n    image: nginx\n    secrets: [tls_key]\n"),
        (
            "k8s/service.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nservices:\n  web:\n    secrets: [nope]\n",
        ),
        ("ansible/site.yml", "- hosts: all\n  services:\n    web:\n      secrets: [nope]\n"),
        ("broken.yml", "services:\n  web: [unclosed\n"),
    ]);
    let found = findings(dir.path(), &[]);
    assert_eq!(short(&found), [("MP001", "apps/web.yml", 5)]);
    // A file that looks like Compose but does not parse is a warning: it may be a template.
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0]["path"].as_str(), errors[0]["severity"].as_str()),
        (Some("broken.yml"), Some("warning"))
    );
    assert_eq!(run.code, 1, "the MP001 fails the run, the warning does not make it 2");
    // The configuration can say otherwise.
    crate::common::write(
        dir.path(),
        ".minipaas.toml",
        "[lint]\nexclude = [\"apps/**\"]\ninclude = [\"k8s/*.yaml\"]\n",
    );
    let found = findings(dir.path(), &[]);
    assert_eq!(short(&found), [("MP001", "k8s/service.yaml", 7)]);
}

#[test]
fn a_finding_shared_by_three_envs_is_printed_once() {
    let mut files = vec![("compose.yaml", "services:\n  api:\n    image: api\n    secrets: [db_password]\n")];
    for env in ["dev", "prod", "staging"] {
        files.push((
            match env {
                "dev" => "dev/minipaas.yaml",
                "prod" => "prod/minipaas.yaml",
                _ => "staging/minipaas.yaml",
            },
            "compose:\n  files:\n    - ../compose.yaml\n",
        ));
    }
    let dir = repo(&files);
    let found = findings(dir.path(), &[]);
    assert_eq!(short(&found), [("MP001", "compose.yaml", 4)]);
    assert_eq!(found[0].3["units"], serde_json::json!(["env dev", "env prod", "env staging"]));
    let text = minipaas(dir.path(), &["lint", "--no-color"]);
    assert_eq!(text.stdout.matches("MP001").count(), 1, "{}", text.stdout);
    assert!(text.stdout.contains("in 3 units: env dev, env prod, env staging"), "{}", text.stdout);
    assert!(text.stdout.contains("Found 1 error"), "{}", text.stdout);
    let sarif: Value =
        serde_json::from_str(&minipaas(dir.path(), &["lint", "--format", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn what_cannot_be_seen_is_never_guessed() {
    let dir = repo(&[(
        "compose.yaml",
        "include:\n  - oci://registry.example.com/shared:1\nservices:\n  web:\n    image: web\n    secrets: [from_remote]\nsecrets:\n  unused_here:\n    external: true\n",
    )]);
    // The remote include may declare `from_remote` and use `unused_here`.
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    let text = minipaas(dir.path(), &["units"]);
    assert!(
        text.stdout.contains("cannot see: `oci://registry.example.com/shared:1` is a remote include"),
        "{}",
        text.stdout
    );

    // A reference with a variable the repository does not define may be any matching name.
    let dir = repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: web\n    secrets: [\"app_${TAG}\"]\nsecrets:\n  app_v1:\n    external: true\n  db_v1:\n    external: true\n",
    )]);
    assert_eq!(short(&findings(dir.path(), &[])), [("MP003", "compose.yaml", 8)]);
    let text = minipaas(dir.path(), &["units"]);
    assert!(text.stdout.contains("taken as any name like `app_*`"), "{}", text.stdout);
}

#[test]
fn overrides_merge_the_way_the_deploying_tool_does() {
    // `docker compose` merges `secrets` by target: the override's version replaces the base's,
    // so no target conflicts; the old version stays "used" (the base may be deployed alone).
    let compose = repo(&[
        (
            "compose.yaml",
            "services:\n  api:\n    image: api\n    secrets:\n      - source: pw.1111aaaa\n        target: pw\nsecrets:\n  pw.1111aaaa:\n    external: true\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  api:\n    secrets:\n      - source: pw.2222bbbb\n        target: pw\nsecrets:\n  pw.2222bbbb:\n    external: true\n",
        ),
    ]);
    assert!(findings(compose.path(), &[]).is_empty());
    // `docker stack deploy` merges them by source: both stay, and Swarm rejects the target twice.
    let stack = repo(&[
        ("deploy.sh", "docker stack deploy -c compose.yaml -c compose.override.yaml app\n"),
        (
            "compose.yaml",
            "services:\n  api:\n    image: api\n    secrets:\n      - source: pw.1111aaaa\n        target: pw\nsecrets:\n  pw.1111aaaa:\n    external: true\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  api:\n    secrets:\n      - source: pw.2222bbbb\n        target: pw\nsecrets:\n  pw.2222bbbb:\n    external: true\n",
        ),
    ]);
    assert_eq!(short(&findings(stack.path(), &[])), [("MP008", "compose.override.yaml", 4)]);
}

#[test]
fn configured_projects_win_and_units_explains_why() {
    let dir = repo(&[
        (".minipaas.toml", "[[lint.project]]\nfiles = [\"a.yml\", \"b.yml\"]\ntool = \"stack\"\n"),
        ("a.yml", "services:\n  a:\n    image: a\n    secrets: [s]\n"),
        ("b.yml", "secrets:\n  s:\n    external: true\n"),
    ]);
    assert!(findings(dir.path(), &[]).is_empty());
    let run = minipaas(dir.path(), &["units"]);
    assert!(
        run.stdout.contains("why: [[lint.project]] #1 in .minipaas.toml; deployed with docker stack deploy"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 unit from 2 Compose files."), "{}", run.stdout);
}

#[test]
fn cluster_volumes_use_secrets() {
    let dir = repo(&[(
        "stack.yml",
        "services:\n  web:\n    image: web\nvolumes:\n  data:\n    driver: csi\n    x-cluster-spec:\n      secrets:\n        - key: token\n          secret: csi_token\nsecrets:\n  csi_token:\n    external: true\n  other:\n    external: true\n",
    )]);
    assert_eq!(short(&findings(dir.path(), &[])), [("MP003", "stack.yml", 14)]);
    // So does a `credential_spec` (Windows gMSA) for configs.
    let dir = repo(&[(
        "stack.yml",
        "services:\n  web:\n    image: web\n    credential_spec:\n      config: gmsa\nconfigs:\n  gmsa:\n    file: ./gmsa.json\n",
    )]);
    assert!(findings(dir.path(), &[]).is_empty());
}

#[test]
fn a_named_part_lints_the_units_that_read_it() {
    // What a hook passes: only the changed library. The units that extend or include it, even
    // through another file, are linted; unrelated ones are not parsed.
    let dir = repo(&[
        ("lib/databases.yaml", LIBRARY),
        ("app/compose.yaml", "include:\n  - ../mid/compose.yaml\nservices:\n  web:\n    image: web\n"),
        (
            "mid/compose.yaml",
            "services:\n  api:\n    extends:\n      file: ../lib/databases.yaml\n      service: db\n",
        ),
        ("other/compose.yaml", "services:\n  x:\n    image: x\n    secrets: [unrelated]\n"),
    ]);
    let found = findings(dir.path(), &["lib/databases.yaml"]);
    assert_eq!(short(&found), [("MP001", "lib/databases.yaml", 4)]);
    assert_eq!(found[0].3["units"], serde_json::json!(["app/compose.yaml"]));
    let all = findings(dir.path(), &[]);
    assert_eq!(short(&all), [("MP001", "lib/databases.yaml", 4), ("MP001", "other/compose.yaml", 4)]);
}

#[test]
fn a_run_limited_to_one_env_never_calls_unused_what_another_uses() {
    let dir = repo(&[
        ("common/secrets.yaml", "secrets:\n  db_dev:\n    external: true\n  db_prod:\n    external: true\n"),
        ("dev/compose.yaml", "services:\n  api:\n    image: api\n    secrets: [db_dev]\n"),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml, ../common/secrets.yaml]\n"),
        ("prod/compose.yaml", "services:\n  api:\n    image: api\n    secrets: [db_prod]\n"),
        ("prod/minipaas.yaml", "compose:\n  files: [compose.yaml, ../common/secrets.yaml]\n"),
    ]);
    assert!(findings(dir.path(), &["--env", "dev"]).is_empty());
    assert!(findings(dir.path(), &["dev/compose.yaml"]).is_empty());
    assert!(findings(dir.path(), &["common/secrets.yaml"]).is_empty());
    let run = minipaas(dir.path(), &["secret", "prune", "--env", "dev"]);
    assert!(run.stdout.contains("Nothing to prune"), "{}", run.stdout);
    // Unused by both: reported once, naming the envs in scope.
    crate::common::write(dir.path(), "prod/compose.yaml", "services:\n  api:\n    image: api\n");
    let found = findings(dir.path(), &["--env", "dev"]);
    assert_eq!(short(&found), [("MP003", "common/secrets.yaml", 4)]);
    assert_eq!(found[0].3["units"], serde_json::json!(["env dev"]));
}

#[test]
fn what_the_review_found_stays_fixed() {
    // A base file replaced by its variant's version still uses its own (it may deploy alone).
    let dir = repo(&[
        (
            "docker-compose.yml",
            "services:\n  web:\n    image: web\n    secrets:\n      - source: db_dev\n        target: db\nsecrets:\n  db_dev:\n    external: true\n  db_prod:\n    external: true\n",
        ),
        (
            "docker-compose.prod.yml",
            "services:\n  web:\n    secrets:\n      - source: db_prod\n        target: db\n",
        ),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // A `.env` value that needs a variable the repository does not set is unknown, not text;
    // so is a default of a variable the repository does not set.
    let dir = repo(&[
        (".env", "DB_SECRET=$VAULT_DB_SECRET\n"),
        (
            "compose.yaml",
            "services:\n  web:\n    image: web\n    secrets: [\"${DB_SECRET}\", \"${OTHER:-db_v1}\"]\nsecrets:\n  db_v1:\n    external: true\n  db_v2:\n    external: true\n",
        ),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // `--env-file` from a workflow at the root.
    let dir = repo(&[
        (
            ".github/workflows/deploy.yml",
            "on: push\njobs:\n  d:\n    steps:\n      - run: docker compose --env-file .env.prod -f docker-compose.yml up -d\n",
        ),
        (".env.prod", "DB_SECRET=db_prod\n"),
        (
            "docker-compose.yml",
            "services:\n  web:\n    image: web\n    secrets: [\"${DB_SECRET:-db_dev}\"]\nsecrets:\n  db_prod:\n    external: true\n",
        ),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // A library named like a variant, extended by the real variant, is not an overlay.
    let dir = repo(&[
        ("docker-compose.yml", "services:\n  web:\n    image: web\n"),
        ("docker-compose.base.yml", "services:\n  app-base:\n    image: app\n    secrets: [db]\n"),
        (
            "docker-compose.prod.yml",
            "services:\n  app:\n    extends:\n      file: docker-compose.base.yml\n      service: app-base\nsecrets:\n  db:\n    external: true\n",
        ),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // A chain with a file the tool cannot know (`-f "$1"`) is a unit that cannot see all; the
    // subcommand's own `-f` is not a file.
    let dir = repo(&[
        (
            "deploy.sh",
            "docker compose -f \"$1\" -f prod.yml up -d\ndocker compose -f \"$1\" -f prod.yml logs -f web\n",
        ),
        ("prod.yml", "services:\n  web:\n    image: web\n    secrets: [db]\n"),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // A variable in a chain meets a folder with a multi-byte name: no panic.
    let dir = repo(&[
        ("Makefile", "up:\n\tdocker compose -f $(DIR)/compose.yml up\n"),
        ("café/compose.yml", "services:\n  web:\n    image: web\n"),
    ]);
    assert_eq!(minipaas(dir.path(), &["lint"]).code, 0);
}

const APP: &str = "services:\n  web:\n    image: nginx\n    secrets: [db_password]\n";
const SECRETS: &str = "secrets:\n  db_password:\n    external: true\n";

#[test]
fn chains_are_found_the_ways_real_repositories_write_them() {
    let cases: Vec<(&str, &str, &str)> = vec![
        // `cd` into the folder first, or a CI step's working-directory: the one folder holding both.
        ("Makefile", "deploy:\n\tcd deploy && docker stack deploy -c app.yml -c secrets.yml st\n", "deploy/"),
        // A folder variable in front, the script at the root.
        (
            "deploy.sh",
            "DIR=$(cd \"$(dirname \"$0\")\" && pwd)\ndocker stack deploy -c \"$DIR/deploy/app.yml\" -c \"$DIR/deploy/secrets.yml\" st\n",
            "deploy/",
        ),
        (
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  d:\n    steps:\n      - run: docker stack deploy -c ${{ github.workspace }}/app.yml -c ${{ github.workspace }}/secrets.yml st\n",
            "",
        ),
        // A GitLab script item folded over several lines.
        (
            ".gitlab-ci.yml",
            "deploy:\n  script:\n    - docker stack deploy\n      -c app.yml\n      -c secrets.yml st\n",
            "",
        ),
        // A shell script without an extension, in bin/.
        ("bin/deploy", "#!/bin/bash\ndocker stack deploy -c app.yml -c secrets.yml st\n", ""),
        // The files in a variable.
        ("Makefile", "FILES := -f app.yml -f secrets.yml\nup:\n\tdocker compose $(FILES) up -d\n", ""),
    ];
    for (script, text, folder) in cases {
        let app = format!("{folder}app.yml");
        let secrets = format!("{folder}secrets.yml");
        let dir = repo(&[(script, text), (app.as_str(), APP), (secrets.as_str(), SECRETS)]);
        let found = findings(dir.path(), &[]);
        assert!(
            found.is_empty(),
            "{script}: {:?}\n{}",
            short(&found),
            minipaas(dir.path(), &["units"]).stdout
        );
        // A hook run on the script itself lints the units it makes.
        let run = minipaas(dir.path(), &["units", script]);
        assert!(run.stdout.contains("1 unit from 2 Compose files."), "{script}: {}", run.stdout);
    }
}

#[test]
fn compose_defaults_and_stack_names() {
    // `docker compose` pairs `compose.yaml` with `docker-compose.override.yml`.
    let dir = repo(&[
        ("compose.yaml", APP),
        ("docker-compose.override.yml", "secrets:\n  db_password:\n    file: ./db_password.txt\n"),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // Stack files by name merge as `docker stack deploy` does: by source, so no conflict.
    let dir = repo(&[
        (
            "docker-stack.yml",
            "services:\n  db:\n    image: db\n    secrets: [db_password]\nsecrets:\n  db_password:\n    external: true\n",
        ),
        (
            "docker-stack.prod.yml",
            "services:\n  db:\n    secrets:\n      - source: db_password\n        target: db_password\n        mode: 0400\n",
        ),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
    // A config mounted under /run/secrets/ satisfies a `_FILE`; `--env dev/` is `--env dev`.
    let dir = repo(&[
        (
            "dev/compose.yaml",
            "services:\n  web:\n    image: web\n    environment:\n      TLS_CERT_FILE: /run/secrets/tls.crt\n    configs:\n      - source: tls\n        target: /run/secrets/tls.crt\nconfigs:\n  tls:\n    file: ./tls.crt\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
    ]);
    assert!(findings(dir.path(), &["--env", "dev/"]).is_empty());
    // `!override` replaces the base's list (spec `13-merge.md`): one mount, no conflict.
    let dir = repo(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: web\n    secrets: [db_password]\nsecrets:\n  db_password:\n    external: true\n  dev_password:\n    external: true\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  web:\n    secrets: !override\n      - source: dev_password\n        target: db_password\n",
        ),
    ]);
    assert!(findings(dir.path(), &[]).is_empty(), "{:?}", short(&findings(dir.path(), &[])));
}

#[test]
fn an_env_file_read_for_interpolation_is_reported_once_and_secret_names_are_not_credentials() {
    let dir = repo(&[
        (".env", "DB_PASSWORD=hunter22\nDB_SECRET=db_pw\nTAG=1.2\n"),
        (
            "compose.yaml",
            "services:\n  db:\n    image: postgres:${TAG}\n    secrets: [\"${DB_SECRET}\"]\nsecrets:\n  db_pw:\n    external: true\n",
        ),
        ("docker-compose.yml", "services:\n  web:\n    image: web:${TAG}\n"),
    ]);
    let found = findings(dir.path(), &[]);
    let mp005: Vec<_> = found.iter().filter(|f| f.0 == "MP005").collect();
    assert_eq!(mp005.len(), 1, "one finding for one file read by two units: {:?}", short(&found));
    let message = mp005[0].3["message"].as_str().unwrap();
    assert!(message.contains("`.env`") && message.ends_with("sets DB_PASSWORD"), "{message}");
    // Untracked, it is not committed: nothing to report.
    let dir = repo(&[("compose.yaml", "services:\n  db:\n    image: postgres\n")]);
    crate::common::write(dir.path(), ".env", "DB_PASSWORD=hunter22\n");
    assert!(findings(dir.path(), &[]).iter().all(|f| f.0 != "MP005"));
}
