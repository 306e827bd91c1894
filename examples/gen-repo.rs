//! Generates a realistic repository for benchmarks: nested folders, envs with
//! minipaas.yaml, base files with overrides, anchors and merge keys, secrets and configs, a
//! known number of findings per rule, and many files that are not Compose files.
//!
//! `cargo run --release --example gen-repo -- --files 20000 --compose 2000 OUT`
//! prints the expected findings per rule as JSON. OUT becomes a git repository (git CLI).
//!
//! With `--history N`, the repository gets N more commits (through `git fast-import`), each
//! changing one Compose file; every 100th plants a literal password that the next change to
//! that file removes again: a history like docker/compose's, with `history_leaks` leaks.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn write_file(root: &Path, rel: &str, text: &str) -> std::io::Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

fn git(root: &Path, args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let status = Command::new("git").args(args).current_dir(root).status()?;
    if !status.success() {
        return Err(format!("git {args:?} failed").into());
    }
    Ok(())
}

/// One `git fast-import` commit that sets the given files.
fn fast_import_commit(out: &mut Vec<u8>, n: usize, message: &str, files: &[(&str, &str)]) {
    use std::io::Write as _;
    let _ = write!(
        out,
        "commit refs/heads/main\ncommitter bench <b@b> {} +0000\ndata {}\n{message}\n",
        1_700_000_000 + n,
        message.len()
    );
    for (path, text) in files {
        let _ = write!(out, "M 100644 inline {path}\ndata {}\n{text}\n", text.len());
    }
}

/// The commits after the first: commit `c` changes Compose file number `c * 7919 % len`; every
/// 100th plants a literal password. Returns how many leaks were planted.
fn history(
    root: &Path,
    base: &[(String, String)],
    composes: &[usize],
    commits: usize,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut stream = Vec::new();
    let all: Vec<(&str, &str)> = base.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    fast_import_commit(&mut stream, 0, "generated", &all);
    let mut leaks = 0;
    for c in 1..commits {
        let (path, text) = &base[composes[c * 7919 % composes.len()]];
        let mut changed = format!("{text}# revision {c}\n");
        if c % 100 == 0 {
            // A service of its own, so the file stays valid whatever it holds.
            changed = changed.replacen("services:\n", &format!("services:\n  leak{c}:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: leaked-{c}-value\n"), 1);
            leaks += 1;
        }
        fast_import_commit(&mut stream, c, &format!("change {c}"), &[(path, &changed)]);
    }
    std::fs::create_dir_all(root)?;
    git(root, &["init", "-q", "-b", "main"])?;
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(root)
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    std::io::Write::write_all(child.stdin.as_mut().ok_or("no stdin")?, &stream)?;
    drop(child.stdin.take());
    if !child.wait()?.success() {
        return Err("git fast-import failed".into());
    }
    git(root, &["reset", "-q", "--hard", "main"])?;
    Ok(leaks)
}

/// One Compose file of a unit; `plant` selects the finding it carries (if any).
fn compose(unit: usize, part: usize, plant: Option<&str>) -> String {
    let mut t = format!(
        "# unit {unit}, file {part}\nx-defaults: &defaults\n  restart: unless-stopped\n  logging:\n    driver: json-file\n\nservices:\n"
    );
    for s in 0..4 {
        t.push_str(&format!(
            "  svc{s}:\n    <<: *defaults\n    image: registry.example.com/app{unit}/svc{s}:${{TAG:-1.0}}\n    environment:\n      LOG_LEVEL: info\n      DB_PASSWORD_FILE: /run/secrets/db_password\n    secrets:\n      - source: db_password.0a1b2c3d\n        target: db_password\n    configs: [app_config]\n    deploy:\n      replicas: 2\n"
        ));
    }
    match plant {
        Some("MP001") => t.push_str("  extra:\n    image: extra\n    secrets: [undeclared_token]\n"),
        Some("MP006") => t.push_str("  extra:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: literal-pw\n"),
        Some("MP007") => t.push_str("  extra:\n    image: extra\n    environment:\n      DATABASE_URL: postgres://app:pw123456@db/app\n"),
        Some("MP008") => t.push_str("  extra:\n    image: extra\n    secrets:\n      - source: db_password.0a1b2c3d\n        target: db\n      - source: db_password.ffffffff\n        target: db\n"),
        Some("MP009") => t.push_str("  extra:\n    image: extra\n    environment:\n      TOKEN_FILE: /run/secrets/not_granted\n"),
        _ => {}
    }
    if part == 0 {
        t.push_str("\nsecrets:\n  db_password.0a1b2c3d:\n    external: true\n");
        if plant == Some("MP008") {
            t.push_str("  db_password.ffffffff:\n    external: true\n");
        }
        if plant == Some("MP003") {
            t.push_str("  stale_secret:\n    external: true\n");
        }
        t.push_str("configs:\n  app_config:\n    external: true\n");
    }
    t
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: usize| -> usize {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (files, composes) = (value("--files", 20_000), value("--compose", 2_000));
    let out = args
        .iter()
        .rev()
        .find(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
        .ok_or("usage: gen-repo [--files N] [--compose M] OUT")?;
    let root = Path::new(out);
    if root.exists() {
        return Err(format!("{} already exists", root.display()).into());
    }
    let commits = value("--history", 0);
    // Every file, in order; `composes` are the indexes of the Compose files.
    let mut files_out: Vec<(String, String)> = Vec::new();
    let mut composes_at: Vec<usize> = Vec::new();
    let mut write = |rel: &str, text: &str, is_compose: bool| {
        if is_compose {
            composes_at.push(files_out.len());
        }
        files_out.push((rel.to_string(), text.to_string()));
    };
    let plants = ["MP001", "MP003", "MP006", "MP007", "MP008", "MP009"];
    let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
    let mut written = 0;
    let units = composes.div_ceil(2);
    for unit in 0..units {
        // Every 10th unit carries one planted finding, cycling through the rules.
        let plant = (unit % 10 == 0).then(|| plants[(unit / 10) % plants.len()]);
        if let Some(code) = plant {
            *expected.entry(code).or_default() += 1;
        }
        let group = format!("team{}/area{}", unit % 7, unit % 13);
        if unit % 2 == 0 {
            // An env: minipaas.yaml (fork schema) with two files.
            let dir = format!("{group}/app{unit}");
            write(
                &format!("{dir}/minipaas.yaml"),
                "compose:\n  files:\n    - compose.yaml\n    - compose.prod.yaml\nnamespace: app\nvars:\n  TAG: \"1.0\"\n",
                false,
            );
            write(&format!("{dir}/compose.yaml"), &compose(unit, 0, plant), true);
            write(&format!("{dir}/compose.prod.yaml"), &compose(unit, 1, None), true);
            written += 3;
        } else {
            // A base file with its override beside it.
            let dir = format!("{group}/svc{unit}");
            write(&format!("{dir}/docker-compose.yml"), &compose(unit, 0, plant), true);
            write(&format!("{dir}/docker-compose.override.yml"), &compose(unit, 1, None), true);
            written += 2;
        }
    }
    let mut k = 0;
    while written < files {
        let dir = format!("src/mod{}/sub{}", k % 97, k % 11);
        // Other YAML (Helm values with a `services:` key, Kubernetes manifests, workflows
        // that run Compose) is read and judged by content: the cost content discovery adds.
        let (rel, text) = match k % 10 {
            0 => (
                format!("{dir}/values{k}.yaml"),
                format!("replicaCount: {k}\nimage:\n  repository: app{k}\nservices:\n  web:\n    port: 80\n"),
            ),
            5 => (
                format!("{dir}/deploy{k}.yaml"),
                format!(
                    "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc{k}\nspec:\n  ports:\n    - port: 80\n"
                ),
            ),
            1 | 6 => (format!("{dir}/README{k}.md"), format!("# filler {k}\n")),
            _ => (format!("{dir}/file{k}.rs"), format!("// filler {k}\nfn main() {{}}\n")),
        };
        write(&rel, &text, false);
        written += 1;
        k += 1;
    }
    if commits > 0 {
        let leaks = history(root, &files_out, &composes_at, commits)?;
        expected.insert("history_leaks", leaks);
    } else {
        for (rel, text) in &files_out {
            write_file(root, rel, text)?;
        }
        git(root, &["init", "-q"])?;
        git(root, &["add", "-A"])?;
        git(root, &["-c", "user.email=b@b", "-c", "user.name=bench", "commit", "-qm", "generated"])?;
    }
    let json: Vec<String> = expected.iter().map(|(c, n)| format!("\"{c}\": {n}")).collect();
    std::io::Write::write_all(&mut std::io::stdout(), format!("{{{}}}\n", json.join(", ")).as_bytes())?;
    Ok(())
}
