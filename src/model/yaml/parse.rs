//! Building a [`Tree`] from the parser's events: nodes into one arena, scalar texts and
//! children into shared buffers, anchors resolved, duplicate keys refused, positions kept.

use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

use super::*;

/// The merge tag a parser tag stands for.
fn merge_tag(tag: Option<&granit_parser::Tag>) -> Option<MergeTag> {
    match tag.map(|t| (t.handle(), t.suffix())) {
        Some(("!", "reset")) => Some(MergeTag::Reset),
        Some(("!", "override")) => Some(MergeTag::Override),
        _ => None,
    }
}

/// A collection being built while its events arrive.
struct Open {
    node: NodeId,
    /// For maps: the key waiting for its value.
    pending_key: Option<NodeId>,
    /// Where this collection's children start on the builder's pending stack.
    first: usize,
    /// For a map with many keys: each key's text and node, so a duplicate is found without
    /// comparing with every earlier key (60 000 services in one file would be quadratic).
    keys: Option<std::collections::HashMap<Box<str>, NodeId>>,
}

/// Up to this many keys, a map's duplicates are found by comparing with each earlier key.
const LINEAR_KEYS: usize = 16;

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
                    let style: Style = style.into();
                    let range = if style == Style::Block { block_span(text, range) } else { range };
                    let id = tree.push(Kind::Scalar { value, style }, range);
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
                    stack.push(Open { node: id, pending_key: None, first, keys: None });
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
                if let Some(dup) = self.duplicate_key(open, &pending.entries[open.first..], key) {
                    let at = self.nodes[key].span.start;
                    let (line, column) = crate::model::lines::line_col(text, at);
                    let (first, _) = crate::model::lines::line_col(text, self.nodes[dup].span.start);
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
    /// ignoring `<<` merge keys: by comparison for a small map, by lookup in `open.keys` once
    /// the map has more than [`LINEAR_KEYS`] keys.
    fn duplicate_key(&self, open: &mut Open, entries: &[Entry], key: NodeId) -> Option<NodeId> {
        let name = self.scalar(key)?;
        if name == "<<" {
            return None;
        }
        if entries.len() < LINEAR_KEYS && open.keys.is_none() {
            return entries.iter().map(|e| e.key).find(|&k| self.scalar(k) == Some(name));
        }
        let keys = open.keys.get_or_insert_with(|| {
            let mut map = std::collections::HashMap::with_capacity(entries.len() * 2);
            for e in entries {
                if let Some(k) = self.scalar(e.key).filter(|k| *k != "<<") {
                    map.entry(Box::from(k)).or_insert(e.key);
                }
            }
            map
        });
        match keys.get(name) {
            Some(&first) => Some(first),
            None => {
                keys.insert(Box::from(name), key);
                None
            }
        }
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
            let (line, column) = crate::model::lines::line_col(text, offset);
            Err(SyntaxError { message: "document too large".into(), offset, line, column })
        }
    }
}

/// A block scalar's content: the parser reports it from its first content line up to the next
/// token, which takes in the blank lines, less-indented comments and indentation that follow
/// it; the span ends at the last content line instead (YAML 1.2 §8.1: content lines are
/// indented at least as far as the first non-empty one, or as the indentation indicator says).
/// Diagnostics point at the content; edits of the whole node add the header
/// ([`Tree::written_span`]).
fn block_span(text: &str, range: Range<usize>) -> Range<usize> {
    let Some(header) = block_header(text, range.start) else { return range };
    let header_text = &text[header.clone()];
    let explicit = header_text.bytes().any(|b| b.is_ascii_digit());
    let line_end = text[header.end..].find('\n').map_or(text.len(), |i| header.end + i + 1);
    let end = range.end.max(line_end).min(text.len());
    let indent = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let lines: Vec<(usize, &str)> = text[line_end.min(end)..end]
        .split_inclusive('\n')
        .scan(line_end.min(end), |at, line| {
            let here = *at;
            *at += line.len();
            Some((here, line.trim_end_matches(['\n', '\r'])))
        })
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let threshold = if explicit {
        lines.iter().filter(|(_, l)| !l.trim_start().starts_with('#')).map(|(_, l)| indent(l)).min()
    } else {
        lines.first().map(|(_, l)| indent(l))
    };
    let last = threshold.and_then(|min| {
        lines.iter().rev().find(|(_, l)| !(l.trim_start().starts_with('#') && indent(l) < min))
    });
    match last {
        Some((at, line)) => range.start..(at + line.len()).max(range.start),
        None => range.start..range.start,
    }
}

/// The `|`/`>` indicators (with chomping and indentation indicators) of the block scalar whose
/// content the parser reports at `content`: on the closest line above it that is not blank.
/// The line `content` is on is a content line (the parser marks the first content character,
/// or for an empty scalar the next token) unless text precedes it there: an empty scalar at
/// the end of the text.
pub(super) fn block_header(text: &str, content: usize) -> Option<Range<usize>> {
    let content = content.min(text.len());
    let mut line_start = text[..content].rfind('\n').map_or(0, |i| i + 1);
    if text[line_start..content].trim().is_empty() {
        if line_start == 0 {
            return None;
        }
        line_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
    }
    loop {
        let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
        let line = &text[line_start..line_end];
        let found = line.char_indices().find_map(|(i, c)| {
            if !matches!(c, '|' | '>') || (i > 0 && !line[..i].ends_with([' ', '\t', ':', '-'])) {
                return None;
            }
            let rest = &line[i + 1..];
            let len = rest.find(|c: char| !matches!(c, '+' | '-' | '0'..='9')).unwrap_or(rest.len());
            let after = rest[len..].trim_start_matches([' ', '\t', '\r']);
            (after.is_empty() || (after.starts_with('#') && rest[len..].starts_with([' ', '\t'])))
                .then(|| line_start + i..line_start + i + 1 + len)
        });
        if found.is_some() {
            return found;
        }
        if line_start == 0 || !line.trim().is_empty() {
            return None;
        }
        line_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
    }
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i)
}
