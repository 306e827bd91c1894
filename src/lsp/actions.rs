//! Code actions: each finding's fix as a `quickfix` (an unsafe one says so in its title and is
//! never the preferred action), and every safe fix of the repository as
//! `source.fixAll.minipaas`. Both run the one fix engine, with its passes and its verification
//! of every unit a changed file belongs to, on the buffers as the editor has them: "fix all"
//! gives exactly the bytes `lint --fix` would write, and a quick fix what `lint --fix` writes
//! for that finding alone.
//!
//! The engine runs once per action, so when the editor can resolve actions later
//! (`codeAction.resolveSupport` for `edit`), actions are listed without their edits and each
//! is computed when chosen (`codeAction/resolve`): a range holding many findings is listed at
//! once. Otherwise the edits come with the list, and a fix the engine refuses (it would break a
//! file, or change a mount it should not) is not offered.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Uri, WorkspaceEdit};
use serde::{Deserialize, Serialize};

use super::{Snapshot, byte_range, diagnose, fix_all_kind, text};
use crate::diagnostic::Applicability;
use crate::diagnostic::Finding;
use crate::discover::Workspace;
use crate::error::Error;
use crate::fix::engine::{self, Change};
use crate::model::Project;
use crate::rules::{active, check_all};
use crate::secrets::mask::Scrubber;

/// What a listed action carries until it is resolved. It names the finding by a digest of its
/// identity and its fix's title ([`crate::diagnostic::FindingKey::digest`]), so nothing of the
/// message or value travels.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    uri: Uri,
    /// The finding's digest; `None` for "fix all".
    finding: Option<String>,
    /// The fix's applicability (`safe` or `unsafe`).
    unsafe_fix: bool,
}

fn digest(project: &Project, f: &Finding) -> String {
    let (key, title) = engine::fix_key(project, f);
    key.digest(&title)
}

/// The actions for a range of a document; with `lazy`, without their edits.
pub(super) fn code_actions(
    snapshot: &Snapshot,
    params: &CodeActionParams,
    lazy: bool,
) -> Result<Vec<CodeActionOrCommand>, Error> {
    // `only` names kinds or their parents (`source` asks for `source.fixAll.minipaas` too).
    let wants = |kind: &CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|o| {
                kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str()))
            })
        })
    };
    let uri = &params.text_document.uri;
    let Some(path) = diagnose::path_of(uri) else { return Ok(Vec::new()) };
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
        // A range given end first is the same range.
        let asked = asked.start.min(asked.end)..asked.start.max(asked.end);
        let lines = text::Lines::new(&project.files[file].text);
        for f in active(&findings) {
            let span = &f.primary.span;
            let Some(plan) = &f.fix else { continue };
            if f.primary.file != file
                || span.start > asked.end
                || asked.start > span.end
                || plan.applicability < Applicability::Unsafe
                || plan.is_empty()
            {
                continue;
            }
            let safe = plan.applicability == Applicability::Safe;
            let edit = if lazy {
                None
            } else {
                match quick_fix(snapshot, &project, f, plan.applicability)? {
                    Some(edit) => Some(edit),
                    None => continue,
                }
            };
            let title = scrubber.scrub(&plan.title);
            let title = if safe {
                format!("{title} ({})", f.code)
            } else {
                format!("{title} ({}, unsafe fix: it changes what is deployed)", f.code)
            };
            let pending = Pending { uri: uri.clone(), finding: Some(digest(&project, f)), unsafe_fix: !safe };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnose::diagnostic(f, &lines, &scrubber)]),
                edit,
                is_preferred: Some(safe),
                data: lazy
                    .then(|| serde_json::to_value(&pending))
                    .transpose()
                    .map_err(std::io::Error::other)?,
                ..CodeAction::default()
            }));
        }
    }

    // "Fix all" runs the engine on the whole repository: offered when asked for by kind (the
    // source-action menu, fix-on-save) or by hand, not on every move of the cursor.
    let automatic = params.context.trigger_kind == Some(lsp_types::CodeActionTriggerKind::AUTOMATIC);
    let asked_by_kind = params.context.only.is_some();
    let any_safe =
        active(&findings).any(|f| f.fix.as_ref().is_some_and(|p| p.applicability == Applicability::Safe));
    if wants(&fix_all_kind()) && (asked_by_kind || !automatic) && any_safe {
        let (edit, title) = if lazy {
            (None, "Fix all safe minipaas findings".to_string())
        } else {
            match fix_all(snapshot)? {
                Some((edit, title)) => (Some(edit), title),
                None => return Ok(out),
            }
        };
        let pending = Pending { uri: uri.clone(), finding: None, unsafe_fix: false };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(fix_all_kind()),
            edit,
            data: lazy.then(|| serde_json::to_value(&pending)).transpose().map_err(std::io::Error::other)?,
            ..CodeAction::default()
        }));
    }
    Ok(out)
}

/// `codeAction/resolve`: the edit of an action listed without one, computed on the buffers as
/// they are now. A finding that is gone (fixed, or edited away) resolves to no edit.
pub(super) fn resolve(snapshot: &Snapshot, mut action: CodeAction) -> Result<CodeAction, Error> {
    let Some(pending) = action.data.take().and_then(|d| serde_json::from_value::<Pending>(d).ok()) else {
        return Ok(action);
    };
    let Some(wanted) = &pending.finding else {
        action.edit = fix_all(snapshot)?.map(|(edit, _)| edit);
        return Ok(action);
    };
    let (ws, opts, settings) = snapshot.open()?;
    let project = Project::load(&ws, &opts)?;
    let findings = check_all(&project, &settings);
    let required = if pending.unsafe_fix { Applicability::Unsafe } else { Applicability::Safe };
    if let Some(f) = active(&findings).find(|f| digest(&project, f) == *wanted) {
        action.edit = quick_fix(snapshot, &project, f, required)?;
    }
    Ok(action)
}

/// The workspace edit of one finding's fix, through the engine; `None` when it refuses.
fn quick_fix(
    snapshot: &Snapshot,
    project: &Project,
    f: &Finding,
    required: Applicability,
) -> Result<Option<WorkspaceEdit>, Error> {
    let (mut fixed, opts, settings) = snapshot.open()?;
    let only = engine::fix_key(project, f);
    let run = engine::fix_only(&mut fixed, &opts, &settings, required, Some(&only))?;
    Ok(workspace_edit(snapshot, &fixed, &run.changes))
}

/// Every safe fix of the repository, as `lint --fix` applies them, with a title counting them.
fn fix_all(snapshot: &Snapshot) -> Result<Option<(WorkspaceEdit, String)>, Error> {
    let (mut fixed, opts, settings) = snapshot.open()?;
    let run = engine::fix(&mut fixed, &opts, &settings, Applicability::Safe)?;
    let Some(edit) = workspace_edit(snapshot, &fixed, &run.changes) else { return Ok(None) };
    let (n, files) = (run.applied.len(), run.changes.len());
    let title = format!(
        "Fix all safe minipaas findings ({n} fix{}, {files} file{})",
        if n == 1 { "" } else { "es" },
        if files == 1 { "" } else { "s" }
    );
    Ok(Some((edit, title)))
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
