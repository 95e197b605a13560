//! The client against the real router on a real SQLite file.

use std::time::Duration;

use respool_client::types::{Tag, TagDeletion, WorkspaceCreate, WorkspaceUpdate};
use respool_client::{
    Client, Config, Error, ListEvents, ListNetworks, ListOrders, ListPools, ListWorkspaces,
    MonitorQuery, NewNetwork, NewPool, PageOptions, Progress, WaitFor, WaitOptions, NETWORK_ACTIVE,
};
use respool_core::timing::TimingProfile;
use respool_testkit::{Options, TestServer, ADMIN_TOKEN, AK, FLAVOR, PROJECT as PID, SK};

/// The real router (the test kit's), and the client pointed at it.
struct Server {
    client: Client,
    endpoint: String,
    _server: TestServer,
}

async fn start(timing: TimingProfile) -> Server {
    start_with(timing, None).await
}

async fn start_with(timing: TimingProfile, admin_token: Option<&str>) -> Server {
    let server = TestServer::with(Options {
        timing,
        admin_token: admin_token.map(str::to_owned),
        ..Options::default()
    })
    .await;
    // An empty workspace, for the workspace filter of the list tests.
    let elsewhere = respool_api_types::Workspace {
        id: "elsewhere".into(),
        name: "elsewhere".into(),
        ..Default::default()
    };
    server
        .store
        .insert_workspace(PID, &elsewhere)
        .await
        .unwrap();
    Server {
        client: Client::new(Config::new(server.base.clone(), AK, SK, PID)).unwrap(),
        endpoint: server.base.clone(),
        _server: server,
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

#[tokio::test]
async fn flavors_page_through_continue_and_filter_by_label() {
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    let all = c.list_flavors(None, None).await.unwrap();
    assert!(all.len() > 5, "the built-in catalog: {}", all.len());
    assert!(all.iter().any(|f| f.metadata.name == FLAVOR));
    assert!(all.iter().all(|f| f.kind == "ResourceFlavor"));

    let first = c
        .list_flavors_page(
            None,
            &PageOptions {
                limit: Some(2),
                continue_token: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (first.api_version.as_str(), first.kind.as_str()),
        ("v1", "ResourceFlavorList")
    );
    assert_eq!(first.items.len(), 2);
    assert_eq!(
        first.metadata.remaining_item_count,
        Some(all.len() as u64 - 2)
    );
    assert_eq!(first.items[..], all[..2]);
    let second = c
        .list_flavors_page(
            None,
            &PageOptions {
                limit: Some(2),
                continue_token: first.metadata.continue_token.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(second.items[..], all[2..4]);

    // Paging 3 at a time gives the same flavors, in the same order.
    assert_eq!(c.list_flavors(None, Some(3)).await.unwrap(), all);
    assert_eq!(c.list_flavors(None, Some(1)).await.unwrap(), all);

    let bare_metal = c
        .list_flavors(Some("os.modelarts.flavor/baremetal=true"), Some(1))
        .await
        .unwrap();
    assert!(!bare_metal.is_empty() && bare_metal.len() < all.len());
    assert!(bare_metal
        .iter()
        .all(|f| f.metadata.labels["os.modelarts.flavor/baremetal"] == "true"));

    let e = c.list_flavors(Some("a in (b"), None).await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(400), Some("ModelArts.50004000"))
    );
    let e = c
        .list_flavors_page(
            None,
            &PageOptions {
                limit: Some(2),
                continue_token: Some("not-a-token".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
}

#[tokio::test]
async fn networks_create_page_show_patch_wait_and_delete() {
    let s = start(TimingProfile::Fast).await;
    let c = &s.client;
    let created = c
        .create_network(
            &NewNetwork::new("net-one", "192.168.0.0/16")
                .label("team", "ml")
                .description("first")
                .build(),
        )
        .await
        .unwrap();
    let name = created.metadata.name.clone();
    assert_eq!(name, format!("net-one-{PID}"));
    assert_eq!(created.status.phase, "", "no phase in the create answer");
    for (i, cidr) in ["172.16.0.0/16", "172.17.0.0/16", "192.168.0.0/24"]
        .iter()
        .enumerate()
    {
        c.create_network(&NewNetwork::new(format!("net-more-{i}"), *cidr).build())
            .await
            .unwrap();
    }

    let mut phases = Vec::new();
    let active = c
        .wait_network(
            &name,
            &WaitOptions {
                timeout: Duration::from_secs(20),
                interval: Duration::from_millis(50),
            },
            |n| phases.push(n.status.phase.clone()),
        )
        .await
        .unwrap();
    assert_eq!(active.status.phase, NETWORK_ACTIVE);
    assert_eq!(phases.last().map(String::as_str), Some("Active"));
    assert!(phases.iter().all(|p| p == "Creating" || p == "Active"));
    assert_eq!(active.status.subnets[0].cidr, "192.168.0.0/16");

    // Paging two at a time gives every network once.
    let all = c
        .list_networks(&ListNetworks::default(), None)
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    let first = c
        .list_networks_page(
            &ListNetworks::default(),
            &PageOptions {
                limit: Some(3),
                continue_token: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.kind, "NetworkList");
    assert_eq!(first.items.len(), 3);
    assert_eq!(first.metadata.remaining_item_count, Some(1));
    let paged = c
        .list_networks(&ListNetworks::default(), Some(1))
        .await
        .unwrap();
    let names = |l: &[respool_client::types::Network]| -> Vec<String> {
        l.iter().map(|n| n.metadata.name.clone()).collect()
    };
    assert_eq!(names(&paged), names(&all));
    let mine = c
        .list_networks(
            &ListNetworks {
                label_selector: Some("team=ml".into()),
                ..ListNetworks::default()
            },
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(names(&mine), std::slice::from_ref(&name));
    let e = c
        .list_networks(
            &ListNetworks {
                workspace_id: Some("no-such-workspace".into()),
                ..ListNetworks::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.error_code(), Some("ModelArts.7005"));

    assert_eq!(c.find_network("net-one").await.unwrap().metadata.name, name);
    let patched = c
        .patch_network(
            &name,
            &serde_json::json!({"metadata": {"annotations": {"owner": "ml"}}}),
        )
        .await
        .unwrap();
    assert_eq!(patched.metadata.annotations["owner"], "ml");

    // 409 on a second create, 400 on a bad CIDR, 404 for an unknown name.
    let e = c
        .create_network(&NewNetwork::new("net-one", "192.168.0.0/16").build())
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(409), Some("ModelArts.50025000"))
    );
    let e = c
        .create_network(&NewNetwork::new("net-bad", "10.0.0.0/8").build())
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(400), Some("ModelArts.50004000"))
    );
    assert!(e.error_msg().unwrap().contains("cidr"), "{e}");

    let deleted = c.delete_network(&name).await.unwrap();
    assert_eq!(deleted.metadata.name, name);
    let e = c.get_network(&name).await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(404), Some("ModelArts.50025001"))
    );
    assert!(c.find_network("net-one").await.unwrap_err().is_not_found());
    assert!(c.delete_network(&name).await.unwrap_err().is_not_found());
    assert!(c
        .wait_network(&name, &WaitOptions::default(), |_| {})
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn workspaces_create_list_page_update_and_delete() {
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    let made = c
        .create_workspace(&WorkspaceCreate {
            name: "team-a".into(),
            description: Some("team A".into()),
            ..WorkspaceCreate::default()
        })
        .await
        .unwrap();
    assert_eq!(made.id.len(), 32);
    assert_eq!(
        (made.status.as_str(), made.auth_type.as_str()),
        ("NORMAL", "PUBLIC")
    );
    for n in ["team-b", "team-c"] {
        c.create_workspace(&WorkspaceCreate {
            name: n.into(),
            ..WorkspaceCreate::default()
        })
        .await
        .unwrap();
    }

    // "0", "elsewhere" (made by start()) and three new ones.
    let page = c
        .list_workspaces(&ListWorkspaces {
            limit: Some(2),
            sort_by: Some("name".into()),
            order: Some("asc".into()),
            ..ListWorkspaces::default()
        })
        .await
        .unwrap();
    assert_eq!((page.total_count, page.count), (5, 2));
    let all = c
        .list_all_workspaces(&ListWorkspaces {
            limit: Some(2),
            sort_by: Some("name".into()),
            order: Some("asc".into()),
            ..ListWorkspaces::default()
        })
        .await
        .unwrap();
    let names: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(
        names,
        ["default", "elsewhere", "team-a", "team-b", "team-c"]
    );
    assert_eq!(all[..2], page.workspaces[..]);
    let teams = c
        .list_all_workspaces(&ListWorkspaces {
            name: Some("TEAM".into()),
            ..ListWorkspaces::default()
        })
        .await
        .unwrap();
    assert_eq!(teams.len(), 3);

    assert_eq!(c.get_workspace(&made.id).await.unwrap(), made);
    assert_eq!(c.get_workspace("0").await.unwrap().name, "default");
    let r = c
        .update_workspace(
            &made.id,
            &WorkspaceUpdate {
                description: Some("still team A".into()),
                ..WorkspaceUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.workspace_id, made.id);
    assert_eq!(
        c.get_workspace(&made.id).await.unwrap().description,
        "still team A"
    );

    // A pool in the workspace keeps it; the default workspace always stays.
    let pool = c
        .create_pool(
            &NewPool::new("in-team-a")
                .flavor(FLAVOR, 1)
                .network("n")
                .workspace(&made.id)
                .build(),
        )
        .await
        .unwrap();
    assert_eq!(
        c.delete_workspace(&made.id).await.unwrap_err().status(),
        Some(400)
    );
    assert_eq!(
        c.delete_workspace("0").await.unwrap_err().status(),
        Some(400)
    );
    c.delete_pool(&pool.metadata.name).await.unwrap();
    c.wait_pool(
        &pool.metadata.name,
        &WaitFor::Deleted,
        &WaitOptions::default(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        c.delete_workspace(&made.id).await.unwrap().workspace_id,
        made.id
    );
    let e = c.get_workspace(&made.id).await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(400), Some("ModelArts.7005"))
    );
    let e = c
        .create_workspace(&WorkspaceCreate {
            name: "team-b".into(),
            ..WorkspaceCreate::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
}

#[tokio::test]
async fn statistics_monitor_and_tags() {
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    let name = c
        .create_pool(&new_pool("observed", 2))
        .await
        .unwrap()
        .metadata
        .name;
    c.create_pool(&new_pool("other", 1)).await.unwrap();

    let stats = c.pool_statistics(None).await.unwrap();
    assert_eq!(stats.statistics.status.created, 2);
    assert_eq!(stats.statistics.status.creating, 0);
    assert!(
        stats.operation_time.ends_with("+0000 UTC"),
        "{}",
        stats.operation_time
    );
    let empty = c.pool_statistics(Some("elsewhere")).await.unwrap();
    assert_eq!(empty.statistics.status.created, 0);
    assert_eq!(
        c.pool_statistics(Some("nowhere"))
            .await
            .unwrap_err()
            .error_code(),
        Some("ModelArts.7005")
    );

    let m = c
        .pool_monitor(
            &name,
            &MonitorQuery {
                period: Some(300),
                statistics: Some("average,maximum".into()),
                ..MonitorQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(!m.metrics.is_empty());
    assert!(
        m.metrics.iter().any(|s| s.metric.metric_name == "cpuUsage"),
        "{m:?}"
    );
    assert!(c
        .pool_monitor("no-such-pool", &MonitorQuery::default())
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(
        c.pool_monitor(
            &name,
            &MonitorQuery {
                period: Some(7),
                ..MonitorQuery::default()
            }
        )
        .await
        .unwrap_err()
        .status(),
        Some(400)
    );

    assert!(c.get_pool_tags(&name).await.unwrap().tags.is_empty());
    let tag = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    let tags = c
        .add_pool_tags(&name, &[tag("team", "ml"), tag("env", "dev")])
        .await
        .unwrap();
    let keys: Vec<&str> = tags.tags.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(&"team") && keys.contains(&"env"));
    // A known key gets the new value.
    c.add_pool_tags(&name, &[tag("env", "prod")]).await.unwrap();
    let shown = c.get_pool_tags(&name).await.unwrap();
    let env = shown.tags.iter().find(|t| t.key == "env").unwrap();
    assert_eq!(env.values, ["prod"]);

    let other = format!("other-{PID}");
    c.add_pool_tags(&other, &[tag("env", "test")])
        .await
        .unwrap();
    let project = c.list_project_pool_tags().await.unwrap();
    let env = project.tags.iter().find(|t| t.key == "env").unwrap();
    let mut values = env.values.clone();
    values.sort();
    assert_eq!(values, ["prod", "test"]);
    let one = c
        .list_project_pool_tags_page(Some(0), Some(1))
        .await
        .unwrap();
    assert_eq!(one.tags.len(), 1);

    let left = c
        .remove_pool_tags(
            &name,
            &[TagDeletion {
                key: "team".into(),
                value: None,
            }],
        )
        .await
        .unwrap();
    assert_eq!(left.tags.len(), 1);
    assert_eq!(left.tags[0].key, "env");
    let e = c
        .add_pool_tags("no-such-pool", &[tag("a", "b")])
        .await
        .unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(
        c.add_pool_tags(&name, &[tag("bad=key", "x")])
            .await
            .unwrap_err()
            .status(),
        Some(400)
    );
}

#[tokio::test]
async fn orders_and_events_follow_a_pool() {
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    let name = c
        .create_pool(&new_pool("ordered", 1))
        .await
        .unwrap()
        .metadata
        .name;
    c.scale_pool(&name, FLAVOR, 2).await.unwrap();
    c.wait_pool(&name, &WaitFor::running(), &WaitOptions::default(), |_| {})
        .await
        .unwrap();
    c.create_pool(&new_pool("unrelated", 1)).await.unwrap();

    let mine = ListOrders {
        pool: Some("ordered".into()),
        ..ListOrders::default()
    };
    let list = c.list_orders(&mine).await.unwrap();
    assert_eq!(list.count, 2);
    let ops: Vec<&str> = list.items.iter().map(|o| o.operation.as_str()).collect();
    assert_eq!(ops, ["modify", "apply"], "newest first");
    assert!(list.items.iter().all(|o| o.resource_name == name));
    let paged = c
        .list_all_orders(&ListOrders {
            limit: Some(1),
            ..mine.clone()
        })
        .await
        .unwrap();
    assert_eq!(paged, list.items);
    assert_eq!(
        c.list_all_orders(&ListOrders::default())
            .await
            .unwrap()
            .len(),
        3
    );

    let items = c.get_order(&list.items[1].order_name).await.unwrap();
    assert_eq!(items.count, items.items.len() as u64);
    assert_eq!(items.items[0].action, "createPool");
    assert!(c
        .get_order("order.nothing-00000")
        .await
        .unwrap_err()
        .is_not_found());
    assert!(c
        .list_orders(&ListOrders {
            pool: Some("never-was".into()),
            ..ListOrders::default()
        })
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(
        c.list_orders(&ListOrders {
            phase: Some("sleeping".into()),
            ..ListOrders::default()
        })
        .await
        .unwrap_err()
        .status(),
        Some(400)
    );

    let newest_first = c
        .list_events(&name, &ListEvents::default(), None)
        .await
        .unwrap();
    assert!(newest_first.len() >= 2, "{newest_first:?}");
    let oldest_first = c
        .list_events(
            &name,
            &ListEvents {
                ascending: true,
                ..ListEvents::default()
            },
            Some(1),
        )
        .await
        .unwrap();
    let mut reversed = newest_first.clone();
    reversed.reverse();
    assert_eq!(oldest_first, reversed, "paged one at a time, oldest first");
    let first = c
        .list_events_page(
            &name,
            &ListEvents::default(),
            &PageOptions {
                limit: Some(1),
                continue_token: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.kind, "EventList");
    assert_eq!(first.items.len(), 1);
    assert!(first.metadata.continue_token.is_some());
    let warnings = c
        .list_events(
            &name,
            &ListEvents {
                event_type: Some("Warning".into()),
                ..ListEvents::default()
            },
            None,
        )
        .await
        .unwrap();
    assert!(warnings.iter().all(|e| e.event_type == "Warning"));

    // A deleted pool's events stay; a pool that never was is a 404.
    c.delete_pool(&name).await.unwrap();
    c.wait_pool(&name, &WaitFor::Deleted, &WaitOptions::default(), |_| {})
        .await
        .unwrap();
    assert!(!c
        .list_events(&name, &ListEvents::default(), None)
        .await
        .unwrap()
        .is_empty());
    let e = c
        .list_events("never-was", &ListEvents::default(), None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(404), Some("ModelArts.50015001"))
    );
}

// ------------------------------------------------------------------ node day-2 operations

impl Server {
    /// `POST` to the admin API; returns the answer's JSON.
    async fn admin(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.endpoint))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Moves the manual clock on.
    async fn advance(&self, seconds: f64) {
        self.admin(
            "/_respool/clock/advance",
            serde_json::json!({ "seconds": seconds }),
        )
        .await;
    }

    /// A running pool of `count` nodes on the manual clock: its name and nodes.
    async fn running(&self, display: &str, count: i64) -> (String, Vec<String>) {
        let name = self
            .client
            .create_pool(&new_pool(display, count))
            .await
            .unwrap()
            .metadata
            .name;
        self.advance(720.0).await;
        let nodes = self
            .client
            .list_nodes(&name, None)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.metadata.name)
            .collect();
        (name, nodes)
    }
}

fn refused(e: Error) -> String {
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(400), Some("ModelArts.50004000")),
        "{e}"
    );
    e.error_msg().unwrap().to_owned()
}

#[tokio::test]
async fn node_operations_lock_reboot_reset_drain_update_bind() {
    use respool_client::types::{
        BindNodeItem, BindRequest, NodeTag, NodeUpdateRequest, ResetNodeConfig, ResetRequest,
        RollingConfig,
    };
    use respool_client::{ListJobs, JOB_SUCCESS};

    let s = start_with(TimingProfile::Manual, Some(ADMIN_TOKEN)).await;
    let c = &s.client;
    let (pool, nodes) = s.running("day-two", 3).await;

    // lock / unlock: per node, success or failed.
    let r = c
        .lock_nodes(&pool, &[nodes[0].clone(), "ghost".into()])
        .await
        .unwrap();
    let statuses: Vec<(&str, &str)> = r
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [(nodes[0].as_str(), "success"), ("ghost", "failed")]
    );
    let msg = refused(c.delete_nodes(&pool, &nodes[..1]).await.unwrap_err());
    assert!(msg.contains("locked"), "{msg}");
    refused(c.lock_nodes(&pool, &[]).await.unwrap_err());
    let r = c.unlock_nodes(&pool, &nodes[..1]).await.unwrap();
    assert_eq!(r.nodes[0].status, "success");
    let n = c.get_node(&pool, &nodes[0]).await.unwrap();
    assert!(!n
        .metadata
        .annotations
        .contains_key("os.modelarts/lock.actions"));

    // reboot: a job that runs until the clock moves past the reboot.
    let r = c.reboot_nodes(&pool, &nodes[..1]).await.unwrap();
    assert_eq!(r.node_names, nodes[..1]);
    let job = c.get_job(&r.job_id).await.unwrap();
    assert_eq!(
        (job.job_type.as_str(), job.phase.as_str()),
        ("RebootNode", "Running")
    );
    assert_eq!(
        c.get_node(&pool, &nodes[0]).await.unwrap().status.phase,
        "Checking"
    );
    refused(c.reboot_nodes(&pool, &nodes[..1]).await.unwrap_err());
    s.advance(300.0).await;
    let done = c.wait_job(&r.job_id, Duration::from_secs(5)).await.unwrap();
    assert_eq!(done.phase, JOB_SUCCESS);
    assert!(done.end_timestamp.is_some());

    // reset, one at a time, with a new OS.
    let reset = |names: &[String], strategy: &str, max: i64| ResetRequest {
        node_names: names.to_vec(),
        rolling_config: RollingConfig {
            strategy: strategy.into(),
            max_unavailable: max,
        },
        node_config: Some(ResetNodeConfig {
            os: Some("EulerOS 2.10 64bit".into()),
            ..Default::default()
        }),
    };
    let job_id = c
        .reset_nodes(&pool, &reset(&nodes[1..], "RollingByNumber", 1))
        .await
        .unwrap()
        .job_id;
    s.advance(600.0).await;
    assert_eq!(
        c.get_job(&job_id).await.unwrap().phase,
        "Running",
        "one of two done"
    );
    s.advance(600.0).await;
    c.wait_job(&job_id, Duration::from_secs(5)).await.unwrap();
    let n = c.get_node(&pool, &nodes[2]).await.unwrap();
    assert_eq!(n.spec.os.map(|o| o.name), Some("EulerOS 2.10 64bit".into()));
    refused(
        c.reset_nodes(&pool, &reset(&nodes[..1], "Sideways", 1))
            .await
            .unwrap_err(),
    );

    // jobs, newest first, filtered by pool and type.
    let jobs = c
        .list_jobs(&ListJobs {
            pool: Some(pool.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(jobs.count, 2);
    assert_eq!(jobs.items[0].job_id, job_id);
    let reboots = c
        .list_jobs(&ListJobs {
            job_type: Some("RebootNode".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(reboots.count, 1);
    let e = c.get_job("no-such-job").await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(404), Some("ModelArts.50004040"))
    );

    // drain
    let r = c.drain_nodes(&pool, &nodes[..1]).await.unwrap();
    assert_eq!(r.nodes[0].status, "success");
    assert!(
        c.get_node(&pool, &nodes[0])
            .await
            .unwrap()
            .spec
            .unschedulable
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("n{i}")).collect();
    assert!(refused(c.drain_nodes(&pool, &eleven).await.unwrap_err()).contains("at most 10"));

    // update: tags, then HA redundancy.
    let r = c
        .update_nodes(
            &pool,
            &NodeUpdateRequest {
                node_names: vec![nodes[1].clone(), "ghost".into()],
                action: Some("createTags".into()),
                tags: vec![NodeTag {
                    key: "team".into(),
                    value: "ml".into(),
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.success_node_names, nodes[1..2]);
    assert_eq!(r.fail_node_names, ["ghost"]);
    let n = c.get_node(&pool, &nodes[1]).await.unwrap();
    assert!(n.metadata.annotations["os.modelarts/tms.tags"].contains("\"team\""));
    c.update_nodes(
        &pool,
        &NodeUpdateRequest {
            node_names: nodes[..1].to_vec(),
            action: Some("openHaRedundant".into()),
            ha_redundant_effect: Some("NoSchedule".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let n = c.get_node(&pool, &nodes[0]).await.unwrap();
    assert_eq!(
        n.metadata.labels["os.modelarts.node/ha.redundant.enabled"],
        "true"
    );
    refused(
        c.update_nodes(
            &pool,
            &NodeUpdateRequest {
                node_names: nodes[..1].to_vec(),
                action: Some("paint".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err(),
    );

    // bind
    let bind = |name: &str| BindRequest {
        nodes: vec![BindNodeItem {
            name: name.into(),
            quota_name: "team-a".into(),
        }],
        drain: false,
    };
    let r = c.bind_nodes(&pool, &bind(&nodes[2])).await.unwrap();
    assert_eq!(r.nodes[0].status, "success");
    let n = c.get_node(&pool, &nodes[2]).await.unwrap();
    assert_eq!(
        n.metadata.labels["os.modelarts.node/elastic.quota"],
        "team-a"
    );
    refused(c.bind_nodes(&pool, &bind("ghost")).await.unwrap_err());

    // Unknown pool: the API's 404.
    assert!(c
        .lock_nodes("nope", &nodes[..1])
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn migrate_resize_job_failures_and_scheduled_events() {
    use respool_client::types::{
        CreatingStep, EventAccept, MigrateRequest, MigrateResourceSpec, ResizeNodes, ResizeParams,
        ResizeRequest,
    };
    use respool_client::{ListScheduledEvents, JOB_FAILED};

    let s = start_with(TimingProfile::Manual, Some(ADMIN_TOKEN)).await;
    let c = &s.client;
    let (from, nodes) = s.running("from", 3).await;
    let (into, _) = s.running("into", 1).await;

    // migrate
    let migrate = |names: &[String], to: &str| MigrateRequest {
        migrate_node_names: names.to_vec(),
        to_pool_name: Some(to.into()),
        resource_spec: Some(MigrateResourceSpec {
            flavor: Some(FLAVOR.into()),
            node_pool: None,
        }),
        ..Default::default()
    };
    let msg = refused(
        c.migrate_nodes(&from, &migrate(&nodes, &into))
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("at least one node"), "{msg}");
    let job_id = c
        .migrate_nodes(&from, &migrate(&nodes[..1], &into))
        .await
        .unwrap()
        .job_id;
    assert_eq!(c.get_job(&job_id).await.unwrap().job_type, "MigrateNode");
    s.advance(600.0).await;
    c.wait_job(&job_id, Duration::from_secs(5)).await.unwrap();
    assert_eq!(c.list_nodes(&into, None).await.unwrap().len(), 2);
    assert_eq!(c.list_nodes(&from, None).await.unwrap().len(), 2);

    // A job whose node is deleted under it fails; the wait names why.
    let job_id = c.reboot_nodes(&from, &nodes[1..2]).await.unwrap().job_id;
    let e = c
        .wait_job(&job_id, Duration::from_millis(200))
        .await
        .unwrap_err();
    match &e {
        Error::WaitTimeout { name, last, .. } => {
            assert_eq!(name, &job_id);
            assert_eq!(last, "RebootNode Running");
        }
        other => panic!("{other:?}"),
    }
    c.delete_nodes(&from, &nodes[1..2]).await.unwrap();
    // The node is gone once its deletion (3 minutes) is over, before the reboot ends.
    s.advance(200.0).await;
    let e = c
        .wait_job(&job_id, Duration::from_secs(5))
        .await
        .unwrap_err();
    match &e {
        Error::WaitFailed {
            kind,
            name,
            phase,
            message,
        } => {
            assert_eq!(
                (*kind, name.as_str(), phase.as_str()),
                ("job", job_id.as_str(), JOB_FAILED)
            );
            let m = message.as_deref().unwrap_or_default();
            assert!(m.contains(&nodes[1]) && m.contains("removed"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("removed"), "{e}");

    // resize a hyper-instance batch from 8 to 16 nodes.
    let hi = "modelarts.bm.npu.arm.8snt9b23.hi";
    let name = c
        .create_pool(
            &NewPool::new("hyper")
                .flavor(hi, 8)
                .network("network-test")
                .build(),
        )
        .await
        .unwrap()
        .metadata
        .name;
    s.advance(720.0).await;
    let uid = c.list_nodes(&name, None).await.unwrap()[0].metadata.labels
        ["os.modelarts.node/batch.uid"]
        .clone();
    let resize = |step: i64| ResizeRequest {
        nodes: vec![ResizeNodes {
            batch_uid: uid.clone(),
            delete_node_names: vec![],
        }],
        source: ResizeParams {
            node_pool: None,
            flavor: hi.into(),
            creating_step: CreatingStep {
                step_type: "hyperinstance".into(),
                step: 8,
            },
        },
        target: ResizeParams {
            node_pool: None,
            flavor: hi.into(),
            creating_step: CreatingStep {
                step_type: "hyperinstance".into(),
                step,
            },
        },
    };
    let order = c.resize_nodes(&name, &resize(16)).await.unwrap().order_name;
    assert!(!order.is_empty());
    c.get_order(&order).await.unwrap();
    assert_eq!(c.list_nodes(&name, None).await.unwrap().len(), 16);
    refused(c.resize_nodes(&name, &resize(12)).await.unwrap_err());

    // scheduled events: raised through the admin API, accepted for later.
    let raised = s
        .admin(
            "/_respool/scheduled-events",
            serde_json::json!({"labelSelector": "os.modelarts/name=into", "type": "node_reboot", "nodes": 1}),
        )
        .await;
    let id = raised["ids"][0].as_str().unwrap().to_owned();
    let inquiring = c
        .list_scheduled_events(&ListScheduledEvents {
            state: Some("inquiring".into()),
            pool: Some(into.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(inquiring.count, 1);
    assert_eq!(inquiring.events[0].id, id);
    assert_eq!(inquiring.events[0].event_type, "node_reboot");
    let none = c
        .list_scheduled_events(&ListScheduledEvents {
            pool: Some(from.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(none.count, 0);
    refused(
        c.list_scheduled_events(&ListScheduledEvents {
            state: Some("sleeping".into()),
            ..Default::default()
        })
        .await
        .unwrap_err(),
    );
    let clock: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/_respool/clock", s.endpoint))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let later = respool_core::time::rfc3339(clock["nowMs"].as_i64().unwrap() + 60_000);
    let accepted = c
        .accept_scheduled_event(
            &id,
            &EventAccept {
                not_before: Some(later),
                redeploy_config: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(accepted.state, "scheduled");
    refused(
        c.accept_scheduled_event(&id, &EventAccept::default())
            .await
            .unwrap_err(),
    );
    let e = c
        .accept_scheduled_event("nope", &EventAccept::default())
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(404), Some("ModelArts.50004040"))
    );
}

#[tokio::test]
async fn node_pools_billing_and_workspace_checks() {
    use respool_client::types::{AuthCheck, AuthRequest, NodePool, NodePoolSpec, PoolResource};
    let s = start(TimingProfile::Immediate).await;
    let c = &s.client;
    let name = c
        .create_pool(&new_pool("gamma", 1))
        .await
        .unwrap()
        .metadata
        .name;
    let body = NodePool {
        spec: NodePoolSpec {
            resources: PoolResource {
                flavor: FLAVOR.into(),
                count: 2,
                node_pool: Some("extra".into()),
                ..Default::default()
            },
        },
        ..Default::default()
    };
    let created = c.create_node_pool(&name, &body).await.unwrap();
    assert_eq!(created.metadata.name, "extra");
    let pools = c.list_node_pools(&name).await.unwrap();
    let names: Vec<&str> = pools
        .items
        .iter()
        .map(|p| p.metadata.name.as_str())
        .collect();
    assert_eq!(names, vec![format!("{FLAVOR}-default").as_str(), "extra"]);
    c.scale_node_pool(&name, "extra", 3).await.unwrap();
    let shown = c.get_node_pool(&name, "extra").await.unwrap();
    let available = shown.status.unwrap().resources.available.unwrap();
    assert_eq!(available.count, 3);
    assert_eq!(
        c.list_node_pool_nodes(&name, "extra", Some(2))
            .await
            .unwrap()
            .len(),
        3
    );
    c.delete_node_pool(&name, "extra").await.unwrap();
    let e = c.get_node_pool(&name, "extra").await.unwrap_err();
    assert!(e.is_not_found());

    let id = c.order_to_period(&name).await.unwrap();
    assert!(id.starts_with("CS"), "{id}");

    let checks = AuthCheck {
        requests: vec![AuthRequest {
            action_id: "1".into(),
            action: "modelarts:pool:list".into(),
            ..Default::default()
        }],
    };
    let verdicts = c.validate_authorization("0", &checks).await.unwrap();
    assert_eq!(verdicts.results[0].verdict, "allow");
    assert!(c.list_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn plugins_templates_and_node_config() {
    let s = start(TimingProfile::Fast).await;
    let c = &s.client;
    let name = c
        .create_pool(&new_pool("plugged", 1))
        .await
        .unwrap()
        .metadata
        .name;
    c.wait_pool(&name, &WaitFor::running(), &WaitOptions::default(), |_| {})
        .await
        .unwrap();

    let all = c.list_plugin_templates(None, None).await.unwrap();
    assert!(all.items.iter().any(|t| t.metadata.name == "npu-driver"));
    let fits = c.list_plugin_templates(None, Some(&name)).await.unwrap();
    assert!(!fits.items.iter().any(|t| t.metadata.name == "npu-driver"));
    let one = c
        .list_plugin_templates(Some("volcano"), None)
        .await
        .unwrap();
    assert_eq!(one.items.len(), 1);
    let t = c.get_plugin_template("volcano").await.unwrap();
    assert!(t.spec.versions.contains_key("1.18.3"));
    assert!(c
        .get_plugin_template("nope")
        .await
        .unwrap_err()
        .is_not_found());

    let p = c
        .install_plugin(&name, "log-agent", None, None)
        .await
        .unwrap();
    assert_eq!(p.status.phase, "Pending");
    // Fast timing installs in 2 s: a shorter wait gives up, saying where it stood.
    match c
        .wait_plugin(
            &name,
            "log-agent",
            Duration::from_millis(100),
            Duration::from_millis(20),
        )
        .await
    {
        Err(Error::WaitTimeout { last, .. }) => assert_eq!(last, "Pending"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    let p = c
        .wait_plugin(
            &name,
            "log-agent",
            Duration::from_secs(30),
            Duration::from_millis(50),
        )
        .await
        .unwrap();
    assert_eq!(
        (p.status.phase.as_str(), p.status.version.as_str()),
        ("Running", "1.5.1")
    );
    let list = c.list_plugins(&name).await.unwrap();
    assert!(list.items.iter().any(|p| p.metadata.name == "log-agent"));

    let cfg = c.get_node_config(&name).await.unwrap();
    assert_eq!(cfg.status.phase, "Running");
    let choices = c.get_node_config_choices(&name).await.unwrap();
    assert_eq!(choices.spec.templates.len(), 1);
    let t = c.get_node_config_template(FLAVOR).await.unwrap();
    assert_eq!(t.spec.docker_base_size, 50);
    assert!(c
        .get_node_config_template("nope")
        .await
        .unwrap_err()
        .is_not_found());
}
