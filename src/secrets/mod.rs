//! Recognizing secret values: credential-named variables, well-known token formats, and
//! high-entropy strings. Shared by the rules that report them and by redaction, which masks
//! the same values in every output so a report never shows what it found.

use std::ops::Range;
use std::sync::LazyLock;

use crate::model::interp::{Piece, pieces};

mod command;
pub(crate) mod mask;
pub(crate) use command::{credential_flag, split_words};
mod patterns;
mod vocabulary;
use patterns::{PATTERNS, PREFILTER, regex};
pub(crate) use vocabulary::is_placeholder;
use vocabulary::{
    CREDENTIAL_PREFILTER, ENDING_SETTING_LIST, POINTER_LIST, QUALIFIER_LIST, SETTING_LIST, SWITCH_VALUES,
    credential_word, listed, words,
};

/// How a variable name relates to credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyClass {
    /// Not about credentials.
    Plain,
    /// Names a credential (`DB_PASSWORD`); `last` when the credential word ends the name.
    Credential {
        /// The credential word is the last word: the value *is* the credential.
        last: bool,
    },
}

/// The detectors, with the words and placeholders a project configures.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    /// Extra upper-case words that make a variable name a credential.
    pub extra_words: Vec<String>,
    /// Values never reported (placeholders such as `changeme`).
    pub allowed_values: Vec<String>,
}

impl Detector {
    /// Classifies a variable name.
    pub fn classify_key(&self, key: &str) -> KeyClass {
        // This runs for every value of every file, and most names hold no credential word:
        // rule that out first, then look for one before the long list of setting words.
        if self.extra_words.is_empty()
            && let Some(ac) = CREDENTIAL_PREFILTER.as_ref()
            && !ac.is_match(key)
        {
            return KeyClass::Plain;
        }
        let (mut hit, mut count, mut prev, mut last_word) = (None, 0, "", "");
        for (i, word) in words(key).enumerate() {
            let single = credential_word(word, &self.extra_words);
            let pair = word.eq_ignore_ascii_case("KEY") && i > 0 && listed(&QUALIFIER_LIST, prev);
            if single || pair {
                hit = Some(i);
            }
            prev = word;
            last_word = word;
            count = i + 1;
        }
        let setting = || {
            key.eq_ignore_ascii_case("PWD")
                || words(key).any(|w| listed(&SETTING_LIST, w))
                || words(key).skip(hit.map_or(0, |h| h + 1)).any(|w| listed(&POINTER_LIST, w))
                || (hit != Some(count - 1) && listed(&ENDING_SETTING_LIST, last_word))
        };
        match hit {
            Some(_) if setting() => KeyClass::Plain,
            Some(i) => KeyClass::Credential { last: i + 1 == count },
            None => KeyClass::Plain,
        }
    }

    /// A password on a command line (a command string, or a list's items joined by spaces).
    pub fn command_credential(&self, value: &str) -> Option<Match> {
        command::command_credential(self, value).filter(|m| !self.allowed(&value[m.range.clone()]))
    }

    /// True when the configuration allows this literal (a placeholder).
    fn allowed(&self, text: &str) -> bool {
        self.allowed_values.iter().any(|a| a == text.trim())
    }
}

impl Detector {
    /// The literal text in an environment value that would be a committed credential for a
    /// variable named `key`: the value's own text, or the default in `${X:-default}`. Returns the
    /// range within the decoded value. `None` for interpolation only, empty values, flags, and
    /// numbers that configure rather than hold the credential.
    pub fn literal_credential(&self, key: &str, value: &str) -> Option<Range<usize>> {
        let last = match self.classify_key(key) {
            KeyClass::Credential { last } => last,
            // `REGISTRY_AUTH=user:password`, `BASIC_AUTH=admin:pw`: an auth setting holding a pair.
            KeyClass::Plain if auth_pair_key(key) => return auth_pair(value).then_some(0..value.len()),
            KeyClass::Plain => return None,
        };
        let mut found = None;
        for piece in pieces(value) {
            match piece {
                Piece::Literal(text, range) if !text.trim().is_empty() => {
                    found = Some((text, range));
                    break;
                }
                Piece::Var { op, arg, arg_range, .. } if matches!(op.as_str(), "-" | ":-") => {
                    let inner: String = pieces(&arg)
                        .into_iter()
                        .filter_map(|p| match p {
                            Piece::Literal(t, _) => Some(t),
                            _ => None,
                        })
                        .collect();
                    if !inner.trim().is_empty() {
                        found = Some((inner, arg_range));
                        break;
                    }
                }
                _ => {}
            }
        }
        let (text, range) = found?;
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let flag = matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1");
        let switch = SWITCH_VALUES.contains(&lower.as_str());
        let number = t.parse::<f64>().is_ok();
        // Templates rendered before deploy (`{{ .Secret }}`) are not literals; `<password>` is.
        let template = t.starts_with("{{") && t.ends_with("}}");
        // A file the program reads the credential from (`/run/secrets/db-password`, a
        // certificate bundle) is a path, not the credential.
        let path = t.starts_with('/')
            && t[1..].contains('/')
            && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b));
        if flag || switch || template || path || (number && !last) || self.allowed(t) {
            return None;
        }
        Some(range)
    }
}

/// A name whose last word is `AUTH` (`REGISTRY_AUTH`, `basicAuth`).
fn auth_pair_key(key: &str) -> bool {
    words(key).last().is_some_and(|w| w.eq_ignore_ascii_case("AUTH"))
}

/// `user:password`: two non-empty halves, no spaces, not a URL, neither half an interpolation
/// (a `user:$apr1$…` hash starts with `$` too: MP013 reports those).
fn auth_pair(value: &str) -> bool {
    let v = value.trim();
    match v.split_once(':') {
        Some((user, pass)) => {
            !user.is_empty()
                && !pass.is_empty()
                && !pass.starts_with("//")
                && !pass.starts_with('$')
                && !user.starts_with('$')
                && !v.contains(char::is_whitespace)
                && !user.contains(['/', '@'])
        }
        None => false,
    }
}

/// A password hash in `value` (bcrypt, `$apr1$`, crypt `$1$`/`$5$`/`$6$`, `$` doubled as
/// Compose writes it, or a `{SHA512-CRYPT}`-style prefix): its range.
pub(crate) fn find_hash(value: &str) -> Option<Range<usize>> {
    static HASH: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?:\$\$?(?:2[abxy]?|apr1|1|5|6)\$\$?[./A-Za-z0-9]{1,22}\$\$?[./A-Za-z0-9]{20,})|(?:\{(?:SHA512-CRYPT|SHA256-CRYPT|BLF-CRYPT|MD5-CRYPT|SSHA512|SSHA256|SSHA|SHA512|SHA256|SHA|CRYPT|PBKDF2)\}[^\s|:,]{8,})",
        )
        .ok()
    });
    if !value.contains(['$', '{']) {
        return None;
    }
    HASH.as_ref()?.find(value).map(|m| m.range())
}

/// A secret found in a value: what it looks like and where (in the decoded value).
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// A noun phrase: "a GitHub token", "a high-entropy string".
    pub what: String,
    /// Range in the value.
    pub range: Range<usize>,
}

impl Detector {
    /// Looks for a well-known token format or, for single tokens, high entropy.
    pub fn find_pattern(&self, value: &str) -> Option<Match> {
        if self.allowed(value) {
            return None;
        }
        // Most values hold no keyword: one unanchored scan says so before the overlapping search.
        if let Some(ac) = PREFILTER.as_ref().filter(|ac| ac.is_match(value)) {
            for hit in ac.find_overlapping_iter(value) {
                let i = hit.pattern().as_usize();
                let Some(re) = regex(i) else {
                    continue;
                };
                for caps in re.captures_iter(value) {
                    // For patterns that capture the secret (URLs, connection strings, embedded
                    // configuration) only that part counts, and only when it is written out.
                    let group = caps.get(1).or_else(|| caps.get(2));
                    let m = group.or_else(|| caps.get(0));
                    if let Some(m) = m {
                        let text = m.as_str();
                        if group.is_some()
                            && (text.starts_with('$')
                                || text.chars().all(|c| c == '*')
                                || SWITCH_VALUES.contains(&text.to_ascii_lowercase().as_str()))
                        {
                            continue;
                        }
                        if self.allowed(text) {
                            continue;
                        }
                        return Some(Match { what: PATTERNS[i].1.what.to_string(), range: m.range() });
                    }
                }
            }
        }
        // Neither the whole value nor any word of it is long enough to be a token. A certificate
        // or public key is meant to be published, whatever its entropy.
        if value.len() < MIN_TOKEN_LEN
            || value.contains("-----BEGIN CERTIFICATE")
            || value.contains("PUBLIC KEY-----")
        {
            return None;
        }
        let entropic = |range: Range<usize>| {
            let token = &value[range.clone()];
            // Keys made to be public: PostHog project keys, Stripe publishable keys.
            if ["phc_", "pk_live_", "pk_test_"].iter().any(|p| token.starts_with(p)) {
                return None;
            }
            high_entropy(token).filter(|_| !self.allowed(token)).map(|bits| Match {
                what: format!("a high-entropy string ({bits:.1} bits per character)"),
                range,
            })
        };
        // The whole value, or any word of it (`serve --signing-key <token> --verbose`).
        entropic(0..value.len()).or_else(|| tokens(value).find_map(entropic))
    }
}

/// The shortest string the entropy test considers.
const MIN_TOKEN_LEN: usize = 20;

/// Byte ranges of the words of a value: split on whitespace, quotes and the separators of
/// `key=value`, `key: value` and lists. Only long words can be tokens, so short ones are skipped.
fn tokens(value: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let sep = |c: char| {
        c.is_whitespace()
            || matches!(c, '"' | '\'' | '=' | ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '`')
    };
    let mut start = 0;
    value.char_indices().chain(std::iter::once((value.len(), ' '))).filter_map(move |(i, c)| {
        if !sep(c) {
            return None;
        }
        let word = start..i;
        start = i + c.len_utf8();
        // `key:value` halves are words too, but keep `scheme://` URLs whole.
        (word.len() >= MIN_TOKEN_LEN).then_some(word)
    })
}

/// Shannon entropy in bits per character.
pub(crate) fn entropy(s: &str) -> f64 {
    let n = s.chars().count();
    if n == 0 {
        return 0.0;
    }
    let term = |k: usize| {
        let p = k as f64 / n as f64;
        -p * p.log2()
    };
    if s.is_ascii() {
        // The common case (tokens are ASCII): a table, no allocation.
        let mut counts = [0usize; 128];
        for b in s.bytes() {
            counts[usize::from(b)] += 1;
        }
        return counts.iter().filter(|&&k| k > 0).map(|&k| term(k)).sum();
    }
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts.values().map(|&k| term(k)).sum()
}

/// Entropy of a value that looks like a random token, if it is high enough to be a secret.
/// Thresholds follow detect-secrets: 4.5 for base64-like strings, 3.0 for hex.
fn high_entropy(value: &str) -> Option<f64> {
    let v = value.trim();
    if v.len() < MIN_TOKEN_LEN || v.len() > 1024 || v.contains(['/', '$', ' ', '\t', '\n', '.', ':', '\\']) {
        return None;
    }
    let hex = v.chars().all(|c| c.is_ascii_hexdigit());
    let b64 = v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '=' | '_' | '-'));
    let uuid = v.len() == 36 && v.chars().filter(|&c| c == '-').count() == 4;
    if uuid || !(hex || b64) {
        return None;
    }
    let e = entropy(v);
    if hex {
        let has_digit_and_letter =
            v.chars().any(|c| c.is_ascii_digit()) && v.chars().any(|c| c.is_ascii_alphabetic());
        return (v.len() >= 32 && e >= 3.0 && has_digit_and_letter).then_some(e);
    }
    let mixed = v.chars().any(|c| c.is_ascii_uppercase())
        && v.chars().any(|c| c.is_ascii_lowercase())
        && v.chars().any(|c| c.is_ascii_digit());
    (mixed && e >= 4.5).then_some(e)
}

impl Detector {
    /// `KEY=value` lines of an env file whose key is a credential and whose value is literal,
    /// as (key, value): the keys for messages, the values only for the finding's value hash.
    pub fn env_file_credentials(&self, text: &str) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            // Only a variable name counts (`KEY=value`): anything else is not an assignment Compose
            // reads, and its text may be a value (a line of a multi-line value).
            let k = k.trim();
            if k.is_empty()
                || !k.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            {
                continue;
            }
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
            if self.literal_credential(k.trim(), v).is_some() {
                found.push((k.trim().to_string(), v.to_string()));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests;
