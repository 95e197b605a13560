//! Several `respool serve` processes on one PostgreSQL database.

mod replica_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_support::{call, start, try_call};
use respool_testkit::{names, pool_body, scratch_schema, Creds, Process, WatchStream};
use tokio::net::{TcpListener, TcpStream};

fn replicas(
    n: usize,
    url: &str,
    creds: &Creds,
    timing: &str,
) -> (Vec<Process>, Vec<tempfile::TempDir>) {
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
    let db = scratch_schema("replicas").await;
    let url = db.url();
    let creds = Creds::test();
    let (servers, _dirs) = replicas(3, &url, &creds, "immediate");
    let http = reqwest::Client::new();
    let (status, body) = call(
        &http,
        &servers[0].base,
        &creds,
        "POST",
        &creds.pools(),
        Some(&pool_body("pool-shared", 1)),
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
    let db = scratch_schema("replicas").await;
    let url = db.url();
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
                    Some(&pool_body(&display, 1)),
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
    let db = scratch_schema("replicas").await;
    let url = db.url();
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
            Some(&pool_body(&format!("pool-kill-{i:02}"), 1)),
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
    // Each transition was applied, and recorded, exactly once.
    for name in &created {
        let (status, events) = try_call(
            &http,
            &survivor,
            &creds,
            "GET",
            "/v1/0123456789abcdef0123456789abcdef/events",
            &[
                ("resource", "pools"),
                ("name", name.as_str()),
                ("limit", "500"),
            ],
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{events}");
        let phases: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["reason"] == "PoolStatusChange")
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        let running = phases
            .iter()
            .filter(|m| m.contains("from Creating to Running"))
            .count();
        assert_eq!(running, 1, "{name}: {phases:?}");
        let mut unique = phases.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            phases.len(),
            "{name}: a transition was recorded twice: {phases:?}"
        );
    }
}

/// A node job accepted by a replica that dies is finished by the others,
/// and each of its stages is recorded once.
#[tokio::test]
async fn a_reboot_finishes_when_the_replica_that_accepted_it_dies() {
    let db = scratch_schema("replicas").await;
    let url = db.url();
    let creds = Creds::test();
    let (mut servers, _dirs) = replicas(2, &url, &creds, "fast");
    let http = reqwest::Client::new();
    let (status, body) = call(
        &http,
        &servers[0].base,
        &creds,
        "POST",
        &creds.pools(),
        Some(&pool_body("pool-reboot", 1)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let pool = body["metadata"]["name"].as_str().unwrap().to_owned();
    let nodes_path = format!("{}/{pool}/nodes", creds.pools());
    let survivor = servers[1].base.clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    let node = loop {
        let (_, list) = try_call(&http, &survivor, &creds, "GET", &nodes_path, &[], None)
            .await
            .unwrap();
        let first = &list["items"][0];
        if first["status"]["phase"] == "Available" {
            break first["metadata"]["name"].as_str().unwrap().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the node never became ready: {list}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (status, body) = call(
        &http,
        &servers[0].base,
        &creds,
        "POST",
        &format!("{nodes_path}/batch-reboot"),
        Some(&serde_json::json!({"nodeNames": [node]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let job = body["job_id"].as_str().unwrap().to_owned();
    servers[0].kill();
    let job_path = format!("/v2/0123456789abcdef0123456789abcdef/jobs/{job}");
    loop {
        let (status, body) = try_call(&http, &survivor, &creds, "GET", &job_path, &[], None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{body}");
        if body["phase"] == "Success" {
            break;
        }
        assert!(Instant::now() < deadline, "the job never finished: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, events) = try_call(
        &http,
        &survivor,
        &creds,
        "GET",
        "/v1/0123456789abcdef0123456789abcdef/events",
        &[("resource", "pools"), ("name", pool.as_str())],
        None,
    )
    .await
    .unwrap();
    let counts: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter(|m| {
            m.contains("count from 1/0/0/0 to 0/1/0/0")
                || m.contains("count from 0/1/0/0 to 1/0/0/0")
        })
        .collect();
    assert_eq!(counts.len(), 2, "down and back up, once each: {counts:?}");
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
    let db = scratch_schema("replicas").await;
    let url = db.url();
    let proxy = Arc::new(Outage::start("127.0.0.1:5432".into()).await);
    let proxied = url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(
        proxied, url,
        "the test database URL must name 127.0.0.1:5432"
    );
    let creds = Arc::new(Creds::test());
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        dir.path(),
        &["--database", &proxied, "--timing", "immediate"],
        &creds.env(),
    );
    let http = reqwest::Client::new();

    // Eight clients create pools without pause while the database goes away and comes back.
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..8 {
        let (http, creds, base, stop) = (
            http.clone(),
            creds.clone(),
            server.base.clone(),
            stop.clone(),
        );
        workers.push(tokio::spawn(async move {
            let (mut acknowledged, mut refused, mut slowest) = (Vec::new(), 0, Duration::ZERO);
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                let body = pool_body(&format!("pool-w{w}-{i:04}"), 1);
                let (status, answer) =
                    call(&http, &base, &creds, "POST", &creds.pools(), Some(&body)).await;
                slowest = slowest.max(started.elapsed());
                match status {
                    200 => {
                        acknowledged.push(answer["metadata"]["name"].as_str().unwrap().to_owned())
                    }
                    503 => {
                        assert_eq!(answer["error_code"], "ModelArts.50005000");
                        refused += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    other => panic!("unexpected {other}: {answer}"),
                }
                i += 1;
            }
            (acknowledged, refused, slowest)
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.set_up(false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (status, _) = call(&http, &server.base, &creds, "GET", &creds.pools(), None).await;
    assert_eq!(status, 503, "reads fail while the database is away");
    proxy.set_up(true);
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);

    let (mut acknowledged, mut refused, mut slowest) = (Vec::new(), 0, Duration::ZERO);
    for w in workers {
        let (a, r, s) = w.await.unwrap();
        acknowledged.extend(a);
        refused += r;
        slowest = slowest.max(s);
    }
    assert!(refused > 0, "the outage was never seen");
    assert!(
        slowest < Duration::from_secs(10),
        "an answer took {slowest:?}"
    );
    // Recovered without a restart, and every acknowledged create is there.
    let deadline = Instant::now() + Duration::from_secs(30);
    let listed = loop {
        let (status, list) = call(&http, &server.base, &creds, "GET", &creds.pools(), None).await;
        if status == 200 {
            break names(&list);
        }
        assert!(Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(!acknowledged.is_empty());
    for name in &acknowledged {
        assert!(listed.contains(name), "{name} was acknowledged but is lost");
    }
    // A create cut off mid-commit may exist without an answer: in doubt, like
    // any write whose reply was lost; only acknowledged ones are promised.
}

/// The `name` of a watched object.
fn watched_name(event: &serde_json::Value) -> String {
    event["object"]["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_change_on_one_replica_reaches_a_watcher_on_another() {
    let db = scratch_schema("watch_across").await;
    let creds = Creds::test();
    let (servers, _dirs) = replicas(2, &db.url(), &creds, "fast");
    let http = reqwest::Client::new();
    let mut watch =
        WatchStream::open(&http, &servers[1].base, &creds, &creds.pools(), &[], &[]).await;
    assert_eq!(watch.status, 200);
    watch.until(|e| e["type"] == "BOOKMARK").await;
    let written = Instant::now();
    let (status, body) = call(
        &http,
        &servers[0].base,
        &creds,
        "POST",
        &creds.pools(),
        Some(&pool_body("pool-across", 1)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let added = watch.next().await.unwrap();
    assert_eq!(added["type"], "ADDED");
    assert_eq!(
        watched_name(&added),
        body["metadata"]["name"].as_str().unwrap()
    );
    // Seen by polling the store (every 100 ms by default), not pushed.
    assert!(written.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_watch_resumed_on_a_restarted_replica_misses_and_repeats_no_event() {
    let db = scratch_schema("watch_restart").await;
    let url = db.url();
    let creds = Creds::test();
    let (mut servers, dirs) = replicas(2, &url, &creds, "fast");
    let http = reqwest::Client::new();
    let events = format!("/v1/{}/events", creds.project);
    let mut watch = WatchStream::open(&http, &servers[1].base, &creds, &events, &[], &[]).await;
    watch.until(|e| e["type"] == "BOOKMARK").await;
    let (status, body) = call(
        &http,
        &servers[0].base,
        &creds,
        "POST",
        &creds.pools(),
        Some(&pool_body("pool-restart", 2)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let name = body["metadata"]["name"].as_str().unwrap().to_owned();
    let first = watch.next().await.unwrap();
    assert_eq!(first["type"], "ADDED");
    let mut seen = vec![watched_name(&first)];
    let mut after = first["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();

    // The watcher's replica dies mid-creation and comes back.
    servers[1].kill();
    drop(watch);
    // The pool goes on (on the other replica) while this one is down.
    tokio::time::sleep(Duration::from_secs(3)).await;
    servers[1] = start(
        dirs[1].path(),
        &["--database", &url, "--timing", "fast"],
        &creds.env(),
    );
    let mut resumed = WatchStream::open(
        &http,
        &servers[1].base,
        &creds,
        &events,
        &[("resourceVersion", &after), ("timeoutSeconds", "6")],
        &[],
    )
    .await;
    assert_eq!(resumed.status, 200);
    for e in resumed.rest().await {
        if e["type"] == "ADDED" {
            seen.push(watched_name(&e));
            after = e["object"]["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .into();
        }
    }
    let (status, pool) = call(
        &http,
        &servers[0].base,
        &creds,
        "GET",
        &format!("{}/{name}", creds.pools()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        pool["status"]["phase"], "Running",
        "six seconds create a fast pool"
    );
    let listed = try_call(
        &http,
        &servers[0].base,
        &creds,
        "GET",
        &events,
        &[("name", &name), ("ascend", "true")],
        None,
    )
    .await
    .unwrap()
    .1;
    let listed: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(listed.len() >= 2, "{listed:?}");
    assert_eq!(seen, listed, "every event once, in order (last at {after})");
}
