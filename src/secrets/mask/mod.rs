//! Masking before any text leaves the process, by structure rather than by how a value
//! looks: a scalar is shown only where the Compose model says it is safe to show (keys, names,
//! image references, mount targets, numbers, `${VAR}`...), or when it is proven harmless (a
//! flag name, a path, a URL without userinfo). Everything else becomes `*`, byte for byte
//! (line breaks and indentation kept), so snippets keep their shape and underlines line up.

use std::collections::HashMap;
use std::ops::Range;

use crate::secrets::{Detector, KeyClass, split_words};

mod messages;
use crate::model::yaml::{Kind, NodeId, Style, Tree};
pub use messages::Scrubber;
pub(crate) use messages::scrub;
use messages::shown_word;
pub(crate) use messages::{scrub_project, scrub_run, shown_name, shown_path};

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

/// Where a node sits, as far as showing it goes. Values: `Plain` shows what the detectors do
/// not call a secret; `Words` shows the harmless words of a command; `Mask` shows only
/// harmless values; `Secret` shows nothing. `Ext` is an `x-` field: shown as `Mask`, unless
/// the node is also used (through an alias or merge key) somewhere the model knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Ctx {
    ComposeRoot,
    ManifestRoot,
    Services,
    Service,
    Decls,
    Decl,
    Plain,
    Words,
    Ext,
    Mask,
    Secret,
}

/// Service fields whose values are names, references, paths, numbers or switches: what
/// `docker compose config` shows to describe a deployment (Compose Specification,
/// 05-services.md). `environment`, `labels`, `command`, `entrypoint`, `x-` and unknown fields
/// are not among them.
const SERVICE_PLAIN: &[&str] = &[
    "image",
    "container_name",
    "hostname",
    "domainname",
    "restart",
    "platform",
    "pull_policy",
    "network_mode",
    "user",
    "working_dir",
    "stop_signal",
    "stop_grace_period",
    "isolation",
    "ipc",
    "pid",
    "cgroup",
    "cgroup_parent",
    "runtime",
    "userns_mode",
    "uts",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "mem_swappiness",
    "cpus",
    "cpu_shares",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpuset",
    "shm_size",
    "init",
    "privileged",
    "read_only",
    "tty",
    "stdin_open",
    "scale",
    "depends_on",
    "links",
    "external_links",
    "networks",
    "ports",
    "expose",
    "volumes",
    "volumes_from",
    "env_file",
    "extends",
    "secrets",
    "configs",
    "dns",
    "dns_search",
    "extra_hosts",
    "cap_add",
    "cap_drop",
    "devices",
    "group_add",
    "tmpfs",
    "ulimits",
    "profiles",
    "security_opt",
    "oom_score_adj",
    "oom_kill_disable",
    "pids_limit",
    "mac_address",
    "healthcheck",
    "deploy",
    "build",
    "logging",
    "blkio_config",
    "develop",
    "attach",
    "gpus",
];

/// Fields below a service field shown as `Plain` (and in declarations and `minipaas.yaml`)
/// whose values are structure: build, deploy, healthcheck, logging, mounts, ports, networks,
/// IPAM and include settings (Compose Specification, 05-services.md to 09-configs.md). A field
/// not listed here holds free text or a value, and is masked.
const PLAIN_FIELDS: &[&str] = &[
    "context",
    "dockerfile",
    "target",
    "network",
    "cache_from",
    "cache_to",
    "platforms",
    "tags",
    "pull",
    "no_cache",
    "driver",
    "mode",
    "replicas",
    "endpoint_mode",
    "placement",
    "constraints",
    "preferences",
    "spread",
    "max_replicas_per_node",
    "resources",
    "limits",
    "reservations",
    "memory",
    "pids",
    "capabilities",
    "count",
    "device_ids",
    "restart_policy",
    "condition",
    "delay",
    "max_attempts",
    "window",
    "update_config",
    "rollback_config",
    "parallelism",
    "failure_action",
    "monitor",
    "max_failure_ratio",
    "order",
    "interval",
    "timeout",
    "retries",
    "start_period",
    "start_interval",
    "disable",
    "source",
    "uid",
    "gid",
    "type",
    "bind",
    "propagation",
    "create_host_path",
    "selinux",
    "volume",
    "nocopy",
    "subpath",
    "size",
    "consistency",
    "aliases",
    "ipv4_address",
    "ipv6_address",
    "link_local_ips",
    "priority",
    "gw_priority",
    "published",
    "protocol",
    "host_ip",
    "app_protocol",
    "soft",
    "hard",
    "required",
    "path",
    "action",
    "ignore",
    "ipam",
    "config",
    "subnet",
    "ip_range",
    "gateway",
    "attachable",
    "internal",
    "enable_ipv6",
    "enable_ipv4",
    "template_driver",
    "project_directory",
    "file",
    "name",
    "external",
    "files",
    "version",
    "host",
    "tls",
    "local",
    "project",
    "compose",
    "deploy",
    "api",
    "docker",
    "namespace",
    "watch",
];

/// Under a field shown as `Plain`: structure stays `Plain`, anything else is a value.
fn plain_child(key: &str) -> Ctx {
    match key {
        "test" => Ctx::Words,
        "content" => Ctx::Secret,
        _ if key.starts_with("x-") => Ctx::Ext,
        _ if PLAIN_FIELDS.contains(&key) || SERVICE_PLAIN.contains(&key) => Ctx::Plain,
        _ => Ctx::Mask,
    }
}

fn child(ctx: Ctx, key: &str) -> Ctx {
    if key.starts_with("x-") && !matches!(ctx, Ctx::Mask | Ctx::Secret | Ctx::Words) {
        return Ctx::Ext;
    }
    match ctx {
        Ctx::ComposeRoot => match key {
            "services" => Ctx::Services,
            "secrets" | "configs" | "networks" | "volumes" => Ctx::Decls,
            "name" | "version" | "include" => Ctx::Plain,
            _ => Ctx::Mask,
        },
        Ctx::ManifestRoot => match key {
            "vars" => Ctx::Mask,
            _ => plain_child(key),
        },
        Ctx::Services => Ctx::Service,
        Ctx::Service => match key {
            "command" | "entrypoint" => Ctx::Words,
            _ if SERVICE_PLAIN.contains(&key) => Ctx::Plain,
            _ => Ctx::Mask,
        },
        Ctx::Decls => Ctx::Decl,
        Ctx::Decl => match key {
            // A secret or config read from a variable names the variable.
            "environment" => Ctx::Plain,
            _ => plain_child(key),
        },
        Ctx::Plain => plain_child(key),
        Ctx::Words | Ctx::Ext | Ctx::Mask | Ctx::Secret => ctx,
    }
}

/// The context of a sequence's items.
fn item(ctx: Ctx) -> Ctx {
    match ctx {
        Ctx::Plain | Ctx::Words | Ctx::Ext | Ctx::Mask | Ctx::Secret => ctx,
        _ => Ctx::Mask,
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

/// The span of a scalar's text without its quotes.
fn inner_span(text: &str, span: Range<usize>, style: Style) -> Range<usize> {
    let src = &text[span.clone()];
    match style {
        Style::SingleQuoted | Style::DoubleQuoted if src.len() >= 2 => span.start + 1..span.end - 1,
        _ => span,
    }
}

/// A command written as a list: each item is a word or a shell script (after `-c`). `take`
/// says whether an item is masked here (it is used nowhere stricter) and records it.
fn mask_word_items(
    text: &str,
    tree: &Tree,
    seq: NodeId,
    det: &Detector,
    out: &mut Vec<Range<usize>>,
    mut take: impl FnMut(NodeId) -> bool,
) {
    let mut state = Words { command: true, secret_next: false };
    for &i in tree.items(seq) {
        let id = tree.resolve(i);
        let Kind::Scalar { style, .. } = tree.node(id).kind else {
            state = Words { command: false, secret_next: false };
            continue;
        };
        let value = tree.scalar(id).unwrap_or_default();
        let inner = inner_span(text, tree.node(id).span.clone(), style);
        let source = &text[inner.clone()];
        let mut next = state;
        if take(id) {
            if source == value || matches!(style, Style::Plain | Style::Block) {
                mask_words(source, inner.start, &mut next, det, out);
            } else {
                // Escapes: the words cannot be placed; show the item only when all are harmless.
                let all = !state.secret_next && value.split_whitespace().all(|w| harmless(w, det));
                if !all {
                    out.push(inner);
                }
                next = Words { command: false, secret_next: false };
            }
        } else {
            mask_words(value, 0, &mut next, det, &mut Vec::new());
        }
        // A list item is one word: after `CMD`, `-c` or `exec` comes a command.
        next.command = matches!(value, "CMD" | "CMD-SHELL" | "-c" | "exec" | "--");
        state = next;
    }
}

/// Where a command line is, word by word.
#[derive(Clone, Copy)]
struct Words {
    /// The next word is in command position (a program name is shown).
    command: bool,
    /// The next word is a credential flag's value (masked, even a number or a path).
    secret_next: bool,
}

/// Masks the words of a command line that are not harmless, carrying `state` from word to
/// word (and from list item to list item).
fn mask_words(source: &str, offset: usize, state: &mut Words, det: &Detector, out: &mut Vec<Range<usize>>) {
    for (start, raw) in split_words(source) {
        let lead = raw.len() - raw.trim_start_matches(['"', '\'', '(', '`']).len();
        let word = raw[lead..].trim_end_matches(['"', '\'', ';', ')', '`', '&', '|', ',']);
        let at = offset + start + lead;
        let separator = matches!(word, "&&" | "||" | "|" | ";" | "then" | "do" | "else" | "exec" | "sudo");
        let ends = raw.ends_with(';') || raw.ends_with("&&") || raw.ends_with('|');
        if state.secret_next && !word.is_empty() && !is_interpolation(word) {
            // The value of `--password`, `-a`, `-p`: masked whatever it looks like.
            out.push(at..at + word.len());
            state.secret_next = false;
            state.command = ends;
            continue;
        }
        let shown = word.is_empty()
            || separator
            || (state.command && is_program(word, det))
            || matches!(word, "CMD" | "CMD-SHELL" | "NONE" | "-c")
            || (harmless(word, det) && !credential_flag_with_value(word, det));
        if !shown {
            if let Some((flag, value)) = word.split_once('=')
                && (is_flag(flag) || is_name(flag))
            {
                let cred = crate::secrets::credential_flag(det, flag)
                    || matches!(det.classify_key(flag), KeyClass::Credential { .. });
                if cred || !harmless(value, det) {
                    out.push(at + flag.len() + 1..at + word.len());
                }
            } else {
                out.push(at..at + word.len());
            }
        }
        // The flags whose next word is a password: long credential flags, and the short
        // ones some programs read a password from (`-p`, `-a`, `-P`, `-u user:pass`).
        state.secret_next = !word.contains('=')
            && (crate::secrets::credential_flag(det, word)
                || matches!(word, "-p" | "-a" | "-P" | "-u" | "--user"));
        state.command = separator || ends || (state.command && matches!(word, "sh" | "bash" | "ash" | "env"));
    }
}

/// `--password=value` with a value: never harmless, whatever the value looks like.
fn credential_flag_with_value(word: &str, det: &Detector) -> bool {
    word.split_once('=').is_some_and(|(flag, v)| !v.is_empty() && crate::secrets::credential_flag(det, flag))
}

/// Masks a value where every value is hidden unless harmless. Under a credential key only an
/// interpolation shows; a list item `- KEY=value` keeps `KEY=` (the variable's name).
fn mask_value(
    source: &str,
    offset: usize,
    cred: bool,
    item: bool,
    det: &Detector,
    out: &mut Vec<Range<usize>>,
) {
    if item
        && !cred
        && let Some((name, value)) = source.split_once('=')
        && is_name(name)
        && det.find_pattern(name).is_none()
    {
        let cred = matches!(det.classify_key(name), KeyClass::Credential { .. });
        if (cred && !is_interpolation(value)) || (!cred && !harmless(value, det)) {
            out.push(offset + name.len() + 1..offset + source.len());
        }
        return;
    }
    let shown = if cred { is_interpolation(source) || source.is_empty() } else { harmless(source, det) };
    if !shown {
        out.push(offset..offset + source.len());
    }
}

/// A variable or label name (`DB_HOST`, `traefik.http.routers.web.rule`).
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/'))
}

/// `--long-flag` or a one-letter `-x` (longer single-dash words such as `-psecret` may carry a
/// value glued on).
fn is_flag(s: &str) -> bool {
    let long = s.strip_prefix("--").is_some_and(|f| {
        f.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && f.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    let short = s.len() == 2 && s.starts_with('-') && s.as_bytes()[1].is_ascii_alphabetic();
    long || short
}

/// A program name in command position (`redis-server`, `/bin/app`).
fn is_program(s: &str, det: &Detector) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b'+'))
        && det.find_pattern(s).is_none()
}

/// Only `${VAR}`, `${VAR:?}` and `$VAR` (no literal, no default, no message).
fn is_interpolation(s: &str) -> bool {
    let mut rest = s.trim();
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("${") {
            let Some(end) = r.find('}') else { return false };
            let name = &r[..end];
            let (var, tail) = name.split_at(name.find([':', '-', '?', '+']).unwrap_or(name.len()));
            // `${VAR:?}` is a requirement; a default or a message is a literal.
            if !is_name(var) || !matches!(tail, "" | ":?" | "?") {
                return false;
            }
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('$') {
            let n = r.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            if n == 0 {
                return false;
            }
            rest = &r[n..];
        } else {
            return false;
        }
    }
    true
}

/// A value that reveals nothing: empty, a boolean or null, a number or a size or duration, a
/// flag name, an absolute or dot path, a URL without userinfo or query, or interpolation whose
/// literal parts (defaults too) are all harmless.
pub(crate) fn harmless(value: &str, det: &Detector) -> bool {
    let v = value.trim();
    if v.is_empty() || is_interpolation(v) {
        return true;
    }
    if det.find_pattern(v).is_some() {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~") {
        return true;
    }
    if is_number(v) || is_flag(v) {
        return true;
    }
    if let Some((flag, value)) = v.split_once('=')
        && is_flag(flag)
    {
        return !crate::secrets::credential_flag(det, flag) && harmless(value, det);
    }
    let path_chars = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/+:,".contains(&b));
    if ["/", "./", "../", "~/"].iter().any(|p| v.starts_with(p)) && !v.starts_with("//") && path_chars(v) {
        return true;
    }
    if let Some((scheme, rest)) = v.split_once("://")
        && !scheme.is_empty()
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    {
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        // Userinfo, a query, or a `:` in the path (`/bot123:AAH…/`) may carry a secret.
        return !authority.contains('@')
            && !rest.contains(['?', '#'])
            && !path.contains(':')
            && path_chars(rest);
    }
    false
}

/// A URL with a user part (`https://TOKEN@github.com/...`): a token with no password is
/// still a credential.
fn has_userinfo(v: &str) -> bool {
    v.split_once("://").is_some_and(|(_, rest)| rest.split('/').next().unwrap_or_default().contains('@'))
}

/// `8080`, `-1`, `0.5`, `0o755`, `512M`, `1m30s`, `100ms`, `2g`.
fn is_number(v: &str) -> bool {
    let digits = v.trim_start_matches(['-', '+']);
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() || digits.len() > 24 {
        return false;
    }
    let unit = digits.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '_');
    let units = ["", "b", "k", "kb", "m", "mb", "g", "gb", "ms", "s", "h", "us", "ns"];
    units.contains(&unit.to_ascii_lowercase().as_str())
        || digits.starts_with("0o") && digits[2..].bytes().all(|b| b.is_ascii_digit())
        || duration(digits)
}

/// Go-style durations: `1m30s`, `1h`, `500ms`.
fn duration(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        if n == 0 {
            return false;
        }
        rest = &rest[n..];
        let u = ["ms", "us", "ns", "h", "m", "s"].iter().find(|u| rest.starts_with(**u));
        let Some(u) = u else { return false };
        rest = &rest[u.len()..];
    }
    true
}

/// Comments are text anyone may have written anything in: all but `#`, spaces and a
/// `minipaas: ignore[...]` directive (this tool's own syntax) is masked.
fn mask_comments(text: &str, scalars: &[Range<usize>], out: &mut Vec<Range<usize>>) {
    // Scalars do not overlap: only the last one starting before `pos` can hold it.
    let inside = |pos: usize| {
        let i = scalars.partition_point(|r| r.start <= pos);
        i > 0 && pos < scalars[i - 1].end
    };
    let mut line_start = 0;
    // A bare CR ends a line for YAML too; a byte-order mark starts the first.
    for line in text.split_inclusive(['\n', '\r']) {
        let body = line.trim_end_matches(['\n', '\r']);
        let mut prev = b' ';
        for (i, b) in body.bytes().enumerate() {
            // `#` is ASCII, so `i` is a character boundary when it is one.
            let after_space =
                || prev == b' ' || prev == b'\t' || body[..i].trim_start_matches('\u{feff}').is_empty();
            if b == b'#' && after_space() && !inside(line_start + i) {
                mask_comment(&body[i + 1..], line_start + i + 1, out);
                break;
            }
            prev = b;
        }
        line_start += line.len();
    }
}

fn mask_comment(body: &str, offset: usize, out: &mut Vec<Range<usize>>) {
    let trimmed = body.trim_start();
    let mut skip = body.len() - trimmed.len();
    // Only this tool's own directive, `minipaas: ignore[MP001, MP006]`, is shown.
    if let Some(rest) = trimmed.strip_prefix("minipaas:")
        && let Some(codes) = rest.trim_start().strip_prefix("ignore[")
        && let Some(end) = codes.find(']')
        && codes[..end].bytes().all(|b| b.is_ascii_alphanumeric() || b == b',' || b == b' ' || b == b'-')
    {
        skip += trimmed.len() - codes.len() + end + 1;
    }
    let mut pos = skip;
    for word in body[skip..].split(' ') {
        if !word.is_empty() {
            out.push(offset + pos..offset + pos + word.len());
        }
        pos += word.len() + 1;
    }
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
    // Only whole UTF-8 sequences were replaced, so this cannot fail; fall back to a lossy
    // conversion rather than ever returning the unmasked text.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests;
