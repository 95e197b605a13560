//! The client against the real router on a real SQLite file.

use std::sync::Arc;
use std::time::Duration;

use respool_client::{
    Client, Config, Error, ListPools, NewPool, PageOptions, Progress, WaitFor, WaitOptions,
};
use respool_core::flavors::Catalog;
use respool_core::identity::Credential;
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_server::{AppState, AuthMode, Settings};
use respool_store::{SqliteStore, Store};

const PID: &str = "0123456789abcdef0123456789abcdef";
const DOMAIN: &str = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
const AK: &str = "CLIENTTESTAK00000001";
const SK: &str = "ClientTestSecretKey000000000000000000000";
const FLAVOR: &str = "modelarts.vm.cpu.4ud";

struct Server {
    client: Client,
    _dir: tempfile::TempDir,
}

async fn start(timing: TimingProfile) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open_path(&dir.path().join("respool.db"))
            .await
            .unwrap(),
    );
    let mut c = Credential::generate(DOMAIN, vec![PID.into()], wall_ms());
    c.access_key = AK.into();
    c.secret_key = SK.into();
    store.insert_credential(&c).await.unwrap();
    // An empty workspace, for the workspace filter of the list tests.
    let elsewhere = respool_api_types::Workspace {
        id: "elsewhere".into(),
        name: "elsewhere".into(),
        ..Default::default()
    };
    store.insert_workspace(PID, &elsewhere).await.unwrap();
    let settings = Settings {
        region: "local-1".into(),
        timing,
        auth: AuthMode::Enforce,
        default_domain_id: DOMAIN.into(),
        admin_token: None,
        require_networks: false,
    };
    let app = AppState::new(store, Catalog::builtin(), settings)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(respool_server::reconciler::run(
        app.clone(),
        Duration::from_millis(20),
    ));
    let router = respool_server::router(app);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Server {
        client: Client::new(Config::new(endpoint, AK, SK, PID)).unwrap(),
        _dir: dir,
    }
}

fn new_pool(display: &str, count: i64) -> respool_client::types::Pool {
    NewPool::new(display)
        .scope(["Train", "Infer"])
        .flavor(FLAVOR, count)
        .network("network-test")
        .label("team", "ml")
        .build()
}

#[tokio::test]
async fn create_list_show_scale_delete() {
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    let created = c.create_pool(&new_pool("alpha", 1)).await.unwrap();
    let name = created.metadata.name.clone();
    assert_eq!(name, format!("alpha-{PID}"));
    c.create_pool(&new_pool("beta", 2)).await.unwrap();

    let all = c.list_pools(&ListPools::default()).await.unwrap();
    assert_eq!(
        (all.api_version.as_str(), all.kind.as_str()),
        ("v2", "PoolList")
    );
    assert_eq!(all.items.len(), 2);
    let only = c
        .list_pools(&ListPools {
            label_selector: Some("os.modelarts/name=beta".into()),
            status: Some("created".into()),
            ..ListPools::default()
        })
        .await
        .unwrap();
    assert_eq!(only.items.len(), 1);
    assert_eq!(only.items[0].metadata.labels["os.modelarts/name"], "beta");
    let none = c
        .list_pools(&ListPools {
            workspace_id: Some("elsewhere".into()),
            ..ListPools::default()
        })
        .await
        .unwrap();
    assert!(none.items.is_empty());

    let shown = c.get_pool(&name).await.unwrap();
    assert_eq!(shown.status.phase, "Running");
    assert_eq!(c.find_pool("alpha").await.unwrap().metadata.name, name);

    let scaled = c.scale_pool(&name, FLAVOR, 3).await.unwrap();
    assert_eq!(scaled.spec.resources[0].count, 3);
    let running = c
        .wait_pool(&name, &WaitFor::running(), &WaitOptions::default(), |_| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(Progress::of(&running).available, 3);

    let deleted = c.delete_pool(&name).await.unwrap();
    assert!(deleted.metadata.deletion_timestamp.is_some());
    let gone = c
        .wait_pool(&name, &WaitFor::Deleted, &WaitOptions::default(), |_| {})
        .await
        .unwrap();
    assert!(gone.is_none());
    let e = c.get_pool(&name).await.unwrap_err();
    assert_eq!(e.error_code(), Some("ModelArts.50015001"));
    assert!(e.request_id().is_some_and(|id| !id.is_empty()));
    assert!(c.find_pool("alpha").await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn errors_from_the_server_are_typed() {
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    c.create_pool(&new_pool("dupe", 1)).await.unwrap();
    let e = c.create_pool(&new_pool("dupe", 1)).await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(409), Some("ModelArts.50015000"))
    );

    let bad = NewPool::new("nonet").flavor(FLAVOR, 1).build();
    let e = c.create_pool(&bad).await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(400), Some("ModelArts.50004000"))
    );
    assert!(e.error_msg().unwrap().contains("network"), "{e}");

    let e = c
        .list_pools(&ListPools {
            status: Some("sleeping".into()),
            ..ListPools::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));

    let wrong = Client::new(Config::new(c.endpoint(), AK, "wrong-secret", PID)).unwrap();
    let e = wrong.list_pools(&ListPools::default()).await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(401), Some("APIGW.0301"))
    );
}

#[tokio::test]
async fn waits_report_progress_and_time_out() {
    let s = start(TimingProfile::Fast).await;
    let c = &s.client;
    let name = c
        .create_pool(&new_pool("slow", 2))
        .await
        .unwrap()
        .metadata
        .name;
    let mut seen = Vec::new();
    let e = c
        .wait_pool(
            &name,
            &WaitFor::running(),
            &WaitOptions {
                timeout: Duration::from_millis(300),
                interval: Duration::from_millis(100),
            },
            |p| seen.push(p.clone()),
        )
        .await
        .unwrap_err();
    match &e {
        Error::WaitTimeout { name: n, last, .. } => {
            assert_eq!(n, &name);
            assert!(last.starts_with("Creating, 0/2 nodes available"), "{last}");
        }
        other => panic!("{other:?}"),
    }
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(seen.iter().all(|p| p.target == 2 && p.creating == 2));

    let pool = c
        .wait_pool(
            &name,
            &WaitFor::running(),
            &WaitOptions {
                timeout: Duration::from_secs(20),
                interval: Duration::from_millis(100),
            },
            |_| {},
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pool.status.phase, "Running");

    // Waiting for a phase of a pool that does not exist is the API's 404.
    let e = c
        .wait_pool("nope", &WaitFor::running(), &WaitOptions::default(), |_| {})
        .await
        .unwrap_err();
    assert!(e.is_not_found());
}

#[tokio::test]
async fn nodes_page_through_continue() {
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    let name = c
        .create_pool(&new_pool("many", 5))
        .await
        .unwrap()
        .metadata
        .name;

    let first = c
        .list_nodes_page(
            &name,
            &PageOptions {
                limit: Some(2),
                continue_token: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.kind, "NodeList");
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let token = first.metadata.continue_token.clone().expect("a next page");
    let second = c
        .list_nodes_page(
            &name,
            &PageOptions {
                limit: Some(2),
                continue_token: Some(token),
            },
        )
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
    assert_ne!(second.items[0], first.items[0]);

    let all = c.list_nodes(&name, Some(2)).await.unwrap();
    assert_eq!(all.len(), 5);
    let mut names: Vec<&str> = all.iter().map(|n| n.metadata.name.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), 5, "no node twice");
    assert_eq!(c.list_nodes(&name, None).await.unwrap(), all);

    let one = c.get_node(&name, &all[0].metadata.name).await.unwrap();
    assert_eq!(one, all[0]);
    let e = c.get_node(&name, "nope").await.unwrap_err();
    assert!(e.is_not_found());

    let gone = vec![all[0].metadata.name.clone()];
    let results = c.delete_nodes(&name, &gone).await.unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].name, gone[0]);
    let pool = c.get_pool(&name).await.unwrap();
    assert_eq!(pool.spec.resources[0].count, 4);
}
