//! Reading a Compose file's typed view from its span tree: services and their references,
//! environment and env files, `extends`, `include`, top-level declarations, and every scalar
//! value for the pattern rules, with the shape problems Compose would reject.

use super::*;
use crate::model::yaml::{Entry, NodeId, Tree};

pub(super) struct Reader<'a> {
    pub(super) tree: &'a Tree,
    pub(super) text: &'a str,
    pub(super) errors: Vec<ShapeError>,
    pub(super) out: Compose,
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

    pub(super) fn document(&mut self, root: NodeId) {
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
        service.credential_config = self
            .tree
            .get(node, "credential_spec")
            .filter(|e| self.tree.is_map(e.value))
            .and_then(|e| self.tree.get(e.value, "config"))
            .and_then(|e| self.spanned(e.value));
        for kind in [ResourceKind::Secret, ResourceKind::Config] {
            if let Some(list) = self.tree.get(node, kind.key()) {
                if let Some(tag) = self.tree.merge_tag(list.value) {
                    service.merge_tags.push((kind, tag));
                }
                if self.tree.merge_tag(list.value) == Some(crate::model::yaml::MergeTag::Reset) {
                    // `!reset`: the value is ignored (spec `13-merge.md`).
                    continue;
                }
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
        // (node, the key node it is the value of, the collection holding it, its list and
        // index). Node ids only: text is read when a rule needs it.
        let mut stack: Vec<Pending> = vec![(root, None, Within::Other, None)];
        let mut seen = vec![false; self.tree.node_count()];
        while let Some((id, key, within, item)) = stack.pop() {
            let id = self.tree.resolve(id);
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            let inner = match key.and_then(|k| self.tree.scalar(k)) {
                Some("environment") => Within::Environment,
                Some("args") => Within::Args,
                _ => Within::Other,
            };
            if self.tree.scalar(id).is_some() {
                self.out.scalars.push(ScalarValue {
                    key,
                    value: id,
                    in_environment: within == Within::Environment,
                    in_args: within == Within::Args,
                    item,
                });
            } else if self.tree.is_seq(id) {
                for (i, &item) in self.tree.items(id).iter().enumerate().rev() {
                    stack.push((item, None, inner, Some((id, i))));
                }
            } else if self.tree.is_map(id) {
                for entry in self.tree.entries(id).iter().rev() {
                    stack.push((entry.value, Some(entry.key), inner, None));
                }
            }
        }
        self.out.scalars.sort_by_key(|s| self.tree.node(s.value).span.start);
    }
}

/// A node waiting to be scanned: the node, the key it is the value of, whether it is in an
/// `environment`, and its list and index when it is a list item.
type Pending = (NodeId, Option<NodeId>, Within, Option<(NodeId, usize)>);

/// The collection a scalar sits in, when the rules treat it apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    Other,
    Environment,
    Args,
}
