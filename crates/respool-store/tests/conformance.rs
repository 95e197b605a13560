//! One behaviour, two databases: every test here runs against SQLite and
//! against PostgreSQL (`RESPOOL_TEST_POSTGRES`, default the local server).

use std::sync::Arc;

use respool_api_types::Pool;
use respool_core::faults::{Fault, FaultEffect};
use respool_core::flavors::Catalog;
use respool_core::identity::{Credential, User};
use respool_core::pool::{Env, PoolState};
use respool_core::timing::TimingProfile;
use respool_store::{PoolQuery, PostgresStore, SqliteStore, Store, StoreError};
use serde_json::json;

/// A store and what keeps it alive (a temp dir, or a schema to drop).
struct Fixture {
    store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_path(&dir.path().join("t.db"))
        .await
        .unwrap();
    Fixture {
        store: Arc::new(store),
        _dir: Some(dir),
    }
}

fn postgres_url() -> String {
    std::env::var("RESPOOL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn postgres() -> Fixture {
    let schema = format!("conformance_{}", rand::random::<u64>());
    let store = PostgresStore::open_in_schema(&postgres_url(), &schema)
        .await
        .expect("PostgreSQL must be running for the conformance suite (see .ci/run)");
    Fixture {
        store: Arc::new(store),
        _dir: None,
    }
}

fn pool(project: &str, display: &str, workspace: &str, now: i64) -> PoolState {
    let catalog = Catalog::builtin();
    let env = Env {
        catalog: &catalog,
        region: "local-1",
        domain_id: "d",
        timing: TimingProfile::Fast,
    };
    let body: Pool = serde_json::from_value(json!({
        "metadata": {"labels": {"os.modelarts/name": display, "os.modelarts/workspace.id": workspace, "team": display}},
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}], "network": {"name": "n"}}
    }))
    .unwrap();
    PoolState::create(project, body, &env, now).unwrap()
}

macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[tokio::test] async fn $test() { super::$test(super::sqlite().await.store.as_ref()).await })*
        }
        mod on_postgres {
            $(#[tokio::test] async fn $test() { super::$test(super::postgres().await.store.as_ref()).await })*
        }
    };
}

conformance!(
    pools_round_trip,
    names_are_unique_per_project,
    lists_filter_and_order,
    updates_check_the_version,
    removal_checks_the_version,
    due_pools_come_soonest_first,
    claims_share_due_pools_between_owners,
    counts_by_phase_and_backlog,
    settings_overwrite,
    credentials_and_users,
    faults_round_trip_in_creation_order,
    every_pool_of_every_project_can_be_listed_and_removed,
    a_pool_keeps_its_faults_and_failure_through_the_store,
);

async fn pools_round_trip(s: &dyn Store) {
    let p = pool("p1", "pool-one", "0", 1_000);
    s.insert_pool(&p).await.unwrap();
    let got = s.get_pool("p1", p.name()).await.unwrap().expect("stored");
    assert_eq!(got, p);
    assert!(s.get_pool("p2", p.name()).await.unwrap().is_none());
    assert!(s.get_pool("p1", "nope").await.unwrap().is_none());
}

async fn names_are_unique_per_project(s: &dyn Store) {
    s.insert_pool(&pool("p1", "pool-one", "0", 1))
        .await
        .unwrap();
    let again = s.insert_pool(&pool("p1", "pool-one", "0", 2)).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists)), "{again:?}");
    // The same display name in another project is another pool.
    s.insert_pool(&pool("p2", "pool-one", "0", 3))
        .await
        .unwrap();
}

async fn lists_filter_and_order(s: &dyn Store) {
    for (name, ws, t) in [
        ("pool-c", "0", 10),
        ("pool-a", "0", 30),
        ("pool-b", "ws", 20),
        ("pool-d", "0", 10),
    ] {
        s.insert_pool(&pool("p1", name, ws, t)).await.unwrap();
    }
    s.insert_pool(&pool("p2", "pool-x", "0", 5)).await.unwrap();
    let names =
        |rows: Vec<respool_store::PoolRow>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let all = s
        .list_pools(&PoolQuery {
            project_id: "p1",
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        names(all.clone()),
        ["pool-c-p1", "pool-d-p1", "pool-b-p1", "pool-a-p1"]
    );
    // Each row carries the served document and its labels.
    let doc: Pool = serde_json::from_str(&all[0].doc).unwrap();
    assert_eq!(doc.metadata.name, "pool-c-p1");
    let labels: serde_json::Value = serde_json::from_str(&all[0].labels).unwrap();
    assert_eq!(labels["team"], "pool-c");

    let ws0 = s
        .list_pools(&PoolQuery {
            project_id: "p1",
            workspace_id: Some("0"),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(names(ws0), ["pool-c-p1", "pool-d-p1", "pool-a-p1"]);
    let creating = s
        .list_pools(&PoolQuery {
            project_id: "p1",
            phases: Some(vec!["Creating"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(creating.len(), 4);
    let running = s
        .list_pools(&PoolQuery {
            project_id: "p1",
            phases: Some(vec!["Running", "Abnormal"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(running.is_empty());
    let subpools = s
        .list_pools(&PoolQuery {
            project_id: "p1",
            parent: Some("pool-a-p1"),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(subpools.is_empty());
}

async fn updates_check_the_version(s: &dyn Store) {
    let mut p = pool("p1", "pool-one", "0", 0);
    s.insert_pool(&p).await.unwrap();
    let mut stale = p.clone();
    assert_eq!(p.step(10_000), respool_core::pool::StepOutcome::Changed);
    s.update_pool(&mut p).await.unwrap();
    assert_eq!(p.version, 1);
    let got = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(got, p);
    assert_eq!(got.pool.status.phase, "Running");
    // A writer that read before the update loses.
    stale
        .pool
        .metadata
        .annotations
        .insert("x".into(), "y".into());
    assert!(matches!(
        s.update_pool(&mut stale).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(stale.version, 0, "a failed write leaves the version alone");
    let running = s
        .list_pools(&PoolQuery {
            project_id: "p1",
            phases: Some(vec!["Running"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(running.len(), 1, "the phase column follows the pool");
}

async fn removal_checks_the_version(s: &dyn Store) {
    let mut p = pool("p1", "pool-one", "0", 0);
    s.insert_pool(&p).await.unwrap();
    p.step(10_000);
    s.update_pool(&mut p).await.unwrap();
    assert!(matches!(
        s.remove_pool("p1", p.name(), 0).await,
        Err(StoreError::Conflict)
    ));
    s.remove_pool("p1", p.name(), 1).await.unwrap();
    assert!(s.get_pool("p1", p.name()).await.unwrap().is_none());
    assert!(matches!(
        s.remove_pool("p1", p.name(), 1).await,
        Err(StoreError::Conflict)
    ));
}

async fn due_pools_come_soonest_first(s: &dyn Store) {
    let late = pool("p1", "pool-late", "0", 5_000);
    let early = pool("p2", "pool-early", "0", 1_000);
    s.insert_pool(&late).await.unwrap();
    s.insert_pool(&early).await.unwrap();
    let (le, ee) = (late.next_due().unwrap(), early.next_due().unwrap());
    assert!(ee < le);
    assert!(s.due_pools(None, ee - 1, 10).await.unwrap().is_empty());
    assert_eq!(
        s.due_pools(None, le, 10).await.unwrap(),
        vec![
            ("p2".to_owned(), early.name().to_owned()),
            ("p1".to_owned(), late.name().to_owned())
        ]
    );
    assert_eq!(s.due_pools(None, le, 1).await.unwrap().len(), 1);
    assert_eq!(
        s.due_pools(Some("p1"), le, 10).await.unwrap(),
        vec![("p1".to_owned(), late.name().to_owned())]
    );
}

async fn settings_overwrite(s: &dyn Store) {
    assert_eq!(s.get_setting("k").await.unwrap(), None);
    s.put_setting("k", "1").await.unwrap();
    s.put_setting("k", "2").await.unwrap();
    assert_eq!(s.get_setting("k").await.unwrap().as_deref(), Some("2"));
    s.ping().await.unwrap();
}

async fn credentials_and_users(s: &dyn Store) {
    let mut c = Credential::generate("d", vec!["p1".into(), "p2".into()], 7);
    c.security_token = Some("tok".into());
    c.expires_ms = Some(99);
    s.insert_credential(&c).await.unwrap();
    assert!(matches!(
        s.insert_credential(&c).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        s.get_credential(&c.access_key).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(s.list_credentials().await.unwrap(), vec![c.clone()]);
    assert!(s.revoke_credential(&c.access_key).await.unwrap());
    assert!(!s.revoke_credential(&c.access_key).await.unwrap());
    assert_eq!(s.get_credential(&c.access_key).await.unwrap(), None);

    let u = User {
        name: "alice".into(),
        password_hash: "h".into(),
        domain_id: "d".into(),
        project_ids: vec!["p1".into()],
        created_ms: 1,
    };
    s.insert_user(&u).await.unwrap();
    assert!(matches!(
        s.insert_user(&u).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.get_user("alice").await.unwrap(), Some(u));
    assert_eq!(s.get_user("bob").await.unwrap(), None);
}

async fn faults_round_trip_in_creation_order(s: &dyn Store) {
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

async fn every_pool_of_every_project_can_be_listed_and_removed(s: &dyn Store) {
    s.insert_pool(&pool("p1", "pool-one", "0", 1))
        .await
        .unwrap();
    s.insert_pool(&pool("p2", "pool-two", "0", 2))
        .await
        .unwrap();
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

async fn a_pool_keeps_its_faults_and_failure_through_the_store(s: &dyn Store) {
    let mut p = pool("p1", "pool-faulty", "0", 1_000);
    let f = Fault::new("", FaultEffect::CreationFails, 1_000).unwrap();
    assert!(p.apply_faults(&[f], 1_000));
    p.step(1_000 + 2_000);
    assert_eq!(p.phase().as_str(), "CreationFailed");
    s.insert_pool(&p).await.unwrap();
    let back = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(back, p);
}

async fn claims_share_due_pools_between_owners(s: &dyn Store) {
    let mut pools = Vec::new();
    for i in 0..4 {
        let p = pool("p1", &format!("pool-claim-{i}"), "0", 1_000 + i);
        s.insert_pool(&p).await.unwrap();
        pools.push(p);
    }
    let due = pools.iter().map(|p| p.next_due().unwrap()).max().unwrap();
    let wall = 50_000;
    let a = s
        .claim_due_pools("a", due, wall, wall + 10_000, 3)
        .await
        .unwrap();
    assert_eq!(a.len(), 3);
    assert_eq!(a[0].1, pools[0].name(), "soonest first");
    // The other owner gets only what is left while the leases live.
    let b = s
        .claim_due_pools("b", due, wall, wall + 10_000, 10)
        .await
        .unwrap();
    assert_eq!(b, vec![("p1".to_owned(), pools[3].name().to_owned())]);
    let again = s
        .claim_due_pools("b", due, wall + 1, wall + 10_000, 10)
        .await
        .unwrap();
    assert_eq!(again, b, "only its own lease renews");
    // Its own leases can be renewed; expired ones pass to anyone.
    assert_eq!(
        s.claim_due_pools("a", due, wall, wall + 10_000, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    let later = s
        .claim_due_pools("b", due, wall + 20_000, wall + 30_000, 10)
        .await
        .unwrap();
    assert_eq!(later.len(), 4);
    // Once the claimed stage is done, the lease no longer holds the next one.
    let mut p = s.get_pool("p1", pools[0].name()).await.unwrap().unwrap();
    p.step(due);
    s.update_pool(&mut p).await.unwrap();
    if let Some(next) = p.next_due() {
        let c = s
            .claim_due_pools("c", next, wall + 20_001, wall + 30_000, 10)
            .await
            .unwrap();
        assert!(
            c.iter().any(|(_, n)| n == p.name()),
            "the next stage is free to claim"
        );
    }
}

async fn counts_by_phase_and_backlog(s: &dyn Store) {
    let mut running = pool("p1", "pool-run", "0", 0);
    running.step(1_000_000);
    s.insert_pool(&running).await.unwrap();
    s.insert_pool(&pool("p1", "pool-new", "0", 500_000))
        .await
        .unwrap();
    s.insert_pool(&pool("p1", "pool-ws", "ws", 500_000))
        .await
        .unwrap();
    s.insert_pool(&pool("p2", "pool-other", "0", 600_000))
        .await
        .unwrap();
    let owned = |v: Vec<(&str, i64)>| {
        v.into_iter()
            .map(|(p, n)| (p.to_owned(), n))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        s.count_pools_by_phase(Some("p1"), Some("0")).await.unwrap(),
        owned(vec![("Creating", 1), ("Running", 1)])
    );
    assert_eq!(
        s.count_pools_by_phase(Some("p1"), None).await.unwrap(),
        owned(vec![("Creating", 2), ("Running", 1)])
    );
    assert_eq!(
        s.count_pools_by_phase(None, None).await.unwrap(),
        owned(vec![("Creating", 3), ("Running", 1)])
    );
    assert_eq!(s.due_backlog(0).await.unwrap(), (0, None));
    let first_due = pool("p1", "pool-x", "0", 500_000).next_due().unwrap();
    let (count, oldest) = s.due_backlog(10_000_000).await.unwrap();
    assert_eq!(count, 3);
    assert_eq!(oldest, Some(first_due));
}
