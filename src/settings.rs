//! The tool's own configuration: `.minipaas.toml` at the repository root (or `--config`),
//! layered as defaults < file < command line. Strict: unknown keys and unknown rule codes are
//! errors that point at the line in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Finding, Severity};
use crate::error::Error;
use crate::rules::registry::lookup;

/// The file name looked for at the repository root.
pub(crate) const CONFIG_NAME: &str = ".minipaas.toml";

/// A rule's level, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fails the run.
    Error,
    /// Shown, does not fail.
    Warning,
    /// Not reported.
    Off,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    lint: RawLint,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLint {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    level: BTreeMap<Spanned<String>, Level>,
    #[serde(default)]
    per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    project: Vec<RawProject>,
    #[serde(default)]
    credential_words: Vec<String>,
    #[serde(default)]
    allowed_values: Vec<String>,
}

/// One `[[lint.project]]`: Compose files deployed together.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawProject {
    files: Spanned<Vec<String>>,
    #[serde(default)]
    tool: Option<Spanned<String>>,
    #[serde(default)]
    env_file: Option<String>,
}

/// What to report and how, after layering.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Only these codes (all when `None`).
    pub select: Option<BTreeSet<&'static str>>,
    /// Never these codes.
    pub ignore: BTreeSet<&'static str>,
    /// Per-rule levels.
    pub levels: BTreeMap<&'static str, Level>,
    /// Codes silenced in files matching a glob (root-relative paths).
    pub per_file_ignores: Vec<(String, GlobMatcher, BTreeSet<&'static str>)>,
    /// Extra globs naming Compose files.
    pub include: Vec<String>,
    /// Globs of files never taken for Compose files.
    pub exclude: Vec<String>,
    /// Projects spelled out (`[[lint.project]]`).
    pub projects: Vec<crate::model::ProjectSpec>,
    /// Extra words that make a variable name a credential.
    pub credential_words: Vec<String>,
    /// Values never reported as secrets (placeholders such as `changeme`).
    pub allowed_values: Vec<String>,
    /// The file these came from, if any.
    pub source: Option<PathBuf>,
}

/// A code or name from the command line, checked against the registry.
pub(crate) fn code(s: &str) -> Result<&'static str, String> {
    lookup(s.trim())
        .map(|r| r.meta().code)
        .ok_or_else(|| format!("no rule `{}` (`minipaas rules` lists them)", s.trim()))
}

impl Settings {
    /// Reads `path`, or `.minipaas.toml` at `root` when it exists, or the defaults.
    pub fn load(path: Option<&Path>, root: &Path) -> Result<Settings, Error> {
        let file = match path {
            Some(p) => p.to_path_buf(),
            None if root.join(CONFIG_NAME).is_file() => root.join(CONFIG_NAME),
            None => return Ok(Settings::default()),
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Error::Path { path: file.clone(), message: e.to_string() })?;
        Self::parse(&text, &file)
    }

    /// Parses a config file's text.
    pub fn parse(text: &str, file: &Path) -> Result<Settings, Error> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = span.map(|s| crate::model::lines::line_col(text, s.start)).unwrap_or((1, 1));
            Error::Config { path: file.to_path_buf(), line, column, message }
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| at(e.span(), e.message().trim().to_string()))?;
        let lint = raw.lint;
        let code_at = |s: &Spanned<String>| code(s.get_ref()).map_err(|m| at(Some(s.span()), m));
        let glob_at = |g: &Spanned<String>| -> Result<String, Error> {
            GlobBuilder::new(g.get_ref())
                .build()
                .map_err(|e| at(Some(g.span()), format!("invalid glob: {e}")))?;
            Ok(g.get_ref().clone())
        };
        let mut projects = Vec::new();
        for p in &lint.project {
            if p.files.get_ref().is_empty() {
                return Err(at(Some(p.files.span()), "a project needs at least one file".into()));
            }
            let tool = match p.tool.as_ref().map(|t| (t.get_ref().as_str(), t.span())) {
                None | Some(("compose", _)) => crate::model::chains::Tool::Compose,
                Some(("stack", _)) => crate::model::chains::Tool::Stack,
                Some((other, span)) => {
                    return Err(at(Some(span), format!("unknown tool `{other}` (compose or stack)")));
                }
            };
            projects.push(crate::model::ProjectSpec {
                files: p.files.get_ref().clone(),
                tool,
                env_file: p.env_file.clone(),
            });
        }
        let mut settings = Settings {
            include: lint.include.iter().map(glob_at).collect::<Result<_, _>>()?,
            exclude: lint.exclude.iter().map(glob_at).collect::<Result<_, _>>()?,
            projects,
            credential_words: lint.credential_words.iter().map(|w| w.to_ascii_uppercase()).collect(),
            allowed_values: lint.allowed_values,
            source: Some(file.to_path_buf()),
            ..Settings::default()
        };
        if let Some(select) = &lint.select {
            settings.select = Some(select.iter().map(code_at).collect::<Result<_, _>>()?);
        }
        settings.ignore = lint.ignore.iter().map(code_at).collect::<Result<_, _>>()?;
        for (c, level) in &lint.level {
            settings.levels.insert(code_at(c)?, *level);
        }
        for (glob, codes) in &lint.per_file_ignores {
            let matcher = GlobBuilder::new(glob.get_ref())
                .literal_separator(true)
                .build()
                .map_err(|e| at(Some(glob.span()), format!("invalid glob: {e}")))?
                .compile_matcher();
            let codes = codes.iter().map(code_at).collect::<Result<_, _>>()?;
            settings.per_file_ignores.push((glob.get_ref().clone(), matcher, codes));
        }
        Ok(settings)
    }

    /// Applies `--select`/`--ignore` from the command line over the file.
    pub fn override_with(&mut self, select: &[String], ignore: &[String]) -> Result<(), Error> {
        let parse = |list: &[String]| -> Result<BTreeSet<&'static str>, Error> {
            list.iter()
                .flat_map(|s| s.split(','))
                .filter(|s| !s.trim().is_empty())
                .map(|s| code(s).map_err(Error::Usage))
                .collect()
        };
        if !select.is_empty() {
            self.select = Some(parse(select)?);
        }
        self.ignore.extend(parse(ignore)?);
        Ok(())
    }

    /// What the loader needs from this configuration, with the command line's `--include`s.
    pub fn load_options(
        &self,
        include: &[String],
        paths: Vec<String>,
        env: Option<String>,
    ) -> crate::model::LoadOptions {
        crate::model::LoadOptions {
            include: include.iter().chain(&self.include).cloned().collect(),
            exclude: self.exclude.clone(),
            projects: self.projects.clone(),
            paths,
            env,
        }
    }

    /// The secret detectors with this configuration's words and placeholders.
    pub fn detector(&self) -> crate::secrets::Detector {
        crate::secrets::Detector {
            extra_words: self.credential_words.clone(),
            allowed_values: self.allowed_values.clone(),
        }
    }

    /// The detectors for masking output: the configured words, but no placeholder exemptions
    /// (masking a placeholder costs nothing; not masking a real value would).
    pub fn redaction(&self) -> crate::secrets::Detector {
        crate::secrets::Detector { extra_words: self.credential_words.clone(), allowed_values: Vec::new() }
    }

    /// True when findings of this code are reported at all.
    pub fn enabled(&self, code: &str) -> bool {
        self.select.as_ref().is_none_or(|s| s.contains(code))
            && !self.ignore.contains(code)
            && self.levels.get(code) != Some(&Level::Off)
    }

    /// Drops disabled findings, applies levels, and marks findings in per-file-ignored paths
    /// as suppressed by configuration (kept, for SARIF's record of suppressions).
    pub fn apply(&self, findings: &mut Vec<Finding>, path_of: &dyn Fn(&Finding) -> String) {
        findings.retain(|f| self.enabled(f.code));
        for f in findings.iter_mut() {
            match self.levels.get(f.code) {
                Some(Level::Error) => f.severity = Severity::Error,
                Some(Level::Warning) => f.severity = Severity::Warning,
                _ => {}
            }
            if f.suppressed.is_none() {
                let path = path_of(f);
                if let Some((glob, ..)) = self
                    .per_file_ignores
                    .iter()
                    .find(|(_, m, codes)| codes.contains(f.code) && m.is_match(&path))
                {
                    let from = self.source.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                    f.suppressed = Some(crate::diagnostic::Suppression::external(format!(
                        "per-file-ignores `{glob}` in {from}"
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, Error> {
        Settings::parse(text, Path::new(".minipaas.toml"))
    }

    #[test]
    fn reads_every_key_by_code_or_name() {
        let s = parse(
            "[lint]\nselect = [\"MP001\", \"unused-secret\"]\nignore = [\"MP007\"]\ninclude = [\"deploy/*.yml\"]\ncredential-words = [\"pin\"]\nallowed-values = [\"changeme\"]\n[lint.level]\nMP003 = \"error\"\n[lint.per-file-ignores]\n\"legacy/**\" = [\"literal-secret-env\"]\n",
        )
        .unwrap();
        assert_eq!(s.select.unwrap().into_iter().collect::<Vec<_>>(), ["MP001", "MP003"]);
        assert!(s.ignore.contains("MP007"));
        assert_eq!(s.levels["MP003"], Level::Error);
        assert!(s.per_file_ignores[0].1.is_match("legacy/a/compose.yaml"));
        assert_eq!(s.credential_words, ["PIN"]);
        let s = parse(
            "[lint]\nexclude = [\"k8s/**\"]\n[[lint.project]]\nfiles = [\"a.yml\", \"b.yml\"]\ntool = \"stack\"\n[[lint.project]]\nfiles = [\"c.yml\"]\nenv-file = \"c.env\"\n",
        )
        .unwrap();
        assert_eq!(s.exclude, ["k8s/**"]);
        assert_eq!(s.projects.len(), 2);
        assert_eq!(s.projects[0].tool, crate::model::chains::Tool::Stack);
        assert_eq!(s.projects[1].env_file.as_deref(), Some("c.env"));
        let err = parse("[[lint.project]]\nfiles = []\n").unwrap_err();
        assert!(matches!(&err, Error::Config { line: 2, .. }), "{err}");
        let err = parse("[[lint.project]]\nfiles = [\"a\"]\ntool = \"helm\"\n").unwrap_err();
        assert!(matches!(&err, Error::Config { line: 3, .. }), "{err}");
        let err = parse("[lint]\ninclude = [\"a/[\"]\n").unwrap_err();
        assert!(matches!(&err, Error::Config { line: 2, .. }), "{err}");
    }

    #[test]
    fn errors_point_at_the_line() {
        let err = parse("[lint]\nselect = [\"MP001\",\n  \"MP999\"]\n").unwrap_err();
        match err {
            Error::Config { line, column, message, .. } => {
                assert_eq!((line, column), (3, 3));
                assert!(message.contains("MP999"), "{message}");
            }
            e => panic!("{e}"),
        }
        let err = parse("[lint]\nselekt = []\n").unwrap_err();
        assert!(
            matches!(&err, Error::Config { line: 2, message, .. } if message.contains("selekt")),
            "{err}"
        );
        let err = parse("[lint.level]\nMP001 = \"loud\"\n").unwrap_err();
        assert!(matches!(&err, Error::Config { line: 2, .. }), "{err}");
    }
}
