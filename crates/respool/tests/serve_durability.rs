//! The real binary: first start, credentials.json, and acknowledged writes
//! surviving `kill -9`.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use respool_sign::{format_sdk_date, sign, ClientRequest};
use serde_json::{json, Value};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, port: u16, env: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_respool"));
    cmd.args([
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--timing",
        "fast",
    ])
    .arg("--data-dir")
    .arg(dir)
    .env("RESPOOL_LOG", "warn")
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    for var in [
        "RESPOOL_ACCESS_KEY",
        "RESPOOL_SECRET_KEY",
        "RESPOOL_PROJECT_ID",
        "RESPOOL_DOMAIN_ID",
        "RESPOOL_DATABASE_URL",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("respool starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if healthz_status(port) == Some(200) {
            break;
        }
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, base }
}

/// The status of `GET /healthz`, over a plain blocking socket.
fn healthz_status(port: u16) -> Option<u16> {
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

struct Creds {
    ak: String,
    sk: String,
    project: String,
}

/// A signed request, as the SDK would send it.
async fn call(
    http: &reqwest::Client,
    base: &str,
    c: &Creds,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let host = base.trim_start_matches("http://");
    let date = format_sdk_date(chrono_now());
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
            query: &[],
            headers: &headers,
            body: &body,
        },
        &c.ak,
        c.sk.as_bytes(),
    )
    .unwrap();
    let url = format!("{base}{path}");
    let mut req = http
        .request(method.parse().unwrap(), url)
        .header("Authorization", auth)
        .body(body);
    for (k, v) in headers.iter().filter(|(k, _)| *k != "Host") {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn pool_body(display: &str) -> Value {
    json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": display}},
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}], "network": {"name": "network-test"}}
    })
}

#[tokio::test]
async fn first_start_writes_a_private_credentials_file_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = start(dir.path(), port, &[]);
    let path = dir.path().join("credentials.json");
    let meta = std::fs::metadata(&path).expect("credentials.json written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for key in ["ak", "sk", "project_id", "domain_id", "endpoint"] {
        assert!(
            file[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {file}"
        );
    }
    assert_eq!(file["endpoint"], server.base);
    let creds = Creds {
        ak: file["ak"].as_str().unwrap().into(),
        sk: file["sk"].as_str().unwrap().into(),
        project: file["project_id"].as_str().unwrap().into(),
    };
    let http = reqwest::Client::new();
    let (status, body) = call(
        &http,
        &server.base,
        &creds,
        "GET",
        &format!("/v2/{}/pools", creds.project),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["kind"], "PoolList");

    // A second start finds the credential and does not make another.
    drop(server);
    std::fs::remove_file(&path).unwrap();
    let _again = start(dir.path(), free_port(), &[]);
    assert!(!path.exists(), "no new credential on a store that has one");
}

#[tokio::test]
async fn acknowledged_creates_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let creds = Creds {
        ak: "DURABLEAK00000000001".into(),
        sk: "durable-secret".into(),
        project: "0123456789abcdef0123456789abcdef".into(),
    };
    let env = [
        ("RESPOOL_ACCESS_KEY", creds.ak.as_str()),
        ("RESPOOL_SECRET_KEY", creds.sk.as_str()),
        ("RESPOOL_PROJECT_ID", creds.project.as_str()),
    ];
    let http = reqwest::Client::new();
    let path = format!("/v2/{}/pools", creds.project);
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let mut server = start(dir.path(), free_port(), &env);
        for i in 0..20 {
            let display = format!("pool-r{round}-{i:02}");
            let (status, body) = call(
                &http,
                &server.base,
                &creds,
                "POST",
                &path,
                Some(&pool_body(&display)),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            acknowledged.push(body["metadata"]["name"].as_str().unwrap().to_owned());
        }
        // No shutdown: the process dies the moment the last answer arrived.
        server.child.kill().unwrap();
        server.child.wait().unwrap();
    }
    let server = start(dir.path(), free_port(), &env);
    let (status, list) = call(&http, &server.base, &creds, "GET", &path, None).await;
    assert_eq!(status, 200);
    let listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    for name in &acknowledged {
        assert!(
            listed.contains(&name.as_str()),
            "{name} was acknowledged but is gone"
        );
    }
    assert_eq!(listed.len(), acknowledged.len());
}
