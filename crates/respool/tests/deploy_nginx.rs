//! docs/deploy/nginx.conf, as documented: three replicas on one PostgreSQL
//! database behind nginx, signed requests through the proxy, a replica lost.

mod replica_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use replica_support::{call, start};
use respool_testkit::{free_port, names, pool_body, Creds};

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nginx_binary() -> &'static str {
    if std::path::Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_behind_the_documented_nginx_config() {
    let db = respool_testkit::scratch_schema("deploy").await;
    let url = db.url();
    let creds = Creds::test();

    let mut replicas = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        replicas.push(start(
            dir.path(),
            &["--database", &url, "--timing", "immediate"],
            &creds.env(),
        ));
        dirs.push(dir);
    }

    let conf = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/deploy/nginx.conf"
    ))
    .unwrap();
    let front = free_port();
    let mut conf = conf.replace("127.0.0.1:8787", &format!("127.0.0.1:{front}"));
    for (documented, r) in ["8781", "8782", "8783"].iter().zip(&replicas) {
        let from = format!("127.0.0.1:{documented}");
        assert!(
            conf.contains(&from),
            "the documented upstream {from} is gone"
        );
        conf = conf.replace(&from, &format!("127.0.0.1:{}", r.port));
    }
    let prefix = tempfile::tempdir().unwrap();
    std::fs::write(prefix.path().join("nginx.conf"), conf).unwrap();
    let nginx = Command::new(nginx_binary())
        .arg("-p")
        .arg(prefix.path())
        .args(["-c", "nginx.conf", "-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx is installed (see .ci/run)");
    let _nginx = Nginx(nginx);
    let deadline = Instant::now() + Duration::from_secs(10);
    while respool_testkit::healthz_status(front) != Some(200) {
        assert!(Instant::now() < deadline, "nginx did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }

    let proxy = format!("http://127.0.0.1:{front}");
    let http = reqwest::Client::new();
    let mut created = Vec::new();
    for i in 0..9 {
        let (status, body) = call(
            &http,
            &proxy,
            &creds,
            "POST",
            &creds.pools(),
            Some(&pool_body(&format!("pool-lb-{i}"), 1)),
        )
        .await;
        assert_eq!(status, 200, "signatures survive the proxy: {body}");
        created.push(body["metadata"]["name"].as_str().unwrap().to_owned());
    }
    let (status, list) = call(&http, &proxy, &creds, "GET", &creds.pools(), None).await;
    assert_eq!(status, 200);
    assert_eq!(names(&list), created);

    // One replica dies; the proxy keeps answering from the others.
    replicas[0].kill();
    for i in 9..15 {
        let (status, body) = call(
            &http,
            &proxy,
            &creds,
            "POST",
            &creds.pools(),
            Some(&pool_body(&format!("pool-lb-{i}"), 1)),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        created.push(body["metadata"]["name"].as_str().unwrap().to_owned());
    }
    for _ in 0..6 {
        let (status, list) = call(&http, &proxy, &creds, "GET", &creds.pools(), None).await;
        assert_eq!(status, 200);
        assert_eq!(names(&list), created);
    }
}
