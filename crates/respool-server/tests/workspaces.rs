//! Workspaces over HTTP: the default one, create, show, update, delete,
//! lists, and the calls that name a workspace.

use respool_core::timing::TimingProfile;
use respool_testkit::{pool_body, pool_name, TestServer, PROJECT};
use serde_json::json;

#[tokio::test]
async fn every_project_has_the_default_workspace() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s.call("GET", &s.workspaces_path(), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total_count"], 1);
    assert_eq!(r.body["count"], 1);
    let d = &r.body["workspaces"][0];
    assert_eq!(d["id"], "0");
    assert_eq!(d["name"], "default");
    assert_eq!(d["status"], "NORMAL");
    assert!(d["create_time"].is_i64(), "ms integers: {d}");
    let shown = s
        .call("GET", &format!("{}/0", s.workspaces_path()), &[], None)
        .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["create_time"], d["create_time"], "stable");
    s.call("DELETE", &format!("{}/0", s.workspaces_path()), &[], None)
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn workspaces_are_created_shown_updated_and_deleted() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s
        .call(
            "POST",
            &s.workspaces_path(),
            &[],
            Some(
                &json!({"name": "team_ml-1", "description": "the ML team", "auth_type": "PRIVATE"}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(r.body["name"], "team_ml-1");
    assert_eq!(r.body["auth_type"], "PRIVATE");
    assert_eq!(r.body["status"], "NORMAL");
    assert_eq!(r.body["create_time"], r.body["update_time"]);
    let path = format!("{}/{id}", s.workspaces_path());
    assert_eq!(
        s.call("GET", &path, &[], None).await.body["id"],
        id.as_str()
    );

    // Name rules: 4-64 letters, digits, '-', '_'; "default" is reserved; unique.
    for bad in ["abc", "default", "has space", "bad!", &"x".repeat(65)] {
        s.call(
            "POST",
            &s.workspaces_path(),
            &[],
            Some(&json!({ "name": bad })),
        )
        .await
        .assert_error(400, "ModelArts.50004000");
    }
    s.call(
        "POST",
        &s.workspaces_path(),
        &[],
        Some(&json!({"name": "team_ml-1"})),
    )
    .await
    .assert_error(400, "ModelArts.50004000");

    let r = s
        .call(
            "PUT",
            &path,
            &[],
            Some(&json!({"name": "team-renamed", "description": "renamed"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({ "workspace_id": id }));
    let shown = s.call("GET", &path, &[], None).await;
    assert_eq!(shown.body["name"], "team-renamed");
    assert_eq!(shown.body["description"], "renamed");
    let other = s.create_workspace("other-team").await;
    s.call(
        "PUT",
        &format!("{}/{other}", s.workspaces_path()),
        &[],
        Some(&json!({"name": "team-renamed"})),
    )
    .await
    .assert_error(400, "ModelArts.50004000");

    let r = s.call("DELETE", &path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({ "workspace_id": id }));
    for method in ["GET", "DELETE"] {
        let msg = s
            .call(method, &path, &[], None)
            .await
            .assert_error(400, "ModelArts.7005")
            .to_owned();
        assert_eq!(msg, format!("workspace:{id} not existed"));
    }
    s.call("PUT", &path, &[], Some(&json!({"description": "x"})))
        .await
        .assert_error(400, "ModelArts.7005");
}

#[tokio::test]
async fn workspace_lists_sort_filter_and_page() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    for name in ["alpha", "bravo", "charlie"] {
        s.create_workspace(name).await;
    }
    let list = |q: Vec<(&'static str, &'static str)>| {
        let s = &s;
        async move {
            let r = s.call("GET", &s.workspaces_path(), &q, None).await;
            assert_eq!(r.status, 200, "{q:?}: {}", r.text);
            let names: Vec<String> = r.body["workspaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["name"].as_str().unwrap().to_owned())
                .collect();
            (r.body["total_count"].as_u64().unwrap(), names)
        }
    };
    assert_eq!(
        list(vec![]).await,
        (
            4,
            vec![
                "default".into(),
                "charlie".into(),
                "bravo".into(),
                "alpha".into()
            ]
        ),
        "by name, descending by default"
    );
    assert_eq!(
        list(vec![("order", "asc"), ("offset", "1"), ("limit", "2")]).await,
        (4, vec!["bravo".into(), "charlie".into()])
    );
    assert_eq!(
        list(vec![("name", "ar")]).await,
        (1, vec!["charlie".into()])
    );
    for bad in [
        ("sort_by", "id"),
        ("order", "up"),
        ("limit", "1001"),
        ("offset", "-1"),
    ] {
        s.call("GET", &s.workspaces_path(), &[bad], None)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn unknown_workspaces_are_refused_wherever_a_call_names_one() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-ws", 1).await;
    let name = pool_name("pool-ws");
    let nope = "0123456789abcdef0123456789abcdef";
    let msg = s
        .list(&[("workspaceId", nope)])
        .await
        .assert_error(400, "ModelArts.7005")
        .to_owned();
    assert_eq!(msg, format!("workspace:{nope} not existed"));
    let mut body = pool_body("pool-nowhere", 1);
    body["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(nope);
    s.create_with(&body)
        .await
        .assert_error(400, "ModelArts.7005");
    s.patch_pool(
        &name,
        &json!({"metadata": {"labels": {"os.modelarts/workspace.id": nope}}}),
    )
    .await
    .assert_error(400, "ModelArts.7005");
    s.call(
        "GET",
        &format!("/v2/{PROJECT}/statistics/pools"),
        &[("workspaceId", nope)],
        None,
    )
    .await
    .assert_error(400, "ModelArts.7005");
    s.call("GET", &s.networks_path(), &[("workspaceId", nope)], None)
        .await
        .assert_error(400, "ModelArts.7005");
    // "0" and an absent id are the default workspace.
    assert_eq!(
        s.list_names(&[("workspaceId", "0")]).await,
        vec![name.clone()]
    );
    assert_eq!(s.list_names(&[("workspaceId", "")]).await, vec![name]);
}

#[tokio::test]
async fn a_workspace_with_pools_cannot_be_deleted_until_they_move() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let ws = s.create_workspace("team-pools").await;
    let mut body = pool_body("pool-inws", 1);
    body["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(ws);
    assert_eq!(s.create_with(&body).await.status, 200);
    let name = pool_name("pool-inws");
    assert_eq!(
        s.list_names(&[("workspaceId", &ws)]).await,
        vec![name.clone()]
    );
    assert!(s.list_names(&[]).await.is_empty());
    let path = format!("{}/{ws}", s.workspaces_path());
    let msg = s
        .call("DELETE", &path, &[], None)
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains("pool"), "{msg}");

    // Moved back to the default workspace by PATCH, the pool lists there.
    let r = s
        .patch_pool(
            &name,
            &json!({"metadata": {"labels": {"os.modelarts/workspace.id": "0"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.list_names(&[]).await, vec![name.clone()]);
    assert!(s.list_names(&[("workspaceId", &ws)]).await.is_empty());
    assert_eq!(s.call("DELETE", &path, &[], None).await.status, 200);
}
