//! Property tests of the fix engine on generated Compose files (comments, blank lines,
//! quoting styles, flow and block lists, short and long syntax, anchors, CRLF): the result
//! parses, a second run changes nothing, the fixed findings are gone, and nothing outside
//! the top-level declarations (safe fixes) or outside pure insertions (grants) changes.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use minipaas::discover::Workspace;
use minipaas::fix::Applicability;
use minipaas::fix::engine;
use minipaas::model::LoadOptions;
use minipaas::rules::check_all;
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

#[derive(Debug, Clone)]
struct Doc {
    crlf: bool,
    anchor: bool,
    services: Vec<Svc>,
    declared: Vec<(usize, bool)>,
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
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(svc(), 1..4),
        prop::collection::vec((0usize..4, any::<bool>()), 0..4),
        any::<bool>(),
    )
        .prop_map(|(crlf, anchor, services, declared, flow_section)| Doc {
            crlf,
            anchor,
            services,
            declared,
            flow_section,
        })
}

impl Doc {
    /// The text, and the byte offset where the top-level `secrets:` section starts (if any).
    fn render(&self, with_file_env: bool) -> (String, Option<usize>) {
        let mut t = String::from("# generated\n");
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
        let declared: Vec<(usize, bool)> = {
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
                    .map(|(n, ext)| {
                        if *ext {
                            format!("{}: {{external: true}}", NAMES[*n])
                        } else {
                            format!("{}: {{file: ./s.txt}}", NAMES[*n])
                        }
                    })
                    .collect();
                t.push_str(&format!("secrets: {{{}}}\n", inner.join(", ")));
            } else {
                t.push_str("secrets:\n");
                for (n, ext) in declared {
                    if ext {
                        t.push_str(&format!("  {}:\n    external: true\n", NAMES[n]));
                    } else {
                        t.push_str(&format!("  {}:\n    file: ./s.txt\n", NAMES[n]));
                    }
                }
            }
        }
        if self.crlf {
            let section = section.map(|s| s + t[..s].matches('\n').count());
            (t.replace('\n', "\r\n"), section)
        } else {
            (t, section)
        }
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
        let (input, section) = doc.render(false);
        let (output, remaining) = fix(&input, Applicability::Safe);
        prop_assert!(minipaas::yaml::Tree::parse(&output).is_ok(), "does not parse:\n{output}");
        prop_assert!(!remaining.contains(&"MP001") && !remaining.contains(&"MP003"), "left {remaining:?}:\n{output}");
        let (again, _) = fix(&output, Applicability::Safe);
        prop_assert_eq!(&again, &output, "a second run changed more");
        // Everything before the top-level declarations is byte for byte the same.
        let keep = section.unwrap_or(input.len());
        prop_assert_eq!(&output[..keep.min(output.len())], &input[..keep], "outside the declarations changed");
        let section_gone = !output.lines().any(|l| l.starts_with("secrets:"));
        for c in comments(&input).into_iter().filter(|c| !(section_gone && c == "# declarations")) {
            prop_assert!(output.contains(&c), "lost comment {c}:\n{output}");
        }
        if doc.crlf {
            prop_assert!(!output.replace("\r\n", "").contains('\n'), "mixed line endings:\n{output:?}");
        }
    }

    #[test]
    fn grants_only_insert(doc in doc()) {
        let mut doc = doc;
        // Declare only names some service uses, so no declaration is removed.
        let used: BTreeSet<usize> = doc.services.iter().filter(|s| s.style != 0).flat_map(|s| s.items.iter().map(|i| i.0)).collect();
        doc.declared.retain(|(n, _)| used.contains(n));
        let (input, _) = doc.render(true);
        let (output, remaining) = fix(&input, Applicability::Unsafe);
        prop_assert!(minipaas::yaml::Tree::parse(&output).is_ok(), "does not parse:\n{output}");
        prop_assert!(!remaining.contains(&"MP009") && !remaining.contains(&"MP001"), "left {remaining:?}:\n{output}");
        prop_assert!(is_subsequence(&input, &output), "something was removed:\n{input}\n---\n{output}");
        let (again, _) = fix(&output, Applicability::Unsafe);
        prop_assert_eq!(&again, &output);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), &output).unwrap();
        let ws = Workspace::with_tracked(dir.path(), BTreeSet::new());
        let project = minipaas::model::Project::load(&ws, &LoadOptions::default()).unwrap();
        prop_assert!(project.errors.is_empty(), "{:?}", project.errors);
        prop_assert!(check_all(&project, &Default::default()).iter().all(|f| f.code != "MP009"));
    }
}
