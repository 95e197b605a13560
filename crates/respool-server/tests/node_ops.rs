//! Node day-2 operations over HTTP on the manual clock: lock, unlock,
//! reboot, reset, drain, update, bind, migrate, resize, the jobs they start
//! and scheduled events.

use respool_testkit::{bucket, pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::{json, Value};

const REBOOT: f64 = 300.0;
const RESET: f64 = 600.0;
const MIGRATE: f64 = 600.0;
const DRIVER: f64 = 480.0;

fn count(phases: &[String], phase: &str) -> usize {
    phases.iter().filter(|p| *p == phase).count()
}

#[tokio::test]
async fn a_locked_node_survives_batch_delete_and_scale_down() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("lock", 3).await;
    let r = s
        .batch(
            &pool,
            "lock",
            json!({"nodeNames": [nodes[0], "no-such-node"], "actions": ["delete"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"nodes": [
            {"name": nodes[0], "status": "success"},
            {"name": "no-such-node", "status": "failed"}
        ]})
    );
    let n = s.node(&pool, &nodes[0]).await;
    assert_eq!(
        n["metadata"]["annotations"]["os.modelarts/lock.actions"],
        "delete"
    );

    let r = s.delete_nodes(&pool, &[&nodes[0]]).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains(&nodes[0]) && msg.contains("locked"), "{msg}");

    // Down to one node: the two unlocked ones go, the locked one stays.
    let r = s.scale(&pool, 1).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(180.0).await;
    assert_eq!(s.node_names(&pool).await, vec![nodes[0].clone()]);

    // Down to zero would need the locked node.
    let r = s.scale(&pool, 0).await;
    r.assert_error(400, "ModelArts.50004000");

    let r = s
        .batch(
            &pool,
            "unlock",
            json!({"nodeNames": [nodes[0]], "actions": ["delete"]}),
        )
        .await;
    assert_eq!(r.body["nodes"][0]["status"], "success", "{}", r.text);
    let n = s.node(&pool, &nodes[0]).await;
    assert!(n["metadata"]["annotations"]
        .get("os.modelarts/lock.actions")
        .is_none());
}

#[tokio::test]
async fn a_scale_down_that_needs_locked_nodes_is_refused_and_names_them() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("lock-two", 3).await;
    s.batch(
        &pool,
        "lock",
        json!({"nodeNames": [nodes[0], nodes[1]], "actions": ["delete"]}),
    )
    .await;
    let r = s.scale(&pool, 1).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains(&nodes[0]) && msg.contains(&nodes[1]), "{msg}");
    assert_eq!(s.nodes(&pool).await.len(), 3, "nothing changed");

    for bad in [
        json!({"nodeNames": [nodes[0]], "actions": ["reboot"]}),
        json!({"nodeNames": [], "actions": ["delete"]}),
    ] {
        s.batch(&pool, "lock", bad)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn reboot_passes_checking_and_its_job_succeeds() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("reboot", 3).await;
    let r = s
        .batch(&pool, "reboot", json!({"nodeNames": [nodes[0], nodes[1]]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["nodeNames"], json!([nodes[0], nodes[1]]));
    let job_id = r.body["job_id"].as_str().unwrap().to_owned();

    let p = s.pool(&pool).await;
    assert_eq!(
        p["status"]["phase"], "Running",
        "a reboot is planned, not a fault"
    );
    assert_eq!(bucket(&p, "abnormal"), 2);
    assert_eq!(bucket(&p, "available"), 1);
    assert_eq!(
        s.node(&pool, &nodes[0]).await["status"]["phase"],
        "Checking"
    );
    let job = s.job(&job_id).await;
    assert_eq!(job["phase"], "Running");
    assert_eq!(job["type"], "RebootNode");

    // A node that reboots cannot be rebooted again.
    s.batch(&pool, "reboot", json!({"nodeNames": [nodes[0]]}))
        .await
        .assert_error(400, "ModelArts.50004000");

    s.advance(REBOOT).await;
    assert_eq!(count(&s.phases(&pool).await, "Available"), 3);
    let job = s.job(&job_id).await;
    assert_eq!(job["phase"], "Success");
    assert!(job["endTimestamp"].as_i64().unwrap() > job["startTimestamp"].as_i64().unwrap());

    // The node counts went through the not-ready stage and back.
    let events = s.events_of(&pool).await;
    let text = events.text;
    assert!(text.contains("from 3/0/0/0 to 1/2/0/0"), "{text}");
    assert!(text.contains("from 1/2/0/0 to 3/0/0/0"), "{text}");

    let r = s
        .call("GET", &format!("/v2/{PROJECT}/jobs/no-such-job"), &[], None)
        .await;
    r.assert_error(404, "ModelArts.50004040");
    let r = s
        .call(
            "GET",
            &format!("/v2/{PROJECT}/jobs"),
            &[("name", &pool)],
            None,
        )
        .await;
    assert_eq!(r.body["count"], 1, "{}", r.text);
}

#[tokio::test]
async fn reset_rolls_never_more_than_max_unavailable_and_sets_the_os() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("reset", 4).await;
    let r = s
        .batch(
            &pool,
            "reset",
            json!({
                "nodeNames": nodes,
                "rollingConfig": {"strategy": "RollingByNumber", "maxUnavailable": 1},
                "nodeConfig": {"os": "EulerOS 2.10 64bit"}
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job_id = r.body["job_id"].as_str().unwrap().to_owned();
    for round in 0..4 {
        let phases = s.phases(&pool).await;
        assert_eq!(count(&phases, "Checking"), 1, "round {round}: {phases:?}");
        assert_eq!(s.job(&job_id).await["phase"], "Running");
        s.advance(RESET).await;
    }
    assert_eq!(count(&s.phases(&pool).await, "Available"), 4);
    assert_eq!(s.job(&job_id).await["phase"], "Success");
    for n in &nodes {
        assert_eq!(
            s.node(&pool, n).await["spec"]["os"]["name"],
            "EulerOS 2.10 64bit"
        );
    }

    // By percent: half of four at once.
    let r = s
        .batch(
            &pool,
            "reset",
            json!({"nodeNames": nodes, "rollingConfig": {"strategy": "RollingByPercent", "maxUnavailable": 50}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(count(&s.phases(&pool).await, "Checking"), 2);

    for bad in [
        json!({"nodeNames": [nodes[0]], "rollingConfig": {"strategy": "Sideways", "maxUnavailable": 1}}),
        json!({"nodeNames": [nodes[0]], "rollingConfig": {"strategy": "RollingByNumber", "maxUnavailable": 0}}),
        json!({"nodeNames": ["ghost"], "rollingConfig": {"strategy": "RollingByNumber", "maxUnavailable": 1}}),
        json!({"nodeNames": [nodes[0]]}),
    ] {
        s.batch(&pool, "reset", bad)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn drain_marks_nodes_unschedulable_and_takes_at_most_ten() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("drain", 2).await;
    let r = s
        .batch(&pool, "drain", json!({"nodeNames": [nodes[0]]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["nodes"][0],
        json!({"name": nodes[0], "status": "success"})
    );
    assert_eq!(
        s.node(&pool, &nodes[0]).await["spec"]["unschedulable"],
        true
    );
    assert!(s.node(&pool, &nodes[1]).await["spec"]
        .get("unschedulable")
        .is_none());
    assert_eq!(s.nodes(&pool).await.len(), 2, "draining deletes nothing");

    let eleven: Vec<String> = (0..11).map(|i| format!("n{i}")).collect();
    let r = s.batch(&pool, "drain", json!({"nodeNames": eleven})).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("at most 10"), "{msg}");
}

#[tokio::test]
async fn update_sets_ha_labels_tags_and_upgrades_the_driver() {
    let s = TestServer::manual().await;
    let mut body = pool_body("gpu-pool", 2);
    body["spec"]["resources"][0]["flavor"] = json!("modelarts.vm.gpu.t4u8");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    let pool = pool_name("gpu-pool");
    let nodes = s.node_names(&pool).await;

    let r = s
        .batch(
            &pool,
            "update",
            json!({"nodeNames": [nodes[0], "ghost"], "action": "openHaRedundant", "haRedundantEffect": "NoExecute"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"successNodeNames": [nodes[0]], "failNodeNames": ["ghost"]})
    );
    let n = s.node(&pool, &nodes[0]).await;
    assert_eq!(
        n["metadata"]["labels"]["os.modelarts.node/ha.redundant.enabled"],
        "true"
    );
    assert_eq!(
        n["metadata"]["annotations"]["os.modelarts.node/ha.redundant.effect"],
        "NoExecute"
    );
    s.batch(
        &pool,
        "update",
        json!({"nodeNames": [nodes[0]], "action": "closeHaRedundant"}),
    )
    .await;
    let n = s.node(&pool, &nodes[0]).await;
    assert!(n["metadata"]["labels"]
        .get("os.modelarts.node/ha.redundant.enabled")
        .is_none());

    let r = s
        .batch(
            &pool,
            "update",
            json!({"nodeNames": [nodes[1]], "action": "createTags", "tags": [{"key": "team", "value": "ml"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = s.node(&pool, &nodes[1]).await;
    let tags: Value = serde_json::from_str(
        n["metadata"]["annotations"]["os.modelarts/tms.tags"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(tags, json!([{"key": "team", "value": "ml"}]));

    let r = s
        .batch(
            &pool,
            "update",
            json!({"nodeNames": nodes, "driver": {"version": "550.90.07", "updateStrategy": "force"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = s.node(&pool, &nodes[0]).await;
    assert_eq!(n["status"]["driver"]["phase"], "Upgrading");
    assert_eq!(
        s.pool(&pool).await["status"]["driver"]["gpu"]["state"],
        "Upgrading"
    );
    s.advance(DRIVER).await;
    let n = s.node(&pool, &nodes[0]).await;
    assert_eq!(
        n["status"]["driver"],
        json!({"phase": "Running", "version": "550.90.07"})
    );
    let p = s.pool(&pool).await;
    assert_eq!(
        p["status"]["driver"]["gpu"],
        json!({"version": "550.90.07", "state": "Running"})
    );

    for bad in [
        json!({"nodeNames": [nodes[0]], "action": "paint"}),
        json!({"nodeNames": [nodes[0]], "action": "createTags"}),
        json!({"nodeNames": [nodes[0]], "driver": {"version": "1", "updateStrategy": "now"}}),
        json!({"nodeNames": []}),
    ] {
        s.batch(&pool, "update", bad)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn bind_sets_the_logical_sub_pool_label() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("bind", 2).await;
    let r = s
        .batch(
            &pool,
            "bind",
            json!({"nodes": [{"name": nodes[0], "quotaName": "team-a"}], "drain": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s.node(&pool, &nodes[0]).await["metadata"]["labels"]["os.modelarts.node/elastic.quota"],
        "team-a"
    );
    s.batch(
        &pool,
        "bind",
        json!({"nodes": [{"name": "ghost", "quotaName": "q"}]}),
    )
    .await
    .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn migrate_moves_nodes_to_another_pool_and_keeps_one_in_the_source() {
    let s = TestServer::manual().await;
    let (from, nodes) = s.running_pool_nodes("from", 2).await;
    let (to, _) = s.running_pool_nodes("into", 1).await;
    let r = s
        .batch(
            &from,
            "migrate",
            json!({"migrateNodeNames": nodes, "toPoolName": to}),
        )
        .await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("at least one node"), "{msg}");
    assert_eq!(
        s.nodes(&to).await.len(),
        1,
        "a refused migration changes neither pool"
    );
    s.batch(
        &from,
        "migrate",
        json!({"migrateNodeNames": [nodes[0]], "toPoolName": "nope"}),
    )
    .await
    .assert_error(404, "ModelArts.50015001");

    let r = s
        .batch(
            &from,
            "migrate",
            json!({"migrateNodeNames": [nodes[0]], "toPoolName": to, "resourceSpec": {"flavor": "modelarts.vm.cpu.4ud"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job_id = r.body["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.node(&from, &nodes[0]).await["status"]["phase"],
        "Deleting"
    );
    assert_eq!(s.node(&to, &nodes[0]).await["status"]["phase"], "Creating");
    assert_eq!(s.pool(&from).await["spec"]["resources"][0]["count"], 1);
    assert_eq!(s.pool(&to).await["spec"]["resources"][0]["count"], 2);

    s.advance(MIGRATE).await;
    assert_eq!(s.job(&job_id).await["phase"], "Success");
    assert_eq!(s.node_names(&from).await, vec![nodes[1].clone()]);
    assert_eq!(count(&s.phases(&to).await, "Available"), 2);
}

#[tokio::test]
async fn resize_changes_the_step_of_a_hyper_instance_batch() {
    let s = TestServer::manual().await;
    let mut body = pool_body("hyper", 8);
    body["spec"]["resources"][0]["flavor"] = json!("modelarts.bm.npu.arm.8snt9b23.hi");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    let pool = pool_name("hyper");
    let nodes = s.nodes(&pool).await;
    let uid = nodes[0]["metadata"]["labels"]["os.modelarts.node/batch.uid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(nodes
        .iter()
        .all(|n| n["metadata"]["labels"]["os.modelarts.node/batch.uid"] == uid.as_str()));
    assert_eq!(
        nodes[0]["metadata"]["labels"]["os.modelarts.node/batch.count"],
        "8"
    );

    let flavor = "modelarts.bm.npu.arm.8snt9b23.hi";
    let r = s
        .batch(
            &pool,
            "resize",
            json!({
                "nodes": [{"batchUID": uid, "deleteNodeNames": []}],
                "source": {"flavor": flavor, "creatingStep": {"type": "hyperinstance", "step": 8}},
                "target": {"flavor": flavor, "creatingStep": {"type": "hyperinstance", "step": 16}}
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let order = r.body["orderName"].as_str().unwrap().to_owned();
    assert_eq!(s.nodes(&pool).await.len(), 16);
    assert_eq!(s.pool(&pool).await["spec"]["resources"][0]["count"], 16);
    let o = s
        .call("GET", &format!("/v1/{PROJECT}/orders/{order}"), &[], None)
        .await;
    assert_eq!(o.status, 200, "{}", o.text);

    let r = s
        .batch(
            &pool,
            "resize",
            json!({
                "nodes": [{"batchUID": uid}],
                "source": {"flavor": flavor, "creatingStep": {"type": "hyperinstance", "step": 8}},
                "target": {"flavor": flavor, "creatingStep": {"type": "hyperinstance", "step": 12}}
            }),
        )
        .await;
    r.assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn a_job_survives_a_restart_and_finishes() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("restart", 2).await;
    let r = s
        .batch(&pool, "reboot", json!({"nodeNames": [nodes[0]]}))
        .await;
    let job_id = r.body["job_id"].as_str().unwrap().to_owned();
    let dir = s.stop();
    let s = TestServer::manual_on(Some(dir)).await;
    assert_eq!(s.job(&job_id).await["phase"], "Running");
    s.advance(REBOOT).await;
    assert_eq!(s.job(&job_id).await["phase"], "Success");
}

#[tokio::test]
async fn a_scheduled_event_goes_from_inquiring_to_completed_once_accepted() {
    let s = TestServer::manual().await;
    let (pool, _) = s.running_pool_nodes("maint", 2).await;
    let r = s
        .admin(
            "POST",
            "/_respool/scheduled-events",
            Some(&json!({"labelSelector": "os.modelarts/name=maint", "type": "node_reboot", "nodes": 1})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["ids"][0].as_str().unwrap().to_owned();
    let events_path = format!("/v1/{PROJECT}/scheduled-events");
    let list = |q: &'static [(&'static str, &'static str)]| s.call("GET", &events_path, q, None);
    let r = list(&[("state", "inquiring")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], 1);
    let e = &r.body["events"][0];
    assert_eq!(e["id"], id.as_str());
    assert_eq!(e["poolName"], pool.as_str());
    assert_eq!(e["type"], "node_reboot");
    let node = e["nodeName"].as_str().unwrap().to_owned();

    let clock = s.admin("GET", "/_respool/clock", None).await;
    let later = respool_core::time::rfc3339(clock.body["nowMs"].as_i64().unwrap() + 60_000);
    let accept = format!("/v1/{PROJECT}/scheduled-events/{id}/accept");
    let r = s
        .call(
            "POST",
            &accept,
            &[],
            Some(&json!({"notBefore": later, "redeployConfig": {"type": "SOFT"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["state"], "scheduled");
    // Accepting twice is refused.
    s.call("POST", &accept, &[], Some(&json!({})))
        .await
        .assert_error(400, "ModelArts.50004000");

    s.advance(60.0).await;
    let r = list(&[]).await;
    assert_eq!(r.body["events"][0]["state"], "executing", "{}", r.text);
    assert_eq!(s.node(&pool, &node).await["status"]["phase"], "Checking");
    s.advance(REBOOT).await;
    let r = list(&[("state", "completed")]).await;
    assert_eq!(r.body["count"], 1, "{}", r.text);
    assert_eq!(s.node(&pool, &node).await["status"]["phase"], "Available");

    s.call(
        "POST",
        &format!("/v1/{PROJECT}/scheduled-events/nope/accept"),
        &[],
        Some(&json!({})),
    )
    .await
    .assert_error(404, "ModelArts.50004040");
    list(&[("state", "sleeping")])
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn nodes_are_named_after_the_pool_s_node_prefix() {
    let s = TestServer::manual().await;
    let mut body = pool_body("prefixed", 1);
    body["metadata"]["labels"]["os.modelarts/node.prefix"] = json!("team-a");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let names = s.node_names(&pool_name("prefixed")).await;
    assert!(names[0].starts_with("team-a-created-"), "{names:?}");
}

#[tokio::test]
async fn a_resize_that_replaces_a_whole_batch_counts_each_node_once() {
    let s = TestServer::manual().await;
    let flavor = "modelarts.bm.npu.arm.8snt9b23.hi";
    let mut body = pool_body("hyper-all", 8);
    body["spec"]["resources"][0]["flavor"] = json!(flavor);
    assert_eq!(s.create_with(&body).await.status, 200);
    s.advance(NODE_CREATE).await;
    let pool = pool_name("hyper-all");
    let mut names = s.node_names(&pool).await;
    let uid = s.nodes(&pool).await[0]["metadata"]["labels"]["os.modelarts.node/batch.uid"]
        .as_str()
        .unwrap()
        .to_owned();
    // Every node of the batch, one of them twice.
    names.push(names[0].clone());
    let resize = |nodes: Value| {
        json!({
            "nodes": nodes,
            "source": {"flavor": flavor, "creatingStep": {"type": "hyperinstance", "step": 8}},
            "target": {"flavor": flavor, "creatingStep": {"type": "hyperinstance", "step": 16}}
        })
    };
    let twice = json!([{"batchUID": uid}, {"batchUID": uid}]);
    s.batch(&pool, "resize", resize(twice))
        .await
        .assert_error(400, "ModelArts.50004000");
    let r = s
        .batch(
            &pool,
            "resize",
            resize(json!([{"batchUID": uid, "deleteNodeNames": names}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let phases = s.phases(&pool).await;
    assert_eq!(count(&phases, "Deleting"), 8, "{phases:?}");
    assert_eq!(count(&phases, "Creating"), 16, "{phases:?}");
    assert_eq!(s.pool(&pool).await["spec"]["resources"][0]["count"], 16);
}

#[tokio::test]
async fn a_node_waiting_in_a_rolling_reset_cannot_be_reset_again() {
    let s = TestServer::manual().await;
    let (pool, nodes) = s.running_pool_nodes("queued", 3).await;
    let body = |names: &[&String]| json!({"nodeNames": names, "rollingConfig": {"strategy": "RollingByNumber", "maxUnavailable": 1}});
    let r = s.batch(&pool, "reset", body(&[&nodes[0], &nodes[1]])).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // One is re-imaged now, the other waits its turn: it belongs to that job.
    let waiting = s
        .nodes(&pool)
        .await
        .into_iter()
        .find(|n| n["status"]["phase"] == "Available" && n["metadata"]["name"] != nodes[2])
        .map(|n| n["metadata"]["name"].as_str().unwrap().to_owned())
        .unwrap();
    let r = s.batch(&pool, "reset", body(&[&waiting])).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("waits in job"));
    assert_eq!(count(&s.phases(&pool).await, "Checking"), 1);
}
