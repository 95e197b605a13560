//! A scale step on big pools: one node less in a 10,000-node pool (and a
//! 1,000-node one beside it), as a PATCH does it in the domain (patch, then
//! the lifecycle catches up); a page of 500 nodes as `GET .../nodes` makes
//! and encodes it; and the stored state's encoding, which every write pays
//! and the decoding every read pays.
//!
//! `cargo bench -p respool-core --bench big_pool`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use respool_api_types::Pool;
use respool_core::flavors::Catalog;
use respool_core::pool::{Env, PoolState};
use respool_core::timing::TimingProfile;
use serde_json::{json, Value};

/// The server's allocator, so that allocation costs what it costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const NOW: i64 = 1_700_000_000_000;
const FLAVOR: &str = "modelarts.vm.cpu.8ud";

fn env(catalog: &Catalog) -> Env<'_> {
    Env {
        catalog,
        region: "local-1",
        domain_id: "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0",
        timing: TimingProfile::Immediate,
    }
}

/// `nodes` in node pools of 500 (the API's limit per entry), the last `extra` off.
fn resources(nodes: i64, extra: i64) -> Value {
    let groups = (nodes + 499) / 500;
    (0..groups)
        .map(|i| {
            let count = (nodes - i * 500).min(500) + if i == groups - 1 { extra } else { 0 };
            json!({"flavor": FLAVOR, "count": count, "nodePool": format!("np-{i}")})
        })
        .collect()
}

fn running(catalog: &Catalog, nodes: i64) -> PoolState {
    let request: Pool = serde_json::from_value(json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": format!("big-{nodes}")}},
        "spec": {"type": "Dedicate", "scope": ["Train"],
                 "resources": resources(nodes, 0), "network": {"name": "n"}}
    }))
    .expect("request decodes");
    let mut pool = PoolState::create(PROJECT, request, &env(catalog), NOW).expect("valid pool");
    pool.step(NOW);
    // As stored: the records of its creation written.
    pool.pending.take();
    pool
}

fn scale(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let mut g = c.benchmark_group("big_pool");
    g.sample_size(30);
    for nodes in [1_000, 10_000] {
        let pool = running(&catalog, nodes);
        assert_eq!(pool.nodes.len() as i64, nodes);
        let down = json!({"spec": {"resources": resources(nodes, -1)}});
        g.bench_function(format!("scale_down_one_of_{nodes}"), |b| {
            b.iter_batched(
                || pool.clone(),
                |mut p| {
                    p.patch(black_box(&down), &env(&catalog), NOW + 1)
                        .expect("patch");
                    p.step(NOW + 1);
                    p
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function(format!("node_page_500_of_{nodes}"), |b| {
            b.iter(|| {
                let page = black_box(&pool).node_page(&catalog, None, None, 500);
                sonic_rs::to_vec(&page.items).expect("encode")
            })
        });
        g.bench_function(format!("clone_{nodes}"), |b| {
            b.iter(|| black_box(&pool).clone())
        });
        g.bench_function(format!("encode_state_{nodes}"), |b| {
            b.iter(|| serde_json::to_string(black_box(&pool)).expect("encode"))
        });
        let stored = serde_json::to_string(&pool).expect("encode");
        g.bench_function(format!("decode_state_{nodes}"), |b| {
            b.iter(|| serde_json::from_str::<PoolState>(black_box(&stored)).expect("decode"))
        });
    }
    g.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
