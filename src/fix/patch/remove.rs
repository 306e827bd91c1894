//! Removing from Compose files: a reference from a service's list, a declaration from its
//! section, and whatever must go or stay with them (the key, the section, an anchor, the
//! comments that are the entry's own).

use super::{Patcher, Unfixable};
use crate::diagnostic::Edit;
use crate::model::compose::ResourceKind;
use crate::model::yaml::{Entry, NodeId};

impl Patcher<'_> {
    /// Removes one item of a service's list; the key goes too when the list becomes empty.
    pub(crate) fn remove_reference(
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
            let members: Vec<(usize, usize)> =
                (0..items.len()).map(|i| (span(i).start, span(i).end)).collect();
            return Ok(self.remove_flow_member(&members, idx));
        }
        let dash =
            self.dash_before(span(idx).start).ok_or_else(|| Unfixable("cannot find the list item".into()))?;
        if !self.starts_line(dash) {
            return Err(Unfixable("the list item does not start its own line".into()));
        }
        let floor = if idx > 0 { span(idx - 1).end } else { t.node(entry.key).span.end };
        let start = self.own_comments_start(dash, floor);
        let end = self.owned_lines_end(items[idx], span(idx).end, self.col(dash));
        Ok(vec![Edit::delete(start..end)])
    }

    /// Removes member `idx` of a flow collection whose members are written at `members`
    /// (start, end): up to the next one, or with the separator before it when it is the last.
    fn remove_flow_member(&self, members: &[(usize, usize)], idx: usize) -> Vec<Edit> {
        let start = |i: usize| self.props_start(members[i].0);
        match idx {
            i if i + 1 < members.len() => vec![Edit::delete(start(i)..start(i + 1))],
            0 => vec![Edit::delete(start(0)..members[0].1)],
            i => self.remove_last_flow(members[i - 1].1, start(i), members[i].1),
        }
    }

    /// Where the removal of a block item or entry that starts its line at `at` begins: the
    /// comments on their own lines right above it are about it and go with it; not those
    /// indented under what is before it (that is theirs), nor anything before `floor` (the end
    /// of what comes before: a quoted scalar's continuation line may start with `#` too). A
    /// byte-order mark stays: it is the file's, not the first line's.
    fn own_comments_start(&self, at: usize, floor: usize) -> usize {
        let bom = if self.text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        let floor = floor.max(bom);
        let col = self.col(at);
        let mut start = self.line_start(at).max(bom);
        while start > floor {
            let above = self.line_start(start - 1);
            if above < floor {
                break;
            }
            let line = &self.text[above..start];
            let body = line.trim_start_matches([' ', '\t', '\u{feff}']);
            if !body.starts_with('#') || self.col(above + (line.len() - body.len())) > col {
                break;
            }
            start = above.max(bom);
        }
        start
    }

    /// Removes a top-level declaration; the section goes too when it becomes empty.
    pub(crate) fn remove_declaration(&self, kind: ResourceKind, name: &str) -> Result<Vec<Edit>, Unfixable> {
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
        // Alone on its line, but for a trailing comma and its own comment.
        let after = self.text[end..rest].trim_start();
        let after = after.strip_prefix(',').unwrap_or(after).trim_start();
        let alone = self.starts_line(start) && (after.is_empty() || after.starts_with('#'));
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
        // After the value's anchor or tag (`web: &w {}`), which then holds the empty mapping.
        let mut at = colon + 1;
        loop {
            let rest = &self.text[at..line_end];
            let token = rest.trim_start_matches([' ', '\t']);
            let len = token.find([' ', '\t']).unwrap_or(token.len());
            if len > 1 && token.starts_with(['&', '!']) {
                at = line_end - token.len() + len;
            } else {
                break;
            }
        }
        let mut edits = vec![Edit::insert(at, " {}")];
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
        let entries = t.own_entries(map);
        // Entries are in source order: found by position, not by a scan (a file with a fix per
        // entry of a large mapping would be quadratic).
        let idx = entries
            .binary_search_by_key(&key.start, |e| t.node(e.key).span.start)
            .ok()
            .filter(|&i| entries[i].key == entry.key)
            .or_else(|| entries.iter().position(|e| e.key == entry.key))
            .ok_or_else(|| Unfixable("the entry is not written in its mapping".into()))?;
        if t.is_flow(map) {
            let members: Vec<(usize, usize)> =
                entries.iter().map(|e| (t.node(e.key).span.start, self.entry_end(e))).collect();
            return Ok(self.remove_flow_member(&members, idx));
        }
        if !self.starts_line(self.props_start(key.start)) {
            return Err(Unfixable("the entry does not start its own line".into()));
        }
        let floor = if idx > 0 { self.entry_end(&entries[idx - 1]) } else { 0 };
        Ok(vec![Edit::delete(self.own_comments_start(key.start, floor)..self.entry_lines_end(entry))])
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
            let next = self.text[end..].find('\n').map_or(self.text.len(), |i| end + i + 1);
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
