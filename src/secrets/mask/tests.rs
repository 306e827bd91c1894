//! Masking by structure: what each place in a Compose file shows, and the canary list of the
//! redaction issue (comments, commands, entrypoints, healthchecks, labels, `x-` fields, keys).

use super::shown::{shown_name, shown_path};
use super::*;

const CANARY: &str = "q7Rm2wZ";

fn masked(text: &str) -> String {
    let out = mask(text);
    assert_eq!(out.len(), text.len(), "masking keeps every byte position");
    assert_eq!(out.lines().count(), text.lines().count());
    out
}

#[test]
fn masks_values_keeps_shape() {
    let text = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: \"hünter2\"\n      USER: bob\n";
    let out = masked(text);
    assert!(!out.contains("hünter2"));
    assert!(out.contains("POSTGRES_PASSWORD: \"********\"\n"), "{out}");
    // Every environment value is masked unless harmless, credential name or not.
    assert!(out.contains("USER: ***\n"), "{out}");
}

#[test]
fn structure_shows_names_images_mounts_numbers_and_interpolation() {
    let text = "services:\n  web:\n    image: registry.example.com/app:1.2\n    ports: [\"8080:80\"]\n    secrets:\n      - source: db_pw\n        target: /run/secrets/db\n        mode: 0400\n    environment:\n      PORT: 8080\n      DEBUG: \"false\"\n      HOST: ${DB_HOST}\n      URL: https://example.com/x\n      DATA: /var/lib/app\n      NAME: wordpress\n    depends_on: [db]\nsecrets:\n  db_pw:\n    file: ./db.txt\n";
    let out = masked(text);
    for shown in [
        "image: registry.example.com/app:1.2",
        "\"8080:80\"",
        "source: db_pw",
        "target: /run/secrets/db",
        "mode: 0400",
        "PORT: 8080",
        "DEBUG: \"false\"",
        "HOST: ${DB_HOST}",
        "URL: https://example.com/x",
        "DATA: /var/lib/app",
        "depends_on: [db]",
        "file: ./db.txt",
    ] {
        assert!(out.contains(shown), "{shown} should show:\n{out}");
    }
    assert!(out.contains("NAME: *********"), "{out}");
}

#[test]
fn a_credential_key_shows_only_interpolation() {
    let text = "services:\n  a:\n    environment:\n      DB_PASSWORD: 123456\n      API_TOKEN: ${TOKEN}\n      ADMIN_PASSWORD: ${PW:-fallback9}\n      - x\n";
    let text = &text[..text.find("      - x").unwrap()];
    let out = masked(text);
    assert!(out.contains("DB_PASSWORD: ******"), "{out}");
    assert!(out.contains("API_TOKEN: ${TOKEN}"), "{out}");
    assert!(!out.contains("fallback9"), "{out}");
}

#[test]
fn the_canary_never_shows_where_the_issue_found_it() {
    let texts = [
        format!("services:\n  a:\n    image: x\n    # password: {CANARY}\n"),
        format!("services:\n  a:\n    entrypoint: /bin/app --password={CANARY}\n"),
        format!("services:\n  a:\n    command: [\"--db-password\", \"{CANARY}\"]\n"),
        format!("services:\n  a:\n    command: [\"--db-password\", {CANARY}]\n"),
        format!("services:\n  a:\n    healthcheck:\n      test: curl -u admin:{CANARY} http://localhost\n"),
        format!(
            "services:\n  a:\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-u\", \"admin:{CANARY}\"]\n"
        ),
        format!("services:\n  a:\n    secrets:\n      - m4 # token {CANARY}\n"),
        format!("services:\n  a:\n    labels:\n      note: {CANARY}\n"),
        format!("services:\n  a:\n    labels:\n      - \"note={CANARY}\"\n"),
        format!("x-extra:\n  field: {CANARY}\nservices:\n  a:\n    image: x\n"),
        format!("services:\n  a:\n    x-field: {CANARY}\n"),
        format!("services:\n  a:\n    command: redis-server --requirepass {CANARY}\n"),
        format!("services:\n  a:\n    command: sh -c \"mysql -uroot -p{CANARY} db\"\n"),
        format!("services:\n  a:\n    command: [\"sh\", \"-c\", \"exec app --token {CANARY}\"]\n"),
        format!("services:\n  a:\n    entrypoint: |\n      set -e\n      app --password {CANARY}\n"),
        format!("services:\n  a:\n    build:\n      args:\n        SEED: {CANARY}\n"),
        format!("services:\n  a:\n    logging:\n      options:\n        token: {CANARY}\n"),
        format!("secrets:\n  s:\n    content: {CANARY}\n"),
        format!("volumes:\n  v:\n    driver_opts:\n      o: \"addr=nas,password={CANARY}\"\n"),
        format!("services:\n  a:\n    environment:\n      - CONN=Server=db;Password={CANARY}\n"),
        format!("services:\n  a:\n    environment:\n      DATABASE_URL: postgres://u:{CANARY}@db/x\n"),
        format!("services:\n  a:\n    environment: [\"A={CANARY}\"]\n"),
        format!("services:\n  a:\n    environment:\n      A: \"{CANARY}\\t\"\n"),
        format!("services:\n  a:\n    command: \"app --key \\\"{CANARY}\\\"\"\n"),
        format!("services:\n  a:\n    environment:\n      A: &x {CANARY}\n    image: *x\n"),
        format!("x-a: &a {CANARY}\nservices:\n  b:\n    hostname: *a\n    environment:\n      P: *a\n"),
    ];
    for text in texts {
        let out = masked(&text);
        assert!(!out.contains(CANARY), "{text}\n---\n{out}");
    }
}

#[test]
fn commands_keep_program_names_flags_and_paths() {
    let text = "services:\n  a:\n    command: redis-server /etc/redis.conf --appendonly yes --requirepass s3cr3tpw\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\", \"-U\", \"postgres\"]\n";
    let out = masked(text);
    assert!(
        out.contains("command: redis-server /etc/redis.conf --appendonly yes --requirepass ********"),
        "{out}"
    );
    assert!(out.contains("[\"CMD\", \"pg_isready\", \"-U\", \"********\"]"), "{out}");
}

#[test]
fn extension_anchors_show_as_what_they_are_used_for() {
    let text = "x-common: &common\n  restart: always\n  image: nginx:1\nservices:\n  a:\n    <<: *common\n";
    let out = masked(text);
    assert!(out.contains("restart: always") && out.contains("image: nginx:1"), "{out}");
    // Unused, an `x-` field is free text.
    let out = masked("x-note:\n  restart: always\n");
    assert!(out.contains("restart: ******"), "{out}");
}

#[test]
fn comments_are_masked_but_suppressions_keep_their_directive() {
    let text = "services:\n  a:\n    image: x  # minipaas: ignore[MP006] reason here\n    command: echo '#' ok # a note\n";
    let out = masked(text);
    assert!(out.contains("# minipaas: ignore[MP006] ****** ****"), "{out}");
    // The `#` inside the quoted word is a value, not a comment: the comment starts later.
    assert!(out.contains("command: echo '*' ** # * ****"), "{out}");
}

#[test]
fn keys_that_look_like_tokens_are_masked() {
    let token = "ghp_0123456789abcdefghijABCDEFGHIJklmnopqr";
    let out = masked(&format!("services:\n  a:\n    labels:\n      {token}: x\n"));
    assert!(!out.contains(token), "{out}");
}

#[test]
fn a_text_that_does_not_parse_is_masked_line_by_line() {
    let text = format!(
        "services:\n  a:\n    environment:\n      A: {CANARY}\n      A: {CANARY}\n      PORT: 80 # {CANARY}\n  [\n"
    );
    let out = masked(&text);
    assert!(!out.contains(CANARY), "{out}");
    assert!(
        out.contains("services:\n  a:\n    environment:\n      A: ") && out.contains("PORT: 80 #"),
        "{out}"
    );
}

#[test]
fn a_manifest_shows_its_files_and_masks_its_vars() {
    let text = format!("project:\n  files: [compose.yaml]\nvars:\n  TAG: {CANARY}\n");
    let out = mask_with(&text, Shape::Manifest, &Detector::default());
    assert!(out.contains("files: [compose.yaml]") && !out.contains(CANARY), "{out}");
}

#[test]
fn messages_quote_names_but_not_secrets() {
    let det = Detector::default();
    let token = "ghp_0123456789abcdefghijABCDEFGHIJklmnopqr";
    assert_eq!(scrub("secret `db_pw` of service `web`", &det), "secret `db_pw` of service `web`");
    let msg = format!("duplicate mapping key `{token}` (first on line 3)");
    let out = scrub(&msg, &det);
    assert!(!out.contains(token) && out.contains("(first on line 3)"), "{out}");
    let out = scrub("reads `${DB:-hunter2}`", &det);
    assert!(!out.contains("hunter2"), "{out}");
    assert_eq!(scrub("uses `app_${TAG}`", &det), "uses `app_${TAG}`");
}

#[test]
fn harmless_values() {
    let det = Detector::default();
    for v in [
        "",
        "true",
        "Off",
        "8080",
        "512M",
        "1m30s",
        "0.5",
        "--verbose",
        "-v",
        "/usr/bin/app",
        "./x",
        "https://a.example/b",
        "${X}",
        "$X${Y}",
    ] {
        assert!(harmless(v, &det), "{v}");
    }
    for v in [
        "wordpress",
        "-psecret",
        "https://u:p@h/",
        "https://h/?token=abc",
        "${X:-dflt}",
        "admin:pw",
        "hunter2",
    ] {
        assert!(!harmless(v, &det), "{v}");
    }
}

#[test]
fn an_adversarial_review_found_these_and_they_stay_masked() {
    let nbsp = "\u{a0}";
    let ideo = "\u{3000}";
    let texts = [
        // Unicode spaces between command words must not shift the masks.
        format!(
            "services:\n  a:\n    command: redis-server{nbsp}--save{ideo}60 --requirepass{nbsp}{CANARY}\n"
        ),
        // A field a declaration, build, logging or healthcheck does not define is a value.
        format!("secrets:\n  s:\n    value: {CANARY}\n    password: {CANARY}\n"),
        format!(
            "services:\n  a:\n    build:\n      dockerfile_inline: FROM x ENV K={CANARY}\n      arg:\n        TOKEN: {CANARY}\n"
        ),
        format!(
            "services:\n  a:\n    logging:\n      option:\n        splunk-token: {CANARY}\n    healthcheck:\n      password: {CANARY}\n"
        ),
        format!("services:\n  a:\n    build:\n      context: https://{CANARY}@github.com/o/r.git\n"),
        // Only the real directive is shown.
        format!("services: # minipaas: the old token {CANARY} is rotated [x]\n"),
        // A bare CR ends a line; a BOM starts the first.
        format!("services:\r  a:\r    image: x\r# {CANARY}\r"),
        format!("\u{feff}# {CANARY}\nservices: {{}}\n"),
        // A credential written as a flow mapping's key.
        format!("services:\n  a:\n    environment: {{DB_PASSWORD={CANARY}, DEBUG=1}}\n"),
        // `//host` is not a path; a `:` in a URL path may be a token; `${X:?msg}` is a literal.
        format!(
            "services:\n  a:\n    environment:\n      REDIS: //:{CANARY}@redis:6379/0\n      HOOK: https://api.example/bot1:{CANARY}/send\n      DB_PASSWORD: ${{X:?{CANARY}}}\n"
        ),
    ];
    for text in texts {
        let out = masked(&text);
        assert!(!out.contains(CANARY), "{text:?}\n---\n{out}");
    }
    let out = mask_with(
        &format!("compose:\n  files: [a.yaml]\n  password: {CANARY}\nregistry:\n  token: {CANARY}\n"),
        Shape::Manifest,
        &Detector::default(),
    );
    assert!(!out.contains(CANARY) && out.contains("files: [a.yaml]"), "{out}");
}

#[test]
fn messages_check_every_word_whatever_the_backticks() {
    let det = Detector::default();
    let token = "ghp_0123456789abcdefghijABCDEFGHIJklmnopqr";
    for msg in [
        format!("duplicate mapping key `X=`${{P:-{CANARY}}}` (first defined on line 3)"),
        format!("duplicate mapping key `GH=`{token}` (first defined on line 3)"),
        format!("duplicate mapping key `DB_PASSWORD={CANARY}` (first defined on line 3)"),
    ] {
        let out = scrub(&msg, &det);
        assert!(!out.contains(CANARY) && !out.contains(token), "{out}");
        assert!(out.contains("(first defined on line 3)"), "{out}");
    }
    assert!(!shown_path(&format!("-{CANARY}}}.yml")).contains(CANARY));
    assert_eq!(shown_path("stacks/app.yml"), "stacks/app.yml");
}

#[test]
fn known_values_are_masked_wherever_a_message_or_snippet_names_them() {
    let det = Detector::default();
    let scrubber = Scrubber::with_values(&det, vec![CANARY.to_string(), "pw".to_string()]);
    let msg = format!("`{CANARY}/inc.yaml` is not a file; no service `{CANARY}`");
    let out = scrubber.scrub(&msg);
    assert!(!out.contains(CANARY) && out.contains("/inc.yaml"), "{out}");
    // Too short to mask in prose.
    assert_eq!(scrubber.scrub("pw is fine"), "pw is fine");
    let out = scrubber.mask_known(format!("secrets:\n  {CANARY}:\n    external: true\n"));
    assert!(!out.contains(CANARY) && out.contains("external: true"), "{out}");
    // Control characters (a terminal escape written in a key) never reach a terminal.
    assert_eq!(scrubber.scrub("key `a\u{1b}[2Jb`"), "key `a?[2Jb`");
    assert_eq!(shown_name("DB_PASSWORD", &det), "DB_PASSWORD");
    let key = format!("DB_PASSWORD = {CANARY}");
    assert!(!shown_name(&key, &det).contains(CANARY));
}

#[test]
fn the_code_review_found_these_and_they_stay_masked() {
    let texts = [
        // A base64 value's padding is not `KEY=value`; nor is a password holding `=`.
        "services:\n  a:\n    environment:\n      API_TOKEN: c2VjcmV0a2V5Zm9ydGVzdA==\n      NOTE: q7Rm2wZ=\n".to_string(),
        "services:\n  a:\n    environment:\n      DB_PASSWORD: \"p4ss=q7Rm2wZ\"\n".to_string(),
        // A credential flag's value is masked even when it looks harmless (a number, a path).
        "services:\n  a:\n    command: redis-server --requirepass 4711\n    entrypoint: [\"app\", \"--password\", \"4711\"]\n".to_string(),
        "services:\n  a:\n    healthcheck:\n      test: redis-cli -a 4711 ping\n".to_string(),
        // A file that does not parse still knows a credential key.
        "services:\n  a:\n    environment:\n      DB_PASSWORD: 4711\n  [\n".to_string(),
        // Items of a list under a credential key are credentials.
        "x-db-passwords: [4711, 4712]\nservices: {}\n".to_string(),
    ];
    for text in texts {
        let out = masked(&text);
        for leaked in ["c2VjcmV0a2V5Zm9ydGVzdA", CANARY, "4711", "4712"] {
            assert!(!out.contains(leaked), "{text:?}\n---\n{out}");
        }
    }
    // A credential word the project configures counts for `--flag=value` too.
    let det = Detector { extra_words: vec!["PIN".into()], allowed_values: Vec::new() };
    let out = mask_with("services:\n  a:\n    command: app --pin=4711\n", Shape::Compose, &det);
    assert!(!out.contains("4711"), "{out}");
}

#[test]
fn line_endings_survive_scrubbing_and_other_control_characters_do_not() {
    let det = Detector::default();
    let scrubber = Scrubber::new(&det);
    // A fix's text in a CRLF file keeps its line endings (SARIF shows it as inserted).
    assert_eq!(scrubber.scrub("secrets:\r\n  - db\r\n"), "secrets:\r\n  - db\r\n");
    // A lone `\r` would rewrite the terminal line; an escape would colour it.
    assert_eq!(scrubber.scrub("a\rb\u{1b}[31m\r"), "a?b?[31m?");
}
