//! Generates a realistic repository for benchmarks: nested folders, envs with
//! minipaas.yaml, base files with overrides, anchors and merge keys, secrets and configs, a
//! known number of findings per rule, and many files that are not Compose files.
//!
//! `cargo run --release --example gen-repo -- --files 20000 --compose 2000 OUT`
//! prints the expected findings per rule as JSON. OUT becomes a git repository (git CLI).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn write(root: &Path, rel: &str, text: &str) -> std::io::Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
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
                root,
                &format!("{dir}/minipaas.yaml"),
                "compose:\n  files:\n    - compose.yaml\n    - compose.prod.yaml\nnamespace: app\nvars:\n  TAG: \"1.0\"\n",
            )?;
            write(root, &format!("{dir}/compose.yaml"), &compose(unit, 0, plant))?;
            write(root, &format!("{dir}/compose.prod.yaml"), &compose(unit, 1, None))?;
            written += 3;
        } else {
            // A base file with its override beside it.
            let dir = format!("{group}/svc{unit}");
            write(root, &format!("{dir}/docker-compose.yml"), &compose(unit, 0, plant))?;
            write(root, &format!("{dir}/docker-compose.override.yml"), &compose(unit, 1, None))?;
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
        write(root, &rel, &text)?;
        written += 1;
        k += 1;
    }
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["-c", "user.email=b@b", "-c", "user.name=bench", "commit", "-qm", "generated"],
    ] {
        let status = Command::new("git").args(args).current_dir(root).status()?;
        if !status.success() {
            return Err(format!("git {args:?} failed").into());
        }
    }
    let json: Vec<String> = expected.iter().map(|(c, n)| format!("\"{c}\": {n}")).collect();
    std::io::Write::write_all(&mut std::io::stdout(), format!("{{{}}}\n", json.join(", ")).as_bytes())?;
    Ok(())
}
