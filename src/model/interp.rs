//! Compose variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR:?err}`, `$$`), as the
//! Compose Specification defines it (`12-interpolation.md`), as far as a linter needs it.
//!
//! Names are resolved only against variables the repository itself defines (the project's
//! committed `.env`, an `include`'s `env_file`, minipaas.yaml `vars` and `deploy.version`),
//! never the caller's environment, so a lint gives the same answer on every machine. A name
//! that cannot be resolved becomes a [`Name::Pattern`]: the rules treat it as "some name that
//! looks like this", never as a name of its own.

use std::collections::BTreeMap;

/// Variable names to values.
pub(crate) type Vars = BTreeMap<String, String>;

/// A piece of a scalar: literal text, or a variable reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text as written (`$$` already turned into `$`), with its byte range in the decoded value.
    Literal(String, std::ops::Range<usize>),
    /// `$VAR` or `${VAR[op arg]}`.
    Var {
        /// The variable name.
        name: String,
        /// `:-`, `-`, `:?`, `?`, `:+`, `+`, or empty.
        op: String,
        /// The text after the operator, as written.
        arg: String,
        /// Byte range of `arg` in the decoded value.
        arg_range: std::ops::Range<usize>,
    },
}

/// Splits a scalar into literal text and variable references. Malformed `${` is kept literal.
pub(crate) fn pieces(s: &str) -> Vec<Piece> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut lit_start = 0;
    let mut i = 0;
    let flush = |lit: &mut String, start: usize, end: usize, out: &mut Vec<Piece>| {
        if !lit.is_empty() {
            out.push(Piece::Literal(std::mem::take(lit), start..end));
        }
    };
    while i < bytes.len() {
        if bytes[i] != b'$' {
            let ch_len = s[i..].chars().next().map_or(1, char::len_utf8);
            if lit.is_empty() {
                lit_start = i;
            }
            lit.push_str(&s[i..i + ch_len]);
            i += ch_len;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => {
                if lit.is_empty() {
                    lit_start = i;
                }
                lit.push('$');
                i += 2;
            }
            Some(b'{') => match braced(s, i + 2) {
                Some((name, op, arg, arg_range, end)) => {
                    flush(&mut lit, lit_start, i, &mut out);
                    out.push(Piece::Var { name, op, arg, arg_range });
                    i = end;
                }
                None => {
                    if lit.is_empty() {
                        lit_start = i;
                    }
                    lit.push('$');
                    i += 1;
                }
            },
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                flush(&mut lit, lit_start, i, &mut out);
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                    end += 1;
                }
                out.push(Piece::Var {
                    name: s[start..end].into(),
                    op: String::new(),
                    arg: String::new(),
                    arg_range: end..end,
                });
                i = end;
            }
            _ => {
                if lit.is_empty() {
                    lit_start = i;
                }
                lit.push('$');
                i += 1;
            }
        }
    }
    flush(&mut lit, lit_start, s.len(), &mut out);
    out
}

/// Parses `NAME[op arg]}` starting at `start`; returns the parts and the index after `}`.
fn braced(s: &str, start: usize) -> Option<(String, String, String, std::ops::Range<usize>, usize)> {
    let bytes = s.as_bytes();
    let mut i = start;
    // `[_a-z][_a-z0-9]*` (spec `12-interpolation.md`).
    if !bytes.get(i).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
        return None;
    }
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    let name = s[start..i].to_string();
    let op_start = i;
    if bytes.get(i) == Some(&b':') {
        i += 1;
    }
    if matches!(bytes.get(i), Some(b'-' | b'?' | b'+')) {
        i += 1;
    } else if i != op_start || bytes.get(i) != Some(&b'}') {
        // `${VAR/x/y}` and other shell forms: Compose does not support them.
        return None;
    }
    let op = s[op_start..i].to_string();
    // The argument may itself hold `${...}`: find the matching brace.
    let arg_start = i;
    let mut depth = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((name, op, s[arg_start..i].to_string(), arg_start..i, i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Resolves every variable in `s` against `vars`, defaults included (`${X:-d}` is `d` when the
/// repository does not set `X`); `None` if one cannot be resolved. For paths, where a default
/// names what the repository holds.
pub(crate) fn resolve(s: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    resolve_depth(s, vars, 0, false)
}

/// Like [`resolve`], but a variable the repository does not set is unknown even with a default:
/// whoever deploys may set it. For names, where a guess would be a false finding.
fn resolve_strict(s: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    resolve_depth(s, vars, 0, true)
}

fn resolve_depth(s: &str, vars: &BTreeMap<String, String>, depth: usize, strict: bool) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let mut out = String::new();
    for piece in pieces(s) {
        out.push_str(&resolve_piece(&piece, vars, depth, strict)?);
    }
    Some(out)
}

/// One piece's text: `None` when it needs a variable the repository does not define (or
/// `${VAR:?err}` finds it unset, which stops Compose).
fn resolve_piece(
    piece: &Piece,
    vars: &BTreeMap<String, String>,
    depth: usize,
    strict: bool,
) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match piece {
        Piece::Literal(text, _) => Some(text.clone()),
        Piece::Var { name, op, arg, .. } => {
            let value = vars.get(name);
            if strict && value.is_none() {
                return None;
            }
            // `:` makes an empty value count as unset (spec: "unset or empty").
            let set = value.is_some_and(|v| !v.is_empty() || !op.starts_with(':'));
            match op.trim_start_matches(':') {
                "-" if !set => resolve_depth(arg, vars, depth + 1, strict),
                "+" if set => resolve_depth(arg, vars, depth + 1, strict),
                "+" => Some(String::new()),
                "?" if !set => None,
                _ => value.cloned(),
            }
        }
    }
}

/// A name after interpolation: known, or only known to match a pattern because a variable in it
/// has no value in the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Name {
    /// Fully resolved.
    Exact(String),
    /// The literal parts, in order, with anything at all between them (and before the first
    /// and after the last when the name starts or ends with a variable).
    Pattern {
        /// Literal text between the unknown parts.
        parts: Vec<String>,
        /// The name starts with an unknown part.
        open_start: bool,
        /// The name ends with an unknown part.
        open_end: bool,
    },
}

impl Name {
    /// The resolved name, when there is one.
    pub fn exact(&self) -> Option<&str> {
        match self {
            Name::Exact(s) => Some(s),
            Name::Pattern { .. } => None,
        }
    }

    /// True when `name` is this name, or could be once the unknown variables have values.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Name::Exact(s) => s == name,
            Name::Pattern { parts, open_start, open_end } => {
                let mut rest = name;
                for (i, part) in parts.iter().enumerate() {
                    let anchored_start = i == 0 && !open_start;
                    if anchored_start {
                        match rest.strip_prefix(part.as_str()) {
                            Some(r) => rest = r,
                            None => return false,
                        }
                    } else if i + 1 == parts.len() && !open_end {
                        return rest.ends_with(part.as_str());
                    } else {
                        match rest.find(part.as_str()) {
                            Some(at) => rest = &rest[at + part.len()..],
                            None => return false,
                        }
                    }
                }
                *open_end || rest.is_empty()
            }
        }
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Name::Exact(s) => f.write_str(s),
            Name::Pattern { parts, open_start, open_end } => {
                if *open_start {
                    f.write_str("*")?;
                }
                f.write_str(&parts.join("*"))?;
                if *open_end && !parts.is_empty() {
                    f.write_str("*")?;
                }
                Ok(())
            }
        }
    }
}

/// Resolves `s` against `vars`: the name, or the pattern of what it could be. A variable the
/// repository does not set is unknown, default or not.
pub(crate) fn name(s: &str, vars: &BTreeMap<String, String>) -> Name {
    if let Some(exact) = resolve_strict(s, vars) {
        return Name::Exact(exact);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut open_start = false;
    let mut open_end = false;
    for piece in pieces(s) {
        let known = match &piece {
            Piece::Literal(text, _) => Some(text.clone()),
            Piece::Var { .. } => resolve_piece(&piece, vars, 0, true),
        };
        match known {
            Some(text) => {
                current.push_str(&text);
                open_end = false;
            }
            None => {
                if current.is_empty() && parts.is_empty() {
                    open_start = true;
                } else if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
                open_end = true;
            }
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    Name::Pattern { parts, open_start, open_end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn resolves_defaults_and_dollar_escapes() {
        let v = vars(&[("A", "x")]);
        assert_eq!(resolve("db_${A}", &v).as_deref(), Some("db_x"));
        assert_eq!(resolve("${B:-fallback}", &v).as_deref(), Some("fallback"));
        assert_eq!(resolve("$$A", &v).as_deref(), Some("$A"));
        assert_eq!(resolve("${B}", &v), None);
        assert_eq!(resolve("$B", &v), None);
        assert_eq!(resolve("${B:-${A}}", &v).as_deref(), Some("x"));
        assert_eq!(resolve("${A:+set}", &v).as_deref(), Some("set"));
        assert_eq!(resolve("${B:?required}", &v), None);
        assert_eq!(resolve("${A:?required}", &v).as_deref(), Some("x"));
    }

    #[test]
    fn unknown_variables_make_patterns() {
        let v = vars(&[("A", "x")]);
        assert_eq!(name("db_${A}", &v), Name::Exact("db_x".into()));
        // Whoever deploys may set `B`: its default is only one of the names it could be.
        assert!(name("${B:-db_dev}", &v).exact().is_none() && name("${B:-db_dev}", &v).matches("db_prod"));
        assert_eq!(resolve("${B:-db_dev}", &v).as_deref(), Some("db_dev"));
        assert!(matches!(&pieces("${A/x/y}")[0], Piece::Literal(t, _) if t == "${A/x/y}"));
        assert!(matches!(&pieces("${1A}")[0], Piece::Literal(t, _) if t == "${1A}"));
        let p = name("app_${TAG}", &v);
        assert!(p.matches("app_v1") && p.matches("app_") && !p.matches("web_v1"));
        assert_eq!(p.to_string(), "app_*");
        let p = name("${ENV}_db_${A}", &v);
        assert!(p.matches("prod_db_x") && !p.matches("prod_db_y"));
        let p = name("${SECRET}", &v);
        assert!(p.matches("anything") && p.exact().is_none());
        let p = name("a_${X}_b_${Y}_c", &v);
        assert!(p.matches("a_1_b_2_c") && !p.matches("a_1_c"));
    }

    #[test]
    fn pieces_keep_default_ranges() {
        let s = "pre${X:-secret}";
        let p = pieces(s);
        assert!(matches!(&p[0], Piece::Literal(t, r) if t == "pre" && *r == (0..3)));
        match &p[1] {
            Piece::Var { name, op, arg, arg_range } => {
                assert_eq!((name.as_str(), op.as_str(), arg.as_str()), ("X", ":-", "secret"));
                assert_eq!(&s[arg_range.clone()], "secret");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&pieces("${unclosed")[0], Piece::Literal(t, _) if t == "${unclosed"));
    }
}
