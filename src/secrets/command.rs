//! Passwords given on a command line (`command:`, `entrypoint:`, `healthcheck.test`, or any
//! value that is one): `--password x`, `--requirepass x`, `--db-password=x`, mysql's `-pSECRET`,
//! `redis-cli -a x`, `curl -u user:pass`.

use std::ops::Range;

use super::{Detector, KeyClass, Match, SWITCH_VALUES};

/// Programs whose short flags carry a password: (program word, flag, how).
const SHORT_FLAGS: &[(&str, &str, Short)] = &[
    ("mysql", "-p", Short::Glued),
    ("mariadb", "-p", Short::Glued),
    ("redis-cli", "-a", Short::Next),
    ("mongo", "-p", Short::Next),
    ("mongosh", "-p", Short::Next),
    ("sshpass", "-p", Short::Next),
    ("sqlcmd", "-P", Short::Next),
    ("curl", "-u", Short::Pair),
    ("wget", "--http-password", Short::Next),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Short {
    /// `-pSECRET` (mysql's `-p x` prompts, and `x` is the database).
    Glued,
    /// `-a SECRET`.
    Next,
    /// `-u user:SECRET`.
    Pair,
}

/// A long flag whose value is a credential (`--password`, `--requirepass`, `--db-password`,
/// `--masterauth`), not one about it (`--password-file`) or one that only mentions it
/// (`--password-stdin`: the credential word must end the flag).
pub(crate) fn credential_flag(det: &Detector, word: &str) -> bool {
    let Some(name) = word.strip_prefix("--") else { return false };
    let name = name.replace('-', "_");
    matches!(det.classify_key(&name), KeyClass::Credential { last: true })
        || name.eq_ignore_ascii_case("masterauth")
}

/// A literal a command line could carry as the password: not an interpolation, a command
/// substitution, another flag, or a switch word.
fn literal(word: &str) -> bool {
    let w = word.trim_matches(['"', '\'']);
    !w.is_empty()
        && !w.starts_with(['$', '-', '`', '<', '/'])
        && !SWITCH_VALUES.contains(&w.to_ascii_lowercase().as_str())
}

/// The words of a text split at any Unicode whitespace, with their byte offsets.
pub(crate) fn split_words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace().map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// The words of a command line with their byte ranges, quotes trimmed.
fn words(value: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    for (start, raw) in split_words(value) {
        let lead = raw.len() - raw.trim_start_matches(['"', '\'', '(']).len();
        let word = raw[lead..].trim_end_matches(['"', '\'', ';', ')', ',']);
        if !word.is_empty() {
            out.push((start + lead..start + lead + word.len(), word));
        }
        // `db;` ends a command: the separator is a word of its own.
        if raw.len() > 1 && raw.ends_with(';') {
            let end = start + raw.len();
            out.push((end - 1..end, ";"));
        }
    }
    out
}

/// Trims quotes from a range of `value`.
fn unquoted(value: &str, range: Range<usize>) -> Range<usize> {
    let text = &value[range.clone()];
    let lead = text.len() - text.trim_start_matches(['"', '\'']).len();
    let trail = text.len() - text.trim_end_matches(['"', '\'']).len();
    range.start + lead..range.end - trail
}

/// A password on a command line in `value` (a whole command string, or a list's items joined
/// with spaces). The range is in `value`.
pub(super) fn command_credential(det: &Detector, value: &str) -> Option<Match> {
    // Every form this looks for has a flag: most values have no `-` at all.
    if !value.contains('-') {
        return None;
    }
    let found = |range: Range<usize>| Match { what: "a password on a command line".into(), range };
    let list = words(value);
    let mut program: Option<&str> = None;
    for (i, (range, word)) in list.iter().enumerate() {
        let base = word.rsplit('/').next().unwrap_or(word);
        if let Some((p, _, _)) =
            SHORT_FLAGS.iter().find(|(p, _, how)| base == *p || (*how == Short::Glued && base.starts_with(p)))
        {
            program = Some(p);
            continue;
        }
        // A new command after a separator: mysql's `-p` is not `mkdir -p`.
        if matches!(*word, "&&" | "||" | "|" | ";") {
            program = None;
            continue;
        }
        let next = list.get(i + 1);
        if let Some((flag, v)) = word.split_once('=')
            && credential_flag(det, flag)
            && literal(v)
        {
            return Some(found(unquoted(value, range.start + flag.len() + 1..range.end)));
        }
        if credential_flag(det, word)
            && let Some((r, v)) = next
            && literal(v)
        {
            return Some(found(unquoted(value, r.clone())));
        }
        let Some(p) = program else { continue };
        for (_, flag, how) in SHORT_FLAGS.iter().filter(|(q, _, _)| *q == p) {
            match how {
                Short::Glued
                    if word.len() > flag.len() && word.starts_with(flag) && literal(&word[flag.len()..]) =>
                {
                    return Some(found(unquoted(value, range.start + flag.len()..range.end)));
                }
                Short::Next if word == flag => {
                    if let Some((r, _)) = next.filter(|(_, v)| literal(v)) {
                        return Some(found(unquoted(value, r.clone())));
                    }
                }
                Short::Pair if word == flag || *word == "--user" => {
                    if let Some((r, v)) = next
                        && let Some((user, pass)) = v.trim_matches(['"', '\'']).split_once(':')
                        && !user.is_empty()
                        && literal(pass)
                    {
                        let r = unquoted(value, r.clone());
                        return Some(found(r.start + user.len() + 1..r.end));
                    }
                }
                _ => {}
            }
        }
    }
    None
}
