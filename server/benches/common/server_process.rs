//! The release binary `instalytics` as a child process: started with flags, its output in a
//! log file, ready once `/healthz` answers 200, and killed with SIGKILL (no shutdown code
//! runs), as a crash or the OOM killer would.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts `bin serve` on loopback `port` with `flags`; stdout and stderr go to `log`.
    pub fn spawn(bin: &Path, port: u16, flags: &[String], log: &Path) -> std::io::Result<Self> {
        let out = File::create(log)?;
        let child = Command::new(bin)
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(flags)
            .env("INSTALYTICS_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        Ok(Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: log.to_owned(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running (it has not crashed or exited).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits until `/healthz` answers 200; returns how long that took. Fails when the process
    /// exits first or `limit` passes.
    pub async fn ready(&mut self, limit: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        let http = reqwest::Client::new();
        loop {
            if !self.alive() {
                return Err(format!("the server exited; see {}", self.log.display()));
            }
            if let Ok(res) = http.get(format!("{}/healthz", self.base)).send().await {
                if res.status().is_success() {
                    return Ok(started.elapsed());
                }
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "not ready after {limit:?}; see {}",
                    self.log.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, then reaps the process.
    pub fn kill9(self) {
        drop(self);
    }

    /// Waits (polling every millisecond) until a line containing `needle` is logged after
    /// this call; false when `limit` passes first.
    pub async fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        use std::io::{Read, Seek, SeekFrom};
        let started = Instant::now();
        let Ok(mut file) = File::open(&self.log) else {
            return false;
        };
        let _ = file.seek(SeekFrom::End(0));
        let mut seen = String::new();
        while started.elapsed() < limit {
            let _ = file.read_to_string(&mut seen);
            if seen.contains(needle) {
                return true;
            }
            // Only a line's worth is kept, for a needle split across two reads.
            if let Some(cut) = seen.rfind('\n') {
                seen.drain(..cut);
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        false
    }

    /// The log's lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// A harness that stops early (a panic) leaves no server behind.
impl Drop for ServerProcess {
    fn drop(&mut self) {
        // `Child::kill` is SIGKILL on Unix.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (the OS's pick; free again once the probe closes).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
