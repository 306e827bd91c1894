//! Code actions: each finding's fix as a `quickfix` (an unsafe one says so in its title and is
//! never the preferred action), and every safe fix of the repository as
//! `source.fixAll.minipaas`. Both run the one fix engine, with its passes and its verification
//! of every unit a changed file belongs to, on the buffers as the editor has them: "fix all"
//! gives exactly the bytes `lint --fix` would write, and a quick fix what `lint --fix` writes
//! for that finding alone. A fix the engine refuses (it would break a file, or change a mount
//! it should not) is not offered.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, WorkspaceEdit};

use super::{Snapshot, byte_range, diagnose, fix_all_kind, text};
use crate::discover::Workspace;
use crate::error::Error;
use crate::fix::Applicability;
use crate::fix::engine::{self, Change};
use crate::model::Project;
use crate::redact::Scrubber;
use crate::rules::{active, check_all};

/// The actions for a range of a document.
pub(super) fn code_actions(
    snapshot: &Snapshot,
    params: &CodeActionParams,
) -> Result<Vec<CodeActionOrCommand>, Error> {
    // `only` names kinds or their parents (`source` asks for `source.fixAll.minipaas` too).
    let wants = |kind: &CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|o| {
                kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str()))
            })
        })
    };
    let Some(path) = diagnose::path_of(&params.text_document.uri) else { return Ok(Vec::new()) };
    let (ws, opts, settings) = snapshot.open()?;
    let Some(rel) = ws.relative(&path) else { return Ok(Vec::new()) };
    let project = Project::load(&ws, &opts)?;
    let findings = check_all(&project, &settings);
    let det = settings.redaction();
    let scrubber = Scrubber::for_project(&det, &project);
    let mut out = Vec::new();

    let file = project.files.iter().position(|f| f.path == rel);
    if let Some(file) = file.filter(|_| wants(&CodeActionKind::QUICKFIX)) {
        let asked = byte_range(&project.files[file].text, params.range);
        let lines = text::Lines::new(&project.files[file].text);
        for f in active(&findings) {
            let span = &f.primary.span;
            let Some(plan) = &f.fix else { continue };
            if f.primary.file != file
                || span.start > asked.end
                || asked.start > span.end
                || plan.applicability < Applicability::Unsafe
                || plan.fixes.is_empty()
            {
                continue;
            }
            let (mut fixed, opts, settings) = snapshot.open()?;
            let only = engine::key(&project, f);
            let run = engine::fix_only(&mut fixed, &opts, &settings, plan.applicability, Some(&only))?;
            let Some(edit) = workspace_edit(snapshot, &fixed, &run.changes) else { continue };
            let safe = plan.applicability == Applicability::Safe;
            let title = scrubber.scrub(&plan.title);
            let title = if safe {
                format!("{title} ({})", f.code)
            } else {
                format!("{title} ({}, unsafe fix: it changes what is deployed)", f.code)
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnose::diagnostic(f, &lines, &scrubber)]),
                edit: Some(edit),
                is_preferred: Some(safe),
                ..CodeAction::default()
            }));
        }
    }

    // "Fix all" runs the engine on the whole repository: offered when asked for by kind (the
    // source-action menu, fix-on-save) or by hand, not on every move of the cursor.
    let automatic = params.context.trigger_kind == Some(lsp_types::CodeActionTriggerKind::AUTOMATIC);
    let asked_by_kind = params.context.only.is_some();
    if wants(&fix_all_kind()) && (asked_by_kind || !automatic) {
        let (mut fixed, opts, settings) = snapshot.open()?;
        let run = engine::fix(&mut fixed, &opts, &settings, Applicability::Safe)?;
        if let Some(edit) = workspace_edit(snapshot, &fixed, &run.changes) {
            let (n, files) = (run.applied.len(), run.changes.len());
            let title = format!(
                "Fix all safe minipaas findings ({n} fix{}, {files} file{})",
                if n == 1 { "" } else { "es" },
                if files == 1 { "" } else { "s" }
            );
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(fix_all_kind()),
                edit: Some(edit),
                ..CodeAction::default()
            }));
        }
    }
    Ok(out)
}

/// The engine's changed files as one workspace edit; `None` when nothing changes.
// `lsp_types` keys `WorkspaceEdit::changes` by `Uri`, whose parsed form is cached inside it
// (hence clippy's "mutable key"); its hash and equality are those of the text.
#[allow(clippy::mutable_key_type)]
fn workspace_edit(snapshot: &Snapshot, ws: &Workspace, changes: &[Change]) -> Option<WorkspaceEdit> {
    let mut by_uri = HashMap::new();
    for c in changes {
        by_uri.insert(snapshot.uri(ws, &c.path)?, text::edits(&c.before, &c.after));
    }
    (!by_uri.is_empty()).then(|| WorkspaceEdit { changes: Some(by_uri), ..WorkspaceEdit::default() })
}
