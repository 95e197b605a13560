//! The real `respool serve`, as a child process on a loopback port.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Variables of the caller that would change what the server under test does.
const SCRUBBED: [&str; 15] = [
    "RESPOOL_ACCESS_KEY",
    "RESPOOL_SECRET_KEY",
    "RESPOOL_PROJECT_ID",
    "RESPOOL_DOMAIN_ID",
    "RESPOOL_DATABASE_URL",
    "RESPOOL_DATA_DIR",
    "RESPOOL_TIMING",
    "RESPOOL_AUTH",
    "RESPOOL_ADMIN_TOKEN",
    "RESPOOL_LISTEN",
    "RESPOOL_ENDPOINT",
    "RESPOOL_SEED",
    "RESPOOL_NO_LIST_CACHE",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
];

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `respool serve`; killed when dropped.
pub struct Process {
    pub child: Child,
    pub base: String,
    pub port: u16,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Starts `bin serve` on `dir` with extra arguments and environment (and
    /// nothing else of the caller's `RESPOOL_*`), and waits for `/healthz`.
    pub fn start(bin: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
        Self::spawn(bin, dir, args, env, Stdio::null)
    }

    /// Like [`start`](Self::start), with the server's log (stderr) readable
    /// from `child.stderr`.
    pub fn start_logging(bin: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
        Self::spawn(bin, dir, args, env, Stdio::piped)
    }

    /// Like [`start`](Self::start), with the server's log (stderr) written
    /// to the file `log`.
    pub fn start_logging_to(
        bin: &Path,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Process {
        let file = || Stdio::from(std::fs::File::create(log).expect("the log file"));
        Self::spawn(bin, dir, args, env, file)
    }

    fn spawn(
        bin: &Path,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        stderr: impl Fn() -> Stdio,
    ) -> Process {
        // A port found free can be taken before the server binds it: try another.
        for _attempt in 0..3 {
            let port = free_port();
            let mut cmd = Command::new(bin);
            cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .args(args)
                .arg("--data-dir")
                .arg(dir)
                .env("RESPOOL_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(stderr());
            for var in SCRUBBED {
                cmd.env_remove(var);
            }
            cmd.envs(env.iter().copied());
            let child = cmd.spawn().expect("respool serve starts");
            let mut process = Process {
                child,
                base: format!("http://127.0.0.1:{port}"),
                port,
            };
            if process.wait_healthy() {
                return process;
            }
        }
        panic!("respool serve could not start");
    }

    /// Waits for `/healthz` to answer 200; false when the server exited first.
    fn wait_healthy(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while healthz_status(self.port) != Some(200) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            assert!(Instant::now() < deadline, "respool serve did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Dies at once, as `kill -9` does.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// A blocking admin API `POST` with [`crate::ADMIN_TOKEN`]; the status.
    pub fn admin_post(&self, path: &str, body: &str) -> u16 {
        use std::io::{Read, Write};
        let host = self.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(host).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\
             Authorization: Bearer {}\r\n\r\n{body}",
            body.len(),
            crate::ADMIN_TOKEN
        )
        .unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).unwrap();
        buf.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0)
    }
}

/// The status of `GET /healthz`, over a plain blocking socket.
pub fn healthz_status(port: u16) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.get(9..12)?.parse().ok()
}
