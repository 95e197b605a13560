//! The pools and projects every benchmark uses, the same for the seeder, the
//! load generator and the criterion benches.

use respool_api_types::Pool;
use serde_json::json;

/// The `i`-th project of a seeded store: `first` itself, then ids derived from `i`.
pub fn project_id(first: &str, i: usize) -> String {
    if i == 0 {
        first.to_owned()
    } else {
        format!("{i:032x}")
    }
}

/// The flavor of every fixture pool.
pub const FLAVOR: &str = "modelarts.vm.cpu.4ud";

/// The create request of the `i`-th pool of a project: a dedicated pool of
/// two CPU nodes with the labels a user would add (`env`, `tier`, `team`).
/// `env=prod,tier in (gold)` matches one pool in ten.
pub fn pool_request(display: &str, i: usize) -> Pool {
    let env = ["prod", "staging", "dev", "test", "qa"][i % 5];
    let tier = ["gold", "free"][i / 5 % 2];
    serde_json::from_value(json!({
        "apiVersion": "v2",
        "kind": "Pool",
        "metadata": {"labels": {
            "os.modelarts/name": display,
            "os.modelarts/workspace.id": "0",
            "env": env,
            "tier": tier,
            "team": "ml-platform"
        }},
        "spec": {
            "type": "Dedicate",
            "scope": ["Train", "Infer"],
            "resources": [{"flavor": FLAVOR, "count": 2}],
            "network": {"name": "network-bench"}
        }
    }))
    .expect("the fixture is a valid pool")
}

/// Display name of the `i`-th seeded pool of a project (4 to 32 characters).
pub fn display_name(i: usize) -> String {
    format!("pool-{i:06}")
}
