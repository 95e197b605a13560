//! `PATCH /v2/{project_id}/pools/{pool_name}` below HTTP: any JSON document as
//! a merge patch on a real pool, creating and running. `PoolState::patch`
//! never panics; a refused patch leaves the pool as it was; an accepted one
//! leaves a pool that serializes, decodes back and keeps living.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use respool_api_types::Pool;
use respool_core::flavors::Catalog;
use respool_core::pool::{Env, PoolState};
use respool_core::timing::TimingProfile;
use serde_json::Value;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const DAY: i64 = 86_400_000;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

fn env() -> Env<'static> {
    Env {
        catalog: catalog(),
        region: "local-1",
        domain_id: "d0000000000000000000000000000001",
        timing: TimingProfile::Fast,
    }
}

/// A freshly created pool and the same pool a day later (running).
fn bases() -> &'static [(PoolState, i64); 2] {
    static BASES: OnceLock<[(PoolState, i64); 2]> = OnceLock::new();
    BASES.get_or_init(|| {
        let body: Pool = serde_json::from_value(serde_json::json!({
            "apiVersion": "v2", "kind": "Pool",
            "metadata": {"labels": {"os.modelarts/name": "fuzz-pool", "os.modelarts/workspace.id": "0"},
                         "annotations": {"os.modelarts/description": "seed"}},
            "spec": {"type": "Dedicate", "scope": ["Train", "Infer"],
                     "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}],
                     "network": {"name": "net-fuzz"}}
        }))
        .expect("seed body decodes");
        let mut fresh = PoolState::create(PROJECT, body, &env(), NOW).expect("seed pool is valid");
        fresh.step(NOW);
        let mut running = fresh.clone();
        running.step(NOW + DAY);
        [(fresh, NOW + 1), (running, NOW + DAY + 1)]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(patch) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for (base, now) in bases() {
        let mut pool = base.clone();
        match pool.patch(&patch, &env(), *now) {
            Err(_) => assert_eq!(&pool, base, "a refused patch changed the pool"),
            Ok(()) => {
                for t in [*now, now + DAY, now + 400 * DAY] {
                    pool.step(t);
                    let doc = serde_json::to_string(&pool.pool).expect("a pool serializes");
                    let _: Pool = serde_json::from_str(&doc)
                        .unwrap_or_else(|e| panic!("patched document does not decode: {e}: {doc}"));
                    let _ = pool.node_page(catalog(), None, 500);
                }
            }
        }
    }
});
