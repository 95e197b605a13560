//! The admin API: hidden unless enabled and authorized, the clock, fault
//! rules, reset, and the request log.

use respool_core::timing::TimingProfile;
use respool_testkit::{pool_name, Options, TestServer, ADMIN_TOKEN, AK};
use serde_json::json;

#[tokio::test]
async fn without_a_token_configured_there_is_no_admin_api() {
    let s = TestServer::start(TimingProfile::Manual).await;
    for (method, path) in [
        ("GET", "/_respool/clock"),
        ("POST", "/_respool/clock/advance"),
        ("GET", "/_respool/faults"),
        ("POST", "/_respool/reset"),
        ("GET", "/_respool/nothing"),
    ] {
        let r = s.admin(method, path, Some(&json!({"seconds": 1}))).await;
        r.assert_error(404, "APIGW.0101");
    }
}

#[tokio::test]
async fn only_the_admin_token_opens_it() {
    let s = TestServer::manual().await;
    for auth in [
        None,
        Some("Bearer wrong".to_owned()),
        Some(ADMIN_TOKEN.to_owned()),
    ] {
        let mut req = s.http.get(format!("{}/_respool/clock", s.base));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        s.raw(req).await.assert_error(404, "APIGW.0101");
    }
    let r = s.admin("GET", "/_respool/clock", None).await;
    assert_eq!(r.status, 200);
    s.admin("GET", "/_respool/nothing", None)
        .await
        .assert_error(404, "APIGW.0101");
}

#[tokio::test]
async fn the_clock_moves_only_when_advanced() {
    let s = TestServer::manual().await;
    let c = s.admin("GET", "/_respool/clock", None).await.body;
    assert_eq!(c["frozen"], true);
    assert_eq!(c["timing"], "manual");
    assert!(c["now"].as_str().unwrap().ends_with('Z'));
    let t0 = c["nowMs"].as_i64().unwrap();
    let after = s.advance(90.5).await;
    assert_eq!(after["nowMs"].as_i64().unwrap(), t0 + 90_500);
    assert_eq!(
        s.admin("GET", "/_respool/clock", None).await.body["nowMs"],
        t0 + 90_500
    );
    for bad in [
        json!({"seconds": -1}),
        json!({"seconds": "x"}),
        json!({"secs": 1}),
        json!({}),
    ] {
        s.admin("POST", "/_respool/clock/advance", Some(&bad))
            .await
            .assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn a_running_clock_can_be_pushed_forward_too() {
    let s = TestServer::with(Options {
        timing: TimingProfile::Realistic,
        admin_token: Some(ADMIN_TOKEN.into()),
        ..Options::default()
    })
    .await;
    assert_eq!(
        s.admin("GET", "/_respool/clock", None).await.body["frozen"],
        false
    );
    s.create_pool("pool-real", 1).await;
    let name = pool_name("pool-real");
    assert_eq!(s.phase(&name).await, "Creating");
    s.advance(720.0).await;
    assert_eq!(s.phase(&name).await, "Running");
}

#[tokio::test]
async fn fault_rules_are_checked_listed_and_removed() {
    let s = TestServer::manual().await;
    for bad in [
        json!({"labelSelector": "a in (", "effect": "delete-stuck"}),
        json!({"labelSelector": "a=b", "effect": "meteor-strike"}),
        json!({"labelSelector": "a=b", "effect": "delete-stuck", "count": 2}),
        json!({"labelSelector": "a=b", "effect": "nodes-abnormal", "count": 0}),
        json!({"labelSelector": "a=b"}),
        json!({"labelSelector": "a=b", "effect": "delete-stuck", "extra": 1}),
    ] {
        s.admin("POST", "/_respool/faults", Some(&bad))
            .await
            .assert_error(400, "ModelArts.50004000");
    }
    let a = s.add_fault("a=b", "nodes-abnormal", Some(3)).await;
    let b = s.add_fault("", "delete-stuck", None).await;
    let list = s.admin("GET", "/_respool/faults", None).await.body;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], a.as_str());
    assert_eq!(items[0]["labelSelector"], "a=b");
    assert_eq!(items[0]["effect"], "nodes-abnormal");
    assert_eq!(items[0]["count"], 3);
    assert!(items[1].get("count").is_none());
    let one = s.admin("GET", &format!("/_respool/faults/{b}"), None).await;
    assert_eq!(one.body["effect"], "delete-stuck");

    s.remove_fault(&a).await;
    let r = s
        .admin("DELETE", &format!("/_respool/faults/{a}"), None)
        .await;
    assert_eq!(
        r.assert_error(404, "RESPOOL.0404"),
        format!("fault \"{a}\" not found")
    );
    s.admin("GET", &format!("/_respool/faults/{a}"), None)
        .await
        .assert_error(404, "RESPOOL.0404");
    assert_eq!(
        s.admin("GET", "/_respool/faults", None).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn reset_removes_pools_networks_workspaces_and_faults_but_keeps_the_clock() {
    let s = TestServer::manual().await;
    s.create_pool("pool-reset-a", 1).await;
    s.create_pool("pool-reset-b", 1).await;
    s.create_network("net-reset", "192.168.0.0/16").await;
    s.create_workspace("ws-reset").await;
    s.add_fault("", "delete-stuck", None).await;
    let t = s.advance(5.0).await["nowMs"].clone();
    let r = s.admin("POST", "/_respool/reset", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Two workspaces: the one created and the default one, stored when the
    // project's workspaces were first read.
    assert_eq!(
        r.body,
        json!({"deletedPools": 2, "deletedNetworks": 1, "deletedWorkspaces": 2, "deletedFaults": 1})
    );
    assert!(s.list_names(&[]).await.is_empty());
    let networks = s.call("GET", &s.networks_path(), &[], None).await;
    assert_eq!(networks.body["items"], json!([]), "{}", networks.text);
    let workspaces = s.call("GET", &s.workspaces_path(), &[], None).await;
    let ids: Vec<&str> = workspaces.body["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["0"],
        "only the default workspace, stored again: {}",
        workspaces.text
    );
    s.create_network("net-reset", "192.168.0.0/16").await;
    s.create_workspace("ws-reset").await;
    assert_eq!(
        s.admin("GET", "/_respool/faults", None).await.body["items"],
        json!([])
    );
    assert_eq!(
        s.admin("GET", "/_respool/clock", None).await.body["nowMs"],
        t
    );
    // The names are free again.
    s.create_pool("pool-reset-a", 1).await;
}

#[tokio::test]
async fn the_request_log_records_api_calls() {
    let s = TestServer::manual().await;
    s.create_pool("pool-logged", 1).await;
    s.show("nope").await;
    let r = s.admin("GET", "/_respool/requests", None).await;
    assert_eq!(r.status, 200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "admin calls are not logged: {items:?}");
    let create = &items[0];
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], s.pools_path());
    assert_eq!(create["status"], 200);
    assert_eq!(create["accessKey"], AK);
    assert!(create["durationMs"].as_f64().unwrap() >= 0.0);
    assert!(create["requestId"]
        .as_str()
        .is_some_and(|id| id.len() == 32));
    assert_eq!(items[1]["status"], 404);

    let last = s.admin("GET", "/_respool/requests?limit=1", None).await;
    assert_eq!(last.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(last.body["items"][0]["method"], "GET");
}
