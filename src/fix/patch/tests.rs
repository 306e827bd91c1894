//! Tests of the edit operations: exact bytes for each shape YAML allows.
use super::*;
use crate::fix::splice;

fn apply(text: &str, f: impl Fn(&Patcher<'_>, &Tree) -> Vec<Edit>) -> String {
    let tree = Tree::parse(text).unwrap();
    let p = Patcher::new(text, &tree);
    let edits = f(&p, &tree);
    let out = splice(text, &edits);
    Tree::parse(&out).unwrap_or_else(|e| panic!("result does not parse: {e:?}\n{out}"));
    out
}

fn service(tree: &Tree, name: &str) -> NodeId {
    let services = tree.get(tree.roots[0], "services").unwrap().value;
    tree.get(services, name).unwrap().value
}

const SHORT: NewReference<'static> = NewReference { source: "db_password", target: None, long: false };

#[test]
fn removes_exactly_an_entry_that_ends_in_a_block_scalar() {
    for indicator in ["|", "|-", "|+", ">", ">-", ">+", "|2"] {
        for (name, value) in [
            ("content", format!("content: {indicator}\n      hello\n      world\n")),
            ("labels", format!("labels:\n      x: {indicator}\n        hello\n")),
        ] {
            let text = format!("configs:\n  last_conf:\n    {value}  a:\n    external: true\n");
            let out = apply(&text, |p, _| p.remove_declaration(ResourceKind::Config, "last_conf").unwrap());
            assert_eq!(out, "configs:\n  a:\n    external: true\n", "{name} {indicator}:\n{text}");
        }
    }
    // Adding after a block scalar: the new entry follows it, the scalar keeps its text.
    for indicator in ["|", "|-", "|+", ">-"] {
        let text = format!(
            "configs:\n  a:\n    content: {indicator}\n      hello\n  b:\n    labels:\n      x: {indicator}\n        hi\n"
        );
        let out = apply(&text, |p, _| p.declare_external(ResourceKind::Config, "c").unwrap().0);
        assert_eq!(out, format!("{text}  c:\n    external: true\n"), "{indicator}");
    }
    // A section made at the end of the document goes before its `...` marker.
    let text = "services:\n  web:\n    image: web\n...\n";
    let out = apply(text, |p, _| p.declare_external(ResourceKind::Secret, "s").unwrap().0);
    assert_eq!(out, "services:\n  web:\n    image: web\n\nsecrets:\n  s:\n    external: true\n...\n");
    // A comment on its own line right above the entry goes with it; one further up stays.
    let text = "secrets:\n  # about a\n\n  # about b\n  b:\n    external: true\n  a:\n    external: true\n";
    let out = apply(text, |p, _| p.remove_declaration(ResourceKind::Secret, "b").unwrap());
    assert_eq!(out, "secrets:\n  # about a\n\n  a:\n    external: true\n");
    // With a byte-order mark, new lines are indented as the first line's keys are.
    let text = "\u{feff}secrets:\n  a:\n    external: true\n";
    let out = apply(text, |p, _| p.declare_external(ResourceKind::Secret, "b").unwrap().0);
    assert_eq!(out, "\u{feff}secrets:\n  a:\n    external: true\n  b:\n    external: true\n");
    // Blank lines kept by `|+` are the scalar's content; a comment after it is the next entry's.
    let text = "configs:\n  b:\n    content: |+\n      x\n\n  # about a\n  a:\n    external: true\n";
    let out = apply(text, |p, _| p.remove_declaration(ResourceKind::Config, "b").unwrap());
    assert_eq!(out, "configs:\n  # about a\n  a:\n    external: true\n");
    // Comments indented under the removed entry are its own; the next entry's stay.
    let text = "secrets:\n  b:\n    external: true\n    # note about b\n  a:\n    external: true\n    # note about a\n";
    let out = apply(text, |p, _| p.remove_declaration(ResourceKind::Secret, "b").unwrap());
    assert_eq!(out, "secrets:\n  a:\n    external: true\n    # note about a\n");
    // A comment on the section's line stays when the section is emptied; the mark too.
    let text = "# dev\nsecrets: # section\n  # a\n  a:\n    external: true\n...\n";
    let out = apply(text, |p, _| p.remove_declaration(ResourceKind::Secret, "a").unwrap());
    assert_eq!(out, "# dev\nsecrets: {} # section\n...\n");
    let text = "secrets: {a: {external: true}}  # s\n";
    let out = apply(text, |p, _| p.remove_declaration(ResourceKind::Secret, "a").unwrap());
    assert_eq!(out, "secrets: {}  # s\n");
    // Removing the first section keeps the byte-order mark.
    let text = "\u{feff}secrets:\n  u: {external: true}\nservices:\n  web:\n    image: x\n";
    let out = apply(text, |p, _| p.remove_declaration(ResourceKind::Secret, "u").unwrap());
    assert_eq!(out, "\u{feff}services:\n  web:\n    image: x\n");
}

#[test]
fn appends_to_a_block_list_keeping_comments() {
    let text = "services:\n  web:\n    secrets:\n      - a   # keep\n    # own line\n    image: x\n";
    let out =
        apply(text, |p, t| p.add_reference(service(t, "web"), "web", ResourceKind::Secret, &SHORT).unwrap());
    assert_eq!(
        out,
        "services:\n  web:\n    secrets:\n      - a   # keep\n      - db_password\n    # own line\n    image: x\n"
    );
}

#[test]
fn appends_long_form_and_compact_style() {
    let text = "services:\n  web:\n    secrets:\n    - source: a\n      target: b\n";
    let out =
        apply(text, |p, t| p.add_reference(service(t, "web"), "web", ResourceKind::Secret, &SHORT).unwrap());
    assert_eq!(
        out,
        "services:\n  web:\n    secrets:\n    - source: a\n      target: b\n    - source: db_password\n"
    );
    let r = NewReference { source: "pw.1a2b3c4d", target: Some("pw"), long: true };
    let out =
        apply(text, |p, t| p.add_reference(service(t, "web"), "web", ResourceKind::Secret, &r).unwrap());
    assert!(out.ends_with("    - source: pw.1a2b3c4d\n      target: pw\n"), "{out}");
}

#[test]
fn appends_to_flow_lists_and_creates_lists() {
    let text =
        "services:\n  web: {image: x, secrets: [a]}\n  db:\n    image: pg\n    environment:\n      A: 1\n";
    let out =
        apply(text, |p, t| p.add_reference(service(t, "web"), "web", ResourceKind::Secret, &SHORT).unwrap());
    assert!(out.contains("secrets: [a, db_password]}"), "{out}");
    let out =
        apply(text, |p, t| p.add_reference(service(t, "db"), "db", ResourceKind::Config, &SHORT).unwrap());
    assert!(out.ends_with("    environment:\n      A: 1\n    configs:\n      - db_password\n"), "{out}");
}

#[test]
fn refuses_aliases_and_inherited_lists() {
    let text = "x: &c\n  secrets: [a]\nservices:\n  web:\n    <<: *c\n    image: x\n  api: *c\n";
    let tree = Tree::parse(text).unwrap();
    let p = Patcher::new(text, &tree);
    let err = p.add_reference(service(&tree, "web"), "web", ResourceKind::Secret, &SHORT).unwrap_err();
    assert!(err.0.contains("inherits `secrets`"), "{err}");
    assert!(p.add_reference(service(&tree, "api"), "api", ResourceKind::Secret, &SHORT).is_err());
}

#[test]
fn declares_in_existing_or_new_sections_with_crlf() {
    let text = "services:\r\n  web:\r\n    image: x\r\nsecrets:\r\n  a:\r\n    external: true\r\n";
    let out = apply(text, |p, _| p.declare_external(ResourceKind::Secret, "b").unwrap().0);
    assert!(out.ends_with("  a:\r\n    external: true\r\n  b:\r\n    external: true\r\n"), "{out:?}");
    let out = apply(text, |p, _| p.declare_external(ResourceKind::Config, "c").unwrap().0);
    assert!(out.ends_with("    external: true\r\n\r\nconfigs:\r\n  c:\r\n    external: true\r\n"), "{out:?}");
    // Next to flow values, in flow style; a name YAML 1.1 reads as a number, quoted.
    let text = "secrets:\n  a: {external: true}  # a\n";
    let out = apply(text, |p, _| p.declare_external(ResourceKind::Secret, "2024_01").unwrap().0);
    assert_eq!(out, "secrets:\n  a: {external: true}  # a\n  \"2024_01\": {external: true}\n");
    let text = "services:\n    web:\n        image: x";
    let (edits, created) = {
        let tree = Tree::parse(text).unwrap();
        Patcher::new(text, &tree).declare_external(ResourceKind::Secret, "true").unwrap()
    };
    assert!(created);
    assert_eq!(
        splice(text, &edits),
        "services:\n    web:\n        image: x\n\nsecrets:\n    \"true\":\n        external: true\n"
    );
}

#[test]
fn removes_items_declarations_and_empty_keys() {
    let text = "services:\n  web:\n    image: x\n    secrets:\n      - a\n      - b # c\n  api:\n    secrets: [a, b]\nsecrets:\n  a:\n    external: true\n  b:\n    file: ./b\n";
    let tree = Tree::parse(text).unwrap();
    let p = Patcher::new(text, &tree);
    let web = service(&tree, "web");
    let list = tree.get(web, "secrets").unwrap().value;
    let b = tree.items(list)[1];
    assert_eq!(
        splice(text, &p.remove_reference(web, "web", "secrets", b).unwrap()),
        text.replace("      - b # c\n", "")
    );
    let api = service(&tree, "api");
    let flow = tree.get(api, "secrets").unwrap().value;
    let a = tree.items(flow)[0];
    assert!(splice(text, &p.remove_reference(api, "api", "secrets", a).unwrap()).contains("secrets: [b]"));
    let b2 = tree.items(flow)[1];
    assert!(splice(text, &p.remove_reference(api, "api", "secrets", b2).unwrap()).contains("secrets: [a]"));
    let out = splice(text, &p.remove_declaration(ResourceKind::Secret, "b").unwrap());
    assert!(out.ends_with("secrets:\n  a:\n    external: true\n"), "{out}");
    let one =
        "services:\n  web:\n    image: x\n    secrets:\n      - a\nsecrets:\n  a:\n    external: true\n";
    let tree = Tree::parse(one).unwrap();
    let p = Patcher::new(one, &tree);
    assert_eq!(
        splice(one, &p.remove_declaration(ResourceKind::Secret, "a").unwrap()),
        "services:\n  web:\n    image: x\n    secrets:\n      - a\n"
    );
    let web = service(&tree, "web");
    let a = tree.items(tree.get(web, "secrets").unwrap().value)[0];
    assert!(
        splice(one, &p.remove_reference(web, "web", "secrets", a).unwrap())
            .starts_with("services:\n  web:\n    image: x\nsecrets:")
    );
}

#[test]
fn comments_in_flow_collections_stay_with_their_item() {
    let text = "services:\n  web:\n    secrets: [\n      db_pw,   # keep: rotated monthly\n      old_pw\n    ]\nsecrets: {\n  db_pw: {external: true},  # note on db_pw\n  old_pw: {external: true}\n}\n";
    let tree = Tree::parse(text).unwrap();
    let p = Patcher::new(text, &tree);
    let web = service(&tree, "web");
    let old = tree.items(tree.get(web, "secrets").unwrap().value)[1];
    let out = splice(text, &p.remove_reference(web, "web", "secrets", old).unwrap());
    assert!(out.contains("    secrets: [\n      db_pw   # keep: rotated monthly\n    ]\n"), "{out}");
    let out = splice(text, &p.remove_declaration(ResourceKind::Secret, "old_pw").unwrap());
    assert!(out.ends_with("secrets: {\n  db_pw: {external: true}  # note on db_pw\n}\n"), "{out}");
    Tree::parse(&out).unwrap();
    // The last item's own trailing comma and comment go with its line.
    let text = "services:\n  web:\n    secrets: [\n      a,   # keep a\n      x,   # remove x\n    ]\n";
    let tree = Tree::parse(text).unwrap();
    let p = Patcher::new(text, &tree);
    let web = service(&tree, "web");
    let x = tree.items(tree.get(web, "secrets").unwrap().value)[1];
    let out = splice(text, &p.remove_reference(web, "web", "secrets", x).unwrap());
    assert_eq!(out, "services:\n  web:\n    secrets: [\n      a   # keep a\n    ]\n");
}

#[test]
fn a_block_list_item_takes_its_own_comments() {
    let text = "services:\n  web:\n    secrets:\n      - a\n        # under a\n      # about x\n      - source: x\n        target: y\n        # under x\n      - b\n";
    let tree = Tree::parse(text).unwrap();
    let p = Patcher::new(text, &tree);
    let web = service(&tree, "web");
    let x = tree.items(tree.get(web, "secrets").unwrap().value)[1];
    let out = splice(text, &p.remove_reference(web, "web", "secrets", x).unwrap());
    assert_eq!(out, "services:\n  web:\n    secrets:\n      - a\n        # under a\n      - b\n");
}

#[test]
fn anchors_go_with_their_node_and_never_slide() {
    let text = "services:\n  web:\n    secrets: [&n db, &m other, x]\n  api:\n    secrets: [*n, *m]\nsecrets: {&k a: {external: true}, b: {external: true}}\nx-k: *k\n";
    let tree = Tree::parse(text).unwrap();
    let p = Patcher::new(text, &tree);
    let web = service(&tree, "web");
    let items = tree.items(tree.get(web, "secrets").unwrap().value).to_vec();
    // Removing an anchored item takes its anchor: the alias is left dangling and the
    // result does not parse (so the engine refuses it), rather than `*n` meaning `other`.
    let out = splice(text, &p.remove_reference(web, "web", "secrets", items[0]).unwrap());
    assert!(out.contains("secrets: [&m other, x]"), "{out}");
    assert!(Tree::parse(&out).is_err());
    // Removing the item before an anchored one leaves that anchor in place.
    let out = splice(text, &p.remove_reference(web, "web", "secrets", items[2]).unwrap());
    assert!(out.contains("secrets: [&n db, &m other]"), "{out}");
    let out = splice(text, &p.remove_declaration(ResourceKind::Secret, "a").unwrap());
    assert!(out.contains("secrets: {b: {external: true}}"), "{out}");
    assert!(Tree::parse(&out).is_err());
}

#[test]
fn scalars_quote_only_when_needed() {
    assert_eq!(scalar("db_password.267da420"), "db_password.267da420");
    assert_eq!(scalar("/run/secrets/x"), "/run/secrets/x");
    assert_eq!(scalar("yes"), "\"yes\"");
    assert_eq!(scalar("12"), "\"12\"");
    assert_eq!(scalar("a b:c"), "\"a b:c\"");
    assert_eq!(scalar("-x"), "\"-x\"");
    // YAML 1.1 numbers and dates `docker stack deploy` would not read as strings.
    for n in
        ["1_0", "0x1F", "0o7", "0b1", "1__0", "1_000.5", "2001-12-14", "2024_01", "1_0.28319192", "On", "N"]
    {
        assert_eq!(scalar(n), format!("\"{n}\""));
    }
}
