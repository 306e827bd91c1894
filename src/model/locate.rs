//! Where a path written in a Compose file (`include`, `extends: file`) points, once
//! interpolated: a file of the repository, a remote Compose fetches, or nothing known.

use super::interp::{self, Vars};
use crate::discover::{Workspace, join_normalized};

/// Where a path written in a Compose file (`include`, `extends: file`) points.
pub(super) enum Located {
    /// A file the workspace has, root-relative.
    File(String),
    /// Compose fetches it from elsewhere.
    Remote(String),
    /// A variable in it has no value here.
    Unresolved,
    /// Not a file of the repository (as resolved).
    Missing(String),
}

/// Resolves a path written in a Compose file: interpolated with `vars`, relative to `base`.
pub(super) fn locate(ws: &Workspace, raw: &str, vars: &Vars, base: &str) -> Located {
    let Some(path) = interp::resolve(raw, vars) else { return Located::Unresolved };
    if is_remote(&path) {
        return Located::Remote(path);
    }
    let rel = if path.starts_with('/') {
        ws.relative(std::path::Path::new(&path))
    } else {
        join_normalized(base, &path)
    };
    match rel {
        Some(p) if ws.exists(&p) => Located::File(p),
        _ => Located::Missing(path),
    }
}

/// Includes Compose fetches from elsewhere (`git@…`, `https://…`, `oci://…`, `remote:…`).
fn is_remote(raw: &str) -> bool {
    let scheme = raw.split_once(':').map(|(s, _)| s);
    raw.starts_with("git@")
        || scheme.is_some_and(|s| {
            s.len() > 1 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_includes() {
        assert!(
            is_remote("oci://docker.io/x")
                && is_remote("remote:cycle/a.yaml")
                && is_remote("git@github.com:a/b.git")
        );
        assert!(!is_remote("../shared/a.yaml") && !is_remote("C:/a.yaml"));
    }
}
