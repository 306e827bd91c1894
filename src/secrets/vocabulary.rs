//! The words that make a variable name a credential, a setting about one, or a pointer to
//! one, and how a name is split into words.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Words that make a variable name a credential.
pub(super) const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIALS",
    "CREDENTIAL",
    "PASSPHRASE",
    "PRIVATEKEY",
    "ACCESSKEY",
    "SECRETKEY",
    "AUTHKEY",
    "SALT",
];

/// Every credential word, and `KEY`, contains one of these: a name with none of them is not a
/// credential, found in one pass over the name (most names hold no credential word).
pub(super) const CREDENTIAL_PARTS: &[&str] = &["PASS", "PWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "SALT"];

pub(super) static CREDENTIAL_PREFILTER: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::builder().ascii_case_insensitive(true).build(CREDENTIAL_PARTS).ok());

/// `<word> KEY` pairs that name a credential.
pub(super) const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "PRIVATE",
    "ACCESS",
    "AUTH",
    "ENCRYPTION",
    "MASTER",
    "SIGNING",
    "SECRET",
    "JWT",
    "SECURITY",
    "LICENSE",
    "LICENCE",
    "RELIC",
    "APP",
    "SESSION",
    "HMAC",
    "SHARED",
    "CLIENT",
    "ACCOUNT",
    "ADMIN",
    "WEBHOOK",
    "NONCE",
    "IN",
    "CRYPT",
    "ENCRYPT",
];

/// Words that make a credential-named variable a setting *about* the credential wherever they
/// stand (`ALLOW_EMPTY_PASSWORD`, `PASSWORD_MIN_LENGTH`, `TOKEN_TTL`).
pub(super) const SETTING_WORDS: &[&str] = &[
    "ALLOW",
    "RANDOM",
    "EMPTY",
    "ENABLE",
    "ENABLED",
    "DISABLE",
    "DISABLED",
    "REQUIRE",
    "REQUIRED",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "TTL",
    "EXPIRY",
    "EXPIRE",
    "EXPIRES",
    "EXPIRATION",
    "TIMEOUT",
    "LIFETIME",
    "ROTATION",
    "POLICY",
    "ALGORITHM",
    "ALGO",
    "COST",
    "ROUNDS",
    "COMPLEXITY",
    "STRENGTH",
    "RESET",
    "HINT",
    "NUM",
    "NUMBER",
    "SCHEME",
];

/// Words that make a credential-named variable a pointer to the credential or a setting about
/// it when they come after the credential word (`PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`),
/// but not before it (`SOGO_URL_ENCRYPTION_KEY` is a key, `DB_HOST_PASSWORD` a password).
pub(super) const POINTER_WORDS: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "TYPE",
    "MODE",
    "NAME",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "HEADER",
    "PREFIX",
    "SUFFIX",
    "LOCATION",
    "METHOD",
    "STORE",
    "PROVIDER",
    "FILENAME",
    "FOLDER",
    "DIRECTORY",
];

/// Words that make a credential-named variable a setting when they end the name:
/// `REGISTRY_AUTH_TOKEN_REALM` is a URL, `..._SERVICE` an identifier, `..._ISSUER` a name.
/// Elsewhere in a name they mean nothing (`SERVICE_ACCOUNT_TOKEN` is a token).
pub(super) const ENDING_SETTING_WORDS: &[&str] = &[
    "REALM",
    "SERVICE",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "USER",
    "USERNAME",
    "LOGIN",
    "ALG",
    "KIND",
    "FORMAT",
    "VERSION",
    "STRATEGY",
    "STRATEGIES",
    "BACKEND",
    "DRIVER",
    "COMMAND",
    "CMD",
    "SIZE",
    "COUNT",
    "INTERVAL",
    "DURATION",
    "AGE",
    "PERIOD",
    "DELAY",
    "DOMAIN",
    "PATTERN",
    "REGEX",
    "FIELD",
    "PARAM",
    "COOKIE",
    "ENV",
    "VAR",
];

/// Words that end in a credential word without being one (`BYPASS`, `COMPASS`), and shell
/// variables that hold directories (`OLDPWD`).
pub(super) const NOT_GLUED: &[&str] = &[
    "BYPASS",
    "COMPASS",
    "ENCOMPASS",
    "SURPASS",
    "TRESPASS",
    "UNDERPASS",
    "OVERPASS",
    "IMPASS",
    "OLDPWD",
    "CWD",
];

/// Values that switch a feature rather than hold a credential (`STATS_PASS=none` turns the
/// password off; `STRATEGIES_ACCESS_TOKEN=jwt` names a strategy).
pub(super) const SWITCH_VALUES: &[&str] = &[
    "none",
    "null",
    "nil",
    "invalid",
    "disabled",
    "disable",
    "enabled",
    "enable",
    "jwt",
    "opaque",
    "random",
    "auto",
    "generate",
    "generated",
    "required",
    "optional",
    "internal",
    "external",
    "builtin",
    "default",
    "plain",
    "bcrypt",
    "sha256",
    "md5",
    "hmac",
    "rsa",
    "basic",
    "bearer",
    "oauth",
    "oauth2",
    "oidc",
    "ldap",
    "local",
    "file",
    "env",
    "vault",
];

/// Values people write where the real one should go: still deployed, so still reported, with
/// a message that says what they are.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    let compact: String = v.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    (v.starts_with('<') && v.ends_with('>'))
        || compact.chars().all(|c| c == 'x')
        || compact.starts_with("your")
        || compact.starts_with("change")
        || compact.starts_with("replace")
        || compact.starts_with("insert")
        || compact.starts_with("enter")
        || compact.ends_with("here")
        || compact.starts_with("example")
        || compact.starts_with("sample")
        || compact.starts_with("dummy")
        || compact.starts_with("todo")
        || matches!(
            compact.as_str(),
            "password" | "secret" | "pass" | "passwd" | "token" | "test" | "admin" | "root"
        )
}

/// A credential word, or one glued to a prefix (`DBPASSWORD`, `DOMAINPASS`) or made plural
/// (`SECRETS`, `PASSWORDS`).
pub(super) fn credential_word(word: &str, extra: &[String]) -> bool {
    if listed(&CREDENTIAL_LIST, word) || extra.iter().any(|x| x.eq_ignore_ascii_case(word)) {
        return true;
    }
    let upper = word.to_ascii_uppercase();
    let stem = upper.strip_suffix('S').filter(|s| s.len() >= 4).unwrap_or(&upper);
    if listed(&CREDENTIAL_LIST, stem) {
        return true;
    }
    if NOT_GLUED.contains(&upper.as_str()) || NOT_GLUED.contains(&stem) {
        return false;
    }
    // Glued: the credential word ends the word (or its singular), after at least two letters
    // of something else.
    [upper.as_str(), stem].iter().any(|cand| {
        ["PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "TOKEN", "APIKEY", "PASSPHRASE"]
            .iter()
            .any(|w| cand.len() >= w.len() + 2 && cand.ends_with(w))
    })
}

/// The words of a variable name, as slices of it (`dbPassword` → `db`, `Password`); compare
/// them ignoring case. No allocation: this runs for every value of every file.
pub(super) fn words(key: &str) -> impl Iterator<Item = &str> {
    let bytes = key.as_bytes();
    let mut start = None;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i <= bytes.len() {
            let c = bytes.get(i).copied();
            let alnum = c.is_some_and(|c| c.is_ascii_alphanumeric());
            // A lower-case letter or digit followed by an upper-case one starts a new word.
            let camel = start.is_some() && c.is_some_and(|c| c.is_ascii_uppercase()) && i > 0 && {
                let p = bytes[i - 1];
                p.is_ascii_lowercase() || p.is_ascii_digit()
            };
            let here = i;
            i += 1;
            match (start, alnum) {
                (Some(s), true) if camel => {
                    start = Some(here);
                    return Some(&key[s..here]);
                }
                (None, true) => start = Some(here),
                (Some(s), false) => {
                    start = None;
                    return Some(&key[s..here]);
                }
                _ => {}
            }
        }
        None
    })
}

pub(super) fn listed(list: &WordList, word: &str) -> bool {
    list.by_len.get(word.len()).is_some_and(|same| same.iter().any(|w| w.eq_ignore_ascii_case(word)))
}

/// A word list grouped by length: a name's word is compared with the few listed words of its
/// length, not all of them (this runs for every value of every file).
pub(super) struct WordList {
    by_len: Vec<Vec<&'static str>>,
}

impl WordList {
    fn new(words: &[&'static str]) -> WordList {
        let mut by_len = vec![Vec::new(); words.iter().map(|w| w.len() + 1).max().unwrap_or(0)];
        for w in words {
            by_len[w.len()].push(*w);
        }
        WordList { by_len }
    }
}

pub(super) static CREDENTIAL_LIST: LazyLock<WordList> = LazyLock::new(|| WordList::new(CREDENTIAL_WORDS));
pub(super) static QUALIFIER_LIST: LazyLock<WordList> = LazyLock::new(|| WordList::new(KEY_QUALIFIERS));
pub(super) static SETTING_LIST: LazyLock<WordList> = LazyLock::new(|| WordList::new(SETTING_WORDS));
pub(super) static POINTER_LIST: LazyLock<WordList> = LazyLock::new(|| WordList::new(POINTER_WORDS));
pub(super) static ENDING_SETTING_LIST: LazyLock<WordList> =
    LazyLock::new(|| WordList::new(ENDING_SETTING_WORDS));
