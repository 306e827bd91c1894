//! MP007 secret-pattern: a value that looks like a key, a token or a password in a URL.

use super::helpers::{InUnits, linted_compose};
use super::rule::{Rule, rule};
use crate::diagnostic::{Finding, Subject};
use crate::model::Project;
use crate::secrets::Detector;

rule! {
    /// MP007.
    SecretPattern {
        code: "MP007",
        name: "secret-pattern",
        summary: "a value looks like a private key, a known token format, a password in a URL, or random key material",
        severity: Error,
        doc: r#"## What it does
Scans every value in a Compose file (environment, labels, commands, `content:` of secrets
and configs, ...) for a private-key block, a well-known token format (AWS access key IDs,
GitHub, GitLab, Slack tokens and webhook URLs, Stripe, Google API keys, JSON Web Tokens), a
URL with a password (`postgres://user:pass@host`, any scheme), a connection string's
password (`Server=db;Password=…;`, `Pwd=…`, JDBC `?password=…`), a password in configuration
embedded in a value (`gitlab_rails['db_password'] = '…'`, `"password": "…"`, `pass '…'`), a
password on a command line (`--password x`, `--requirepass x`, `--db-password=x`, mysql's
`-pSECRET`, `redis-cli -a x`, `sqlcmd -P x`, `curl -u user:pass`; in string or list form),
and single-token strings with high Shannon entropy (4.5 bits per character for base64-like
strings, 3.0 for hex of 32+ characters; certificates, public keys and keys made to be public
such as PostHog `phc_` and Stripe `pk_` are not). Interpolated values (`${X}`) never count.
Values already reported by MP006 and `image:` references are skipped.

## Why is this bad?
Whatever the key is called, a committed credential is a published credential.

## Example
```yaml
services:
  api:
    environment:
      DATABASE_URL: postgres://app:s3cret@db/app
```

## Use instead
```yaml
services:
  api:
    environment:
      DATABASE_URL_FILE: /run/secrets/database_url
    secrets: [database_url]
secrets:
  database_url:
    external: true
```

## Fix safety
No automatic fix: the value has to be rotated by a person, and moving it to a secret depends
on whether the program can read it from a file.
"#,
    }
}

impl Rule for SecretPattern {
    fn check(&self, project: &Project, det: &Detector, out: &mut Vec<Finding>) {
        for (file, compose, tree, text) in linted_compose(project) {
            let mut report = |span: std::ops::Range<usize>,
                              what: String,
                              key: Option<String>,
                              hashed: &str| {
                let key = key.map(|k| crate::secrets::mask::shown::shown_name(&k, det).into_owned());
                let place = match &key {
                    Some(k) => format!("the value of `{k}`"),
                    None => "a value".to_string(),
                };
                let help = if what.contains("build argument") {
                    "pass it as a build secret (`build.secrets`, read with `RUN --mount=type=secret`) and rotate it: it is committed, and build arguments stay in the image's history"
                } else {
                    "keep it in a Swarm secret (`minipaas secret create`) and rotate it: it is committed"
                };
                let message = format!("{place} contains {what}");
                let f = META
                    .finding(Subject::Value { key, kind: what }, message)
                    .at(file, span, "looks like a secret")
                    .in_units_of(project, file)
                    .value(hashed)
                    .help(help);
                out.push(f.build());
            };
            for scalar in &compose.scalars {
                let Some(value) = tree.scalar(scalar.value) else { continue };
                let value_span = tree.node(scalar.value).span.clone();
                let key_name = scalar.key.and_then(|k| tree.scalar(k));
                let place = |range: std::ops::Range<usize>| {
                    tree.source_range(text, scalar.value, range).unwrap_or_else(|| value_span.clone())
                };
                if let Some((range, what, key)) =
                    scan(det, key_name, value, scalar.in_environment, scalar.in_args)
                {
                    report(place(range.clone()), what, key, value.get(range).unwrap_or(value));
                    continue;
                }
                // A command written as a list is one command line: read it once, at its first item.
                match scalar.item {
                    Some((list, 0)) if !scalar.in_environment => {
                        let items: Vec<usize> = tree.items(list).iter().map(|&i| tree.resolve(i)).collect();
                        let mut line = String::new();
                        let mut starts = Vec::new();
                        for &i in &items {
                            starts.push(line.len());
                            line.push_str(tree.scalar(i).unwrap_or("-"));
                            line.push(' ');
                        }
                        let Some(m) = det.command_credential(&line) else { continue };
                        let Some(n) = starts.iter().rposition(|&s| s <= m.range.start) else { continue };
                        let item = items[n];
                        let item_value = tree.scalar(item).unwrap_or_default();
                        let span = tree.node(item).span.clone();
                        let range =
                            m.range.start - starts[n]..(m.range.end - starts[n]).min(item_value.len());
                        let at = if text.get(span.clone()) == Some(item_value) {
                            span.start + range.start..span.start + range.end
                        } else {
                            span
                        };
                        report(
                            at,
                            m.what,
                            key_name.map(str::to_string),
                            item_value.get(range).unwrap_or(item_value),
                        );
                    }
                    Some(_) => {}
                    None => {
                        if let Some(m) = det.command_credential(value) {
                            let hashed = value.get(m.range.clone()).unwrap_or(value).to_string();
                            report(place(m.range), m.what, key_name.map(str::to_string), &hashed);
                        }
                    }
                }
            }
        }
    }
}

/// A secret in a value: its range, what it looks like, and the name it is stored under.
pub(crate) type Hit = (std::ops::Range<usize>, String, Option<String>);

/// The secret in one scalar, if any: its range in the value, what it looks like, and the
/// name it is stored under (the mapping key, or `KEY` of a `KEY=value` list item).
pub(crate) fn scan(
    det: &Detector,
    key: Option<&str>,
    value: &str,
    in_environment: bool,
    in_args: bool,
) -> Option<Hit> {
    if key == Some("image") {
        return None;
    }
    // `KEY=value` list items: only the value part counts. MP006 owns credential-named
    // environment variables; elsewhere (labels, commands) this rule reports them.
    let (offset, key, value) = match (key, value.split_once('=')) {
        (None, Some((k, v)))
            if !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) =>
        {
            (k.len() + 1, Some(k), v)
        }
        _ => (0, key, value),
    };
    if in_environment
        && let Some(k) = key
        && det.literal_credential(k, value).is_some()
    {
        return None;
    }
    // A credential passed as a build argument stays in the image's history (`docker history`):
    // Docker's advice is a build secret instead.
    if in_args
        && let Some(k) = key
        && let Some(r) = det.literal_credential(k, value)
    {
        let what = "a credential in a build argument".to_string();
        return Some((r.start + offset..r.end + offset, what, Some(k.to_string())));
    }
    let m = det.find_pattern(value)?;
    Some((m.range.start + offset..m.range.end + offset, m.what, key.map(str::to_string)))
}
