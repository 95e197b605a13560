//! Several `respool serve` processes on one PostgreSQL database.

mod replica_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_support::{call, names, pool_body, start, try_call, Creds, Server};
use respool_store::PostgresStore;
use tokio::net::{TcpListener, TcpStream};

fn postgres_url() -> String {
    std::env::var("RESPOOL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema, migrated; returns the URL that selects it.
async fn fresh_database(base_url: &str) -> String {
    let schema = format!("replicas_{}", rand::random::<u64>());
    PostgresStore::open_in_schema(base_url, &schema)
        .await
        .expect("PostgreSQL must be running for the replica tests (see .ci/run)");
    format!("{base_url}?options[search_path]={schema}")
}

fn replicas(
    n: usize,
    url: &str,
    creds: &Creds,
    timing: &str,
) -> (Vec<Server>, Vec<tempfile::TempDir>) {
    let mut servers = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..n {
        let dir = tempfile::tempdir().unwrap();
        servers.push(start(
            dir.path(),
            &["--database", url, "--timing", timing],
            &creds.env(),
        ));
        dirs.push(dir);
    }
    (servers, dirs)
}

#[tokio::test]
async fn a_write_on_one_replica_is_read_on_the_others() {
    let url = fresh_database(&postgres_url()).await;
    let creds = Creds::test();
    let (servers, _dirs) = replicas(3, &url, &creds, "immediate");
    let http = reqwest::Client::new();
    let (status, body) = call(
        &http,
        &servers[0].base,
        &creds,
        "POST",
        &creds.pools(),
        Some(&pool_body("pool-shared")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let name = body["metadata"]["name"].as_str().unwrap().to_owned();
    for s in &servers {
        let (status, list) = call(&http, &s.base, &creds, "GET", &creds.pools(), None).await;
        assert_eq!(status, 200);
        assert_eq!(names(&list), vec![name.clone()]);
    }
    // A change on the second is seen by the third.
    let patch =
        serde_json::json!({"metadata": {"annotations": {"os.modelarts/description": "from-b"}}});
    let one = format!("{}/{name}", creds.pools());
    assert_eq!(
        call(&http, &servers[1].base, &creds, "PATCH", &one, Some(&patch))
            .await
            .0,
        200
    );
    let (_, shown) = call(&http, &servers[2].base, &creds, "GET", &one, None).await;
    assert_eq!(
        shown["metadata"]["annotations"]["os.modelarts/description"],
        "from-b"
    );
}

#[tokio::test]
async fn concurrent_creates_of_one_name_on_several_replicas_give_one_200() {
    let url = fresh_database(&postgres_url()).await;
    let creds = Arc::new(Creds::test());
    let (servers, _dirs) = replicas(3, &url, &creds, "fast");
    let http = reqwest::Client::new();
    for round in 0..5 {
        let display = format!("pool-race-{round}");
        let mut tasks = Vec::new();
        for i in 0..12 {
            let (http, creds, base, display) = (
                http.clone(),
                creds.clone(),
                servers[i % 3].base.clone(),
                display.clone(),
            );
            tasks.push(tokio::spawn(async move {
                call(
                    &http,
                    &base,
                    &creds,
                    "POST",
                    &creds.pools(),
                    Some(&pool_body(&display)),
                )
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                200 => ok += 1,
                409 => assert_eq!(body["error_code"], "ModelArts.50015000"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(ok, 1, "round {round}");
    }
}

#[tokio::test]
async fn pools_finish_creating_when_the_replica_that_took_them_dies() {
    let url = fresh_database(&postgres_url()).await;
    let creds = Creds::test();
    let (mut servers, _dirs) = replicas(3, &url, &creds, "fast");
    let http = reqwest::Client::new();
    let mut created = Vec::new();
    for i in 0..15 {
        let base = servers[i % 3].base.clone();
        let (status, body) = call(
            &http,
            &base,
            &creds,
            "POST",
            &creds.pools(),
            Some(&pool_body(&format!("pool-kill-{i:02}"))),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        created.push(body["metadata"]["name"].as_str().unwrap().to_owned());
    }
    servers[0].kill();
    let survivor = servers[1].base.clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, list) = try_call(
            &http,
            &survivor,
            &creds,
            "GET",
            &creds.pools(),
            &[("status", "created")],
            None,
        )
        .await
        .unwrap();
        if names(&list).len() == created.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {} pools finished",
            names(&list).len(),
            created.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A TCP proxy in front of PostgreSQL that can drop every connection and
/// refuse new ones, as a database outage does.
struct Outage {
    up: Arc<AtomicBool>,
    port: u16,
}

impl Outage {
    async fn start(target: String) -> Outage {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let flag = up.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if !flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let flag = flag.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let watch = async {
                        while flag.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy(&mut cr, &mut sw) => {}
                        _ = tokio::io::copy(&mut sr, &mut cw) => {}
                        _ = watch => {}
                    }
                });
            }
        });
        Outage { up, port }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }
}

// The proxy runs on this runtime while `start` blocks a thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_503_then_recovers_without_a_restart() {
    let base_url = postgres_url();
    let url = fresh_database(&base_url).await;
    let proxy = Outage::start("127.0.0.1:5432".into()).await;
    let proxied = url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(
        proxied, url,
        "the test database URL must name 127.0.0.1:5432"
    );
    let creds = Creds::test();
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        dir.path(),
        &["--database", &proxied, "--timing", "immediate"],
        &creds.env(),
    );
    let http = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let (status, body) = call(
            &http,
            &server.base,
            &creds,
            "POST",
            &creds.pools(),
            Some(&pool_body(&format!("pool-before-{i}"))),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        acknowledged.push(body["metadata"]["name"].as_str().unwrap().to_owned());
    }

    proxy.set_up(false);
    tokio::time::sleep(Duration::from_millis(100)).await;
    for i in 0..3 {
        let started = Instant::now();
        let (status, body) = call(
            &http,
            &server.base,
            &creds,
            "POST",
            &creds.pools(),
            Some(&pool_body(&format!("pool-during-{i}"))),
        )
        .await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error_code"], "ModelArts.50005000");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "503 took {:?}",
            started.elapsed()
        );
    }
    let (status, _) = call(&http, &server.base, &creds, "GET", &creds.pools(), None).await;
    assert_eq!(status, 503);

    proxy.set_up(true);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = call(
            &http,
            &server.base,
            &creds,
            "POST",
            &creds.pools(),
            Some(&pool_body("pool-after")),
        )
        .await;
        if status == 200 {
            acknowledged.push(body["metadata"]["name"].as_str().unwrap().to_owned());
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, list) = call(&http, &server.base, &creds, "GET", &creds.pools(), None).await;
    assert_eq!(status, 200);
    let listed = names(&list);
    for name in &acknowledged {
        assert!(listed.contains(name), "{name} lost");
    }
    assert!(
        listed.iter().all(|n| !n.starts_with("pool-during")),
        "a refused create was stored"
    );
}
