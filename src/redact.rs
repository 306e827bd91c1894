//! Masking secret values before any text leaves the process: every byte of a sensitive value
//! becomes `*` (newlines kept), so snippets keep their shape and underlines still line up.

use std::ops::Range;

use crate::rules::secret_scan;
use crate::secrets::Detector;
use crate::yaml::{Kind, NodeId, Tree};

/// Byte ranges of `text` that hold secret values: credential-named values, values that look
/// like keys or tokens, every `content:`, and comments that contain a token.
pub fn sensitive_ranges(text: &str, det: &Detector) -> Vec<Range<usize>> {
    // Comments come from the lexical scan below, so the parser need not collect them.
    match Tree::parse_with(text, false) {
        Ok(tree) => sensitive_ranges_in(text, &tree, det),
        Err(_) => Vec::new(),
    }
}

/// [`sensitive_ranges`] with a tree already parsed from `text`, with or without comments:
/// comments are found by a lexical scan that also takes a `#` inside a value for one, which
/// can only mask more.
pub fn sensitive_ranges_in(text: &str, tree: &Tree, det: &Detector) -> Vec<Range<usize>> {
    let mut out = value_ranges(text, tree, det);
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let mut prev = b' ';
        for (i, b) in body.bytes().enumerate() {
            if b == b'#' && (prev == b' ' || prev == b'\t') && det.find_pattern(&body[i + 1..]).is_some() {
                out.push(line_start + i..line_start + body.len());
                break;
            }
            prev = b;
        }
        line_start += line.len();
    }
    out
}

/// Sensitive ranges in scalar values.
fn value_ranges(text: &str, tree: &Tree, det: &Detector) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut stack: Vec<(NodeId, Option<String>)> = tree.roots.iter().map(|&r| (r, None)).collect();
    // A node is looked at once per key it is the value of: an anchored value is sensitive when
    // any alias of it sits under a credential key (`x-pw: &pw v` … `PASSWORD: *pw`).
    let mut seen = std::collections::HashSet::new();
    while let Some((id, key)) = stack.pop() {
        if !seen.insert((id, key.clone())) {
            continue;
        }
        match &tree.node(id).kind {
            Kind::Scalar { .. } => {
                let span = tree.node(id).span.clone();
                let value = tree.scalar(id).unwrap_or_default();
                if let Some(range) = sensitive_part(det, key.as_deref(), value, &text[span.clone()]) {
                    out.push(span.start + range.start..span.start + range.end);
                }
            }
            // List items have no key of their own (`- KEY=value` is split below).
            Kind::Seq { .. } => stack.extend(tree.items(id).iter().map(|&i| (i, None))),
            Kind::Map { .. } => {
                for e in tree.own_entries(id) {
                    stack.push((e.value, tree.scalar(e.key).map(str::to_string)));
                }
            }
            Kind::Alias { target } => stack.push((*target, key)),
        }
    }
    out
}

/// The part of a scalar's source text to mask, relative to the scalar's span.
fn sensitive_part(det: &Detector, key: Option<&str>, value: &str, source: &str) -> Option<Range<usize>> {
    let whole = 0..source.len();
    if key == Some("content") {
        return Some(whole);
    }
    if let Some(k) = key
        && det.literal_credential(k, value).is_some()
    {
        return Some(whole);
    }
    if key.is_none()
        && let Some((k, v)) = value.split_once('=')
        && det.literal_credential(k, v).is_some()
    {
        // `- KEY=value`: keep the name readable when the source is the value verbatim.
        return Some(if source == value { k.len() + 1..source.len() } else { whole });
    }
    secret_scan(det, key, value, false).map(|_| whole)
}

/// `text` with every value the built-in detectors recognise masked.
pub fn mask(text: &str) -> String {
    mask_with(text, &Detector::default())
}

/// `text` with every sensitive range masked, using a project's detectors.
pub fn mask_with(text: &str, det: &Detector) -> String {
    mask_ranges(text, sensitive_ranges(text, det))
}

/// [`mask_with`] for a text whose tree is already parsed.
pub fn mask_parsed(text: &str, tree: &Tree, det: &Detector) -> String {
    mask_ranges(text, sensitive_ranges_in(text, tree, det))
}

fn mask_ranges(text: &str, ranges: Vec<Range<usize>>) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for range in ranges {
        // Line breaks and the indentation after them stay, so block scalars keep their shape.
        let mut indent = false;
        for b in &mut bytes[range.start.min(text.len())..range.end.min(text.len())] {
            match *b {
                b'\n' | b'\r' => indent = true,
                b' ' | b'\t' if indent => {}
                _ => {
                    indent = false;
                    *b = b'*';
                }
            }
        }
    }
    // Only whole UTF-8 sequences inside scalar spans were replaced, so this cannot fail;
    // fall back to a lossy conversion rather than ever returning the unmasked text.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_values_keeps_shape() {
        let text = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: \"hünter2\"\n      USER: bob\n      - x\n";
        let text = &text[..text.find("      - x").unwrap()];
        let masked = mask(text);
        assert_eq!(masked.len(), text.len());
        assert!(!masked.contains("hünter2"));
        assert!(masked.contains("POSTGRES_PASSWORD: **********\n"));
        assert!(masked.contains("USER: bob"));
    }

    #[test]
    fn a_tree_parsed_without_comments_masks_the_same() {
        let text = "x: 1 # ghp_0123456789abcdefghijABCDEFGHIJklmnopqr\nservices:\n  a:\n    environment:\n      - DB_PASSWORD=s3cret\n    command: echo '#' ok\n# AKIAIOSFODNN7EXAMPLE\n";
        let tree = Tree::parse_with(text, false).unwrap();
        assert!(tree.comments.is_empty());
        let masked = mask_parsed(text, &tree, &Detector::default());
        assert_eq!(masked, mask(text));
        assert!(!masked.contains("ghp_") && !masked.contains("AKIA") && !masked.contains("s3cret"));
        assert!(masked.contains("command: echo '#' ok"));
    }

    #[test]
    fn an_anchored_value_a_credential_key_reads_is_masked_where_it_is_written() {
        let text = "x-pw: &pw plainvalue42\nx-nested: &n\n  inner: &in deep-canary\nservices:\n  db:\n    environment:\n      POSTGRES_PASSWORD: *pw\n      <<: {}\n  b:\n    environment:\n      DB_PASSWORD: *in\n";
        let masked = mask(text);
        assert!(!masked.contains("plainvalue42") && !masked.contains("deep-canary"), "{masked}");
        assert!(masked.contains("x-pw: &pw ************\n"), "{masked}");
    }

    #[test]
    fn masks_list_values_urls_content_and_comments() {
        let text = "services:\n  a:\n    environment:\n      - DB_PASSWORD=s3cret\n      - URL=postgres://u:pw@h/db\n# AKIAIOSFODNN7EXAMPLE\nsecrets:\n  s:\n    content: |\n      line1\n      line2\n";
        let masked = mask(text);
        assert!(masked.contains("- DB_PASSWORD=******\n"));
        assert!(!masked.contains("pw@h"));
        assert!(!masked.contains("AKIA"));
        assert!(!masked.contains("line1") && !masked.contains("line2"));
        assert_eq!(masked.lines().count(), text.lines().count());
    }
}
