//! Runs a real `respool serve` and points `respool` client commands at it.

#![allow(dead_code)] // each test binary uses part of it

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::assert::Assert;

pub const AK: &str = "CLITESTACCESSKEY0001";
pub const SK: &str = "CliTestSecretKey000000000000000000000000";
pub const PROJECT: &str = "c11c11c11c11c11c11c11c11c11c11c1";
pub const DOMAIN: &str = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
pub const ADMIN_TOKEN: &str = "cli-test-admin-token";
pub const FLAVOR: &str = "modelarts.vm.cpu.4ud";

/// Variables of the caller that would leak into the commands under test.
const SCRUBBED: [&str; 8] = [
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "RESPOOL_ENDPOINT",
    "RESPOOL_DATA_DIR",
    "RESPOOL_DATABASE_URL",
    "RESPOOL_TIMING",
];

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    child: Child,
    pub endpoint: String,
    pub dir: tempfile::TempDir,
    /// An empty directory the commands run in (so no ./respool-data is found by accident).
    pub cwd: tempfile::TempDir,
    /// Whether the server was given the test credential (else it wrote credentials.json).
    with_key: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Options {
    pub timing: &'static str,
    /// Give the server the test AK/SK (else it generates one into credentials.json).
    pub with_key: bool,
    pub admin: bool,
    /// Check pools' networks as ModelArts does (else `--lenient-networks`:
    /// the tests' pools name networks they never create).
    pub strict_networks: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timing: "immediate",
            with_key: true,
            admin: false,
            strict_networks: false,
        }
    }
}

impl Server {
    pub fn start(timing: &'static str) -> Server {
        Server::with(Options {
            timing,
            ..Options::default()
        })
    }

    pub fn with(opts: Options) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let cwd = tempfile::tempdir().unwrap();
        for _attempt in 0..3 {
            let port = free_port();
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_respool"));
            cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .args(if opts.strict_networks {
                    &[][..]
                } else {
                    &["--lenient-networks"][..]
                })
                .args(["--timing", opts.timing, "--auth", "enforce"])
                .arg("--data-dir")
                .arg(dir.path())
                .env("RESPOOL_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for var in SCRUBBED.iter().chain(&[
                "RESPOOL_ACCESS_KEY",
                "RESPOOL_SECRET_KEY",
                "RESPOOL_PROJECT_ID",
                "RESPOOL_DOMAIN_ID",
                "RESPOOL_AUTH",
                "RESPOOL_ADMIN_TOKEN",
                "RESPOOL_LISTEN",
            ]) {
                cmd.env_remove(var);
            }
            if opts.with_key {
                cmd.env("RESPOOL_ACCESS_KEY", AK)
                    .env("RESPOOL_SECRET_KEY", SK)
                    .env("RESPOOL_PROJECT_ID", PROJECT)
                    .env("RESPOOL_DOMAIN_ID", DOMAIN);
            }
            if opts.admin {
                cmd.env("RESPOOL_ADMIN_TOKEN", ADMIN_TOKEN);
            }
            let mut child = cmd.spawn().expect("respool serve starts");
            let deadline = Instant::now() + Duration::from_secs(30);
            let up = loop {
                if healthz(port) {
                    break true;
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break false; // the port was taken between probe and bind: try another
                }
                assert!(Instant::now() < deadline, "respool serve did not come up");
                std::thread::sleep(Duration::from_millis(50));
            };
            if up {
                return Server {
                    child,
                    endpoint: format!("http://127.0.0.1:{port}"),
                    dir,
                    cwd,
                    with_key: opts.with_key,
                };
            }
        }
        panic!("respool serve could not start");
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `respool ARGS` with nothing from the caller's environment.
    pub fn bare(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_respool"));
        cmd.current_dir(self.cwd.path())
            .timeout(Duration::from_secs(120));
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        cmd
    }

    /// `respool ARGS` with the endpoint and the test credential in the SDK variables.
    pub fn cli(&self) -> assert_cmd::Command {
        let mut cmd = self.bare();
        cmd.env("RESPOOL_ENDPOINT", &self.endpoint);
        if self.with_key {
            cmd.env("HUAWEICLOUD_SDK_AK", AK)
                .env("HUAWEICLOUD_SDK_SK", SK)
                .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT);
        } else {
            cmd.env("RESPOOL_DATA_DIR", self.data_dir());
        }
        cmd
    }

    /// Runs `respool ARGS` and returns the assertion handle.
    pub fn run(&self, args: &[&str]) -> Assert {
        self.cli().args(args).assert()
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).get_output().clone();
        assert!(
            out.status.success(),
            "respool {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail with `code`; returns its standard error.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args).get_output().clone();
        assert_eq!(
            out.status.code(),
            Some(code),
            "respool {args:?}:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// Adds a fault rule through the admin API.
    pub fn add_fault(&self, selector: &str, effect: &str) {
        let body = format!(r#"{{"labelSelector":"{selector}","effect":"{effect}"}}"#);
        let status = http_post(
            &self.endpoint,
            "/_respool/faults",
            &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
            &body,
        );
        assert!(
            (200..300).contains(&status),
            "POST /_respool/faults answered {status}"
        );
    }

    /// Raises scheduled events through the admin API (`POST /_respool/scheduled-events`).
    pub fn raise_scheduled_events(&self, body: &str) {
        let status = http_post(
            &self.endpoint,
            "/_respool/scheduled-events",
            &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
            body,
        );
        assert!(
            (200..300).contains(&status),
            "POST /_respool/scheduled-events answered {status}"
        );
    }

    pub fn pool_name(display: &str) -> String {
        format!("{display}-{PROJECT}")
    }

    pub fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.cwd.path().join(file);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn healthz(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    if write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.1 200")
}

/// A blocking POST over a plain socket; returns the status.
fn http_post(endpoint: &str, path: &str, headers: &[(&str, &str)], body: &str) -> u16 {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    buf.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0)
}
