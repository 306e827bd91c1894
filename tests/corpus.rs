//! The public corpus of real Compose files (../shared/corpus/public): nothing panics, every
//! file is parsed or reported with its position, and the findings named in MANIFEST.tsv's
//! notes are found (with units grouped the way this tool deploys them: see README).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minipaas::commands::lint::lint_workspace;
use minipaas::discover::Workspace;
use minipaas::model::{Content, LoadOptions};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// MANIFEST rows: repo folder -> YAML paths in it.
fn manifest() -> BTreeMap<String, Vec<String>> {
    let text =
        std::fs::read_to_string(corpus().join("MANIFEST.tsv")).expect("the corpus is beside the checkout");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (repo, path) = (cols[0].replace('/', "__"), cols[2].to_string());
        if path.ends_with(".yml") || path.ends_with(".yaml") {
            out.entry(repo).or_default().push(path);
        }
    }
    out
}

/// Every `.tracked*` list of a repo folder, as the set git would have tracked.
fn tracked(repo: &Path) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for entry in std::fs::read_dir(repo).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().starts_with(".tracked") {
            set.extend(std::fs::read_to_string(entry.path()).unwrap().lines().map(str::to_string));
        }
    }
    set
}

/// path -> codes of the findings whose primary location is in it, per repo.
fn lint_corpus() -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut all = BTreeMap::new();
    for (repo, paths) in manifest() {
        let root = corpus().join(&repo);
        let ws = Workspace::with_tracked(&root, tracked(&root));
        let opts = LoadOptions { paths: paths.clone(), ..LoadOptions::default() };
        let (project, findings) = lint_workspace(&ws, &opts, &Default::default()).unwrap();
        for path in paths.iter().filter(|p| {
            minipaas::discover::names::classify(p) == Some(minipaas::discover::names::Kind::ComposeName)
        }) {
            let parsed = project
                .files
                .iter()
                .any(|f| &f.path == path && matches!(f.content, Content::Compose(_) | Content::Manifest(_)));
            let reported = project.errors.iter().any(|e| &e.path == path && e.position.is_some());
            assert!(parsed || reported, "{repo}/{path}: neither parsed nor reported with a position");
        }
        let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in &findings {
            by_file.entry(project.files[f.primary.file].path.clone()).or_default().push(f.code.to_string());
        }
        all.insert(repo, by_file);
    }
    all
}

#[test]
fn corpus_findings_match_the_manifest_notes() {
    let all = lint_corpus();
    let codes = |repo: &str, path: &str| -> Vec<String> {
        all.get(repo).and_then(|r| r.get(path)).cloned().unwrap_or_default()
    };
    let has = |repo: &str, path: &str, code: &str, n: usize| {
        let got = codes(repo, path);
        assert_eq!(
            got.iter().filter(|c| *c == code).count(),
            n,
            "{repo}/{path}: expected {n}× {code}, got {got:?}"
        );
    };
    // Secret files committed in the repo.
    has("docker__awesome-compose", "nginx-flask-mysql/compose.yaml", "MP005", 1);
    has("BretFisher__udemy-docker-mastery", "secrets-sample-2/docker-compose.yml", "MP005", 2);
    has("dockersamples__atsea-sample-shop-app", "docker-compose.yml", "MP005", 2);
    has("kubernetes__kompose", "script/test/fixtures/secrets/docker-compose-secrets-long.yml", "MP005", 1);
    // Declared but unused.
    has("kubernetes__kompose", "script/test/fixtures/secrets/docker-compose-secrets-long.yml", "MP003", 1);
    has(
        "kubernetes__kompose",
        "script/test/fixtures/compose-v3.3-test/compose-config-long-warning.yaml",
        "MP004",
        1,
    );
    // Literal credentials and a password in a URL.
    has("docker__awesome-compose", "aspnet-mssql/compose.yaml", "MP006", 1);
    has("docker__awesome-compose", "gitea-postgres/compose.yaml", "MP006", 2);
    has("docker__awesome-compose", "wasmedge-kafka-mysql/compose.yml", "MP006", 1);
    has("docker__awesome-compose", "wasmedge-kafka-mysql/compose.yml", "MP007", 1);
    // The CLI's embedded template reads a secret it is not granted (the CLI adds it later).
    has("sombrahq__minipaas", "minipaas-cli/cmd/minipaas/embed/minipaas-swarm/postgres.yaml", "MP009", 1);
    // Clean files stay clean; so does the MiniPaaS example app, linted as its env.
    assert!(codes("docker__awesome-compose", "angular/compose.yaml").is_empty());
    let example: Vec<_> =
        all["sombrahq__minipaas"].iter().filter(|(p, _)| p.starts_with("example-app/")).collect();
    assert!(example.is_empty(), "example app: {example:?}");
}

#[test]
fn the_binary_never_crashes_on_the_corpus() {
    for repo in manifest().keys() {
        let run = common::minipaas(&corpus().join(repo), &["lint", "--no-color"]);
        assert!(matches!(run.code, 0..=2), "{repo}: exit {} {}", run.code, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{repo}: {}", run.stderr);
        let json = common::minipaas(&corpus().join(repo), &["lint", "--format", "json"]);
        assert!(matches!(json.code, 0..=2), "{repo}: exit {}", json.code);
        serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap();
    }
}

/// What a fix may not change: service names, images, top-level keys other than
/// secrets/configs, and environment names (except `KEY` becoming `KEY_FILE`).
fn shape(text: &str) -> Option<(Vec<String>, Vec<String>)> {
    let tree = minipaas::yaml::Tree::parse(text).ok()?;
    let (compose, _) = minipaas::model::compose::Compose::read(&tree, text);
    let mut services: Vec<String> = compose
        .services
        .iter()
        .map(|s| {
            let mut env: Vec<String> = s
                .environment
                .iter()
                .map(|v| v.key.value.trim_end_matches("__FILE").trim_end_matches("_FILE").to_string())
                .collect();
            env.sort();
            format!("{} {:?} {env:?}", s.name.value, s.image.as_ref().map(|i| &i.value))
        })
        .collect();
    services.sort();
    let mut top: Vec<String> = tree
        .roots
        .iter()
        .flat_map(|&r| {
            tree.own_entries(r)
                .iter()
                .filter_map(|e| tree.scalar(e.key))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|k| k != "secrets" && k != "configs")
        .collect();
    top.sort();
    Some((services, top))
}

fn docker_stack_config(dir: &Path, files: &[String]) -> bool {
    let mut cmd = std::process::Command::new("docker");
    cmd.arg("stack").arg("config");
    for f in files {
        cmd.arg("-c").arg(f);
    }
    let out = cmd.current_dir(dir).output().expect("the docker CLI is installed (.ci/run installs it)");
    out.status.success()
}

#[test]
fn fixing_the_corpus_is_safe_idempotent_and_compose_still_loads() {
    let mut changed_files = 0;
    let mut checked_units = 0;
    for (repo, paths) in manifest() {
        let src = corpus().join(&repo);
        let work = tempfile::tempdir().unwrap();
        common::copy_dir(&src, work.path());
        let mut ws = Workspace::with_tracked(work.path(), tracked(&src));
        let opts = LoadOptions { paths: paths.clone(), ..LoadOptions::default() };
        let run =
            minipaas::engine::fix(&mut ws, &opts, &Default::default(), minipaas::fix::Applicability::Unsafe)
                .unwrap();
        // Idempotent: the engine over its own result has nothing left to do.
        let again =
            minipaas::engine::fix(&mut ws, &opts, &Default::default(), minipaas::fix::Applicability::Unsafe)
                .unwrap();
        assert!(
            again.changes.is_empty(),
            "{repo}: a second pass changed {:?}",
            again.changes.iter().map(|c| &c.path).collect::<Vec<_>>()
        );
        for change in &run.changes {
            changed_files += 1;
            assert_eq!(
                shape(&change.before),
                shape(&change.after),
                "{repo}/{}: a fix changed more than secrets/configs",
                change.path
            );
            minipaas::write::write_atomic(work.path(), &change.path, &change.after).unwrap();
        }
        // Every unit Compose accepted before is still accepted after.
        let changed: BTreeSet<&str> = run.changes.iter().map(|c| c.path.as_str()).collect();
        for unit in &run.project.units {
            let files: Vec<String> = unit.files.iter().map(|&f| run.project.files[f].path.clone()).collect();
            if !files.iter().any(|f| changed.contains(f.as_str())) {
                continue;
            }
            checked_units += 1;
            if docker_stack_config(&src, &files) {
                assert!(
                    docker_stack_config(work.path(), &files),
                    "{repo}: {files:?} no longer loads after --fix"
                );
            }
        }
    }
    assert!(
        changed_files > 10 && checked_units > 5,
        "the corpus exercises the fixes ({changed_files} files, {checked_units} units)"
    );
}
