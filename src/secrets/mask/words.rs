//! Masking inside values: the words of a command line, values that must be harmless to
//! show, and comments.

use std::ops::Range;

use crate::model::yaml::{Kind, NodeId, Style, Tree};
use crate::secrets::{Detector, KeyClass, split_words};

/// A command written as a list: each item is a word or a shell script (after `-c`). `take`
/// says whether an item is masked here (it is used nowhere stricter) and records it.
pub(super) fn mask_word_items(
    text: &str,
    tree: &Tree,
    seq: NodeId,
    det: &Detector,
    out: &mut Vec<Range<usize>>,
    mut take: impl FnMut(NodeId) -> bool,
) {
    let mut state = Words { command: true, secret_next: false };
    for &i in tree.items(seq) {
        let id = tree.resolve(i);
        let Kind::Scalar { style, .. } = tree.node(id).kind else {
            state = Words { command: false, secret_next: false };
            continue;
        };
        let value = tree.scalar(id).unwrap_or_default();
        let inner = inner_span(text, tree.node(id).span.clone(), style);
        let source = &text[inner.clone()];
        let mut next = state;
        if take(id) {
            if source == value || matches!(style, Style::Plain | Style::Block) {
                mask_words(source, inner.start, &mut next, det, out);
            } else {
                // Escapes: the words cannot be placed; show the item only when all are harmless.
                let all = !state.secret_next && value.split_whitespace().all(|w| harmless(w, det));
                if !all {
                    out.push(inner);
                }
                next = Words { command: false, secret_next: false };
            }
        } else {
            mask_words(value, 0, &mut next, det, &mut Vec::new());
        }
        // A list item is one word: after `CMD`, `-c` or `exec` comes a command.
        next.command = matches!(value, "CMD" | "CMD-SHELL" | "-c" | "exec" | "--");
        state = next;
    }
}

/// Where a command line is, word by word.
#[derive(Clone, Copy)]
pub(super) struct Words {
    /// The next word is in command position (a program name is shown).
    pub(super) command: bool,
    /// The next word is a credential flag's value (masked, even a number or a path).
    pub(super) secret_next: bool,
}

/// Masks the words of a command line that are not harmless, carrying `state` from word to
/// word (and from list item to list item).
pub(super) fn mask_words(
    source: &str,
    offset: usize,
    state: &mut Words,
    det: &Detector,
    out: &mut Vec<Range<usize>>,
) {
    for (start, raw) in split_words(source) {
        let lead = raw.len() - raw.trim_start_matches(['"', '\'', '(', '`']).len();
        let word = raw[lead..].trim_end_matches(['"', '\'', ';', ')', '`', '&', '|', ',']);
        let at = offset + start + lead;
        let separator = matches!(word, "&&" | "||" | "|" | ";" | "then" | "do" | "else" | "exec" | "sudo");
        let ends = raw.ends_with(';') || raw.ends_with("&&") || raw.ends_with('|');
        if state.secret_next && !word.is_empty() && !is_interpolation(word) {
            // The value of `--password`, `-a`, `-p`: masked whatever it looks like.
            out.push(at..at + word.len());
            state.secret_next = false;
            state.command = ends;
            continue;
        }
        let shown = word.is_empty()
            || separator
            || (state.command && is_program(word, det))
            || matches!(word, "CMD" | "CMD-SHELL" | "NONE" | "-c")
            || (harmless(word, det) && !credential_flag_with_value(word, det));
        if !shown {
            if let Some((flag, value)) = word.split_once('=')
                && (is_flag(flag) || is_name(flag))
            {
                let cred = crate::secrets::credential_flag(det, flag)
                    || matches!(det.classify_key(flag), KeyClass::Credential { .. });
                if cred || !harmless(value, det) {
                    out.push(at + flag.len() + 1..at + word.len());
                }
            } else {
                out.push(at..at + word.len());
            }
        }
        // The flags whose next word is a password: long credential flags, and the short
        // ones some programs read a password from (`-p`, `-a`, `-P`, `-u user:pass`).
        state.secret_next = !word.contains('=')
            && (crate::secrets::credential_flag(det, word)
                || matches!(word, "-p" | "-a" | "-P" | "-u" | "--user"));
        state.command = separator || ends || (state.command && matches!(word, "sh" | "bash" | "ash" | "env"));
    }
}

/// `--password=value` with a value: never harmless, whatever the value looks like.
pub(super) fn credential_flag_with_value(word: &str, det: &Detector) -> bool {
    word.split_once('=').is_some_and(|(flag, v)| !v.is_empty() && crate::secrets::credential_flag(det, flag))
}

/// Masks a value where every value is hidden unless harmless. Under a credential key only an
/// interpolation shows; a list item `- KEY=value` keeps `KEY=` (the variable's name).
pub(super) fn mask_value(
    source: &str,
    offset: usize,
    cred: bool,
    item: bool,
    det: &Detector,
    out: &mut Vec<Range<usize>>,
) {
    if item
        && !cred
        && let Some((name, value)) = source.split_once('=')
        && is_name(name)
        && det.find_pattern(name).is_none()
    {
        let cred = matches!(det.classify_key(name), KeyClass::Credential { .. });
        if (cred && !is_interpolation(value)) || (!cred && !harmless(value, det)) {
            out.push(offset + name.len() + 1..offset + source.len());
        }
        return;
    }
    let shown = if cred { is_interpolation(source) || source.is_empty() } else { harmless(source, det) };
    if !shown {
        out.push(offset..offset + source.len());
    }
}

/// A variable or label name (`DB_HOST`, `traefik.http.routers.web.rule`).
pub(super) fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/'))
}

/// `--long-flag` or a one-letter `-x` (longer single-dash words such as `-psecret` may carry a
/// value glued on).
pub(super) fn is_flag(s: &str) -> bool {
    let long = s.strip_prefix("--").is_some_and(|f| {
        f.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && f.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    let short = s.len() == 2 && s.starts_with('-') && s.as_bytes()[1].is_ascii_alphabetic();
    long || short
}

/// A program name in command position (`redis-server`, `/bin/app`).
pub(super) fn is_program(s: &str, det: &Detector) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b'+'))
        && det.find_pattern(s).is_none()
}

/// Only `${VAR}`, `${VAR:?}` and `$VAR` (no literal, no default, no message).
pub(super) fn is_interpolation(s: &str) -> bool {
    let mut rest = s.trim();
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("${") {
            let Some(end) = r.find('}') else { return false };
            let name = &r[..end];
            let (var, tail) = name.split_at(name.find([':', '-', '?', '+']).unwrap_or(name.len()));
            // `${VAR:?}` is a requirement; a default or a message is a literal.
            if !is_name(var) || !matches!(tail, "" | ":?" | "?") {
                return false;
            }
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('$') {
            let n = r.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            if n == 0 {
                return false;
            }
            rest = &r[n..];
        } else {
            return false;
        }
    }
    true
}

/// A value that reveals nothing: empty, a boolean or null, a number or a size or duration, a
/// flag name, an absolute or dot path, a URL without userinfo or query, or interpolation whose
/// literal parts (defaults too) are all harmless.
pub(crate) fn harmless(value: &str, det: &Detector) -> bool {
    let v = value.trim();
    if v.is_empty() || is_interpolation(v) {
        return true;
    }
    if det.find_pattern(v).is_some() {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~") {
        return true;
    }
    if is_number(v) || is_flag(v) {
        return true;
    }
    if let Some((flag, value)) = v.split_once('=')
        && is_flag(flag)
    {
        return !crate::secrets::credential_flag(det, flag) && harmless(value, det);
    }
    let path_chars = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/+:,".contains(&b));
    if ["/", "./", "../", "~/"].iter().any(|p| v.starts_with(p)) && !v.starts_with("//") && path_chars(v) {
        return true;
    }
    if let Some((scheme, rest)) = v.split_once("://")
        && !scheme.is_empty()
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    {
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        // Userinfo, a query, or a `:` in the path (`/bot123:AAH…/`) may carry a secret.
        return !authority.contains('@')
            && !rest.contains(['?', '#'])
            && !path.contains(':')
            && path_chars(rest);
    }
    false
}

/// A URL with a user part (`https://TOKEN@github.com/...`): a token with no password is
/// still a credential.
pub(super) fn has_userinfo(v: &str) -> bool {
    v.split_once("://").is_some_and(|(_, rest)| rest.split('/').next().unwrap_or_default().contains('@'))
}

/// `8080`, `-1`, `0.5`, `0o755`, `512M`, `1m30s`, `100ms`, `2g`.
pub(super) fn is_number(v: &str) -> bool {
    let digits = v.trim_start_matches(['-', '+']);
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() || digits.len() > 24 {
        return false;
    }
    let unit = digits.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '_');
    let units = ["", "b", "k", "kb", "m", "mb", "g", "gb", "ms", "s", "h", "us", "ns"];
    units.contains(&unit.to_ascii_lowercase().as_str())
        || digits.starts_with("0o") && digits[2..].bytes().all(|b| b.is_ascii_digit())
        || duration(digits)
}

/// Go-style durations: `1m30s`, `1h`, `500ms`.
pub(super) fn duration(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        if n == 0 {
            return false;
        }
        rest = &rest[n..];
        let u = ["ms", "us", "ns", "h", "m", "s"].iter().find(|u| rest.starts_with(**u));
        let Some(u) = u else { return false };
        rest = &rest[u.len()..];
    }
    true
}

/// Comments are text anyone may have written anything in: all but `#`, spaces and a
/// `minipaas: ignore[...]` directive (this tool's own syntax) is masked.
pub(super) fn mask_comments(text: &str, scalars: &[Range<usize>], out: &mut Vec<Range<usize>>) {
    // Scalars do not overlap: only the last one starting before `pos` can hold it.
    let inside = |pos: usize| {
        let i = scalars.partition_point(|r| r.start <= pos);
        i > 0 && pos < scalars[i - 1].end
    };
    let mut line_start = 0;
    // A bare CR ends a line for YAML too; a byte-order mark starts the first.
    for line in text.split_inclusive(['\n', '\r']) {
        let body = line.trim_end_matches(['\n', '\r']);
        let mut prev = b' ';
        for (i, b) in body.bytes().enumerate() {
            // `#` is ASCII, so `i` is a character boundary when it is one.
            let after_space =
                || prev == b' ' || prev == b'\t' || body[..i].trim_start_matches('\u{feff}').is_empty();
            if b == b'#' && after_space() && !inside(line_start + i) {
                mask_comment(&body[i + 1..], line_start + i + 1, out);
                break;
            }
            prev = b;
        }
        line_start += line.len();
    }
}

pub(super) fn mask_comment(body: &str, offset: usize, out: &mut Vec<Range<usize>>) {
    let trimmed = body.trim_start();
    let mut skip = body.len() - trimmed.len();
    // Only this tool's own directive, `minipaas: ignore[MP001, MP006]`, is shown.
    if let Some(rest) = trimmed.strip_prefix("minipaas:")
        && let Some(codes) = rest.trim_start().strip_prefix("ignore[")
        && let Some(end) = codes.find(']')
        && codes[..end].bytes().all(|b| b.is_ascii_alphanumeric() || b == b',' || b == b' ' || b == b'-')
    {
        skip += trimmed.len() - codes.len() + end + 1;
    }
    let mut pos = skip;
    for word in body[skip..].split(' ') {
        if !word.is_empty() {
            out.push(offset + pos..offset + pos + word.len());
        }
        pos += word.len() + 1;
    }
}

/// The span of a scalar's text without its quotes.
pub(super) fn inner_span(text: &str, span: Range<usize>, style: Style) -> Range<usize> {
    let src = &text[span.clone()];
    match style {
        Style::SingleQuoted | Style::DoubleQuoted if src.len() >= 2 => span.start + 1..span.end - 1,
        _ => span,
    }
}

pub(super) fn mask_ranges(text: &str, ranges: Vec<Range<usize>>) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for range in ranges {
        // Line breaks and the indentation after them stay, so block scalars keep their shape.
        let mut indent = false;
        for b in &mut bytes[range.start.min(text.len())..range.end.min(text.len())] {
            match *b {
                b'\n' | b'\r' => indent = true,
                b' ' | b'\t' if indent => {}
                _ => {
                    indent = false;
                    *b = b'*';
                }
            }
        }
    }
    // Only whole UTF-8 sequences were replaced, so this cannot fail; fall back to a lossy
    // conversion rather than ever returning the unmasked text.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
