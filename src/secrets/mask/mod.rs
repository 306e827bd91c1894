//! Masking before any text leaves the process, by structure rather than by how a value
//! looks: a scalar is shown only where the Compose model says it is safe to show (keys, names,
//! image references, mount targets, numbers, `${VAR}`...), or when it is proven harmless (a
//! flag name, a path, a URL without userinfo). Everything else becomes `*`, byte for byte
//! (line breaks and indentation kept), so snippets keep their shape and underlines line up.

use std::collections::HashMap;
use std::ops::Range;

use crate::secrets::{Detector, KeyClass};

mod fields;
mod messages;
pub(crate) mod shown;
mod words;

use crate::model::yaml::{Kind, NodeId, Style, Tree};
use fields::{Ctx, child, item};
pub(crate) use messages::Scrubber;
pub(crate) use messages::scrub;
pub(crate) use messages::{known_values, scrub_project};
use shown::shown_word;
use words::{
    Words, harmless, has_userinfo, inner_span, is_interpolation, is_name, mask_comment, mask_comments,
    mask_ranges, mask_value, mask_word_items, mask_words,
};

/// What a file is, which decides what its values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A Compose file.
    Compose,
    /// A `minipaas.yaml`.
    Manifest,
}

impl Shape {
    /// The shape a file of this path has.
    pub(crate) fn of_path(path: &str) -> Shape {
        let name = path.rsplit('/').next().unwrap_or(path);
        if crate::model::manifest::MANIFEST_NAMES.contains(&name) { Shape::Manifest } else { Shape::Compose }
    }
}

/// How one node was reached: its context, whether the key above it (or above its list) names
/// a credential, and whether it is a list item (where `KEY=value` is a variable).
type Reach = (Ctx, bool, bool);

/// Every context each node is reached in, following aliases and merge keys.
fn reaches(tree: &Tree, shape: Shape, det: &Detector) -> HashMap<NodeId, Vec<Reach>> {
    let root = match shape {
        Shape::Compose => Ctx::ComposeRoot,
        Shape::Manifest => Ctx::ManifestRoot,
    };
    let mut out: HashMap<NodeId, Vec<Reach>> = HashMap::new();
    let mut stack: Vec<(NodeId, Reach)> = tree.roots.iter().map(|&r| (r, (root, false, false))).collect();
    while let Some((id, reach)) = stack.pop() {
        let seen = out.entry(id).or_default();
        if seen.contains(&reach) {
            continue;
        }
        seen.push(reach);
        let (ctx, cred, _) = reach;
        match &tree.node(id).kind {
            Kind::Scalar { .. } => {}
            Kind::Seq { .. } => {
                // Items of a list under a credential key are credentials too, where they are
                // values (`x-passwords: [123456]`); in structure they are names.
                let inner = item(ctx);
                let cred = cred && matches!(inner, Ctx::Mask | Ctx::Ext | Ctx::Words);
                stack.extend(tree.items(id).iter().map(|&i| (i, (inner, cred, true))));
            }
            Kind::Map { .. } => {
                for e in tree.own_entries(id) {
                    let key = tree.scalar(e.key).unwrap_or_default();
                    if key == "<<" {
                        // A merge key's mappings become entries of this mapping.
                        stack.push((e.value, (ctx, false, false)));
                        continue;
                    }
                    let cred = matches!(det.classify_key(key), KeyClass::Credential { .. });
                    stack.push((e.value, (child(ctx, key), cred, false)));
                }
            }
            Kind::Alias { target } => stack.push((*target, reach)),
        }
    }
    out
}

/// What a scalar reached in `reach` may show: the strictest of the places it is used, where an
/// `x-` field counts only when the node is used nowhere else.
fn strictest(reach: &[Reach]) -> (Ctx, bool, bool) {
    let used: Vec<Reach> = reach.iter().copied().filter(|(c, ..)| *c != Ctx::Ext).collect();
    let set = if used.is_empty() { reach } else { &used };
    let cred = set.iter().any(|(_, c, _)| *c);
    let item = set.iter().all(|(.., i)| *i);
    let rank = |c: Ctx| match c {
        Ctx::Secret => 4,
        Ctx::Mask | Ctx::Ext => 3,
        Ctx::Words => 2,
        Ctx::Plain => 1,
        _ => 3,
    };
    let ctx = set.iter().map(|(c, ..)| *c).max_by_key(|c| rank(*c)).unwrap_or(Ctx::Mask);
    (ctx, cred, item)
}

/// Byte ranges of `text` to mask.
pub(crate) fn sensitive_ranges_in(
    text: &str,
    tree: &Tree,
    shape: Shape,
    det: &Detector,
) -> Vec<Range<usize>> {
    let reach = reaches(tree, shape, det);
    let strict = |id: NodeId| reach.get(&id).map(|r| strictest(r));
    let mut out = Vec::new();
    // Commands written as lists: each item's words are masked knowing the item before it.
    let mut handled = std::collections::HashSet::new();
    for id in 0..tree.node_count() {
        if matches!(tree.node(id).kind, Kind::Seq { .. }) && strict(id).is_some_and(|(c, ..)| c == Ctx::Words)
        {
            mask_word_items(text, tree, id, det, &mut out, |i| {
                strict(i).is_some_and(|(c, ..)| c == Ctx::Words) && handled.insert(i)
            });
        }
    }
    let mut scalars: Vec<Range<usize>> = Vec::new();
    for id in 0..tree.node_count() {
        let node = tree.node(id);
        let Kind::Scalar { style, .. } = node.kind else { continue };
        scalars.push(node.span.clone());
        if handled.contains(&id) {
            continue;
        }
        let inner = inner_span(text, node.span.clone(), style);
        let value = tree.scalar(id).unwrap_or_default();
        let Some((ctx, cred, item)) = strict(id) else {
            // Keys are not reached as values: shown unless they look like a secret (a token,
            // or `PASSWORD=value` written as a key in a flow mapping).
            if !shown_word(value, det) {
                out.push(inner);
            }
            continue;
        };
        let source = &text[inner.clone()];
        // Words and `KEY=value` can be placed in the source unless escapes changed them.
        let placeable = source == value || matches!(style, Style::Plain | Style::Block);
        match ctx {
            Ctx::Plain if !cred && det.find_pattern(value).is_none() && !has_userinfo(value) => {}
            Ctx::Plain if source == value => mask_value(source, inner.start, cred, item, det, &mut out),
            Ctx::Words if placeable => mask_words(
                source,
                inner.start,
                &mut Words { command: true, secret_next: false },
                det,
                &mut out,
            ),
            Ctx::Mask | Ctx::Ext if source == value => {
                mask_value(source, inner.start, cred, item, det, &mut out)
            }
            Ctx::Mask | Ctx::Ext if !cred && harmless(value, det) => {}
            _ => out.push(inner),
        }
    }
    scalars.sort_by_key(|r| r.start);
    mask_comments(text, &scalars, &mut out);
    out
}

/// Byte ranges to mask in a text that did not parse: every line keeps its indentation, list
/// dashes and a key that looks like a name; the rest is masked unless harmless.
fn lexical_ranges(text: &str, det: &Detector) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive(['\n', '\r']) {
        let body = line.trim_end_matches(['\n', '\r']);
        let lead = body.len() - body.trim_start_matches([' ', '\t', '-', '\u{feff}']).len();
        let rest = &body[lead..];
        let key_len = rest
            .find(": ")
            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))
            .filter(|&k| {
                is_name(rest[..k].trim_matches(['"', '\''])) && det.find_pattern(&rest[..k]).is_none()
            })
            .map_or(0, |k| k + 1);
        let value = &rest[key_len..];
        let value_start = line_start + lead + key_len;
        let (value, comment) = match value.find(" #") {
            Some(c) => (&value[..c], Some(c + 2)),
            None if value.starts_with('#') => ("", Some(1)),
            None => (value, None),
        };
        let v = value.trim();
        let key = rest[..key_len.saturating_sub(1)].trim_matches(['"', '\'']);
        let cred = matches!(det.classify_key(key), KeyClass::Credential { .. });
        let bare = v.trim_matches(['"', '\'']);
        let shown = if cred { is_interpolation(bare) } else { harmless(bare, det) };
        if !v.is_empty() && !shown {
            let s = value_start + (value.len() - value.trim_start().len());
            out.push(s..s + v.len());
        }
        if let Some(c) = comment {
            mask_comment(&rest[key_len + c..], value_start + c, &mut out);
        }
        line_start += line.len();
    }
    out
}

/// `text` masked as a Compose file, with the built-in detectors.
pub fn mask(text: &str) -> String {
    mask_with(text, Shape::Compose, &Detector::default())
}

/// `text` masked as a file of `shape`, using a project's detectors.
pub(crate) fn mask_with(text: &str, shape: Shape, det: &Detector) -> String {
    // Comments come from the lexical scan, so the parser need not collect them.
    let ranges = match Tree::parse_with(text, false) {
        Ok(tree) => sensitive_ranges_in(text, &tree, shape, det),
        Err(_) => lexical_ranges(text, det),
    };
    mask_ranges(text, ranges)
}

/// [`mask_with`] for a text whose tree is already parsed.
pub(crate) fn mask_parsed(text: &str, tree: &Tree, shape: Shape, det: &Detector) -> String {
    mask_ranges(text, sensitive_ranges_in(text, tree, shape, det))
}

#[cfg(test)]
mod tests;
