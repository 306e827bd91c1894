//! How a message may quote a word, a path or a key it took from a file: shown when it is
//! plainly a name, masked otherwise. A leaf the model uses too (its messages quote paths).

use std::borrow::Cow;

use super::words::{is_interpolation, is_name};
use crate::secrets::{Detector, KeyClass};

/// A word a message may show: not a token, not a literal default, not `PASSWORD=value`.
pub(crate) fn shown_word(core: &str, det: &Detector) -> bool {
    let defaults = core.split("${").skip(1).any(|p| {
        let inner = p.split('}').next().unwrap_or(p);
        !is_interpolation(&format!("${{{inner}}}"))
    });
    let assignment = core.split_once('=').is_some_and(|(name, value)| {
        let cred = matches!(det.classify_key(name.trim_start_matches('-')), KeyClass::Credential { .. });
        cred && !value.is_empty() && !is_interpolation(value)
    });
    !defaults && !assignment && det.find_pattern(core).is_none()
}

/// A file path as a file or script wrote it, for a message: shown when it is a plain path to
/// a YAML or JSON file (or pure `${VAR}`s), masked otherwise: a path that names no such file
/// may be a value resolved into it (`-f "$DB_PASSWORD"`, `${PW:-value}` split at `:`).
pub(crate) fn shown_path(raw: &str) -> Cow<'_, str> {
    let plain = raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/+@".contains(&b));
    let name = raw.rsplit('/').next().unwrap_or(raw);
    let file = [".yml", ".yaml", ".json"].iter().any(|e| name.ends_with(e));
    if (plain && file) || is_interpolation(raw) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.chars().map(|c| if c == '/' || c == '.' { c } else { '*' }).collect())
    }
}

/// A key or name as a message may quote it: shown when it is a name (letters, digits, `_`,
/// `.`, `-`, `/`; no spaces, no `=`) that does not look like a secret, masked otherwise, so a
/// value written as a key (`"DB_PASSWORD = x": y`) is not printed.
pub(crate) fn shown_name<'a>(name: &'a str, det: &Detector) -> Cow<'a, str> {
    if is_name(name) && shown_word(name, det) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned("*".repeat(name.chars().count().max(1)))
    }
}
