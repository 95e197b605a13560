//! The pool lifecycle over HTTP on the manual clock: creation, payment,
//! failures, scaling, node deletion, abnormal nodes, deletion, restarts.
//! Time moves only through `POST /_respool/clock/advance`; nothing sleeps.
//!
//! Manual timing: a node takes 720 s to create and 180 s to delete, a job
//! type 60 s to enable, a pool 240 s to delete; a node recovers in 60 s.

use respool_testkit::{bucket, node_phases, pool_body, pool_name, TestServer, NODE_CREATE};
use serde_json::{json, Value};

const NODE_DELETE: f64 = 180.0;
const SCOPE_ENABLE: f64 = 60.0;
const POOL_DELETE: f64 = 240.0;
const RECOVER: f64 = 60.0;

/// A pool body with extra labels and annotations.
fn body_with(display: &str, count: i64, labels: Value, annotations: Value) -> Value {
    let mut b = pool_body(display, count);
    for (k, v) in labels.as_object().unwrap() {
        b["metadata"]["labels"][k] = v.clone();
    }
    b["metadata"]["annotations"] = annotations;
    b
}

/// The bucket counts add up to the listed nodes, per phase.
async fn assert_buckets_match_nodes(s: &TestServer, name: &str) {
    let pool = s.pool(name).await;
    let nodes = s.nodes(name).await;
    for (bucket_name, phase) in [
        ("creating", "Creating"),
        ("available", "Available"),
        ("abnormal", "Abnormal"),
        ("deleting", "Deleting"),
    ] {
        let listed = nodes
            .iter()
            .filter(|n| n["status"]["phase"] == phase)
            .count() as i64;
        assert_eq!(bucket(&pool, bucket_name), listed, "{bucket_name}: {pool}");
        for f in pool["status"]["resources"][bucket_name]
            .as_array()
            .into_iter()
            .flatten()
        {
            let azs: i64 = f["azs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["count"].as_i64().unwrap())
                .sum();
            assert_eq!(azs, f["count"].as_i64().unwrap(), "azs add up: {f}");
        }
    }
}

async fn running_pool(s: &TestServer, display: &str, count: i64) -> String {
    s.create_pool(display, count).await;
    let name = pool_name(display);
    s.advance(NODE_CREATE).await;
    assert_eq!(s.phase(&name).await, "Running");
    name
}

#[tokio::test]
async fn creation_runs_on_the_clock() {
    let s = TestServer::manual().await;
    let created = s.create_pool("pool-life", 2).await;
    assert_eq!(created["status"], json!({"resources": {}}), "no phase yet");
    let name = pool_name("pool-life");

    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Creating");
    assert_eq!(bucket(&pool, "creating"), 2);
    assert_eq!(bucket(&pool, "available"), 0);
    assert_eq!(
        s.list_names(&[("status", "creating")]).await,
        vec![name.clone()]
    );
    assert_buckets_match_nodes(&s, &name).await;

    s.advance(NODE_CREATE - 1.0).await;
    assert_eq!(s.phase(&name).await, "Creating", "one second early");
    s.advance(1.0).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Running");
    assert_eq!(bucket(&pool, "available"), 2);
    assert_eq!(bucket(&pool, "creating"), 0);
    assert_eq!(pool["status"]["scope"][0]["state"], "Enabling");
    assert_eq!(
        s.list_names(&[("status", "created")]).await,
        vec![name.clone()]
    );
    assert_buckets_match_nodes(&s, &name).await;

    s.advance(SCOPE_ENABLE).await;
    let pool = s.pool(&name).await;
    for scope in pool["status"]["scope"].as_array().unwrap() {
        assert_eq!(scope["state"], "Enabled", "{scope}");
    }
    assert!(s
        .nodes(&name)
        .await
        .iter()
        .all(|n| n["status"]["phase"] == "Available"));
}

#[tokio::test]
async fn the_timing_annotation_overrides_the_server_profile() {
    let s = TestServer::manual().await;
    let body = body_with(
        "pool-quick",
        1,
        json!({}),
        json!({"respool.io/timing": "immediate"}),
    );
    assert_eq!(s.create_with(&body).await.status, 200);
    assert_eq!(s.phase(&pool_name("pool-quick")).await, "Running");
}

#[tokio::test]
async fn a_prepaid_pool_waits_until_its_order_is_paid() {
    let s = TestServer::manual().await;
    let body = body_with(
        "pool-prepaid",
        2,
        json!({}),
        json!({"os.modelarts/billing.mode": "1"}),
    );
    assert_eq!(s.create_with(&body).await.status, 200);
    let name = pool_name("pool-prepaid");

    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Waiting");
    assert_eq!(
        pool["status"]["resources"],
        json!({}),
        "no nodes before payment"
    );
    assert!(s.nodes(&name).await.is_empty());
    assert_eq!(
        s.list_names(&[("status", "creating")]).await,
        vec![name.clone()]
    );
    // Scaling an unpaid pool is refused, as for any pool that is not Running.
    s.scale(&name, 3)
        .await
        .assert_error(400, "ModelArts.50004000");

    s.advance(86_400.0).await;
    assert_eq!(s.phase(&name).await, "Waiting", "time alone does not pay");

    let paid = s
        .admin(
            "POST",
            &format!("/_respool/pools/{}/{name}/pay", respool_testkit::PROJECT),
            None,
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert_eq!(paid.body["status"]["phase"], "Creating");
    assert_eq!(bucket(&paid.body, "creating"), 2);
    s.advance(NODE_CREATE).await;
    assert_eq!(s.phase(&name).await, "Running");

    // Paying twice is a mistake worth hearing about.
    let again = s
        .admin(
            "POST",
            &format!("/_respool/pools/{}/{name}/pay", respool_testkit::PROJECT),
            None,
        )
        .await;
    let msg = again.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("no unpaid order"), "{msg}");
    let missing = s
        .admin(
            "POST",
            &format!("/_respool/pools/{}/nope-x/pay", respool_testkit::PROJECT),
            None,
        )
        .await;
    missing.assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn auto_pay_skips_the_wait() {
    let s = TestServer::manual().await;
    for (display, value) in [("pool-autopay-a", "true"), ("pool-autopay-b", "1")] {
        let body = body_with(
            display,
            1,
            json!({}),
            json!({"os.modelarts/billing.mode": "1", "os.modelarts/auto.pay": value}),
        );
        assert_eq!(s.create_with(&body).await.status, 200);
        assert_eq!(s.phase(&pool_name(display)).await, "Creating");
    }
    let bad = body_with(
        "pool-badbill",
        1,
        json!({}),
        json!({"os.modelarts/billing.mode": "2"}),
    );
    s.create_with(&bad)
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn creation_can_fail_and_failed_pools_are_listed_as_failed() {
    let s = TestServer::manual().await;
    let fault = s.add_fault("chaos=fail", "creation-fails", None).await;
    let doomed = body_with("pool-doomed", 2, json!({"chaos": "fail"}), json!({}));
    assert_eq!(s.create_with(&doomed).await.status, 200);
    s.create_pool("pool-fine", 1).await;
    let name = pool_name("pool-doomed");
    assert_eq!(
        s.phase(&name).await,
        "Creating",
        "fails when creation would end"
    );

    s.advance(NODE_CREATE).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "CreationFailed");
    assert_eq!(
        pool["status"]["resources"],
        json!({}),
        "nothing was delivered"
    );
    assert!(pool["status"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(s.nodes(&name).await.is_empty());
    assert_eq!(
        s.list_names(&[("status", "failed")]).await,
        vec![name.clone()]
    );
    assert_eq!(
        s.list_names(&[("status", "created")]).await,
        vec![pool_name("pool-fine")]
    );
    // A failed pool cannot be scaled; it can be deleted.
    s.scale(&name, 3)
        .await
        .assert_error(400, "ModelArts.50004000");
    s.remove_fault(&fault).await;
    assert_eq!(s.phase(&name).await, "CreationFailed", "a failure stays");

    let deleted = s.delete_pool(&name).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(s.phase(&name).await, "Deleting");
    s.advance(POOL_DELETE).await;
    s.show(&name).await.assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn failed_records_are_kept_three_days() {
    let s = TestServer::manual().await;
    s.add_fault("", "creation-fails", None).await;
    s.create_pool("pool-short", 1).await;
    let name = pool_name("pool-short");
    s.advance(NODE_CREATE).await;
    assert_eq!(s.phase(&name).await, "CreationFailed");
    s.advance(3.0 * 86_400.0 - 1.0).await;
    assert_eq!(s.phase(&name).await, "CreationFailed");
    s.advance(1.0).await;
    s.show(&name).await.assert_error(404, "ModelArts.50015001");
    assert!(s.list_names(&[("status", "failed")]).await.is_empty());
}

#[tokio::test]
async fn scale_up_adds_creating_nodes_while_the_pool_stays_running() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-grow", 2).await;
    let before: Vec<String> = node_phases(&s.nodes(&name).await)
        .into_iter()
        .map(|(n, _)| n)
        .collect();

    let r = s.scale(&name, 3).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["resources"][0]["count"], 3);
    assert_eq!(
        r.body["status"]["phase"], "Running",
        "as in the live example"
    );
    assert_eq!(bucket(&r.body, "creating"), 1);
    assert_eq!(bucket(&r.body, "available"), 2);
    assert_buckets_match_nodes(&s, &name).await;

    s.advance(NODE_CREATE).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Running");
    assert_eq!(bucket(&pool, "available"), 3);
    let after = node_phases(&s.nodes(&name).await);
    assert_eq!(after.len(), 3);
    for old in &before {
        assert!(after.iter().any(|(n, _)| n == old), "old nodes stay");
    }
}

#[tokio::test]
async fn scale_down_moves_nodes_through_deleting() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-shrink", 3).await;
    let r = s.scale(&name, 1).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Running");
    assert_eq!(bucket(&r.body, "deleting"), 2);
    assert_eq!(bucket(&r.body, "available"), 1);
    assert_buckets_match_nodes(&s, &name).await;

    s.advance(NODE_DELETE).await;
    let pool = s.pool(&name).await;
    assert_eq!(bucket(&pool, "deleting"), 0);
    assert_eq!(bucket(&pool, "available"), 1);
    assert_eq!(s.nodes(&name).await.len(), 1);
}

#[tokio::test]
async fn batch_deleted_nodes_leave_and_the_spec_follows() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-prune", 3).await;
    let nodes = node_phases(&s.nodes(&name).await);
    let victim = nodes[0].0.clone();

    let r = s.delete_nodes(&name, &[&victim]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!([{"name": victim, "status": "success"}]));
    let pool = s.pool(&name).await;
    assert_eq!(pool["spec"]["resources"][0]["count"], 2, "the spec follows");
    assert_eq!(pool["status"]["phase"], "Running");
    assert_eq!(bucket(&pool, "deleting"), 1);
    let shown = s
        .call(
            "GET",
            &format!("{}/{victim}", s.nodes_path(&name)),
            &[],
            None,
        )
        .await;
    assert_eq!(shown.body["status"]["phase"], "Deleting");
    assert_buckets_match_nodes(&s, &name).await;

    // Every remaining node at once: at least one must stay.
    let rest: Vec<&str> = nodes[1..].iter().map(|(n, _)| n.as_str()).collect();
    let r = s.delete_nodes(&name, &rest).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("at least one node"), "{msg}");
    // Unknown names are named.
    let r = s
        .delete_nodes(&name, &["os-node-created-zzzzz", rest[0]])
        .await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("\"os-node-created-zzzzz\""), "{msg}");
    assert_eq!(
        s.pool(&name).await["spec"]["resources"][0]["count"],
        2,
        "nothing changed"
    );

    s.advance(NODE_DELETE).await;
    let left = node_phases(&s.nodes(&name).await);
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|(n, p)| n != &victim && p == "Available"));
    // The spec matches the nodes, so no replacement node appears.
    s.advance(NODE_CREATE).await;
    assert_eq!(s.nodes(&name).await.len(), 2);
}

#[tokio::test]
async fn abnormal_nodes_make_the_pool_abnormal_until_the_fault_goes() {
    let s = TestServer::manual().await;
    let body = body_with("pool-flaky", 3, json!({"chaos": "flaky"}), json!({}));
    assert_eq!(s.create_with(&body).await.status, 200);
    s.create_pool("pool-steady", 1).await;
    let name = pool_name("pool-flaky");
    s.advance(NODE_CREATE).await;

    let fault = s.add_fault("chaos=flaky", "nodes-abnormal", Some(2)).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Abnormal", "at once");
    assert_eq!(bucket(&pool, "abnormal"), 2);
    assert_eq!(bucket(&pool, "available"), 1);
    assert_eq!(
        s.phase(&pool_name("pool-steady")).await,
        "Running",
        "selector"
    );
    assert_buckets_match_nodes(&s, &name).await;
    // Abnormal pools are "created".
    assert!(s.list_names(&[("status", "created")]).await.contains(&name));

    s.advance(3600.0).await;
    assert_eq!(s.phase(&name).await, "Abnormal", "until the fault goes");

    s.remove_fault(&fault).await;
    assert_eq!(s.phase(&name).await, "Abnormal", "recovery takes a while");
    s.advance(RECOVER).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Running");
    assert_eq!(bucket(&pool, "available"), 3);
    assert_buckets_match_nodes(&s, &name).await;
}

#[tokio::test]
async fn a_fault_set_before_creation_breaks_nodes_as_they_arrive() {
    let s = TestServer::manual().await;
    s.add_fault("os.modelarts/name=pool-born-bad", "nodes-abnormal", None)
        .await;
    s.create_pool("pool-born-bad", 2).await;
    let name = pool_name("pool-born-bad");
    assert_eq!(s.phase(&name).await, "Creating");
    s.advance(NODE_CREATE).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Abnormal");
    assert_eq!(bucket(&pool, "abnormal"), 1, "count defaults to 1");
}

#[tokio::test]
async fn scaling_can_fail_and_a_later_attempt_clears_it() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-stuckgrow", 2).await;
    let fault = s
        .add_fault("os.modelarts/name=pool-stuckgrow", "scaling-fails", None)
        .await;

    let r = s.scale(&name, 4).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"]["phase"], "Running");
    s.advance(NODE_CREATE).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "ScalingFailed");
    assert_eq!(
        pool["spec"]["resources"][0]["count"], 2,
        "the spec follows the nodes"
    );
    assert_eq!(bucket(&pool, "available"), 2);
    assert_eq!(bucket(&pool, "creating"), 0);
    assert!(s.list_names(&[("status", "created")]).await.contains(&name));
    assert_buckets_match_nodes(&s, &name).await;

    s.remove_fault(&fault).await;
    assert_eq!(
        s.phase(&name).await,
        "ScalingFailed",
        "until the next attempt"
    );
    let r = s.scale(&name, 3).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Running");
    s.advance(NODE_CREATE).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Running");
    assert_eq!(bucket(&pool, "available"), 3);
}

#[tokio::test]
async fn a_pool_left_without_nodes_is_deleted() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-vanish", 1).await;
    s.add_fault("os.modelarts/name=pool-vanish", "scaling-fails", None)
        .await;
    // Swap the only flavor for another; the new node never arrives.
    let patch = json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.8ud", "count": 1}]}});
    assert_eq!(s.patch_pool(&name, &patch).await.status, 200);
    s.advance(NODE_CREATE).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Deleting", "{pool}");
    s.advance(POOL_DELETE).await;
    s.show(&name).await.assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn deletion_goes_through_deleting_then_gone() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-bye", 2).await;
    let r = s.delete_pool(&name).await;
    assert_eq!(r.status, 200);
    assert!(r.body["metadata"]["deletionTimestamp"].is_string());
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Deleting");
    assert_eq!(bucket(&pool, "deleting"), 2);
    assert_buckets_match_nodes(&s, &name).await;
    // No more changes once deletion started.
    s.scale(&name, 3)
        .await
        .assert_error(400, "ModelArts.50004000");
    let node = s.nodes(&name).await[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    s.delete_nodes(&name, &[&node])
        .await
        .assert_error(400, "ModelArts.50004000");

    s.advance(POOL_DELETE - 1.0).await;
    assert_eq!(s.phase(&name).await, "Deleting");
    s.advance(1.0).await;
    let msg = s
        .show(&name)
        .await
        .assert_error(404, "ModelArts.50015001")
        .to_owned();
    assert_eq!(msg, format!("pool \"{name}\" not found"));
    s.list_nodes(&name, &[])
        .await
        .assert_error(404, "ModelArts.50015001");
    assert!(s.list_names(&[]).await.is_empty());
}

#[tokio::test]
async fn a_stuck_deletion_finishes_when_the_fault_goes() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-sticky", 1).await;
    let fault = s
        .add_fault("os.modelarts/name=pool-sticky", "delete-stuck", None)
        .await;
    assert_eq!(s.delete_pool(&name).await.status, 200);
    s.advance(86_400.0).await;
    let pool = s.pool(&name).await;
    assert_eq!(pool["status"]["phase"], "Deleting");
    assert_eq!(bucket(&pool, "deleting"), 1, "the node stays too");

    s.remove_fault(&fault).await;
    s.show(&name).await.assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn label_changes_bring_a_pool_under_a_fault() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-relabel", 2).await;
    s.add_fault("chaos=on", "nodes-abnormal", Some(1)).await;
    assert_eq!(s.phase(&name).await, "Running");
    let r = s
        .patch_pool(&name, &json!({"metadata": {"labels": {"chaos": "on"}}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Abnormal");
    let r = s
        .patch_pool(&name, &json!({"metadata": {"labels": {"chaos": null}}}))
        .await;
    assert_eq!(r.status, 200);
    s.advance(RECOVER).await;
    assert_eq!(s.phase(&name).await, "Running");
}

#[tokio::test]
async fn a_restart_mid_creation_continues_where_it_stopped() {
    let s = TestServer::manual().await;
    s.create_pool("pool-restart", 2).await;
    let name = pool_name("pool-restart");
    s.advance(NODE_CREATE / 2.0).await;
    let nodes_before = node_phases(&s.nodes(&name).await);
    let clock_before = s.admin("GET", "/_respool/clock", None).await.body["nowMs"].clone();
    let dir = s.stop();

    let s = TestServer::manual_on(Some(dir)).await;
    let clock_after = s.admin("GET", "/_respool/clock", None).await.body["nowMs"].clone();
    assert_eq!(clock_before, clock_after, "the manual clock survives");
    assert_eq!(s.phase(&name).await, "Creating");
    assert_eq!(
        node_phases(&s.nodes(&name).await),
        nodes_before,
        "same nodes"
    );
    s.advance(NODE_CREATE / 2.0).await;
    assert_eq!(s.phase(&name).await, "Running");
    let nodes_after = node_phases(&s.nodes(&name).await);
    assert_eq!(nodes_after.len(), 2, "nothing done twice");
    for ((a, _), (b, p)) in nodes_before.iter().zip(&nodes_after) {
        assert_eq!(a, b);
        assert_eq!(p, "Available");
    }
}

#[tokio::test]
async fn a_restart_mid_scaling_and_mid_deletion_continues() {
    let s = TestServer::manual().await;
    let grow = running_pool(&s, "pool-rs-grow", 1).await;
    let gone = running_pool(&s, "pool-rs-gone", 1).await;
    assert_eq!(s.scale(&grow, 3).await.status, 200);
    assert_eq!(s.delete_pool(&gone).await.status, 200);
    s.advance(100.0).await;
    let dir = s.stop();

    let s = TestServer::manual_on(Some(dir)).await;
    assert_eq!(bucket(&s.pool(&grow).await, "creating"), 2);
    assert_eq!(s.phase(&gone).await, "Deleting");
    s.advance(POOL_DELETE).await;
    s.show(&gone).await.assert_error(404, "ModelArts.50015001");
    s.advance(NODE_CREATE).await;
    let pool = s.pool(&grow).await;
    assert_eq!(bucket(&pool, "available"), 3);
    assert_eq!(s.nodes(&grow).await.len(), 3, "no node created twice");
}

#[tokio::test]
async fn faults_survive_a_restart() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-rs-fault", 1).await;
    let fault = s
        .add_fault("os.modelarts/name=pool-rs-fault", "delete-stuck", None)
        .await;
    let dir = s.stop();

    let s = TestServer::manual_on(Some(dir)).await;
    let listed = s.admin("GET", "/_respool/faults", None).await;
    assert_eq!(listed.body["items"][0]["id"], fault.as_str());
    assert_eq!(s.delete_pool(&name).await.status, 200);
    s.advance(POOL_DELETE * 10.0).await;
    assert_eq!(
        s.phase(&name).await,
        "Deleting",
        "still stuck after the restart"
    );
    // A pool created after the restart finds the fault too.
    s.add_fault("os.modelarts/name=pool-rs-new", "creation-fails", None)
        .await;
    let dir = s.stop();
    let s = TestServer::manual_on(Some(dir)).await;
    s.create_pool("pool-rs-new", 1).await;
    s.advance(NODE_CREATE).await;
    assert_eq!(s.phase(&pool_name("pool-rs-new")).await, "CreationFailed");
}

#[tokio::test]
async fn job_types_disable_when_a_patch_removes_them() {
    let s = TestServer::manual().await;
    let name = running_pool(&s, "pool-scopes", 1).await;
    s.advance(SCOPE_ENABLE).await;
    let r = s
        .patch_pool(&name, &json!({"spec": {"scope": ["Train"]}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let state = |pool: &Value, t: &str| {
        pool["status"]["scope"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scopeType"] == t)
            .map(|s| s["state"].as_str().unwrap().to_owned())
    };
    assert_eq!(state(&r.body, "Infer").as_deref(), Some("Disabling"));
    assert_eq!(state(&r.body, "Train").as_deref(), Some("Enabled"));
    s.advance(30.0).await;
    assert_eq!(
        state(&s.pool(&name).await, "Infer").as_deref(),
        Some("Disabled")
    );
}

/// Lists agree with the clock even when nothing else has stepped the pools
/// (no reconciler here, and the clock is moved behind the API's back):
/// a plain list, a list filtered by status, and a pool whose deletion has
/// ended, which must be gone.
#[tokio::test]
async fn lists_step_pools_whose_stage_has_ended() {
    let s = TestServer::with(respool_testkit::Options {
        timing: respool_core::timing::TimingProfile::Manual,
        reconciler: false,
        ..Default::default()
    })
    .await;
    s.create_pool("pool-a", 1).await;
    s.create_pool("pool-b", 1).await;
    let (a, b) = (pool_name("pool-a"), pool_name("pool-b"));
    let phases = |list: &Value| -> Vec<(String, String)> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let name = p["metadata"]["name"].as_str().unwrap().to_owned();
                (name, p["status"]["phase"].as_str().unwrap().to_owned())
            })
            .collect()
    };
    let creating = phases(&s.list(&[]).await.body);
    assert!(
        creating.iter().all(|(_, phase)| phase == "Creating"),
        "{creating:?}"
    );

    move_clock(&s, NODE_CREATE).await;
    assert_eq!(
        phases(&s.list(&[]).await.body),
        [
            (a.clone(), "Running".to_owned()),
            (b.clone(), "Running".to_owned())
        ]
    );

    assert_eq!(
        s.call("DELETE", &format!("{}/{b}", s.pools_path()), &[], None)
            .await
            .status,
        200
    );
    move_clock(&s, POOL_DELETE).await;
    assert_eq!(
        s.list_names(&[]).await,
        [a.as_str()],
        "a retired pool is gone from a plain list"
    );

    s.create_pool("pool-c", 1).await;
    move_clock(&s, NODE_CREATE).await;
    let mut created = s.list_names(&[("status", "created")]).await;
    created.sort();
    assert_eq!(
        created,
        [a, pool_name("pool-c")],
        "a filtered list sees the new phase"
    );
}

/// Moves the virtual clock without stepping any pool.
async fn move_clock(s: &TestServer, seconds: f64) {
    s.app
        .clock
        .advance(s.store.as_ref(), (seconds * 1000.0) as i64)
        .await
        .unwrap();
}
