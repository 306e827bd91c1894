//! A progress line for scans that take more than a second: how many files were read so far.
//! It is written to the writer it is given (the command gives standard error, and only when
//! that is a terminal: never the report), and erased when the scan ends.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::discover::Reads;

/// A running progress line; stops when dropped.
pub(crate) struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Shows the count of `reads` on `out` after a second, until dropped; nothing without a
    /// writer.
    pub(crate) fn start(reads: Reads, out: Option<Box<dyn Write + Send>>) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let thread = out.map(|mut out| {
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    if started.elapsed() >= Duration::from_secs(1) {
                        let line = format!(
                            "\rminipaas: scanning… {} files read ({:.1} s)",
                            reads.get(),
                            started.elapsed().as_secs_f64()
                        );
                        let _ = out.write_all(line.as_bytes());
                        let _ = out.flush();
                        shown = true;
                    }
                }
                if shown {
                    let _ = out.write_all(b"\r\x1b[K");
                    let _ = out.flush();
                }
            })
        });
        Progress { done, thread }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn shows_the_files_the_workspace_read_on_its_writer_then_erases_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), "services: {}\n").unwrap();
        let ws = crate::discover::Workspace::open(dir.path(), false).unwrap();
        let out = Shared::default();
        let progress = Progress::start(ws.reads(), Some(Box::new(out.clone())));
        for _ in 0..3 {
            ws.read("compose.yaml").unwrap();
        }
        std::thread::sleep(Duration::from_millis(1300));
        drop(progress);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("minipaas: scanning… 3 files read"), "{text:?}");
        assert!(text.ends_with("\r\x1b[K"), "{text:?}");
        // No writer, nothing shown (and nothing to wait for).
        drop(Progress::start(ws.reads(), None));
    }
}
