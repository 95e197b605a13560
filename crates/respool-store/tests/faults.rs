//! Fault rules and the whole-store operations of the admin API, on SQLite.
//! (The shared conformance suite is the place to run these on every backend
//! once each has them.)

use respool_api_types::Pool;
use respool_core::faults::{Fault, FaultEffect};
use respool_core::flavors::Catalog;
use respool_core::pool::{Env, PoolState};
use respool_core::timing::TimingProfile;
use respool_store::{SqliteStore, Store, StoreError};
use serde_json::json;

async fn store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open_path(&dir.path().join("t.db"))
        .await
        .unwrap();
    (s, dir)
}

fn pool(project: &str, display: &str) -> PoolState {
    let catalog = Catalog::builtin();
    let env = Env {
        catalog: &catalog,
        region: "local-1",
        domain_id: "d",
        timing: TimingProfile::Fast,
    };
    let body: Pool = serde_json::from_value(json!({
        "metadata": {"labels": {"os.modelarts/name": display}},
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}], "network": {"name": "n"}}
    }))
    .unwrap();
    PoolState::create(project, body, &env, 1_000).unwrap()
}

#[tokio::test]
async fn faults_round_trip_in_creation_order() {
    let (s, _dir) = store().await;
    assert!(s.list_faults().await.unwrap().is_empty());
    let a = Fault::new("a=b", FaultEffect::NodesAbnormal { count: 2 }, 5).unwrap();
    let b = Fault::new("", FaultEffect::DeleteStuck, 5).unwrap();
    let c = Fault::new("x", FaultEffect::CreationFails, 4).unwrap();
    for f in [&a, &b, &c] {
        s.insert_fault(f).await.unwrap();
    }
    assert!(matches!(
        s.insert_fault(&a).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        s.list_faults().await.unwrap(),
        vec![c.clone(), a.clone(), b.clone()]
    );
    assert!(s.delete_fault(&a.id).await.unwrap());
    assert!(!s.delete_fault(&a.id).await.unwrap());
    assert_eq!(s.list_faults().await.unwrap(), vec![c, b]);
    assert_eq!(s.delete_all_faults().await.unwrap(), 2);
    assert!(s.list_faults().await.unwrap().is_empty());
}

#[tokio::test]
async fn every_pool_of_every_project_can_be_listed_and_removed() {
    let (s, _dir) = store().await;
    s.insert_pool(&pool("p1", "pool-one")).await.unwrap();
    s.insert_pool(&pool("p2", "pool-two")).await.unwrap();
    let all = s.all_pools().await.unwrap();
    assert_eq!(
        all,
        vec![
            ("p1".to_owned(), "pool-one-p1".to_owned()),
            ("p2".to_owned(), "pool-two-p2".to_owned())
        ]
    );
    assert_eq!(s.remove_all_pools().await.unwrap(), 2);
    assert!(s.all_pools().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_pool_keeps_its_faults_and_failure_through_the_store() {
    let (s, _dir) = store().await;
    let mut p = pool("p1", "pool-faulty");
    let f = Fault::new("", FaultEffect::CreationFails, 1_000).unwrap();
    assert!(p.apply_faults(&[f], 1_000));
    p.step(1_000 + 2_000);
    assert_eq!(p.phase().as_str(), "CreationFailed");
    s.insert_pool(&p).await.unwrap();
    let back = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(back, p);
}
