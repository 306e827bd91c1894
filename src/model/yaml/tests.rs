//! Tests of the span tree.
use super::*;

fn slice<'a>(text: &'a str, tree: &Tree, id: NodeId) -> &'a str {
    &text[tree.node(id).span.clone()]
}

#[test]
fn spans_are_bytes_after_multibyte_text() {
    let text = "a: \"Zürich\"\nservices:\n  web:\n    image: nginx\n";
    let tree = Tree::parse(text).unwrap();
    let root = tree.roots[0];
    let services = tree.get(root, "services").unwrap();
    assert_eq!(slice(text, &tree, services.key), "services");
    let web = tree.get(services.value, "web").unwrap();
    let image = tree.get(web.value, "image").unwrap();
    assert_eq!(slice(text, &tree, image.value), "nginx");
    assert_eq!(slice(text, &tree, web.value), "image: nginx");
}

#[test]
fn merge_keys_resolve_to_the_anchor_text() {
    let text = "x: &base\n  image: a\n  env: 1\ny:\n  <<: *base\n  image: b\n";
    let tree = Tree::parse(text).unwrap();
    let y = tree.get(tree.roots[0], "y").unwrap().value;
    let entries = tree.entries(y);
    let names: Vec<_> = entries.iter().map(|e| tree.scalar(e.key).unwrap()).collect();
    assert_eq!(names, ["image", "env"]);
    assert_eq!(tree.scalar(entries[0].value), Some("b"));
    assert_eq!(tree.node(entries[1].value).span.start, text.find("1\n").unwrap());
    assert!(tree.is_inherited(y, &entries[1]));
    assert!(!tree.is_inherited(y, &entries[0]));
}

#[test]
fn flow_and_block_collection_spans() {
    let text = "s: [a, b]  # c\nt:\n  - x\n  - y\n";
    let tree = Tree::parse(text).unwrap();
    let s = tree.get(tree.roots[0], "s").unwrap().value;
    assert_eq!(slice(text, &tree, s), "[a, b]");
    let t = tree.get(tree.roots[0], "t").unwrap().value;
    assert_eq!(slice(text, &tree, t), "- x\n  - y");
    assert_eq!(tree.comments.len(), 1);
}

#[test]
fn errors_and_duplicates_have_positions() {
    let err = Tree::parse("a: [b\n").unwrap_err();
    // Where the unclosed flow sequence opens.
    assert_eq!((err.line, err.column), (1, 4), "{}", err.message);
    assert!(err.message.contains("unclosed bracket"), "{}", err.message);
    let err = Tree::parse("a: 1\nb: 2\na: 3\n").unwrap_err();
    assert_eq!((err.line, err.column), (3, 1));
    assert!(err.message.contains("duplicate"), "{}", err.message);
}

#[test]
fn self_referencing_alias_terminates() {
    let text = "a: &x\n  <<: *x\n  b: 1\n";
    // It parses (the merge of itself adds nothing), and terminates: the alias is not followed
    // forever.
    let tree = Tree::parse(text).unwrap();
    let a = tree.get(tree.roots[0], "a").unwrap().value;
    assert!(tree.get(a, "b").is_some());
}

#[test]
fn multiple_documents() {
    let tree = Tree::parse("a: 1\n---\nb: 2\n").unwrap();
    assert_eq!(tree.roots.len(), 2);
}

#[test]
fn block_scalar_spans_end_at_their_last_content() {
    for (text, want) in [
        ("a: |-\n  one\n  two\nb: x\n", "|-\n  one\n  two"),
        ("a: >\n  one\n\n  two\n\n# note\nb: x\n", ">\n  one\n\n  two"),
        ("m:\n  a: |+\n    kept\n\n  b: x\n", "|+\n    kept"),
        ("- |2\n    x\n- y\n", "|2\n    x"),
        ("a: |\n  last\n", "|\n  last"),
        ("a: |\nb: 1\n", "|"),
        ("a: >-  # c |\n    deep\n   # not content: less indented\nb: 1\n", ">-  # c |\n    deep"),
        ("a: >-\n\n    after a blank\n\nb: 1\n", ">-\n\n    after a blank"),
        // A first content line that ends like a header is content.
        ("a: |\n  hunter2 |\n  run: |+\nb: 1\n", "|\n  hunter2 |\n  run: |+"),
        ("a: |\nb: >\n  x\n", "|"),
    ] {
        let tree = Tree::parse(text).unwrap();
        let root = tree.roots[0];
        let node =
            match tree.get(root, "a").or_else(|| tree.get(root, "m").and_then(|m| tree.get(m.value, "a"))) {
                Some(e) => e.value,
                None => tree.items(root)[0],
            };
        // Diagnostics point at the content; the written text has the header too.
        let content = want.split_once('\n').map_or("", |(_, c)| c.trim_start());
        assert_eq!(slice(text, &tree, node).trim_start(), content, "{text:?}");
        let whole = &text[tree.written_span(text, node)];
        assert_eq!(whole, want, "{text:?}");
    }
}

#[test]
fn a_range_of_a_literal_block_is_placed_on_its_written_line() {
    let text = "a: |\n  first line\n    indented pw=x1 indented\n  last\nb: >\n  folded\n  text\n";
    let tree = Tree::parse(text).unwrap();
    let root = tree.roots[0];
    let a = tree.own_entry(root, "a").unwrap().value;
    let value = tree.scalar(a).unwrap();
    let at = value.find("pw=x1").unwrap();
    let range = tree.source_range(text, a, at..at + 5).unwrap();
    assert_eq!(&text[range], "pw=x1");
    let at = value.find("last").unwrap();
    assert_eq!(&text[tree.source_range(text, a, at..at + 4).unwrap()], "last");
    // Folding joins lines: the range cannot be placed.
    let b = tree.own_entry(root, "b").unwrap().value;
    assert_eq!(tree.source_range(text, b, 0..11), None);
}

#[test]
fn a_large_mapping_is_searched_by_index_with_the_same_answers() {
    let mut text = String::from("secrets:\n");
    for i in 0..100 {
        text.push_str(&format!("  s{i}:\n    external: true\n"));
    }
    text.push_str("  \"quoted key\": {}\n");
    let tree = Tree::parse(&text).unwrap();
    let section = tree.own_entry(tree.roots[0], "secrets").unwrap().value;
    assert_eq!(tree.own_entries(section).len(), 101);
    for i in [0, 37, 99] {
        let e = tree.own_entry(section, &format!("s{i}")).unwrap();
        assert_eq!(tree.scalar(e.key), Some(format!("s{i}").as_str()));
    }
    assert!(tree.own_entry(section, "quoted key").is_some());
    assert!(tree.own_entry(section, "s100").is_none());
    // A duplicate key past the linear scan is still an error, naming the first line.
    let dup = format!("{text}  s42: {{}}\n");
    let err = Tree::parse(&dup).unwrap_err();
    assert!(
        err.message.contains("duplicate mapping key `s42` (first defined on line 86)"),
        "{}",
        err.message
    );
}

#[test]
fn a_range_ending_in_a_multibyte_character_is_placed_without_panicking() {
    let text = "a: |\n  pw = 'sécurité'\n  next\n";
    let tree = Tree::parse(text).unwrap();
    let a = tree.own_entry(tree.roots[0], "a").unwrap().value;
    let value = tree.scalar(a).unwrap();
    let start = value.find("sécurité").unwrap();
    let range = tree.source_range(text, a, start..start + "sécurité".len()).unwrap();
    assert_eq!(&text[range], "sécurité");
}
