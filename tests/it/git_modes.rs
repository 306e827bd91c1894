//! Baselines and the git modes: --since, --history, and --staged as pre-commit's default.

use crate::common::{codes, git, minipaas, repo, write};

const LEAK: &str =
    "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: first-pw\n";

#[test]
fn baseline_hides_recorded_findings_only() {
    let dir = repo(&[("compose.yaml", LEAK)]);
    let run = minipaas(dir.path(), &["lint", "--write-baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(!text.contains("first-pw") && !text.contains("\"line\""), "no values, no lines: {text}");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    // Version 2: a salt per entry, an Argon2id hash.
    assert_eq!(doc["version"], 2);
    let value = doc["findings"][0]["value"].as_str().unwrap();
    let (salt, hash) = value.split_once('$').unwrap();
    assert_eq!((salt.len(), hash.len()), (32, 32), "{value}");
    // Recorded: clean. Moving lines keeps it recorded.
    write(dir.path(), "compose.yaml", &format!("# moved\n\n{LEAK}"));
    let run = minipaas(dir.path(), &["lint", "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A new value under the same name is a new finding.
    write(dir.path(), "compose.yaml", &LEAK.replace("first-pw", "second-pw"));
    let run = minipaas(dir.path(), &["lint", "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(codes(&run).len(), 1);
    // Re-recording keeps each entry's salt and sorts entries: stable diffs.
    write(dir.path(), "compose.yaml", LEAK);
    minipaas(dir.path(), &["lint", "--write-baseline", "baseline.json"]);
    assert_eq!(std::fs::read_to_string(dir.path().join("baseline.json")).unwrap(), text);
    // A baseline that is not one is an input error.
    write(dir.path(), "bad.json", "{\"version\": 1}");
    assert_eq!(minipaas(dir.path(), &["lint", "--baseline", "bad.json"]).code, 2);
    write(dir.path(), "bad.json", "{\"version\": 2, \"kdf\": \"md5\", \"findings\": []}");
    assert_eq!(minipaas(dir.path(), &["lint", "--baseline", "bad.json"]).code, 2);
}

#[test]
fn equal_values_get_unequal_baseline_hashes() {
    let two = "services:\n  a:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: same-pw\n  b:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: same-pw\n";
    let dir = repo(&[("compose.yaml", two)]);
    minipaas(dir.path(), &["lint", "--write-baseline", "baseline.json"]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap()).unwrap();
    let values: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["value"].as_str().unwrap()).collect();
    assert_eq!(values.len(), 2);
    let hashes: Vec<&str> = values.iter().map(|v| v.split_once('$').unwrap().1).collect();
    assert_ne!(hashes[0], hashes[1], "the same password in two services must not show as the same hash");
    assert_eq!(minipaas(dir.path(), &["lint", "--baseline", "baseline.json"]).code, 0);
}

#[test]
fn a_version_1_baseline_still_applies_and_is_rewritten_as_version_2() {
    use sha2::{Digest, Sha256};
    let dir = repo(&[("compose.yaml", LEAK)]);
    // What version 1 wrote: sha256(salt ‖ sha256(value))[:12] with one salt per file.
    let salt = "00112233445566778899aabbccddeeff";
    let inner = Sha256::digest(b"first-pw");
    let digest = Sha256::new().chain_update(salt.as_bytes()).chain_update(inner).finalize();
    let value: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let v1 = format!(
        "{{\"version\": 1, \"salt\": \"{salt}\", \"findings\": [{{\"code\": \"MP006\", \"path\": \"compose.yaml\", \"subject\": \"db/POSTGRES_PASSWORD\", \"value\": \"{value}\"}}]}}"
    );
    write(dir.path(), "baseline.json", &v1);
    let run = minipaas(dir.path(), &["lint", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    minipaas(dir.path(), &["lint", "--write-baseline", "baseline.json"]);
    let text = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(text.contains("\"version\": 2") && !text.contains(salt), "{text}");
    assert_eq!(minipaas(dir.path(), &["lint", "--baseline", "baseline.json"]).code, 0);
}

#[test]
fn since_reports_only_new_findings() {
    let dir = repo(&[("compose.yaml", LEAK)]);
    git(dir.path(), &["tag", "v1"]);
    write(dir.path(), "other/compose.yaml", "services:\n  web:\n    image: a\n    secrets: [missing]\n");
    let run = minipaas(dir.path(), &["lint", "--since", "v1", "--format", "json"]);
    assert_eq!(codes(&run), [("MP001".to_string(), 4, 15)], "{}", run.stdout);
    let run = minipaas(dir.path(), &["lint", "--since", "nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`nope` is not a commit"), "{}", run.stderr);
}

/// A committed env file that gains a credential is a new finding to a baseline, to `--since`
/// and to `--history`; one whose other variables change is not.
#[test]
fn a_new_credential_in_a_committed_env_file_is_not_hidden() {
    let compose = "services:\n  app:\n    image: app\n    env_file: app.env\n";
    let dir = repo(&[("compose.yaml", compose), ("app.env", "API_TOKEN=tok-first-canary\nLOG_LEVEL=info\n")]);
    git(dir.path(), &["tag", "v1"]);
    minipaas(dir.path(), &["lint", "--write-baseline", "baseline.json"]);
    let lint = |args: &[&str]| {
        let all = [&["lint", "--format", "json"][..], args].concat();
        codes(&minipaas(dir.path(), &all)).into_iter().map(|(c, _, _)| c).collect::<Vec<_>>()
    };
    write(dir.path(), "app.env", "API_TOKEN=tok-first-canary\nLOG_LEVEL=debug\n");
    assert_eq!(lint(&["--baseline", "baseline.json"]), Vec::<String>::new(), "another variable changed");
    write(dir.path(), "app.env", "API_TOKEN=tok-first-canary\nLOG_LEVEL=info\nDB_PASSWORD=second-canary\n");
    assert_eq!(lint(&["--baseline", "baseline.json"]), ["MP005"]);
    assert_eq!(lint(&["--since", "v1"]), ["MP005"]);
    git(dir.path(), &["commit", "-qam", "add a password"]);
    let run = minipaas(dir.path(), &["lint", "--history", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["history"].as_array().map(Vec::len), Some(2), "{}", run.stdout);
    assert!(!run.stdout.contains("canary"), "{}", run.stdout);
}

/// A subject that quotes a known value is masked now and at `rev` alike: an unchanged finding
/// is not new.
#[test]
fn since_compares_masked_subjects_with_masked_subjects() {
    let compose = "services:\n  web:\n    image: nginx\n    environment:\n      ADMIN_PASSWORD: admin\n    secrets:\n      - admin_password\n";
    let dir = repo(&[("compose.yaml", compose)]);
    git(dir.path(), &["tag", "v1"]);
    write(dir.path(), "compose.yaml", &format!("# a comment\n{compose}"));
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert!(codes(&run).iter().any(|(c, ..)| c == "MP001"), "{}", run.stdout);
    let run = minipaas(dir.path(), &["lint", "--since", "v1", "--format", "json"]);
    assert_eq!(codes(&run), [], "{}", run.stdout);
}

/// A commit subject that quotes a value of an earlier commit is masked too.
#[test]
fn history_masks_earlier_values_in_later_subjects() {
    let dir = repo(&[("compose.yaml", &LEAK.replace("first-pw", "bluehorse42"))]);
    write(dir.path(), "compose.yaml", &LEAK.replace("first-pw", "bluehorse43"));
    // A new file: the step is a whole load, which knows only the new value.
    write(dir.path(), "other/compose.yaml", "services:\n  web:\n    image: nginx\n");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "rotate: replace bluehorse42"]);
    let run = minipaas(dir.path(), &["lint", "--history"]);
    assert!(run.stdout.contains("rotate: replace"), "{}", run.stdout);
    assert!(!run.stdout.contains("bluehorse"), "{}", run.stdout);
}

#[test]
fn history_finds_values_deleted_later_once() {
    let dir = repo(&[("compose.yaml", LEAK), ("README", "x\n")]);
    write(dir.path(), "README", "y\n");
    git(dir.path(), &["commit", "-qam", "unrelated"]);
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  db:\n    image: postgres\n    secrets: [pw]\nsecrets:\n  pw:\n    file: pw.txt\n",
    );
    write(dir.path(), "pw.txt", "hunter2\n");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "move the password to a file (still committed)"]);
    git(dir.path(), &["rm", "-q", "pw.txt"]);
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  db:\n    image: postgres\n    secrets: [pw]\nsecrets:\n  pw:\n    external: true\n",
    );
    git(dir.path(), &["commit", "-qam", "clean"]);
    assert_eq!(minipaas(dir.path(), &["lint"]).code, 0, "HEAD is clean");
    let run = minipaas(dir.path(), &["lint", "--history", "--format", "json"]);
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["commits"], 4);
    let leaks: Vec<(String, String)> = doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["code"].as_str().unwrap().to_string(), l["summary"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        leaks,
        [
            ("MP006".to_string(), "init".to_string()),
            ("MP005".to_string(), "move the password to a file (still committed)".to_string())
        ]
    );
    let text = minipaas(dir.path(), &["lint", "--history"]);
    assert!(
        text.stdout.contains("rotate these values")
            && !text.stdout.contains("first-pw")
            && !text.stdout.contains("hunter2")
    );
}

#[test]
fn pre_commit_without_files_lints_the_index() {
    let dir = repo(&[("compose.yaml", "services:\n  a:\n    image: a\n")]);
    write(dir.path(), "compose.yaml", LEAK);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_minipaas"))
        .args(["lint", "--format", "json"])
        .current_dir(dir.path())
        .env("PRE_COMMIT", "1")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "the unstaged leak is not in the commit");
    git(dir.path(), &["add", "compose.yaml"]);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_minipaas"))
        .args(["lint"])
        .current_dir(dir.path())
        .env("PRE_COMMIT", "1")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
}

/// What git itself says the index holds (stage 0): path and blob id.
fn ls_files(dir: &std::path::Path) -> Vec<(String, String)> {
    let out =
        std::process::Command::new("git").args(["ls-files", "-s", "-z"]).current_dir(dir).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut entries: Vec<(String, String)> = text
        .split('\0')
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            let (meta, path) = l.split_once('\t')?;
            let fields: Vec<&str> = meta.split(' ').collect();
            (fields[2] == "0").then(|| (path.to_string(), fields[1].to_string()))
        })
        .collect();
    entries.sort();
    entries
}

fn direct(dir: &std::path::Path) -> Option<Vec<(String, String)>> {
    let git = dir.join(".git");
    let mut entries: Vec<(String, String)> = minipaas::testing::read_git_index(&git, &git)
        .ok()?
        .into_iter()
        .map(|(p, id)| (p, id.iter().map(|b| format!("{b:02x}")).collect()))
        .collect();
    entries.sort();
    Some(entries)
}

#[test]
fn the_index_reader_agrees_with_git() {
    let long = format!("deep/{}/compose.yaml", "d".repeat(120));
    let dir = repo(&[
        ("compose.yaml", "a: 1\n"),
        ("a/b/c/docker-compose.yml", "b: 2\n"),
        ("ünïcödé/compose.yaml", "c: 3\n"),
        (&long, "d: 4\n"),
        ("a/b/other.txt", "x\n"),
    ]);
    let d = dir.path();
    assert_eq!(direct(d).unwrap(), ls_files(d), "version 2");
    git(d, &["update-index", "--skip-worktree", "a/b/other.txt"]);
    assert_eq!(direct(d).unwrap(), ls_files(d), "version 3 (extended flags)");
    git(d, &["update-index", "--no-skip-worktree", "a/b/other.txt"]);
    git(d, &["update-index", "--index-version", "4"]);
    assert_eq!(direct(d).unwrap(), ls_files(d), "version 4 (prefix-compressed paths)");
    // The walk and the lint agree with git too.
    write(d, "new/compose.yaml", "services:\n  x:\n    image: a\n    secrets: [s]\n");
    assert_eq!(codes(&minipaas(d, &["lint", "--format", "json"])).len(), 1);
    // A split index: the shared index and the changes on top of it, merged.
    git(d, &["update-index", "--split-index"]);
    write(d, "split/compose.yaml", "e: 5\n");
    git(d, &["add", "split/compose.yaml"]);
    assert_eq!(direct(d).unwrap(), ls_files(d), "split index");
    assert_eq!(codes(&minipaas(d, &["lint", "--format", "json"])).len(), 1);
}

#[test]
fn untracked_files_count_but_nested_repositories_do_not() {
    let dir = repo(&[("README", "x\n")]);
    let d = dir.path();
    // Untracked, in this repository (and under an ignored folder, which is left alone).
    write(d, "new/compose.yaml", LEAK);
    write(d, ".gitignore", "ignored/\n");
    write(d, "ignored/compose.yaml", LEAK);
    // Another repository inside the work tree (a clone, not a submodule): git does not look in.
    write(d, "vendor/other/compose.yaml", LEAK);
    git(&d.join("vendor/other"), &["init", "-q"]);
    // A folder with a `.git` file (how worktrees and submodules point to their git dir).
    write(d, "wt/compose.yaml", LEAK);
    write(d, "wt/.git", "gitdir: /nowhere\n");
    let run = minipaas(d, &["lint", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let paths: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["new/compose.yaml"], "{}", run.stdout);
}

/// The files of the generated history and the texts each may hold (`{n}` becomes the commit
/// number, so a value written again later is a new value).
const HISTORY_FILES: &[(&str, &[&str])] = &[
    (
        "compose.yaml",
        &[
            "services:\n  a:\n    image: nginx\n    environment:\n      LOG_LEVEL: info\n",
            "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: pw-{n}-x\n",
            "services:\n  web:\n    extends:\n      file: base.yaml\n      service: base\n",
            "include:\n  - base.yaml\nservices:\n  db:\n    image: postgres\n    secrets: [pw]\nsecrets:\n  pw:\n    file: pw.txt\n",
            "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n",
            "services:\n  api:\n    image: api\n    environment:\n      DATABASE_URL: postgres://app:s3cret{n}q@db/app\n",
        ],
    ),
    (
        "compose.override.yaml",
        &[
            "services:\n  a:\n    environment:\n      API_TOKEN: tok{n}Zq81mXbb27Lr\n",
            "services:\n  a:\n    environment:\n      LOG_LEVEL: debug\n",
        ],
    ),
    (
        "base.yaml",
        &[
            "services:\n  base:\n    image: redis\n    environment:\n      REDIS_PASSWORD: base-{n}-pw\n",
            "services:\n  base:\n    image: redis\n",
            "services:\n  base:\n    image: app\n    environment:\n      DATABASE_URL: mysql://root:b{n}se@db/app\n",
        ],
    ),
    (
        "stack/app.yml",
        &[
            "services:\n  app:\n    image: mysql\n    environment:\n      MYSQL_ROOT_PASSWORD: root{n}pw\n",
            "services:\n  app:\n    image: mysql\n",
            "foo: bar\n",
        ],
    ),
    (".env", &["DB_PASSWORD=envpw{n}x\n", "TAG=1\n"]),
    ("pw.txt", &["hunter{n}\n"]),
    (
        "env/prod/minipaas.yaml",
        &["compose:\n  files:\n    - compose.yaml\n    - prod.yaml\nnamespace: app\n"],
    ),
    (
        "env/prod/compose.yaml",
        &[
            "services:\n  a:\n    image: a\n",
            "services:\n  a:\n    image: a\n    environment:\n      ADMIN_PASSWORD: adm{n}in\n",
        ],
    ),
    (
        "env/prod/prod.yaml",
        &[
            "services:\n  a:\n    environment:\n      SECRET_KEY: prod{n}key\n",
            "services:\n  a:\n    deploy:\n      replicas: 2\n",
        ],
    ),
    ("Makefile", &["up:\n\tdocker compose -f stack/app.yml -f other/docker-compose.yml up\n"]),
    (
        "other/docker-compose.yml",
        &[
            "services:\n  o:\n    image: o\n    environment:\n      SMTP_PASSWORD: smtp{n}pw\n",
            "services:\n  o:\n    image: o\n",
            "services:\n  o:\n    image: redis\n    command: redis-server --requirepass rp{n}Secret\n",
        ],
    ),
];

/// One generated change: `pick` chooses a file of `files` (indexes into [`HISTORY_FILES`]) and
/// what it becomes: deleted, or one of its texts.
fn history_change(dir: &std::path::Path, files: &[usize], pick: u64, n: usize) {
    let (path, texts) = HISTORY_FILES[files[(pick % files.len() as u64) as usize]];
    let choice = (pick / 97) as usize % (texts.len() + 1);
    if choice == texts.len() {
        let _ = std::fs::remove_file(dir.join(path));
    } else {
        write(dir, path, &texts[choice].replace("{n}", &n.to_string()));
    }
}

/// `lint --history` builds only the units a commit changed and surveys the repository again
/// only when the grouping may change: it must report exactly what linting every commit whole
/// reports, each value at the first commit (in the scan's order) that holds it. The history
/// mixes every kind of change: contents, overlays, `extends`, `include`, secret files, `.env`
/// interpolation, an env, a chain in a Makefile, a file found by content, deletions, and a
/// branch merged back.
#[test]
fn history_reports_what_linting_every_commit_whole_reports() {
    let dir = repo(&[("README", "x\n")]);
    let all: Vec<usize> = (0..HISTORY_FILES.len()).collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let mut n = 0;
    let mut commit = |dir: &std::path::Path, files: &[usize], next: &mut dyn FnMut() -> u64| {
        n += 1;
        for _ in 0..1 + next() % 2 {
            history_change(dir, files, next(), n);
        }
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", &format!("change {n}")]);
    };
    // A Compose file names a secret file, and a later commit adds only that file.
    write(dir.path(), "compose.yaml", HISTORY_FILES[0].1[3]);
    write(dir.path(), "base.yaml", HISTORY_FILES[2].1[1]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "name a secret file"]);
    write(dir.path(), "pw.txt", "hunter2\n");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "commit the secret file"]);
    for _ in 0..40 {
        commit(dir.path(), &all, &mut next);
    }
    // A branch and the main line change different files, then meet again.
    git(dir.path(), &["checkout", "-q", "-b", "side"]);
    for _ in 0..4 {
        commit(dir.path(), &[2, 10], &mut next);
    }
    git(dir.path(), &["checkout", "-q", "main"]);
    for _ in 0..4 {
        commit(dir.path(), &[0, 4], &mut next);
    }
    git(dir.path(), &["merge", "-q", "--no-ff", "side", "-m", "merge side"]);
    for _ in 0..30 {
        commit(dir.path(), &all, &mut next);
    }

    let (mut expected, mut found) = history_and_whole_lints(dir.path());
    assert!(expected.len() >= 15, "the generated history leaks often: {expected:#?}");
    let codes: std::collections::BTreeSet<&str> =
        expected.iter().map(|e| e.split(' ').nth(1).unwrap()).collect();
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        ["MP005", "MP006", "MP007"],
        "every kind of leak occurs"
    );
    // Within one commit the order of findings is not the point.
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

/// `(every commit linted whole, lint --history)`: each leak as `commit code path:line:col`, the
/// first lists keeping each value at the first commit (in the scan's order) that holds it.
fn history_and_whole_lints(dir: &std::path::Path) -> (Vec<String>, Vec<String>) {
    use minipaas::testing::Workspace;
    use minipaas::testing::{LoadOptions, Project};
    use minipaas::testing::{active, check_all};

    let ws = Workspace::open(dir, false).unwrap();
    let settings = minipaas::testing::Settings::load(None, dir).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut expected = Vec::new();
    for c in ws.history().unwrap() {
        let at = ws.at_commit(&c.id).unwrap();
        let project = Project::load(&at, &LoadOptions::default()).unwrap();
        let findings = check_all(&project, &settings);
        for f in active(&findings).filter(|f| ["MP005", "MP006", "MP007", "MP013"].contains(&f.code)) {
            let file = &project.files[f.primary.file];
            if seen.insert((f.code, file.path.clone(), f.subject.clone(), f.value_hash)) {
                let (line, column) = file.line_col(f.primary.span.start);
                expected.push(format!("{} {} {}:{line}:{column}", c.id, f.code, file.path));
            }
        }
    }
    let run = minipaas(dir, &["lint", "--history", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found = doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let field = |k: &str| l[k].as_str().unwrap().to_string();
            format!("{} {} {}:{}:{}", field("commit"), field("code"), field("path"), l["line"], l["column"])
        })
        .collect();
    (expected, found)
}

/// The files one commit writes: (path, text).
type Commit = Vec<(String, String)>;

/// Histories an adversarial review found `--history` getting wrong: a chain's `--env-file`
/// added after the chain; a suppression removed; a declaration renamed so that a `.env` value
/// is no longer a name; a secret with a committed file renamed; an included file that is not
/// taken for Compose on its own (a YAML file with another top-level key; a `.inc` file) that
/// starts to include another file and to name a committed secret file.
#[test]
fn history_matches_whole_lints_where_a_review_found_it_did_not() {
    let pw = "services:\n  db:\n    image: postgres\n    secrets: [pw]\nsecrets:\n  pw:\n    file: pw.txt";
    let include = |ext: &str, meta: &str| -> Vec<Commit> {
        vec![
            vec![
                (
                    "compose.yaml".into(),
                    format!("include:\n  - parts/base.{ext}\nservices:\n  a:\n    image: a\n"),
                ),
                (format!("parts/base.{ext}"), format!("{meta}services:\n  b:\n    image: b\n")),
                (
                    format!("parts/deep.{ext}"),
                    format!(
                        "{meta}services:\n  d:\n    image: d\n    command: redis-server --requirepass rp0SecretZZ\n"
                    ),
                ),
                ("parts/pw.txt".into(), "hunter2\n".into()),
            ],
            vec![(
                format!("parts/base.{ext}"),
                format!(
                    "{meta}include:\n  - deep.{ext}\nservices:\n  b:\n    image: b\n    secrets: [pw]\nsecrets:\n  pw:\n    file: pw.txt\n"
                ),
            )],
            vec![(
                format!("parts/deep.{ext}"),
                format!(
                    "{meta}services:\n  d:\n    image: d\n    command: redis-server --requirepass rp2SecretZZ\n    environment:\n      API_TOKEN: tok2Zq81mXbb27Lr\n"
                ),
            )],
        ]
    };
    let owned = |files: &[(&str, &str)]| -> Commit {
        files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()
    };
    let scenarios: Vec<(&str, Vec<Commit>)> = vec![
        (
            "env file added after its chain",
            vec![
                owned(&[
                    (
                        "Makefile",
                        "up:\n\tdocker compose --env-file config/prod.vars -f app/compose.yaml up\n",
                    ),
                    (
                        "app/compose.yaml",
                        "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n",
                    ),
                ]),
                owned(&[("config/prod.vars", "DB_PASSWORD=Zq81mXbb27Lrhunter\n")]),
                owned(&[("README", "x\n")]),
            ],
        ),
        (
            "suppression removed",
            vec![
                vec![
                    ("compose.yaml".into(), format!("{pw} # minipaas: ignore[MP005] test fixture\n")),
                    ("pw.txt".into(), "hunter2\n".into()),
                ],
                vec![("compose.yaml".into(), format!("{pw}\n"))],
            ],
        ),
        (
            "declaration renamed",
            vec![
                owned(&[
                    (".env", "DB_PASSWORD=db_password\n"),
                    (
                        "compose.yaml",
                        "services:\n  db:\n    image: postgres\n    secrets: [\"${DB_PASSWORD}\"]\nsecrets:\n  db_password:\n    external: true\n",
                    ),
                ]),
                owned(&[(
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres\n    secrets: [\"${DB_PASSWORD}\"]\nsecrets:\n  db_pw:\n    external: true\n",
                )]),
            ],
        ),
        (
            "secret with a committed file renamed",
            vec![
                vec![("compose.yaml".into(), format!("{pw}\n")), ("pw.txt".into(), "hunter2\n".into())],
                owned(&[(
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: pw.txt\n",
                )]),
            ],
        ),
        ("included YAML that is not Compose on its own", include("yml", "meta: 1\n")),
        ("included .inc files", include("inc", "")),
    ];
    for (name, commits) in scenarios {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        for (i, files) in commits.iter().enumerate() {
            for (path, text) in files {
                write(dir.path(), path, text);
            }
            git(dir.path(), &["add", "-A"]);
            git(dir.path(), &["commit", "-q", "--allow-empty", "-m", &format!("{name} {i}")]);
        }
        let (mut expected, mut found) = history_and_whole_lints(dir.path());
        assert!(!expected.is_empty(), "{name}: the history leaks");
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "{name}");
    }
}

/// Findings about names and lines, recorded by hand the way earlier versions wrote them: the
/// typed identity must read them all (a change to a subject's text would resurface every
/// baselined finding of that kind).
#[test]
fn baselines_written_by_earlier_versions_keep_matching_names_and_lines() {
    let compose = "secrets:\n  unused_pw:\n    external: true\n  tracked:\n    file: ./pw.txt\nservices:\n  web:\n    image: nginx\n    secrets:\n      - missing_pw\n      - tracked\n    environment:\n      API_KEY_FILE: /run/secrets/api_key\n      NOTE: AKIAIOSFODNN7EXAMPLE # minipaas: ignore[MP007]\n";
    let dir = repo(&[("compose.yaml", compose), ("pw.txt", "hunter2\n")]);
    let entry = |code: &str, subject: &str| {
        format!("{{\"code\": \"{code}\", \"path\": \"compose.yaml\", \"subject\": \"{subject}\"}}")
    };
    let entries = [
        entry("MP001", "web/missing_pw"),
        entry("MP003", "unused_pw"),
        entry("MP005", "secret tracked"),
        entry("MP009", "web/API_KEY_FILE"),
        entry("MP012", "line 14"),
    ];
    let file = |entries: &[String]| {
        format!(
            "{{\"version\": 2, \"kdf\": \"argon2id-m8192-t1-p1\", \"findings\": [{}]}}",
            entries.join(", ")
        )
    };
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    let mut found: Vec<String> = codes(&run).into_iter().map(|(c, _, _)| c).collect();
    found.sort();
    assert_eq!(found, ["MP001", "MP003", "MP005", "MP007", "MP009", "MP012"], "{}", run.stdout);
    write(dir.path(), "baseline.json", &file(&entries));
    let run = minipaas(dir.path(), &["lint", "--baseline", "baseline.json", "--format", "json"]);
    // MP007 stays: its entry is missing (and it is a value finding, whose entry needs a hash).
    assert_eq!(codes(&run).into_iter().map(|(c, _, _)| c).collect::<Vec<_>>(), ["MP007"], "{}", run.stdout);
    // Each entry matches only its own finding.
    for skip in 0..entries.len() {
        let kept: Vec<String> =
            entries.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, e)| e.clone()).collect();
        write(dir.path(), "baseline.json", &file(&kept));
        let run = minipaas(dir.path(), &["lint", "--baseline", "baseline.json", "--format", "json"]);
        assert_eq!(codes(&run).len(), 2, "without entry {skip}: {}", run.stdout);
    }
}

/// The other subject kinds, value findings (whose entries hold a salted Argon2id hash, computed
/// here as version 2 does) and a name the output scrubber would mask were it a word of its own
/// (MP007 is left out: it reports that name as a high-entropy value).
#[test]
fn baselines_written_by_earlier_versions_keep_matching_values_files_and_masked_subjects() {
    use sha2::{Digest, Sha256};
    let compose = "services:\n  db:\n    image: postgres:17\n    env_file: app.env\n    environment:\n      POSTGRES_PASSWORD: Zq9canaryX7\n      PGDATA: /data  # minipaas: ignore[MP006] not here\n    secrets:\n      - aB3dE5gH7jK9mN2pQ4sT6vW8\n";
    // An env of its own, so that its missing file does not stop the root unit's MP001.
    let manifest = "project:\n  files:\n  - prod/compose.yml\n  - prod/gone.yml\napi:\n  local: true\ndeploy:\n  version: 0.1.0\n";
    let dir = repo(&[
        ("compose.yaml", compose),
        ("app.env", "DB_PASSWORD=hunter2x\n"),
        ("prod/minipaas.yaml", manifest),
        ("prod/compose.yml", "services:\n  web:\n    image: nginx\n"),
    ]);
    // Version 2's value column: `<salt hex>$<hex of Argon2id(sha256(value), salt)>`.
    let value = |v: &str| {
        let salt = [7u8; 16];
        let params = argon2::Params::new(8 * 1024, 1, 1, Some(16)).unwrap();
        let kdf = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = [0u8; 16];
        kdf.hash_password_into(&Sha256::digest(v.as_bytes()), &salt, &mut out).unwrap();
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        format!("{}${}", hex(&salt), hex(&out))
    };
    let entry = |code: &str, path: &str, subject: &str, value: Option<String>| match value {
        Some(v) => format!(
            "{{\"code\": \"{code}\", \"path\": \"{path}\", \"subject\": \"{subject}\", \"value\": \"{v}\"}}"
        ),
        None => format!("{{\"code\": \"{code}\", \"path\": \"{path}\", \"subject\": \"{subject}\"}}"),
    };
    let entries = [
        entry("MP001", "compose.yaml", "db/aB3dE5gH7jK9mN2pQ4sT6vW8", None),
        // An env file's value column: its credential assignments, sorted, one per line.
        entry("MP005", "compose.yaml", "env_file app.env", Some(value("DB_PASSWORD=hunter2x\n"))),
        entry("MP006", "compose.yaml", "db/POSTGRES_PASSWORD", Some(value("Zq9canaryX7"))),
        entry("MP010", "prod/minipaas.yaml", "prod/gone.yml", None),
        entry("MP011", "compose.yaml", "MP006 line 7", None),
    ];
    let file = |entries: &[String]| {
        format!(
            "{{\"version\": 2, \"kdf\": \"argon2id-m8192-t1-p1\", \"findings\": [{}]}}",
            entries.join(", ")
        )
    };
    let run = minipaas(dir.path(), &["lint", "--ignore", "MP007", "--format", "json"]);
    let mut found: Vec<String> = codes(&run).into_iter().map(|(c, _, _)| c).collect();
    found.sort();
    assert_eq!(found, ["MP001", "MP005", "MP006", "MP010", "MP011"], "{}", run.stdout);
    write(dir.path(), "baseline.json", &file(&entries));
    let run = minipaas(
        dir.path(),
        &["lint", "--ignore", "MP007", "--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(codes(&run), [], "{}", run.stdout);
    // Each entry matches only its own finding; another value under the same key is new.
    for skip in 0..entries.len() {
        let kept: Vec<String> =
            entries.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, e)| e.clone()).collect();
        write(dir.path(), "baseline.json", &file(&kept));
        let run = minipaas(
            dir.path(),
            &["lint", "--ignore", "MP007", "--baseline", "baseline.json", "--format", "json"],
        );
        assert_eq!(codes(&run).len(), 1, "without entry {skip}: {}", run.stdout);
    }
    let mut other = entries.to_vec();
    other[2] = entry("MP006", "compose.yaml", "db/POSTGRES_PASSWORD", Some(value("another-value")));
    write(dir.path(), "baseline.json", &file(&other));
    let run = minipaas(
        dir.path(),
        &["lint", "--ignore", "MP007", "--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(codes(&run).into_iter().map(|(c, _, _)| c).collect::<Vec<_>>(), ["MP006"], "{}", run.stdout);
}
