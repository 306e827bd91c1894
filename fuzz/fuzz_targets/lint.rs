//! Fuzzes a whole lint of one Compose file: load, every rule, every renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minipaas::testing::{LoadOptions, Project};
use minipaas::testing::Format;
use minipaas::testing::Workspace;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("compose.yaml"), data).is_err() {
        return;
    }
    let ws = Workspace::with_tracked(dir.path(), Default::default());
    let Ok(project) = Project::load(&ws, &LoadOptions::default()) else { return };
    let findings = minipaas::testing::check_all(&project, &Default::default());
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Github] {
        let _ = minipaas::testing::render_findings(format, &project, &findings, &mut Vec::new());
    }
});
