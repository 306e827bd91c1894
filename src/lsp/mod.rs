//! `minipaas lsp`: a Language Server over stdio (`lsp-types` for the protocol's types,
//! `lsp-server`'s messages over a transport of our own, [`transport`]). It keeps the editor's
//! unsaved buffers, lays them over the files on disk, and publishes the findings of the whole
//! repository for every file that has some: a change in `compose.prod.yaml` updates the
//! diagnostics of the `compose.yaml` it is deployed with. It offers the fix engine's fixes as
//! code actions ([`actions`]) and answers hover, definition and references on secret and
//! config names ([`navigate`]).
//!
//! Nothing heavy runs on the loop that reads the editor's messages. Diagnostics are linted on
//! one worker thread that waits for typing to pause (the debounce, `initializationOptions.
//! debounceMs`, 200 ms by default) and then takes only the latest state: stale states are
//! dropped, so a burst of keystrokes costs one lint. Requests are answered in order on a second
//! thread, each on the buffers as they were when it arrived; a request the editor cancels
//! before its turn is answered `RequestCancelled` without being computed.

mod actions;
mod diagnose;
mod navigate;
mod text;
mod transport;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    Cancel, DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Exit, Notification as _,
};
use lsp_types::request::{
    CodeActionRequest, CodeActionResolveRequest, GotoDefinition, HoverRequest, Initialize, References,
    Request as _, Shutdown,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    InitializeParams, OneOf, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};

use crate::discover::Workspace;
use crate::error::Error;
use crate::model::LoadOptions;
use crate::settings::Settings;

/// The editor's open buffers, by absolute path.
type Buffers = BTreeMap<PathBuf, String>;

/// What a request or a lint reads: the folder the editor opened and its buffers at one moment.
#[derive(Clone)]
pub(crate) struct Snapshot {
    root: PathBuf,
    buffers: Arc<Buffers>,
}

impl Snapshot {
    /// The repository with the buffers laid over its files, opened as `lint` opens it (its
    /// `.minipaas.toml` included), on the whole repository: units span folders.
    fn open(&self) -> Result<(Workspace, LoadOptions, Settings), Error> {
        let paths = [self.root.clone()];
        let scope = crate::commands::lint::Scope {
            paths: &paths,
            staged: false,
            include: &[],
            config: None,
            select: &[],
            ignore: &[],
            env: None,
        };
        let (mut ws, mut opts, settings) = crate::commands::lint::open(&scope)?;
        opts.paths.clear();
        for (path, text) in self.buffers.iter() {
            if let Some(rel) = ws.relative(path) {
                ws.set_override(&rel, text.clone());
            }
        }
        Ok((ws, opts, settings))
    }

    /// Where the editor sees a file of the repository: under the folder it opened, which may
    /// be a symbolic link to where the repository really is (the workspace root is resolved).
    fn shown(&self, ws: &Workspace, rel: &str) -> PathBuf {
        let real = ws.root.join(rel);
        std::fs::canonicalize(&self.root)
            .ok()
            .and_then(|c| real.strip_prefix(&c).ok().map(|rest| self.root.join(rest)))
            .unwrap_or(real)
    }

    fn uri(&self, ws: &Workspace, rel: &str) -> Option<lsp_types::Uri> {
        diagnose::uri_of(&self.shown(ws, rel))
    }
}

/// Runs the server on standard input and output until the editor says `exit`: `Clean` after
/// a `shutdown`, `Findings` (exit code 1) without one, as the specification asks.
pub(crate) fn serve() -> Result<crate::commands::Outcome, Error> {
    let (connection, io) = transport::stdio();
    let orderly = run(connection)?;
    io.join()?;
    Ok(if orderly { crate::commands::Outcome::Clean } else { crate::commands::Outcome::Findings })
}

/// The default pause in typing before diagnostics are computed.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Runs the server on a connection; true when `exit` came after `shutdown`.
pub(crate) fn run(connection: Connection) -> Result<bool, Error> {
    let Some(params) = initialize(&connection)? else { return Ok(false) };
    let root = diagnose::root_of(&params);
    let debounce = params
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("debounceMs"))
        .and_then(serde_json::Value::as_u64)
        .map_or(DEBOUNCE, Duration::from_millis);
    // Code actions are listed without their edits when the editor can ask for them later.
    let lazy = params
        .capabilities
        .text_document
        .as_ref()
        .and_then(|t| t.code_action.as_ref())
        .and_then(|c| c.resolve_support.as_ref())
        .is_some_and(|r| r.properties.iter().any(|p| p == "edit"));

    let (lint, todo) = mpsc::channel::<Snapshot>();
    let sender = connection.sender.clone();
    let linter = std::thread::spawn(move || {
        let mut published = diagnose::Published::default();
        let mut pending = None;
        loop {
            let Some(mut latest) = pending.take().or_else(|| todo.recv().ok()) else { return };
            // Wait for typing to pause: every newer state restarts the wait.
            loop {
                match todo.recv_timeout(debounce) {
                    Ok(newer) => latest = newer,
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            let mut now_published = published.clone();
            let notes = diagnose::publish(&latest, &mut now_published);
            // A state that arrived while linting makes these stale: lint that one instead of
            // showing diagnostics the editor's text no longer has.
            if let Ok(newer) = todo.try_recv() {
                pending = Some(newer);
                continue;
            }
            published = now_published;
            for note in notes {
                if sender.send(Message::Notification(note)).is_err() {
                    return;
                }
            }
        }
    });

    let cancelled: Arc<Mutex<HashSet<RequestId>>> = Arc::default();
    let (ask, questions) = mpsc::channel::<(Request, Snapshot)>();
    let sender = connection.sender.clone();
    let seen_cancelled = Arc::clone(&cancelled);
    let answerer = std::thread::spawn(move || {
        for (request, snapshot) in questions {
            let dropped = seen_cancelled.lock().map(|mut c| c.remove(&request.id)).unwrap_or(false);
            let reply = if dropped {
                Response::new_err(request.id, ErrorCode::RequestCanceled as i32, "cancelled".into())
            } else {
                answer(&request, &snapshot, lazy)
            };
            if sender.send(Message::Response(reply)).is_err() {
                return;
            }
        }
    });

    let mut buffers = Buffers::new();
    let mut shut_down = false;
    let snapshot =
        |buffers: &Buffers| root.clone().map(|root| Snapshot { root, buffers: Arc::new(buffers.clone()) });
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if shut_down {
                    let reply = Response::new_err(
                        request.id,
                        ErrorCode::InvalidRequest as i32,
                        "shutdown was requested: only `exit` is served".into(),
                    );
                    connection.sender.send(reply.into()).map_err(io_error)?;
                    continue;
                }
                if request.method == Shutdown::METHOD {
                    shut_down = true;
                    connection.sender.send(Response::new_ok(request.id, ()).into()).map_err(io_error)?;
                    continue;
                }
                if !SERVED.contains(&request.method.as_str()) {
                    connection.sender.send(Message::Response(unknown(&request))).map_err(io_error)?;
                    continue;
                }
                match snapshot(&buffers) {
                    Some(s) => ask.send((request, s)).map_err(io_error)?,
                    // No folder open: nothing to read, so nothing to offer.
                    None => connection
                        .sender
                        .send(Response::new_ok(request.id, serde_json::Value::Null).into())
                        .map_err(io_error)?,
                }
            }
            Message::Notification(note) => {
                if note.method == Exit::METHOD {
                    break;
                }
                if note.method == Cancel::METHOD {
                    if let Ok(p) = serde_json::from_value::<lsp_types::CancelParams>(note.params) {
                        let id = match p.id {
                            lsp_types::NumberOrString::Number(n) => RequestId::from(n),
                            lsp_types::NumberOrString::String(s) => RequestId::from(s),
                        };
                        if let Ok(mut c) = cancelled.lock() {
                            c.insert(id);
                        }
                    }
                    continue;
                }
                if update(&mut buffers, &note)
                    && let Some(s) = snapshot(&buffers)
                {
                    let _ = lint.send(s);
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(lint);
    drop(ask);
    let _ = linter.join();
    let _ = answerer.join();
    Ok(shut_down)
}

fn io_error(e: impl std::fmt::Display) -> Error {
    Error::Output(std::io::Error::other(format!("lsp: {e}")))
}

/// The handshake: answers `initialize` with what this server does. Requests before it are
/// answered `ServerNotInitialized` (without echoing them: they may hold a document's text);
/// `None` when the editor says `exit` first.
fn initialize(connection: &Connection) -> Result<Option<InitializeParams>, Error> {
    for message in &connection.receiver {
        match message {
            Message::Request(request) if request.method == Initialize::METHOD => {
                // A client's odd field must not cost the user the server: what cannot be read
                // is taken as absent.
                let params: InitializeParams = serde_json::from_value(request.params).unwrap_or_default();
                let result = lsp_types::InitializeResult {
                    capabilities: capabilities(),
                    server_info: Some(ServerInfo {
                        name: "minipaas".into(),
                        version: Some(env!("CARGO_PKG_VERSION").into()),
                    }),
                };
                connection.sender.send(Response::new_ok(request.id, result).into()).map_err(io_error)?;
                return Ok(Some(params));
            }
            Message::Request(request) => {
                let reply = Response::new_err(
                    request.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized yet".into(),
                );
                connection.sender.send(reply.into()).map_err(io_error)?;
            }
            Message::Notification(note) if note.method == Exit::METHOD => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

/// The kind of the "fix everything safe" action: editors run `source.fixAll` on save.
pub(crate) fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.minipaas")
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
            ..TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::SOURCE_FIX_ALL,
                fix_all_kind(),
            ]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// The requests [`answer`] serves (off the main loop).
const SERVED: [&str; 5] = [
    CodeActionRequest::METHOD,
    CodeActionResolveRequest::METHOD,
    HoverRequest::METHOD,
    GotoDefinition::METHOD,
    References::METHOD,
];

/// Answers one request on a snapshot. A request whose parameters do not parse gets
/// `InvalidParams`; one that cannot be computed (a broken configuration) `InternalError` with
/// the scrubbed reason.
fn answer(request: &Request, snapshot: &Snapshot, lazy: bool) -> Response {
    fn run<P: serde::de::DeserializeOwned, R: serde::Serialize>(
        request: &Request,
        compute: impl FnOnce(P) -> Result<R, Error>,
    ) -> Response {
        let id = request.id.clone();
        let params = match serde_json::from_value::<P>(request.params.clone()) {
            Ok(p) => p,
            Err(e) => return Response::new_err(id, ErrorCode::InvalidParams as i32, format!("{e}")),
        };
        match compute(params) {
            Ok(result) => Response::new_ok(id, result),
            Err(e) => {
                let det = crate::secrets::Detector::default();
                let message = format!("minipaas: {}", crate::secrets::mask::scrub(&e.to_string(), &det));
                Response::new_err(id, ErrorCode::InternalError as i32, message)
            }
        }
    }
    match request.method.as_str() {
        CodeActionRequest::METHOD => run(request, |p| actions::code_actions(snapshot, &p, lazy)),
        CodeActionResolveRequest::METHOD => run(request, |p| actions::resolve(snapshot, p)),
        HoverRequest::METHOD => run(request, |p| navigate::hover(snapshot, &p)),
        GotoDefinition::METHOD => run(request, |p| navigate::definition(snapshot, &p)),
        References::METHOD => run(request, |p| navigate::references(snapshot, &p)),
        _ => unknown(request),
    }
}

/// The answer to a request this server does not serve.
fn unknown(request: &Request) -> Response {
    let message = format!("minipaas lsp does not serve `{}`", request.method);
    Response::new_err(request.id.clone(), ErrorCode::MethodNotFound as i32, message)
}

/// Applies a document notification to the buffers; true when the diagnostics may change.
fn update(buffers: &mut Buffers, note: &Notification) -> bool {
    fn params<P: serde::de::DeserializeOwned>(note: &Notification) -> Option<P> {
        serde_json::from_value(note.params.clone()).ok()
    }
    let path_of = |uri: &lsp_types::Uri| diagnose::path_of(uri);
    match note.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let Some(p) = params::<lsp_types::DidOpenTextDocumentParams>(note) else { return false };
            let Some(path) = path_of(&p.text_document.uri) else { return false };
            buffers.insert(path, p.text_document.text);
            true
        }
        DidChangeTextDocument::METHOD => {
            let Some(p) = params::<lsp_types::DidChangeTextDocumentParams>(note) else { return false };
            let Some(path) = path_of(&p.text_document.uri) else { return false };
            // A change to a document never opened has nothing to apply to.
            let Some(text) = buffers.get_mut(&path) else { return false };
            for change in p.content_changes {
                text::apply(text, change);
            }
            true
        }
        // The file on disk now holds the buffer; other files may have changed with it (a
        // formatter, a `git checkout`).
        DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => true,
        DidCloseTextDocument::METHOD => {
            let Some(p) = params::<lsp_types::DidCloseTextDocumentParams>(note) else { return false };
            path_of(&p.text_document.uri).is_some_and(|path| buffers.remove(&path).is_some())
        }
        _ => false,
    }
}

/// The byte range of an LSP range in a text.
pub(crate) fn byte_range(text: &str, range: lsp_types::Range) -> std::ops::Range<usize> {
    let lines = text::Lines::new(text);
    lines.offset(range.start)..lines.offset(range.end)
}
