//! Masking in messages: the names a message quotes come from the files (keys, service and
//! secret names, paths), and some of them are values in disguise (`${DB_PASSWORD}` resolved
//! into a path or a name, `PASSWORD = x` written as a key). Every word is checked, and every
//! credential value the project holds is masked wherever it appears.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};

use super::shown::shown_word;
use super::words::mask_ranges;
use crate::model::Project;
use crate::secrets::Detector;
use crate::secrets::split_words;

/// Checks messages before they leave the process.
pub(crate) struct Scrubber<'d> {
    det: &'d Detector,
    /// The credential values the project holds, found anywhere in a message.
    values: Option<AhoCorasick>,
}

impl<'d> Scrubber<'d> {
    /// A scrubber that knows no values: tokens, defaults and `PASSWORD=value` words only.
    pub(crate) fn new(det: &'d Detector) -> Scrubber<'d> {
        Scrubber { det, values: None }
    }

    /// A scrubber that also masks each of `values` wherever it appears (values of fewer than
    /// three characters would mask too much of the prose and are left to the word check).
    pub(crate) fn with_values(det: &'d Detector, values: Vec<String>) -> Scrubber<'d> {
        let values: Vec<String> = values.into_iter().filter(|v| v.chars().count() >= 3).collect();
        let values = (!values.is_empty())
            .then(|| AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&values).ok())
            .flatten();
        Scrubber { det, values }
    }

    /// A scrubber that knows every credential value `project` holds ([`known_values`]).
    pub(crate) fn for_project(det: &'d Detector, project: &Project) -> Scrubber<'d> {
        Scrubber::with_values(det, known_values(project, det))
    }

    /// `message` with every word that could be a value masked (`*`, same width), every known
    /// value masked, and control characters (a terminal escape in a key, a lone `\r`) replaced by
    /// `?`.
    pub(crate) fn scrub<'a>(&self, message: &'a str) -> Cow<'a, str> {
        let mut ranges = Vec::new();
        for (start, word) in split_words(message) {
            let mut offset = start;
            for part in word.split('`') {
                let core = part.trim_matches(|c: char| ",:;()\"'".contains(c));
                if !core.is_empty() && !shown_word(core, self.det) {
                    let lead = part.find(core).unwrap_or(0);
                    ranges.push(offset + lead..offset + lead + core.len());
                }
                offset += part.len() + 1;
            }
        }
        if let Some(ac) = &self.values {
            ranges.extend(ac.find_iter(message).map(|m| m.range()));
        }
        // `\r\n` is a line ending (a fix's text in a CRLF file); a lone `\r` rewrites the line.
        let bad = |text: &str, i: usize, c: char| {
            c.is_control() && c != '\n' && c != '\t' && !(c == '\r' && text[i + 1..].starts_with('\n'))
        };
        let control = message.char_indices().any(|(i, c)| bad(message, i, c));
        if ranges.is_empty() && !control {
            return Cow::Borrowed(message);
        }
        let masked = mask_ranges(message, ranges);
        Cow::Owned(masked.char_indices().map(|(i, c)| if bad(&masked, i, c) { '?' } else { c }).collect())
    }

    /// `text` (already masked by structure) with every known value masked too: a value can
    /// reach a place shown as a name (an anchor read as a password, used as a secret's name).
    pub(crate) fn mask_known(&self, text: String) -> String {
        match &self.values {
            Some(ac) if ac.is_match(&text) => {
                mask_ranges(&text, ac.find_iter(&text).map(|m| m.range()).collect())
            }
            _ => text,
        }
    }

    /// The detectors it checks words with.
    pub(crate) fn detector(&self) -> &Detector {
        self.det
    }

    pub(crate) fn scrub_in(&self, text: &mut String) {
        if let Cow::Owned(s) = self.scrub(text) {
            *text = s;
        }
    }
}

/// [`Scrubber::scrub`] with no known values.
pub(crate) fn scrub<'a>(message: &'a str, det: &Detector) -> Cow<'a, str> {
    Scrubber::new(det).scrub(message)
}

/// Every credential value the project holds: literal credential-named variables of Compose
/// files, of env files and of the `.env` files read for interpolation, and of `minipaas.yaml`
/// `vars`. A message that names something resolved from one of them masks it.
pub(crate) fn known_values(project: &Project, det: &Detector) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |key: &str, value: &str| {
        if let Some(range) = det.literal_credential(key, value)
            && let Some(v) = value.get(range)
        {
            out.push(v.trim().to_string());
        }
    };
    for file in &project.files {
        if let Some(compose) = file.compose() {
            for var in compose.services.iter().flat_map(|s| &s.environment) {
                if let Some(value) = &var.value {
                    add(&var.key.value, &value.value);
                }
            }
        }
        if let crate::model::Content::Manifest(m) = &file.content {
            m.vars.iter().for_each(|(k, v)| add(k, v));
        }
    }
    for (_, env) in project.dotenv_files() {
        env.vars.iter().for_each(|(k, v)| add(k, v));
    }
    for facts in project.facts.values() {
        if let Some(text) = &facts.text {
            crate::model::dotenv::parse(text).vars.iter().for_each(|(k, v)| add(k, v));
        }
    }
    out.sort();
    out.dedup();
    // A value that is also written as a name (a service, an image, a file's path) is shown as that
    // name everywhere already; masking it there would only tell that the two are equal
    // (`POSTGRES_PASSWORD: postgres` beside `image: postgres`). A value resolved into a name
    // (`${DB_PASSWORD}/inc.yaml`) is written nowhere as one, and stays masked.
    let Ok(ac) = AhoCorasick::new(&out) else { return out };
    let mut written = vec![false; out.len()];
    let mut mark =
        |text: &str| ac.find_overlapping_iter(text).for_each(|m| written[m.pattern().as_usize()] = true);
    for file in &project.files {
        mark(&file.path);
        // Service names and the images written in place (a fix never adds either; an image
        // written as an alias of a password's anchor is not a name).
        let Some(tree) = &file.tree else { continue };
        for &root in &tree.roots {
            let Some(services) = tree.own_entry(root, "services") else { continue };
            for e in tree.own_entries(services.value) {
                tree.scalar(e.key).into_iter().for_each(&mut mark);
                if let Some(image) = tree.own_entry(e.value, "image").filter(|i| !tree.is_alias(i.value)) {
                    tree.scalar(image.value).into_iter().for_each(&mut mark);
                }
            }
        }
    }
    out.into_iter().zip(written).filter(|(_, w)| !w).map(|(v, _)| v).collect()
}

/// The messages a loaded project holds (input errors, what units cannot see, chains that are
/// not units) through a scrubber that knows the project's values: for `units` and `prune`,
/// which print them without a lint.
pub(crate) fn scrub_project(project: &mut Project, det: &Detector) {
    let scrubber = Scrubber::with_values(det, known_values(project, det));
    project.errors.iter_mut().for_each(|e| scrubber.scrub_in(&mut e.message));
    for unit in project.units.iter_mut().chain(project.context.iter_mut()) {
        unit.unknowns.iter_mut().for_each(|k| scrubber.scrub_in(&mut k.message));
    }
    project.skipped.iter_mut().for_each(|s| scrubber.scrub_in(&mut s.reason));
}
