//! Runs a real `respool serve` (the test kit's [`Process`]) and points
//! `respool` client commands at it.

#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::assert::Assert;
use respool_testkit::{respool_bin, Process, AK, DOMAIN, FLAVOR, PROJECT, SK};

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

pub struct Server {
    process: Process,
    pub endpoint: String,
    pub dir: tempfile::TempDir,
    /// An empty directory the commands run in (so no ./respool-data is found by accident).
    pub cwd: tempfile::TempDir,
    /// Whether the server was given the test credential (else it wrote credentials.json).
    with_key: bool,
}

pub struct Options {
    pub timing: &'static str,
    /// Give the server the test AK/SK (else it generates one into credentials.json).
    pub with_key: bool,
    /// Turn the admin API on, with the test kit's `ADMIN_TOKEN`.
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
        let mut args = vec!["--timing", opts.timing, "--auth", "enforce"];
        if !opts.strict_networks {
            args.push("--lenient-networks");
        }
        let mut env = Vec::new();
        if opts.with_key {
            env.extend([
                ("RESPOOL_ACCESS_KEY", AK),
                ("RESPOOL_SECRET_KEY", SK),
                ("RESPOOL_PROJECT_ID", PROJECT),
                ("RESPOOL_DOMAIN_ID", DOMAIN),
            ]);
        }
        if opts.admin {
            env.push(("RESPOOL_ADMIN_TOKEN", respool_testkit::ADMIN_TOKEN));
        }
        let process = Process::start(respool_bin!(), dir.path(), &args, &env);
        Server {
            endpoint: process.base.clone(),
            process,
            dir,
            cwd,
            with_key: opts.with_key,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `respool ARGS` with nothing from the caller's environment.
    pub fn bare(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.command(false));
        cmd.timeout(Duration::from_secs(120));
        cmd
    }

    /// `respool ARGS` with the endpoint and the test credential in the SDK variables.
    pub fn cli(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.command(true));
        cmd.timeout(Duration::from_secs(120));
        cmd
    }

    /// `respool`, in the empty directory, with nothing from the caller's
    /// environment; `connected`: pointed at this server as [`Server::cli`] is.
    fn command(&self, connected: bool) -> std::process::Command {
        let mut cmd = std::process::Command::new(respool_bin!());
        cmd.current_dir(self.cwd.path());
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        if !connected {
            return cmd;
        }
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

    /// Starts `respool ARGS` (one that runs until stopped, like `--watch`)
    /// with its standard output read line by line.
    pub fn spawn(&self, args: &[&str]) -> Lines {
        let mut cmd = self.command(true);
        cmd.args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().expect("respool starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { child, rx }
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

    /// `respool pool create` of a pool of one [`FLAVOR`] node on `network`,
    /// with `extra` flags; the pool's name.
    pub fn create_pool(&self, display: &str, network: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "pool",
            "create",
            "--name",
            display,
            "--flavor",
            FLAVOR,
            "--network",
            network,
        ];
        args.extend_from_slice(extra);
        self.ok(&args);
        respool_testkit::pool_name(display)
    }

    /// Adds a fault rule through the admin API.
    pub fn add_fault(&self, selector: &str, effect: &str) {
        let body = format!(r#"{{"labelSelector":"{selector}","effect":"{effect}"}}"#);
        let status = self.process.admin_post("/_respool/faults", &body);
        assert!(
            (200..300).contains(&status),
            "POST /_respool/faults answered {status}"
        );
    }

    /// Raises scheduled events through the admin API (`POST /_respool/scheduled-events`).
    pub fn raise_scheduled_events(&self, body: &str) {
        let status = self.process.admin_post("/_respool/scheduled-events", body);
        assert!(
            (200..300).contains(&status),
            "POST /_respool/scheduled-events answered {status}"
        );
    }

    pub fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.cwd.path().join(file);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// A running command's output, line by line; the command dies with it.
pub struct Lines {
    child: std::process::Child,
    rx: std::sync::mpsc::Receiver<String>,
}

impl Lines {
    /// Lines up to and including the first that `stop` accepts (within 30 s).
    pub fn until(&self, stop: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no such line; saw {seen:#?}"));
            let done = stop(&line);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
