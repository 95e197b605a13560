//! Workloads over HTTP on the manual clock: declared through the admin API,
//! placed on nodes, queued until they fit, and followed by the nodes'
//! `availableResources`, the workload statistics and the runtime metrics.

use respool_testkit::{TestServer, NODE_CREATE, PROJECT};
use serde_json::{json, Value};

fn millis(q: &Value) -> u64 {
    let s = q.as_str().unwrap();
    s.strip_suffix('m').unwrap().parse().unwrap()
}

fn mebis(q: &Value) -> u64 {
    let s = q.as_str().unwrap();
    s.strip_suffix("Mi").unwrap().parse().unwrap()
}

fn status_count(stats: &Value, kind: &str, status: &str) -> i64 {
    stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == kind)
        .unwrap()["status"][status]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_workload_is_placed_and_the_node_and_metrics_follow() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("wl-place", 1).await;
    let node = &s.nodes(&pool).await[0];
    let cap_cpu = millis(&node["status"]["resources"]["cpu"]);
    let cap_mem = mebis(&node["status"]["resources"]["memory"]);
    assert_eq!(
        node["status"]["availableResources"],
        node["status"]["resources"]
    );

    let r = s
        .add_workload(
            &pool,
            json!({"name": "train-a", "type": "train", "resources": {"cpu": "1500m", "memory": "2Gi"},
                   "runningSeconds": 600, "userName": "alice"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "Running");
    assert_eq!(r.body["hostIps"], node["status"]["privateIp"]);

    let node = &s.nodes(&pool).await[0];
    assert_eq!(
        millis(&node["status"]["availableResources"]["cpu"]),
        cap_cpu - 1500
    );
    assert_eq!(
        mebis(&node["status"]["availableResources"]["memory"]),
        cap_mem - 2048
    );

    let m = s.metrics_of(&pool).await;
    assert_eq!(millis(&m["table"]["allocated"]["value"]["cpu"]), 1500);
    assert_eq!(millis(&m["table"]["capacity"]["value"]["cpu"]), cap_cpu);
    assert_eq!(
        millis(&m["table"]["available"]["value"]["cpu"]),
        cap_cpu - 1500
    );
    assert_eq!(m["table"]["workload"]["allocated"]["train"], 1);
    assert_eq!(m["table"]["workload"]["allocated"]["sum"], 1);

    let st = s.stats(&pool).await;
    assert_eq!(st["total"], 1);
    assert_eq!(status_count(&st, "train", "Running"), 1);

    // It finishes on the clock and gives its share back.
    s.advance(600.0).await;
    let w = s.workload(&pool, "train-a").await;
    assert_eq!(w["status"], "Completed");
    assert_eq!(w["runningDuration"], 600);
    let node = &s.nodes(&pool).await[0];
    assert_eq!(
        node["status"]["availableResources"],
        node["status"]["resources"]
    );
    let st = s.stats(&pool).await;
    assert_eq!(status_count(&st, "train", "Completed"), 1);
    assert_eq!(status_count(&st, "train", "Running"), 0);
}

#[tokio::test]
async fn a_workload_that_does_not_fit_waits_until_capacity_frees() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("wl-queue", 1).await;
    let node = &s.nodes(&pool).await[0];
    let cap = millis(&node["status"]["resources"]["cpu"]);
    let big = format!("{}m", cap - 100);
    let r = s
        .add_workload(
            &pool,
            json!({"name": "big-one", "resources": {"cpu": big}, "runningSeconds": 300}),
        )
        .await;
    assert_eq!(r.body["status"], "Running", "{}", r.text);
    let r = s
        .add_workload(&pool, json!({"name": "big-two", "resources": {"cpu": big}, "runningSeconds": 300, "outcome": "Failed"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "Queue");
    assert_eq!(r.body["pendingPosition"], 1);
    assert_eq!(r.body["hostIps"], "");
    let m = s.metrics_of(&pool).await;
    assert_eq!(m["table"]["workload"]["queue"]["sum"], 1);
    // A small one fits beside the first and is not held up by the queue.
    let r = s
        .add_workload(&pool, json!({"name": "small", "resources": {"cpu": "50m"}}))
        .await;
    assert_eq!(r.body["status"], "Running", "{}", r.text);

    // The first finishes: the queued one starts then, and later fails.
    s.advance(300.0).await;
    let w = s.workload(&pool, "big-two").await;
    assert_eq!(w["status"], "Running");
    assert_eq!(w["pendingDuration"], 300);
    s.advance(300.0).await;
    assert_eq!(s.workload(&pool, "big-two").await["status"], "Failed");
    let st = s.stats(&pool).await;
    assert_eq!(status_count(&st, "train", "Failed"), 1);
    assert_eq!(status_count(&st, "train", "Completed"), 1);
    assert_eq!(status_count(&st, "train", "Running"), 1);
}

#[tokio::test]
async fn a_queued_workload_is_placed_on_a_node_added_by_a_scale() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("wl-scale", 1).await;
    let cap = millis(&s.nodes(&pool).await[0]["status"]["resources"]["cpu"]);
    let most = format!("{}m", cap - 10);
    for name in ["first", "second"] {
        let r = s
            .add_workload(
                &pool,
                json!({"name": name, "type": "infer", "resources": {"cpu": most}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    assert_eq!(s.workload(&pool, "second").await["status"], "Queue");
    let r = s.scale(&pool, 2).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    let second = s.workload(&pool, "second").await;
    assert_eq!(second["status"], "Running");
    let first = s.workload(&pool, "first").await;
    assert_ne!(first["hostIps"], second["hostIps"]);
    let m = s.metrics_of(&pool).await;
    assert_eq!(
        millis(&m["table"]["allocated"]["value"]["cpu"]),
        2 * (cap - 10)
    );
    assert_eq!(millis(&m["table"]["capacity"]["value"]["cpu"]), 2 * cap);
    assert_eq!(millis(&m["table"]["capacity"]["maxValue"]["cpu"]), cap);
    assert_eq!(m["table"]["workload"]["allocated"]["infer"], 2);
}

#[tokio::test]
async fn deleting_a_workload_frees_its_node_and_lets_the_queue_in() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("wl-delete", 1).await;
    let cap = millis(&s.nodes(&pool).await[0]["status"]["resources"]["cpu"]);
    let most = format!("{}m", cap);
    s.add_workload(&pool, json!({"name": "holder", "resources": {"cpu": most}}))
        .await;
    s.add_workload(&pool, json!({"name": "waiter", "resources": {"cpu": most}}))
        .await;
    assert_eq!(s.workload(&pool, "waiter").await["status"], "Queue");
    let r = s
        .admin(
            "DELETE",
            &format!("/_respool/pools/{PROJECT}/{pool}/workloads/holder"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "holder");
    assert_eq!(s.workload(&pool, "waiter").await["status"], "Running");
    let names: Vec<Value> = s
        .workloads(&pool, &[])
        .await
        .iter()
        .map(|w| w["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("waiter")]);
    let r = s
        .admin(
            "DELETE",
            &format!("/_respool/pools/{PROJECT}/{pool}/workloads/holder"),
            None,
        )
        .await;
    r.assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn listing_filters_pages_and_refuses_bad_input() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("wl-list", 1).await;
    for (i, kind) in ["train", "infer", "notebook"].iter().enumerate() {
        s.add_workload(
            &pool,
            json!({"name": format!("w{i}"), "type": kind, "resources": {"cpu": "10m"}}),
        )
        .await;
        s.advance(1.0).await;
    }
    assert_eq!(s.workloads(&pool, &[]).await.len(), 3);
    let infer = s.workloads(&pool, &[("type", "infer")]).await;
    assert_eq!(infer.len(), 1);
    assert_eq!(infer[0]["name"], "w1");
    assert_eq!(s.workloads(&pool, &[("status", "Queue")]).await.len(), 0);
    let page: Vec<Value> = s
        .workloads(&pool, &[("limit", "2"), ("offset", "1")])
        .await
        .iter()
        .map(|w| w["name"].clone())
        .collect();
    assert_eq!(page, vec![json!("w1"), json!("w2")]);
    let newest = s.workloads(&pool, &[("sort", "create_time")]).await;
    assert_eq!(newest[0]["name"], "w2");
    let ip = s.nodes(&pool).await[0]["status"]["privateIp"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        s.workloads(&pool, &[("hostip", &ip), ("limit", "1")])
            .await
            .len(),
        3
    );
    assert_eq!(s.workloads(&pool, &[("hostip", "10.9.9.9")]).await.len(), 0);

    let path = format!("/v2/{PROJECT}/pools/{pool}/workloads");
    for q in [
        ("limit", "501"),
        ("type", "batch"),
        ("status", "Done"),
        ("sort", "name"),
        ("offset", "-1"),
    ] {
        let r = s.call("GET", &path, &[q], None).await;
        r.assert_error(400, "ModelArts.50004000");
    }
    let r = s
        .call(
            "GET",
            &format!("/v2/{PROJECT}/pools/nope-pool/workloads"),
            &[],
            None,
        )
        .await;
    r.assert_error(404, "ModelArts.50015001");

    let bad = [
        json!({"name": "x1", "resources": {}}),
        json!({"name": "Bad_Name", "resources": {"cpu": "1"}}),
        json!({"name": "x2", "resources": {"cpu": "lots"}}),
        json!({"name": "x3", "type": "batch", "resources": {"cpu": "1"}}),
        json!({"name": "x4", "resources": {"cpu": "1"}, "nodeName": "no-such-node"}),
        json!({"name": "w0", "resources": {"cpu": "1"}}),
    ];
    for body in bad {
        let r = s.add_workload(&pool, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
    }
}

#[tokio::test]
async fn a_pinned_workload_waits_for_its_node() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("wl-pin", 2).await;
    let nodes = s.nodes(&pool).await;
    let target = nodes[1]["metadata"]["name"].as_str().unwrap().to_owned();
    let cap = millis(&nodes[1]["status"]["resources"]["cpu"]);
    let r = s
        .add_workload(&pool, json!({"name": "pinned-a", "resources": {"cpu": format!("{cap}m")}, "nodeName": target, "runningSeconds": 60}))
        .await;
    assert_eq!(
        r.body["hostIps"], nodes[1]["status"]["privateIp"],
        "{}",
        r.text
    );
    let r = s
        .add_workload(
            &pool,
            json!({"name": "pinned-b", "resources": {"cpu": "1"}, "nodeName": target}),
        )
        .await;
    // The other node is free, but the workload may run only on its own.
    assert_eq!(r.body["status"], "Queue");
    s.advance(60.0).await;
    let w = s.workload(&pool, "pinned-b").await;
    assert_eq!(w["status"], "Running");
    assert_eq!(w["hostIps"], nodes[1]["status"]["privateIp"]);
}

/// The Terraform provider's `huaweicloud_modelartsv2_resource_pool_workloads`
/// data source: `?limit=500&...&offset=N`, paging until a page is short, and
/// reading each workload's fields by their wire names.
#[tokio::test]
async fn the_terraform_workloads_data_source_reads_every_field() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("wl-terraform", 1).await;
    for i in 0..3 {
        s.add_workload(&pool, json!({"name": format!("tf-{i}"), "resources": {"cpu": "100m", "memory": "128Mi"}, "jobName": "job-tf"}))
            .await;
        s.advance(1.0).await;
    }
    let path = format!("/v2/{PROJECT}/pools/{pool}/workloads");
    let mut offset = 0;
    let mut all = Vec::new();
    loop {
        let off = offset.to_string();
        let q = [
            ("limit", "500"),
            ("type", "train"),
            ("sort", "create_time"),
            ("ascend", "true"),
            ("offset", off.as_str()),
        ];
        let r = s
            .call_go("GET", &path, &q, Some("application/json"), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap().clone();
        let n = items.len();
        all.extend(items);
        if n < 500 {
            break;
        }
        offset += n;
    }
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["name"], "tf-0");
    for w in &all {
        for key in [
            "apiVersion",
            "kind",
            "type",
            "namespace",
            "name",
            "jobName",
            "uid",
            "jobUUID",
            "flavor",
            "status",
            "priority",
            "gvk",
            "hostIps",
        ] {
            assert!(w[key].is_string(), "{key} of {w}");
        }
        for key in [
            "runningDuration",
            "pendingDuration",
            "pendingPosition",
            "createTime",
        ] {
            assert!(w[key].is_i64(), "{key} of {w}");
        }
        assert_eq!(w["jobName"], "job-tf");
        assert_eq!(w["resourceRequirement"]["cpu"], "100m");
        assert_eq!(w["nodes"][0]["resourceRequirement"]["memory"], "128Mi");
        assert!(w["nodes"][0]["hostIp"].is_string());
    }
}
