//! Quotas and network addresses over HTTP on the manual clock: what the
//! quota calls count, and pool creates and scales refused past a quota or
//! past the free addresses of the pool's network.

use respool_testkit::{pool_body, pool_name, TestServer, PROJECT};
use serde_json::{json, Value};

fn os_entry(body: &Value, kind: &str) -> (String, String) {
    let r = body["quotas"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} quota"))
        .clone();
    (
        r["quota"].as_str().expect("quota is a string").to_owned(),
        r["used"].as_str().expect("used is a string").to_owned(),
    )
}

fn ws_entry(body: &Value, resource: &str) -> Value {
    body["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["resource"] == resource)
        .unwrap_or_else(|| panic!("no {resource} quota"))
        .clone()
}

fn on_network(display: &str, count: i64, network: &str) -> Value {
    let mut body = pool_body(display, count);
    body["spec"]["network"]["name"] = json!(network);
    body
}

#[tokio::test]
async fn os_quotas_count_the_project_and_refuse_past_their_limit() {
    let s = TestServer::manual().await;
    let before = s.os_quotas().await;
    assert_eq!(os_entry(&before, "pool"), ("1000".into(), "0".into()));
    assert_eq!(os_entry(&before, "network"), ("1000".into(), "0".into()));
    assert_eq!(os_entry(&before, "node").1, "0");
    s.create_pool("osq-one", 3).await;
    s.create_network("osq-net", "192.168.0.0/16").await;
    let after = s.os_quotas().await;
    assert_eq!(os_entry(&after, "pool").1, "1");
    assert_eq!(os_entry(&after, "network").1, "1");
    assert_eq!(os_entry(&after, "node").1, "3");

    let r = s
        .admin(
            "PUT",
            &format!("/_respool/quotas/{PROJECT}"),
            Some(&json!({"pool": 1, "network": 1, "node": 4})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(os_entry(&r.body, "pool"), ("1".into(), "1".into()));
    let r = s.create_with(&pool_body("osq-two", 1)).await;
    let msg = r.assert_error(400, "ModelArts.0116");
    assert_eq!(msg, "The expected pool exceeds the quota limit.");
    let body = json!({"apiVersion": "v1", "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": "osq-net-two"}}, "spec": {"cidr": "172.16.0.0/16"}});
    let r = s.call("POST", &s.networks_path(), &[], Some(&body)).await;
    r.assert_error(400, "ModelArts.0116");
    // Nodes: 3 of 4 used, so a scale to 4 passes and one to 5 does not.
    let pool = pool_name("osq-one");
    s.advance(720.0).await;
    let r = s.scale(&pool, 4).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.scale(&pool, 5).await.assert_error(400, "ModelArts.0116");
    // Shrinking is never refused, even past a lowered limit.
    s.admin(
        "PUT",
        &format!("/_respool/quotas/{PROJECT}"),
        Some(&json!({"node": 1})),
    )
    .await;
    assert_eq!(s.os_quotas().await["quotas"]["resources"][2]["quota"], "1");

    for bad in [json!({"pool": -2}), json!({"vpc": 3})] {
        let r = s
            .admin("PUT", &format!("/_respool/quotas/{PROJECT}"), Some(&bad))
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    // Lifted again: -1 is no limit.
    let r = s.create_with(&pool_body("osq-three", 1)).await;
    assert_eq!(
        r.assert_error(400, "ModelArts.0116"),
        "The expected pool exceeds the quota limit."
    );
    s.admin(
        "PUT",
        &format!("/_respool/quotas/{PROJECT}"),
        Some(&json!({"pool": -1})),
    )
    .await;
    let r = s.create_with(&pool_body("osq-three", 1)).await;
    assert_eq!(
        r.assert_error(400, "ModelArts.0116"),
        "The expected node exceeds the quota limit."
    );
    s.admin(
        "PUT",
        &format!("/_respool/quotas/{PROJECT}"),
        Some(&json!({"node": -1})),
    )
    .await;
    assert_eq!(s.create_with(&pool_body("osq-three", 1)).await.status, 200);
}

#[tokio::test]
async fn workspace_quotas_are_set_within_bounds_and_enforced() {
    let s = TestServer::manual().await;
    let r = s.ws_quotas("0").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pool_q = ws_entry(&r.body, "modelarts.pool");
    assert_eq!(pool_q["quota"], -1);
    assert_eq!(pool_q["min_quota"], -1);
    assert_eq!(pool_q["max_quota"], 1000);
    assert!(
        pool_q.get("used_quota").is_none(),
        "no used_quota without a limit"
    );
    let created = pool_q["update_time"].as_i64().unwrap();

    s.advance(5.0).await;
    let r = s
        .set_ws_quotas("0", json!([{"resource": "modelarts.pool", "quota": 1}, {"resource": "modelarts.pool.node", "quota": 3}]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["quotas"].as_array().unwrap().len(), 2);
    assert_eq!(ws_entry(&r.body, "modelarts.pool")["quota"], 1);
    assert!(
        ws_entry(&r.body, "modelarts.pool")["update_time"]
            .as_i64()
            .unwrap()
            > created
    );

    assert_eq!(s.create_with(&pool_body("wsq-one", 2)).await.status, 200);
    let r = s.ws_quotas("0").await;
    assert_eq!(ws_entry(&r.body, "modelarts.pool")["used_quota"], 1);
    assert_eq!(ws_entry(&r.body, "modelarts.pool.node")["used_quota"], 2);
    let msg = s
        .create_with(&pool_body("wsq-two", 1))
        .await
        .assert_error(400, "ModelArts.0116")
        .to_owned();
    assert!(msg.contains("modelarts.pool"), "{msg}");
    let pool = pool_name("wsq-one");
    s.advance(720.0).await;
    let r = s.scale(&pool, 3).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.scale(&pool, 4).await.assert_error(400, "ModelArts.0116");

    // Another workspace has quotas of its own.
    let ws = s.create_workspace("wsq-other").await;
    let mut body = pool_body("wsq-three", 1);
    body["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(ws);
    assert_eq!(s.create_with(&body).await.status, 200);
    // A move into a workspace at its pool quota is refused.
    let r = s
        .set_ws_quotas(&ws, json!([{"resource": "modelarts.pool", "quota": 1}]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let moved = json!({"metadata": {"labels": {"os.modelarts/workspace.id": ws}}});
    s.patch_pool(&pool, &moved)
        .await
        .assert_error(400, "ModelArts.0116");
    // A patch that changes no count passes even at the limit.
    let described = json!({"metadata": {"annotations": {"os.modelarts/description": "same size"}}});
    let r = s.patch_pool(&pool, &described).await;
    assert_eq!(r.status, 200, "{}", r.text);

    for bad in [
        json!([{"resource": "modelarts.pool", "quota": 1001}]),
        json!([{"resource": "modelarts.pool", "quota": -2}]),
        json!([{"resource": "no.such.quota", "quota": 1}]),
        json!([]),
    ] {
        let r = s.set_ws_quotas("0", bad.clone()).await;
        r.assert_error(400, "ModelArts.50004000");
    }
    s.ws_quotas("0123456789abcdef0123456789abcdef")
        .await
        .assert_error(400, "ModelArts.7005");
    s.set_ws_quotas(
        "0123456789abcdef0123456789abcdef",
        json!([{"resource": "modelarts.pool", "quota": 1}]),
    )
    .await
    .assert_error(400, "ModelArts.7005");
}

#[tokio::test]
async fn network_addresses_are_counted_and_exhaustion_is_refused() {
    let s = TestServer::manual().await;
    let net = s.create_network("ipnet", "192.168.10.0/24").await;
    let r = s.ips(&net, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let subnet = &r.body["subnetIpAvailability"][0];
    assert_eq!(subnet["cidr"], "192.168.10.0/24");
    assert_eq!(subnet["ipVersion"], 4);
    assert_eq!(subnet["totalIps"], 253);
    assert_eq!(subnet["usedIps"], 0);
    let id = r.body["networkId"].as_str().unwrap().to_owned();
    assert!(!id.is_empty());

    let r = s.create_with(&on_network("ip-big", 250, &net)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Pools on other networks hold none of these addresses.
    assert_eq!(
        s.create_with(&pool_body("ip-elsewhere", 5)).await.status,
        200
    );
    let r = s.ips(&net, &[("network_id", &id)]).await;
    assert_eq!(r.body["subnetIpAvailability"][0]["usedIps"], 250);

    let r = s.create_with(&on_network("ip-small", 4, &net)).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("3 available IP addresses"), "{msg}");
    assert_eq!(
        s.create_with(&on_network("ip-small", 3, &net)).await.status,
        200
    );
    let r = s.ips(&net, &[]).await;
    assert_eq!(r.body["subnetIpAvailability"][0]["usedIps"], 253);
    s.scale(&pool_name("ip-big"), 251)
        .await
        .assert_error(400, "ModelArts.50004000");
    // Once nodes are gone their addresses are free again.
    s.advance(720.0).await;
    let r = s.scale(&pool_name("ip-small"), 1).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(3600.0).await;
    let r = s.ips(&net, &[]).await;
    assert_eq!(r.body["subnetIpAvailability"][0]["usedIps"], 251);
    assert_eq!(s.scale(&pool_name("ip-big"), 252).await.status, 200);

    s.ips(&net, &[("network_id", "not-the-subnet")])
        .await
        .assert_error(404, "ModelArts.50025001");
    s.ips("no-such-network", &[])
        .await
        .assert_error(404, "ModelArts.50025001");
}

/// The Terraform provider's `huaweicloud_modelarts_workspace_quotas` data
/// source: one GET, `quotas[]` with `update_time` read as a number.
#[tokio::test]
async fn the_terraform_workspace_quotas_data_source_reads_every_field() {
    let s = TestServer::manual().await;
    let ws = s.create_workspace("tf-quotas").await;
    let path = format!("/v1/{PROJECT}/workspaces/{ws}/quotas");
    let r = s
        .call_go("GET", &path, &[], Some("application/json"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let quotas = r.body["quotas"].as_array().unwrap();
    assert!(!quotas.is_empty());
    for q in quotas {
        for key in ["resource", "name_cn", "name_en", "unit_cn", "unit_en"] {
            assert!(q[key].is_string(), "{key} of {q}");
        }
        for key in ["quota", "min_quota", "max_quota", "update_time"] {
            assert!(q[key].is_i64(), "{key} of {q}");
        }
    }
}
