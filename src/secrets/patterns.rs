//! The token formats the detectors know (after gitleaks' rules, MIT), each behind a literal
//! keyword that one automaton looks for first; each regex is compiled the first time a value
//! needs it.

use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;
use regex::Regex;

/// A well-known secret format.
pub(super) struct Pattern {
    /// What it is, for the message.
    pub(super) what: &'static str,
    regex: &'static str,
}

/// Token formats (after gitleaks' rules, MIT), each behind a literal keyword prefilter.
pub(super) const PATTERNS: &[(&str, Pattern)] = &[
    (
        "-----BEGIN",
        Pattern { what: "a private key", regex: r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----" },
    ),
    (
        "AKIA",
        Pattern {
            what: "an AWS access key ID",
            regex: r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        },
    ),
    (
        "ASIA",
        Pattern {
            what: "an AWS access key ID",
            regex: r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        },
    ),
    (
        "gh",
        Pattern {
            what: "a GitHub token",
            regex: r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b",
        },
    ),
    ("glpat-", Pattern { what: "a GitLab token", regex: r"\bglpat-[A-Za-z0-9_-]{20,}" }),
    ("xox", Pattern { what: "a Slack token", regex: r"\bxox[baprs]-[A-Za-z0-9-]{10,}" }),
    ("_live_", Pattern { what: "a Stripe key", regex: r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}" }),
    ("_test_", Pattern { what: "a Stripe key", regex: r"\b(?:sk|rk)_test_[A-Za-z0-9]{20,}" }),
    ("AIza", Pattern { what: "a Google API key", regex: r"\bAIza[0-9A-Za-z_-]{35}" }),
    (
        "eyJ",
        Pattern {
            what: "a JSON Web Token",
            regex: r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        },
    ),
    // ADO.NET / ODBC / JDBC connection strings: `Server=db;User Id=sa;Password=…;`,
    // `jdbc:…?user=a&password=…`. The keyword is the name's tail, in either case.
    ("assword", Pattern { what: "a password in a connection string", regex: CONNECTION }),
    ("pwd", Pattern { what: "a password in a connection string", regex: CONNECTION }),
    // A password inside configuration embedded in a value (Ruby, TOML, INI, JSON):
    // `gitlab_rails['db_password'] = '…'`, `"password": "…"`. Quoted values only.
    ("assword", Pattern { what: "a password in embedded configuration", regex: EMBEDDED }),
    ("asswd", Pattern { what: "a password in embedded configuration", regex: EMBEDDED }),
    ("ecret", Pattern { what: "a secret in embedded configuration", regex: EMBEDDED }),
    // fetchmail/netrc style: `pass 'secret'`, `password "secret"`.
    ("pass", Pattern { what: "a password in embedded configuration", regex: SPACED }),
    (
        "hooks.slack.com",
        Pattern {
            what: "a Slack webhook URL",
            regex: r"https://hooks\.slack\.com/services/[A-Za-z0-9_/-]{4,}",
        },
    ),
    (
        "://",
        Pattern {
            what: "a password in a URL",
            regex: r"[A-Za-z][A-Za-z0-9+.-]*://[^:/?#\s@]+:([^@/?#\s]+)@",
        },
    ),
];

const CONNECTION: &str = r#"(?i)(?:^|[;?&\s"'])(?:password|pwd)\s*=\s*([^;&"'\s$*{</][^;&"'\s]*)"#;

const EMBEDDED: &str = r#"(?i)\b[a-z0-9_.\[\]'"-]*(?:password|passwd|secret)['"\]]*\s*(?:=>|=|:)\s*(?:'([^'\s$*{<][^'\s]*)'|"([^"\s$*{<][^"\s]*)")"#;

const SPACED: &str = r#"(?i)\b(?:pass|password|passwd)[ \t]+(?:'([^'\s$*{<][^'\s]*)'|"([^"\s$*{<][^"\s]*)")"#;

/// Keywords in any case: the regexes are case-insensitive where the formats are (`Password=`,
/// `PASSWD 'x'`), and a case-sensitive one simply does not match the other cases.
pub(super) static PREFILTER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder().ascii_case_insensitive(true).build(PATTERNS.iter().map(|(k, _)| *k)).ok()
});

/// Each pattern's regex, compiled the first time a value holds its keyword: a repository
/// with one URL password should not pay for compiling all of them.
static REGEXES: [OnceLock<Option<Regex>>; PATTERNS.len()] = [const { OnceLock::new() }; PATTERNS.len()];

pub(super) fn regex(i: usize) -> Option<&'static Regex> {
    REGEXES.get(i)?.get_or_init(|| Regex::new(PATTERNS.get(i)?.1.regex).ok()).as_ref()
}
