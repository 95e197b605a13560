//! Pool JSON: encoding and decoding the served object (`Pool`) and the stored
//! lifecycle state beside it (`PoolState`), as every write and show does.
//!
//! `cargo bench -p respool-core --bench pool_json`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use respool_api_types::{Pool, PoolList};
use respool_core::flavors::Catalog;
use respool_core::pool::{Env, PoolState};
use respool_core::timing::TimingProfile;
use serde_json::json;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// A pool as a create request makes it, with its two nodes up and running.
fn running_pool(i: usize) -> PoolState {
    let catalog = Catalog::builtin();
    let env = Env {
        catalog: &catalog,
        region: "local-1",
        domain_id: "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0",
        timing: TimingProfile::Immediate,
    };
    let request: Pool = serde_json::from_value(json!({
        "apiVersion": "v2",
        "kind": "Pool",
        "metadata": {"labels": {
            "os.modelarts/name": format!("bench-{i}"),
            "os.modelarts/workspace.id": "0",
            "env": "prod",
            "team": "ml-infra"
        }},
        "spec": {
            "type": "Dedicate",
            "scope": ["Train", "Infer"],
            "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}],
            "network": {"name": "network-bench"}
        }
    }))
    .expect("request decodes");
    let now = 1_700_000_000_000;
    let mut pool = PoolState::create(PROJECT, request, &env, now).expect("valid pool");
    pool.step(now);
    pool
}

fn pool(c: &mut Criterion) {
    let state = running_pool(0);
    let doc = serde_json::to_string(&state.pool).expect("encode");
    let stored_state = serde_json::to_string(&state).expect("encode");
    let mut g = c.benchmark_group("pool_json");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("encode_pool", |b| {
        b.iter(|| serde_json::to_string(black_box(&state.pool)).expect("encode"))
    });
    g.bench_function("decode_pool", |b| {
        b.iter(|| serde_json::from_str::<Pool>(black_box(&doc)).expect("decode"))
    });
    g.throughput(Throughput::Bytes(stored_state.len() as u64));
    g.bench_function("encode_state", |b| {
        b.iter(|| serde_json::to_string(black_box(&state)).expect("encode"))
    });
    g.bench_function("decode_state", |b| {
        b.iter(|| serde_json::from_str::<PoolState>(black_box(&stored_state)).expect("decode"))
    });
    g.finish();
    eprintln!(
        "pool_json: one pool is {} bytes served, {} bytes of lifecycle state",
        doc.len(),
        stored_state.len()
    );
}

/// The baseline of the 10,000-pool list target: serde_json encoding the list in memory.
fn list(c: &mut Criterion) {
    let items: Vec<Pool> = (0..10_000).map(|i| running_pool(i).pool).collect();
    let list = PoolList {
        api_version: "v2".into(),
        kind: "PoolList".into(),
        items,
    };
    let encoded = serde_json::to_vec(&list).expect("encode");
    let mut g = c.benchmark_group("pool_json/list_10000");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(encoded.len() as u64));
    g.bench_function("encode", |b| {
        b.iter(|| serde_json::to_vec(black_box(&list)).expect("encode"))
    });
    g.bench_function("decode", |b| {
        b.iter(|| serde_json::from_slice::<PoolList>(black_box(&encoded)).expect("decode"))
    });
    g.finish();
}

criterion_group!(benches, pool, list);
criterion_main!(benches);
