//! The wire shapes of the main answers, as JSON snapshots (`tests/snapshots/`)
//! taken on the manual clock, with what changes from run to run (times,
//! generated ids and names) redacted. A change of shape shows as a diff; to
//! accept one, run with `INSTA_UPDATE=always` and review the `.snap` files.

use respool_testkit::{pool_name, shape, shape_naming, TestServer, NODE_CREATE, PROJECT};

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

#[tokio::test]
async fn networks_workspaces_flavors_orders_events_and_errors() {
    let s = TestServer::manual().await;
    let ws = s.create_workspace("snap-ws").await;
    let net = s.create_network("snap-net", "192.168.0.0/16").await;
    let named = [(ws.as_str(), "workspace-id")];

    let network = s
        .call("GET", &format!("{}/{net}", s.networks_path()), &[], None)
        .await;
    insta::assert_json_snapshot!("network", shape(network.body));
    let workspace = s
        .call("GET", &format!("{}/{ws}", s.workspaces_path()), &[], None)
        .await;
    insta::assert_json_snapshot!("workspace", shape_naming(workspace.body, &named));
    let flavors = s
        .call("GET", &format!("/v1/{PROJECT}/resourceflavors"), &[], None)
        .await;
    let cpu = flavors.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metadata"]["name"] == "modelarts.vm.cpu.4ud")
        .cloned();
    insta::assert_json_snapshot!("flavor", shape(cpu.expect("the usual flavor")));

    s.create_pool("snap-orders", 1).await;
    s.advance(NODE_CREATE).await;
    let pool = pool_name("snap-orders");
    insta::assert_json_snapshot!("orders", shape(s.orders_of(&pool).await.into()));
    let events = s.events_of(&pool).await;
    insta::assert_json_snapshot!("events", shape(events.body));
    let ws_quotas = s.ws_quotas(&ws).await;
    insta::assert_json_snapshot!("workspace_quotas", shape_naming(ws_quotas.body, &named));

    let missing = s.show("nope").await;
    insta::assert_json_snapshot!("error_not_found", shape(missing.body), {".error_msg" => "[message]"});
}
