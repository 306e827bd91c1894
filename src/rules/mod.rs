//! The rules: one file per rule (its code, name and documentation in [`rule::rule!`], its
//! check beside them), the [`registry`] listing them, and [`check_all`], which runs them,
//! applies the configuration and the inline suppressions ([`suppress`]), in that order.
//!
//! A rule is a pure function of the parsed [`Project`]: it reads, never prints or does I/O,
//! and pushes [`Finding`]s with byte ranges. Renderers turn those into text, JSON and more.

use crate::diagnostic::Finding;
use crate::model::Project;
use crate::settings::Settings;

mod helpers;
pub(crate) mod registry;
pub(crate) mod rule;
pub(crate) mod suppress;

mod committed_secret_file;
mod conflicting_secret_target;
mod file_env_without_secret;
mod literal_secret_env;
mod minipaas_missing_file;
mod password_hash;
mod secret_pattern;
mod suppression_without_reason;
mod undeclared_config;
mod undeclared_secret;
mod unused_config;
mod unused_secret;
mod unused_suppression;

pub(crate) use registry::{RULES, lookup};
pub(crate) use rule::Rule;

/// Runs every rule and returns the findings sorted, each place reported once per rule: a
/// finding several units (or anchors, or services extending one definition) produce at one
/// span is one finding that names every unit. The configuration is applied and inline
/// suppressions marked. Suppressed findings are kept (SARIF records them); everything else
/// skips them.
pub fn check_all(project: &Project, settings: &Settings) -> Vec<Finding> {
    check_some(project, settings, |_| true)
}

/// [`check_all`] with only the rules whose code `wanted` accepts (the suppression rules still
/// report on every suppression).
pub(crate) fn check_some(
    project: &Project,
    settings: &Settings,
    wanted: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let detector = settings.detector();
    let rules: Vec<&dyn Rule> = RULES.iter().copied().filter(|r| wanted(r.meta().code)).collect();
    if crate::cores() > 1 && project.files.len() >= 64 {
        // Rules are independent and pure: on a large project, run half of them (alternating,
        // so the heavy per-value rules land on different threads) beside the other half.
        let (a, b): (Vec<_>, Vec<_>) = rules.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let other = std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                let mut found = Vec::new();
                for (_, rule) in &b {
                    rule.check(project, &detector, &mut found);
                }
                found
            });
            for (_, rule) in &a {
                rule.check(project, &detector, &mut out);
            }
            // A rule that panics on the other thread panics here: never half the rules silently.
            handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
        });
        out.extend(other);
    } else {
        for rule in &rules {
            rule.check(project, &detector, &mut out);
        }
    }
    // Stable: of the findings at one place, the first unit's comes first and is kept.
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup_by(|later, kept| {
        let same = kept.code == later.code
            && kept.primary.file == later.primary.file
            && kept.primary.span == later.primary.span;
        if same {
            for unit in later.units.drain(..) {
                if !kept.units.contains(&unit) {
                    kept.units.push(unit);
                }
            }
        }
        same
    });
    let path_of = |f: &Finding| project.files[f.primary.file].path.clone();
    settings.apply(&mut out, &path_of);
    // Inline suppressions, in one place, after every rule; then the findings about them.
    let code_of = |c: &str| lookup(c).map(|r| r.meta().code);
    let suppressions = suppress::apply(project, &mut out, &code_of);
    for rule in RULES {
        rule.report(project, &suppressions, &mut out);
    }
    settings.apply(&mut out, &path_of);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// The findings that count: not suppressed.
pub fn active(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings.iter().filter(|f| f.suppressed.is_none())
}
