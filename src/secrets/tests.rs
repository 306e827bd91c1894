//! Tests of the detectors.
use super::vocabulary::CREDENTIAL_WORDS;
use super::*;

/// The built-in detectors, as the rules get them without configuration.
fn det() -> Detector {
    Detector::default()
}

#[test]
fn every_pattern_compiles() {
    for (i, (keyword, p)) in PATTERNS.iter().enumerate() {
        assert!(regex(i).is_some(), "{}", p.what);
        assert!(PREFILTER.as_ref().unwrap().is_match(keyword));
    }
}

#[test]
fn every_credential_word_passes_the_prefilter() {
    let ac = CREDENTIAL_PREFILTER.as_ref().unwrap();
    for word in CREDENTIAL_WORDS.iter().chain(&["KEY"]) {
        assert!(ac.is_match(word) && ac.is_match(&word.to_lowercase()), "{word}");
    }
    assert_eq!(det().classify_key("dbPassword"), KeyClass::Credential { last: true });
    assert_eq!(det().classify_key("SIGNING_KEY"), KeyClass::Credential { last: true });
    assert_eq!(det().classify_key("POSTGRES_USER"), KeyClass::Plain);
}

#[test]
fn words_split_on_separators_and_camel_case() {
    assert_eq!(words("dbPassword").collect::<Vec<_>>(), ["db", "Password"]);
    assert_eq!(words("AWS_SECRET_ACCESS_KEY").collect::<Vec<_>>(), ["AWS", "SECRET", "ACCESS", "KEY"]);
    assert_eq!(words("a.b-c__d").collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    assert_eq!(words("v2Token").collect::<Vec<_>>(), ["v2", "Token"]);
    assert_eq!(words("").count(), 0);
}

#[test]
fn credential_keys_are_words_not_substrings() {
    for yes in [
        "DB_PASSWORD",
        "POSTGRES_PASSWORD",
        "dbPassword",
        "API_KEY",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWD",
        "SECRET",
        "client-secret",
        "PRIVATE_KEY",
    ] {
        assert!(matches!(det().classify_key(yes), KeyClass::Credential { .. }), "{yes}");
    }
    for no in [
        "PASSWORD_FILE",
        "POSTGRES_PASSWORD_FILE",
        "PASSPORT_ID",
        "TOKENIZER",
        "KEYBOARD",
        "MONKEY",
        "PWD",
        "SECRET_PATH",
        "PUBLIC_KEY",
        "TOKEN_URL",
    ] {
        assert_eq!(det().classify_key(no), KeyClass::Plain, "{no}");
    }
}

#[test]
fn literal_values_and_defaults() {
    assert_eq!(det().literal_credential("DB_PASSWORD", "hunter2"), Some(0..7));
    assert_eq!(det().literal_credential("DB_PASSWORD", "${DB_PASSWORD}"), None);
    assert_eq!(det().literal_credential("DB_PASSWORD", "${DB_PASSWORD:-changeme}"), Some(15..23));
    assert_eq!(det().literal_credential("DB_PASSWORD", ""), None);
    assert_eq!(det().literal_credential("DB_PASSWORD", "123456"), Some(0..6));
    assert_eq!(det().literal_credential("PASSWORD_MIN_LENGTH", "12"), None);
    assert_eq!(det().literal_credential("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"), None);
    assert_eq!(det().literal_credential("PASSWORD_REQUIRED", "true"), None);
    assert_eq!(det().literal_credential("DB_PASSWORD", "$$ecret"), Some(0..7));
}

#[test]
fn tokens_inside_longer_values() {
    let v = "serve --signing-key q8Zr3LmX0vT7kPw2Yb9NcF4hJd6Sg1Ae --verbose";
    let m = det().find_pattern(v).unwrap();
    assert_eq!(&v[m.range], "q8Zr3LmX0vT7kPw2Yb9NcF4hJd6Sg1Ae");
    assert!(det().find_pattern("old token: q8Zr3LmX0vT7kPw2Yb9NcF4hJd6Sg1Ae").is_some());
    assert!(det().find_pattern("wget -qO- --spider http://127.0.0.1:8080/health/check/endpoint").is_none());
    assert!(det().find_pattern("sh -c 'while true; do cat /run/secrets/token; sleep 1; done'").is_none());
}

#[test]
fn entropy_of_ascii_and_unicode() {
    assert_eq!(entropy(""), 0.0);
    assert_eq!(entropy("aaaa"), 0.0);
    assert!((entropy("abcd") - 2.0).abs() < 1e-9);
    assert!((entropy("äöüß") - 2.0).abs() < 1e-9);
}

#[test]
fn token_formats() {
    let gh = format!("ghp_{}", "a1B2c3D4e5".repeat(4).get(..36).unwrap());
    assert_eq!(det().find_pattern(&gh).unwrap().what, "a GitHub token");
    assert_eq!(det().find_pattern("AKIAIOSFODNN7EXAMPLE").unwrap().what, "an AWS access key ID");
    let url = "postgres://user:s3cret@db:5432/app";
    let m = det().find_pattern(url).unwrap();
    assert_eq!(&url[m.range], "s3cret");
    assert!(det().find_pattern("postgres://user:${PW}@db/app").is_none());
    assert!(det().find_pattern("-----BEGIN RSA PRIVATE KEY-----\nabc").is_some());
    assert!(det().find_pattern("nginx:1.25-alpine").is_none());
    assert!(det().find_pattern("hello world this is a sentence").is_none());
    assert!(det().find_pattern("550e8400-e29b-41d4-a716-446655440000").is_none());
    assert!(det().find_pattern("q8Zr3LmX0vT7kPw2Yb9NcF4hJd6Sg1Ae").is_some());
}

#[test]
fn configured_words_and_placeholders() {
    let det = Detector { extra_words: vec!["PIN".into()], allowed_values: vec!["changeme".into()] };
    assert!(det.literal_credential("CARD_PIN", "1234").is_some());
    assert!(Detector::default().literal_credential("CARD_PIN", "1234").is_none());
    assert!(det.literal_credential("DB_PASSWORD", "changeme").is_none());
    assert!(det.literal_credential("DB_PASSWORD", "${X:-changeme}").is_none());
    assert!(det.find_pattern("postgres://u:changeme@h/db").is_none());
}

#[test]
fn env_files_report_credential_assignments_only() {
    let found =
        det().env_file_credentials("# c\nexport DB_PASSWORD=\"x1\"\nUSER=bob\nTOKEN=\nAPI_KEY=${FROM_ENV}\n");
    assert_eq!(found, [("DB_PASSWORD".to_string(), "x1".to_string())]);
}

#[test]
fn glued_and_plural_credential_words() {
    for yes in ["DOMAINPASS", "DBPASSWORD", "SECRETS_SYSTEM", "ADMIN_PASSWORDS", "CSRFTOKEN", "clientSecret"]
    {
        assert!(matches!(det().classify_key(yes), KeyClass::Credential { .. }), "{yes}");
    }
    for no in ["PASSENGER", "COMPASS", "BYPASS_CACHE", "OLDPWD", "PASSPORT_ID"] {
        assert_eq!(det().classify_key(no), KeyClass::Plain, "{no}");
    }
}

#[test]
fn settings_about_credentials_are_not_credentials() {
    for no in [
        "REGISTRY_AUTH_TOKEN_REALM",
        "REGISTRY_AUTH_TOKEN_SERVICE",
        "REGISTRY_AUTH_TOKEN_ISSUER",
        "JWT_SECRET_ALGORITHM",
        "TOKEN_TTL",
        "PASSWORD_EXPIRY",
        "TOKEN_URL",
    ] {
        assert_eq!(det().classify_key(no), KeyClass::Plain, "{no}");
    }
    assert!(matches!(det().classify_key("SERVICE_ACCOUNT_TOKEN"), KeyClass::Credential { .. }));
    // A pointer word before the credential word does not make it a pointer.
    assert!(matches!(det().classify_key("SOGO_URL_ENCRYPTION_KEY"), KeyClass::Credential { .. }));
    assert!(matches!(det().classify_key("DB_HOST_PASSWORD"), KeyClass::Credential { .. }));
    assert_eq!(det().classify_key("ALLOW_EMPTY_PASSWORD"), KeyClass::Plain);
    assert_eq!(det().literal_credential("API_KEY", "invalid"), None);
    // Values that switch a feature are not credentials; placeholders are.
    assert_eq!(det().literal_credential("STRATEGIES_ACCESS_TOKEN", "jwt"), None);
    assert_eq!(det().literal_credential("STATS_PASS", "none"), None);
    assert!(det().literal_credential("DB_PASSWORD", "<password>").is_some());
    assert!(det().literal_credential("DB_PASSWORD", "changeme").is_some());
    assert!(is_placeholder("YOURPASSWORDhere") && is_placeholder("xxx") && is_placeholder("<password>"));
    assert!(!is_placeholder("k9Wq2Lp"));
}

#[test]
fn auth_settings_holding_a_pair() {
    assert!(det().literal_credential("REGISTRY_AUTH", "admin:s3cret").is_some());
    assert!(det().literal_credential("BASIC_AUTH", "admin:s3cret").is_some());
    assert_eq!(det().literal_credential("REGISTRY_AUTH", "htpasswd"), None);
    assert_eq!(det().literal_credential("UPSTREAM_AUTH", "http://auth:9000"), None);
    assert_eq!(det().literal_credential("BASIC_AUTH", "admin:${PW}"), None);
}

#[test]
fn connection_strings_and_embedded_configuration() {
    let hit = |v: &str| det().find_pattern(v).map(|m| v[m.range].to_string());
    assert_eq!(hit("Server=db;User Id=sa;Password=Pass@word;").as_deref(), Some("Pass@word"));
    assert_eq!(hit("Driver={x};Server=h;Uid=u;Pwd=hunter2;").as_deref(), Some("hunter2"));
    assert_eq!(hit("jdbc:postgresql://db/app?user=a&password=s3cr3t").as_deref(), Some("s3cr3t"));
    assert_eq!(hit("Server=db;Password=${DB_PASSWORD}"), None);
    assert_eq!(hit("Server=db;Password=;"), None);
    let omnibus = "external_url 'https://x'\ngitlab_rails['db_password'] = 'hunter22'\n";
    assert_eq!(hit(omnibus).as_deref(), Some("hunter22"));
    assert_eq!(hit(r#"{"user": "a", "password": "pw-1"}"#).as_deref(), Some("pw-1"));
    assert_eq!(hit("password = 'none'"), None);
    assert_eq!(hit("password_file = '/run/secrets/pw'"), None);
}

#[test]
fn passwords_on_command_lines() {
    let det = Detector::default();
    let hit = |v: &str| det.command_credential(v).map(|m| v[m.range].to_string());
    assert_eq!(hit("redis-server --requirepass hunter2").as_deref(), Some("hunter2"));
    assert_eq!(hit("app --password=hunter2 --verbose").as_deref(), Some("hunter2"));
    assert_eq!(hit("app --db-password 'hunter2'").as_deref(), Some("hunter2"));
    assert_eq!(hit("redis-server --masterauth pw1").as_deref(), Some("pw1"));
    assert_eq!(hit("mysqladmin ping -uroot -phunter2").as_deref(), Some("hunter2"));
    assert_eq!(hit("mysqldump -uroot -p'hunter2' db").as_deref(), Some("hunter2"));
    assert_eq!(hit("redis-cli -a hunter2 ping").as_deref(), Some("hunter2"));
    assert_eq!(hit("curl -u admin:hunter2 http://x").as_deref(), Some("hunter2"));
    assert_eq!(hit("--db-password hunter2 ").as_deref(), Some("hunter2"));
    for no in [
        "mysql -p db",
        "redis-server --requirepass $REDIS_PASSWORD",
        "app --password-file /run/secrets/pw",
        "app --password \"$(cat /run/secrets/pw)\"",
        "curl -u admin: http://x",
        "curl -u $USER:$PASS http://x",
        "app -p 8080",
        "redis-server --requirepass",
    ] {
        assert_eq!(hit(no), None, "{no}");
    }
}

#[test]
fn what_the_code_review_found_in_the_detectors() {
    let det = Detector::default();
    let hit = |v: &str| det.command_credential(v).map(|m| v[m.range].to_string());
    // A flag that only mentions the credential takes no password.
    assert_eq!(hit("docker login --password-stdin registry.example.com"), None);
    // A new command after a separator: `mkdir -pv` is not mysql's `-p`.
    assert_eq!(hit("mysql -uroot db; mkdir -pv /data"), None);
    // A multi-byte space between the flag and the password: the range is the password.
    assert_eq!(hit("app --password\u{3000}hunter2 --verbose").as_deref(), Some("hunter2"));
    assert_eq!(hit("app\u{a0}--password=hunter2").as_deref(), Some("hunter2"));
    // Keywords in any case reach their (case-insensitive) patterns.
    let found = |v: &str| det.find_pattern(v).map(|m| v[m.range].to_string());
    assert_eq!(found("db_passwd = 'hunter22'").as_deref(), Some("hunter22"));
    assert_eq!(found(r#"{"SECRET": "hunter22"}"#).as_deref(), Some("hunter22"));
    assert_eq!(found("Server=db; Password = hunter22;").as_deref(), Some("hunter22"));
    assert_eq!(found("PASSWD 'hunter22'").as_deref(), Some("hunter22"));
    assert_eq!(found("cd $PWD=/app"), None);
}
