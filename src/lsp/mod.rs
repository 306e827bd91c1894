//! `minipaas lsp`: a Language Server over stdio (rust-analyzer's `lsp-server` and
//! `lsp-types`). It keeps the editor's unsaved buffers, lays them over the files on disk, and
//! publishes the findings of the whole repository for every file that has some: a change in
//! `compose.prod.yaml` updates the diagnostics of the `compose.yaml` it is deployed with.
//!
//! Linting runs on a worker thread, never on the loop that reads the editor's messages: the
//! loop hands it the buffers as they are, and the worker, when it is free, takes only the
//! latest of what it was handed (stale states are dropped, so a burst of keystrokes costs one
//! lint).

mod diagnose;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Exit,
    Notification as _,
};
use lsp_types::request::{Request as _, Shutdown};
use lsp_types::{InitializeParams, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind};

use crate::error::Error;

/// The editor's open buffers, by absolute path.
type Buffers = BTreeMap<PathBuf, String>;

/// Runs the server on standard input and output until the editor says `exit`.
pub fn serve() -> Result<(), Error> {
    let (connection, io) = Connection::stdio();
    run(connection)?;
    io.join().map_err(|e| Error::Usage(format!("lsp: {e}")))
}

/// Runs the server on a connection (a test passes an in-memory one).
pub fn run(connection: Connection) -> Result<(), Error> {
    let protocol = |e: lsp_server::ProtocolError| Error::Usage(format!("lsp: {e}"));
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        ..ServerCapabilities::default()
    };
    let capabilities = serde_json::to_value(capabilities).map_err(std::io::Error::other)?;
    let params = connection.initialize(capabilities).map_err(protocol)?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let root = diagnose::root_of(&params);

    let (work, todo) = mpsc::channel::<Buffers>();
    let sender = connection.sender.clone();
    let worker = std::thread::spawn(move || {
        let mut published = Vec::new();
        while let Ok(mut buffers) = todo.recv() {
            // Only the latest state matters.
            while let Ok(newer) = todo.try_recv() {
                buffers = newer;
            }
            let Some(root) = &root else { continue };
            for note in diagnose::publish(root, &buffers, &mut published) {
                if sender.send(Message::Notification(note)).is_err() {
                    return;
                }
            }
        }
    });

    let mut buffers = Buffers::new();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request).map_err(protocol)? {
                    break;
                }
                let reply = unknown(&request);
                connection.sender.send(Message::Response(reply)).map_err(std::io::Error::other)?;
            }
            Message::Notification(note) => {
                if note.method == Exit::METHOD {
                    break;
                }
                if update(&mut buffers, &note) {
                    let _ = work.send(buffers.clone());
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(work);
    let _ = worker.join();
    Ok(())
}

/// The answer to a request this server does not serve.
fn unknown(request: &Request) -> Response {
    let message = if request.method == Shutdown::METHOD {
        "shutdown was already requested".to_string()
    } else {
        format!("minipaas lsp does not serve `{}`", request.method)
    };
    Response::new_err(request.id.clone(), ErrorCode::MethodNotFound as i32, message)
}

/// Applies a document notification to the buffers; true when the diagnostics may change.
fn update(buffers: &mut Buffers, note: &Notification) -> bool {
    let path_of = |uri: &lsp_types::Uri| diagnose::path_of(uri);
    match note.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let Ok(p) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(note.params.clone())
            else {
                return false;
            };
            let Some(path) = path_of(&p.text_document.uri) else { return false };
            buffers.insert(path, p.text_document.text);
            true
        }
        DidChangeTextDocument::METHOD => {
            let Ok(p) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(note.params.clone())
            else {
                return false;
            };
            let Some(path) = path_of(&p.text_document.uri) else { return false };
            // Full sync: the last change holds the whole text.
            let Some(change) = p.content_changes.into_iter().last() else { return false };
            buffers.insert(path, change.text);
            true
        }
        DidSaveTextDocument::METHOD => true,
        DidCloseTextDocument::METHOD => {
            let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(note.params.clone())
            else {
                return false;
            };
            path_of(&p.text_document.uri).is_some_and(|path| buffers.remove(&path).is_some())
        }
        _ => false,
    }
}
