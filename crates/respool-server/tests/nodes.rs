//! The node endpoints: NodeList and its paging, one node, batch-delete errors.

use std::collections::BTreeSet;

use respool_testkit::{pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::json;

#[tokio::test]
async fn a_node_looks_like_the_live_service_s() {
    let s = TestServer::manual().await;
    s.create_pool("pool-nodes", 2).await;
    let name = pool_name("pool-nodes");
    let r = s.list_nodes(&name, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "NodeList");
    assert_eq!(r.body["apiVersion"], "v2");
    assert_eq!(r.body["metadata"], json!({}), "one page: no continue");
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);

    let pool = s.pool(&name).await;
    let n = &items[0];
    assert_eq!(n["kind"], "Node");
    assert_eq!(n["apiVersion"], "v2");
    let node_name = n["metadata"]["name"].as_str().unwrap();
    let suffix = node_name
        .strip_prefix("os-node-created-")
        .expect("name shape");
    assert_eq!(suffix.len(), 5);
    assert!(suffix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert!(n["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let labels = &n["metadata"]["labels"];
    assert_eq!(
        labels["os.modelarts.node/nodepool"],
        "modelarts.vm.cpu.4ud-default"
    );
    // Each node has its own resource id, under the pool's.
    let pool_id = pool["metadata"]["labels"]["os.modelarts/resource.id"]
        .as_str()
        .unwrap();
    let node_id = labels["os.modelarts/resource.id"].as_str().unwrap();
    assert!(node_id.starts_with(&format!("{pool_id}-")), "{node_id}");
    assert_eq!(labels["os.modelarts/tenant.project.id"], PROJECT);
    let instance = labels["os.modelarts.node/underlying.instance.id"]
        .as_str()
        .unwrap();
    let parts: Vec<usize> = instance.split('-').map(str::len).collect();
    assert_eq!(parts, vec![8, 4, 4, 4, 12], "a uuid: {instance}");
    // The rest of its shape: snapshots/wire_shapes__node.snap.
    assert_eq!(n["status"]["phase"], "Creating");
    assert!(n["status"]["privateIp"]
        .as_str()
        .unwrap()
        .starts_with("192.168."));
    assert_eq!(n["status"]["resources"]["cpu"], "3920m");
    assert!(n["status"]["resources"]["memory"]
        .as_str()
        .unwrap()
        .ends_with("Mi"));
    assert!(
        n["status"].get("driver").is_none(),
        "CPU nodes have no driver"
    );

    // The same node, alone; the instance id is stable.
    let one = s
        .call(
            "GET",
            &format!("{}/{node_name}", s.nodes_path(&name)),
            &[],
            None,
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(&one.body, n);
    s.advance(NODE_CREATE).await;
    let one = s
        .call(
            "GET",
            &format!("{}/{node_name}", s.nodes_path(&name)),
            &[],
            None,
        )
        .await;
    assert_eq!(one.body["status"]["phase"], "Available");
    assert_eq!(
        one.body["metadata"]["labels"]["os.modelarts.node/underlying.instance.id"],
        instance
    );
}

#[tokio::test]
async fn gpu_nodes_report_their_driver() {
    let s = TestServer::manual().await;
    let mut body = pool_body("pool-gpu", 1);
    body["spec"]["resources"][0]["flavor"] = json!("modelarts.vm.gpu.t4u8");
    assert_eq!(s.create_with(&body).await.status, 200);
    let name = pool_name("pool-gpu");
    let n = &s.nodes(&name).await[0];
    assert_eq!(n["status"]["resources"]["nvidia.com/gpu"], "1");
    assert_eq!(n["status"]["driver"]["phase"], "Pending");
    assert!(n["status"]["driver"]["version"].is_string());
    assert_eq!(
        s.pool(&name).await["status"]["driver"]["gpu"]["state"],
        "Creating"
    );
    s.advance(NODE_CREATE).await;
    let n = &s.nodes(&name).await[0];
    assert_eq!(n["status"]["driver"]["phase"], "Running");
    assert_eq!(
        s.pool(&name).await["status"]["driver"]["gpu"]["state"],
        "Running"
    );
}

#[tokio::test]
async fn node_lists_page_with_opaque_tokens() {
    let s = TestServer::manual().await;
    s.create_pool("pool-many", 5).await;
    let name = pool_name("pool-many");
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut remaining = Vec::new();
    loop {
        let mut q = vec![("limit", "2")];
        if let Some(t) = &token {
            q.push(("continue", t.as_str()));
        }
        let r = s.list_nodes(&name, &q).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|n| n["metadata"]["name"].as_str().unwrap().to_owned()),
        );
        match r.body["metadata"]["continue"].as_str() {
            Some(t) => {
                remaining.push(r.body["metadata"]["remainingItemCount"].as_u64().unwrap());
                token = Some(t.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>().len(),
        5,
        "no node twice"
    );
    assert_eq!(remaining, vec![3, 1]);
    let all: Vec<String> = s
        .nodes(&name)
        .await
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, all, "pages follow the full listing order");

    // limit 0 means the default; out of range and garbled tokens are 400.
    let r = s.list_nodes(&name, &[("limit", "0")]).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 5);
    for bad in ["501", "-1", "ten"] {
        s.list_nodes(&name, &[("limit", bad)])
            .await
            .assert_error(400, "ModelArts.50004000");
    }
    let r = s.list_nodes(&name, &[("continue", "%%garbage%%")]).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("continue"), "{msg}");
}

#[tokio::test]
async fn missing_pools_and_nodes_are_named_in_quotes() {
    let s = TestServer::manual().await;
    s.create_pool("pool-here", 1).await;
    let name = pool_name("pool-here");
    let r = s
        .call(
            "GET",
            &format!("{}/os-node-created-nope0", s.nodes_path(&name)),
            &[],
            None,
        )
        .await;
    let msg = r.assert_error(404, "ModelArts.50015001");
    assert_eq!(msg, "node \"os-node-created-nope0\" not found");

    let missing = "invalid-resource-pool-name";
    let r = s.list_nodes(missing, &[]).await;
    assert_eq!(
        r.assert_error(404, "ModelArts.50015001"),
        format!("pool \"{missing}\" not found")
    );
    let r = s
        .call("GET", &format!("{}/x", s.nodes_path(missing)), &[], None)
        .await;
    r.assert_error(404, "ModelArts.50015001");
    let r = s.delete_nodes(missing, &["x"]).await;
    assert_eq!(
        r.assert_error(404, "ModelArts.50015001"),
        format!("pool \"{missing}\" not found")
    );
}

#[tokio::test]
async fn batch_delete_refuses_what_it_cannot_do() {
    let s = TestServer::manual().await;
    s.create_pool("pool-young", 2).await;
    let name = pool_name("pool-young");
    let node = s.nodes(&name).await[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    // Not while the pool is being created.
    let r = s.delete_nodes(&name, &[&node]).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("Creating"));
    s.advance(NODE_CREATE).await;
    // An empty list, or no list at all.
    s.delete_nodes(&name, &[])
        .await
        .assert_error(400, "ModelArts.50004000");
    s.call(
        "POST",
        &format!("{}/batch-delete", s.nodes_path(&name)),
        &[],
        Some(&json!({})),
    )
    .await
    .assert_error(400, "ModelArts.50004000");
    // The same name twice counts once.
    let r = s.delete_nodes(&name, &[&node, &node]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    // Deleting a node that is already leaving is fine.
    let r = s.delete_nodes(&name, &[&node]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.pool(&name).await["spec"]["resources"][0]["count"], 1);
}

#[tokio::test]
async fn the_api_description_lists_the_node_endpoints() {
    let s = TestServer::manual().await;
    let r = s.raw(s.http.get(format!("{}/openapi.json", s.base))).await;
    let paths = &r.body["paths"];
    assert!(paths["/v2/{project_id}/pools/{pool_name}/nodes"]["get"].is_object());
    assert!(paths["/v2/{project_id}/pools/{pool_name}/nodes/{node_name}"]["get"].is_object());
    assert!(paths["/v2/{project_id}/pools/{pool_name}/nodes/batch-delete"]["post"].is_object());
}
