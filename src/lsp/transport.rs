//! The server's own stdio transport. `lsp-server`'s reader ends the connection on the first
//! frame whose body is not JSON; an editor (or a plugin writing by hand) that sends one bad
//! frame must get an error answer and a server that goes on. JSON-RPC 2.0 §5.1: a body that
//! does not parse is answered `-32700 Parse error`, a JSON value that is no message
//! `-32600 Invalid Request`, both with `"id": null` when the id cannot be read.

use std::io::{self, BufRead, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};
use serde_json::{Value, json};

/// The largest frame read: a Compose file this size is far past what the linter reads anyway.
const MAX_FRAME: usize = 64 << 20;

/// The threads that read standard input and write standard output.
pub(super) struct Io {
    reader: JoinHandle<()>,
    writer: JoinHandle<io::Result<()>>,
}

impl Io {
    /// Waits for the writer to flush everything sent. The reader is left to end with its input:
    /// after `exit` nothing it reads matters.
    pub(super) fn join(self) -> io::Result<()> {
        drop(self.reader);
        self.writer.join().map_err(|_| io::Error::other("the LSP writer thread panicked"))?
    }
}

/// A connection over standard input and output.
pub(super) fn stdio() -> (Connection, Io) {
    let out = Arc::new(Mutex::new(io::stdout()));
    let (sender, outgoing) = crossbeam_channel::unbounded::<Message>();
    let writer_out = Arc::clone(&out);
    let writer = std::thread::spawn(move || {
        for message in outgoing {
            let mut out = writer_out.lock().map_err(|_| io::Error::other("stdout lock poisoned"))?;
            let body = serde_json::to_string(&message)?;
            frame(&mut *out, &body)?;
        }
        Ok(())
    });
    let (incoming, receiver) = crossbeam_channel::unbounded::<Message>();
    let reader = std::thread::spawn(move || {
        let mut input = io::stdin().lock();
        loop {
            let reply = match read(&mut input) {
                Ok(Some(Ok(message))) => {
                    if incoming.send(message).is_err() {
                        return;
                    }
                    continue;
                }
                Ok(Some(Err(reply))) => reply,
                // The end of the input, or a frame cut short: the editor is gone.
                Ok(None) | Err(_) => return,
            };
            let Ok(mut out) = out.lock() else { return };
            if frame(&mut *out, &reply.to_string()).is_err() {
                return;
            }
        }
    });
    (Connection { sender, receiver }, Io { reader, writer })
}

fn frame(out: &mut dyn Write, body: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// Reads one frame: `None` at the end of the input, a message, or the error answer to send
/// for a frame that holds none.
fn read(input: &mut impl BufRead) -> io::Result<Option<Result<Message, Value>>> {
    let mut length = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            // A stray blank line between frames is skipped, as clients sometimes send one.
            continue;
        }
        // Other headers (Content-Type) and malformed lines are ignored.
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("Content-Length")
        {
            length = value.trim().parse::<usize>().ok();
            if length.is_none() {
                return Ok(Some(Err(error(
                    Value::Null,
                    -32700,
                    "the Content-Length header is not a number",
                ))));
            }
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_FRAME {
        return Err(io::Error::other("a frame larger than 64 MiB"));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Ok(Some(Err(error(Value::Null, -32700, &format!("the message is not JSON: {e}"))))),
    };
    let id = value.get("id").filter(|id| id.is_string() || id.is_number()).cloned().unwrap_or(Value::Null);
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Ok(Some(Ok(message))),
        Err(_) => Ok(Some(Err(error(id, -32600, "not a JSON-RPC request, response or notification")))),
    }
}

fn error(id: Value, code: i32, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(text: &str) -> Vec<Result<String, Value>> {
        let mut input = io::Cursor::new(text.as_bytes().to_vec());
        let mut out = Vec::new();
        while let Some(m) = read(&mut input).unwrap() {
            out.push(m.map(|m| serde_json::to_string(&m).unwrap()));
        }
        out
    }

    #[test]
    fn a_bad_frame_is_answered_and_the_next_one_read() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let text = format!(
            "Content-Length: 5\r\n\r\n{{oops\r\nContent-Length: 4\r\n\r\n[12]Content-Length: {}\r\nContent-Type: x\r\n\r\n{good}",
            good.len()
        );
        let got = frames(&text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].as_ref().unwrap_err()["error"]["code"], -32700);
        assert_eq!(got[0].as_ref().unwrap_err()["id"], Value::Null);
        assert_eq!(got[1].as_ref().unwrap_err()["error"]["code"], -32600);
        assert!(got[2].as_ref().unwrap().contains("initialized"));
    }
}
