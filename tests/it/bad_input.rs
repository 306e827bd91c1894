//! The bad-input catalogue: every kind of broken, hostile or odd input gets a clear message
//! naming the file (and line where there is one), exit 2 (or findings where the file is valid),
//! in bounded time and memory, and no file changes. Names that are not valid secret or config
//! names are reported, never "fixed" into a file.

use std::path::Path;
use std::process::Command;

use crate::common::{minipaas, repo, write};

fn git_clean(dir: &Path) -> bool {
    let out = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(dir)
        .output()
        .unwrap();
    out.stdout.is_empty()
}

/// Runs `lint` (and `lint --fix --unsafe-fixes`) on one file; returns the JSON report.
fn lint_one(name: &str, bytes: &[u8]) -> (i32, serde_json::Value) {
    let dir = repo(&[("README", "x\n")]);
    std::fs::write(dir.path().join(name), bytes).unwrap();
    crate::common::git(dir.path(), &["add", "-A"]);
    crate::common::git(dir.path(), &["commit", "-qm", "input"]);
    let run = minipaas(dir.path(), &["lint", "--format", "json"]);
    assert!(matches!(run.code, 0..=2), "{name}: exit {} {}", run.code, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    let fix = minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes", "--quiet"]);
    assert!(matches!(fix.code, 0..=2) && !fix.stderr.contains("panicked"), "{name}: {}", fix.stderr);
    if run.code == 2 {
        assert!(git_clean(dir.path()), "{name}: --fix changed a file it could not read");
    }
    (run.code, serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{name}: {e}: {}", run.stdout)))
}

fn first_error(doc: &serde_json::Value) -> (String, Option<u64>, String) {
    let e = &doc["errors"][0];
    (
        e["path"].as_str().unwrap_or_default().to_string(),
        e["line"].as_u64(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn invalid_yaml_is_reported_with_file_and_line() {
    let cases: &[(&str, &[u8], u64)] = &[
        ("tab indentation", b"services:\n\tweb:\n\t\timage: x\n", 2),
        ("unclosed quote", b"services:\n  web:\n    image: \"nginx\n", 3),
        ("unclosed bracket", b"services:\n  web:\n    secrets: [a, b\n", 4),
        ("duplicate keys", b"services:\n  web:\n    image: a\n    image: b\n", 4),
    ];
    for (what, bytes, line) in cases {
        let (code, doc) = lint_one("compose.yaml", bytes);
        assert_eq!(code, 2, "{what}");
        let (path, at, message) = first_error(&doc);
        assert_eq!(path, "compose.yaml", "{what}");
        // The parser stops where it notices: at the line, or at the end just after it.
        assert!(at.is_some_and(|l| l >= 1 && l <= *line + 1), "{what}: line {at:?} ({message})");
        assert!(message.starts_with("invalid YAML"), "{what}: {message}");
    }
}

#[test]
fn valid_yaml_of_the_wrong_shape() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("a list", b"- a\n- b\n", "must be a mapping at the top level"),
        ("a scalar", b"just text\n", "must be a mapping at the top level"),
        ("services as a list", b"services:\n  - web\n", "`services` must be a mapping"),
        (
            "secrets as a mapping under a service",
            b"services:\n  web:\n    image: a\n    secrets:\n      db: {}\n",
            "`secrets` must be a list",
        ),
        (
            "environment as a scalar",
            b"services:\n  web:\n    image: a\n    environment: FOO=1\n",
            "`environment` must be a mapping or a list",
        ),
    ];
    for (what, bytes, expected) in cases {
        let (code, doc) = lint_one("compose.yaml", bytes);
        assert_eq!(code, 2, "{what}");
        let (_, line, message) = first_error(&doc);
        assert!(message.contains(expected) && line.is_some(), "{what}: {message}");
    }
    // Several documents are all read (compose-go merges them).
    let (code, doc) = lint_one(
        "compose.yaml",
        b"services:\n  web:\n    image: a\n    secrets: [s]\n---\nsecrets:\n  s:\n    external: true\n",
    );
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn encodings_sizes_and_binary() {
    let (code, doc) = lint_one("compose.yaml", b"\xEF\xBB\xBFservices:\r\n  web:\r\n    image: a\r\n");
    assert_eq!(code, 0, "a BOM and CRLF are fine: {doc}");
    let (code, doc) = lint_one("compose.yaml", b"services:\n  web:\n    image: \xC3\x28\n");
    assert_eq!(code, 2);
    assert_eq!(first_error(&doc).1, Some(3));
    assert!(first_error(&doc).2.contains("UTF-8"));
    let (code, doc) = lint_one("compose.yaml", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    assert_eq!(code, 2);
    assert!(first_error(&doc).2.contains("binary"));
    // 50 MB: refused by size, not read into memory.
    let big = vec![b'#'; 50 * 1024 * 1024];
    let (code, doc) = lint_one("compose.yaml", &big);
    assert_eq!(code, 2);
    assert!(first_error(&doc).2.contains("too large"), "{}", first_error(&doc).2);
}

#[test]
fn alias_bombs_and_deep_nesting_are_bounded() {
    // Billion laughs: nine levels of nine aliases. Aliases are never expanded.
    let mut bomb = String::from("x-a: &a [\"lol\"]\n");
    let mut prev = 'a';
    for c in 'b'..='j' {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        bomb.push_str(&format!("x-{c}: &{c} [{refs}]\n"));
        prev = c;
    }
    bomb.push_str("services:\n  web:\n    image: a\n    environment: *j\n");
    let started = std::time::Instant::now();
    let (code, doc) = lint_one("compose.yaml", bomb.as_bytes());
    assert!(started.elapsed().as_secs() < 60, "bounded time");
    assert_eq!(code, 2, "{doc}");
    // 10 000 levels of nesting: the parser's limit answers with a position.
    let deep = format!("services:\n  web:\n    image: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (code, doc) = lint_one("compose.yaml", deep.as_bytes());
    assert_eq!(code, 2);
    assert!(first_error(&doc).1.is_some());
    let deep_block: String = (0..10_000).map(|i| format!("{}k{i}:\n", " ".repeat(i % 200))).collect();
    let (code, _) = lint_one("compose.yaml", deep_block.as_bytes());
    assert!(matches!(code, 0 | 2));
}

#[test]
fn links_fifos_and_paths_outside() {
    let dir = repo(&[("README", "x\n")]);
    let d = dir.path();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "compose.yaml", "services:\n  web:\n    image: a\n    secrets: [x]\n");
    std::os::unix::fs::symlink(outside.path().join("compose.yaml"), d.join("compose.yaml")).unwrap();
    std::fs::create_dir_all(d.join("loop")).unwrap();
    std::os::unix::fs::symlink(d.join("loop"), d.join("loop/again")).unwrap();
    let fifo = d.join("docker-compose.yml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    write(d, "dev/minipaas.yaml", "compose:\n  files: [../../../etc/passwd, /etc/passwd]\n");
    let run = minipaas(d, &["lint", "--format", "json"]);
    assert_eq!(run.code, 2, "{} {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("outside the repository"), "{}", run.stdout);
    // The FIFO is never read (reading it would block), but it is reported, named or not.
    let run = minipaas(d, &["lint", "--format", "json", "docker-compose.yml"]);
    assert_eq!(run.code, 2, "{} {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("not a regular file"), "{}", run.stdout);
    let run = minipaas(d, &["lint", "--format", "json"]);
    assert!(
        run.stdout.contains("docker-compose.yml") && run.stdout.contains("not a regular file"),
        "{}",
        run.stdout
    );
    // A link to a file outside, once tracked, is reported and not read.
    crate::common::git(d, &["add", "compose.yaml"]);
    let run = minipaas(d, &["lint", "--format", "json"]);
    assert!(run.stdout.contains("a symbolic link to a file outside the repository"), "{}", run.stdout);
    assert!(!run.stdout.contains("MP001"), "its content was not linted: {}", run.stdout);
    // --fix never writes through a link that leaves the repository.
    let before = std::fs::read_to_string(outside.path().join("compose.yaml")).unwrap();
    minipaas(d, &["lint", "--fix", "--unsafe-fixes"]);
    assert_eq!(std::fs::read_to_string(outside.path().join("compose.yaml")).unwrap(), before);
}

#[test]
fn a_link_to_a_file_inside_the_repository_is_read() {
    let dir = repo(&[("shared/base.yaml", "services:\n  web:\n    image: a\n    secrets: [x]\n")]);
    let d = dir.path();
    std::os::unix::fs::symlink("shared/base.yaml", d.join("compose.yaml")).unwrap();
    crate::common::git(d, &["add", "compose.yaml"]);
    let run = minipaas(d, &["lint", "--format", "json"]);
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("MP001"), "the link's target was linted: {}", run.stdout);
}

#[test]
fn a_file_removed_after_listing_is_an_input_error() {
    let dir = repo(&[("compose.yaml", "services:\n  web:\n    image: a\n")]);
    let ws = minipaas::testing::Workspace::open(dir.path(), false).unwrap();
    std::fs::remove_file(dir.path().join("compose.yaml")).unwrap();
    let project = minipaas::testing::Project::load(&ws, &minipaas::testing::LoadOptions::default()).unwrap();
    // Either skipped (gone before the existence check) or reported: never a panic.
    assert!(project.errors.iter().all(|e| e.path == "compose.yaml"));
}

#[test]
fn invalid_names_are_reported_not_fixed_in() {
    let dir = repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: a\n    secrets:\n      - \"\"\n      - ../x\n      - ${UNSET}\n      - \"bad name\"\n",
    )]);
    let before = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    let run = minipaas(dir.path(), &["lint", "--fix", "--unsafe-fixes", "--format", "json"]);
    let after = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert_eq!(after, before, "nothing was declared: {}", run.stdout);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let undeclared = doc["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "MP001").count();
    assert_eq!(
        undeclared, 3,
        "``, `../x` and `bad name` are reported; `${{UNSET}}` is skipped: {}",
        run.stdout
    );
}

#[test]
fn dangling_and_looping_links_are_reported_and_diff_never_hides_a_problem() {
    let dir = repo(&[("ok.yml", "services:\n  web:\n    image: x\n    secrets: [s]\n")]);
    let d = dir.path();
    std::os::unix::fs::symlink("nowhere.yml", d.join("docker-compose.yml")).unwrap();
    std::os::unix::fs::symlink("loop.yml", d.join("compose.yaml")).unwrap();
    std::os::unix::fs::symlink("compose.yaml", d.join("loop.yml")).unwrap();
    crate::common::git(d, &["add", "-A"]);
    let run = minipaas(d, &["lint", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("a symbolic link to a file that does not exist"), "{}", run.stdout);
    assert!(run.stdout.contains("a symbolic link that loops"), "{}", run.stdout);
    // --diff shows the diff it can, says what it could not read, and exits 2.
    let run = minipaas(d, &["lint", "--diff"]);
    assert_eq!(run.code, 2, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("+secrets:") && run.stderr.contains("a symbolic link that loops"),
        "{} {}",
        run.stdout,
        run.stderr
    );
}
