//! One Compose file's typed view: services, their secret/config references, environment and
//! env files, and the top-level declarations, each with the byte range it is written at.
//!
//! Names are kept as written (`${VAR}` included); a [`crate::model::Unit`] resolves them,
//! because the variables come from the project the file is deployed in.

use std::ops::Range;

mod read;

use crate::model::yaml::{NodeId, Tree};

/// Secrets or configs: the two kinds of resource the rules and commands treat alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// Swarm secrets.
    Secret,
    /// Swarm configs.
    Config,
}

impl ResourceKind {
    /// The Compose key: `secrets` or `configs`.
    pub fn key(self) -> &'static str {
        match self {
            ResourceKind::Secret => "secrets",
            ResourceKind::Config => "configs",
        }
    }

    /// The singular noun for messages.
    pub fn noun(self) -> &'static str {
        match self {
            ResourceKind::Secret => "secret",
            ResourceKind::Config => "config",
        }
    }

    /// Where a reference lands when it names no target, to compare targets.
    pub fn normalize_target(self, target: &str) -> String {
        match self {
            ResourceKind::Secret => target.strip_prefix("/run/secrets/").unwrap_or(target).to_string(),
            ResourceKind::Config => target.trim_start_matches('/').to_string(),
        }
    }
}

/// True when Swarm accepts `name` for a secret or config: 1 to 64 characters, letters and
/// digits at both ends, `-`, `_` and `.` inside.
pub(crate) fn valid_object_name(name: &str) -> bool {
    let ok_end = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    name.len() <= 64
        && ok_end(name.chars().next())
        && ok_end(name.chars().last())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// True when `name` is `base` or one of MiniPaaS's versions of it, `base.<8 hex>`: the first 8
/// lowercase hex digits of the value's SHA-256, as MiniPaaS writes them (`db.ABCDEF12` is a
/// name of its own).
pub(crate) fn is_version_of(name: &str, base: &str) -> bool {
    name == base || name.strip_prefix(base).and_then(|r| r.strip_prefix('.')).is_some_and(is_version_suffix)
}

/// A MiniPaaS versioned name split into its base and version (`db.1a2b3c4d` → `db`,
/// `1a2b3c4d`); `None` for a name that is no version.
pub(crate) fn split_version(name: &str) -> Option<(&str, &str)> {
    name.rsplit_once('.').filter(|(_, hash)| is_version_suffix(hash))
}

/// True for the 8 lowercase hex digits of a MiniPaaS version suffix.
pub(crate) fn is_version_suffix(hash: &str) -> bool {
    hash.len() == 8 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A string value and where it is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spanned {
    /// The decoded value.
    pub value: String,
    /// Byte range in the file.
    pub span: Range<usize>,
}

/// A service's use of a secret or config.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The top-level name it refers to, as written.
    pub source: Spanned,
    /// The mount target, when the long syntax gives one.
    pub target: Option<Spanned>,
    /// The whole list item.
    pub item: Range<usize>,
    /// The list item's node, for edits.
    pub node: NodeId,
    /// True when this comes from `build.secrets`.
    pub build: bool,
}

impl Reference {
    /// The target the mount ends up at, normalized for comparison.
    pub fn effective_target(&self, kind: ResourceKind) -> String {
        let raw = self.target.as_ref().unwrap_or(&self.source);
        kind.normalize_target(&raw.value)
    }
}

/// One `environment` entry.
#[derive(Debug, Clone)]
pub struct EnvVar {
    /// The variable name.
    pub key: Spanned,
    /// The value, if one is written (`KEY` alone in list form, or `KEY:` with no value, have none).
    pub value: Option<Spanned>,
    /// True when the decoded value is the source text byte for byte, so sub-ranges are exact.
    pub verbatim: bool,
    /// For the list form (`- KEY=value`), the whole item.
    pub item: Option<Range<usize>>,
}

/// A service, as written in this file.
#[derive(Debug, Clone, Default)]
pub struct Service {
    /// The service name.
    pub name: Spanned,
    /// `image:`.
    pub image: Option<Spanned>,
    /// `credential_spec: {config: NAME}`: a config Swarm hands to the service (Windows gMSA).
    pub credential_config: Option<Spanned>,
    /// `secrets: !reset …` or `configs: !override …`: the list replaces, or clears, what earlier
    /// files set instead of merging with it (spec `13-merge.md`).
    pub merge_tags: Vec<(ResourceKind, crate::model::yaml::MergeTag)>,
    /// `secrets:` (short and long syntax) and `build.secrets`.
    pub secrets: Vec<Reference>,
    /// `configs:`.
    pub configs: Vec<Reference>,
    /// `environment:` in map or list form.
    pub environment: Vec<EnvVar>,
    /// `env_file:` paths.
    pub env_files: Vec<Spanned>,
    /// `extends:`.
    pub extends: Option<Extends>,
    /// The service's mapping node.
    pub node: Option<NodeId>,
}

impl Service {
    /// The references of one kind.
    pub fn refs(&self, kind: ResourceKind) -> &[Reference] {
        match kind {
            ResourceKind::Secret => &self.secrets,
            ResourceKind::Config => &self.configs,
        }
    }
}

/// A service's `extends:` (spec `05-services.md`, `extends`): the service it builds on and,
/// when that service is in another file, the file (relative to this one).
#[derive(Debug, Clone)]
pub struct Extends {
    /// `service:` (or the whole value, in the short form `extends: name`).
    pub service: Spanned,
    /// `file:`.
    pub file: Option<Spanned>,
}

/// One `include:` entry (spec `14-include.md`): short syntax is a path; long syntax a `path`
/// (one or a list, merged), a `project_directory` and `env_file`s.
#[derive(Debug, Clone)]
pub struct Include {
    /// The Compose files to load, relative to the including file.
    pub paths: Vec<Spanned>,
    /// Where the included files' relative paths start (default: the first path's folder).
    pub project_directory: Option<Spanned>,
    /// Files giving the included files' variables (default: `.env` in the project directory).
    pub env_files: Vec<Spanned>,
    /// The whole entry.
    pub span: Range<usize>,
}

/// A top-level secret or config declaration.
#[derive(Debug, Clone)]
pub struct Declaration {
    /// The key.
    pub name: Spanned,
    /// `file:`.
    pub file: Option<Spanned>,
    /// `environment:`.
    pub environment: Option<Spanned>,
    /// `content:`.
    pub content: Option<Spanned>,
    /// `external: true` or the old `external: {name: x}`.
    pub external: bool,
    /// `name:` (or the old `external.name`): the object's real name.
    pub real_name: Option<Spanned>,
    /// The whole entry, key to end of value.
    pub entry: Range<usize>,
}

impl Declaration {
    /// The Swarm object this declaration stands for when `docker stack deploy` deploys it as
    /// `stack`: its `name:` (given here interpolated, `real`) as is; else the key itself when
    /// external, and `<stack>_<key>` when the deploy creates it (docker/cli's stack convert
    /// scopes the objects it creates with the stack's namespace).
    pub fn swarm_object(&self, key: &str, real: Option<&str>, stack: &str) -> String {
        match (real, self.external) {
            (Some(real), _) => real.to_string(),
            (None, true) => key.to_string(),
            (None, false) => format!("{stack}_{key}"),
        }
    }
}

/// A scalar value anywhere in the file, with enough context for the pattern rules.
#[derive(Debug, Clone)]
pub struct ScalarValue {
    /// The key node it is the value of (`None` for list items).
    pub key: Option<NodeId>,
    /// The scalar node (its text is read from the tree when a rule needs it).
    pub value: NodeId,
    /// True when it sits in an `environment:` mapping or list (MP006's territory).
    pub in_environment: bool,
    /// True when it sits in a `build.args` mapping or list.
    pub in_args: bool,
    /// For a list item, the list and its index (`["redis-cli", "-a", "x"]` is read as one
    /// command line).
    pub item: Option<(NodeId, usize)>,
}

/// A shape problem: valid YAML that Compose would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Range<usize>,
}

/// The typed view of one Compose file (all its documents).
#[derive(Debug, Clone, Default)]
pub struct Compose {
    /// Services in source order.
    pub services: Vec<Service>,
    /// Top-level `secrets:`.
    pub secrets: Vec<Declaration>,
    /// Top-level `configs:`.
    pub configs: Vec<Declaration>,
    /// `include:` entries.
    pub includes: Vec<Include>,
    /// Secrets that top-level volumes use: Swarm cluster volumes name them in
    /// `x-cluster-spec.secrets[].secret` (docker/cli `cli/compose/types`, `ClusterVolumeSpec`).
    pub volume_secrets: Vec<Spanned>,
    /// Every scalar value (not keys), for the pattern rules.
    pub scalars: Vec<ScalarValue>,
}

impl Compose {
    /// The declarations of one kind.
    pub fn decls(&self, kind: ResourceKind) -> &[Declaration] {
        match kind {
            ResourceKind::Secret => &self.secrets,
            ResourceKind::Config => &self.configs,
        }
    }

    /// Reads the typed view from a parsed file; shape problems are returned beside it.
    pub fn read(tree: &Tree, text: &str) -> (Compose, Vec<ShapeError>) {
        let mut reader = read::Reader { tree, text, errors: Vec::new(), out: Compose::default() };
        for &root in &tree.roots {
            reader.document(root);
        }
        let mut out = reader.out;
        // Thousands of these stay alive for the whole run: hand back what doubling reserved.
        out.scalars.shrink_to_fit();
        out.services.shrink_to_fit();
        (out, reader.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Compose, Vec<ShapeError>) {
        let tree = Tree::parse(text).unwrap();
        Compose::read(&tree, text)
    }

    #[test]
    fn reads_short_long_build_and_declarations() {
        let text = "services:\n  web:\n    image: nginx\n    secrets:\n      - a\n      - source: b\n        target: /run/secrets/bee\n    build:\n      secrets: [c]\n    configs: [cfg]\n    environment:\n      - DB_PASSWORD=hunter2\n      - EMPTY\nsecrets:\n  a:\n    file: ./a.txt\n  b:\n    external:\n      name: real_b\nconfigs:\n  cfg:\n    content: hi\n";
        let (c, errors) = read(text);
        assert!(errors.is_empty(), "{errors:?}");
        let web = &c.services[0];
        let names: Vec<_> = web.secrets.iter().map(|r| r.source.value.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(web.secrets[2].build);
        assert_eq!(web.secrets[1].effective_target(ResourceKind::Secret), "bee");
        assert_eq!(&text[web.environment[0].value.as_ref().unwrap().span.clone()], "hunter2");
        assert!(web.environment[1].value.is_none());
        assert_eq!(c.secrets[0].file.as_ref().unwrap().value, "./a.txt");
        assert!(c.secrets[1].external);
        assert_eq!(c.secrets[1].real_name.as_ref().unwrap().value, "real_b");
        assert_eq!(c.configs[0].content.as_ref().unwrap().value, "hi");
    }

    #[test]
    fn swarm_names() {
        assert!(valid_object_name("db_password.267da420"));
        assert!(valid_object_name("a"));
        for bad in ["", "../x", ".x", "x.", "a b", "${X}", &"a".repeat(65)] {
            assert!(!valid_object_name(bad), "{bad}");
        }
    }

    #[test]
    fn shape_errors_point_at_the_value() {
        let (_, errors) = read("services:\n  web:\n    secrets:\n      a: 1\n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("must be a list"));
        let (_, errors) = read("services:\n  - web\n");
        assert!(errors[0].message.contains("mapping"));
        let (_, errors) = read("- a\n");
        assert!(errors[0].message.contains("top level"));
    }
}
