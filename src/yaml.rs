//! The span-accurate YAML layer: the only module that talks to the parser (granit-parser).
//!
//! It turns the parser's event stream into an arena of nodes, each with the exact UTF-8 byte
//! range it was written at. Aliases stay aliases (pointing at their anchor's node) so a finding
//! in shared content points at the one place it is written, and an alias bomb costs nothing.

use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

/// Index of a node in a [`Tree`].
pub type NodeId = usize;

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
}

/// Compose's merge tags (spec `13-merge.md`, "Reset value" and "Replace value").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeTag {
    /// `!reset`: the attribute is cleared, whatever earlier files set.
    Reset,
    /// `!override`: the attribute replaces what earlier files set instead of merging.
    Override,
}

/// The merge tag a parser tag stands for.
fn merge_tag(tag: Option<&granit_parser::Tag>) -> Option<MergeTag> {
    match tag.map(|t| (t.handle(), t.suffix())) {
        Some(("!", "reset")) => Some(MergeTag::Reset),
        Some(("!", "override")) => Some(MergeTag::Override),
        _ => None,
    }
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

/// A collection being built while its events arrive.
struct Open {
    node: NodeId,
    /// For maps: the key waiting for its value.
    pending_key: Option<NodeId>,
    /// Where this collection's children start on the builder's pending stack.
    first: usize,
}

/// The children of collections still open: nested collections close before their parents,
/// so each one's children are the top of a stack, moved into the tree when it closes.
#[derive(Default)]
struct Pending {
    items: Vec<NodeId>,
    entries: Vec<Entry>,
}

impl Tree {
    /// Parses every document of `text`.
    pub fn parse(text: &str) -> Result<Tree, SyntaxError> {
        Self::parse_with(text, true)
    }

    /// Parses without collecting comments (a third of the parser's work) unless `comments`.
    pub fn parse_with(text: &str, comments: bool) -> Result<Tree, SyntaxError> {
        let options = granit_parser::options! { emit_anchor_events: false, emit_comments: comments };
        // Decoded scalars are never longer than their source (escapes, folding and indentation
        // only shrink them; aliases are not copied): one allocation holds them all.
        let mut tree = Tree { text: String::with_capacity(text.len()), ..Tree::default() };
        let mut anchors: std::collections::HashMap<usize, NodeId> = Default::default();
        let mut stack: Vec<Open> = Vec::new();
        let mut pending = Pending::default();
        for next in Parser::new_from_str_with_options(text, options) {
            let (event, span) = next.map_err(|e| {
                let mark = e.marker();
                let offset = mark.byte_offset().unwrap_or_else(|| char_to_byte(text, mark.index()));
                SyntaxError { message: e.info(), offset, line: mark.line(), column: mark.col() + 1 }
            })?;
            let range = span.byte_range().unwrap_or(0..0);
            let new = match event {
                Event::DocumentStart(..) => {
                    anchors.clear();
                    None
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let start = tree.text.len();
                    tree.text.push_str(&value);
                    let value = slot(start..tree.text.len(), text, range.start)?;
                    let id = tree.push(Kind::Scalar { value, style: style.into() }, range);
                    if let Some(m) = merge_tag(tag.as_deref()) {
                        tree.merge_tags.push((id, m));
                    }
                    if anchor != 0 {
                        anchors.insert(anchor, id);
                    }
                    Some(id)
                }
                Event::Alias(anchor) => {
                    let target = anchors.get(&anchor).copied().ok_or_else(|| SyntaxError {
                        message: "alias to an unknown anchor".into(),
                        offset: range.start,
                        line: span.start.line(),
                        column: span.start.col() + 1,
                    })?;
                    Some(tree.push(Kind::Alias { target }, range))
                }
                Event::SequenceStart(style, anchor, ref tag)
                | Event::MappingStart(style, anchor, ref tag) => {
                    let tagged = merge_tag(tag.as_deref());
                    let flow = style == StructureStyle::Flow;
                    let seq = matches!(event, Event::SequenceStart(..));
                    let kind = if seq {
                        Kind::Seq { items: Slot::default(), flow }
                    } else {
                        Kind::Map { entries: Slot::default(), flow }
                    };
                    let id = tree.push(kind, range);
                    if let Some(m) = tagged {
                        tree.merge_tags.push((id, m));
                    }
                    if anchor != 0 {
                        anchors.insert(anchor, id);
                    }
                    // Attach first, so an alias inside the collection to its own anchor resolves.
                    tree.attach(&mut stack, &mut pending, id, text)?;
                    let first = if seq { pending.items.len() } else { pending.entries.len() };
                    stack.push(Open { node: id, pending_key: None, first });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some(open) = stack.pop() {
                        tree.close(&open, &mut pending, range, text)?;
                    }
                    None
                }
                Event::Comment(body, _) => {
                    tree.comments.push(Comment { text: body.into_owned(), span: range });
                    None
                }
                _ => None,
            };
            if let Some(id) = new {
                tree.attach(&mut stack, &mut pending, id, text)?;
            }
        }
        // Thousands of trees stay alive for the whole run: hand back what doubling reserved.
        tree.nodes.shrink_to_fit();
        tree.text.shrink_to_fit();
        tree.items.shrink_to_fit();
        tree.entries.shrink_to_fit();
        Ok(tree)
    }

    fn push(&mut self, kind: Kind, span: Range<usize>) -> NodeId {
        self.nodes.push(Node { kind, span });
        self.nodes.len() - 1
    }

    /// Puts a finished (or just opened) node into its parent, or makes it a document root.
    fn attach(
        &mut self,
        stack: &mut [Open],
        pending: &mut Pending,
        id: NodeId,
        text: &str,
    ) -> Result<(), SyntaxError> {
        let Some(open) = stack.last_mut() else {
            self.roots.push(id);
            return Ok(());
        };
        let parent = open.node;
        match open.pending_key.take() {
            None if matches!(self.nodes[parent].kind, Kind::Map { .. }) => {
                open.pending_key = Some(id);
            }
            Some(key) => {
                if let Some(dup) = self.duplicate_key(&pending.entries[open.first..], key) {
                    let at = self.nodes[key].span.start;
                    let (line, column) = crate::lines::line_col(text, at);
                    let (first, _) = crate::lines::line_col(text, self.nodes[dup].span.start);
                    return Err(SyntaxError {
                        message: format!(
                            "duplicate mapping key `{}` (first defined on line {first})",
                            self.scalar(key).unwrap_or_default()
                        ),
                        offset: at,
                        line,
                        column,
                    });
                }
                pending.entries.push(Entry { key, value: id });
            }
            None => pending.items.push(id),
        }
        Ok(())
    }

    /// An earlier key among a mapping's `entries` with the same scalar text as `key`,
    /// ignoring `<<` merge keys.
    fn duplicate_key(&self, entries: &[Entry], key: NodeId) -> Option<NodeId> {
        let name = self.scalar(key)?;
        if name == "<<" {
            return None;
        }
        entries.iter().map(|e| e.key).find(|&k| self.scalar(k) == Some(name))
    }

    /// Moves a collection's children into the tree and sets its end: the closing bracket for
    /// flow style; for block style the end of its last content, since the parser reports
    /// block ends at the next token.
    fn close(
        &mut self,
        open: &Open,
        pending: &mut Pending,
        end_event: Range<usize>,
        text: &str,
    ) -> Result<(), SyntaxError> {
        let id = open.node;
        let at = self.nodes[id].span.start;
        let (last, flow) = match &mut self.nodes[id].kind {
            Kind::Seq { items, flow } => {
                let start = self.items.len();
                self.items.extend(pending.items.drain(open.first.min(pending.items.len())..));
                *items = slot(start..self.items.len(), text, at)?;
                (self.items[start..].last().copied(), *flow)
            }
            Kind::Map { entries, flow } => {
                let start = self.entries.len();
                self.entries.extend(pending.entries.drain(open.first.min(pending.entries.len())..));
                *entries = slot(start..self.entries.len(), text, at)?;
                (self.entries[start..].last().map(|e| e.value), *flow)
            }
            _ => (None, false),
        };
        if flow {
            self.nodes[id].span.end = end_event.end.max(at);
        } else if let Some(last) = last {
            let end = self.nodes[last].span.end.max(self.nodes[last].span.start);
            let node = &mut self.nodes[id];
            node.span.end = end.max(node.span.start);
        }
        Ok(())
    }

    /// How many nodes the tree holds (ids are `0..node_count()`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
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
        self.own_entries(map).iter().copied().find(|e| self.key_text(e.key) == Some(key))
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

impl From<ScalarStyle> for Style {
    fn from(style: ScalarStyle) -> Self {
        match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            _ => Style::Block,
        }
    }
}

/// A buffer range as a [`Slot`]; a tree needs more than 4 GiB of one buffer only for input
/// far past the size limit, but that is an error at `offset`, not a wrap-around.
fn slot(range: Range<usize>, text: &str, offset: usize) -> Result<Slot, SyntaxError> {
    match (u32::try_from(range.start), u32::try_from(range.end)) {
        (Ok(start), Ok(end)) => Ok(Slot { start, end }),
        _ => {
            let (line, column) = crate::lines::line_col(text, offset);
            Err(SyntaxError { message: "document too large".into(), offset, line, column })
        }
    }
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
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
        assert!(err.line >= 1);
        let err = Tree::parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 1));
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }

    #[test]
    fn self_referencing_alias_terminates() {
        let text = "a: &x\n  <<: *x\n  b: 1\n";
        if let Ok(tree) = Tree::parse(text) {
            let a = tree.get(tree.roots[0], "a").unwrap().value;
            assert!(tree.get(a, "b").is_some());
        }
    }

    #[test]
    fn multiple_documents() {
        let tree = Tree::parse("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(tree.roots.len(), 2);
    }
}
