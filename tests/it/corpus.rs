//! The public corpus (tests/corpus: real Compose files with the `.env` files, scripts and CI
//! files of their repositories; see its MANIFEST.tsv and LICENSES/), linted whole, the way a
//! user runs `minipaas lint` at each repository's root:
//! - every finding is in a reviewed snapshot per repository (`cargo insta review` after a
//!   change), and every structural finding is judged by hand in tests/corpus/REVIEW.tsv;
//!   MP001–MP004 must all be judged true;
//! - a mutation test renames declarations that services use and expects the tool to notice;
//! - `--fix --unsafe-fixes` keeps every unit Compose accepted loading, and a rerun changes nothing;
//! - `--fix` (safe fixes) leaves the `services:` `docker stack config` prints for each unit
//!   exactly as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minipaas::testing::Finding;
use minipaas::testing::Settings;
use minipaas::testing::Workspace;
use minipaas::testing::lint_workspace;
use minipaas::testing::{Compose, ResourceKind};
use minipaas::testing::{LoadOptions, Project};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The repository folders of the corpus (those with MANIFEST rows).
fn repos() -> BTreeSet<String> {
    let text = std::fs::read_to_string(corpus().join("MANIFEST.tsv")).unwrap();
    text.lines().skip(1).filter_map(|l| l.split('\t').next()).map(|r| r.replace('/', "__")).collect()
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

fn workspace(root: &Path, repo: &str) -> Workspace {
    Workspace::with_tracked(root, tracked(&corpus().join(repo)))
}

fn lint(ws: &Workspace) -> (Project, Vec<Finding>) {
    lint_workspace(ws, &LoadOptions::default(), &Settings::default()).unwrap()
}

/// Codes whose findings are about structure (judged in REVIEW.tsv), not about values.
const STRUCTURAL: [&str; 7] = ["MP001", "MP002", "MP003", "MP004", "MP005", "MP008", "MP009"];

/// The snapshot of one repository: every finding and input problem, one line each.
fn snapshot(project: &Project, findings: &[Finding]) -> String {
    let mut out = String::new();
    for e in &project.errors {
        let at = e.position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default();
        out.push_str(&format!("{} {}{at} {}\n", e.severity.as_str(), e.path, e.message));
    }
    for f in findings {
        let file = &project.files[f.primary.file];
        let (line, col) = file.line_col(f.primary.span.start);
        out.push_str(&format!("{} {}:{line}:{col} {}", f.code, file.path, f.message));
        if f.units.len() > 1 {
            out.push_str(&format!(" [units: {}]", f.units.join(" | ")));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "-- {} units, {} Compose files, {} findings\n",
        project.units.len(),
        project.linted_files().len(),
        findings.len()
    ));
    out
}

/// The rows of a judged TSV file of the corpus (header skipped): five columns, the verdict in
/// column `verdict` as `yes` or `no`, and a reason in the last.
fn judged(file: &str, verdict: usize, (yes, no): (&str, &str)) -> Vec<(bool, Vec<String>)> {
    let text = std::fs::read_to_string(corpus().join(file)).unwrap();
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<String> = line.split('\t').map(str::to_string).collect();
        assert_eq!(cols.len(), 5, "{file} line {}: five tab-separated columns", n + 1);
        let judged = match cols[verdict].as_str() {
            v if v == yes => true,
            v if v == no => false,
            other => panic!("{file} line {}: verdict `{other}` is not {yes} or {no}", n + 1),
        };
        assert!(!cols[4].trim().is_empty(), "{file} line {}: a verdict needs a reason", n + 1);
        rows.push((judged, cols));
    }
    rows
}

/// REVIEW.tsv rows: (repo, code, path:line) -> (verdict, reason).
fn review() -> BTreeMap<(String, String, String), (bool, String)> {
    judged("REVIEW.tsv", 3, ("true", "false"))
        .into_iter()
        .map(|(v, c)| ((c[0].clone(), c[1].clone(), c[2].clone()), (v, c[4].clone())))
        .collect()
}

#[test]
fn corpus_findings_are_the_reviewed_ones() {
    let rows = review();
    let mut seen = BTreeSet::new();
    let mut unreviewed = Vec::new();
    let mut judged: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut printed_twice = Vec::new();
    for repo in repos() {
        let root = corpus().join(&repo);
        let (project, findings) = lint(&workspace(&root, &repo));
        insta::assert_snapshot!(repo.as_str(), snapshot(&project, &findings));
        let mut places = BTreeSet::new();
        for f in &findings {
            let file = &project.files[f.primary.file];
            if !places.insert((f.code, f.primary.file, f.primary.span.start)) {
                printed_twice.push(format!("{repo} {} {}", f.code, file.path));
            }
            if !STRUCTURAL.contains(&f.code) {
                continue;
            }
            let key = (
                repo.clone(),
                f.code.to_string(),
                format!("{}:{}", file.path, file.line_col(f.primary.span.start).0),
            );
            match rows.get(&key) {
                Some((verdict, _)) => {
                    let entry = judged.entry(f.code).or_default();
                    entry.0 += usize::from(*verdict);
                    entry.1 += 1;
                }
                None => unreviewed.push(format!("{}\t{}\t{}\t?\t{}", key.0, key.1, key.2, f.message)),
            }
            seen.insert(key);
        }
    }
    assert!(printed_twice.is_empty(), "one finding per place: {printed_twice:?}");
    assert!(unreviewed.is_empty(), "judge these in tests/corpus/REVIEW.tsv:\n{}", unreviewed.join("\n"));
    let stale: Vec<_> = rows.keys().filter(|k| !seen.contains(*k)).collect();
    assert!(stale.is_empty(), "REVIEW.tsv rows no finding matches any more: {stale:?}");
    for code in ["MP001", "MP002", "MP003", "MP004"] {
        let (right, all) = judged.get(code).copied().unwrap_or_default();
        assert_eq!(right, all, "{code} precision on the corpus must be 1.00 ({right} of {all} true)");
    }
}

/// One mutation: a declaration renamed in one file.
struct Mutation {
    repo: String,
    path: String,
    kind: ResourceKind,
    name: String,
    /// Byte ranges of the references to the name written in the same file.
    references: Vec<usize>,
    /// Where the renamed key starts.
    key: usize,
    text: String,
}

/// Every declaration (a plain name declared once in the whole repository) used by a service
/// written in the same file: renaming it must be noticed.
fn mutations(repo: &str) -> Vec<Mutation> {
    let root = corpus().join(repo);
    let mut parsed: Vec<(String, String, Compose)> = Vec::new();
    for path in walk(&root) {
        let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        if !(rel.ends_with(".yml") || rel.ends_with(".yaml")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(tree) = minipaas::testing::Tree::parse(&text) else { continue };
        let (compose, _) = Compose::read(&tree, &text);
        parsed.push((rel, text, compose));
    }
    let mut declared: BTreeMap<(ResourceKind, String), usize> = BTreeMap::new();
    for (_, _, c) in &parsed {
        for kind in [ResourceKind::Secret, ResourceKind::Config] {
            for d in c.decls(kind) {
                *declared.entry((kind, d.name.value.clone())).or_default() += 1;
            }
        }
    }
    let mut out = Vec::new();
    for (rel, text, c) in &parsed {
        for kind in [ResourceKind::Secret, ResourceKind::Config] {
            for d in c.decls(kind) {
                let name = &d.name.value;
                let plain =
                    name.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'));
                if !plain || declared[&(kind, name.clone())] != 1 || &text[d.name.span.clone()] != name {
                    continue;
                }
                // Where the references are in the mutated text (the new name is longer).
                const SUFFIX: &str = "_renamed";
                let references: Vec<usize> = c
                    .services
                    .iter()
                    .flat_map(|s| s.refs(kind))
                    .filter(|r| &r.source.value == name)
                    .map(|r| r.source.span.start)
                    .map(|at| if at > d.name.span.start { at + SUFFIX.len() } else { at })
                    .collect();
                if references.is_empty() {
                    continue;
                }
                let new = format!("{}{name}{SUFFIX}{}", &text[..d.name.span.start], &text[d.name.span.end..]);
                out.push(Mutation {
                    repo: repo.to_string(),
                    path: rel.clone(),
                    kind,
                    name: name.clone(),
                    references,
                    key: d.name.span.start,
                    text: new,
                });
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn renaming_a_used_declaration_is_caught() {
    let mut total = 0;
    let mut missed = Vec::new();
    for repo in repos() {
        let root = corpus().join(&repo);
        for m in mutations(&repo) {
            total += 1;
            let mut ws = workspace(&root, &repo);
            ws.set_override(&m.path, m.text.clone());
            let (project, findings) = lint(&ws);
            let (undeclared, unused) = match m.kind {
                ResourceKind::Secret => ("MP001", "MP003"),
                ResourceKind::Config => ("MP002", "MP004"),
            };
            let at = |code: &str, start: usize| {
                findings.iter().any(|f| {
                    f.code == code
                        && project.files[f.primary.file].path == m.path
                        && f.primary.span.start == start
                })
            };
            let caught = m.references.iter().all(|&r| at(undeclared, r)) && at(unused, m.key);
            if !caught {
                missed.push(format!("{}/{} {} `{}`", m.repo, m.path, m.kind.noun(), m.name));
            }
        }
    }
    let caught = total - missed.len();
    assert!(total >= 30, "the corpus offers enough mutations ({total})");
    assert!(
        caught * 100 >= total * 99,
        "mutation recall {caught}/{total} is under 0.99; missed:\n{}",
        missed.join("\n")
    );
}

#[test]
fn the_binary_never_crashes_on_the_corpus() {
    for repo in repos() {
        let run = crate::common::minipaas(&corpus().join(&repo), &["lint", "--no-color"]);
        assert!(matches!(run.code, 0..=2), "{repo}: exit {} {}", run.code, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{repo}: {}", run.stderr);
        let json = crate::common::minipaas(&corpus().join(&repo), &["lint", "--format", "json"]);
        assert!(matches!(json.code, 0..=2), "{repo}: exit {}", json.code);
        serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap();
    }
}

/// What a fix may not change: service names, images, top-level keys other than
/// secrets/configs, and environment names (except `KEY` becoming `KEY_FILE`).
fn shape(text: &str) -> Option<(Vec<String>, Vec<String>)> {
    let tree = minipaas::testing::Tree::parse(text).ok()?;
    let (compose, _) = Compose::read(&tree, text);
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
    stack_services(dir, files).is_some()
}

/// The `services:` of what `docker stack deploy` would deploy (`docker stack config`), or
/// `None` when it rejects the files.
fn stack_services(dir: &Path, files: &[String]) -> Option<String> {
    let mut cmd = std::process::Command::new("docker");
    cmd.arg("stack").arg("config");
    for f in files {
        cmd.arg("-c").arg(f);
    }
    let out = cmd.current_dir(dir).output().expect("the docker CLI is installed (.ci/run installs it)");
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let tree = minipaas::testing::Tree::parse(&text).ok()?;
    let services = tree.roots.first().and_then(|&r| tree.get(r, "services"))?;
    Some(text[tree.node(services.value).span.clone()].to_string())
}

#[test]
fn safe_fixes_on_the_corpus_change_nothing_a_service_deploys() {
    let mut compared = 0;
    for repo in repos() {
        let src = corpus().join(&repo);
        let work = tempfile::tempdir().unwrap();
        crate::common::copy_dir(&src, work.path());
        let mut ws = workspace(work.path(), &repo);
        let run = minipaas::testing::fix(
            &mut ws,
            &LoadOptions::default(),
            &Settings::default(),
            minipaas::testing::Applicability::Safe,
        )
        .unwrap();
        for change in &run.changes {
            minipaas::testing::write_atomic(work.path(), &change.path, &change.after).unwrap();
        }
        let changed: BTreeSet<&str> = run.changes.iter().map(|c| c.path.as_str()).collect();
        for unit in &run.project.units {
            if !unit.files.iter().any(|&f| changed.contains(run.project.files[f].path.as_str())) {
                continue;
            }
            let files: Vec<String> = unit.own_files().map(|f| run.project.files[f].path.clone()).collect();
            if let Some(before) = stack_services(&src, &files) {
                compared += 1;
                let after = stack_services(work.path(), &files);
                assert_eq!(
                    after.as_deref(),
                    Some(before.as_str()),
                    "{repo}: {files:?} deploys other services"
                );
            }
        }
    }
    assert!(compared >= 2, "the corpus exercises the safe fixes ({compared} units compared)");
}

#[test]
fn fixing_the_corpus_is_safe_idempotent_and_compose_still_loads() {
    let mut changed_files = 0;
    let mut checked_units = 0;
    for repo in repos() {
        let src = corpus().join(&repo);
        let work = tempfile::tempdir().unwrap();
        crate::common::copy_dir(&src, work.path());
        let mut ws = workspace(work.path(), &repo);
        let opts = LoadOptions::default();
        let settings = Settings::default();
        let run = minipaas::testing::fix(&mut ws, &opts, &settings, minipaas::testing::Applicability::Unsafe)
            .unwrap();
        // Idempotent: the engine over its own result has nothing left to do.
        let again =
            minipaas::testing::fix(&mut ws, &opts, &settings, minipaas::testing::Applicability::Unsafe)
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
            minipaas::testing::write_atomic(work.path(), &change.path, &change.after).unwrap();
        }
        // Every unit Compose accepted before is still accepted after.
        let changed: BTreeSet<&str> = run.changes.iter().map(|c| c.path.as_str()).collect();
        for unit in &run.project.units {
            let files: Vec<String> = unit.own_files().map(|f| run.project.files[f].path.clone()).collect();
            if !unit.files.iter().any(|&f| changed.contains(run.project.files[f].path.as_str())) {
                continue;
            }
            if docker_stack_config(&src, &files) {
                checked_units += 1;
                assert!(
                    docker_stack_config(work.path(), &files),
                    "{repo}: {files:?} no longer loads after --fix"
                );
            }
        }
    }
    assert!(
        changed_files > 10 && checked_units > 5,
        "the corpus exercises the fixes ({changed_files} files, {checked_units} units Compose loads)"
    );
}

/// Codes that report a committed value (a credential), judged in tests/corpus/CREDENTIALS.tsv.
const VALUE_RULES: [&str; 4] = ["MP005", "MP006", "MP007", "MP013"];

/// One reported place: a file and the lines its span covers.
type Reported = (String, std::ops::RangeInclusive<usize>);

/// The lines the value findings of one repository point at. An env file MP005 reports stands
/// for the lines that set the keys it names.
fn reported_values(repo: &str, project: &Project, findings: &[Finding]) -> Vec<Reported> {
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| VALUE_RULES.contains(&f.code)) {
        let file = &project.files[f.primary.file];
        if f.code == "MP005" {
            let Some(rest) = f.message.strip_prefix("env file `") else { continue };
            let path = rest.split('`').next().unwrap();
            let keys: Vec<&str> = f.message.rsplit(" and sets ").next().unwrap().split(", ").collect();
            let text = std::fs::read_to_string(corpus().join(repo).join(path)).unwrap();
            for (n, line) in text.lines().enumerate() {
                let key = line.trim().trim_start_matches("export ").split('=').next().unwrap_or("").trim();
                if keys.contains(&key) {
                    out.push((format!("{repo}/{path}"), n + 1..=n + 1));
                }
            }
            continue;
        }
        let (start, _) = file.line_col(f.primary.span.start);
        let (end, _) = file.line_col(f.primary.span.end.max(f.primary.span.start + 1) - 1);
        out.push((format!("{repo}/{}", file.path), start..=end));
    }
    out
}

#[test]
fn credentials_in_the_corpus_are_found_and_nothing_else_is_reported() {
    // (path, line) -> (is a credential, kind), judged by hand line by line.
    let rows: BTreeMap<(String, usize), (bool, String)> = judged("CREDENTIALS.tsv", 2, ("credential", "not"))
        .into_iter()
        .map(|(v, c)| ((c[0].clone(), c[1].parse().unwrap()), (v, c[3].clone())))
        .collect();
    let mut reported = Vec::new();
    for repo in repos() {
        let root = corpus().join(&repo);
        let (project, findings) = lint(&workspace(&root, &repo));
        reported.extend(reported_values(&repo, &project, &findings));
    }
    let covers = |(path, lines): &Reported, (p, l): &(String, usize)| path == p && lines.contains(l);
    let credentials: Vec<&(String, usize)> = rows.iter().filter(|(_, (c, _))| *c).map(|(k, _)| k).collect();
    let missed: Vec<String> = credentials
        .iter()
        .filter(|k| !reported.iter().any(|r| covers(r, k)))
        .map(|(p, l)| format!("{p}:{l} ({})", rows[&(p.clone(), *l)].1))
        .collect();
    let (mut true_pos, mut false_pos, mut unreviewed) = (0, Vec::new(), Vec::new());
    for r in &reported {
        let judged: Vec<bool> =
            r.1.clone().filter_map(|l| rows.get(&(r.0.clone(), l)).map(|(c, _)| *c)).collect();
        let at = format!("{}:{}", r.0, r.1.start());
        match (judged.contains(&true), judged.is_empty()) {
            (true, _) => true_pos += 1,
            (false, false) => false_pos.push(at),
            (false, true) => unreviewed.push(at),
        }
    }
    let recall = (credentials.len() - missed.len()) as f64 / credentials.len() as f64;
    let precision = true_pos as f64 / (true_pos + false_pos.len()).max(1) as f64;
    eprintln!(
        "credentials: {} listed, {} found (recall {recall:.3}); {} reports, {true_pos} true (precision {precision:.3})",
        credentials.len(),
        credentials.len() - missed.len(),
        reported.len()
    );
    assert!(
        unreviewed.is_empty(),
        "reported but not in CREDENTIALS.tsv (judge them):\n{}",
        unreviewed.join("\n")
    );
    eprintln!("missed:\n{}", missed.join("\n"));
    assert!(recall >= 0.95, "recall {recall:.3} < 0.95; missed:\n{}", missed.join("\n"));
    assert!(precision >= 0.98, "precision {precision:.3} < 0.98; not credentials:\n{}", false_pos.join("\n"));
}
