//! `GET /v2/{project_id}/statistics/pools` over HTTP: pools counted by state.

use respool_testkit::{pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::json;

#[tokio::test]
async fn statistics_count_pools_by_state() {
    let s = TestServer::manual().await;
    let path = format!("/v2/{PROJECT}/statistics/pools");
    let counts = |r: &respool_testkit::Response| r.body["statistics"]["status"].clone();
    let r = s.call("GET", &path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        counts(&r),
        json!({"created": 0, "creating": 0, "failed": 0, "pending": 0, "deleting": 0})
    );
    let time = r.body["operationTime"].as_str().unwrap();
    let (date, rest) = time.split_once(' ').unwrap();
    assert_eq!(date.len(), 10, "{time}");
    assert!(rest.ends_with(" +0000 UTC"), "Go's time.String(): {time}");

    s.create_pool("pool-done", 1).await;
    s.create_pool("pool-gone", 1).await;
    s.advance(NODE_CREATE).await;
    assert_eq!(s.delete_pool(&pool_name("pool-gone")).await.status, 200);
    s.create_pool("pool-new", 1).await;
    let mut prepaid = pool_body("pool-unpaid", 1);
    prepaid["metadata"]["annotations"] = json!({"os.modelarts/billing.mode": "1"});
    assert_eq!(s.create_with(&prepaid).await.status, 200);
    s.add_fault("chaos=fail", "creation-fails", None).await;
    let mut doomed = pool_body("pool-doomed", 1);
    doomed["metadata"]["labels"]["chaos"] = json!("fail");
    assert_eq!(s.create_with(&doomed).await.status, 200);
    // Another workspace is counted on its own.
    let ws = s.create_workspace("team-stats").await;
    let mut elsewhere = pool_body("pool-elsewhere", 1);
    elsewhere["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(ws);
    assert_eq!(s.create_with(&elsewhere).await.status, 200);

    let r = s.call("GET", &path, &[], None).await;
    assert_eq!(
        counts(&r),
        json!({"created": 1, "creating": 2, "failed": 0, "pending": 1, "deleting": 1})
    );
    s.advance(NODE_CREATE).await;
    let r = s.call("GET", &path, &[("workspaceId", "0")], None).await;
    assert_eq!(
        counts(&r),
        json!({"created": 2, "creating": 0, "failed": 1, "pending": 1, "deleting": 0})
    );
    let r = s.call("GET", &path, &[("workspaceId", &ws)], None).await;
    assert_eq!(
        counts(&r),
        json!({"created": 1, "creating": 0, "failed": 0, "pending": 0, "deleting": 0})
    );
}
