//! Safety guarantees: a canary secret never reaches any output; concurrent writers lose no
//! edit; a killed process never leaves a torn file.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{minipaas, minipaas_stdin, repo, write};

/// Looks like a real token (random, mixed case, digits): the kind of value a leak is made of.
const CANARY: &str = "Qz7Rk2Lm9Vx4Tb8Nw3Hy6Jp5Fs1Dc0G";

fn compose() -> String {
    format!(
        "services:\n  api:\n    image: postgres:17\n    environment:\n      API_TOKEN: {CANARY}\n      DB_PASSWORD: ${{DB_PASSWORD:-{CANARY}}}\n      - ignored\n"
    )
    .replace("      - ignored\n", "")
        + &format!(
            "    command: [\"serve\", \"--token\", \"{CANARY}\"]\n    entrypoint: serve --signing-key {CANARY} --verbose\n    labels:\n      - com.example.auth-token={CANARY}\n    env_file: app.env\n    secrets: [committed, inline]\n  worker:\n    image: worker\n    environment:\n      - SESSION_SECRET={CANARY}\n      - URL=postgres://app:{CANARY}@db/app\n# old token: {CANARY}\nsecrets:\n  committed:\n    file: ./secret.txt\n  inline:\n    content: {CANARY}\n  unused:\n    content: |\n      {CANARY}\n"
        )
}

/// A short, plain value: below every entropy threshold, so only masking by structure hides it.
const PLAIN_CANARY: &str = "k9Wq2Lp";

/// Every place the redaction issue found a value printed, with a plain canary. Each such line
/// carries (or sits above) an unused suppression, so MP011 shows it in a snippet.
fn plain_compose() -> String {
    let s = "  # minipaas: ignore[MP001] r";
    [
        "services:\n  api:\n    image: app\n    # password: C\n",
        &format!("{s}\n    entrypoint: /bin/app --password=C{s}\n"),
        &format!("    command: [\"--db-password\", \"C\"]{s}\n"),
        &format!("    healthcheck:\n      test: curl -u admin:C http://localhost{s}\n"),
        "    secrets:\n      - m4 # token C\n",
        &format!("{s}\n    labels:\n      note: C{s}\n"),
        &format!("    x-field: C{s}\n"),
        &format!("    build:\n      args:\n        SEED: C{s}\n"),
        &format!("    environment:\n      PLAIN: C{s}\n"),
        &format!("      CONN: Server=db;User Id=sa;Password=C;{s}\n"),
        "      DB_PASSWORD: C\n",
        // A used suppression: its reason is comment text, shown in SARIF as a justification.
        "      ADMIN_PASSWORD: C  # minipaas: ignore[MP006] the old one was C\n",
        &format!("secrets:\n  m4:\n    content: C{s}\n"),
        "  unused:\n    external: true\n    labels:\n",
        &format!("      v: C{s}\n"),
        &format!("x-extra:\n  unused: C{s}\n"),
    ]
    .concat()
    .replace('C', PLAIN_CANARY)
    .replace(&format!("{PLAIN_CANARY}ONN"), "CONN")
}

/// Runs every command that prints something about `files` and asserts `canary` is in none of
/// their outputs, nor in the baseline.
fn never_printed(canary: &str, files: &[(&str, &str)]) {
    let dir = repo(files);
    let d = dir.path();
    let clean: Vec<&str> = files.iter().filter(|(_, text)| !text.contains(canary)).map(|(p, _)| *p).collect();
    let mut runs = Vec::new();
    for format in ["text", "json", "sarif", "github"] {
        runs.push((
            format!("lint --format {format}"),
            minipaas(d, &["lint", "--format", format, "--no-color"]),
        ));
    }
    runs.push(("lint --diff".into(), minipaas(d, &["lint", "--diff", "--unsafe-fixes"])));
    runs.push(("lint --stats".into(), minipaas(d, &["lint", "--stats", "--no-color"])));
    runs.push(("lint --write-baseline".into(), minipaas(d, &["lint", "--write-baseline", "baseline.json"])));
    runs.push((
        "lint --baseline".into(),
        minipaas(d, &["lint", "--baseline", "baseline.json", "--no-color"]),
    ));
    runs.push(("lint --history".into(), minipaas(d, &["lint", "--history", "--format", "json"])));
    runs.push(("lint --history text".into(), minipaas(d, &["lint", "--history"])));
    runs.push(("units".into(), minipaas(d, &["units"])));
    runs.push(("units --format json".into(), minipaas(d, &["units", "--format", "json"])));
    runs.push(("config prune".into(), minipaas(d, &["config", "prune", "--env", "dev"])));
    runs.push(("secret ls".into(), minipaas(d, &["secret", "ls", "--env", "dev"])));
    runs.push(("config ls".into(), minipaas(d, &["config", "ls", "--env", "dev"])));
    runs.push((
        "secret create".into(),
        minipaas_stdin(
            d,
            &["secret", "create", "--env", "dev", "--name", "t", "--for", "api"],
            canary.as_bytes(),
        ),
    ));
    runs.push((
        "secret create (bad name)".into(),
        minipaas_stdin(d, &["secret", "create", "--env", "dev", "--name", "../t"], canary.as_bytes()),
    ));
    runs.push(("secret prune".into(), minipaas(d, &["secret", "prune", "--env", "dev"])));
    // The value typed where the file goes.
    runs.push((
        "secret create VALUE".into(),
        minipaas(d, &["secret", "create", "--env", "dev", "--name", "t2", canary]),
    ));
    runs.push(("lint --fix".into(), minipaas(d, &["lint", "--fix", "--unsafe-fixes", "--no-color"])));
    runs.push(("lint after --fix".into(), minipaas(d, &["lint", "--no-color"])));
    for (what, run) in &runs {
        assert!(!run.stdout.contains(canary), "{what} printed the canary on stdout:\n{}", run.stdout);
        assert!(!run.stderr.contains(canary), "{what} printed the canary on stderr:\n{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
    }
    let baseline = std::fs::read_to_string(d.join("baseline.json")).unwrap();
    assert!(!baseline.contains(canary));
    // Nor does a fix write it into a file that did not hold it.
    for path in clean {
        let text = std::fs::read_to_string(d.join(path)).unwrap();
        assert!(!text.contains(canary), "lint --fix wrote the canary into {path}:\n{text}");
    }
}

#[test]
fn the_canary_never_appears_in_any_output() {
    never_printed(
        CANARY,
        &[
            ("compose.yaml", &compose()),
            ("secret.txt", CANARY),
            ("app.env", &format!("API_KEY={CANARY}\n")),
            ("dev/minipaas.yaml", "compose:\n  files: [../compose.yaml]\n"),
            // A secret named by a variable whose value is the canary: declaring what it
            // resolves to would write the value into the file.
            ("interp/compose.yaml", "services:\n  w:\n    image: w\n    secrets: [\"${INTERP}\"]\n"),
            ("interp/.env", &format!("INTERP={CANARY}\n")),
            ("broken/compose.yaml", &format!("services: [\n  {CANARY}\n")),
            // A token written as a key, twice: the duplicate-key error names the key.
            (
                "dup/compose.yaml",
                &format!("services:\n  a:\n    labels:\n      {CANARY}: x\n      {CANARY}: y\n"),
            ),
        ],
    );
}

#[test]
fn a_plain_canary_never_appears_in_any_output() {
    never_printed(
        PLAIN_CANARY,
        &[
            ("compose.yaml", &plain_compose()),
            ("dev/minipaas.yaml", "compose:\n  files: [../compose.yaml]\nvars:\n  V: k9Wq2Lp\n"),
            (
                "broken/compose.yaml",
                &format!("services:\n  a:\n    environment:\n      A: {PLAIN_CANARY}\n  - [\n"),
            ),
            (
                "dup/compose.yaml",
                &format!(
                    "services:\n  a:\n    environment:\n      A: {PLAIN_CANARY}\n      A: {PLAIN_CANARY}\n"
                ),
            ),
            // Values read for interpolation, resolved into paths and names.
            ("interp/.env", &format!("DB_PASSWORD={PLAIN_CANARY}\n")),
            (
                "interp/compose.yaml",
                "include:\n  - ${DB_PASSWORD}/inc.yaml\nservices:\n  a:\n    image: a\n    extends:\n      file: base.yaml\n      service: ${DB_PASSWORD}\n  b:\n    image: b\n    secrets: [\"${DB_PASSWORD}\"]\n",
            ),
            ("interp/base.yaml", "services:\n  base:\n    image: x\n"),
            // A script that resolves a value into a file argument.
            (
                "deploy.sh",
                &format!(
                    "#!/bin/sh\nDB_PASSWORD={PLAIN_CANARY}\ndocker compose -f \"$DB_PASSWORD\" up\ndocker compose -f \"${{PW:-{PLAIN_CANARY}}}\" up\n"
                ),
            ),
            // An env file with lines that are not assignments, and keys that are not names.
            (
                "web/web.env",
                &format!(
                    "CERT=\"-----BEGIN\n{PLAIN_CANARY} DB_PASSWORD=hunter2\nend\"\nSMTP_PASSWORD {PLAIN_CANARY} # x\n"
                ),
            ),
            (
                "web/compose.yaml",
                &format!(
                    "services:\n  web:\n    image: postgres\n    env_file: web.env\n    environment:\n      \"DB_PASSWORD = {PLAIN_CANARY}\": x\n"
                ),
            ),
            // An anchor read as a password, used as a name elsewhere.
            (
                "alias/compose.yaml",
                &format!(
                    "x-pw: &pw {PLAIN_CANARY}\nservices:\n  api:\n    image: *pw\n    environment:\n      POSTGRES_PASSWORD: *pw\n    secrets: [*pw]\n"
                ),
            ),
        ],
    );
}

#[test]
fn concurrent_creates_lose_no_update() {
    let dir = repo(&[
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
        ("dev/compose.yaml", "services:\n  api:\n    image: api   # the api\n"),
    ]);
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_minipaas"))
                .args(["secret", "create", "--env", "dev", "--name", &format!("s{i}"), "--for", "api"])
                .current_dir(dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("value-{i}").as_bytes())
                .unwrap();
            child
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = std::fs::read_to_string(dir.path().join("dev/compose.yaml")).unwrap();
    minipaas::testing::Tree::parse(&text).unwrap();
    for i in 0..8 {
        let object = minipaas::testing::versioned_name(&format!("s{i}"), format!("value-{i}").as_bytes());
        assert_eq!(text.matches(&object).count(), 2, "s{i}: a reference and a declaration:\n{text}");
    }
    assert!(text.contains("# the api"));
    assert_eq!(minipaas(dir.path(), &["lint", "--quiet"]).code, 0, "{text}");
}

/// Kills `args` at staggered moments, many times; every file is always either entirely the
/// old or entirely the new content, and parses.
fn kill_loop(dir: &Path, args: &[&str], stdin: &[u8], files: &[&str]) {
    let originals: Vec<String> =
        files.iter().map(|f| std::fs::read_to_string(dir.join(f)).unwrap()).collect();
    // The new contents: run once to completion in a copy.
    let finished = tempfile::tempdir().unwrap();
    crate::common::copy_dir(dir, finished.path());
    minipaas_stdin(finished.path(), args, stdin);
    let news: Vec<String> =
        files.iter().map(|f| std::fs::read_to_string(finished.path().join(f)).unwrap()).collect();
    assert_ne!(originals, news, "the command changes something");
    for round in 0..40u64 {
        for (f, original) in files.iter().zip(&originals) {
            std::fs::write(dir.join(f), original).unwrap();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_minipaas"))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin);
        std::thread::sleep(Duration::from_micros(round * 250));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        for ((f, original), new) in files.iter().zip(&originals).zip(&news) {
            let now = std::fs::read_to_string(dir.join(f)).unwrap();
            assert!(now == *original || now == *new, "round {round}: {f} is torn:\n{now}");
            minipaas::testing::Tree::parse(&now).unwrap();
        }
    }
}

#[test]
fn killed_fix_and_create_never_tear_a_file() {
    let dir = repo(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: a\n    secrets: [one]\nsecrets:\n  stale:\n    external: true\n",
        ),
        ("dev/minipaas.yaml", "compose:\n  files: [compose.yaml]\n"),
        ("dev/compose.yaml", "services:\n  api:\n    image: api\n"),
    ]);
    kill_loop(dir.path(), &["lint", "--fix", "compose.yaml"], b"", &["compose.yaml"]);
    kill_loop(
        dir.path(),
        &["secret", "create", "--env", "dev", "--name", "k", "--for", "api"],
        b"v",
        &["dev/compose.yaml"],
    );
    write(dir.path(), "unused.txt", "x");
}

#[test]
fn errors_about_the_command_line_and_configuration_do_not_echo_tokens() {
    let dir = repo(&[
        ("compose.yaml", "services:\n  a:\n    image: a\n"),
        (".minipaas.toml", &format!("[lint]\nallowed-values = \"{CANARY}\"\n")),
    ]);
    let run = minipaas(dir.path(), &["lint"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".minipaas.toml") && !run.stderr.contains(CANARY), "{}", run.stderr);
    let run = minipaas(dir.path(), &["lint", "--baseline", &format!("{CANARY}.json")]);
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains(CANARY), "{}", run.stderr);
}

#[test]
fn a_value_equal_to_a_name_written_in_the_file_leaves_the_name_readable() {
    // Masking the service name would only say that the password equals it.
    let dir = repo(&[(
        "compose.yaml",
        "services:\n  wordpress:\n    image: wordpress:6\n    environment:\n      WORDPRESS_DB_PASSWORD: wordpress\n",
    )]);
    let run = minipaas(dir.path(), &["lint", "--no-color"]);
    assert!(run.stdout.contains("of service `wordpress`"), "{}", run.stdout);
    assert!(run.stdout.contains("WORDPRESS_DB_PASSWORD: *********"), "{}", run.stdout);
}
