//! Plain pool lists answered from what the last list read, while the store
//! has seen no write: they must answer as a fresh read would.

use std::time::Duration;

use respool_testkit::{pool_name, TestServer};
use serde_json::{json, Value};

/// A plain list is answered from what the last one read while nothing was
/// written: it must still follow the clock, which moves without a write.
#[tokio::test]
async fn a_kept_list_follows_the_clock_and_every_write() {
    let s = TestServer::with(respool_testkit::Options {
        timing: respool_core::timing::TimingProfile::Fast,
        reconciler: false,
        ..Default::default()
    })
    .await;
    assert!(s.store.writes_seen().is_some(), "lists are kept");
    let phase = |list: &Value| {
        list["items"][0]["status"]["phase"]
            .as_str()
            .map(str::to_owned)
    };
    s.create_pool("pool-a", 1).await;
    for _ in 0..2 {
        assert_eq!(phase(&s.list(&[]).await.body).as_deref(), Some("Creating"));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        phase(&s.list(&[]).await.body).as_deref(),
        Some("Running"),
        "the creation ended since the last list"
    );
    let name = pool_name("pool-a");
    let patch = json!({"metadata": {"labels": {"team": "x"}}});
    let res = s
        .call(
            "PATCH",
            &format!("{}/{name}", s.pools_path()),
            &[],
            Some(&patch),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let labels = &s.list(&[]).await.body["items"][0]["metadata"]["labels"];
    assert_eq!(labels["team"], "x", "a write since the last list");
    s.create_pool("pool-b", 1).await;
    assert_eq!(s.list_names(&[]).await.len(), 2);
}
