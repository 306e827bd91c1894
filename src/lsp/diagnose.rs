//! What `minipaas lsp` publishes: the findings and input problems of the repository, with the
//! editor's buffers laid over the files on disk, as LSP diagnostics per file. Messages go
//! through the same scrubber as every other output: a diagnostic never holds a value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_server::Notification;
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{Diagnostic, DiagnosticSeverity, InitializeParams, NumberOrString, Position, Range, Uri};

use crate::commands::lint::{Scope, open};
use crate::finding::Severity;
use crate::model::{Project, SourceFile};
use crate::redact::Scrubber;
use crate::rules::{active, check_all};

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
fn uri_of(path: &Path) -> Option<Uri> {
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

/// The LSP position (line, UTF-16 column; both from 0) of a byte offset.
fn position(file: &SourceFile, offset: usize) -> Position {
    let (line, _) = file.line_col(offset);
    let start = file.line_start(line).unwrap_or(0).min(offset);
    let column = file.text.get(start..offset).map_or(0, |t| t.encode_utf16().count());
    Position::new(line.saturating_sub(1) as u32, column as u32)
}

fn range(file: &SourceFile, span: &std::ops::Range<usize>) -> Range {
    Range::new(position(file, span.start), position(file, span.end))
}

/// Lints the repository at `root` with `buffers` over its files, and returns the
/// `publishDiagnostics` notifications: one for each file with diagnostics, and an empty one
/// for each file that had some last time (`published`, updated) and has none now.
pub(super) fn publish(
    root: &Path,
    buffers: &BTreeMap<PathBuf, String>,
    published: &mut Vec<PathBuf>,
) -> Vec<Notification> {
    let mut notes = Vec::new();
    let by_file = diagnostics(root, buffers).unwrap_or_else(|e| {
        // The repository cannot be linted (a broken configuration): say why, as the CLI does.
        let det = crate::secrets::Detector::default();
        let message = format!("minipaas: {}", crate::redact::scrub(&e.to_string(), &det));
        let params = lsp_types::ShowMessageParams { typ: lsp_types::MessageType::ERROR, message };
        notes.push(Notification::new(
            <lsp_types::notification::ShowMessage as lsp_types::notification::Notification>::METHOD
                .to_string(),
            params,
        ));
        BTreeMap::new()
    });
    for path in published.iter().filter(|p| !by_file.contains_key(*p)) {
        notes.extend(note(path, Vec::new()));
    }
    *published = by_file.keys().cloned().collect();
    for (path, diagnostics) in by_file {
        notes.extend(note(&path, diagnostics));
    }
    notes
}

fn note(path: &Path, diagnostics: Vec<Diagnostic>) -> Option<Notification> {
    let params = lsp_types::PublishDiagnosticsParams { uri: uri_of(path)?, diagnostics, version: None };
    Some(Notification::new(PublishDiagnostics::METHOD.to_string(), params))
}

/// The diagnostics of every file that has some, by absolute path.
fn diagnostics(
    root: &Path,
    buffers: &BTreeMap<PathBuf, String>,
) -> Result<BTreeMap<PathBuf, Vec<Diagnostic>>, crate::error::Error> {
    let paths = [root.to_path_buf()];
    let scope = Scope {
        paths: &paths,
        staged: false,
        include: &[],
        config: None,
        select: &[],
        ignore: &[],
        env: None,
    };
    let (mut ws, mut opts, settings) = open(&scope)?;
    // The whole repository, not the folder: units span files.
    opts.paths.clear();
    for (path, text) in buffers {
        if let Some(rel) = ws.relative(path) {
            ws.set_override(&rel, text.clone());
        }
    }
    let mut project = Project::load(&ws, &opts)?;
    let mut findings = check_all(&project, &settings);
    let det = settings.redaction();
    let scrubber = Scrubber::for_project(&det, &project);
    crate::redact::scrub_run(&scrubber, &mut findings, &mut project.errors, &mut [], &mut []);
    let mut out: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for f in active(&findings) {
        let file = &project.files[f.primary.file];
        let diagnostic = Diagnostic {
            range: range(file, &f.primary.span),
            severity: Some(match f.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
            }),
            code: Some(NumberOrString::String(f.code.to_string())),
            source: Some("minipaas".into()),
            message: format!("{} ({})", f.message, f.name),
            ..Diagnostic::default()
        };
        out.entry(ws.root.join(&file.path)).or_default().push(diagnostic);
    }
    for e in &project.errors {
        let at = e.file.zip(e.span.clone()).map(|(id, span)| range(&project.files[id], &span));
        let diagnostic = Diagnostic {
            range: at.unwrap_or_default(),
            severity: Some(match e.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
            }),
            source: Some("minipaas".into()),
            message: e.message.clone(),
            ..Diagnostic::default()
        };
        out.entry(ws.root.join(&e.path)).or_default().push(diagnostic);
    }
    Ok(out)
}
