//! kill -9 during a stream of creates, scales and deletes, over and over:
//! every acknowledged write is there after a restart and every transition
//! resumes. On SQLite and on PostgreSQL.

mod replica_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_support::{start, try_call};
use respool_testkit::{pool_body, Creds};
use serde_json::json;
use tokio::sync::Mutex;

/// What the clients know of one pool from the answers they got.
#[derive(Debug, Clone, Default)]
struct Known {
    exists: bool,
    count: i64,
    /// A request about it got no answer: it may or may not have happened.
    in_doubt: bool,
}

type Ledger = Arc<Mutex<BTreeMap<String, Known>>>;

/// One client: creates pools and scales and deletes its older ones, one
/// request at a time.
async fn client(
    base: String,
    creds: Arc<Creds>,
    ledger: Ledger,
    worker: usize,
    round: usize,
    stop_at: Instant,
) {
    let http = reqwest::Client::new();
    let mine = format!("pool-c{worker}-");
    let mut i = 0;
    while Instant::now() < stop_at {
        let display = format!("{mine}r{round}-{i:03}");
        let name = format!("{display}-{}", creds.project);
        // An older pool of this client, to scale or delete (from an earlier round:
        // old enough to be Running).
        let older = {
            let l = ledger.lock().await;
            l.iter()
                .filter(|(n, k)| {
                    n.starts_with(&mine)
                        && !n.contains(&format!("-r{round}-"))
                        && k.exists
                        && !k.in_doubt
                        && k.count == 1
                })
                .map(|(n, _)| n.clone())
                .nth(i % 7)
        };
        let mut steps = vec![(
            "POST",
            name.clone(),
            creds.pools(),
            Some(pool_body(&display, 1)),
        )];
        if let Some(old) = older {
            let path = format!("{}/{old}", creds.pools());
            if i % 2 == 0 {
                let scale = json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}]}});
                steps.push(("PATCH", old, path, Some(scale)));
            } else {
                steps.push(("DELETE", old, path, None));
            }
        }
        for (method, pool, path, body) in steps {
            let answer = try_call(&http, &base, &creds, method, &path, &[], body.as_ref()).await;
            let mut l = ledger.lock().await;
            let k = l.entry(pool).or_default();
            match answer {
                None => {
                    k.in_doubt = true;
                    return; // the server is gone
                }
                Some((200, _)) => match method {
                    "POST" => {
                        *k = Known {
                            exists: true,
                            count: 1,
                            in_doubt: false,
                        }
                    }
                    "PATCH" => k.count = 2,
                    _ => k.exists = false,
                },
                // A scale of a pool still creating (its round was short) is refused; fine.
                Some((400, _)) if method == "PATCH" => {}
                // A fast machine can reach the project's pool quota (1,000):
                // a refused create was never acknowledged, so nothing is owed.
                Some((400, body)) if method == "POST" && body["error_code"] == "ModelArts.0116" => {
                }
                Some((status, body)) => panic!("{method} {path}: {status} {body}"),
            }
        }
        i += 1;
    }
}

async fn wait_until_settled(base: &str, creds: &Creds, ledger: &BTreeMap<String, Known>) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    'retry: loop {
        assert!(
            Instant::now() < deadline,
            "transitions did not resume after the last restart"
        );
        for (name, k) in ledger {
            let path = format!("{}/{name}", creds.pools());
            let (status, body) = try_call(&http, base, creds, "GET", &path, &[], None)
                .await
                .unwrap();
            if k.in_doubt {
                // Either outcome is allowed, but it must settle.
                let settled = status == 404 || body["status"]["phase"] == "Running";
                if !settled {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue 'retry;
                }
                continue;
            }
            if k.exists {
                assert_eq!(status, 200, "{name} was acknowledged but is gone: {body}");
                assert_eq!(
                    body["spec"]["resources"][0]["count"], k.count,
                    "{name}: a scale was lost"
                );
                let available = body["status"]["resources"]["available"][0]["count"]
                    .as_i64()
                    .unwrap_or(0);
                if body["status"]["phase"] != "Running" || available != k.count {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue 'retry;
                }
            } else if status != 404 {
                assert_eq!(
                    body["status"]["phase"], "Deleting",
                    "{name} was deleted but is {body}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue 'retry;
            }
        }
        return;
    }
}

async fn crash_loop(database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let creds = Arc::new(Creds::test());
    let ledger: Ledger = Arc::default();
    let mut args = vec!["--timing", "fast"];
    if let Some(url) = &database {
        args.extend(["--database", url.as_str()]);
    }
    for round in 0..6 {
        let mut server = start(dir.path(), &args, &creds.env());
        let stop_at = Instant::now() + Duration::from_millis(400 + 150 * round as u64);
        let mut clients = Vec::new();
        for w in 0..4 {
            clients.push(tokio::spawn(client(
                server.base.clone(),
                creds.clone(),
                ledger.clone(),
                w,
                round,
                stop_at + Duration::from_secs(5),
            )));
        }
        tokio::time::sleep_until(stop_at.into()).await;
        server.kill();
        for c in clients {
            c.await.unwrap();
        }
    }
    let server = start(dir.path(), &args, &creds.env());
    let ledger = ledger.lock().await.clone();
    assert!(
        ledger.values().filter(|k| k.exists && !k.in_doubt).count() > 5,
        "too little happened: {ledger:?}"
    );
    let settled = |f: fn(&Known) -> bool| ledger.values().filter(|k| !k.in_doubt && f(k)).count();
    assert!(
        settled(|k| k.exists && k.count == 2) > 5,
        "too few scales were acknowledged"
    );
    assert!(
        settled(|k| !k.exists) > 5,
        "too few deletes were acknowledged"
    );
    wait_until_settled(&server.base, &creds, &ledger).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_writes_loses_nothing_on_sqlite() {
    crash_loop(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_writes_loses_nothing_on_postgres() {
    let db = respool_testkit::scratch_schema("crash").await;
    crash_loop(Some(db.url())).await;
}
