//! What `minipaas lsp` publishes: the findings and input problems of the repository, with the
//! editor's buffers laid over the files on disk, as LSP diagnostics per file. Messages go
//! through the same scrubber as every other output: a diagnostic never holds a value.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lsp_server::Notification;
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{Diagnostic, DiagnosticSeverity, InitializeParams, NumberOrString, Uri};

use super::Snapshot;
use super::text::Lines;
use crate::diagnostic::{FileId, Finding, Severity};
use crate::model::Project;
use crate::rules::{active, check_all};
use crate::secrets::mask::Scrubber;

/// The folder the editor opened (its first workspace folder, or the root it names).
#[allow(deprecated)] // `root_uri` is what older clients send.
pub(super) fn root_of(params: &InitializeParams) -> Option<PathBuf> {
    let first = params.workspace_folders.as_ref().and_then(|f| f.first()).map(|f| &f.uri);
    first.or(params.root_uri.as_ref()).and_then(path_of)
}

/// The local path of a `file:` URI.
pub(super) fn path_of(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    let decoded = percent_decode(rest)?;
    Some(PathBuf::from(decoded))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `file:` URI of a local path (every byte outside the unreserved set percent-encoded).
pub(super) fn uri_of(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for &b in path.to_str()?.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            text.push(b as char);
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    text.parse().ok()
}

/// What the editor was last sent: the files with diagnostics, and the error shown, if any.
#[derive(Debug, Clone, Default)]
pub(super) struct Published {
    files: BTreeMap<PathBuf, Vec<Diagnostic>>,
    error: Option<String>,
}

/// Lints the repository of a snapshot, and returns the `publishDiagnostics` notifications for
/// the files whose diagnostics changed since the last ones sent (`published`, updated): a
/// keystroke in a large repository sends what it changed, not every file's diagnostics again;
/// a file that had some and has none gets an empty list. A repository that cannot be linted
/// (a broken configuration) is said once with `showMessage`, not again on every keystroke.
pub(super) fn publish(snapshot: &Snapshot, published: &mut Published) -> Vec<Notification> {
    let mut notes = Vec::new();
    let by_file = match diagnostics(snapshot) {
        Ok(by_file) => {
            published.error = None;
            by_file
        }
        Err(e) => {
            let det = crate::secrets::Detector::default();
            let message = format!("minipaas: {}", crate::secrets::mask::scrub(&e.to_string(), &det));
            if published.error.as_ref() != Some(&message) {
                published.error = Some(message.clone());
                let params = lsp_types::ShowMessageParams { typ: lsp_types::MessageType::ERROR, message };
                notes.push(Notification::new(
                    <lsp_types::notification::ShowMessage as lsp_types::notification::Notification>::METHOD
                        .to_string(),
                    params,
                ));
            }
            BTreeMap::new()
        }
    };
    for path in published.files.keys().filter(|p| !by_file.contains_key(*p)) {
        notes.extend(note(path, Vec::new()));
    }
    for (path, diagnostics) in &by_file {
        if published.files.get(path) != Some(diagnostics) {
            notes.extend(note(path, diagnostics.clone()));
        }
    }
    published.files = by_file;
    notes
}

fn note(path: &Path, diagnostics: Vec<Diagnostic>) -> Option<Notification> {
    let params = lsp_types::PublishDiagnosticsParams { uri: uri_of(path)?, diagnostics, version: None };
    Some(Notification::new(PublishDiagnostics::METHOD.to_string(), params))
}

/// The diagnostics of every file that has some, by absolute path.
fn diagnostics(snapshot: &Snapshot) -> Result<BTreeMap<PathBuf, Vec<Diagnostic>>, crate::error::Error> {
    let (ws, opts, settings) = snapshot.open()?;
    let mut project = Project::load(&ws, &opts)?;
    let findings = check_all(&project, &settings);
    let det = settings.redaction();
    let scrubber = Scrubber::for_project(&det, &project);
    crate::render::scrub_run(&scrubber, &mut [], &mut project.errors, &mut [], &mut []);
    let mut out: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    // Line starts, per file, found once however many diagnostics a file has.
    let mut lines: HashMap<FileId, Lines<'_>> = HashMap::new();
    let files = &project.files;
    for f in active(&findings) {
        let at = lines.entry(f.primary.file).or_insert_with(|| Lines::new(&files[f.primary.file].text));
        let diagnostic = diagnostic(f, at, &scrubber);
        out.entry(snapshot.shown(&ws, &project.files[f.primary.file].path)).or_default().push(diagnostic);
    }
    for e in &project.errors {
        let at = e
            .file
            .zip(e.span.clone())
            .map(|(id, span)| lines.entry(id).or_insert_with(|| Lines::new(&files[id].text)).range(&span));
        let diagnostic = Diagnostic {
            range: at.unwrap_or_default(),
            severity: Some(severity(e.severity)),
            source: Some("minipaas".into()),
            message: e.message.clone(),
            ..Diagnostic::default()
        };
        out.entry(snapshot.shown(&ws, &e.path)).or_default().push(diagnostic);
    }
    Ok(out)
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
    }
}

/// A finding as a diagnostic: its rule's code, its message and help, masked.
pub(super) fn diagnostic(f: &Finding, lines: &Lines<'_>, scrubber: &Scrubber<'_>) -> Diagnostic {
    let mut message = format!("{} ({})", scrubber.scrub(&f.message), f.name);
    if let Some(help) = &f.help {
        message.push_str(&format!("\nhelp: {}", scrubber.scrub(help)));
    }
    Diagnostic {
        range: lines.range(&f.primary.span),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.code.to_string())),
        source: Some("minipaas".into()),
        message,
        ..Diagnostic::default()
    }
}
