//! Property tests of the fix engine on generated Compose files (comments everywhere, blank
//! lines, quoting styles, flow and block lists and sections, short and long syntax, anchors,
//! block scalars with every indicator, `...` markers, byte-order marks, CRLF, several removals
//! in one pass, a file two envs share): the result parses, a second run changes nothing, the
//! fixed findings are gone, nothing outside the top-level declarations (safe fixes) or outside
//! pure insertions (grants) changes, `docker stack config` accepts every result it accepted
//! before, and a fix limited to one env leaves what the other deploys as it was.

use std::collections::BTreeSet;

use minipaas::testing as engine;
use minipaas::testing::Applicability;
use minipaas::testing::LoadOptions;
use minipaas::testing::Workspace;
use minipaas::testing::check_all;
use proptest::prelude::*;

const NAMES: [&str; 4] = ["alpha", "bravo", "charlie.1a2b3c4d", "delta_key"];

#[derive(Debug, Clone)]
struct Svc {
    quote: u8,
    comment: bool,
    style: u8,
    items: Vec<(usize, bool)>,
    file_env: Option<usize>,
    blank_after: bool,
}

/// Block scalar headers: every chomping indicator, with and without an indentation indicator.
const BLOCKS: [&str; 8] = ["|", "|-", "|+", ">", ">-", ">+", "|2", ">2-"];

#[derive(Debug, Clone)]
struct Doc {
    crlf: bool,
    bom: bool,
    end_marker: bool,
    anchor: bool,
    services: Vec<Svc>,
    /// (name, kind): 0 external, 1 file, 2.. external with a `labels:` block scalar
    /// (`BLOCKS[kind - 2]`) and a comment indented under it.
    declared: Vec<(usize, u8)>,
    flow_section: bool,
}

fn svc() -> impl Strategy<Value = Svc> {
    (
        0u8..3,
        any::<bool>(),
        0u8..4,
        prop::collection::vec((0usize..4, any::<bool>()), 1..4),
        prop::option::of(0usize..4),
        any::<bool>(),
    )
        .prop_map(|(quote, comment, style, items, file_env, blank_after)| Svc {
            quote,
            comment,
            style,
            items,
            file_env,
            blank_after,
        })
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        (any::<bool>(), any::<bool>(), any::<bool>()),
        any::<bool>(),
        prop::collection::vec(svc(), 1..4),
        prop::collection::vec((0usize..4, 0u8..10), 0..4),
        any::<bool>(),
    )
        .prop_map(|((crlf, bom, end_marker), anchor, services, declared, flow_section)| Doc {
            crlf,
            bom,
            end_marker,
            anchor,
            services,
            declared,
            flow_section,
        })
}

impl Doc {
    /// The text, and the byte offset where what fixes may change starts: the top-level
    /// `secrets:` section, else the `...` marker a new section goes before, else the end.
    fn render(&self, with_file_env: bool) -> (String, usize) {
        let mut t = String::from(if self.bom { "\u{feff}# generated\n" } else { "# generated\n" });
        if self.anchor {
            t.push_str("x-common: &common\n  restart: always   # shared\n\n");
        }
        t.push_str("services:\n");
        for (i, s) in self.services.iter().enumerate() {
            if s.comment {
                t.push_str(&format!("  # service {i}\n"));
            }
            t.push_str(&format!("  svc{i}:\n"));
            if self.anchor {
                t.push_str("    <<: *common\n");
            }
            let image = match s.quote {
                0 => "nginx:1".to_string(),
                1 => "'nginx:1'".to_string(),
                _ => "\"nginx:1\"".to_string(),
            };
            t.push_str(&format!("    image: {image}  # img\n"));
            if with_file_env && let Some(n) = s.file_env {
                let key = NAMES[n].to_ascii_uppercase().replace(['.'], "_");
                t.push_str(&format!("    environment:\n      {key}_FILE: /run/secrets/{}\n", NAMES[n]));
            }
            let items: Vec<(usize, bool)> = {
                let mut seen = BTreeSet::new();
                s.items.iter().copied().filter(|(n, _)| seen.insert(*n)).collect()
            };
            match s.style {
                0 => {}
                1 | 2 => {
                    t.push_str("    secrets:\n");
                    let dash = if s.style == 1 { "      " } else { "    " };
                    for (n, long) in &items {
                        if *long {
                            t.push_str(&format!("{dash}- source: {}\n", NAMES[*n]));
                        } else {
                            t.push_str(&format!("{dash}- {}   # why\n", NAMES[*n]));
                        }
                    }
                }
                _ => {
                    let inner: Vec<String> =
                        items
                            .iter()
                            .map(|(n, long)| {
                                if *long {
                                    format!("{{source: {}}}", NAMES[*n])
                                } else {
                                    NAMES[*n].to_string()
                                }
                            })
                            .collect();
                    t.push_str(&format!("    secrets: [{}]\n", inner.join(", ")));
                }
            }
            if s.blank_after {
                t.push('\n');
            }
        }
        let mut section = None;
        let declared: Vec<(usize, u8)> = {
            let mut seen = BTreeSet::new();
            self.declared.iter().copied().filter(|(n, _)| seen.insert(*n)).collect()
        };
        if !declared.is_empty() {
            // The comment right above the section is the section's: it goes when the section does.
            section = Some(t.len());
            t.push_str("# declarations\n");
            if self.flow_section {
                let inner: Vec<String> = declared
                    .iter()
                    .map(|(n, kind)| {
                        if *kind == 1 {
                            format!("{}: {{file: ./s.txt}}", NAMES[*n])
                        } else {
                            format!("{}: {{external: true}}", NAMES[*n])
                        }
                    })
                    .collect();
                t.push_str(&format!("secrets: {{{}}}\n", inner.join(", ")));
            } else {
                t.push_str("secrets:\n");
                for (n, kind) in declared {
                    match kind {
                        0 => t.push_str(&format!("  {}:\n    external: true\n", NAMES[n])),
                        1 => t.push_str(&format!("  {}:\n    file: ./s.txt\n", NAMES[n])),
                        k => t.push_str(&format!(
                            "  {}:\n    external: true\n    labels:\n      note: {}\n        line one\n\n        line two\n\n    # inside {}\n",
                            NAMES[n],
                            BLOCKS[usize::from(k - 2) % BLOCKS.len()],
                            NAMES[n]
                        )),
                    }
                }
            }
        }
        let mut keep = section.unwrap_or(t.len());
        if self.end_marker {
            t.push_str("...\n");
        }
        if self.crlf {
            keep += t[..keep].matches('\n').count();
            t = t.replace('\n', "\r\n");
        }
        (t, keep)
    }
}

/// Runs the engine on one file; returns the new text (or the old one if nothing changed).
fn fix(text: &str, required: Applicability) -> (String, Vec<&'static str>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let mut ws = Workspace::with_tracked(dir.path(), BTreeSet::new());
    let run = engine::fix(&mut ws, &LoadOptions::default(), &Default::default(), required).unwrap();
    assert!(run.problems.is_empty(), "{:?}\n{text}", run.problems);
    let codes = run.findings.iter().map(|f| f.code).collect();
    (run.changes.into_iter().next().map(|c| c.after).unwrap_or_else(|| text.to_string()), codes)
}

/// `docker stack config` on `files` of `dir`: what each service deploys (its image, and the
/// set of its secrets as source → target: their order means nothing to Swarm), or `None`
/// when docker rejects the files.
fn stack_services_in(dir: &std::path::Path, files: &[&str]) -> Option<Vec<String>> {
    let mut cmd = std::process::Command::new("docker");
    cmd.args(["stack", "config"]);
    for f in files {
        cmd.args(["-c", f]);
    }
    let out = cmd.current_dir(dir).output().expect("the docker CLI is installed (scripts/test installs it)");
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let tree = minipaas::testing::Tree::parse(&text).unwrap();
    let Some(services) = tree.roots.first().and_then(|&r| tree.get(r, "services")) else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for service in tree.entries(services.value) {
        let get = |node, key| {
            tree.get(node, key).and_then(|e| tree.scalar(e.value)).unwrap_or_default().to_string()
        };
        let mut secrets: Vec<String> = tree
            .get(service.value, "secrets")
            .map(|e| {
                tree.items(e.value)
                    .iter()
                    .map(|&i| format!("{}->{}", get(i, "source"), get(i, "target")))
                    .collect()
            })
            .unwrap_or_default();
        secrets.sort();
        out.push(format!(
            "{} {} {secrets:?}",
            tree.scalar(service.key).unwrap_or_default(),
            get(service.value, "image")
        ));
    }
    out.sort();
    Some(out)
}

/// Two envs sharing one file of declarations, each with its own services.
#[derive(Debug, Clone)]
struct Shared {
    declared: Vec<usize>,
    dev: Vec<(usize, bool)>,
    prod: Vec<(usize, bool)>,
    shared_uses: Vec<usize>,
}

fn shared() -> impl Strategy<Value = Shared> {
    let uses = || prop::collection::vec((0usize..4, any::<bool>()), 0..4);
    (prop::collection::vec(0usize..4, 0..4), uses(), uses(), prop::collection::vec(0usize..4, 0..3))
        .prop_map(|(declared, dev, prod, shared_uses)| Shared { declared, dev, prod, shared_uses })
}

impl Shared {
    fn files(&self) -> Vec<(String, String)> {
        let dedup = |v: &[usize]| -> Vec<usize> {
            let mut seen = BTreeSet::new();
            v.iter().copied().filter(|n| seen.insert(*n)).collect()
        };
        // Targets `t0`/`t1` are shared by two names each: overlays that mount another name at
        // a target the shared file uses make MP008 findings whose fixes edit the shared file.
        let long = |n: usize| format!("      - source: {}\n        target: t{}\n", NAMES[n], n % 2);
        let mut shared = String::from("services:\n  common:\n    image: nginx:1\n");
        let uses = dedup(&self.shared_uses);
        if !uses.is_empty() {
            shared.push_str("    secrets:\n");
            shared.push_str(&uses.iter().map(|&n| long(n)).collect::<String>());
        }
        let declared = dedup(&self.declared);
        if !declared.is_empty() {
            shared.push_str("secrets:\n");
            for n in declared {
                shared.push_str(&format!("  {}:\n    external: true\n", NAMES[n]));
            }
        }
        // Each use goes to the env's own `web`, or (flag) to its overlay of the shared `common`.
        let app = |uses: &[(usize, bool)]| {
            let mut seen = BTreeSet::new();
            let uses: Vec<(usize, bool)> = uses.iter().copied().filter(|(n, _)| seen.insert(*n)).collect();
            let mut t = String::from("services:\n  web:\n    image: nginx:1\n");
            let web: Vec<String> =
                uses.iter().filter(|u| !u.1).map(|(n, _)| format!("      - {}\n", NAMES[*n])).collect();
            if !web.is_empty() {
                t.push_str("    secrets:\n");
                t.push_str(&web.concat());
            }
            let common: Vec<String> = uses.iter().filter(|u| u.1).map(|(n, _)| long(*n)).collect();
            if !common.is_empty() {
                t.push_str("  common:\n    secrets:\n");
                t.push_str(&common.concat());
            }
            t
        };
        let manifest = "compose:\n  files: [../common/s.yaml, app.yaml]\n".to_string();
        vec![
            ("common/s.yaml".into(), shared),
            ("dev/app.yaml".into(), app(&self.dev)),
            ("dev/minipaas.yaml".into(), manifest.clone()),
            ("prod/app.yaml".into(), app(&self.prod)),
            ("prod/minipaas.yaml".into(), manifest),
        ]
    }
}

/// `docker stack config` accepts the file: `Some(services section)`, else `None`.
fn stack_services(text: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let out = std::process::Command::new("docker")
        .args(["stack", "config", "-c", "compose.yaml"])
        .current_dir(dir.path())
        .output()
        .expect("the docker CLI is installed (scripts/test installs it)");
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let tree = minipaas::testing::Tree::parse(&text).unwrap();
    let services = tree.roots.first().and_then(|&r| tree.get(r, "services"));
    Some(services.map_or(String::new(), |s| text[tree.node(s.value).span.clone()].to_string()))
}

fn comments(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.find('#').map(|i| l[i..].trim_end().to_string())).collect()
}

fn is_subsequence(small: &str, big: &str) -> bool {
    let mut it = big.chars();
    small.chars().all(|c| it.any(|b| b == c))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn safe_fixes_touch_only_declarations(doc in doc()) {
        let (input, keep) = doc.render(false);
        let (output, remaining) = fix(&input, Applicability::Safe);
        prop_assert!(minipaas::testing::Tree::parse(&output).is_ok(), "does not parse:\n{output}");
        prop_assert!(!remaining.contains(&"MP001") && !remaining.contains(&"MP003"), "left {remaining:?}:\n{output}");
        let (again, _) = fix(&output, Applicability::Safe);
        prop_assert_eq!(&again, &output, "a second run changed more");
        // Everything before the top-level declarations is byte for byte the same, and so is
        // the end marker after them.
        prop_assert_eq!(&output[..keep.min(output.len())], &input[..keep], "outside the declarations changed");
        if doc.end_marker {
            prop_assert!(output.ends_with(if doc.crlf { "...\r\n" } else { "...\n" }), "{output}");
        }
        let section_gone = !output.lines().any(|l| l.trim_start_matches('\u{feff}').starts_with("secrets:"));
        for c in comments(&input) {
            let removed_with_its_entry = c.strip_prefix("# inside ").is_some_and(|n| !output.contains(&format!("{n}:")));
            if (section_gone && c == "# declarations") || removed_with_its_entry {
                continue;
            }
            prop_assert!(output.contains(&c), "lost comment {c}:\n{output}");
        }
        // What `docker stack deploy` makes of the services is unchanged.
        if let Some(before) = stack_services(&input) {
            prop_assert_eq!(stack_services(&output), Some(before), "docker stack config:\n{}", output);
        }
        if doc.crlf {
            prop_assert!(!output.replace("\r\n", "").contains('\n'), "mixed line endings:\n{output:?}");
        }
    }

    #[test]
    fn a_fix_limited_to_one_env_leaves_the_other_as_it_deploys(case in shared()) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in case.files() {
            std::fs::create_dir_all(dir.path().join(path.rsplit_once('/').unwrap().0)).unwrap();
            std::fs::write(dir.path().join(&path), text).unwrap();
        }
        let prod = ["common/s.yaml", "prod/app.yaml"];
        let prod_errors = |ws: &Workspace| {
            let opts = LoadOptions { env: Some("prod".into()), ..LoadOptions::default() };
            let project = minipaas::testing::Project::load(ws, &opts).unwrap();
            let mut errors: Vec<String> = check_all(&project, &Default::default())
                .into_iter()
                .filter(|f| f.severity == minipaas::testing::Severity::Error)
                .map(|f| format!("{} {}", f.code, f.message))
                .collect();
            errors.sort();
            errors
        };
        let before = stack_services_in(dir.path(), &prod);
        let ws = Workspace::with_tracked(dir.path(), BTreeSet::new());
        let errors_before = prod_errors(&ws);
        for required in [Applicability::Safe, Applicability::Unsafe] {
            let mut ws = Workspace::with_tracked(dir.path(), BTreeSet::new());
            let opts = LoadOptions { env: Some("dev".into()), ..LoadOptions::default() };
            let run = engine::fix(&mut ws, &opts, &Default::default(), required).unwrap();
            for c in &run.changes {
                prop_assert!(minipaas::testing::Tree::parse(&c.after).is_ok(), "{} does not parse:\n{}", c.path, c.after);
                std::fs::write(dir.path().join(&c.path), &c.after).unwrap();
            }
        }
        let ws = Workspace::with_tracked(dir.path(), BTreeSet::new());
        let errors_after = prod_errors(&ws);
        prop_assert!(errors_after.iter().all(|e| errors_before.contains(e)), "prod gained {errors_after:?} (had {errors_before:?})");
        prop_assert_eq!(stack_services_in(dir.path(), &prod), before, "prod deploys otherwise");
    }

    #[test]
    fn grants_only_insert(doc in doc()) {
        let mut doc = doc;
        // Declare only names some service uses, so no declaration is removed.
        let used: BTreeSet<usize> = doc.services.iter().filter(|s| s.style != 0).flat_map(|s| s.items.iter().map(|i| i.0)).collect();
        doc.declared.retain(|(n, _)| used.contains(n));
        let (input, _) = doc.render(true);
        let accepted = stack_services(&input).is_some();
        let (output, remaining) = fix(&input, Applicability::Unsafe);
        prop_assert!(minipaas::testing::Tree::parse(&output).is_ok(), "does not parse:\n{output}");
        prop_assert!(!remaining.contains(&"MP009") && !remaining.contains(&"MP001"), "left {remaining:?}:\n{output}");
        prop_assert!(is_subsequence(&input, &output), "something was removed:\n{input}\n---\n{output}");
        let (again, _) = fix(&output, Applicability::Unsafe);
        prop_assert_eq!(&again, &output);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), &output).unwrap();
        let ws = Workspace::with_tracked(dir.path(), BTreeSet::new());
        let project = minipaas::testing::Project::load(&ws, &LoadOptions::default()).unwrap();
        prop_assert!(project.errors.is_empty(), "{:?}", project.errors);
        prop_assert!(check_all(&project, &Default::default()).iter().all(|f| f.code != "MP009"));
        if accepted {
            prop_assert!(stack_services(&output).is_some(), "docker stack config rejects:\n{}", output);
        }
    }
}
