//! The server's own stdio transport. `lsp-server`'s reader ends the connection on the first
//! frame whose body is not JSON; an editor (or a plugin writing by hand) that sends one bad
//! frame must get an error answer and a server that goes on. JSON-RPC 2.0 §5.1: a body that
//! does not parse is answered `-32700 Parse error`, a JSON value that is no message
//! `-32600 Invalid Request`, both with `"id": null` when the id cannot be read.

use std::io::{self, BufRead, Read, Write};
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
            frame(&mut *out, &with_version(&message)?)?;
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

/// A message as JSON-RPC 2.0 sends it: `lsp-server`'s types leave out the `"jsonrpc": "2.0"`
/// member that its own writer adds, and the specification requires.
fn with_version(message: &Message) -> io::Result<String> {
    let mut value = serde_json::to_value(message)?;
    if let Value::Object(map) = &mut value {
        map.insert("jsonrpc".into(), Value::from("2.0"));
    }
    Ok(value.to_string())
}

fn frame(out: &mut dyn Write, body: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// The longest header line kept; longer lines are junk, skipped.
const MAX_HEADER_LINE: u64 = 64 << 10;

/// Reads one header line (without its break), or `None` at the end of the input. A line
/// longer than [`MAX_HEADER_LINE`] comes back cut: it is junk either way.
fn header_line(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = Read::take(&mut *input, MAX_HEADER_LINE).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') && n as u64 == MAX_HEADER_LINE {
        // Skip the rest of an overlong line.
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let m = Read::take(&mut *input, MAX_HEADER_LINE).read_until(b'\n', &mut rest)?;
            if m == 0 || rest.last() == Some(&b'\n') {
                break;
            }
        }
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(Some(line))
}

/// The `Content-Length` a header line gives, wherever in the line it starts: after a frame
/// that was cut short or mislabelled, the rest of its body runs into the next frame's first
/// header, and finding the header there is how the reader gets back in step.
fn content_length(line: &[u8]) -> Option<Result<usize, ()>> {
    const NAME: &[u8] = b"content-length:";
    let at = line.windows(NAME.len()).position(|w| w.eq_ignore_ascii_case(NAME))?;
    let value = std::str::from_utf8(&line[at + NAME.len()..]).map_err(|_| ());
    Some(value.and_then(|v| v.trim().parse::<usize>().map_err(|_| ())))
}

/// Reads one frame: `None` at the end of the input, a message, or the error answer to send
/// for a frame that holds none. A frame whose header cannot be used is answered once, and
/// reading goes on from the next `Content-Length` header.
fn read(input: &mut impl BufRead) -> io::Result<Option<Result<Message, Value>>> {
    let mut length: Option<Result<usize, ()>> = None;
    let mut headers = false;
    loop {
        let Some(line) = header_line(input)? else { return Ok(None) };
        if line.is_empty() {
            match length {
                Some(Ok(n)) if n <= MAX_FRAME => break,
                Some(Ok(n)) => {
                    let message =
                        format!("a frame of {n} bytes is larger than minipaas reads (64 MiB); skipped");
                    return Ok(Some(Err(error(Value::Null, -32700, &message))));
                }
                Some(Err(())) => {
                    return Ok(Some(Err(error(
                        Value::Null,
                        -32700,
                        "the Content-Length header is not a number",
                    ))));
                }
                None if headers => {
                    return Ok(Some(Err(error(
                        Value::Null,
                        -32700,
                        "a frame without a Content-Length header",
                    ))));
                }
                // A stray blank line between frames is skipped, as clients sometimes send one.
                None => continue,
            }
        }
        match content_length(&line) {
            Some(found) => length = Some(found),
            // Other headers (Content-Type) count as a header block; other lines are junk.
            None => headers |= line.contains(&b':'),
        }
    }
    let Some(Ok(length)) = length else { return Ok(None) };
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

    #[test]
    fn the_reader_gets_back_in_step_after_a_header_it_cannot_use() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let next = format!("Content-Length: {}\r\n\r\n{good}", good.len());
        for bad in [
            "Content-Length: abc\r\n\r\n{}".to_string(),
            "Content-Length: -1\r\n\r\n{}".to_string(),
            "Content-Type: x\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\"}".to_string(),
            // Characters counted, not bytes: the body is cut, its rest runs into the next header.
            "Content-Length: 12\r\n\r\n{\"a\": \"ñññ\"}".to_string(),
            "Content-Length: 999999999999\r\n\r\n{}".to_string(),
        ] {
            let got = frames(&format!("{bad}{next}"));
            assert_eq!(got.len(), 2, "{bad:?}: {got:?}");
            assert_eq!(got[0].as_ref().unwrap_err()["error"]["code"], -32700, "{bad:?}");
            assert!(got[1].as_ref().is_ok_and(|m| m.contains("initialized")), "{bad:?}: {got:?}");
        }
    }

    #[test]
    fn written_messages_say_jsonrpc_2() {
        let note = Message::Notification(lsp_server::Notification::new("x".into(), ()));
        let text = with_version(&note).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["jsonrpc"], "2.0");
    }
}
