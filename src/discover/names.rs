//! What a file may be, judged by its path alone: the first and cheapest test of discovery,
//! run over every path of a repository that may hold a hundred thousand of them.

use std::sync::LazyLock;

use globset::{Glob, GlobSet, GlobSetBuilder};

/// File names that are Compose files whatever their content (the fast path of discovery),
/// matched against the file name alone. Not `stack.yaml`: Haskell's Stack has that name too
/// (a Swarm `stack.yml` is found by its content).
pub(crate) const COMPOSE_GLOBS: &[&str] = &[
    "compose.{yml,yaml}",
    "compose.*.{yml,yaml}",
    "*.compose.{yml,yaml}",
    "docker-compose*.{yml,yaml}",
    "docker-stack*.{yml,yaml}",
    "*-stack.{yml,yaml}",
];

/// The names a `minipaas.yaml` may have.
pub(crate) const MANIFEST_NAMES: [&str; 2] = ["minipaas.yaml", "minipaas.yml"];

/// What a path may hold, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `minipaas.yaml`.
    Manifest,
    /// A Compose file by name.
    ComposeName,
    /// Any other YAML file: a Compose file if its content says so, else maybe a CI workflow
    /// that combines Compose files.
    Yaml,
    /// A Makefile, shell or PowerShell script, justfile or Jenkinsfile: may combine Compose
    /// files on a command line.
    Script,
    /// A `.env` file: variables for interpolation, and maybe `COMPOSE_FILE`.
    DotEnv,
}

static COMPOSE_NAMES: LazyLock<GlobSet> = LazyLock::new(|| {
    let mut builder = GlobSetBuilder::new();
    for g in COMPOSE_GLOBS {
        // The patterns are constants that compile (a unit test checks them).
        if let Ok(glob) = Glob::new(g) {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
});

/// The file name of a root-relative path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// True when the file name is a YAML file's.
pub(crate) fn is_yaml(name: &[u8]) -> bool {
    name.ends_with(b".yml") || name.ends_with(b".yaml")
}

/// True when the file name is a script's that may run Compose.
fn is_script(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 7] =
        [b"Makefile", b"makefile", b"GNUmakefile", b"justfile", b"Justfile", b".justfile", b"Jenkinsfile"];
    const EXTS: [&[u8]; 5] = [b".sh", b".bash", b".ps1", b".mk", b".zsh"];
    NAMES.contains(&name) || EXTS.iter().any(|e| name.ends_with(e))
}

/// A file with no extension in a folder where projects keep their scripts (`bin/deploy`,
/// `scripts/up`): a shell script, most likely.
fn is_bare_script(path: &str) -> bool {
    const FOLDERS: [&str; 7] = ["bin", "script", "scripts", "ci", "deploy", "tools", "hack"];
    let name = file_name(path);
    let folder = file_name(path.strip_suffix(name).unwrap_or("").trim_end_matches('/'));
    !name.contains('.') && !name.is_empty() && FOLDERS.contains(&folder)
}

/// True when a file with this name is worth a look (the walk for untracked files keeps only
/// these): YAML, scripts and `.env`.
pub(crate) fn interesting(name: &[u8]) -> bool {
    is_yaml(name) || name == b".env" || is_script(name)
}

/// What the path may hold, or `None` when discovery has no use for it.
pub(crate) fn classify(path: &str) -> Option<Kind> {
    let name = file_name(path);
    let bytes = name.as_bytes();
    if is_yaml(bytes) {
        Some(if MANIFEST_NAMES.contains(&name) {
            Kind::Manifest
        } else if COMPOSE_NAMES.is_match(name) {
            Kind::ComposeName
        } else {
            Kind::Yaml
        })
    } else if bytes == b".env" {
        Some(Kind::DotEnv)
    } else if is_script(bytes) || is_bare_script(path) {
        Some(Kind::Script)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_names() {
        for g in COMPOSE_GLOBS {
            assert!(Glob::new(g).is_ok(), "{g}");
        }
        for yes in [
            "compose.yaml",
            "compose.yml",
            "compose.prod.yaml",
            "app.compose.yml",
            "docker-compose.yml",
            "docker-compose-dev.yml",
            "docker-stack.yml",
            "web-stack.yaml",
        ] {
            assert_eq!(classify(&format!("a/{yes}")), Some(Kind::ComposeName), "{yes}");
        }
        for other in
            ["values.yaml", "mycompose.yaml", "stacks/registry.yml", ".github/workflows/ci.yml", "stack.yaml"]
        {
            assert_eq!(classify(other), Some(Kind::Yaml), "{other}");
        }
        assert_eq!(classify("dev/minipaas.yaml"), Some(Kind::Manifest));
        assert_eq!(classify("compose.json"), None);
        assert_eq!(classify("deploy/run.sh"), Some(Kind::Script));
        assert_eq!(classify("Makefile"), Some(Kind::Script));
        assert_eq!(classify("bin/deploy"), Some(Kind::Script));
        assert_eq!(classify("src/deploy"), None);
        assert_eq!(classify("app/.env"), Some(Kind::DotEnv));
        assert_eq!(classify("app/.env.example"), None);
        assert!(!interesting(b"main.rs") && interesting(b"x.yaml") && interesting(b"Makefile"));
    }
}
