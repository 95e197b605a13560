//! Node pools over HTTP on the manual clock: each is one entry of the
//! pool's `spec.resources`, and scaling one is scaling the pool.

use respool_testkit::{bucket, pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::{json, Value};

const NODE_DELETE: f64 = 180.0;
const CPU: &str = "modelarts.vm.cpu.4ud";
const DEFAULT_NP: &str = "modelarts.vm.cpu.4ud-default";

fn node_pool_body(name: &str, count: i64) -> Value {
    json!({
        "apiVersion": "v2",
        "kind": "NodePool",
        "metadata": {"name": name},
        "spec": {"resources": {
            "flavor": CPU,
            "count": count,
            "labels": {"team": "vision"},
            "taints": [{"key": "dedicated", "value": "vision", "effect": "NoSchedule"}],
            "tags": [{"key": "cost-center", "value": "42"}],
            "os": {"name": "Ubuntu 22.04 server 64bit"}
        }}
    })
}

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_unnamed_resource_is_its_flavors_default_node_pool() {
    let s = TestServer::manual().await;
    let created = s.create_pool("np-default", 2).await;
    assert_eq!(created["spec"]["resources"][0]["nodePool"], DEFAULT_NP);
    s.advance(NODE_CREATE).await;
    let pool = pool_name("np-default");
    let p = s.pool(&pool).await;
    assert_eq!(
        p["status"]["resources"]["available"][0]["nodePool"],
        DEFAULT_NP
    );

    let r = s.node_pool_call("GET", &pool, None, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "NodePoolList");
    assert_eq!(names(&r.body), vec![DEFAULT_NP]);
    let np = &r.body["items"][0];
    assert_eq!(np["kind"], "NodePool");
    assert_eq!(np["spec"]["resources"]["count"], 2);
    // One object per bucket, not an array.
    assert_eq!(np["status"]["resources"]["available"]["count"], 2);
    assert_eq!(
        np["status"]["resources"]["available"]["nodePool"],
        DEFAULT_NP
    );
    assert!(np["status"]["resources"].get("creating").is_none());

    for n in s.nodes(&pool).await {
        assert_eq!(
            n["metadata"]["labels"]["os.modelarts.node/nodepool"],
            DEFAULT_NP
        );
    }
}

#[tokio::test]
async fn a_node_pool_of_the_same_flavor_scales_as_the_pool_does() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("np-scale", 1).await;

    let r = s
        .node_pool_call("POST", &pool, None, Some(&node_pool_body("vision", 2)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["metadata"]["name"], "vision");
    assert_eq!(r.body["spec"]["resources"]["nodePool"], "vision");
    assert!(
        r.body.get("status").is_none(),
        "a create answers without status"
    );

    // The pool's spec gains the entry; its nodes are being created.
    let p = s.pool(&pool).await;
    let pools: Vec<&str> = p["spec"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["nodePool"].as_str().unwrap())
        .collect();
    assert_eq!(pools, vec![DEFAULT_NP, "vision"]);
    assert_eq!(p["status"]["phase"], "Running");
    assert_eq!(bucket(&p, "creating"), 2);
    assert_eq!(
        s.node_pool(&pool, "vision").await["status"]["resources"]["creating"]["count"],
        2
    );

    // It is an order, as any scaling is.
    let r = s
        .call(
            "GET",
            &format!("/v1/{PROJECT}/orders"),
            &[("involvedName", &pool)],
            None,
        )
        .await;
    assert_eq!(r.body["count"], 2, "{}", r.text);

    s.advance(NODE_CREATE).await;
    let r = s.node_pool_nodes(&pool, "vision", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let nodes = r.body["items"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    for n in nodes {
        assert_eq!(n["status"]["phase"], "Available");
        let labels = &n["metadata"]["labels"];
        assert_eq!(labels["os.modelarts.node/nodepool"], "vision");
        assert_eq!(labels["team"], "vision");
        assert_eq!(n["spec"]["taints"][0]["effect"], "NoSchedule");
        assert_eq!(n["spec"]["os"]["name"], "Ubuntu 22.04 server 64bit");
        let tags = n["metadata"]["annotations"]["os.modelarts/tms.tags"]
            .as_str()
            .unwrap_or_default();
        assert!(tags.contains("cost-center"), "{tags}");
    }
    assert_eq!(s.nodes(&pool).await.len(), 3);

    // PATCH scales the node pool; its flavor and name stay.
    let patch = json!({"spec": {"resources": {"count": 3}}});
    let r = s
        .node_pool_call("PATCH", &pool, Some("vision"), Some(&patch))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["resources"]["count"], 3);
    assert_eq!(r.body["spec"]["resources"]["labels"]["team"], "vision");
    s.advance(NODE_CREATE).await;
    assert_eq!(
        s.node_pool(&pool, "vision").await["status"]["resources"]["available"]["count"],
        3
    );
    let flavor = json!({"spec": {"resources": {"flavor": "modelarts.vm.cpu.8ud"}}});
    let r = s
        .node_pool_call("PATCH", &pool, Some("vision"), Some(&flavor))
        .await;
    assert!(r.assert_error(400, "ModelArts.50004000").contains("flavor"));

    // Delete answers the node pool as it was; its nodes go, the others stay.
    let r = s
        .node_pool_call("DELETE", &pool, Some("vision"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"]["resources"]["available"]["count"], 3);
    assert_eq!(bucket(&s.pool(&pool).await, "deleting"), 3);
    s.advance(NODE_DELETE).await;
    assert_eq!(s.nodes(&pool).await.len(), 1);
    let r = s.node_pool_call("GET", &pool, None, None).await;
    assert_eq!(names(&r.body), vec![DEFAULT_NP]);
    s.node_pool_call("GET", &pool, Some("vision"), None)
        .await
        .assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn the_pool_patch_and_the_node_pool_calls_change_the_same_entries() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("np-same", 1).await;
    // Two entries of one flavor, told apart by their node pool.
    let patch = json!({"spec": {"resources": [
        {"flavor": CPU, "count": 1},
        {"flavor": CPU, "count": 2, "nodePool": "batch"}
    ]}});
    let r = s.patch_pool(&pool, &patch).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    let np = s.node_pool(&pool, "batch").await;
    assert_eq!(np["status"]["resources"]["available"]["count"], 2);
    assert_eq!(np["spec"]["resources"]["flavor"], CPU);
    // The default node pool kept its one node.
    let np = s.node_pool(&pool, DEFAULT_NP).await;
    assert_eq!(np["status"]["resources"]["available"]["count"], 1);

    // Scaling the node pool is seen in the pool's spec.
    let r = s
        .node_pool_call(
            "PATCH",
            &pool,
            Some("batch"),
            Some(&json!({"spec": {"resources": {"count": 1}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = s.pool(&pool).await;
    assert_eq!(p["spec"]["resources"][1]["count"], 1);
    assert_eq!(bucket(&p, "deleting"), 1);

    // Two entries naming one node pool are refused.
    let twice = json!({"spec": {"resources": [
        {"flavor": CPU, "count": 1},
        {"flavor": CPU, "count": 1}
    ]}});
    let msg = s
        .patch_pool(&pool, &twice)
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains("appears twice"), "{msg}");
}

#[tokio::test]
async fn node_pool_names_and_refusals_follow_the_service() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("np-rules", 1).await;
    for bad in [
        "a",
        "Upper",
        "ends-",
        "my-default",
        "9lives",
        &"x".repeat(51),
    ] {
        let r = s
            .node_pool_call("POST", &pool, None, Some(&node_pool_body(bad, 1)))
            .await;
        let msg = r.assert_error(400, "ModelArts.50004000");
        assert!(msg.contains("invalid nodepool name"), "{bad}: {msg}");
    }
    let r = s
        .node_pool_call("POST", &pool, None, Some(&node_pool_body("dup", 1)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .node_pool_call("POST", &pool, None, Some(&node_pool_body("dup", 1)))
        .await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("already exists"));

    let mut bad_taint = node_pool_body("tainted", 1);
    bad_taint["spec"]["resources"]["taints"][0]["effect"] = json!("Sometimes");
    let r = s
        .node_pool_call("POST", &pool, None, Some(&bad_taint))
        .await;
    assert!(r.assert_error(400, "ModelArts.50004000").contains("effect"));
    let mut bad_flavor = node_pool_body("nowhere", 1);
    bad_flavor["spec"]["resources"]["flavor"] = json!("modelarts.vm.none");
    let r = s
        .node_pool_call("POST", &pool, None, Some(&bad_flavor))
        .await;
    assert!(r.assert_error(400, "ModelArts.50004000").contains("flavor"));

    for method in ["GET", "PATCH", "DELETE"] {
        let body = (method == "PATCH").then(|| json!({"spec": {"resources": {"count": 2}}}));
        let r = s
            .node_pool_call(method, &pool, Some("missing"), body.as_ref())
            .await;
        r.assert_error(404, "ModelArts.50015001");
    }
    s.node_pool_nodes(&pool, "missing", &[])
        .await
        .assert_error(404, "ModelArts.50015001");
    s.node_pool_call("GET", &pool_name("nope"), None, None)
        .await
        .assert_error(404, "ModelArts.50015001");

    // The last node pool goes only with its pool.
    s.node_pool_call("DELETE", &pool, Some("dup"), None).await;
    let r = s
        .node_pool_call("DELETE", &pool, Some(DEFAULT_NP), None)
        .await;
    assert!(r.assert_error(400, "ModelArts.50004000").contains("last"));
}

#[tokio::test]
async fn a_yearly_monthly_pool_keeps_its_node_pools_and_a_creating_pool_takes_none() {
    let s = TestServer::manual().await;
    let mut body = pool_body("np-paid", 1);
    body["metadata"]["annotations"] =
        json!({"os.modelarts/billing.mode": "1", "os.modelarts/auto.pay": "1"});
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pool = pool_name("np-paid");
    // Still creating: no node pool can be added yet.
    let r = s
        .node_pool_call("POST", &pool, None, Some(&node_pool_body("early", 1)))
        .await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("Running"));

    s.advance(NODE_CREATE).await;
    let r = s
        .node_pool_call("POST", &pool, None, Some(&node_pool_body("extra", 1)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    let r = s.node_pool_call("DELETE", &pool, Some("extra"), None).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("yearly/monthly"));
}

#[tokio::test]
async fn a_node_pools_nodes_page_with_limit_and_continue() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("np-page", 1).await;
    let r = s
        .node_pool_call("POST", &pool, None, Some(&node_pool_body("paged", 3)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut q = vec![("limit", "2")];
        if let Some(t) = &token {
            q.push(("continue", t));
        }
        let r = s.node_pool_nodes(&pool, "paged", &q).await;
        assert_eq!(r.status, 200, "{}", r.text);
        for n in r.body["items"].as_array().unwrap() {
            assert_eq!(
                n["metadata"]["labels"]["os.modelarts.node/nodepool"],
                "paged"
            );
            seen.push(n["metadata"]["name"].as_str().unwrap().to_owned());
        }
        match r.body["metadata"]["continue"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3);
    s.node_pool_nodes(&pool, "paged", &[("limit", "x")])
        .await
        .assert_error(400, "ModelArts.50004000");
}
