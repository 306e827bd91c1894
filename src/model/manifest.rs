//! `minipaas.yaml`: one env per file, in either the upstream schema (`project.files`, `api`,
//! `deploy`) or the fork's (`compose.files`, `docker`, `namespace`, `vars`).

use std::collections::BTreeMap;

use crate::model::compose::{ShapeError, Spanned};
use crate::model::yaml::{NodeId, Tree};

/// The names a manifest may have.
pub(crate) const MANIFEST_NAMES: [&str; 2] = ["minipaas.yaml", "minipaas.yml"];

/// Which schema a file list came from; it decides what paths are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `project.files`: relative to the directory MiniPaaS runs in (the repository root).
    Upstream,
    /// `compose.files`: relative to the env folder.
    Fork,
}

/// A parsed `minipaas.yaml`.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Compose files of the env, in deploy order, as written.
    pub files: Vec<Spanned>,
    /// Which schema the list came from.
    pub schema: Schema,
    /// Variables the env defines for interpolation (`vars`, `deploy.version`).
    pub vars: BTreeMap<String, String>,
    /// Where the env's Docker Engine is.
    pub endpoint: Endpoint,
    /// The fork's `namespace`: the stack name it deploys as (upstream's is always `minipaas`).
    pub namespace: Option<String>,
    /// Keys this tool does not know (reported as warnings).
    pub unknown: Vec<ShapeError>,
    /// Values of the wrong type (reported as errors).
    pub errors: Vec<ShapeError>,
}

/// The Docker endpoint settings of an env, in either schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// Upstream `api.local: true`: use the caller's Docker settings.
    pub local: bool,
    /// Upstream `api.host` or the fork's `docker.host`.
    pub host: Option<String>,
    /// Upstream `api.tls`: the folder (relative to the env folder) holding ca.pem, cert.pem, key.pem.
    pub tls: Option<String>,
}

/// Known keys of each section; `None` for a section whose content is free-form.
const SECTIONS: &[(&str, Option<&[&str]>)] = &[
    ("project", Some(&["files"])),
    ("api", Some(&["host", "tls", "local"])),
    ("deploy", Some(&["version"])),
    ("compose", Some(&["files"])),
    ("docker", Some(&["host"])),
    ("namespace", None),
    ("vars", None),
];

impl Manifest {
    /// Reads a manifest from its parsed tree.
    pub fn read(tree: &Tree) -> Manifest {
        let mut m = Manifest {
            files: Vec::new(),
            schema: Schema::Upstream,
            vars: BTreeMap::new(),
            endpoint: Endpoint::default(),
            namespace: None,
            unknown: Vec::new(),
            errors: Vec::new(),
        };
        let Some(&root) = tree.roots.first() else {
            return m;
        };
        if tree.is_null(root) {
            return m;
        }
        if !tree.is_map(root) {
            m.error(tree, root, "minipaas.yaml must be a mapping at the top level");
            return m;
        }
        for entry in tree.entries(root) {
            let key = tree.scalar(entry.key).unwrap_or_default();
            match SECTIONS.iter().find(|(name, _)| *name == key) {
                None => m.unknown(tree, entry.key, format!("unknown key `{key}` in minipaas.yaml")),
                Some((_, Some(known))) if !tree.is_null(entry.value) => {
                    if !tree.is_map(entry.value) {
                        m.error(tree, entry.value, &format!("`{key}` must be a mapping"));
                        continue;
                    }
                    for sub in tree.entries(entry.value) {
                        let name = tree.scalar(sub.key).unwrap_or_default();
                        if !known.contains(&name) {
                            m.unknown(tree, sub.key, format!("unknown key `{key}.{name}` in minipaas.yaml"));
                        }
                    }
                }
                _ => {}
            }
        }
        let upstream = tree.get(root, "project").and_then(|p| tree.get(p.value, "files"));
        let fork = tree.get(root, "compose").and_then(|p| tree.get(p.value, "files"));
        if let Some(list) = upstream.or(fork) {
            m.schema = if upstream.is_some() { Schema::Upstream } else { Schema::Fork };
            m.files = m.strings(tree, list.value, "files");
        }
        if let Some(version) = tree.get(root, "deploy").and_then(|d| tree.get(d.value, "version"))
            && let Some(v) = tree.scalar(version.value)
        {
            m.vars.insert("MINIPAAS_DEPLOY_VERSION".into(), v.into());
        }
        let field = |section: &str, key: &str| {
            tree.get(root, section)
                .and_then(|s| tree.get(s.value, key))
                .and_then(|e| tree.scalar(e.value))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        m.endpoint = Endpoint {
            local: field("api", "local").is_some_and(|v| matches!(v.as_str(), "true" | "True" | "yes")),
            host: field("api", "host").or_else(|| field("docker", "host")),
            tls: field("api", "tls"),
        };
        m.namespace = tree
            .get(root, "namespace")
            .and_then(|e| tree.scalar(e.value))
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        if let Some(vars) = tree.get(root, "vars")
            && !tree.is_null(vars.value)
        {
            if tree.is_map(vars.value) {
                for e in tree.entries(vars.value) {
                    if let (Some(k), Some(v)) = (tree.scalar(e.key), tree.scalar(e.value)) {
                        m.vars.insert(k.into(), v.into());
                    }
                }
            } else {
                m.error(tree, vars.value, "`vars` must be a mapping");
            }
        }
        m
    }

    fn strings(&mut self, tree: &Tree, list: NodeId, what: &str) -> Vec<Spanned> {
        if tree.is_null(list) {
            return Vec::new();
        }
        if !tree.is_seq(list) {
            self.error(tree, list, &format!("`{what}` must be a list of paths"));
            return Vec::new();
        }
        let mut out = Vec::new();
        for &item in tree.items(list) {
            match tree.scalar(item) {
                Some(v) if !v.is_empty() => {
                    out.push(Spanned { value: v.into(), span: tree.node(item).span.clone() })
                }
                _ => self.error(tree, item, &format!("each of `{what}` must be a path")),
            }
        }
        out
    }

    fn error(&mut self, tree: &Tree, id: NodeId, message: &str) {
        self.errors.push(ShapeError { message: message.into(), span: tree.node(id).span.clone() });
    }

    fn unknown(&mut self, tree: &Tree, id: NodeId, message: String) {
        self.unknown.push(ShapeError { message, span: tree.node(id).span.clone() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Manifest {
        Manifest::read(&Tree::parse(text).unwrap())
    }

    #[test]
    fn upstream_schema() {
        let m = read(
            "project:\n  files:\n  - compose.yaml\n  - dev/a.yml\napi:\n  local: true\ndeploy:\n  version: 0.1.0\n",
        );
        assert_eq!(m.schema, Schema::Upstream);
        assert_eq!(
            m.files.iter().map(|f| f.value.as_str()).collect::<Vec<_>>(),
            ["compose.yaml", "dev/a.yml"]
        );
        assert_eq!(m.vars["MINIPAAS_DEPLOY_VERSION"], "0.1.0");
        assert!(m.endpoint.local);
        assert!(m.unknown.is_empty() && m.errors.is_empty());
    }

    #[test]
    fn fork_schema_and_unknown_keys() {
        let m = read(
            "compose:\n  files: [a.yml]\ndocker:\n  host: ssh://x\n  port: 1\nnamespace: demo\nvars:\n  TAG: v1\nstack: x\n",
        );
        assert_eq!(m.schema, Schema::Fork);
        assert_eq!(m.vars["TAG"], "v1");
        assert_eq!(m.endpoint.host.as_deref(), Some("ssh://x"));
        assert_eq!(m.namespace.as_deref(), Some("demo"));
        let msgs: Vec<_> = m.unknown.iter().map(|u| u.message.as_str()).collect();
        assert_eq!(
            msgs,
            ["unknown key `docker.port` in minipaas.yaml", "unknown key `stack` in minipaas.yaml"]
        );
    }

    #[test]
    fn wrong_types_are_errors() {
        assert!(!read("project:\n  files: compose.yaml\n").errors.is_empty());
        assert!(!read("- a\n").errors.is_empty());
        assert!(!read("project: [a]\n").errors.is_empty());
    }
}
