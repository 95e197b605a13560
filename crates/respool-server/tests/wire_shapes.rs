//! The wire shapes of the main answers, as JSON snapshots (`tests/snapshots/`)
//! taken on the manual clock, with what changes from run to run (times,
//! generated ids and names) redacted. A change of shape shows as a diff; to
//! accept one, run with `INSTA_UPDATE=always` and review the `.snap` files.

use respool_testkit::{pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::Value;

/// Keys whose values differ on every run.
const VOLATILE: [&str; 10] = [
    "creationTimestamp",
    "deletionTimestamp",
    "os.modelarts/resource.id",
    "os.modelarts/order.name",
    "os.modelarts/order.id",
    "os.modelarts/flavor.resource.ids",
    "os.modelarts/tenant.domain.name",
    "os.modelarts.node/underlying.instance.id",
    "os.modelarts.node/batch.uid",
    "operation_time",
];

fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if VOLATILE.contains(&k.as_str()) && !child.is_null() {
                    *child = Value::String(format!("[{k}]"));
                } else {
                    redact(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::String(s) => {
            // Generated names end in five random characters: node names, cluster names.
            for marker in ["-created-", "cluster-snap-"] {
                if let Some(i) = s.find(marker) {
                    let end = i + marker.len();
                    if s.len() == end + 5 {
                        *s = format!("{}[random]", &s[..end]);
                    }
                }
            }
        }
        _ => {}
    }
}

fn shape(mut v: Value) -> Value {
    redact(&mut v);
    v
}

#[tokio::test]
async fn a_running_pool_its_nodes_node_pools_and_plugins() {
    let s = TestServer::manual().await;
    s.create_pool("snap", 2).await;
    s.advance(NODE_CREATE).await;
    let pool = pool_name("snap");

    insta::assert_json_snapshot!("pool", shape(s.pool(&pool).await));
    // Nodes list by name, which is random: take the one with the first address.
    let mut nodes = s.nodes(&pool).await;
    nodes.sort_by_key(|n| {
        n["status"]["privateIp"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    });
    insta::assert_json_snapshot!("node", shape(nodes[0].clone()));
    let node_pools = s
        .call(
            "GET",
            &format!("{}/{pool}/nodepools", s.pools_path()),
            &[],
            None,
        )
        .await;
    insta::assert_json_snapshot!("node_pools", shape(node_pools.body));
    let plugins = s
        .call(
            "GET",
            &format!("{}/{pool}/plugins", s.pools_path()),
            &[],
            None,
        )
        .await;
    insta::assert_json_snapshot!("plugins", shape(plugins.body));
    let quotas = s
        .call("GET", &format!("/v1/{PROJECT}/quotas"), &[], None)
        .await;
    insta::assert_json_snapshot!("os_quotas", shape(quotas.body));
}
