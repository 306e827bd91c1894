//! A progress line on a terminal, for scans that take more than a second. It goes to stderr
//! (never the report), only when stderr is a terminal, and is erased when the scan ends.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Files read so far by this process (counted by the project loader).
pub static FILES_READ: AtomicUsize = AtomicUsize::new(0);

/// A running progress line; stops when dropped.
pub struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts showing progress after a second, if stderr is a terminal and `enabled`.
    pub fn start(enabled: bool) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let thread = (enabled && std::io::stderr().is_terminal()).then(|| {
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    if started.elapsed() >= Duration::from_secs(1) {
                        let line = format!(
                            "\rminipaas: scanning… {} files read ({:.1} s)",
                            FILES_READ.load(Ordering::Relaxed),
                            started.elapsed().as_secs_f64()
                        );
                        let _ = std::io::stderr().write_all(line.as_bytes());
                        shown = true;
                    }
                }
                if shown {
                    let _ = std::io::stderr().write_all(b"\r\x1b[K");
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
