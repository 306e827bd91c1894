//! The Compose-aware patch layer: builds byte-range [`Edit`]s on the span tree that add or
//! remove a secret/config reference or declaration, matching the file's own indentation,
//! list style and line endings. Everything else in the file is left byte for byte.
//!
//! It refuses (with [`Unfixable`]) rather than guess: it never writes through an alias, and
//! never gives a service its own list when it inherits one through `<<` (merge keys are
//! shallow, so that would replace the inherited list).

use crate::fix::Edit;
use crate::model::compose::ResourceKind;
use crate::yaml::{Entry, NodeId, Tree};

/// Why an edit cannot be made safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unfixable(pub String);

/// A reference to add to a service's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReference<'a> {
    /// The top-level name.
    pub source: &'a str,
    /// Where to mount it, when not the source name.
    pub target: Option<&'a str>,
    /// Write the long syntax even when the list uses the short one (MiniPaaS always does).
    pub long: bool,
}

/// Builds edits for one file.
pub struct Patcher<'a> {
    text: &'a str,
    tree: &'a Tree,
    nl: &'static str,
    /// Indentation of a nested mapping relative to its key.
    step: usize,
    /// Indentation of `- ` items relative to their key (0 for the compact style).
    seq_indent: usize,
}

impl<'a> Patcher<'a> {
    /// Learns the file's conventions (line ending, indentation step, list indentation).
    pub fn new(text: &'a str, tree: &'a Tree) -> Patcher<'a> {
        // The line ending most lines use (a stray CRLF line does not make the file CRLF).
        let crlf = text.matches("\r\n").count();
        let nl = if crlf * 2 > text.matches('\n').count() { "\r\n" } else { "\n" };
        let mut p = Patcher { text, tree, nl, step: 2, seq_indent: 2 };
        let (mut step, mut seq) = (None, None);
        let mut stack: Vec<NodeId> = tree.roots.clone();
        let mut visited = 0;
        while let Some(id) = stack.pop() {
            visited += 1;
            if visited > 10_000 || (step.is_some() && seq.is_some()) {
                break;
            }
            for e in tree.own_entries(id) {
                let key_col = p.col(tree.node(e.key).span.start);
                if tree.is_alias(e.value) || tree.is_flow(e.value) {
                    continue;
                }
                if let Some(first) = tree.own_entries(e.value).first()
                    && step.is_none()
                {
                    let c = p.col(tree.node(first.key).span.start);
                    if c > key_col {
                        step = Some(c - key_col);
                    }
                }
                if tree.is_seq(e.value)
                    && seq.is_none()
                    && let Some(&item) = tree.items(e.value).first()
                    && let Some(dash) = p.dash_before(tree.node(item).span.start)
                {
                    seq = Some(p.col(dash).saturating_sub(key_col));
                }
                stack.push(e.value);
            }
            if tree.is_seq(id) && !tree.is_alias(id) {
                stack.extend(tree.items(id).iter().copied());
            }
        }
        p.step = step.unwrap_or(2).clamp(1, 8);
        p.seq_indent = seq.unwrap_or(p.step).min(8);
        p
    }

    /// Column (in characters) of a byte offset. A byte-order mark is not a column.
    fn col(&self, offset: usize) -> usize {
        let start = self.line_start(offset);
        let line = &self.text[start..offset.min(self.text.len())];
        line.strip_prefix('\u{feff}').unwrap_or(line).chars().count()
    }

    fn line_start(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Where to insert "after this line": before the line break that ends the line holding
    /// `content_end`, so a comment on that line stays on it. A block scalar's span may end
    /// after its line break; then that break is the one.
    fn insertion_point(&self, content_end: usize) -> usize {
        let end = content_end.min(self.text.len());
        let bytes = self.text.as_bytes();
        let nl_at = if end > 0 && bytes[end - 1] == b'\n' {
            end - 1
        } else {
            self.text[end..].find('\n').map_or(self.text.len(), |i| end + i)
        };
        if nl_at > 0 && nl_at < self.text.len() && bytes[nl_at - 1] == b'\r' { nl_at - 1 } else { nl_at }
    }

    /// The byte after the line break ending the line at `offset` (or the end of the text).
    fn next_line_start(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        if end > 0 && self.text.as_bytes()[end - 1] == b'\n' {
            return end;
        }
        self.text[end..].find('\n').map_or(self.text.len(), |i| end + i + 1)
    }

    /// Where a node's text starts with its properties: the parser's spans leave out an anchor
    /// (`&n db`) or tag written before the node, but removing the node must take them, and
    /// removing the node before it must not.
    fn props_start(&self, start: usize) -> usize {
        let mut at = start.min(self.text.len());
        loop {
            let before = self.text[..at].trim_end_matches([' ', '\t']);
            let token_start = before.rfind([' ', '\t', '\n', '[', '{', ',']).map_or(0, |i| i + 1);
            let token = &before[token_start..];
            if token.len() > 1 && token.starts_with(['&', '!']) {
                at = token_start;
            } else {
                return at;
            }
        }
    }

    /// The `-` of the block sequence item whose content starts at `item_start`.
    fn dash_before(&self, item_start: usize) -> Option<usize> {
        let before = self.text.get(..self.props_start(item_start))?;
        let trimmed = before.trim_end_matches([' ', '\t', '\r', '\n']);
        trimmed.ends_with('-').then(|| trimmed.len() - 1)
    }

    /// True when only spaces precede `offset` on its line.
    fn starts_line(&self, offset: usize) -> bool {
        self.text[self.line_start(offset)..offset].chars().all(|c| matches!(c, ' ' | '\t' | '\u{feff}'))
    }

    /// End of an entry's content: its value, or its key when the value is empty.
    fn entry_end(&self, e: &Entry) -> usize {
        let value = &self.tree.node(e.value).span;
        let key = &self.tree.node(e.key).span;
        if self.tree.is_null(e.value) && value.is_empty() {
            return key.end;
        }
        // A block scalar's span (`|`, `>-`, ...) runs past its last line break into the next
        // line's indentation: that indentation belongs to the next entry.
        let mut end = value.end.max(key.end).min(self.text.len());
        let bytes = self.text.as_bytes();
        while end > key.end && matches!(bytes[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        end
    }

    fn spaces(n: usize) -> String {
        " ".repeat(n)
    }

    /// A block list item starting at column `dash` (without the leading newline).
    fn block_item(&self, r: &NewReference<'_>, dash: usize, long: bool) -> String {
        if !long {
            return format!("{}- {}", Self::spaces(dash), scalar(r.source));
        }
        let mut s = format!("{}- source: {}", Self::spaces(dash), scalar(r.source));
        if let Some(t) = r.target {
            s.push_str(&format!("{}{}target: {}", self.nl, Self::spaces(dash + 2), scalar(t)));
        }
        s
    }

    fn flow_item(r: &NewReference<'_>, long: bool) -> String {
        match (long, r.target) {
            (false, _) => scalar(r.source),
            (true, Some(t)) => format!("{{source: {}, target: {}}}", scalar(r.source), scalar(t)),
            (true, None) => format!("{{source: {}}}", scalar(r.source)),
        }
    }

    /// Adds a reference to a service's `secrets:`/`configs:`, creating the list if needed.
    pub fn add_reference(
        &self,
        service: NodeId,
        name: &str,
        kind: ResourceKind,
        r: &NewReference<'_>,
    ) -> Result<Vec<Edit>, Unfixable> {
        let key = kind.key();
        let t = self.tree;
        if t.is_alias(service) {
            return Err(Unfixable(format!(
                "service `{name}` is written as an alias; edit the anchored definition"
            )));
        }
        if !t.is_map(service) {
            return Err(Unfixable(format!("service `{name}` is not a mapping")));
        }
        let wants_long = r.long || r.target.is_some_and(|tg| tg != r.source);
        let Some(entry) = t.own_entry(service, key) else {
            if t.get(service, key).is_some() {
                return Err(Unfixable(format!(
                    "service `{name}` inherits `{key}` through a `<<` merge key; a list of its own would replace the inherited one"
                )));
            }
            return self.create_list(service, key, r, wants_long);
        };
        let list = entry.value;
        if t.is_alias(list) {
            return Err(Unfixable(format!(
                "`{key}` of service `{name}` is an alias; edit the anchored list"
            )));
        }
        if t.is_null(list) {
            let key_col = self.col(t.node(entry.key).span.start);
            let at = self.insertion_point(t.node(entry.key).span.end);
            let item = self.block_item(r, key_col + self.seq_indent, wants_long);
            return Ok(vec![Edit::insert(at, format!("{}{item}", self.nl))]);
        }
        if !t.is_seq(list) {
            return Err(Unfixable(format!("`{key}` of service `{name}` is not a list")));
        }
        let items = t.items(list);
        let long = wants_long || items.iter().any(|&i| t.is_map(i));
        if t.is_flow(list) {
            let span = &t.node(list).span;
            return Ok(vec![match items.last() {
                Some(&last) => Edit::insert(t.node(last).span.end, format!(", {}", Self::flow_item(r, long))),
                None => Edit::insert(span.start + 1, Self::flow_item(r, long)),
            }]);
        }
        let Some(&last) = items.last() else {
            return Err(Unfixable(format!("`{key}` of service `{name}` is an empty block list")));
        };
        let first_start = t.node(items[0]).span.start;
        let dash = self
            .dash_before(first_start)
            .ok_or_else(|| Unfixable(format!("cannot find the list items of `{key}`")))?;
        let at = self.insertion_point(t.node(last).span.end);
        Ok(vec![Edit::insert(at, format!("{}{}", self.nl, self.block_item(r, self.col(dash), long)))])
    }

    /// Gives a service a new `secrets:`/`configs:` list after its last entry.
    fn create_list(
        &self,
        service: NodeId,
        key: &str,
        r: &NewReference<'_>,
        long: bool,
    ) -> Result<Vec<Edit>, Unfixable> {
        let t = self.tree;
        let entries = t.own_entries(service);
        if t.is_flow(service) {
            let span = &t.node(service).span;
            let item = format!("{key}: [{}]", Self::flow_item(r, long));
            return Ok(vec![match entries.last() {
                Some(last) => Edit::insert(self.entry_end(last), format!(", {item}")),
                None => Edit::insert(span.start + 1, item),
            }]);
        }
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Err(Unfixable("the service mapping is empty".into()));
        };
        let key_col = self.col(t.node(first.key).span.start);
        let at = self.insertion_point(self.entry_end(last));
        let item = self.block_item(r, key_col + self.seq_indent, long);
        Ok(vec![Edit::insert(at, format!("{nl}{}{key}:{nl}{item}", Self::spaces(key_col), nl = self.nl))])
    }

    /// The first document's top-level mapping.
    fn root(&self) -> Result<Option<NodeId>, Unfixable> {
        match self.tree.roots.as_slice() {
            [] => Ok(None),
            [root] if self.tree.is_null(*root) => Ok(None),
            [root] if self.tree.is_map(*root) && !self.tree.is_alias(*root) => Ok(Some(*root)),
            [_] => Err(Unfixable("the file is not a mapping at the top level".into())),
            _ => Err(Unfixable("the file holds several YAML documents".into())),
        }
    }

    /// Declares `name` as `external: true` under the top-level section. The boolean is true
    /// when the section itself is created (such edits must not be combined in one pass).
    pub fn declare_external(&self, kind: ResourceKind, name: &str) -> Result<(Vec<Edit>, bool), Unfixable> {
        let t = self.tree;
        let key = kind.key();
        let section = match self.root()? {
            Some(root) => t.own_entry(root, key),
            None => None,
        };
        let Some(section) = section else {
            // At the end of the document: before a `...` (or `---`) marker that ends it, else at
            // the end of the file.
            let root_end = self.root()?.map_or(0, |r| t.node(r).span.end);
            let marker = self.text[root_end.min(self.text.len())..]
                .match_indices('\n')
                .map(|(i, _)| root_end + i + 1)
                .find(|&at| self.text[at..].starts_with("...") || self.text[at..].starts_with("---"));
            let at = marker.unwrap_or(self.text.len());
            let text = &self.text[..at];
            let mut out = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                out.push_str(self.nl);
            }
            let blank = format!("{0}{0}", self.nl);
            if !text.trim().is_empty() && !text.ends_with(&blank) && !text.ends_with("\n\n") {
                out.push_str(self.nl);
            }
            out.push_str(&format!(
                "{key}:{nl}{}{}:{nl}{}external: true{nl}",
                Self::spaces(self.step),
                scalar(name),
                Self::spaces(self.step * 2),
                nl = self.nl
            ));
            return Ok((vec![Edit::insert(at, out)], true));
        };
        let value = section.value;
        if t.is_alias(value) {
            return Err(Unfixable(format!("the top-level `{key}` is an alias")));
        }
        let key_col = self.col(t.node(section.key).span.start);
        let entry = |col: usize| {
            format!(
                "{}{}:{}{}external: true",
                Self::spaces(col),
                scalar(name),
                self.nl,
                Self::spaces(col + self.step)
            )
        };
        if t.is_null(value) {
            let at = self.insertion_point(t.node(section.key).span.end);
            return Ok((vec![Edit::insert(at, format!("{}{}", self.nl, entry(key_col + self.step)))], false));
        }
        if !t.is_map(value) {
            return Err(Unfixable(format!("the top-level `{key}` is not a mapping")));
        }
        let entries = t.own_entries(value);
        if t.is_flow(value) {
            let item = format!("{}: {{external: true}}", scalar(name));
            return Ok((
                vec![match entries.last() {
                    Some(last) => Edit::insert(self.entry_end(last), format!(", {item}")),
                    None => Edit::insert(t.node(value).span.start + 1, item),
                }],
                false,
            ));
        }
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Err(Unfixable(format!("the top-level `{key}` is empty")));
        };
        let col = self.col(t.node(first.key).span.start);
        let at = self.insertion_point(self.entry_end(last));
        // Written the way its neighbours are: `name: {external: true}` after flow values.
        let new = if t.is_flow(last.value) && t.is_map(last.value) {
            format!("{}{}: {{external: true}}", Self::spaces(col), scalar(name))
        } else {
            entry(col)
        };
        Ok((vec![Edit::insert(at, format!("{}{new}", self.nl))], false))
    }

    /// Removes one item of a service's list; the key goes too when the list becomes empty.
    pub fn remove_reference(
        &self,
        service: NodeId,
        name: &str,
        key: &str,
        item: NodeId,
    ) -> Result<Vec<Edit>, Unfixable> {
        let t = self.tree;
        if t.is_alias(service) {
            return Err(Unfixable(format!("service `{name}` is written as an alias")));
        }
        let Some(entry) = t.own_entry(service, key) else {
            return Err(Unfixable(format!("service `{name}` inherits `{key}` through a `<<` merge key")));
        };
        if t.is_alias(entry.value) || !t.is_seq(entry.value) {
            return Err(Unfixable(format!("`{key}` of service `{name}` is not a list written in place")));
        }
        let items = t.items(entry.value);
        let Some(idx) = items.iter().position(|&i| i == item) else {
            return Err(Unfixable(format!("the item is not written in `{key}` of service `{name}`")));
        };
        if items.len() == 1 {
            return self.remove_entry(service, &entry);
        }
        let span = |i: usize| t.node(items[i]).span.clone();
        if t.is_flow(entry.value) {
            let start = |i: usize| self.props_start(span(i).start);
            return Ok(if idx + 1 < items.len() {
                vec![Edit::delete(start(idx)..start(idx + 1))]
            } else {
                self.remove_last_flow(span(idx - 1).end, start(idx), span(idx).end)
            });
        }
        let dash =
            self.dash_before(span(idx).start).ok_or_else(|| Unfixable("cannot find the list item".into()))?;
        if !self.starts_line(dash) {
            return Err(Unfixable("the list item does not start its own line".into()));
        }
        let end = self.owned_lines_end(items[idx], span(idx).end, self.col(dash));
        Ok(vec![Edit::delete(self.line_start(dash)..end)])
    }

    /// Removes a top-level declaration; the section goes too when it becomes empty.
    pub fn remove_declaration(&self, kind: ResourceKind, name: &str) -> Result<Vec<Edit>, Unfixable> {
        let t = self.tree;
        let key = kind.key();
        let root = self.root()?.ok_or_else(|| Unfixable("the file is empty".into()))?;
        let section = t
            .own_entry(root, key)
            .ok_or_else(|| Unfixable(format!("no top-level `{key}` written in the file")))?;
        if t.is_alias(section.value) || !t.is_map(section.value) {
            return Err(Unfixable(format!("the top-level `{key}` is not a mapping written in place")));
        }
        let entry = t
            .own_entry(section.value, name)
            .ok_or_else(|| Unfixable(format!("`{name}` is not declared in this file")))?;
        if t.own_entries(section.value).len() == 1 {
            if t.own_entries(root).len() == 1 && !t.is_flow(root) {
                // The section is all the file holds: an empty file is no Compose file
                // (`docker stack deploy`: "Top-level object must be a mapping"). Keep the
                // section, empty.
                return self.emptied(&section);
            }
            return self.remove_entry(root, &section);
        }
        self.remove_entry(section.value, &entry)
    }

    /// Removes the last item of a flow collection, `start..end`, after one ending at
    /// `prev_end`: with the comma before it, unless a comment sits between them (it is about
    /// the item before: it stays, and the comma and the item's own line go instead).
    fn remove_last_flow(&self, prev_end: usize, start: usize, end: usize) -> Vec<Edit> {
        let between = &self.text[prev_end..start];
        let (Some(comma), true) = (between.find(','), between.contains('#')) else {
            return vec![Edit::delete(prev_end..end)];
        };
        let comma = prev_end + comma;
        let rest = self.insertion_point(end);
        let alone = self.starts_line(start) && self.text[end..rest].trim().is_empty();
        let item = if alone { self.line_start(start)..self.next_line_start(end) } else { start..end };
        vec![Edit::delete(comma..comma + 1), Edit::delete(item)]
    }

    /// `key: {}` for the entry `parent`, keeping a comment written after its key: what stays
    /// of a mapping whose last entry goes where the key must stay (a service in an overlay,
    /// the only section of a file: `docker stack deploy` rejects a key with no value).
    fn emptied(&self, parent: &Entry) -> Result<Vec<Edit>, Unfixable> {
        let t = self.tree;
        if t.is_flow(parent.value) {
            return Ok(vec![Edit::replace(t.node(parent.value).span.clone(), "{}")]);
        }
        let key = t.node(parent.key).span.clone();
        let colon = self.text[key.end..]
            .find(':')
            .map(|i| key.end + i)
            .ok_or_else(|| Unfixable("cannot find the `:` after a key".into()))?;
        let line_end = self.insertion_point(colon + 1);
        let mut edits = vec![Edit::insert(colon + 1, " {}")];
        let end = self.entry_end(parent);
        if end > line_end {
            edits.push(Edit::delete(line_end..end));
        }
        Ok(edits)
    }

    /// The entry whose value is `value`, if it is written in a mapping.
    fn entry_of(&self, value: NodeId) -> Option<Entry> {
        let t = self.tree;
        (0..t.node_count())
            .filter(|&id| t.is_map(id) && !t.is_alias(id))
            .find_map(|id| t.own_entries(id).iter().find(|e| e.value == value).copied())
    }

    /// Deletes one mapping entry: whole lines in block style, the entry and a comma in flow.
    /// The last entry of a nested block mapping leaves `key: {}`.
    fn remove_entry(&self, map: NodeId, entry: &Entry) -> Result<Vec<Edit>, Unfixable> {
        let t = self.tree;
        if !t.is_flow(map)
            && t.own_entries(map).len() == 1
            && let Some(parent) = self.entry_of(map)
        {
            return self.emptied(&parent);
        }
        let key = t.node(entry.key).span.clone();
        if t.is_flow(map) {
            let entries = t.own_entries(map);
            let idx = entries.iter().position(|e| e.key == entry.key).unwrap_or(0);
            let end = self.entry_end(entry);
            let start = self.props_start(key.start);
            return Ok(if idx + 1 < entries.len() {
                vec![Edit::delete(start..self.props_start(t.node(entries[idx + 1].key).span.start))]
            } else if idx > 0 {
                self.remove_last_flow(self.entry_end(&entries[idx - 1]), start, end)
            } else {
                vec![Edit::delete(start..end)]
            });
        }
        if !self.starts_line(self.props_start(key.start)) {
            return Err(Unfixable("the entry does not start its own line".into()));
        }
        // The comments on their own lines right above the entry are about it: they go with it.
        // A byte-order mark stays: it is the file's, not the first line's.
        let bom = if self.text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        // Only lines after the previous entry's value: a quoted scalar's continuation line may
        // start with `#` too.
        let entries = t.own_entries(map);
        let floor = match entries.iter().position(|e| e.key == entry.key) {
            Some(i) if i > 0 => self.entry_end(&entries[i - 1]),
            _ => bom,
        };
        let mut start = self.line_start(key.start).max(bom);
        while start > floor {
            let above = self.line_start(start - 1);
            if above < floor {
                break;
            }
            // A comment indented under the entry before is that entry's.
            let line = &self.text[above..start];
            let body = line.trim_start_matches([' ', '\t', '\u{feff}']);
            if !body.starts_with('#') || self.col(above + (line.len() - body.len())) > self.col(key.start) {
                break;
            }
            start = above.max(bom);
        }
        Ok(vec![Edit::delete(start..self.entry_lines_end(entry))])
    }

    /// The start of the first line after a block entry that is not part of it: after its
    /// value, the blank lines a `|+` scalar keeps, and comments indented under the entry's key.
    fn entry_lines_end(&self, entry: &Entry) -> usize {
        let key_col = self.col(self.tree.node(entry.key).span.start);
        self.owned_lines_end(entry.value, self.entry_end(entry), key_col)
    }

    /// The start of the first line after `content_end` that is not part of the block node
    /// `node` written at column `col`: the blank lines a last `|+` scalar keeps, and comments
    /// indented further than `col`, are its own.
    fn owned_lines_end(&self, node: NodeId, content_end: usize, col: usize) -> usize {
        // The node the text ends with: the last value of nested block collections.
        let t = self.tree;
        let mut last = node;
        loop {
            let next = if t.is_alias(last) || t.is_flow(last) {
                None
            } else if t.is_map(last) {
                t.own_entries(last).last().map(|e| e.value)
            } else if t.is_seq(last) {
                t.items(last).last().copied()
            } else {
                None
            };
            match next {
                Some(n) => last = n,
                None => break,
            }
        }
        let header = self.text.get(t.written_span(self.text, last)).unwrap_or_default();
        let keeps = header.starts_with(['|', '>'])
            && header.lines().next().is_some_and(|h| h.split('#').next().unwrap_or_default().contains('+'));
        let mut end = self.next_line_start(content_end);
        let mut blank_run = keeps;
        while end < self.text.len() {
            let next = self.next_line_start(end + 1).max(end + 1);
            let line = &self.text[end..next];
            let body = line.trim_start_matches([' ', '\t']);
            let blank = body.trim().is_empty();
            let comment = body.starts_with('#') && line.len() - body.len() > col;
            if !(comment || (blank && blank_run)) {
                break;
            }
            blank_run &= blank;
            end = next;
        }
        end
    }
}

/// A YAML scalar for `s`: plain when that reads back as the same string, else double-quoted.
pub fn scalar(s: &str) -> String {
    let plain_chars = s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    // A leading digit is quoted whatever follows: YAML 1.1 (which `docker stack deploy` reads)
    // takes `1_0`, `0x1F`, `0o7`, `1__0` and `2001-12-14` for numbers or dates.
    let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '/');
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
    );
    if plain_chars && first_ok && !reserved {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
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
                let out =
                    apply(&text, |p, _| p.remove_declaration(ResourceKind::Config, "last_conf").unwrap());
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
        let text =
            "secrets:\n  # about a\n\n  # about b\n  b:\n    external: true\n  a:\n    external: true\n";
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
        let out = apply(text, |p, t| {
            p.add_reference(service(t, "web"), "web", ResourceKind::Secret, &SHORT).unwrap()
        });
        assert_eq!(
            out,
            "services:\n  web:\n    secrets:\n      - a   # keep\n      - db_password\n    # own line\n    image: x\n"
        );
    }

    #[test]
    fn appends_long_form_and_compact_style() {
        let text = "services:\n  web:\n    secrets:\n    - source: a\n      target: b\n";
        let out = apply(text, |p, t| {
            p.add_reference(service(t, "web"), "web", ResourceKind::Secret, &SHORT).unwrap()
        });
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
        let text = "services:\n  web: {image: x, secrets: [a]}\n  db:\n    image: pg\n    environment:\n      A: 1\n";
        let out = apply(text, |p, t| {
            p.add_reference(service(t, "web"), "web", ResourceKind::Secret, &SHORT).unwrap()
        });
        assert!(out.contains("secrets: [a, db_password]}"), "{out}");
        let out = apply(text, |p, t| {
            p.add_reference(service(t, "db"), "db", ResourceKind::Config, &SHORT).unwrap()
        });
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
        assert!(
            out.ends_with("    external: true\r\n\r\nconfigs:\r\n  c:\r\n    external: true\r\n"),
            "{out:?}"
        );
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
        assert!(
            splice(text, &p.remove_reference(api, "api", "secrets", a).unwrap()).contains("secrets: [b]")
        );
        let b2 = tree.items(flow)[1];
        assert!(
            splice(text, &p.remove_reference(api, "api", "secrets", b2).unwrap()).contains("secrets: [a]")
        );
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
        for n in [
            "1_0",
            "0x1F",
            "0o7",
            "0b1",
            "1__0",
            "1_000.5",
            "2001-12-14",
            "2024_01",
            "1_0.28319192",
            "On",
            "N",
        ] {
            assert_eq!(scalar(n), format!("\"{n}\""));
        }
    }
}
