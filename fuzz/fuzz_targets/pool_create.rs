//! `POST /v2/{project_id}/pools` below HTTP: the body decoded as the server's
//! `decode_json` does, then `PoolState::create`. Never panics: the answer is a
//! pool or a `DomainError`. A created pool serializes, its served document
//! decodes back, and its lifecycle runs to the end without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use respool_api_types::Pool;
use respool_core::flavors::Catalog;
use respool_core::pool::{Env, PoolState};
use respool_core::timing::TimingProfile;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const DAY: i64 = 86_400_000;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

fuzz_target!(|data: &[u8]| {
    // As `respool_server::extract::decode_json`.
    let de = &mut serde_json::Deserializer::from_slice(data);
    let Ok(body) = serde_path_to_error::deserialize::<_, Pool>(de) else {
        return;
    };
    let env = Env {
        catalog: catalog(),
        region: "local-1",
        domain_id: "d0000000000000000000000000000001",
        timing: TimingProfile::Fast,
    };
    let Ok(mut pool) = PoolState::create(PROJECT, body, &env, NOW) else {
        return;
    };
    for now in [NOW, NOW + DAY, NOW + 400 * DAY] {
        pool.step(now);
        let doc = serde_json::to_string(&pool.pool).expect("a pool serializes");
        let back: Pool = serde_json::from_str(&doc)
            .unwrap_or_else(|e| panic!("served document does not decode: {e}: {doc}"));
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            doc,
            "served document does not round-trip"
        );
        serde_json::to_string(&pool).expect("the state serializes");
        let _ = pool.node_page(catalog(), None, 500);
    }
    pool.delete(NOW + 401 * DAY);
    pool.step(NOW + 800 * DAY);
});
