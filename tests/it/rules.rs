//! Every rule against its fixtures: `bad/` must produce the rule's findings (snapshotted as
//! a user sees them), `good/` must produce none of them.

use crate::common::{codes, fixtures, minipaas, repo_from};
use minipaas::testing::rule_codes;

/// Values planted in the bad fixtures that no output may ever show.
const PLANTED: &[&str] = &[
    "hunter2",
    "abc123def",
    "dev-only-secret",
    "s3cretpw",
    "ghp_0123456789",
    "q8Zr3LmX0vT7kPw2Yb9NcF4hJd6Sg1Ae",
    "MIIEvQIBADAN",
    "s3cr3t-value",
];

#[test]
fn every_rule_has_both_fixtures_and_no_orphans() {
    let mut dirs: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("MP"))
        .collect();
    dirs.sort();
    let codes: Vec<String> = rule_codes().iter().map(|c| c.to_string()).collect();
    assert_eq!(dirs, codes);
    for code in codes {
        assert!(fixtures().join(&code).join("bad").is_dir(), "{code}/bad");
        assert!(fixtures().join(&code).join("good").is_dir(), "{code}/good");
    }
}

/// `bad/` reports the rule, never shows a planted value in any format, exits 1 when a finding
/// is an error; its text, JSON and `--diff --unsafe-fixes` outputs are snapshotted.
fn bad(code: &str) {
    let repo = repo_from(&fixtures().join(code).join("bad"));
    let json = minipaas(repo.path(), &["lint", "--format", "json"]);
    let found: Vec<_> = codes(&json).into_iter().filter(|(c, ..)| c == code).collect();
    assert!(!found.is_empty(), "{code}/bad produced no {code}: {}", json.stdout);
    let text = minipaas(repo.path(), &["lint", "--no-color"]);
    let sarif = minipaas(repo.path(), &["lint", "--format", "sarif"]);
    let github = minipaas(repo.path(), &["lint", "--format", "github"]);
    let diff = minipaas(repo.path(), &["lint", "--diff", "--unsafe-fixes"]);
    for value in PLANTED {
        for (format, run) in
            [("text", &text), ("json", &json), ("sarif", &sarif), ("github", &github), ("diff", &diff)]
        {
            let shown = format!("{}{}", run.stdout, run.stderr);
            assert!(!shown.contains(value), "{code}: {format} output shows a secret value {value}:\n{shown}");
        }
    }
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let any_error = doc["findings"].as_array().unwrap().iter().any(|f| f["severity"] == "error");
    assert_eq!(json.code, if any_error { 1 } else { 0 }, "{code} exit code");
    insta::assert_snapshot!(format!("{code}_bad"), text.stdout);
    insta::assert_snapshot!(format!("{code}_bad_json"), json.stdout);
    insta::assert_snapshot!(format!("{code}_bad_diff"), diff.stdout);
}

/// `good/` does not report the rule.
fn good(code: &str) {
    let repo = repo_from(&fixtures().join(code).join("good"));
    let json = minipaas(repo.path(), &["lint", "--format", "json"]);
    let found: Vec<_> = codes(&json).into_iter().filter(|(c, ..)| c == code).collect();
    assert!(found.is_empty(), "{code}/good produced {found:?}: {}", json.stdout);
}

/// One module per rule, each with its own tests, so one rule failing hides no other.
macro_rules! rule_tests {
    ($($module:ident => $code:literal),* $(,)?) => {
        $(
            mod $module {
                #[test]
                fn bad_fixture_reports_the_rule() {
                    super::bad($code);
                }

                #[test]
                fn good_fixture_does_not_report_it() {
                    super::good($code);
                }
            }
        )*

        #[test]
        fn every_rule_is_tested_here() {
            let tested = [$($code),*];
            let rules: Vec<&str> = rule_codes();
            assert_eq!(tested.as_slice(), rules.as_slice(), "add the new rule to rule_tests!");
        }
    };
}

rule_tests!(
    mp001 => "MP001",
    mp002 => "MP002",
    mp003 => "MP003",
    mp004 => "MP004",
    mp005 => "MP005",
    mp006 => "MP006",
    mp007 => "MP007",
    mp008 => "MP008",
    mp009 => "MP009",
    mp010 => "MP010",
    mp011 => "MP011",
    mp012 => "MP012",
    mp013 => "MP013",
);
