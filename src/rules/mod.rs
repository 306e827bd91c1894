//! The rule registry: every rule's code, name, documentation and check, in one static list.
//!
//! A rule is a pure function of the parsed [`Project`]: it reads, never prints or does I/O,
//! and pushes [`Finding`]s with byte ranges. Renderers turn those into text, JSON and more.

use std::ops::Range;

use crate::finding::{FileId, Finding, FixPlan, Label, Severity};
use crate::fix::patch::{NewReference, Patcher, Unfixable};
use crate::fix::{Applicability, Fix};
use crate::model::compose::{ResourceKind, Service};
use crate::model::{Project, Unit};
use crate::settings::Settings;

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

/// What a rule is, for `minipaas rule`, `minipaas rules` and every output format.
#[derive(Debug)]
pub struct RuleMeta {
    /// `MP001`.
    pub code: &'static str,
    /// `undeclared-secret`: names the flagged pattern, not the remedy.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Markdown: What it does / Why is this bad? / Example / Use instead.
    pub doc: &'static str,
}

/// A lint rule. Most rules look at the project (`check`); the suppression rules look at what
/// the inline suppressions did once applied (`report`), and add findings of their own.
pub trait Rule: Sync {
    /// The rule's identity and documentation.
    fn meta(&self) -> &'static RuleMeta;
    /// Appends the rule's findings for the whole project.
    fn check(&self, _project: &Project, _settings: &Settings, _out: &mut Vec<Finding>) {}
    /// Appends the rule's findings about the suppression comments, once they were applied
    /// ([`crate::suppress::apply`]); it never changes another rule's findings.
    fn report(
        &self,
        _project: &Project,
        _suppressions: &[crate::suppress::Applied],
        _out: &mut Vec<Finding>,
    ) {
    }
}

/// Every rule, in code order.
pub static RULES: &[&dyn Rule] = &[
    &undeclared_secret::UndeclaredSecret,
    &undeclared_config::UndeclaredConfig,
    &unused_secret::UnusedSecret,
    &unused_config::UnusedConfig,
    &committed_secret_file::CommittedSecretFile,
    &literal_secret_env::LiteralSecretEnv,
    &secret_pattern::SecretPattern,
    &conflicting_secret_target::ConflictingSecretTarget,
    &file_env_without_secret::FileEnvWithoutSecret,
    &minipaas_missing_file::MinipaasMissingFile,
    &unused_suppression::UnusedSuppression,
    &suppression_without_reason::SuppressionWithoutReason,
    &password_hash::PasswordHash,
];

/// Finds a rule by code (`MP001`, any case) or name (`undeclared-secret`).
pub fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| {
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name
    })
}

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
pub fn check_some(project: &Project, settings: &Settings, wanted: impl Fn(&str) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let rules: Vec<&dyn Rule> = RULES.iter().copied().filter(|r| wanted(r.meta().code)).collect();
    if crate::cores() > 1 && project.files.len() >= 64 {
        // Rules are independent and pure: on a large project, run half of them (alternating,
        // so the heavy per-value rules land on different threads) beside the other half.
        let (a, b): (Vec<_>, Vec<_>) = rules.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let other = std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                let mut found = Vec::new();
                for (_, rule) in &b {
                    rule.check(project, settings, &mut found);
                }
                found
            });
            for (_, rule) in &a {
                rule.check(project, settings, &mut out);
            }
            // A rule that panics on the other thread panics here: never half the rules silently.
            handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
        });
        out.extend(other);
    } else {
        for rule in &rules {
            rule.check(project, settings, &mut out);
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
    let suppressions = crate::suppress::apply(project, &mut out);
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

/// Starts a finding of `meta` at `span` in `file`, found in `unit` (if any).
fn finding(
    meta: &'static RuleMeta,
    unit: Option<&Unit>,
    file: FileId,
    span: Range<usize>,
    note: &str,
    message: String,
) -> Finding {
    Finding {
        code: meta.code,
        name: meta.name,
        severity: meta.severity,
        message,
        primary: Label { file, span, note: note.into() },
        related: Vec::new(),
        help: None,
        env: unit.and_then(|u| u.env.clone()),
        units: unit.map(|u| vec![u.label.clone()]).unwrap_or_default(),
        fix: None,
        subject: String::new(),
        value_hash: None,
        suppressed: None,
    }
}

/// Starts a finding of a per-file rule: it names every unit that reads the file.
fn file_finding(
    meta: &'static RuleMeta,
    project: &Project,
    file: FileId,
    span: Range<usize>,
    note: &str,
    message: String,
) -> Finding {
    let mut f = finding(meta, first_unit(project, file), file, span, note, message);
    f.units = project.units_of(file).map(|u| u.label.clone()).collect();
    f
}

/// Each linted Compose file that parsed, with its view, tree and text: what the rules that
/// scan every value (MP007, MP013) walk.
pub(super) fn linted_compose(
    project: &Project,
) -> impl Iterator<Item = (FileId, &crate::model::compose::Compose, &crate::yaml::Tree, &str)> {
    // A `--history` step that built units again for a few changed files scans only those:
    // what these rules find depends on one file's text alone.
    let scanned =
        project.linted_files().into_iter().filter(|f| project.changed.as_ref().is_none_or(|c| c.contains(f)));
    scanned.filter_map(move |file| {
        let f = &project.files[file];
        Some((file, f.compose()?, f.tree.as_ref()?, f.text.as_str()))
    })
}

/// Runs `build` with a patcher for `file`, or explains why the file cannot be patched.
pub(crate) fn with_patcher<T>(
    project: &Project,
    file: FileId,
    build: impl FnOnce(&Patcher<'_>) -> Result<T, Unfixable>,
) -> Result<T, Unfixable> {
    let f = &project.files[file];
    let tree = f.tree.as_ref().ok_or_else(|| Unfixable(format!("{} did not parse", f.path)))?;
    let layout = f.layout(|| Patcher::learn(&f.text, tree));
    build(&Patcher::with_layout(&f.text, tree, layout))
}

/// Declares `name` as `external: true` in `file`; creating a section is isolated per pass.
fn declare_fix(
    project: &Project,
    file: FileId,
    kind: ResourceKind,
    name: &str,
    applicability: Applicability,
) -> Result<Fix, Unfixable> {
    if !crate::model::compose::valid_object_name(name) {
        return Err(Unfixable(format!("`{name}` is not a valid {} name", kind.noun())));
    }
    let (edits, created) = with_patcher(project, file, |p| p.declare_external(kind, name))?;
    let path = &project.files[file].path;
    Ok(Fix {
        title: format!("Declare {} `{name}` as external in {path}", kind.noun()),
        applicability,
        file,
        edits,
        isolation: created.then(|| format!("create-section:{path}:{}", kind.key())),
    })
}

/// The file where MiniPaaS would patch a service: the first file of the unit defining it,
/// preferring files inside the env folder (upstream MiniPaaS only patches those).
pub(crate) fn home_file(project: &Project, unit: &Unit, service: &str) -> Option<FileId> {
    let mut defs = project.services(unit).filter(|(_, s)| s.name.value == service).map(|(f, _)| f);
    let first = defs.next()?;
    let inside = |f: &FileId| {
        unit.dir
            .as_deref()
            .is_some_and(|d| !d.is_empty() && project.files[*f].path.starts_with(&format!("{d}/")))
    };
    Some(if inside(&first) { first } else { defs.find(inside).unwrap_or(first) })
}

/// Fixes that grant the secret mounted at `/run/secrets/<target>` to a service definition:
/// reference the declared secret with that name (or its only MiniPaaS version
/// `<target>.<hash8>`, mounted at `target`), declaring it external when nothing declares it.
fn grant_fixes(
    project: &Project,
    unit: &Unit,
    file: FileId,
    def: &Service,
    target: &str,
) -> Result<Vec<Fix>, Unfixable> {
    let kind = ResourceKind::Secret;
    let declared: Vec<String> =
        project.declarations(unit, kind).filter_map(|(_, d)| project.resolve(unit, &d.name.value)).collect();
    let versions: Vec<&String> =
        declared.iter().filter(|d| *d != target && crate::model::compose::is_version_of(d, target)).collect();
    let (source, mount) = match versions.as_slice() {
        _ if declared.iter().any(|d| d == target) => (target.to_string(), None),
        [only] => (only.to_string(), Some(target)),
        _ => (target.to_string(), None),
    };
    let node = def.node.ok_or_else(|| Unfixable(format!("service `{}` has no mapping", def.name.value)))?;
    let r = NewReference { source: &source, target: mount, long: false };
    let edits = with_patcher(project, file, |p| p.add_reference(node, &def.name.value, kind, &r))?;
    let title = format!("Grant secret `{source}` to service `{}`", def.name.value);
    let mut fixes = vec![Fix { title, applicability: Applicability::Unsafe, file, edits, isolation: None }];
    if !declared.contains(&source) {
        let home = home_file(project, unit, &def.name.value).unwrap_or(file);
        fixes.push(declare_fix(project, home, kind, &source, Applicability::Unsafe)?);
    }
    Ok(fixes)
}

/// A plan whose applicability is the weakest of its fixes (or `base` for display-only advice).
fn plan(title: String, base: Applicability, fixes: Vec<Fix>, note: Option<String>) -> FixPlan {
    let applicability = fixes.iter().map(|f| f.applicability).min().unwrap_or(base).min(base);
    FixPlan { title, applicability, fixes, note }
}

/// Sets the finding's fix, or adds to its help why there is none.
fn offer(f: &mut Finding, result: Result<FixPlan, Unfixable>) {
    match result {
        Ok(p) => f.fix = Some(p),
        Err(why) => {
            let line = format!("no automatic fix: {why}");
            f.help = Some(match f.help.take() {
                Some(h) => format!("{h}\n{line}"),
                None => line,
            });
        }
    }
}

/// The first unit a file belongs to, for the `env` of per-file findings.
fn first_unit(project: &Project, file: FileId) -> Option<&Unit> {
    project.units_of(file).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let mut codes = std::collections::HashSet::new();
        for (i, rule) in RULES.iter().enumerate() {
            let m = rule.meta();
            assert_eq!(m.code, format!("MP{:03}", i + 1), "codes are in order and never reused");
            assert!(codes.insert(m.code));
            assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{} is kebab-case", m.name);
            for prefix in ["use-", "avoid-", "prefer-", "do-not-", "consider-"] {
                assert!(!m.name.starts_with(prefix), "{} names the pattern, not the remedy", m.name);
            }
            for section in
                ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"]
            {
                assert!(m.doc.contains(section), "{} doc lacks {section}", m.code);
            }
            assert!(lookup(m.code).is_some() && lookup(m.name).is_some());
            assert!(lookup(&m.code.to_lowercase()).is_some());
        }
        assert!(lookup("MP999").is_none());
    }
}
