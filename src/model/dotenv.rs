//! `.env` files as Compose reads them for interpolation: `KEY=value` lines, `export` allowed,
//! `#` comments (inline only after a blank in unquoted values), single quotes literal, double
//! quotes with escapes and interpolation, values interpolated with the variables defined above.

use std::collections::BTreeMap;

use super::interp;

/// The variables a `.env` file defines, and the line each is set on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DotEnv {
    /// Name to value, the last assignment winning.
    pub vars: BTreeMap<String, String>,
    /// Name to the 1-based line of its last assignment.
    pub lines: BTreeMap<String, usize>,
}

/// Parses the text of a `.env` file; lines it cannot read are skipped, as Compose's reader
/// reports them and stops, which a linter should not.
pub(crate) fn parse(text: &str) -> DotEnv {
    let mut out = DotEnv::default();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((n, raw)) = lines.next() {
        let line = raw.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else { continue };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some('\'') => match rest[1..].find('\'') {
                Some(end) => rest[1..=end].to_string(),
                None => continue,
            },
            Some('"') => {
                // A double-quoted value may go on over several lines.
                let mut body = rest[1..].to_string();
                loop {
                    if let Some(end) = closing_quote(&body) {
                        body.truncate(end);
                        break;
                    }
                    match lines.next() {
                        Some((_, more)) => {
                            body.push('\n');
                            body.push_str(more.trim_end_matches('\r'));
                        }
                        None => break,
                    }
                }
                // A value that needs a variable the file does not define is unknown, not text.
                match interp::resolve(&unescape(&body), &out.vars) {
                    Some(value) => value,
                    None => continue,
                }
            }
            _ => {
                let value = match rest.find(" #").or_else(|| rest.find("\t#")) {
                    Some(at) => rest[..at].trim_end(),
                    None => rest,
                };
                match interp::resolve(value, &out.vars) {
                    Some(value) => value,
                    None => continue,
                }
            }
        };
        out.vars.insert(key.to_string(), value);
        out.lines.insert(key.to_string(), n + 1);
    }
    out
}

/// Where the closing `"` of a double-quoted value is (not one escaped by `\`).
fn closing_quote(body: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_compose_reads() {
        let env = parse(
            "# settings\nENV_VARS_DIRECTORY=./env_vars\nexport TAG=1.2 # inline comment\nURL=http://a#b\n\
             QUOTED='${TAG} stays'\nDOUBLE=\"v${TAG}\\n\"\nEMPTY=\nDIR=${ENV_VARS_DIRECTORY}/x\nnot a line\n\
             MULTI=\"a\nb\"\nCOMPOSE_FILE=a.yml:b.yml\r\nFROM_VAULT=$VAULT_DB_SECRET\n",
        );
        let v = |k: &str| env.vars.get(k).map(String::as_str);
        assert_eq!(v("ENV_VARS_DIRECTORY"), Some("./env_vars"));
        assert_eq!(v("TAG"), Some("1.2"));
        assert_eq!(v("URL"), Some("http://a#b"));
        assert_eq!(v("QUOTED"), Some("${TAG} stays"));
        assert_eq!(v("DOUBLE"), Some("v1.2\n"));
        assert_eq!(v("EMPTY"), Some(""));
        assert_eq!(v("DIR"), Some("./env_vars/x"));
        assert_eq!(v("MULTI"), Some("a\nb"));
        assert_eq!(v("COMPOSE_FILE"), Some("a.yml:b.yml"));
        assert_eq!(env.lines["COMPOSE_FILE"], 12);
        assert_eq!(env.vars.len(), 9);
        assert_eq!(v("FROM_VAULT"), None, "a value that needs an unknown variable is unknown");
    }
}
