//! One Compose file's typed view: services, their secret/config references, environment and
//! env files, and the top-level declarations, each with the byte range it is written at.
//!
//! Names are kept as written (`${VAR}` included); a [`crate::model::Unit`] resolves them,
//! because the variables come from the project the file is deployed in.

use std::ops::Range;

use crate::yaml::{Entry, NodeId, Tree};

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
pub fn valid_object_name(name: &str) -> bool {
    let ok_end = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    name.len() <= 64
        && ok_end(name.chars().next())
        && ok_end(name.chars().last())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
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

/// A scalar value anywhere in the file, with enough context for the pattern rules.
#[derive(Debug, Clone)]
pub struct ScalarValue {
    /// The key node it is the value of (`None` for list items).
    pub key: Option<NodeId>,
    /// The scalar node (its text is read from the tree when a rule needs it).
    pub value: NodeId,
    /// True when it sits in an `environment:` mapping or list (MP006's territory).
    pub in_environment: bool,
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
        let mut reader = Reader { tree, text, errors: Vec::new(), out: Compose::default() };
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

struct Reader<'a> {
    tree: &'a Tree,
    text: &'a str,
    errors: Vec<ShapeError>,
    out: Compose,
}

impl Reader<'_> {
    fn spanned(&self, id: NodeId) -> Option<Spanned> {
        let value = self.tree.scalar(id)?;
        Some(Spanned { value: value.to_string(), span: self.tree.node(id).span.clone() })
    }

    fn error(&mut self, id: NodeId, message: String) {
        self.errors.push(ShapeError { message, span: self.tree.node(id).span.clone() });
    }

    /// The value of `key`, if it is a mapping (null counts as absent; anything else is an error).
    fn map_at(&mut self, parent: NodeId, key: &str, what: &str) -> Option<NodeId> {
        let entry = self.tree.get(parent, key)?;
        if self.tree.is_null(entry.value) {
            return None;
        }
        if !self.tree.is_map(entry.value) {
            self.error(entry.value, format!("`{what}` must be a mapping"));
            return None;
        }
        Some(entry.value)
    }

    fn document(&mut self, root: NodeId) {
        if self.tree.is_null(root) {
            return;
        }
        if !self.tree.is_map(root) {
            self.error(root, "a Compose file must be a mapping at the top level".into());
            return;
        }
        self.scan_scalars(root);
        if let Some(services) = self.map_at(root, "services", "services") {
            for entry in self.tree.entries(services) {
                self.service(entry);
            }
        }
        for kind in [ResourceKind::Secret, ResourceKind::Config] {
            if let Some(section) = self.map_at(root, kind.key(), kind.key()) {
                for entry in self.tree.entries(section) {
                    if let Some(decl) = self.declaration(entry, kind) {
                        match kind {
                            ResourceKind::Secret => self.out.secrets.push(decl),
                            ResourceKind::Config => self.out.configs.push(decl),
                        }
                    }
                }
            }
        }
        if let Some(volumes) = self.tree.get(root, "volumes").filter(|v| self.tree.is_map(v.value)) {
            for volume in self.tree.entries(volumes.value) {
                let spec =
                    self.tree.get(volume.value, "x-cluster-spec").filter(|_| self.tree.is_map(volume.value));
                let Some(secrets) = spec.and_then(|s| self.tree.get(s.value, "secrets")) else { continue };
                if self.tree.is_seq(secrets.value) {
                    for &item in self.tree.items(secrets.value).to_vec().iter() {
                        if self.tree.is_map(item)
                            && let Some(name) =
                                self.tree.get(item, "secret").and_then(|e| self.spanned(e.value))
                        {
                            self.out.volume_secrets.push(name);
                        }
                    }
                }
            }
        }
        if let Some(include) = self.tree.get(root, "include") {
            for item in self.list(include.value, "include") {
                let span = self.tree.node(item).span.clone();
                let entry = if let Some(path) = self.spanned(item) {
                    Include { paths: vec![path], project_directory: None, env_files: Vec::new(), span }
                } else if self.tree.is_map(item) {
                    let paths = self.strings(item, "path", "include path");
                    let project_directory =
                        self.tree.get(item, "project_directory").and_then(|e| self.spanned(e.value));
                    let env_files = self.strings(item, "env_file", "include env_file");
                    Include { paths, project_directory, env_files, span }
                } else {
                    self.error(item, "an `include` entry must be a path or a mapping with `path`".into());
                    continue;
                };
                self.out.includes.push(entry);
            }
        }
    }

    /// A value that is one string or a list of strings (`include`'s `path` and `env_file`).
    fn strings(&mut self, map: NodeId, key: &str, what: &str) -> Vec<Spanned> {
        let Some(entry) = self.tree.get(map, key) else { return Vec::new() };
        if let Some(one) = self.spanned(entry.value) {
            return vec![one];
        }
        self.list(entry.value, what).into_iter().filter_map(|i| self.spanned(i)).collect()
    }

    /// Items of a list value; a scalar counts as a one-item list where Compose allows it.
    fn list(&mut self, id: NodeId, what: &str) -> Vec<NodeId> {
        if self.tree.is_null(id) {
            Vec::new()
        } else if self.tree.is_seq(id) {
            self.tree.items(id).to_vec()
        } else if self.tree.scalar(id).is_some() && what == "env_file" {
            vec![id]
        } else {
            self.error(id, format!("`{what}` must be a list"));
            Vec::new()
        }
    }

    fn service(&mut self, entry: Entry) {
        let Some(name) = self.spanned(entry.key) else {
            return;
        };
        if name.value.starts_with("x-") {
            return;
        }
        let node = entry.value;
        let mut service = Service { name, node: Some(node), ..Service::default() };
        if self.tree.is_null(node) {
            self.out.services.push(service);
            return;
        }
        if !self.tree.is_map(node) {
            self.error(node, format!("service `{}` must be a mapping", service.name.value));
            return;
        }
        service.image = self.tree.get(node, "image").and_then(|e| self.spanned(e.value));
        for kind in [ResourceKind::Secret, ResourceKind::Config] {
            if let Some(list) = self.tree.get(node, kind.key()) {
                let refs = self.references(list.value, kind, false);
                match kind {
                    ResourceKind::Secret => service.secrets.extend(refs),
                    ResourceKind::Config => service.configs.extend(refs),
                }
            }
        }
        if let Some(build) = self.tree.get(node, "build")
            && self.tree.is_map(build.value)
            && let Some(list) = self.tree.get(build.value, "secrets")
        {
            let refs = self.references(list.value, ResourceKind::Secret, true);
            service.secrets.extend(refs);
        }
        if let Some(env) = self.tree.get(node, "environment") {
            service.environment = self.environment(env.value);
        }
        if let Some(files) = self.tree.get(node, "env_file") {
            for item in self.list(files.value, "env_file") {
                let path = if self.tree.is_map(item) {
                    self.tree.get(item, "path").and_then(|p| self.spanned(p.value))
                } else {
                    self.spanned(item)
                };
                service.env_files.extend(path);
            }
        }
        if let Some(ext) = self.tree.get(node, "extends") {
            service.extends = if let Some(name) = self.spanned(ext.value) {
                Some(Extends { service: name, file: None })
            } else {
                let svc = self.tree.get(ext.value, "service").and_then(|e| self.spanned(e.value));
                let file = self.tree.get(ext.value, "file").and_then(|e| self.spanned(e.value));
                if svc.is_none() {
                    self.error(ext.value, "`extends` needs `service`".into());
                }
                svc.map(|service| Extends { service, file })
            };
        }
        self.out.services.push(service);
    }

    fn references(&mut self, list: NodeId, kind: ResourceKind, build: bool) -> Vec<Reference> {
        let what = if build { "build.secrets" } else { kind.key() };
        let mut out = Vec::new();
        for item in self.list(list, what) {
            let span = self.tree.node(item).span.clone();
            if let Some(source) = self.spanned(item) {
                out.push(Reference { source, target: None, item: span, node: item, build });
            } else if self.tree.is_map(item) {
                match self.tree.get(item, "source").and_then(|e| self.spanned(e.value)) {
                    Some(source) => {
                        let target = self.tree.get(item, "target").and_then(|e| self.spanned(e.value));
                        out.push(Reference { source, target, item: span, node: item, build });
                    }
                    None => self.error(item, format!("a `{what}` entry in long syntax needs `source`")),
                }
            } else {
                self.error(item, format!("a `{what}` entry must be a name or a mapping with `source`"));
            }
        }
        out
    }

    fn environment(&mut self, id: NodeId) -> Vec<EnvVar> {
        let mut out = Vec::new();
        if self.tree.is_map(id) {
            for entry in self.tree.entries(id) {
                let Some(key) = self.spanned(entry.key) else {
                    continue;
                };
                let value = if self.tree.is_null(entry.value) { None } else { self.spanned(entry.value) };
                let verbatim =
                    value.as_ref().is_some_and(|v| self.text.get(v.span.clone()) == Some(v.value.as_str()));
                out.push(EnvVar { key, value, verbatim, item: None });
            }
        } else if self.tree.is_seq(id) {
            for &item in self.tree.items(id).to_vec().iter() {
                let Some(whole) = self.spanned(item) else {
                    self.error(item, "each `environment` entry in list form must be `KEY=value` text".into());
                    continue;
                };
                let verbatim = self.text.get(whole.span.clone()) == Some(whole.value.as_str());
                let (k, v) = match whole.value.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (whole.value.clone(), None),
                };
                let at = |from: usize, len: usize| {
                    if verbatim {
                        whole.span.start + from..whole.span.start + from + len
                    } else {
                        whole.span.clone()
                    }
                };
                let key = Spanned { span: at(0, k.len()), value: k.clone() };
                let value = v.map(|v| Spanned { span: at(k.len() + 1, v.len()), value: v });
                out.push(EnvVar { key, value, verbatim, item: Some(whole.span.clone()) });
            }
        } else if !self.tree.is_null(id) {
            self.error(id, "`environment` must be a mapping or a list".into());
        }
        out
    }

    fn declaration(&mut self, entry: Entry, kind: ResourceKind) -> Option<Declaration> {
        let name = self.spanned(entry.key)?;
        let node = entry.value;
        let key_span = self.tree.node(entry.key).span.clone();
        let value_span = self.tree.node(node).span.clone();
        let entry_span = key_span.start..value_span.end.max(key_span.end);
        let mut decl = Declaration {
            name,
            file: None,
            environment: None,
            content: None,
            external: false,
            real_name: None,
            entry: entry_span,
        };
        if self.tree.is_null(node) {
            return Some(decl);
        }
        if !self.tree.is_map(node) {
            self.error(node, format!("top-level {} `{}` must be a mapping", kind.noun(), decl.name.value));
            return None;
        }
        let field = |r: &Self, key: &str| r.tree.get(node, key).and_then(|e| r.spanned(e.value));
        decl.file = field(self, "file");
        decl.environment = field(self, "environment");
        decl.content = field(self, "content");
        decl.real_name = field(self, "name");
        if let Some(ext) = self.tree.get(node, "external") {
            if self.tree.is_map(ext.value) {
                decl.external = true;
                if let Some(n) = self.tree.get(ext.value, "name").and_then(|e| self.spanned(e.value)) {
                    decl.real_name = Some(n);
                }
            } else {
                decl.external = matches!(self.tree.scalar(ext.value), Some("true" | "True" | "TRUE" | "yes"));
            }
        }
        Some(decl)
    }

    /// Collects every scalar value (not keys) with the key it sits under, for pattern rules.
    fn scan_scalars(&mut self, root: NodeId) {
        // (node, the key node it is the value of, whether the collection holding it is the
        // value of an `environment` key). Node ids only: text is read when a rule needs it.
        let mut stack: Vec<(NodeId, Option<NodeId>, bool)> = vec![(root, None, false)];
        let mut seen = vec![false; self.tree.node_count()];
        while let Some((id, key, in_environment)) = stack.pop() {
            let id = self.tree.resolve(id);
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            let is_env = key.is_some_and(|k| self.tree.scalar(k) == Some("environment"));
            if self.tree.scalar(id).is_some() {
                self.out.scalars.push(ScalarValue { key, value: id, in_environment });
            } else if self.tree.is_seq(id) {
                for &item in self.tree.items(id).iter().rev() {
                    stack.push((item, None, is_env));
                }
            } else if self.tree.is_map(id) {
                for entry in self.tree.entries(id).iter().rev() {
                    stack.push((entry.value, Some(entry.key), is_env));
                }
            }
        }
        self.out.scalars.sort_by_key(|s| self.tree.node(s.value).span.start);
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
