//! Fuzzes a whole lint of one Compose file: load, every rule, every renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minipaas::testing::{LoadOptions, Project};
use minipaas::testing::{Format, Report, TextOptions, render};
use minipaas::testing::Workspace;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("compose.yaml"), data).is_err() {
        return;
    }
    let ws = Workspace::with_tracked(dir.path(), Default::default());
    let Ok(project) = Project::load(&ws, &LoadOptions::default()) else { return };
    let findings = minipaas::testing::check_all(&project, &Default::default());
    let det = minipaas::testing::Detector::default();
    let scrubber = minipaas::testing::Scrubber::for_project(&det, &project);
    let report = Report {
        project: &project,
        settings: &Default::default(),
        findings: &findings,
        fixed: &[],
        fix_problems: &[],
        scrubber: &scrubber,
    };
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Github] {
        let mut out = Vec::new();
        let _ = render(format, &report, TextOptions { color: false, quiet: false }, &mut out);
    }
});
