//! What the integration tests, benchmarks and fuzz targets drive, re-exported in one place:
//! not a stable API (hidden from the docs), but the only door into the crate besides [`crate::run`].

pub use crate::commands::lint::lint_workspace;
pub use crate::commands::resource::{Backend, resource, versioned_name};
pub use crate::diagnostic::{Applicability, Finding, Severity};
pub use crate::discover::Workspace;
pub use crate::discover::gitindex::read as read_git_index;
pub use crate::fix::engine::{FixRun, fix};
pub use crate::fix::write::write_atomic;
pub use crate::model::compose::{Compose, ResourceKind};
pub use crate::model::yaml::Tree;
pub use crate::model::{InputError, LoadOptions, Project};
pub use crate::render::Format;
pub use crate::rules::{active, check_all};
pub use crate::secrets::Detector;
pub use crate::secrets::mask::mask;
pub use crate::settings::Settings;
pub use crate::swarm::{FakeSwarm, StackService, Swarm, labels};

/// Every rule's code, in order.
pub fn rule_codes() -> Vec<&'static str> {
    crate::rules::RULES.iter().map(|r| r.meta().code).collect()
}

/// Renders `findings` of `project` in `format` as `lint` does without fixes (plain text, values
/// masked with the built-in detectors and the project's known values).
pub fn render_findings(
    format: Format,
    project: &Project,
    findings: &[Finding],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let det = Detector::default();
    let scrubber = crate::secrets::mask::Scrubber::for_project(&det, project);
    let settings = Settings::default();
    let report = crate::render::Report {
        project,
        settings: &settings,
        findings,
        fixed: &[],
        fix_problems: &[],
        scrubber: &scrubber,
    };
    crate::render::render(format, &report, crate::render::TextOptions { color: false, quiet: true }, out)
}
