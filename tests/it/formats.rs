//! The machine formats: SARIF (checked with Microsoft's official validator), GitHub
//! annotations, and their fingerprints and suppressions.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{minipaas, repo, write};

const FILE: &str = "services:\n  api:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: hunter2\n      API_TOKEN: dev-token  # minipaas: ignore[MP006] local stack only\n    secrets:\n      - source: db.267da420\n        target: db\n      - source: db.9f86d081\n        target: db\n      - missing\nsecrets:\n  db.267da420:\n    external: true\n  db.9f86d081:\n    external: true\n";

fn project() -> tempfile::TempDir {
    repo(&[
        ("compose.yaml", FILE),
        (
            "legacy/compose.yaml",
            "services:\n  x:\n    image: a\n    environment:\n      DB_PASSWORD: legacy\n",
        ),
        ("broken/compose.yaml", "services: [\n"),
        (".minipaas.toml", "[lint.per-file-ignores]\n\"legacy/**\" = [\"MP006\"]\n"),
    ])
}

/// The SARIF validator, installed by scripts/test (npm `@microsoft/sarif-multitool`).
fn validator() -> PathBuf {
    let path = std::env::var_os("SARIF_MULTITOOL").map(PathBuf::from).expect(
        "set SARIF_MULTITOOL to the sarif-multitool binary (scripts/test installs @microsoft/sarif-multitool with npm)",
    );
    assert!(path.exists(), "{} does not exist", path.display());
    path
}

#[test]
fn sarif_is_valid_per_the_official_validator() {
    let dir = project();
    let run = minipaas(dir.path(), &["lint", "--format", "sarif"]);
    assert_eq!(run.code, 2, "the broken file makes it an input error: {}", run.stderr);
    let log = dir.path().join("out.sarif");
    std::fs::write(&log, &run.stdout).unwrap();
    let report = dir.path().join("validation.sarif");
    let out = Command::new(validator()).args(["validate", "-o"]).arg(&report).arg(&log).output().unwrap();
    assert!(out.status.success(), "validator failed: {}", String::from_utf8_lossy(&out.stderr));
    let validation: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let problems: Vec<String> = validation["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error" || r["level"] == "warning")
        .map(|r| format!("{} {}: {}", r["level"], r["ruleId"], r["message"]["text"]))
        .collect();
    assert!(problems.is_empty(), "SARIF validation: {problems:#?}");
    assert!(
        !run.stdout.contains("hunter2")
            && !run.stdout.contains("dev-token")
            && !run.stdout.contains("legacy\"")
    );
}

#[test]
fn sarif_records_rules_fingerprints_suppressions_and_fixes() {
    let dir = project();
    let sarif = |dir: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&minipaas(dir, &["lint", "--format", "sarif"]).stdout).unwrap()
    };
    let doc = sarif(dir.path());
    let run = &doc["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        minipaas::testing::rule_codes().len()
    );
    assert!(run["tool"]["driver"]["rules"][0]["help"]["text"].as_str().unwrap().contains("## What it does"));
    let results = run["results"].as_array().unwrap();
    let by_rule = |id: &str| results.iter().filter(|r| r["ruleId"] == id).collect::<Vec<_>>();
    let suppressed: Vec<&str> =
        results.iter().filter_map(|r| r["suppressions"][0]["kind"].as_str()).collect();
    assert_eq!(suppressed.len(), 2, "inline and per-file: {results:#?}");
    assert!(suppressed.contains(&"inSource") && suppressed.contains(&"external"));
    assert!(by_rule("MP008")[0]["fixes"][0]["artifactChanges"][0]["replacements"].is_array());
    assert_eq!(by_rule("MP008")[0]["relatedLocations"][0]["message"]["text"], "first mounted here");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    // Fingerprints do not move with lines.
    let fingerprints = |doc: &serde_json::Value| -> Vec<String> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["minipaas/v1"].as_str().unwrap().to_string())
            .collect()
    };
    let before = fingerprints(&doc);
    // The fingerprint is sha256(code, path, subject) as version 1 computed it: code scanning
    // keeps its alerts across upgrades.
    let mp008 = by_rule("MP008")[0];
    let path = mp008["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    let digest = {
        use sha2::{Digest, Sha256};
        let subject = "api/db";
        let d = Sha256::digest(format!("MP008\0{path}\0{subject}").as_bytes());
        d.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>()
    };
    assert_eq!(mp008["partialFingerprints"]["minipaas/v1"], digest.as_str());
    write(dir.path(), "compose.yaml", &format!("# a new first line\n\n{FILE}"));
    let after = fingerprints(&sarif(dir.path()));
    assert_eq!(before, after);
}

#[test]
fn github_annotations() {
    let dir = project();
    let run = minipaas(dir.path(), &["lint", "--format", "github"]);
    insta::assert_snapshot!(run.stdout);
    assert!(!run.stdout.contains("hunter2"));
}

#[test]
fn suppressions_only_count_in_the_files_being_linted() {
    let dir = repo(&[
        (
            "a/compose.yaml",
            "services:\n  x:\n    image: a\n    environment:\n      # minipaas: ignore[MP006] dev only\n      DB_PASSWORD: pw\n",
        ),
        ("b/compose.yaml", "services:\n  y:\n    image: b\n"),
    ]);
    let run = minipaas(dir.path(), &["lint", "--format", "json", "b"]);
    assert_eq!(run.code, 0);
    assert!(crate::common::codes(&run).is_empty(), "{}", run.stdout);
}
