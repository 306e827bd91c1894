//! The GitHub Action's script, run locally with the environment GitHub gives it.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::repo;

struct Ran {
    out: Output,
    summary: String,
    outputs: String,
}

fn action(dir: &Path, inputs: &[(&str, &str)]) -> Ran {
    let gh = tempfile::tempdir().unwrap();
    let summary = gh.path().join("summary.md");
    let outputs = gh.path().join("output");
    let mut cmd = Command::new("bash");
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh"))
        .current_dir(dir)
        .env("MINIPAAS_BIN", env!("CARGO_BIN_EXE_minipaas"))
        .env("ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", dir);
    for (k, v) in inputs {
        cmd.env(format!("INPUT_{k}"), v);
    }
    let out = cmd.output().unwrap();
    Ran {
        out,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
    }
}

const BAD: &str = "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: hunter2\n    secrets: [x]\nsecrets:\n  x:\n    external: true\n  unused:\n    external: true\n";

#[test]
fn annotations_sarif_summary_and_failure() {
    let dir = repo(&[("compose.yaml", BAD)]);
    let ran = action(
        dir.path(),
        &[
            ("PATH", "."),
            ("FORMAT", "github"),
            ("FAIL_ON", "error"),
            ("SARIF_FILE", "out.sarif"),
            ("ARGS", "--no-color"),
        ],
    );
    assert_eq!(ran.out.status.code(), Some(1), "{}", String::from_utf8_lossy(&ran.out.stderr));
    let log = String::from_utf8_lossy(&ran.out.stdout);
    assert!(log.contains("::error file=compose.yaml,line=5"), "{log}");
    assert!(log.contains("::warning file=compose.yaml,line=10"), "{log}");
    assert!(ran.outputs.contains("sarif-file=out.sarif"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        ran.summary.contains("| error | MP006 literal-secret-env | `compose.yaml:5` |"),
        "{}",
        ran.summary
    );
    assert!(ran.summary.contains("| warning | MP003 unused-secret |"), "{}", ran.summary);
    for shown in
        [&log.to_string(), &ran.summary, &std::fs::read_to_string(dir.path().join("out.sarif")).unwrap()]
    {
        assert!(!shown.contains("hunter2"));
    }
}

#[test]
fn fail_on_levels() {
    let warn_only =
        repo(&[("compose.yaml", "services:\n  a:\n    image: a\nsecrets:\n  unused:\n    external: true\n")]);
    assert_eq!(action(warn_only.path(), &[("FAIL_ON", "error")]).out.status.code(), Some(0));
    assert_eq!(action(warn_only.path(), &[("FAIL_ON", "warning")]).out.status.code(), Some(1));
    let bad = repo(&[("compose.yaml", BAD)]);
    assert_eq!(action(bad.path(), &[("FAIL_ON", "never")]).out.status.code(), Some(0));
    let clean = repo(&[("compose.yaml", "services:\n  a:\n    image: a\n")]);
    let ran = action(clean.path(), &[("FAIL_ON", "warning")]);
    assert_eq!(ran.out.status.code(), Some(0));
    assert!(ran.summary.contains("No problems found"));
    assert_eq!(action(clean.path(), &[("FAIL_ON", "sometimes")]).out.status.code(), Some(2));
}

#[test]
fn inputs_are_data_not_code() {
    let dir = repo(&[("compose.yaml", "services:\n  a:\n    image: a\n")]);
    let ran = action(
        dir.path(),
        &[("ENV", "$(touch pwned)"), ("ARGS", "--quiet; touch pwned2"), ("SARIF_FILE", "")],
    );
    assert!(!dir.path().join("pwned").exists() && !dir.path().join("pwned2").exists());
    assert_eq!(ran.out.status.code(), Some(2), "an unknown env is a usage error");
    assert!(!ran.outputs.contains("sarif-file"));
}
