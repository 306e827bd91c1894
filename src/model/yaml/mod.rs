//! The span-accurate YAML layer: the only module that talks to the parser (granit-parser).
//!
//! It turns the parser's event stream into an arena of nodes, each with the exact UTF-8 byte
//! range it was written at. Aliases stay aliases (pointing at their anchor's node) so a finding
//! in shared content points at the one place it is written, and an alias bomb costs nothing.
//! Building the tree is in [`parse`]; this file holds the tree and its queries.

use std::ops::Range;

mod parse;

/// Index of a node in a [`Tree`].
pub(crate) type NodeId = usize;

/// How deep [`Tree::resolve`] and merge-key expansion follow aliases before giving up; guards
/// against self-referencing anchors (`&a [*a]`), which the parser allows.
const MAX_ALIAS_HOPS: usize = 64;

/// One YAML node and where it is written.
#[derive(Debug, Clone)]
pub struct Node {
    /// What the node is.
    pub kind: Kind,
    /// Byte range of the node's own text (without its anchor or tag).
    pub span: Range<usize>,
}

/// Where a node's contents sit in one of the tree's shared buffers: one buffer per tree,
/// rather than a `String` or `Vec` per node, because allocation was a fifth of all the work of
/// loading a large repository. Read contents through [`Tree::scalar`], [`Tree::items`] and
/// [`Tree::own_entries`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Slot {
    start: u32,
    end: u32,
}

impl Slot {
    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The kind of a node.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A scalar after escape processing; `style` tells how it was quoted.
    Scalar {
        /// The decoded value ([`Tree::scalar`]).
        value: Slot,
        /// How the scalar was written.
        style: Style,
    },
    /// A sequence of nodes.
    Seq {
        /// Items in source order ([`Tree::items`]).
        items: Slot,
        /// `[a, b]` rather than `- a`.
        flow: bool,
    },
    /// A mapping, entries in source order (duplicates are rejected while parsing).
    Map {
        /// Entries in source order ([`Tree::own_entries`]).
        entries: Slot,
        /// `{a: b}` rather than block style.
        flow: bool,
    },
    /// `*name`: refers to the anchored node.
    Alias {
        /// The anchored node.
        target: NodeId,
    },
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'...'`
    SingleQuoted,
    /// `"..."`
    DoubleQuoted,
    /// `|` or `>` block scalar.
    Block,
}

/// How a YAML text is laid out, as the patch layer writes new lines to match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// `"\n"` or `"\r\n"`.
    pub nl: &'static str,
    /// Indentation of a nested mapping relative to its key.
    pub step: usize,
    /// Indentation of `- ` items relative to their key (0 for the compact style).
    pub seq_indent: usize,
}

/// A mapping entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The key node.
    pub key: NodeId,
    /// The value node.
    pub value: NodeId,
}

/// A comment and where it is.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Text after `#`.
    pub text: String,
    /// Byte range including `#`.
    pub span: Range<usize>,
}

/// All documents of one YAML stream.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    /// Decoded scalar values, end to end.
    text: String,
    /// Sequence items, each sequence's items contiguous.
    items: Vec<NodeId>,
    /// Mapping entries, each mapping's entries contiguous.
    entries: Vec<Entry>,
    /// The root node of each document, in order.
    pub roots: Vec<NodeId>,
    /// Every comment in the stream.
    pub comments: Vec<Comment>,
    /// Nodes tagged `!reset` or `!override` (Compose's merge tags, spec `13-merge.md`); few.
    merge_tags: Vec<(NodeId, MergeTag)>,
    /// For mappings of more than [`INDEXED_MAP`] entries: key text to entry index, built the
    /// first time one is searched (a fix per declaration of a 10 000-entry `secrets:` would
    /// otherwise scan it 10 000 times).
    key_index:
        std::sync::OnceLock<std::collections::HashMap<NodeId, std::collections::HashMap<Box<str>, usize>>>,
}

/// Mappings with more entries than this are searched through an index.
const INDEXED_MAP: usize = 32;

/// Compose's merge tags (spec `13-merge.md`, "Reset value" and "Replace value").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeTag {
    /// `!reset`: the attribute is cleared, whatever earlier files set.
    Reset,
    /// `!override`: the attribute replaces what earlier files set instead of merging.
    Override,
}

/// A syntax error, with the byte offset and 1-based line/column where the parser stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What went wrong.
    pub message: String,
    /// Byte offset of the error.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Tree {
    /// How many nodes the tree holds (ids are `0..node_count()`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Every alias, with the anchored node it refers to.
    pub fn aliases(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.nodes.iter().enumerate().filter_map(|(id, n)| match n.kind {
            Kind::Alias { target } => Some((id, target)),
            _ => None,
        })
    }

    /// Follows aliases to the node that holds the content.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..MAX_ALIAS_HOPS {
            match self.nodes[id].kind {
                Kind::Alias { target } => id = target,
                _ => return id,
            }
        }
        id
    }

    /// The scalar text of a node (after following aliases), if it is a scalar.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match self.nodes[self.resolve(id)].kind {
            Kind::Scalar { value, .. } => self.text.get(value.range()),
            _ => None,
        }
    }

    /// True for an empty value, `~` or `null` written plain.
    pub fn is_null(&self, id: NodeId) -> bool {
        match self.nodes[self.resolve(id)].kind {
            Kind::Scalar { value, style: Style::Plain } => {
                matches!(self.text.get(value.range()), Some("" | "~" | "null" | "Null" | "NULL"))
            }
            _ => false,
        }
    }

    /// Items of a sequence (after following aliases); empty for anything else.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match self.nodes[self.resolve(id)].kind {
            Kind::Seq { items, .. } => self.items.get(items.range()).unwrap_or_default(),
            _ => &[],
        }
    }

    /// The Compose merge tag written on a node, if any.
    pub fn merge_tag(&self, id: NodeId) -> Option<MergeTag> {
        self.merge_tags.iter().find(|(n, _)| *n == id).map(|(_, m)| *m)
    }

    /// True if the node (after following aliases) is a mapping.
    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.resolve(id)].kind, Kind::Map { .. })
    }

    /// True if the node (after following aliases) is a sequence.
    pub fn is_seq(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.resolve(id)].kind, Kind::Seq { .. })
    }

    /// The entries of a mapping as Compose sees them: its own entries first, then those
    /// brought in by `<<` merge keys (a mapping or a list of mappings) that it does not
    /// override. Merged entries keep the ids of the nodes where they are written.
    pub fn entries(&self, id: NodeId) -> Vec<Entry> {
        let mut out = Vec::with_capacity(self.own_entries(self.resolve(id)).len());
        self.collect_entries(id, 0, &mut out);
        out
    }

    fn collect_entries(&self, id: NodeId, depth: usize, out: &mut Vec<Entry>) {
        if depth > MAX_ALIAS_HOPS {
            return;
        }
        let entries = self.own_entries(self.resolve(id));
        // A mapping's own keys are unique (the parser rejects duplicates): only entries
        // merged in after something else need the override test.
        let first = out.is_empty();
        for entry in entries {
            let key = self.key_text(entry.key);
            if self.is_merge(entry.key) {
                continue;
            }
            if first || !out.iter().any(|e: &Entry| key.is_some() && self.key_text(e.key) == key) {
                out.push(*entry);
            }
        }
        for merge in entries.iter().filter(|e| self.is_merge(e.key)).map(|e| e.value) {
            let merge = self.resolve(merge);
            if self.is_seq(merge) {
                for &item in self.items(merge) {
                    self.collect_entries(item, depth + 1, out);
                }
            } else {
                self.collect_entries(merge, depth + 1, out);
            }
        }
    }

    fn is_plain(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, Kind::Scalar { style: Style::Plain, .. })
    }

    /// True for a `<<` merge key (written plain).
    fn is_merge(&self, key: NodeId) -> bool {
        self.is_plain(key) && self.key_text(key) == Some("<<")
    }

    /// [`Tree::scalar`] for the lookups that run for every key of every mapping read: inlined
    /// there only (inlining `scalar` everywhere made the parser loop slower).
    #[inline(always)]
    fn key_text(&self, id: NodeId) -> Option<&str> {
        match self.nodes[id].kind {
            Kind::Scalar { value, .. } => self.text.get(value.start as usize..value.end as usize),
            Kind::Alias { .. } => self.scalar(id),
            _ => None,
        }
    }

    /// The value of `key` in a mapping, merge keys included.
    pub fn get(&self, map: NodeId, key: &str) -> Option<Entry> {
        self.get_depth(map, key, 0)
    }

    /// [`Tree::get`] without building the entry list: own entries first, then merge sources
    /// in order (the same precedence as [`Tree::entries`]).
    fn get_depth(&self, map: NodeId, key: &str, depth: usize) -> Option<Entry> {
        if depth > MAX_ALIAS_HOPS {
            return None;
        }
        let entries = self.own_entries(self.resolve(map));
        let mut has_merge = false;
        for e in entries {
            match self.key_text(e.key) {
                Some("<<") if self.is_plain(e.key) => has_merge = true,
                Some(k) if k == key => return Some(*e),
                _ => {}
            }
        }
        if !has_merge {
            return None;
        }
        for e in entries {
            if !self.is_merge(e.key) {
                continue;
            }
            let source = self.resolve(e.value);
            let found = if self.is_seq(source) {
                self.items(source).iter().find_map(|&item| self.get_depth(item, key, depth + 1))
            } else {
                self.get_depth(source, key, depth + 1)
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The entries written in this mapping node itself (no alias following, no merge keys).
    pub fn own_entries(&self, map: NodeId) -> &[Entry] {
        match self.nodes[map].kind {
            Kind::Map { entries, .. } => self.entries.get(entries.range()).unwrap_or_default(),
            _ => &[],
        }
    }

    /// The entry for `key` written in this mapping node itself.
    pub fn own_entry(&self, map: NodeId, key: &str) -> Option<Entry> {
        let entries = self.own_entries(map);
        if entries.len() <= INDEXED_MAP {
            return entries.iter().copied().find(|e| self.key_text(e.key) == Some(key));
        }
        let index = self.key_index.get_or_init(|| {
            let mut all = std::collections::HashMap::new();
            for id in 0..self.nodes.len() {
                let entries = self.own_entries(id);
                if entries.len() > INDEXED_MAP {
                    let mut keys = std::collections::HashMap::with_capacity(entries.len());
                    for (i, e) in entries.iter().enumerate() {
                        if let Some(k) = self.key_text(e.key) {
                            keys.entry(Box::from(k)).or_insert(i);
                        }
                    }
                    all.insert(id, keys);
                }
            }
            all
        });
        index.get(&map)?.get(key).map(|&i| entries[i])
    }

    /// True for a `|` or `>` block scalar.
    fn is_block_scalar(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, Kind::Scalar { style: Style::Block, .. })
    }

    /// The whole text of node `id` in `text` (the text the tree was parsed from): its span, and
    /// for a block scalar the `|`/`>` header before its content too, so replacing it replaces
    /// the value.
    pub fn written_span(&self, text: &str, id: NodeId) -> Range<usize> {
        let span = self.nodes[id].span.clone();
        match self.is_block_scalar(id).then(|| parse::block_header(text, span.start)).flatten() {
            Some(header) if span.is_empty() => header,
            Some(header) => header.start..span.end.max(header.end),
            None => span,
        }
    }

    /// Where `range` of scalar `id`'s decoded value is written in `text`: direct when the value
    /// is written verbatim, line by line in a literal block (`|`, whose lines are the written
    /// lines without their indentation); `None` when escapes or folding make it unplaceable.
    pub fn source_range(&self, text: &str, id: NodeId, range: Range<usize>) -> Option<Range<usize>> {
        let span = self.nodes.get(id)?.span.clone();
        let value = self.scalar(id)?;
        let written = text.get(span.clone())?;
        if written == value {
            return Some(span.start + range.start..span.start + range.end);
        }
        if !self.is_block_scalar(id) || range.start > range.end || range.end > value.len() {
            return None;
        }
        // Line `i` of the value is written on line `i` of the span, after its indentation.
        let place = |at: usize| -> Option<usize> {
            let line = value[..at].matches('\n').count();
            let line_start = value[..at].rfind('\n').map_or(0, |i| i + 1);
            let value_line = value[line_start..].split('\n').next().unwrap_or_default();
            let mut offset = span.start;
            for (n, written_line) in written.split('\n').enumerate() {
                if n == line {
                    // The value line is the written line's tail (after the indentation).
                    let written_line = written_line.strip_suffix('\r').unwrap_or(written_line);
                    let col = written_line.len().checked_sub(value_line.len())?;
                    if !written_line.ends_with(value_line) || value_line.is_empty() {
                        return None;
                    }
                    return Some(offset + col + (at - line_start));
                }
                offset += written_line.len() + 1;
            }
            None
        };
        // Both ends are character boundaries of the value (a range's end is placed itself, not
        // its last byte, which may sit inside a character).
        let start = place(range.start)?;
        let end = if range.is_empty() { start } else { place(range.end)? };
        (text.get(start..end) == value.get(range)).then_some(start..end)
    }

    /// True if the node is written as an alias (`*name`).
    pub fn is_alias(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, Kind::Alias { .. })
    }

    /// True if the node is a flow collection (`[...]` or `{...}`).
    pub fn is_flow(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, Kind::Seq { flow: true, .. } | Kind::Map { flow: true, .. })
    }

    /// True if this entry of `map` was brought in by a merge key rather than written in it.
    pub fn is_inherited(&self, map: NodeId, entry: &Entry) -> bool {
        self.is_map(map) && !self.own_entries(self.resolve(map)).iter().any(|e| e.key == entry.key)
    }
}

#[cfg(test)]
mod tests;
