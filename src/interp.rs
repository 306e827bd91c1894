//! Compose variable interpolation (`${VAR}`, `${VAR:-default}`, `$$`), as far as a linter needs it.
//!
//! Names are resolved only against variables the repository itself defines (minipaas.yaml
//! `vars`, `deploy.version`), never the caller's environment, so a lint gives the same answer
//! on every machine. A name that cannot be resolved is skipped by the rules, never reported.

use std::collections::BTreeMap;

/// A piece of a scalar: literal text, or a variable reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
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
pub fn pieces(s: &str) -> Vec<Piece> {
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
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    if i == start {
        return None;
    }
    let name = s[start..i].to_string();
    let op_start = i;
    if bytes.get(i) == Some(&b':') {
        i += 1;
    }
    if matches!(bytes.get(i), Some(b'-' | b'?' | b'+')) {
        i += 1;
    } else if i != op_start {
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

/// Resolves every variable in `s` against `vars`; `None` if one cannot be resolved.
pub fn resolve(s: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    resolve_depth(s, vars, 0)
}

fn resolve_depth(s: &str, vars: &BTreeMap<String, String>, depth: usize) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    if depth > 8 {
        return None;
    }
    let mut out = String::new();
    for piece in pieces(s) {
        match piece {
            Piece::Literal(text, _) => out.push_str(&text),
            Piece::Var { name, op, arg, .. } => {
                let value = vars.get(&name);
                let set = value.is_some_and(|v| !v.is_empty() || !op.starts_with(':'));
                match op.trim_start_matches(':') {
                    "-" if !set => out.push_str(&resolve_depth(&arg, vars, depth + 1)?),
                    "+" if set => out.push_str(&resolve_depth(&arg, vars, depth + 1)?),
                    "+" => {}
                    _ => out.push_str(value?),
                }
            }
        }
    }
    Some(out)
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
