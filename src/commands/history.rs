//! `minipaas lint --history`: every commit reachable from HEAD, read from git objects, for
//! values that were ever committed. A secret deleted later is still in the history, so it
//! still has to be rotated; each leak is reported once, with the commit that introduced it.

use std::collections::BTreeSet;
use std::io::Write;

use super::Outcome;
use crate::discover::Workspace;
use crate::error::Error;
use crate::model::{LoadOptions, Regrouping, Step};
use crate::render::Format;
use crate::render::history::Leak;
use crate::rules::{active, check_some};
use crate::settings::Settings;

/// The rules about values: the ones a commit can leak.
const LEAK_RULES: [&str; 4] = ["MP005", "MP006", "MP007", "MP013"];

/// Runs the history scan.
pub(crate) fn history(
    ws: &Workspace,
    opts: &LoadOptions,
    settings: &Settings,
    format: Format,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    if !matches!(format, Format::Text | Format::Json) {
        return Err(Error::Usage("--history writes text or json".into()));
    }
    // Started first: it sets how libgit2 reads objects for the whole scan.
    let mut at = ws.history_start()?;
    let commits = ws.history()?;
    let det = settings.redaction();
    let mut seen: BTreeSet<crate::diagnostic::FindingKey> = BTreeSet::new();
    let mut leaks: Vec<Leak> = Vec::new();
    let mut loader = Regrouping::new(opts)?;
    // Values masked in commit subjects: those of the last whole load as well as the units of
    // a partial one.
    let mut whole_scrubber: Option<crate::secrets::mask::Scrubber<'_>> = None;
    // Every value those scrubbers knew: a later commit's subject may quote an earlier value
    // (`rotate: replace <old password>`), so every subject is masked with all of them at the end.
    let mut all_values: BTreeSet<String> = BTreeSet::new();
    let mut scrubber_for = |project: &crate::model::Project| {
        let values = crate::secrets::mask::known_values(project, &det);
        all_values.extend(values.iter().cloned());
        crate::secrets::mask::Scrubber::with_values(&det, values)
    };
    // Git is read on one thread, ahead of the model on this one.
    let reader = loader.reader();
    let mut trees = at.trees()?;
    std::thread::scope(|scope| -> Result<(), Error> {
        let (tx, rx) = std::sync::mpsc::sync_channel(64);
        let commits = &commits;
        scope.spawn(move || {
            for (i, commit) in commits.iter().enumerate() {
                // The first commit is loaded whole, on every core.
                let item = trees.advance(commit).map(|changes| {
                    let fetched = reader.fetch(&trees, &changes, i == 0);
                    (changes, fetched)
                });
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    return;
                }
            }
        });
        for (order, commit) in commits.iter().enumerate() {
            let (changes, fetched) =
                rx.recv().map_err(|_| Error::Git("reading the history stopped early".into()))??;
            let changed = at.apply(&changes);
            let (project, whole) = match loader.step(&at, &changed, fetched)? {
                Step::Same => continue,
                Step::Whole(project) => (project, true),
                Step::Units(project) => (project, false),
            };
            // MP005 is about the repository as a whole: a partial step cannot judge it (see `Step`).
            let findings = check_some(&project, settings, |code| {
                LEAK_RULES.contains(&code) && (whole || code != "MP005")
            });
            // Known values are gathered only when there is something to print.
            let mut scrubber = None;
            for f in active(&findings).filter(|f| LEAK_RULES.contains(&f.code)) {
                let path = project.files[f.primary.file].path.clone();
                if !seen.insert(project.key_of(f)) {
                    continue;
                }
                let scrubber = scrubber.get_or_insert_with(|| scrubber_for(&project));
                let summary = scrubber.scrub(&commit.summary);
                let summary = match &whole_scrubber {
                    Some(s) if !whole => s.scrub(&summary).into_owned(),
                    _ => summary.into_owned(),
                };
                let (line, column) = project.files[f.primary.file].line_col(f.primary.span.start);
                leaks.push(Leak {
                    order,
                    commit: commit.id.clone(),
                    summary,
                    code: f.code,
                    name: f.name,
                    path,
                    line,
                    column,
                    message: scrubber.scrub(&f.message).into_owned(),
                });
            }
            if whole {
                whole_scrubber = Some(scrubber.unwrap_or_else(|| scrubber_for(&project)));
            }
        }
        Ok(())
    })?;
    let every = crate::secrets::mask::Scrubber::with_values(&det, all_values.into_iter().collect());
    for leak in &mut leaks {
        every.scrub_in(&mut leak.summary);
        every.scrub_in(&mut leak.message);
    }
    crate::render::history::render(format, commits.len(), &leaks, out)?;
    Ok(if leaks.is_empty() { Outcome::Clean } else { Outcome::Findings })
}
