//! `minipaas lsp` driven by a scripted client over stdio, as an editor drives it: initialize,
//! open, change (whole and incremental) and save two files of one unit, read the published
//! diagnostics, apply code actions and compare the result with `lint --fix` on the same text,
//! hover, definition and references, malformed frames and requests, shutdown and exit.

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
                let message: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(message["jsonrpc"], "2.0", "every message says jsonrpc 2.0: {message}");
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, incoming, next_id: 1 }
    }

    fn send(&mut self, message: Value) {
        self.send_raw(&message.to_string());
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn initialize(&mut self, root: &std::path::Path) -> Value {
        self.initialize_with(root, json!({}))
    }

    fn initialize_with(&mut self, root: &std::path::Path, capabilities: Value) -> Value {
        let init = self.request(
            "initialize",
            json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": capabilities,
                   "initializationOptions": {"debounceMs": 20}}),
        );
        self.notify("initialized", json!({}));
        init
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
    let dir = crate::common::repo(&[("compose.yaml", BASE), ("compose.override.yaml", OVERLAY)]);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let uri = |name: &str| format!("file://{}/{name}", root.display());
    let (base, overlay) = (uri("compose.yaml"), uri("compose.override.yaml"));
    let mut client = Client::start(&root);
    let init = client.initialize(&root);
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync: {init}");

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

/// The text after applying LSP `TextEdit`s (ASCII text: columns are bytes).
fn applied(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let (line, col) = (p["line"].as_u64().unwrap() as usize, p["character"].as_u64().unwrap() as usize);
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + col
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap()))
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

/// What `lint --fix` (with `args`) writes to `compose.yaml` when the files hold `files`.
fn fixed_by_cli(files: &[(&str, &str)], args: &[&str]) -> String {
    let dir = crate::common::repo(files);
    let run = crate::common::minipaas(dir.path(), &[&["lint", "--fix"], args].concat());
    assert!(run.code <= 1, "{}", run.stderr);
    std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap()
}

const UNIT: &str = "\
services:
  web:
    image: nginx
    secrets: [db]
  api:
    image: nginx
    secrets:
      - source: key.1a2b3c4d
        target: key
      - source: key.5e6f7a8b
        target: key
secrets:
  db:
    external: true
  spare:
    external: true
  key.1a2b3c4d:
    external: true
  key.5e6f7a8b:
    external: true
";
const OVERLAY_ON_DISK: &str = "services:\n  web:\n    environment:\n      LOG_LEVEL: info\n";
const OVERLAY_TYPED: &str = "services:\n  web:\n    secrets: [api_key, db]\n    environment:\n      API_PASSWORD: typed-not-saved-9\n";

#[test]
fn code_actions_hover_and_navigation_match_the_cli() {
    let dir = crate::common::repo(&[("compose.yaml", UNIT), ("compose.override.yaml", OVERLAY_ON_DISK)]);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let uri = |name: &str| format!("file://{}/{name}", root.display());
    let (base, overlay) = (uri("compose.yaml"), uri("compose.override.yaml"));
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": base, "languageId": "yaml", "version": 1, "text": UNIT}}),
    );
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": overlay, "languageId": "yaml", "version": 1, "text": OVERLAY_TYPED}}),
    );
    let found = client.diagnostics(&overlay, |d| codes(d).contains(&"MP001".to_string()));
    let undeclared = found.iter().find(|d| d["code"] == "MP001").unwrap().clone();
    // The editor's text, as `lint --fix` would find it on disk.
    let typed = [("compose.yaml", UNIT), ("compose.override.yaml", OVERLAY_TYPED)];

    // A quick fix of one finding: the bytes `lint --fix` writes for that rule alone, in the
    // file it edits (the declaration goes into the base file).
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": overlay}, "range": undeclared["range"], "context": {"diagnostics": []}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let quick = actions.iter().find(|a| a["kind"] == "quickfix").unwrap_or_else(|| panic!("{actions:?}"));
    assert_eq!(quick["title"], "Declare secret `api_key` as external in compose.yaml (MP001)");
    assert_eq!(quick["isPreferred"], true);
    assert_eq!(quick["diagnostics"][0]["code"], "MP001");
    let edits = quick["edit"]["changes"][&base].as_array().unwrap();
    assert_eq!(applied(UNIT, edits), fixed_by_cli(&typed, &["--select", "MP001"]));
    assert!(quick["edit"]["changes"].get(&overlay).is_none(), "{quick}");

    // An unsafe fix says so and is never preferred.
    let at = |line: u32, character: u32| json!({"line": line, "character": character});
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": base}, "range": {"start": at(9, 16), "end": at(9, 16)}, "context": {"diagnostics": []}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let unsafe_fix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "MP008")
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert!(unsafe_fix["title"].as_str().unwrap().contains("unsafe"), "{unsafe_fix}");
    assert_eq!(unsafe_fix["isPreferred"], false);
    let edits = unsafe_fix["edit"]["changes"][&base].as_array().unwrap();
    assert_eq!(applied(UNIT, edits), fixed_by_cli(&typed, &["--unsafe-fixes", "--select", "MP008"]));

    // Fix all: exactly `lint --fix`.
    let all = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": base}, "range": {"start": at(0, 0), "end": at(0, 0)},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let all = all["result"].as_array().unwrap().clone();
    assert_eq!(all.len(), 1, "only the kind asked for: {all:?}");
    assert_eq!(all[0]["kind"], "source.fixAll.minipaas");
    let edits = all[0]["edit"]["changes"][&base].as_array().unwrap();
    let expected = fixed_by_cli(&typed, &[]);
    assert_ne!(expected, UNIT);
    assert_eq!(applied(UNIT, edits), expected);
    assert!(!all[0].to_string().contains("typed-not-saved-9"));
    assert_eq!(std::fs::read_to_string(root.join("compose.yaml")).unwrap(), UNIT, "an action writes nothing");

    // Hover on `db` where `web` uses it: where it is declared, how, the Swarm object, who uses it.
    let position = |uri: &str, line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": at(line, character)});
    let hover = client.request("textDocument/hover", position(&base, 3, 16));
    let text = hover["result"]["contents"]["value"].as_str().unwrap_or_else(|| panic!("{hover}"));
    assert!(text.contains("**secret `db`**"), "{text}");
    assert!(text.contains("declared in `compose.yaml` line 13: external"), "{text}");
    assert!(text.contains("Swarm object: `db`"), "{text}");
    assert!(text.contains("used by `web`"), "{text}");
    assert_eq!(hover["result"]["range"]["start"], at(3, 14));
    let hover = client.request("textDocument/hover", position(&base, 7, 20));
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("versioned name for `key` (version `1a2b3c4d`"), "{text}");
    assert!(text.contains("used by `api`"), "{text}");
    let hover = client.request("textDocument/hover", position(&base, 2, 10));
    assert_eq!(hover["result"], Value::Null, "no name under the cursor: {hover}");

    // Definition from the overlay's unsaved reference to the base file's declaration; the
    // references of the declaration, across both files.
    let definition = client.request("textDocument/definition", position(&overlay, 2, 24));
    assert_eq!(definition["result"], json!([{"uri": base, "range": {"start": at(12, 2), "end": at(12, 4)}}]));
    let mut references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": base}, "position": at(12, 3), "context": {"includeDeclaration": false}}),
    );
    let references = references["result"].take();
    assert_eq!(
        references,
        json!([
            {"uri": base, "range": {"start": at(3, 14), "end": at(3, 16)}},
            {"uri": overlay, "range": {"start": at(2, 23), "end": at(2, 25)}},
        ]),
    );

    // Incremental changes apply at their range: `api_key` renamed to `db` by an edit of 7
    // characters; then a save.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": overlay, "version": 2},
               "contentChanges": [{"range": {"start": at(2, 14), "end": at(2, 21)}, "text": "spare"}]}),
    );
    client.notify("textDocument/didSave", json!({"textDocument": {"uri": overlay}}));
    let now = client.diagnostics(&overlay, |d| !codes(d).contains(&"MP001".to_string()));
    assert_eq!(codes(&now), ["MP006"], "{now:?}");
    client.diagnostics(&base, |d| !codes(d).contains(&"MP003".to_string()));

    // A frame that is not JSON, a JSON value that is no message, and bad parameters: each an
    // error answer, and the server goes on.
    client.send_raw("{not json");
    let parse = client.wait(|m| m.get("error").is_some());
    assert_eq!(parse["error"]["code"], -32700, "{parse}");
    assert_eq!(parse["id"], Value::Null);
    client.send_raw(r#"{"jsonrpc": "2.0", "id": 77, "method": 5}"#);
    let invalid = client.wait(|m| m["id"] == 77);
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    let bad = client.request("textDocument/hover", json!({"textDocument": 5}));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let hover = client.request("textDocument/hover", position(&base, 3, 16));
    assert!(hover["result"]["contents"]["value"].as_str().unwrap().contains("`db`"));

    let shutdown = client.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    let late = client.request("textDocument/hover", position(&base, 3, 16));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    client.notify("exit", Value::Null);
    assert!(client.child.wait().unwrap().success());
}

/// The findings of `lint --format json` in `compose.yaml`, as (code, line, column).
fn cli_findings(dir: &std::path::Path) -> Vec<Value> {
    let run = crate::common::minipaas(dir, &["lint", "--format", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let mut found: Vec<Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "compose.yaml")
        .map(|f| json!({"code": f["code"], "line": f["line"], "column": f["column"]}))
        .collect();
    found.sort_by_key(|f| (f["line"].as_u64(), f["column"].as_u64()));
    found
}

/// A real editor: Neovim (NVIM_BIN, or `nvim` on the PATH; scripts/test installs Debian's
/// `neovim`) runs tests/editor/neovim.lua headless on a Compose buffer, shows the CLI's
/// findings at the CLI's positions, and its "fix all" action writes what `lint --fix` writes.
#[test]
fn neovim_shows_the_cli_findings_and_fixes_as_the_cli_does() {
    let files = [("compose.yaml", UNIT), ("compose.override.yaml", OVERLAY_ON_DISK)];
    let dir = crate::common::repo(&files);
    let expected_before = cli_findings(dir.path());
    let out = dir.path().join(".git/neovim-result.json");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editor/neovim.lua");
    let nvim = std::env::var("NVIM_BIN").unwrap_or_else(|_| "nvim".into());
    let mut child = Command::new(&nvim)
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .arg("compose.yaml")
        .current_dir(dir.path())
        .env("MINIPAAS_BIN", env!("CARGO_BIN_EXE_minipaas"))
        .env("OUT", &out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{nvim} runs (scripts/test installs Debian's neovim): {e}"));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("neovim did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(status.success() && result.get("error").is_none(), "{status}: {result}");

    assert_eq!(result["before"], Value::Array(expected_before), "the editor shows the CLI's findings");
    let written = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert_ne!(written, UNIT);
    assert_eq!(written, fixed_by_cli(&files, &[]), "the editor's fix is `lint --fix`'s");
    assert_eq!(result["after"], Value::Array(cli_findings(dir.path())), "and it shows what remains");
}

/// An editor that resolves code actions later (`codeAction.resolveSupport`) gets them listed
/// without edits, and the same edits when it resolves them; a server told to exit without a
/// shutdown exits with 1.
#[test]
fn actions_listed_lazily_resolve_to_the_cli_bytes() {
    let dir = crate::common::repo(&[("compose.yaml", UNIT), ("compose.override.yaml", OVERLAY_ON_DISK)]);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let base = format!("file://{}/compose.yaml", root.display());
    let mut client = Client::start(&root);
    let capabilities = json!({"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}});
    client.initialize_with(&root, capabilities);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": base, "languageId": "yaml", "version": 1, "text": UNIT}}),
    );
    let at = |line: u32, character: u32| json!({"line": line, "character": character});
    // The whole file, given end first: every quick fix in it, none with an edit yet.
    let listed = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": base}, "range": {"start": at(99, 0), "end": at(0, 0)}, "context": {"diagnostics": []}}),
    );
    let listed = listed["result"].as_array().unwrap().clone();
    let codes: Vec<&str> = listed.iter().filter_map(|a| a["diagnostics"][0]["code"].as_str()).collect();
    assert!(codes.contains(&"MP003") && codes.contains(&"MP008"), "{listed:?}");
    assert!(listed.iter().all(|a| a.get("edit").is_none() && a.get("data").is_some()), "{listed:?}");
    let files = [("compose.yaml", UNIT), ("compose.override.yaml", OVERLAY_ON_DISK)];
    for (code, args) in
        [("MP003", vec!["--select", "MP003"]), ("MP008", vec!["--unsafe-fixes", "--select", "MP008"])]
    {
        let action = listed.iter().find(|a| a["diagnostics"][0]["code"] == code).unwrap();
        let resolved = client.request("codeAction/resolve", action.clone());
        let edits =
            resolved["result"]["edit"]["changes"][&base].as_array().unwrap_or_else(|| panic!("{resolved}"));
        assert_eq!(applied(UNIT, edits), fixed_by_cli(&files, &args), "{code}");
    }
    let all = listed.iter().find(|a| a["kind"] == "source.fixAll.minipaas").unwrap();
    let resolved = client.request("codeAction/resolve", all.clone());
    let edits = resolved["result"]["edit"]["changes"][&base].as_array().unwrap();
    assert_eq!(applied(UNIT, edits), fixed_by_cli(&files, &[]));

    client.notify("exit", Value::Null);
    assert_eq!(client.child.wait().unwrap().code(), Some(1), "exit without shutdown");
}

/// A server started on `dir`, with its `compose.yaml` (holding `text`) open; and its URI.
fn open_compose(dir: &std::path::Path, text: &str) -> (Client, String) {
    let root = std::fs::canonicalize(dir).unwrap();
    let uri = format!("file://{}/compose.yaml", root.display());
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    (client, uri)
}

/// Hover on a config a service takes through `credential_spec`: that service uses it.
#[test]
fn hover_counts_credential_spec_configs() {
    let text = "services:\n  app:\n    image: app\n    credential_spec:\n      config: cred\nconfigs:\n  cred:\n    file: ./cred.json\n";
    let dir = crate::common::repo(&[("compose.yaml", text), ("cred.json", "{}")]);
    let (mut client, uri) = open_compose(dir.path(), text);
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 3}}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap_or_else(|| panic!("{hover}"));
    assert!(value.contains("used by `app`"), "{value}");
    assert!(value.contains("from the file `./cred.json`"), "{value}");
    assert!(
        value.contains("Swarm object: `<stack>_cred` (the deploy creates it) with `docker stack deploy`"),
        "{value}"
    );
}

/// A secret and a config both conflicting at one target text: two findings, each with its own
/// quick fix; fixing the secret's leaves the configs as they are.
#[test]
fn a_quick_fix_changes_only_its_own_finding() {
    const BOTH: &str = "\
services:
  api:
    image: api
    secrets:
      - {source: a, target: conf}
      - {source: b, target: conf}
    configs:
      - {source: c, target: /conf}
      - {source: d, target: /conf}
secrets: {a: {external: true}, b: {external: true}}
configs: {c: {external: true}, d: {external: true}}
";
    let dir = crate::common::repo(&[("compose.yaml", BOTH)]);
    let (mut client, uri) = open_compose(dir.path(), BOTH);
    let found = client.diagnostics(&uri, |d| codes(d).iter().filter(|c| *c == "MP008").count() == 2);
    let secret = found.iter().find(|d| d["code"] == "MP008" && d["range"]["start"]["line"] == 5).unwrap();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": secret["range"], "context": {"diagnostics": []}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let fix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "MP008")
        .unwrap_or_else(|| panic!("{actions:?}"));
    let after = applied(BOTH, fix["edit"]["changes"][&uri].as_array().unwrap());
    assert!(
        !after.contains("{source: a, target: conf}") && after.contains("{source: b, target: conf}"),
        "{after}"
    );
    assert!(
        after.contains("{source: c, target: /conf}") && after.contains("{source: d, target: /conf}"),
        "{after}"
    );
}
