//! Root-relative paths: `/`-separated, normalised lexically, never leaving the root.

use std::path::{Component, Path};

/// A relative path with `/` separators.
pub(crate) fn to_slash(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Joins `rel` onto the folder `base` (both root-relative) and removes `.` and `..`
/// lexically; `None` when the result would leave the root or `rel` is absolute.
pub(crate) fn join_normalized(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The folder part of a root-relative path (`""` for the root).
pub(crate) fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// True when `path` is `given` or lies under the folder `given` (`""` is the root).
pub(crate) fn under(path: &str, given: &str) -> bool {
    given.is_empty() || path == given || path.strip_prefix(given).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside_the_root() {
        assert_eq!(join_normalized("dev", "./a.yml").as_deref(), Some("dev/a.yml"));
        assert_eq!(join_normalized("dev", "../a.yml").as_deref(), Some("a.yml"));
        assert_eq!(join_normalized("dev", "../../etc/passwd"), None);
        assert_eq!(join_normalized("", "x/./y/../z").as_deref(), Some("x/z"));
        assert_eq!(parent("a/b/c.yml"), "a/b");
        assert_eq!(parent("c.yml"), "");
        assert!(under("dev/a.yml", "dev") && under("a.yml", "") && !under("devx/a.yml", "dev"));
    }
}
