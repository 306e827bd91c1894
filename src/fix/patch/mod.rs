//! The Compose-aware patch layer: builds byte-range [`Edit`]s on the span tree that add or
//! remove a secret/config reference or declaration, matching the file's own indentation,
//! list style and line endings. Everything else in the file is left byte for byte.
//!
//! It refuses (with [`Unfixable`]) rather than guess: it never writes through an alias, and
//! never gives a service its own list when it inherits one through `<<` (merge keys are
//! shallow, so that would replace the inherited list).

use crate::diagnostic::{Edit, FileId};
use crate::model::compose::ResourceKind;
use crate::model::yaml::{Entry, Layout, NodeId, Tree};
use crate::model::{Project, Unit};

mod remove;

/// Why an edit cannot be made safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unfixable(pub String);

/// Runs `build` with a patcher for `file` of `project`, or explains why the file cannot be
/// patched.
pub(crate) fn with_patcher<T>(
    project: &Project,
    file: FileId,
    build: impl FnOnce(&Patcher<'_>) -> Result<T, Unfixable>,
) -> Result<T, Unfixable> {
    let f = &project.files[file];
    let tree = f.tree.as_ref().ok_or_else(|| Unfixable(format!("{} did not parse", f.path)))?;
    let layout = f.layout(|| Patcher::learn(&f.text, tree));
    build(&Patcher::with_layout(&f.text, tree, layout))
}

/// The file where MiniPaaS would patch a service: the first file of the unit defining it,
/// preferring files inside the env folder (upstream MiniPaaS only patches those).
pub(crate) fn home_file(project: &Project, unit: &Unit, service: &str) -> Option<FileId> {
    let mut defs = project.services(unit).filter(|(_, s)| s.name.value == service).map(|(f, _)| f);
    let first = defs.next()?;
    let inside = |f: &FileId| {
        unit.dir
            .as_deref()
            .is_some_and(|d| !d.is_empty() && project.files[*f].path.starts_with(&format!("{d}/")))
    };
    Some(if inside(&first) { first } else { defs.find(inside).unwrap_or(first) })
}

/// A reference to add to a service's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewReference<'a> {
    /// The top-level name.
    pub source: &'a str,
    /// Where to mount it, when not the source name.
    pub target: Option<&'a str>,
    /// Write the long syntax even when the list uses the short one (MiniPaaS always does).
    pub long: bool,
}

/// Builds edits for one file.
pub(crate) struct Patcher<'a> {
    text: &'a str,
    tree: &'a Tree,
    nl: &'static str,
    /// Indentation of a nested mapping relative to its key.
    step: usize,
    /// Indentation of `- ` items relative to their key (0 for the compact style).
    seq_indent: usize,
}

impl<'a> Patcher<'a> {
    /// Learns the file's conventions (line ending, indentation step, list indentation); the
    /// crate goes through [`with_patcher`], which keeps what was learnt per file.
    #[cfg(test)]
    pub(crate) fn new(text: &'a str, tree: &'a Tree) -> Patcher<'a> {
        Patcher::with_layout(text, tree, Patcher::learn(text, tree))
    }

    /// The file's conventions: the line ending most lines use, the indentation of a nested
    /// mapping and of `- ` items relative to their key.
    pub(crate) fn learn(text: &str, tree: &Tree) -> Layout {
        // The line ending most lines use (a stray CRLF line does not make the file CRLF).
        let crlf = text.matches("\r\n").count();
        let nl = if crlf * 2 > text.matches('\n').count() { "\r\n" } else { "\n" };
        let p = Patcher { text, tree, nl, step: 2, seq_indent: 2 };
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
        let step = step.unwrap_or(2).clamp(1, 8);
        Layout { nl, step, seq_indent: seq.unwrap_or(step).min(8) }
    }

    /// A patcher for a file whose conventions were learnt already ([`Patcher::learn`]): a file
    /// with thousands of fixes learns them once.
    pub(crate) fn with_layout(text: &'a str, tree: &'a Tree, layout: Layout) -> Patcher<'a> {
        Patcher { text, tree, nl: layout.nl, step: layout.step, seq_indent: layout.seq_indent }
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

    /// Where a node's text starts with its properties (see [`props_start`]).
    fn props_start(&self, start: usize) -> usize {
        props_start(self.text, start)
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
    pub(crate) fn add_reference(
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
    pub(crate) fn declare_external(
        &self,
        kind: ResourceKind,
        name: &str,
    ) -> Result<(Vec<Edit>, bool), Unfixable> {
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
}

/// Points reference `r` at `to` in place: one edit of its `source`, made only where the name
/// is written as itself in this item (not through an alias, which other places share, and
/// not built from `${VAR}` pieces or escapes).
pub(crate) fn repoint(
    text: &str,
    tree: &Tree,
    r: &crate::model::compose::Reference,
    to: &str,
) -> Result<Edit, Unfixable> {
    let written = text.get(r.source.span.clone()).unwrap_or_default();
    let unquoted =
        written.strip_prefix(['"', '\'']).and_then(|w| w.strip_suffix(['"', '\''])).unwrap_or(written);
    let in_item = r.item.start <= r.source.span.start && r.source.span.end <= r.item.end;
    if tree.is_alias(r.node) || !in_item || unquoted != r.source.value || r.source.value.contains('$') {
        return Err(Unfixable(format!("`{}` is not written in place here; edit it by hand", r.source.value)));
    }
    Ok(Edit::replace(r.source.span.clone(), scalar(to)))
}

/// Where the node whose span starts at `start` begins with its properties: the parser's spans
/// leave out an anchor (`&n db`) or tag written before the node, but removing the node must
/// take them, and removing the node before it must not.
pub(crate) fn props_start(text: &str, start: usize) -> usize {
    let mut at = start.min(text.len());
    loop {
        let before = text[..at].trim_end_matches([' ', '\t']);
        let token_start = before.rfind([' ', '\t', '\n', '[', '{', ',']).map_or(0, |i| i + 1);
        let token = &before[token_start..];
        if token.len() > 1 && token.starts_with(['&', '!']) {
            at = token_start;
        } else {
            return at;
        }
    }
}

/// A YAML scalar for `s`: plain when that reads back as the same string, else double-quoted.
pub(crate) fn scalar(s: &str) -> String {
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
mod tests;
