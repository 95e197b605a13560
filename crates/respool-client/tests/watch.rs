//! The client's watches against the real router: changes in order, a
//! reconnect that goes on where it was, and a fresh list after a 410.

use respool_client::{Client, Config, ListPools, WatchTarget};
use respool_testkit::{pool_body, pool_name, TestServer, AK, PROJECT, SK};

fn client(s: &TestServer) -> Client {
    Client::new(Config::new(s.base.clone(), AK, SK, PROJECT)).unwrap()
}

#[tokio::test]
async fn a_watch_hands_out_the_list_then_changes_in_order() {
    let s = TestServer::manual().await;
    assert_eq!(
        s.create_with(&pool_body("pool-before", 1)).await.status,
        200
    );
    let c = client(&s);
    let mut w = c.watch(WatchTarget::Pools(ListPools::default()), None);
    let first = w.next().await.unwrap();
    assert_eq!(first.kind, "ADDED");
    let pool: respool_client::types::Pool = first.decode().unwrap();
    assert_eq!(pool.metadata.name, pool_name("pool-before"));
    assert!(w.next().await.unwrap().ends_initial_list());
    assert_eq!(s.create_with(&pool_body("pool-after", 1)).await.status, 200);
    let added = w.next().await.unwrap();
    assert_eq!(added.kind, "ADDED");
    assert_eq!(
        added.object["metadata"]["name"],
        pool_name("pool-after").as_str()
    );
    assert_eq!(w.resource_version(), added.resource_version());
}

#[tokio::test]
async fn a_version_no_longer_kept_starts_over_from_a_fresh_list() {
    let s = TestServer::manual().await;
    s.store.set_feed_history(1);
    for display in ["pool-one", "pool-two", "pool-three"] {
        assert_eq!(s.create_with(&pool_body(display, 1)).await.status, 200);
    }
    let c = client(&s);
    let mut w = c.watch(WatchTarget::Pools(ListPools::default()), Some("1".into()));
    let mut added = Vec::new();
    loop {
        let e = w.next().await.unwrap();
        if e.ends_initial_list() {
            break;
        }
        assert_eq!(e.kind, "ADDED");
        added.push(e.object["metadata"]["name"].as_str().unwrap().to_owned());
    }
    assert_eq!(added.len(), 3, "every pool again: {added:?}");
}

#[tokio::test]
async fn a_watch_of_a_missing_pools_nodes_is_an_api_error() {
    let s = TestServer::manual().await;
    let c = client(&s);
    let mut w = c.watch(WatchTarget::Nodes(format!("pool-none-{PROJECT}")), None);
    let e = w.next().await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
}
