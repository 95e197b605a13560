//! Request bodies tests seed with, and readers of the answers.

use serde_json::{json, Value};

use crate::{FLAVOR, PROJECT};

/// The `metadata.name` the server gives a pool created with this display name.
pub fn pool_name(display: &str) -> String {
    format!("{display}-{PROJECT}")
}

/// A pay-per-use pool of `count` nodes of [`FLAVOR`], on `network-test`.
pub fn pool_body(display: &str, count: i64) -> Value {
    json!({
        "apiVersion": "v2",
        "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": display, "os.modelarts/workspace.id": "0"}},
        "spec": {
            "type": "Dedicate",
            "scope": ["Train", "Infer"],
            "resources": [{"flavor": FLAVOR, "count": count}],
            "network": {"name": "network-test"}
        }
    })
}

/// A network create body.
pub fn network_body(display: &str, cidr: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": display}},
        "spec": {"cidr": cidr}
    })
}

/// The `metadata.name` of each listed item, in order (none when not a list).
pub fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The total count of one `status.resources` bucket.
pub fn bucket(pool: &Value, name: &str) -> i64 {
    pool["status"]["resources"][name]
        .as_array()
        .map(|items| items.iter().map(|f| f["count"].as_i64().unwrap()).sum())
        .unwrap_or(0)
}

/// Node names with their phases.
pub fn node_phases(nodes: &[Value]) -> Vec<(String, String)> {
    nodes
        .iter()
        .map(|n| {
            (
                n["metadata"]["name"].as_str().unwrap().to_owned(),
                n["status"]["phase"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
