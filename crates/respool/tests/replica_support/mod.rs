//! Runs real `respool serve` processes and speaks signed HTTP to them.

#![allow(dead_code)] // each test binary uses part of it

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use respool_sign::{encode_query, format_sdk_date, sign, ClientRequest};
use serde_json::{json, Value};

/// The PostgreSQL the tests use: `RESPOOL_TEST_POSTGRES`, else the local one.
pub fn postgres_url() -> String {
    std::env::var("RESPOOL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A migrated schema of the test's own (its URL selects it), dropped when
/// the returned value is, at the end of the test.
pub async fn scratch_database(prefix: &str) -> respool_store::ScratchSchema {
    let (schema, store) = respool_store::ScratchSchema::create(&postgres_url(), prefix)
        .await
        .expect("PostgreSQL must be running for this test (see scripts/test)");
    drop(store);
    schema
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Dies at once, as `kill -9` does.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// Starts `respool serve` on `dir` with extra arguments and environment.
pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    spawn(dir, args, env, Stdio::null())
}

/// Like [`start`], with the server's log (stderr) readable from `child.stderr`.
pub fn start_logging(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    spawn(dir, args, env, Stdio::piped())
}

fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)], stderr: Stdio) -> Server {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_respool"));
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        // Pools here name networks they never create.
        .arg("--lenient-networks")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("RESPOOL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(stderr);
    for var in [
        "RESPOOL_ACCESS_KEY",
        "RESPOOL_SECRET_KEY",
        "RESPOOL_PROJECT_ID",
        "RESPOOL_DOMAIN_ID",
        "RESPOOL_DATABASE_URL",
        "RESPOOL_TIMING",
        "RESPOOL_AUTH",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("respool starts");
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while healthz_status(port) != Some(200) {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("respool exited at start: {status}");
        }
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
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

pub struct Creds {
    pub ak: String,
    pub sk: String,
    pub project: String,
}

impl Creds {
    pub fn test() -> Creds {
        Creds {
            ak: "REPLICATESTAK0000001".into(),
            sk: "replica-test-secret".into(),
            project: "0123456789abcdef0123456789abcdef".into(),
        }
    }

    pub fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("RESPOOL_ACCESS_KEY", self.ak.as_str()),
            ("RESPOOL_SECRET_KEY", self.sk.as_str()),
            ("RESPOOL_PROJECT_ID", self.project.as_str()),
            ("RESPOOL_DOMAIN_ID", "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"),
        ]
    }

    pub fn pools(&self) -> String {
        format!("/v2/{}/pools", self.project)
    }
}

/// A signed request, as the SDK sends it; `(status, body)`, or `None` when
/// no answer came (connection refused or reset).
pub async fn try_call(
    http: &reqwest::Client,
    base: &str,
    c: &Creds,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let host = base.trim_start_matches("http://");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let date = format_sdk_date(now);
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let headers = [
        ("Content-Type", "application/json"),
        ("Host", host),
        ("X-Project-Id", c.project.as_str()),
        ("X-Sdk-Date", date.as_str()),
    ];
    let auth = sign(
        &ClientRequest {
            method,
            path,
            query,
            headers: &headers,
            body: &body,
        },
        &c.ak,
        c.sk.as_bytes(),
    )
    .unwrap();
    let q = encode_query(query);
    let url = if q.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    };
    let mut req = http
        .request(method.parse().unwrap(), url)
        .header("Authorization", auth)
        .body(body);
    for (k, v) in headers.iter().filter(|(k, _)| *k != "Host") {
        req = req.header(*k, *v);
    }
    let r = req.send().await.ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().await.unwrap_or(Value::Null)))
}

pub async fn call(
    http: &reqwest::Client,
    base: &str,
    c: &Creds,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    try_call(http, base, c, method, path, &[], body)
        .await
        .expect("the server answers")
}

pub fn pool_body(display: &str) -> Value {
    json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": display}},
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}], "network": {"name": "network-test"}}
    })
}

pub fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
