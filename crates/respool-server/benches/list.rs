//! ListPools end to end through the real router (layers, auth, handler,
//! SQLite store), without the network: each iteration is one
//! `Router::oneshot` of a request and a read of the whole answer.
//!
//! `cargo bench -p respool-server --bench list`
//!
//! Beside it, the in-process baseline of the 10,000-pool target: serde_json
//! encoding the same 10,000 pools from memory.

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use respool_api_types::{Pool, PoolList};
use respool_core::flavors::Catalog;
use respool_core::identity::Credential;
use respool_core::pool::{Env, PoolState};
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_server::{AppState, AuthMode, Settings};
use respool_sign::{encode_query, format_sdk_date, sign, ClientRequest};
use respool_store::{PoolQuery, SqliteStore, Store};
use serde_json::json;
use tokio::runtime::Runtime;
use tower::ServiceExt;

const BIG: &str = "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1";
const SMALL: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
const DOMAIN: &str = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
const AK: &str = "BENCHACCESSKEY000001";
const SK: &str = "BenchSecretKey00000000000000000000000000";
const BIG_POOLS: usize = 10_000;
const SMALL_POOLS: usize = 10;
/// Matches one pool in ten of the big project.
const SELECTOR: &str = "env=prod,tier in (gold)";

fn request_body(i: usize) -> Pool {
    let env = ["prod", "staging", "dev", "test", "qa"][i % 5];
    let tier = ["gold", "free"][i / 5 % 2];
    serde_json::from_value(json!({
        "apiVersion": "v2",
        "kind": "Pool",
        "metadata": {"labels": {
            "os.modelarts/name": format!("bench-{i}"),
            "os.modelarts/workspace.id": "0",
            "env": env,
            "tier": tier,
        }},
        "spec": {
            "type": "Dedicate",
            "scope": ["Train", "Infer"],
            "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}],
            "network": {"name": "network-bench"}
        }
    }))
    .expect("request decodes")
}

struct Fixture {
    _dir: tempfile::TempDir,
    signed: Router,
    open: Router,
    store: Arc<dyn Store>,
    /// The big project's pools, decoded, for the encoding baseline.
    big_pools: PoolList,
}

async fn fixture() -> Fixture {
    // The reads are measured, not the writes: seed on tmpfs when there is one.
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm")
    } else {
        tempfile::tempdir()
    }
    .expect("temp dir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open_path(&dir.path().join("bench.db"))
            .await
            .expect("open sqlite"),
    );
    let mut credential = Credential::generate(DOMAIN, vec![SMALL.into(), BIG.into()], wall_ms());
    credential.access_key = AK.into();
    credential.secret_key = SK.into();
    store
        .insert_credential(&credential)
        .await
        .expect("credential");
    let catalog = Catalog::builtin();
    let env = Env {
        catalog: &catalog,
        region: "local-1",
        domain_id: DOMAIN,
        timing: TimingProfile::Immediate,
    };
    let now = wall_ms();
    let mut big = Vec::with_capacity(BIG_POOLS);
    for (project, count) in [(SMALL, SMALL_POOLS), (BIG, BIG_POOLS)] {
        for i in 0..count {
            let mut pool = PoolState::create(project, request_body(i), &env, now).expect("valid");
            pool.step(now);
            store.insert_pool(&mut pool).await.expect("insert");
            if project == BIG {
                big.push(pool.pool);
            }
        }
    }
    let settings = |auth| Settings {
        region: "local-1".into(),
        timing: TimingProfile::Immediate,
        auth,
        default_domain_id: DOMAIN.into(),
        admin_token: None,
        require_networks: false,
        watch_poll: respool_server::DEFAULT_WATCH_POLL,
    };
    let signed = AppState::new(
        store.clone(),
        Catalog::builtin(),
        settings(AuthMode::Enforce),
    )
    .await
    .expect("app");
    let open = AppState::new(store.clone(), Catalog::builtin(), settings(AuthMode::Off))
        .await
        .expect("app");
    Fixture {
        _dir: dir,
        signed: respool_server::router(signed),
        open: respool_server::router(open),
        store,
        big_pools: PoolList {
            api_version: "v2".into(),
            kind: "PoolList".into(),
            items: big,
        },
    }
}

fn get(path: &str, query: &[(&str, &str)]) -> Request<Body> {
    let q = encode_query(query);
    let uri = if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    };
    Request::get(uri)
        .header("host", "127.0.0.1:8787")
        .body(Body::empty())
        .expect("request")
}

/// A request signed as the SDK signs it (a fresh date each time, as a client would).
fn signed_get(path: &str, project: &str) -> Request<Body> {
    let date = format_sdk_date(wall_ms() / 1000);
    let headers = [
        ("Content-Type", "application/json"),
        ("Host", "127.0.0.1:8787"),
        ("User-Agent", "respool-bench"),
        ("X-Project-Id", project),
        ("X-Sdk-Date", date.as_str()),
    ];
    let authorization = sign(
        &ClientRequest {
            method: "GET",
            path,
            query: &[],
            headers: &headers,
            body: b"",
        },
        AK,
        SK.as_bytes(),
    )
    .expect("sign");
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.header("authorization", authorization)
        .body(Body::empty())
        .expect("request")
}

/// Sends one request through the router and reads the whole answer.
async fn call(router: &Router, req: Request<Body>) -> usize {
    let res = router.clone().oneshot(req).await.expect("infallible");
    assert!(res.status().is_success(), "status {}", res.status());
    axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body")
        .len()
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let f = rt.block_on(fixture());
    let small_path = format!("/v2/{SMALL}/pools");
    let big_path = format!("/v2/{BIG}/pools");

    let mut g = c.benchmark_group("router");
    g.bench_function("healthz", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.open, get("/healthz", &[])).await })
    });
    g.bench_function("list_10/auth_off", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.open, get(&small_path, &[])).await })
    });
    g.bench_function("list_10/signed", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.signed, signed_get(&small_path, SMALL)).await })
    });
    g.finish();

    // What one list asks of the store, without the router.
    let mut g = c.benchmark_group("store");
    let small_query = PoolQuery {
        project_id: SMALL,
        workspace_id: Some("0"),
        phases: None,
        parent: None,
    };
    g.bench_function("due_pools", |b| {
        b.to_async(&rt).iter(|| async {
            f.store
                .due_pools(Some(SMALL), wall_ms(), 256)
                .await
                .expect("due")
        })
    });
    g.bench_function("list_pools_10", |b| {
        b.to_async(&rt)
            .iter(|| async { f.store.list_pools(&small_query).await.expect("list") })
    });
    g.bench_function("get_credential", |b| {
        b.to_async(&rt)
            .iter(|| async { f.store.get_credential(AK).await.expect("credential") })
    });
    g.finish();

    let answer = rt.block_on(call(&f.open, get(&big_path, &[])));
    let mut g = c.benchmark_group("list_10000");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(answer as u64));
    g.bench_function("router", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.open, get(&big_path, &[])).await })
    });
    g.bench_function("router_label_selector", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.open, get(&big_path, &[("labelSelector", SELECTOR)])).await })
    });
    let big_query = PoolQuery {
        project_id: BIG,
        workspace_id: Some("0"),
        phases: None,
        parent: None,
    };
    g.bench_function("store_list_pools", |b| {
        b.to_async(&rt)
            .iter(|| async { f.store.list_pools(&big_query).await.expect("list") })
    });
    g.bench_function("serde_json_encode_in_memory", |b| {
        b.iter(|| serde_json::to_vec(black_box(&f.big_pools)).expect("encode"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
