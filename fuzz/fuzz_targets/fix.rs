//! Fuzzes the fix engine: apply every fix (unsafe ones too), then the result must parse if
//! the input did, and a second run must change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minipaas::testing::Applicability;
use minipaas::testing::LoadOptions;
use minipaas::testing::Workspace;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("compose.yaml"), text).is_err() {
        return;
    }
    let mut ws = Workspace::with_tracked(dir.path(), Default::default());
    let Ok(run) = minipaas::testing::fix(&mut ws, &LoadOptions::default(), &Default::default(), Applicability::Unsafe) else { return };
    for change in &run.changes {
        assert!(minipaas::testing::Tree::parse(&change.after).is_ok(), "a fix produced invalid YAML");
    }
    if run.problems.is_empty() {
        let Ok(again) = minipaas::testing::fix(&mut ws, &LoadOptions::default(), &Default::default(), Applicability::Unsafe) else { return };
        assert!(again.changes.is_empty(), "a second run changed more");
    }
});
