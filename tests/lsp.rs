//! `minipaas lsp` driven by a scripted client over stdio, as an editor drives it: initialize,
//! open and change two files of one unit, read the published diagnostics, a request it does
//! not serve, shutdown and exit.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(dir: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minipaas"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                stdout.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, incoming, next_id: 1 }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == id)
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message that `wanted` accepts (others are skipped), within 20 s.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self.incoming.recv_timeout(left).expect("the awaited message arrives");
            if wanted(&message) {
                return message;
            }
        }
    }

    /// The next diagnostics published for `uri` that `wanted` accepts.
    fn diagnostics(&mut self, uri: &str, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && wanted(m["params"]["diagnostics"].as_array().unwrap())
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap_or("").to_string()).collect()
}

const BASE: &str = "services:\n  web:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    external: true\n  spare:\n    external: true\n";
const OVERLAY: &str = "services:\n  web:\n    environment:\n      LOG_LEVEL: info\n";

#[test]
fn diagnostics_follow_unsaved_edits_across_the_files_of_a_unit() {
    let dir = common::repo(&[("compose.yaml", BASE), ("compose.override.yaml", OVERLAY)]);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let uri = |name: &str| format!("file://{}/{name}", root.display());
    let (base, overlay) = (uri("compose.yaml"), uri("compose.override.yaml"));
    let mut client = Client::start(&root);
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
    );
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"], 1, "full sync: {init}");
    client.notify("initialized", json!({}));

    // Opening the base file: `spare` is declared and used by no service of the unit.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": base, "languageId": "yaml", "version": 1, "text": BASE}}),
    );
    let found = client.diagnostics(&base, |d| !d.is_empty());
    assert_eq!(codes(&found), ["MP003"], "{found:?}");
    assert_eq!(found[0]["range"]["start"], json!({"line": 7, "character": 2}), "{found:?}");
    assert_eq!(found[0]["source"], "minipaas");

    // An unsaved edit of the overlay that uses `spare` clears the base file's diagnostic, and
    // a literal password typed there is reported, masked.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": overlay, "languageId": "yaml", "version": 1, "text": OVERLAY}}),
    );
    let edited =
        "services:\n  web:\n    secrets: [spare]\n    environment:\n      API_PASSWORD: typed-not-saved-9\n";
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": overlay, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let cleared = client.diagnostics(&base, |d| d.is_empty());
    assert!(cleared.is_empty());
    let typed = client.diagnostics(&overlay, |d| !d.is_empty());
    assert_eq!(codes(&typed), ["MP006"], "{typed:?}");
    assert_eq!(typed[0]["range"]["start"], json!({"line": 4, "character": 20}), "{typed:?}");
    assert!(!typed[0].to_string().contains("typed-not-saved-9"), "{typed:?}");
    assert_eq!(
        std::fs::read_to_string(root.join("compose.override.yaml")).unwrap(),
        OVERLAY,
        "nothing is written"
    );

    // Closing the overlay without saving: the file on disk counts again.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": overlay}}));
    let again = client.diagnostics(&base, |d| !d.is_empty());
    assert_eq!(codes(&again), ["MP003"]);

    // A request it does not serve is an error answer, not a crash.
    let bogus = client.request("minipaas/bogus", json!({}));
    assert_eq!(bogus["error"]["code"], -32601, "{bogus}");
    let shutdown = client.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    client.notify("exit", Value::Null);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = client.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server exits after `exit`");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
}
