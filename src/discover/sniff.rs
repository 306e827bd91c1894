//! Is this YAML file a Compose file? A lexical test on its bytes, run before any parsing, so
//! that a repository's thousands of other YAML files (Kubernetes manifests, CI workflows,
//! Ansible, Helm values) cost one read and a `memchr` each.
//!
//! A Compose file is a mapping whose top-level keys are the Compose Specification's top-level
//! elements (`version`, `name`, `include`, `services`, `networks`, `volumes`, `configs`,
//! `secrets`, `models`) or extensions (`x-…`, spec `11-extension.md`), with `services` among
//! them. Compose rejects any other top-level key, so a file with one (`apiVersion`, `kind`,
//! `jobs`, `on`, `hosts`…) is not a Compose file whatever else it holds. The parse that
//! follows checks that `services` is a mapping.

/// Top-level keys the Compose Specification defines.
const TOP_LEVEL: [&[u8]; 9] = [
    b"version",
    b"name",
    b"include",
    b"services",
    b"networks",
    b"volumes",
    b"configs",
    b"secrets",
    b"models",
];

/// What a YAML file's top level says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Compose's top-level keys only, `services` among them: a Compose file.
    Compose,
    /// Compose's top-level keys only, but no `services` (`secrets:` alone, an `include:`
    /// list): a part of a project, combined with other files, never a project alone.
    Part,
    /// Anything else.
    Other,
}

/// The shape of a YAML file, from its column-0 keys. Stops at the first key Compose does not
/// define, which for most other YAML files is the first line.
pub(crate) fn shape(bytes: &[u8]) -> Shape {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (mut services, mut other) = (false, false);
    for line in bytes.split(|&b| b == b'\n') {
        match top_level_key(line) {
            Line::Other => {}
            Line::Sequence => return Shape::Other,
            Line::Key(key) => {
                if key == b"services" {
                    services = true;
                } else if TOP_LEVEL.contains(&key) {
                    // `version` and `name` alone say nothing: many YAML files have them.
                    other |= !matches!(key, b"version" | b"name");
                } else if !key.starts_with(b"x-") {
                    return Shape::Other;
                }
            }
        }
    }
    match (services, other) {
        (true, _) => Shape::Compose,
        (false, true) => Shape::Part,
        (false, false) => Shape::Other,
    }
}

/// What a line says about the top level of its document.
enum Line<'a> {
    /// Indented, blank, a comment, a document marker or directive: nothing.
    Other,
    /// `- item` at column 0: the document is a sequence.
    Sequence,
    /// `key:` at column 0.
    Key(&'a [u8]),
}

fn top_level_key(line: &[u8]) -> Line<'_> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match line.first() {
        None | Some(b' ' | b'\t' | b'#' | b'%') => return Line::Other,
        Some(b'-') if line.starts_with(b"---") => return Line::Other,
        Some(b'.') if line.starts_with(b"...") => return Line::Other,
        Some(b'-') if matches!(line.get(1), None | Some(b' ' | b'\t')) => return Line::Sequence,
        _ => {}
    }
    let (key, rest) = match line[0] {
        q @ (b'"' | b'\'') => match memchr::memchr(q, &line[1..]) {
            Some(end) => (&line[1..=end], &line[end + 2..]),
            None => return Line::Other,
        },
        _ => match memchr::memchr(b':', line) {
            Some(colon) => (&line[..colon], &line[colon..]),
            None => return Line::Other,
        },
    };
    // `key:` then a space, a tab or the end of the line; anything else (`a:b`, a flow value
    // continued from the line above) is not a key at column 0.
    match rest {
        [b':'] => Line::Key(trim_end(key)),
        [b':', b' ' | b'\t', ..] => Line::Key(trim_end(key)),
        _ => Line::Other,
    }
}

fn trim_end(mut key: &[u8]) -> &[u8] {
    while let [head @ .., b' ' | b'\t'] = key {
        key = head;
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_files_by_content() {
        let yes = [
            "services:\n  web:\n    image: nginx\n",
            "\u{feff}version: '3.8'\nservices:\n  web: {}\nsecrets:\n  a:\n    external: true\n",
            "x-common: &c\n  restart: always\nservices:\n  web:\n    <<: *c\n",
            "# a stack\n---\nservices:\r\n  web:\r\n    image: a\r\n",
            "\"services\":\n  web:\n    image: a\n",
            "name: app\ninclude:\n  - a.yml\nservices: {}\n",
        ];
        for text in yes {
            assert_eq!(shape(text.as_bytes()), Shape::Compose, "{text:?}");
        }
        let no = [
            // Kubernetes: Compose rejects `apiVersion` and `kind`.
            "apiVersion: v1\nkind: Service\nservices:\n  a: 1\n",
            // A GitHub workflow's `services:` is nested under a job.
            "on: push\njobs:\n  test:\n    services:\n      db:\n        image: postgres\n",
            // Ansible: a list at the top.
            "- hosts: all\n  services:\n    web: {}\n",
            // Helm values with more than Compose's keys.
            "replicaCount: 1\nservices:\n  web:\n    port: 80\n",
            "volumes:\n  data: {}\n",
            "description: |\n  services:\n    web\n",
        ];
        for text in no {
            assert_ne!(shape(text.as_bytes()), Shape::Compose, "{text:?}");
        }
        assert_eq!(shape(b"secrets:\n  a:\n    external: true\n"), Shape::Part);
        assert_eq!(shape(b"include:\n  - a.yml\n"), Shape::Part);
        assert_eq!(shape(b"name: x\nversion: 2\n"), Shape::Other);
        assert_eq!(shape(b"on: push\nsecrets: {}\n"), Shape::Other);
    }
}
