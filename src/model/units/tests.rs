//! Tests of grouping: chains resolved into plans, files grouped by name.
use super::*;

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|s| s.to_string()).collect()
}

fn files(plans: &[Plan]) -> Vec<(Vec<&str>, &'static str)> {
    plans.iter().map(|p| (p.files.iter().map(String::as_str).collect(), p.origin.kind())).collect()
}

#[test]
fn names_group_bases_with_overrides_and_variants() {
    let compose = set(&[
        "a/docker-compose.yml",
        "a/docker-compose.override.yml",
        "a/docker-compose.prod.yml",
        "a/docker-compose-test.yml",
        "blog.yml",
        "blog.features.yml",
        "stacks/registry.yml",
        "x/compose.dev.yml",
    ]);
    let plans = inferred_plans(&compose, &BTreeSet::new(), &BTreeSet::new());
    assert_eq!(
        files(&plans),
        vec![
            (vec!["stacks/registry.yml"], "alone"),
            (vec!["x/compose.dev.yml"], "alone"),
            (vec!["a/docker-compose.yml", "a/docker-compose.override.yml"], "override"),
            (vec!["a/docker-compose.yml", "a/docker-compose-test.yml"], "variant"),
            (vec!["a/docker-compose.yml", "a/docker-compose.prod.yml"], "variant"),
            (vec!["blog.yml", "blog.features.yml"], "variant"),
        ]
    );
    // A file some chain uses is not grouped again; its base still takes the other overlays.
    let used = set(&["blog.features.yml", "a/docker-compose.yml"]);
    let plans = inferred_plans(&compose, &BTreeSet::new(), &used);
    assert!(files(&plans).iter().all(|(f, _)| !f.contains(&"blog.features.yml")));
    // Compose's default names pair across stems.
    let mixed = set(&[
        "x/compose.yaml",
        "x/docker-compose.override.yml",
        "s/docker-stack.yml",
        "s/docker-stack.prod.yml",
    ]);
    let mixed_plans = inferred_plans(&mixed, &BTreeSet::new(), &BTreeSet::new());
    assert_eq!(
        files(&mixed_plans),
        vec![
            (vec!["s/docker-stack.yml", "s/docker-stack.prod.yml"], "variant"),
            (vec!["x/compose.yaml", "x/docker-compose.override.yml"], "override")
        ]
    );
    assert_eq!((mixed_plans[0].tool, mixed_plans[1].tool), (Tool::Stack, Tool::Compose));
    assert!(files(&plans).contains(&(vec!["a/docker-compose.yml", "a/docker-compose.prod.yml"], "variant")));
    assert!(files(&plans).contains(&(vec!["blog.yml"], "alone")));
}

#[test]
fn chains_resolve_from_the_script_folder_or_the_root() {
    let compose = set(&[
        "deploy/a.yml",
        "deploy/b.yml",
        "docker-compose.yml",
        "docker-compose.prod.yml",
        "docker-compose.dev.yml",
    ]);
    let chain = |files: &[&str]| Chain {
        files: files.iter().map(|s| s.to_string()).collect(),
        env_file: None,
        project_dir: None,
        tool: Tool::Stack,
        line: 3,
    };
    let found = vec![
        FoundChain { path: "deploy/run.sh".into(), chain: chain(&["a.yml", "./b.yml"]), dotenv: false },
        FoundChain {
            path: ".github/workflows/ci.yml".into(),
            chain: chain(&["deploy/a.yml"]),
            dotenv: false,
        },
        FoundChain {
            path: "Makefile".into(),
            chain: chain(&["docker-compose.yml", "docker-compose.${ENV}.yml"]),
            dotenv: false,
        },
        FoundChain { path: "scripts/x.sh".into(), chain: chain(&["missing.yml"]), dotenv: false },
        FoundChain { path: "scripts/y.sh".into(), chain: chain(&["$FILE"]), dotenv: false },
    ];
    let (plans, skipped) = chain_plans(&found, &compose);
    assert_eq!(
        files(&plans),
        vec![
            (vec!["deploy/a.yml", "deploy/b.yml"], "chain"),
            (vec!["deploy/a.yml"], "chain"),
            (vec!["docker-compose.yml", "docker-compose.dev.yml"], "chain"),
            (vec!["docker-compose.yml", "docker-compose.prod.yml"], "chain"),
        ]
    );
    // `missing.yml` and `$FILE` alone: no unit.
    assert_eq!(skipped.len(), 2);
    let partial =
        vec![FoundChain { path: "deploy/run.sh".into(), chain: chain(&["a.yml", "$1"]), dotenv: false }];
    let (plans, _) = chain_plans(&partial, &compose);
    assert_eq!(
        (plans[0].files.clone(), plans[0].unknown.clone()),
        (vec!["deploy/a.yml".to_string()], vec!["$1".to_string()])
    );
    // From the root, after `cd deploy` or with a folder variable in front: the one folder
    // that holds them all.
    let moved = vec![
        FoundChain { path: "Makefile".into(), chain: chain(&["a.yml", "b.yml"]), dotenv: false },
        FoundChain { path: "run.sh".into(), chain: chain(&["$DIR/a.yml", "${DIR}/b.yml"]), dotenv: false },
        FoundChain { path: "ci.yml".into(), chain: chain(&["a.yml", "a.yml"]), dotenv: false },
    ];
    let (plans, skipped) = chain_plans(&moved, &compose);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(
        files(&plans),
        vec![
            (vec!["deploy/a.yml", "deploy/b.yml"], "chain"),
            (vec!["deploy/a.yml", "deploy/b.yml"], "chain"),
            (vec!["deploy/a.yml"], "chain")
        ]
    );
    assert!(plans.iter().all(|p| p.unknown.is_empty()));
    assert!(glob_match("a/*.yml", "a/b.yml") && !glob_match("a/*.yml", "a/b/c.yml"));
    assert!(glob_match("*/compose.yml", "café/compose.yml") && glob_match("x.*.yml", "x.é.yml"));
    assert!(!glob_match("*/compose.yml", "café/x/compose.yml"));
    assert_eq!(wildcard("x.$(E).${F}.$G.%H%.yml"), "x.*.*.*.*.yml");
}
