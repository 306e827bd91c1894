//! Fuzzes the span tree: any text parses or fails with a position inside the text, and every
//! query on the tree (entries, merge keys, aliases, spans) stays in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minipaas::testing::Tree;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Tree::parse(text) {
        Err(e) => assert!(e.offset <= text.len() && e.line >= 1),
        Ok(tree) => {
            for id in 0..tree.node_count() {
                let span = tree.node(id).span.clone();
                assert!(span.start <= span.end && span.end <= text.len());
                for e in tree.entries(id) {
                    let _ = tree.get(id, tree.scalar(e.key).unwrap_or_default());
                }
            }
            let (_, _) = minipaas::testing::Compose::read(&tree, text);
            let _ = minipaas::testing::mask(text);
        }
    }
});
