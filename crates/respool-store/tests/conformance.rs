//! One behaviour, two databases: every test here runs against SQLite and
//! against PostgreSQL (`RESPOOL_TEST_POSTGRES`, default the local server).

use std::sync::Arc;

use respool_api_types::{Network, Pool, Workspace};
use respool_core::fault_rules::{Fault, FaultEffect};
use respool_core::flavors::Catalog;
use respool_core::identity::{Credential, User};
use respool_core::network::NetworkState;
use respool_core::pool::{Env, PoolState};
use respool_core::pool::{Node, NodePhase};
use respool_core::timing::TimingProfile;
use respool_store::{
    FeedCursor, FeedHead, FeedKind, PoolQuery, PostgresStore, ScratchSchema, SqliteStore, Store,
    StoreError,
};
use serde_json::json;
use sqlx::{Connection, PgConnection};

/// A store and what keeps it alive (a temp dir, or a schema to drop). The
/// store is dropped first, then what it lived in.
struct Fixture {
    store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    _schema: Option<ScratchSchema>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_path(&dir.path().join("t.db"))
        .await
        .unwrap();
    Fixture {
        store: Arc::new(store),
        _dir: Some(dir),
        _schema: None,
    }
}

impl Fixture {
    /// Another replica on the same database: a store of its own, with
    /// nothing of this one's in memory.
    async fn replica(&self) -> Arc<dyn Store> {
        match (&self._dir, &self._schema) {
            (Some(dir), _) => Arc::new(
                SqliteStore::open_path(&dir.path().join("t.db"))
                    .await
                    .unwrap(),
            ),
            (_, Some(schema)) => Arc::new(
                PostgresStore::open_in_schema(&postgres_url(), schema.name())
                    .await
                    .unwrap(),
            ),
            _ => unreachable!("a fixture lives in a directory or a schema"),
        }
    }
}

fn postgres_url() -> String {
    std::env::var("RESPOOL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn postgres() -> Fixture {
    let (schema, store) = ScratchSchema::create(&postgres_url(), "conformance")
        .await
        .expect("PostgreSQL must be running for the conformance suite (see .ci/run)");
    Fixture {
        store: Arc::new(store),
        _dir: None,
        _schema: Some(schema),
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
            $(#[tokio::test] async fn $test() {
                let fixture = super::sqlite().await;
                super::$test(fixture.store.as_ref()).await
            })*
        }
        mod on_postgres {
            $(#[tokio::test] async fn $test() {
                let fixture = super::postgres().await;
                super::$test(fixture.store.as_ref()).await
            })*
        }
    };
}

/// Tests of two replicas on one database.
macro_rules! replicated {
    ($($test:ident),* $(,)?) => {
        mod replicas_on_sqlite {
            $(#[tokio::test] async fn $test() {
                let fixture = super::sqlite().await;
                let other = fixture.replica().await;
                super::$test(fixture.store.as_ref(), other.as_ref()).await
            })*
        }
        mod replicas_on_postgres {
            $(#[tokio::test] async fn $test() {
                let fixture = super::postgres().await;
                let other = fixture.replica().await;
                super::$test(fixture.store.as_ref(), other.as_ref()).await
            })*
        }
    };
}

replicated!(
    nodes_written_on_one_replica_are_read_on_the_other,
    a_pool_of_an_earlier_ones_name_has_its_own_nodes,
    hundreds_of_nodes_are_written_and_removed_in_one_write,
    writes_on_two_replicas_are_numbered_once_each_without_gaps,
);

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
    networks_round_trip_in_creation_order,
    network_updates_check_the_version,
    workspaces_round_trip_with_unique_names,
    records_are_written_with_the_pool_and_outlive_it,
    a_write_that_loses_records_nothing,
    orders_and_events_list_newest_first_with_filters,
    concurrent_writes_succeed_or_fail_each_alone,
    quota_settings_are_kept_per_scope,
    the_feed_numbers_each_write_once_in_order,
    the_feed_keeps_only_its_history,
);

/// Each PostgreSQL test's schema is gone once the test ends, even when its
/// last write lost a race and left a transaction still to roll back.
#[tokio::test]
async fn a_postgres_test_leaves_no_schema_behind() {
    let exists = "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1";
    let mut conn = PgConnection::connect(&postgres_url()).await.unwrap();
    let fixture = postgres().await;
    let name = fixture._schema.as_ref().unwrap().name().to_owned();
    let count = async |conn: &mut PgConnection| -> i64 {
        sqlx::query_scalar(exists)
            .bind(&name)
            .fetch_one(conn)
            .await
            .unwrap()
    };
    assert_eq!(count(&mut conn).await, 1, "the test runs in its own schema");
    // It ends with a removal that loses the version race; the test ends
    // at once, as a test does.
    removal_checks_the_version(fixture.store.as_ref()).await;
    drop(fixture);
    assert_eq!(count(&mut conn).await, 0, "schema {name} is left behind");
}

async fn pools_round_trip(s: &dyn Store) {
    let mut p = pool("p1", "pool-one", "0", 1_000);
    s.insert_pool(&mut p).await.unwrap();
    let got = s.get_pool("p1", p.name()).await.unwrap().expect("stored");
    assert_eq!(got, p);
    assert!(s.get_pool("p2", p.name()).await.unwrap().is_none());
    assert!(s.get_pool("p1", "nope").await.unwrap().is_none());
}

async fn names_are_unique_per_project(s: &dyn Store) {
    s.insert_pool(&mut pool("p1", "pool-one", "0", 1))
        .await
        .unwrap();
    let again = s.insert_pool(&mut pool("p1", "pool-one", "0", 2)).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists)), "{again:?}");
    // The same display name in another project is another pool.
    s.insert_pool(&mut pool("p2", "pool-one", "0", 3))
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
        s.insert_pool(&mut pool("p1", name, ws, t)).await.unwrap();
    }
    s.insert_pool(&mut pool("p2", "pool-x", "0", 5))
        .await
        .unwrap();
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
    s.insert_pool(&mut p).await.unwrap();
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
    s.insert_pool(&mut p).await.unwrap();
    let stale = p.clone();
    p.step(10_000);
    s.update_pool(&mut p).await.unwrap();
    assert!(matches!(
        s.retire_pool(&stale).await,
        Err(StoreError::Conflict)
    ));
    s.retire_pool(&p).await.unwrap();
    assert!(s.get_pool("p1", p.name()).await.unwrap().is_none());
    assert!(matches!(s.retire_pool(&p).await, Err(StoreError::Conflict)));
}

async fn due_pools_come_soonest_first(s: &dyn Store) {
    let mut late = pool("p1", "pool-late", "0", 5_000);
    let mut early = pool("p2", "pool-early", "0", 1_000);
    s.insert_pool(&mut late).await.unwrap();
    s.insert_pool(&mut early).await.unwrap();
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
    assert_eq!(s.get_user("alice").await.unwrap(), Some(u.clone()));
    assert_eq!(s.get_user("bob").await.unwrap(), None);
    for (name, domain) in [("carol", "d"), ("bob", "d"), ("dave", "other")] {
        let other = User {
            name: name.into(),
            domain_id: domain.into(),
            ..u.clone()
        };
        s.insert_user(&other).await.unwrap();
    }
    assert_eq!(
        s.list_user_names("d").await.unwrap(),
        vec!["alice", "bob", "carol"]
    );
    assert_eq!(s.list_user_names("other").await.unwrap(), vec!["dave"]);
    assert!(s.list_user_names("none").await.unwrap().is_empty());
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
    s.insert_pool(&mut pool("p1", "pool-one", "0", 1))
        .await
        .unwrap();
    s.insert_pool(&mut pool("p2", "pool-two", "0", 2))
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
    s.insert_network(&network("p1", "net-one", 1))
        .await
        .unwrap();
    s.insert_workspace("p2", &workspace("w1", "team", 1))
        .await
        .unwrap();
    assert_eq!(
        s.remove_all().await.unwrap(),
        respool_store::Removed {
            pools: 2,
            networks: 1,
            workspaces: 1
        }
    );
    assert!(s.all_pools().await.unwrap().is_empty());
    assert!(s.list_networks("p1").await.unwrap().is_empty());
    assert!(s.list_workspaces("p2").await.unwrap().is_empty());
}

async fn a_pool_keeps_its_faults_and_failure_through_the_store(s: &dyn Store) {
    let mut p = pool("p1", "pool-faulty", "0", 1_000);
    let f = Fault::new("", FaultEffect::CreationFails, 1_000).unwrap();
    assert!(p.apply_faults(&[f], 1_000));
    p.step(1_000 + 2_000);
    assert_eq!(p.phase().as_str(), "CreationFailed");
    s.insert_pool(&mut p).await.unwrap();
    let back = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(back, p);
}

async fn claims_share_due_pools_between_owners(s: &dyn Store) {
    let mut pools = Vec::new();
    for i in 0..4 {
        let mut p = pool("p1", &format!("pool-claim-{i}"), "0", 1_000 + i);
        s.insert_pool(&mut p).await.unwrap();
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
    s.insert_pool(&mut running).await.unwrap();
    s.insert_pool(&mut pool("p1", "pool-new", "0", 500_000))
        .await
        .unwrap();
    s.insert_pool(&mut pool("p1", "pool-ws", "ws", 500_000))
        .await
        .unwrap();
    s.insert_pool(&mut pool("p2", "pool-other", "0", 600_000))
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

fn network(project: &str, display: &str, now: i64) -> NetworkState {
    let body: Network = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": display, "team": display}},
        "spec": {"cidr": "192.168.0.0/16"}
    }))
    .unwrap();
    NetworkState::create(project, body, TimingProfile::Fast, now).unwrap()
}

async fn networks_round_trip_in_creation_order(s: &dyn Store) {
    let a = network("p1", "net-a", 30);
    s.insert_network(&a).await.unwrap();
    s.insert_network(&network("p1", "net-b", 10)).await.unwrap();
    s.insert_network(&network("p1", "net-c", 10)).await.unwrap();
    s.insert_network(&network("p2", "net-a", 5)).await.unwrap();
    let again = s.insert_network(&network("p1", "net-a", 40)).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists)), "{again:?}");

    let got = s
        .get_network("p1", a.name())
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(got, a);
    assert!(s.get_network("p2", a.name()).await.unwrap().is_none());
    let names: Vec<String> = s
        .list_networks("p1")
        .await
        .unwrap()
        .iter()
        .map(|n| n.name().to_owned())
        .collect();
    assert_eq!(names, ["net-b-p1", "net-c-p1", "net-a-p1"]);
    assert!(s.delete_network("p1", a.name()).await.unwrap());
    assert!(!s.delete_network("p1", a.name()).await.unwrap());
    assert_eq!(s.list_networks("p1").await.unwrap().len(), 2);
    assert_eq!(s.list_networks("p2").await.unwrap().len(), 1);
    assert!(s.list_networks("p3").await.unwrap().is_empty());
}

async fn network_updates_check_the_version(s: &dyn Store) {
    let n = network("p1", "net-v", 1);
    s.insert_network(&n).await.unwrap();
    let mut first = s.get_network("p1", n.name()).await.unwrap().unwrap();
    let mut second = first.clone();
    first
        .patch(&json!({"metadata": {"annotations": {"os.modelarts/description": "one"}}}))
        .unwrap();
    s.update_network(&mut first).await.unwrap();
    assert_eq!(first.version, 1);
    second
        .patch(&json!({"metadata": {"annotations": {"os.modelarts/description": "two"}}}))
        .unwrap();
    let lost = s.update_network(&mut second).await;
    assert!(matches!(lost, Err(StoreError::Conflict)), "{lost:?}");
    let stored = s.get_network("p1", n.name()).await.unwrap().unwrap();
    assert_eq!(
        stored.network.metadata.annotations["os.modelarts/description"],
        "one"
    );
    assert_eq!(stored.version, 1);
}

fn workspace(id: &str, name: &str, t: i64) -> Workspace {
    Workspace {
        id: id.into(),
        name: name.into(),
        auth_type: "PUBLIC".into(),
        create_time: t,
        update_time: t,
        status: "NORMAL".into(),
        ..Workspace::default()
    }
}

async fn workspaces_round_trip_with_unique_names(s: &dyn Store) {
    let a = workspace("a".repeat(32).as_str(), "team-a", 20);
    s.insert_workspace("p1", &a).await.unwrap();
    s.insert_workspace("p1", &workspace("0", "default", 10))
        .await
        .unwrap();
    // The same id or name in another project is another workspace.
    s.insert_workspace("p2", &a).await.unwrap();
    let same_name = s
        .insert_workspace("p1", &workspace(&"b".repeat(32), "team-a", 30))
        .await;
    assert!(
        matches!(same_name, Err(StoreError::AlreadyExists)),
        "{same_name:?}"
    );
    let same_id = s
        .insert_workspace("p1", &workspace(&"a".repeat(32), "team-z", 30))
        .await;
    assert!(
        matches!(same_id, Err(StoreError::AlreadyExists)),
        "{same_id:?}"
    );

    assert_eq!(s.get_workspace("p1", &a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(s.get_workspace("p3", &a.id).await.unwrap(), None);
    let ids: Vec<String> = s
        .list_workspaces("p1")
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids, ["0".to_owned(), a.id.clone()]);

    let mut renamed = a.clone();
    renamed.name = "team-renamed".into();
    renamed.description = "new".into();
    assert!(s.update_workspace("p1", &renamed).await.unwrap());
    assert_eq!(
        s.get_workspace("p1", &a.id).await.unwrap(),
        Some(renamed.clone())
    );
    let mut clash = renamed.clone();
    clash.name = "default".into();
    let clashed = s.update_workspace("p1", &clash).await;
    assert!(
        matches!(clashed, Err(StoreError::AlreadyExists)),
        "{clashed:?}"
    );
    assert!(!s
        .update_workspace("p1", &workspace(&"c".repeat(32), "ghost", 1))
        .await
        .unwrap());

    assert!(s.delete_workspace("p1", &a.id).await.unwrap());
    assert!(!s.delete_workspace("p1", &a.id).await.unwrap());
    assert_eq!(s.list_workspaces("p1").await.unwrap().len(), 1);
    assert_eq!(s.list_workspaces("p2").await.unwrap().len(), 1);
}

/// Orders of a project as listed, decoded.
async fn orders(s: &dyn Store, q: respool_store::OrderQuery<'_>) -> (u64, Vec<serde_json::Value>) {
    let page = s.list_orders(&q).await.unwrap();
    let docs = page
        .docs
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    (page.total, docs)
}

fn order_query(project_id: &str) -> respool_store::OrderQuery<'_> {
    respool_store::OrderQuery {
        project_id,
        limit: 100,
        ..Default::default()
    }
}

/// Messages of a pool's events as listed (newest first).
async fn event_messages(s: &dyn Store, project_id: &str, name: &str) -> Vec<String> {
    s.list_events(&respool_store::EventQuery {
        project_id,
        resource: "pools",
        name: Some(name),
        limit: 500,
        ..Default::default()
    })
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let e: serde_json::Value = serde_json::from_str(&r.doc).unwrap();
        e["message"].as_str().unwrap().to_owned()
    })
    .collect()
}

async fn records_are_written_with_the_pool_and_outlive_it(s: &dyn Store) {
    let mut p = pool("p1", "pool-rec", "0", 1_000);
    let order = p.pool.metadata.labels["os.modelarts/order.name"].clone();
    s.insert_pool(&mut p).await.unwrap();
    let (total, items) = orders(s, order_query("p1")).await;
    assert_eq!(total, 1);
    assert_eq!(items[0]["orderName"], order.as_str());
    assert_eq!(items[0]["phase"], "processing");
    assert_eq!(items[0]["resourceName"], p.name());
    assert_eq!(
        event_messages(s, "p1", p.name()).await,
        ["Pool resources status changed, available/abnormal/creating/deleting count from 0/0/0/0 to 0/0/2/0, timestamp: 1."]
    );

    // The nodes come up: the order ends, two events follow, all with the pool.
    let mut p = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert!(
        p.pending.is_empty(),
        "a pool read back has nothing to write"
    );
    p.step(3_000);
    s.update_pool(&mut p).await.unwrap();
    assert!(p.pending.is_empty(), "written records are taken");
    let (_, items) = orders(s, order_query("p1")).await;
    assert_eq!(items[0]["phase"], "successed");
    let detail: serde_json::Value =
        serde_json::from_str(&s.get_order_items("p1", &order).await.unwrap().unwrap()).unwrap();
    let detail = detail.as_array().unwrap();
    assert_eq!(detail.len(), 3, "the pool and its two nodes");
    assert!(detail.iter().all(|i| i["status"] == "succeed"));
    assert!(s.get_order_items("p2", &order).await.unwrap().is_none());
    assert_eq!(
        event_messages(s, "p1", p.name()).await,
        [
            "Pool status changed, from Creating to Running.",
            "Pool resources status changed, available/abnormal/creating/deleting count from 0/0/2/0 to 2/0/0/0, timestamp: 3.",
            "Pool resources status changed, available/abnormal/creating/deleting count from 0/0/0/0 to 0/0/2/0, timestamp: 1.",
        ]
    );

    // Deleted and gone: the pool's orders and events stay.
    p.delete(4_000);
    s.update_pool(&mut p).await.unwrap();
    assert_eq!(p.step(100_000), respool_core::pool::StepOutcome::Gone);
    s.retire_pool(&p).await.unwrap();
    assert!(s.get_pool("p1", p.name()).await.unwrap().is_none());
    let (total, items) = orders(s, order_query("p1")).await;
    assert_eq!(total, 2);
    assert_eq!(items[0]["operation"], "delete");
    assert_eq!(items[0]["phase"], "successed");
    let events = event_messages(s, "p1", p.name()).await;
    assert_eq!(events.len(), 6, "{events:?}");
    assert!(
        events[0].ends_with("to 0/0/0/0, timestamp: 5."),
        "{events:?}"
    );
}

async fn a_write_that_loses_records_nothing(s: &dyn Store) {
    let mut p = pool("p1", "pool-race", "0", 1_000);
    s.insert_pool(&mut p).await.unwrap();
    // A second create of the same name fails, and so does its order.
    let mut twin = pool("p1", "pool-race", "0", 1_500);
    assert!(matches!(
        s.insert_pool(&mut twin).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(orders(s, order_query("p1")).await.0, 1);
    assert_eq!(event_messages(s, "p1", p.name()).await.len(), 1);

    // Two replicas step the same pool: one write wins, and only its records stay.
    let mut a = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    let mut b = a.clone();
    a.step(3_000);
    b.step(3_000);
    s.update_pool(&mut a).await.unwrap();
    assert!(matches!(
        s.update_pool(&mut b).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        !b.pending.is_empty(),
        "the loser keeps what it did not write"
    );
    let events = event_messages(s, "p1", p.name()).await;
    assert_eq!(events.len(), 3, "{events:?}");
    // The loser reads again: the transition is already recorded.
    let mut b = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(b.step(3_000), respool_core::pool::StepOutcome::Unchanged);
    assert!(b.pending.is_empty());

    // Writing the same records twice (insert, then update of that state) adds nothing.
    let mut again = pool("p1", "pool-twice", "0", 1_000);
    s.insert_pool(&mut again).await.unwrap();
    s.update_pool(&mut again).await.unwrap();
    assert_eq!(event_messages(s, "p1", again.name()).await.len(), 1);

    // A retirement that lost the race is not written either.
    let mut c = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    c.delete(4_000);
    let mut stale = c.clone();
    s.update_pool(&mut c).await.unwrap();
    assert_eq!(stale.step(100_000), respool_core::pool::StepOutcome::Gone);
    assert!(matches!(
        s.retire_pool(&stale).await,
        Err(StoreError::Conflict)
    ));
    assert!(s.get_pool("p1", p.name()).await.unwrap().is_some());
    let (_, items) = orders(s, order_query("p1")).await;
    let delete = items.iter().find(|o| o["operation"] == "delete").unwrap();
    assert_eq!(delete["phase"], "processing");
}

/// Writes sent together (on SQLite: committed together by the one writer)
/// each succeed or fail on their own, and a failed one leaves nothing.
async fn concurrent_writes_succeed_or_fail_each_alone(s: &dyn Store) {
    let mut creates: Vec<PoolState> = (0..48)
        .map(|i| pool("p1", &format!("pool-{}", i % 16), "0", 1_000 + i))
        .collect();
    let created = futures::future::join_all(creates.iter_mut().map(|p| s.insert_pool(p))).await;
    let ok = created.iter().filter(|r| r.is_ok()).count();
    let taken = created
        .iter()
        .filter(|r| matches!(r, Err(StoreError::AlreadyExists)))
        .count();
    assert_eq!((ok, taken), (16, 32), "{created:?}");
    assert_eq!(
        s.list_pools(&PoolQuery {
            project_id: "p1",
            ..Default::default()
        })
        .await
        .unwrap()
        .len(),
        16
    );
    assert_eq!(
        orders(s, order_query("p1")).await.0,
        16,
        "a refused create records no order"
    );

    let stored = s.get_pool("p1", creates[0].name()).await.unwrap().unwrap();
    let mut rivals: Vec<PoolState> = (0..8)
        .map(|_| {
            let mut p = stored.clone();
            p.delete(5_000);
            p
        })
        .collect();
    let updated = futures::future::join_all(rivals.iter_mut().map(|p| s.update_pool(p))).await;
    assert_eq!(
        updated.iter().filter(|r| r.is_ok()).count(),
        1,
        "{updated:?}"
    );
    assert!(updated
        .iter()
        .all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict))));
    let after = s.get_pool("p1", creates[0].name()).await.unwrap().unwrap();
    assert_eq!(after.version, stored.version + 1);
}

async fn orders_and_events_list_newest_first_with_filters(s: &dyn Store) {
    use respool_store::{EventCursor, EventQuery, OrderQuery};
    // Three pools created at 1 s, 2 s and 3 s; the second in workspace "ws".
    let mut names = Vec::new();
    for (display, ws, t) in [
        ("pool-a1", "0", 1_000),
        ("pool-b2", "ws", 2_000),
        ("pool-c3", "0", 3_000),
    ] {
        let mut p = pool("p1", display, ws, t);
        s.insert_pool(&mut p).await.unwrap();
        names.push(p.name().to_owned());
    }
    s.insert_pool(&mut pool("p2", "pool-x9", "0", 500))
        .await
        .unwrap();
    // The first pool runs (its order succeeds) and is scaled at 5 s.
    let mut a = s.get_pool("p1", &names[0]).await.unwrap().unwrap();
    a.step(4_000);
    let catalog = Catalog::builtin();
    let env = Env {
        catalog: &catalog,
        region: "local-1",
        domain_id: "d",
        timing: TimingProfile::Fast,
    };
    a.patch(
        &json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 3}]}}),
        &env,
        5_000,
    )
    .unwrap();
    s.update_pool(&mut a).await.unwrap();

    let display = |o: &serde_json::Value| o["resourceDisplayName"].as_str().unwrap().to_owned();
    let (total, all) = orders(s, order_query("p1")).await;
    assert_eq!(total, 4);
    assert_eq!(
        all.iter().map(display).collect::<Vec<_>>(),
        ["pool-a1", "pool-c3", "pool-b2", "pool-a1"],
        "newest first"
    );
    assert_eq!(all[0]["operation"], "modify");
    assert_eq!(all[0]["initCount"][0]["count"], 2);
    assert_eq!(all[0]["specCount"][0]["count"], 3);

    // By pool: its metadata.name or its display name.
    for involved in [names[0].as_str(), "pool-a1"] {
        let (total, got) = orders(
            s,
            OrderQuery {
                involved_name: Some(involved),
                ..order_query("p1")
            },
        )
        .await;
        assert_eq!(total, 2, "{involved}");
        assert!(got.iter().all(|o| o["resourceName"] == names[0].as_str()));
    }
    let by = |q: OrderQuery<'static>| async move { orders(s, q).await };
    let (n, got) = by(OrderQuery {
        phase: Some("successed"),
        ..order_query("p1")
    })
    .await;
    assert_eq!((n, display(&got[0])), (1, "pool-a1".to_owned()));
    let (n, _) = by(OrderQuery {
        workspace_id: Some("ws"),
        ..order_query("p1")
    })
    .await;
    assert_eq!(n, 1);
    let (n, got) = by(OrderQuery {
        since_ms: Some(2_000),
        until_ms: Some(3_000),
        ..order_query("p1")
    })
    .await;
    assert_eq!(n, 2);
    assert_eq!(
        got.iter().map(display).collect::<Vec<_>>(),
        ["pool-c3", "pool-b2"]
    );
    // Paging: the count is of every match, the page is limit after offset.
    let (n, got) = by(OrderQuery {
        limit: 2,
        offset: 1,
        ..order_query("p1")
    })
    .await;
    assert_eq!(n, 4);
    assert_eq!(
        got.iter().map(display).collect::<Vec<_>>(),
        ["pool-c3", "pool-b2"]
    );
    assert_eq!(orders(s, order_query("p2")).await.0, 1, "projects apart");
    assert_eq!(orders(s, order_query("p3")).await.0, 0);

    // Events of the first pool, each at its stage's time (not when the
    // step ran): 1 s created, 3 s running, 5 s scaling.
    let events = |q: EventQuery<'static>| async move { s.list_events(&q).await.unwrap() };
    let base = EventQuery {
        project_id: "p1",
        resource: "pools",
        name: Some(Box::leak(names[0].clone().into_boxed_str())),
        limit: 500,
        ..Default::default()
    };
    let all = events(base.clone()).await;
    assert_eq!(all.len(), 4);
    let times: Vec<i64> = all.iter().map(|r| r.cursor.created_ms).collect();
    assert_eq!(times, [5_000, 3_000, 3_000, 1_000], "newest first");
    let asc = events(EventQuery {
        ascending: true,
        ..base.clone()
    })
    .await;
    assert_eq!(
        asc.iter().map(|r| r.cursor).collect::<Vec<_>>(),
        all.iter().rev().map(|r| r.cursor).collect::<Vec<_>>()
    );
    // Pages follow one another without gaps or repeats, in both directions.
    for ascending in [false, true] {
        let mut after: Option<EventCursor> = None;
        let mut seen = Vec::new();
        loop {
            let page = events(EventQuery {
                limit: 1,
                after,
                ascending,
                ..base.clone()
            })
            .await;
            let Some(last) = page.last() else { break };
            after = Some(last.cursor);
            seen.extend(page.iter().map(|r| r.cursor));
        }
        let want: Vec<EventCursor> = if ascending {
            asc.iter().map(|r| r.cursor).collect()
        } else {
            all.iter().map(|r| r.cursor).collect()
        };
        assert_eq!(seen, want);
    }
    let normal = events(EventQuery {
        event_type: Some("Warning"),
        ..base.clone()
    })
    .await;
    assert!(normal.is_empty());
    let window = events(EventQuery {
        since_ms: Some(2_000),
        until_ms: Some(4_500),
        ..base.clone()
    })
    .await;
    assert_eq!(window.len(), 2);
    assert!(events(EventQuery {
        project_id: "p2",
        ..base.clone()
    })
    .await
    .is_empty());
    assert!(events(EventQuery {
        resource: "networks",
        ..base.clone()
    })
    .await
    .is_empty());
    // Without a name: every pool's events of the project, newest first.
    let project = events(EventQuery {
        name: None,
        ..base.clone()
    })
    .await;
    assert!(project.len() > all.len(), "the other pools' events too");
    assert!(project
        .windows(2)
        .all(|w| w[0].cursor.created_ms >= w[1].cursor.created_ms));
    // Reset takes orders and events with the pools.
    s.remove_all().await.unwrap();
    assert_eq!(orders(s, order_query("p1")).await.0, 0);
    assert!(events(base).await.is_empty());
}

async fn quota_settings_are_kept_per_scope(s: &dyn Store) {
    use respool_core::capacity::{QuotaSetting, QuotaSettings};
    assert!(s.get_quotas("p1", "os").await.unwrap().is_empty());
    let mut q = QuotaSettings::new();
    q.insert(
        "pool".into(),
        QuotaSetting {
            quota: 2,
            update_ms: 10,
        },
    );
    s.put_quotas("p1", "os", &q).await.unwrap();
    q.insert(
        "network".into(),
        QuotaSetting {
            quota: -1,
            update_ms: 20,
        },
    );
    s.put_quotas("p1", "os", &q).await.unwrap();
    assert_eq!(s.get_quotas("p1", "os").await.unwrap(), q);
    assert!(s.get_quotas("p1", "workspace/0").await.unwrap().is_empty());
    assert!(s.get_quotas("p2", "os").await.unwrap().is_empty());
    s.remove_all().await.unwrap();
    assert!(s.get_quotas("p1", "os").await.unwrap().is_empty());
}

fn node_names(p: &PoolState) -> Vec<(String, NodePhase)> {
    p.nodes.iter().map(|n| (n.name.clone(), n.phase)).collect()
}

/// A node joining under `name`, copied from the pool's first.
fn extra_node(p: &PoolState, name: &str) -> Arc<Node> {
    let mut n = Node::clone(&p.nodes[0]);
    n.name = name.into();
    Arc::new(n)
}

async fn nodes_written_on_one_replica_are_read_on_the_other(a: &dyn Store, b: &dyn Store) {
    let mut p = pool("p1", "pool-nodes", "0", 1_000);
    a.insert_pool(&mut p).await.unwrap();
    let read = b.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(node_names(&read), node_names(&p));
    assert_eq!(read.nodes, p.nodes);

    // On a: one node changes, one leaves, two join (in that order).
    let mut p = a.get_pool("p1", p.name()).await.unwrap().unwrap();
    Arc::make_mut(&mut p.nodes_mut()[1]).phase = NodePhase::Available;
    p.nodes_mut().remove(0);
    let (x, y) = (extra_node(&p, "node-x"), extra_node(&p, "node-a"));
    p.nodes_mut().extend([x, y]);
    a.update_pool(&mut p).await.unwrap();
    let on_b = b.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(
        node_names(&on_b),
        node_names(&p),
        "b reads a's write, in order"
    );
    assert_eq!(on_b.nodes, p.nodes);

    // On b: after b's read of an older version, a writes again; b's next read
    // is a's latest, and a write from b's stale copy loses the race.
    let mut stale = on_b;
    let mut p = a.get_pool("p1", p.name()).await.unwrap().unwrap();
    p.nodes_mut().truncate(1);
    a.update_pool(&mut p).await.unwrap();
    Arc::make_mut(&mut stale.nodes_mut()[0]).phase = NodePhase::Abnormal;
    assert!(matches!(
        b.update_pool(&mut stale).await,
        Err(StoreError::Conflict)
    ));
    let on_b = b.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(node_names(&on_b), node_names(&p));
    assert_eq!(
        node_names(&a.get_pool("p1", p.name()).await.unwrap().unwrap()),
        node_names(&p)
    );

    // A change to the pool alone writes no node, and the nodes stay.
    let mut p = b.get_pool("p1", p.name()).await.unwrap().unwrap();
    p.pool.metadata.labels.insert("extra".into(), "1".into());
    b.update_pool(&mut p).await.unwrap();
    assert_eq!(
        a.get_pool("p1", p.name()).await.unwrap().unwrap().nodes,
        p.nodes
    );
}

async fn a_pool_of_an_earlier_ones_name_has_its_own_nodes(a: &dyn Store, b: &dyn Store) {
    let mut first = pool("p1", "pool-again", "0", 1_000);
    a.insert_pool(&mut first).await.unwrap();
    let kept = a.get_pool("p1", first.name()).await.unwrap().unwrap();
    // b retires it and stores a pool of the same name and version with
    // other nodes, as a frozen clock lets a test do.
    let old = b.get_pool("p1", first.name()).await.unwrap().unwrap();
    b.retire_pool(&old).await.unwrap();
    let mut second = first.clone();
    second.stored = Default::default();
    second.pending = Default::default();
    second.nodes = vec![extra_node(&first, "node-new")].into();
    b.insert_pool(&mut second).await.unwrap();
    assert_eq!(second.version, kept.version);
    let read = a.get_pool("p1", first.name()).await.unwrap().unwrap();
    assert_eq!(
        node_names(&read),
        node_names(&second),
        "a does not take the old nodes for the new pool's"
    );
}

/// A file written before nodes had rows of their own keeps them in the
/// pool's state: they are read from there, and moved to rows on the next
/// write.
#[tokio::test]
async fn nodes_kept_in_the_state_move_to_rows_on_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut p = pool("p1", "pool-legacy", "0", 1_000);
    SqliteStore::open_path(&path)
        .await
        .unwrap()
        .insert_pool(&mut p)
        .await
        .unwrap();
    {
        // As the earlier layout stored it.
        let db = rusqlite::Connection::open(&path).unwrap();
        let state = serde_json::to_string(&p).unwrap();
        db.execute("UPDATE pools SET state = ?1, incarnation = 0", [state])
            .unwrap();
        db.execute("DELETE FROM pool_nodes", []).unwrap();
    }
    let s = SqliteStore::open_path(&path).await.unwrap();
    let mut read = s.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(read.nodes, p.nodes);
    s.update_pool(&mut read).await.unwrap();

    let db = rusqlite::Connection::open(&path).unwrap();
    let (rows, state): (i64, String) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM pool_nodes), state FROM pools",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(rows, 2);
    assert!(state.contains("\"nodes\":[]"), "{state}");
    let again = SqliteStore::open_path(&path).await.unwrap();
    assert_eq!(
        again.get_pool("p1", p.name()).await.unwrap().unwrap().nodes,
        p.nodes
    );
}

/// One store at a time serves a SQLite file, and only it counts writes as
/// every write to the file.
#[tokio::test]
async fn a_sqlite_file_is_served_by_one_store_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("t.db").display().to_string();
    let served = SqliteStore::open_to_serve(&url).await.unwrap();
    let before = served
        .writes_seen()
        .expect("the serving store counts writes");
    let err = SqliteStore::open_to_serve(&url)
        .await
        .err()
        .expect("a second server");
    assert!(err.to_string().contains("another process serves"), "{err}");

    // Others may still open it (the CLI's credential commands), unserved.
    let other = SqliteStore::open(&url).await.unwrap();
    assert_eq!(other.writes_seen(), None);
    served
        .insert_pool(&mut pool("p1", "pool-a", "0", 1_000))
        .await
        .unwrap();
    assert!(served.writes_seen().unwrap() > before, "a write is counted");

    served.stop_serving();
    assert_eq!(served.writes_seen(), None);
    let next = SqliteStore::open_to_serve(&url).await.unwrap();
    assert!(next.writes_seen().is_some());
}

/// More nodes than one statement writes, added and then removed at once.
async fn hundreds_of_nodes_are_written_and_removed_in_one_write(a: &dyn Store, b: &dyn Store) {
    let mut p = pool("p1", "pool-many", "0", 1_000);
    a.insert_pool(&mut p).await.unwrap();
    let more: Vec<_> = (0..450)
        .map(|i| extra_node(&p, &format!("node-{i:03}")))
        .collect();
    p.nodes_mut().extend(more);
    a.update_pool(&mut p).await.unwrap();
    let on_b = b.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(on_b.nodes.len(), 452);
    assert_eq!(
        node_names(&on_b),
        node_names(&p),
        "in the order they joined"
    );

    let mut p = on_b;
    p.nodes_mut().truncate(1);
    b.update_pool(&mut p).await.unwrap();
    let on_a = a.get_pool("p1", p.name()).await.unwrap().unwrap();
    assert_eq!(node_names(&on_a), node_names(&p));
}

/// `(seq, kind, change, pool)` of every change of a project kept.
async fn feed(s: &dyn Store, project_id: &str) -> Vec<(i64, FeedKind, &'static str, String)> {
    s.changes_after(project_id, FeedCursor::default(), 10_000)
        .await
        .unwrap()
        .changes
        .into_iter()
        .map(|c| (c.cursor.seq, c.kind, c.change.as_str(), c.pool))
        .collect()
}

async fn the_feed_numbers_each_write_once_in_order(s: &dyn Store) {
    assert_eq!(s.feed_head("p1").await.unwrap(), FeedHead::default());
    let mut a = pool("p1", "pool-aaaa", "0", 0);
    s.insert_pool(&mut a).await.unwrap();
    assert_eq!(a.pool.metadata.resource_version.as_deref(), Some("1"));
    let mut stale = a.clone();
    a.step(10_000);
    s.update_pool(&mut a).await.unwrap();
    stale
        .pool
        .metadata
        .annotations
        .insert("x".into(), "y".into());
    assert!(matches!(
        s.update_pool(&mut stale).await,
        Err(StoreError::Conflict)
    ));
    let mut b = pool("p1", "pool-bbbb", "0", 1);
    s.insert_pool(&mut b).await.unwrap();
    let mut elsewhere = pool("p2", "pool-cccc", "0", 2);
    s.insert_pool(&mut elsewhere).await.unwrap();
    s.retire_pool(&a).await.unwrap();

    assert_eq!(
        s.feed_head("p1").await.unwrap(),
        FeedHead { seq: 4, floor: 0 }
    );
    assert_eq!(
        s.feed_head("p2").await.unwrap().seq,
        1,
        "each project numbers its own"
    );
    let pools: Vec<_> = feed(s, "p1")
        .await
        .into_iter()
        .filter(|c| c.1 == FeedKind::Pool)
        .collect();
    assert_eq!(
        pools,
        vec![
            (1, FeedKind::Pool, "ADDED", a.name().to_owned()),
            (2, FeedKind::Pool, "MODIFIED", a.name().to_owned()),
            (3, FeedKind::Pool, "ADDED", b.name().to_owned()),
            (4, FeedKind::Pool, "DELETED", a.name().to_owned()),
        ],
        "the losing write took no number"
    );
    let all = s
        .changes_after("p1", FeedCursor::default(), 100)
        .await
        .unwrap();
    assert!(
        all.changes
            .iter()
            .any(|c| c.kind == FeedKind::Event && c.cursor.seq == 1),
        "a write's events are in its changes"
    );
    // The stored pool is the pool at its write, which it names.
    let stored = s.get_pool("p1", b.name()).await.unwrap().unwrap();
    assert_eq!(stored.pool.metadata.resource_version.as_deref(), Some("3"));
    let own = all
        .changes
        .iter()
        .find(|c| c.cursor.seq == 3 && c.kind == FeedKind::Pool)
        .unwrap();
    assert_eq!(serde_json::from_str::<Pool>(&own.doc).unwrap(), stored.pool);
    // Paging goes on after the last row read, within a write too.
    let first = s
        .changes_after("p1", FeedCursor::default(), 1)
        .await
        .unwrap();
    let next = s
        .changes_after("p1", first.changes[0].cursor, 1)
        .await
        .unwrap();
    assert_eq!(next.changes[0].cursor, all.changes[1].cursor);
}

async fn the_feed_keeps_only_its_history(s: &dyn Store) {
    s.set_feed_history(2);
    let mut p = pool("p1", "pool-hist", "0", 0);
    s.insert_pool(&mut p).await.unwrap();
    for i in 0..4 {
        p.pool
            .metadata
            .annotations
            .insert("n".into(), i.to_string());
        s.update_pool(&mut p).await.unwrap();
    }
    assert_eq!(
        s.feed_head("p1").await.unwrap(),
        FeedHead { seq: 5, floor: 3 }
    );
    let kept: Vec<i64> = feed(s, "p1").await.iter().map(|c| c.0).collect();
    assert_eq!(kept, vec![4, 5]);
    s.remove_all().await.unwrap();
    assert_eq!(
        s.feed_head("p1").await.unwrap(),
        FeedHead { seq: 6, floor: 6 },
        "a reset takes a number; nothing up to it is watchable"
    );
    assert!(feed(s, "p1").await.is_empty());
}

async fn writes_on_two_replicas_are_numbered_once_each_without_gaps(a: &dyn Store, b: &dyn Store) {
    let mut pools: Vec<PoolState> = (0..24)
        .map(|i| pool("p1", &format!("pool-{i:02}"), "0", i))
        .collect();
    let writes = pools.iter_mut().enumerate().map(|(i, p)| {
        if i % 2 == 0 {
            a.insert_pool(p)
        } else {
            b.insert_pool(p)
        }
    });
    assert!(futures::future::join_all(writes)
        .await
        .iter()
        .all(Result::is_ok));
    let seqs: Vec<i64> = feed(a, "p1")
        .await
        .iter()
        .filter(|c| c.1 == FeedKind::Pool)
        .map(|c| c.0)
        .collect();
    assert_eq!(seqs, (1..=24).collect::<Vec<_>>());
    assert_eq!(b.feed_head("p1").await.unwrap().seq, 24);
}
