//! The pool API over HTTP against the real router on a real SQLite file.

use respool_core::timing::TimingProfile;
use respool_testkit::{names, pool_body, pool_name, TestServer, PROJECT};
use serde_json::{json, Value};

/// The seed document's example item ("Obtaining Resource Pools").
fn seed_item() -> Value {
    json!({ "kind" : "Pool", "apiVersion" : "v2", "metadata" : { "name" : "auto-pool-os-86c13962597848eeb29c5861153a391f", "creationTimestamp" : "2022-09-16T03:10:40Z", "labels" : { "os.modelarts/name" : "auto-pool-os", "os.modelarts/workspace.id" : "0", "os.modelarts/resource.id" : "maos-auto-pool-os-72w8d" }, "annotations" : { "os.modelarts/description" : "", "os.modelarts/billing.mode" : "0" } }, "spec" : { "type" : "Dedicate", "scope" : [ "Train", "Infer" ], "resources" : [ { "flavor" : "modelarts.vm.cpu.4ud", "count" : 2 } ], "network" : { "name" : "network-maos-86c13962597848eeb29c5861153a391f" } }, "status" : { "phase" : "Running", "root" : "auto-pool-os-86c13962597848eeb29c5861153a391f", "scope" : [ { "scopeType" : "Train", "state" : "Enabled" }, { "scopeType" : "Infer", "state" : "Enabled" } ], "resources" : { "available" : [ { "flavor" : "modelarts.vm.cpu.4ud", "count" : 2, "azs" : [ { "az" : "cn-north-7c", "count" : 2 } ] } ] } } })
}

/// Values generated per pool: compared for shape only.
const GENERATED: [&str; 6] = [
    "/metadata/name",
    "/metadata/creationTimestamp",
    "/metadata/labels/os.modelarts~1resource.id",
    "/spec/network/name",
    "/status/root",
    "/status/resources/available/0/azs/0/az",
];

/// Every key of `want` is in `got` with the same value (or, where generated, the same type).
fn assert_contains(got: &Value, want: &Value, path: &str) {
    match want {
        Value::Object(map) => {
            for (k, v) in map {
                let child = format!("{path}/{}", k.replace('/', "~1"));
                let g = got
                    .get(k)
                    .unwrap_or_else(|| panic!("{child} is missing in {got}"));
                assert_contains(g, v, &child);
            }
        }
        Value::Array(items) => {
            let g = got
                .as_array()
                .unwrap_or_else(|| panic!("{path} is not an array: {got}"));
            assert_eq!(g.len(), items.len(), "{path} length");
            for (i, v) in items.iter().enumerate() {
                assert_contains(&g[i], v, &format!("{path}/{i}"));
            }
        }
        scalar if GENERATED.contains(&path) => {
            assert_eq!(
                std::mem::discriminant(got),
                std::mem::discriminant(scalar),
                "{path} has another type"
            );
            assert!(
                got.as_str().is_some_and(|s| !s.is_empty()),
                "{path} is empty"
            );
        }
        scalar => assert_eq!(got, scalar, "{path}"),
    }
}

#[tokio::test]
async fn a_pool_created_like_the_seed_lists_back_in_the_seed_shape() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let mut body = pool_body("auto-pool-os", 2);
    body["spec"]["network"]["name"] = json!("network-maos-86c13962597848eeb29c5861153a391f");
    let r = s.call("POST", &s.pools_path(), &[], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let list = s.list(&[]).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["apiVersion"], "v2");
    assert_eq!(list.body["kind"], "PoolList");
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_contains(&items[0], &seed_item(), "");
    // Timestamps are RFC 3339 with second precision in UTC.
    let ts = items[0]["metadata"]["creationTimestamp"].as_str().unwrap();
    assert_eq!(ts.len(), 20, "{ts}");
    assert!(
        ts.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(ts).is_ok(),
        "{ts}"
    );
}

#[tokio::test]
async fn create_fills_in_what_the_live_service_fills_in() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let p = s.create_pool("pool-labels", 1).await;
    let name = pool_name("pool-labels");
    assert_eq!(p["metadata"]["name"], name);
    let labels = &p["metadata"]["labels"];
    assert_eq!(labels["os.modelarts/name"], "pool-labels");
    assert_eq!(labels["os.modelarts/workspace.id"], "0");
    assert_eq!(labels["os.modelarts/tenant.project.id"], PROJECT);
    assert_eq!(
        labels["os.modelarts/tenant.domain.id"],
        respool_testkit::DOMAIN
    );
    assert!(labels["os.modelarts/resource.id"]
        .as_str()
        .unwrap()
        .starts_with("maos-pool-labels-"));
    assert_eq!(
        p["metadata"]["annotations"]["os.modelarts/billing.mode"],
        "0"
    );
    assert_eq!(p["metadata"]["annotations"]["os.modelarts/description"], "");
    // Creation is asynchronous: the answer has no phase yet.
    assert_eq!(p["status"], json!({"resources": {}}));
}

#[tokio::test]
async fn show_answers_the_pool_and_404_names_a_missing_one_in_quotes() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-show", 1).await;
    let r = s.show(&pool_name("pool-show")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"]["phase"], "Running");
    assert_eq!(r.body["kind"], "Pool");

    let r = s.show("no-such-pool").await;
    let msg = r.assert_error(404, "ModelArts.50015001");
    assert_eq!(msg, "pool \"no-such-pool\" not found");
}

#[tokio::test]
async fn the_same_display_name_twice_is_409() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-twice", 1).await;
    let r = s
        .call(
            "POST",
            &s.pools_path(),
            &[],
            Some(&pool_body("pool-twice", 3)),
        )
        .await;
    assert_eq!(
        r.assert_error(409, "ModelArts.50015000"),
        "Pool already exists."
    );
}

#[tokio::test]
async fn list_filters_by_workspace_status_and_label_selector() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-a", 1).await;
    let mut b = pool_body("pool-b", 1);
    b["metadata"]["labels"]["team"] = json!("ml");
    b["metadata"]["labels"]["tier"] = json!("gold");
    s.call("POST", &s.pools_path(), &[], Some(&b)).await;
    let ws1 = s.create_workspace("ws-one").await;
    let mut c = pool_body("pool-c", 1);
    c["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(ws1);
    c["metadata"]["labels"]["team"] = json!("ops");
    s.call("POST", &s.pools_path(), &[], Some(&c)).await;

    let (a, b, c) = (
        pool_name("pool-a"),
        pool_name("pool-b"),
        pool_name("pool-c"),
    );
    assert_eq!(
        s.list_names(&[]).await,
        vec![a.clone(), b.clone()],
        "default workspace 0"
    );
    assert_eq!(
        s.list_names(&[("workspaceId", "0")]).await,
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        s.list_names(&[("workspaceId", &ws1)]).await,
        vec![c.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "team=ml")]).await,
        vec![b.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "team==ml")]).await,
        vec![b.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "team!=ml")]).await,
        vec![a.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "team")]).await,
        vec![b.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "!team")]).await,
        vec![a.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "tier in (gold, silver)")])
            .await,
        vec![b.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "tier notin (gold)")])
            .await,
        vec![a.clone()]
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "team=ml,tier=bronze")])
            .await,
        Vec::<String>::new()
    );
    assert_eq!(
        s.list_names(&[("labelSelector", "os.modelarts/name=pool-a")])
            .await,
        vec![a.clone()]
    );
    assert_eq!(
        s.list_names(&[("status", "created")]).await,
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        s.list_names(&[("status", "")]).await,
        vec![a.clone(), b.clone()]
    );
    assert!(s.list_names(&[("status", "creating")]).await.is_empty());
    assert!(s.list_names(&[("status", "failed")]).await.is_empty());
}

#[tokio::test]
async fn bad_list_parameters_are_400_saying_what_and_where() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let msg = s
        .list(&[("status", "running")])
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains("running") && msg.contains("creating"), "{msg}");
    let msg = s
        .list(&[("labelSelector", "a in (x y)")])
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(
        msg.contains("labelSelector") && msg.contains("position"),
        "{msg}"
    );
    let msg = s
        .list(&[("labelSelector", "-bad=x")])
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains("-bad"), "{msg}");
}

#[tokio::test]
async fn list_order_is_creation_time_then_name() {
    // Created at distinct instants: creation order.
    let s = TestServer::start(TimingProfile::Fast).await;
    for n in ["pool-z", "pool-m", "pool-a"] {
        s.create_pool(n, 1).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let want: Vec<String> = ["pool-z", "pool-m", "pool-a"].map(pool_name).to_vec();
    assert_eq!(s.list_names(&[]).await, want);

    // On a stopped clock every pool is created at the same instant: name order.
    let s = TestServer::start(TimingProfile::Manual).await;
    for n in ["pool-z", "pool-m", "pool-a"] {
        s.create_pool(n, 1).await;
    }
    let want: Vec<String> = ["pool-a", "pool-m", "pool-z"].map(pool_name).to_vec();
    assert_eq!(s.list_names(&[]).await, want);
}

#[tokio::test]
async fn create_validation_errors_are_400() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"metadata": {"labels": {}}, "spec": pool_body("x", 1)["spec"].clone()}),
            "os.modelarts/name",
        ),
        (
            with(
                pool_body("ab", 1),
                "/metadata/labels/os.modelarts~1name",
                json!("ab"),
            ),
            "invalid pool name",
        ),
        (
            with(pool_body("Pool-Upper", 1), "", Value::Null),
            "invalid pool name",
        ),
        (
            with(pool_body("pool-t", 1), "/spec/type", json!("Shared")),
            "spec.type",
        ),
        (
            with(pool_body("pool-s", 1), "/spec/scope", json!([])),
            "spec.scope",
        ),
        (
            with(
                pool_body("pool-s", 1),
                "/spec/scope",
                json!(["Train", "Fly"]),
            ),
            "Fly",
        ),
        (
            with(
                pool_body("pool-s", 1),
                "/spec/scope",
                json!(["Train", "Train"]),
            ),
            "twice",
        ),
        (
            with(pool_body("pool-r", 1), "/spec/resources", json!([])),
            "spec.resources",
        ),
        (
            with(
                pool_body("pool-r", 1),
                "/spec/resources/0/flavor",
                json!("modelarts.vm.nope"),
            ),
            "modelarts.vm.nope",
        ),
        (
            with(pool_body("pool-r", 1), "/spec/resources/0/count", json!(0)),
            "count",
        ),
        (
            with(pool_body("pool-n", 1), "/spec/network", Value::Null),
            "network",
        ),
        (
            with(
                pool_body("pool-d", 1),
                "/metadata/annotations",
                json!({"os.modelarts/description": "a<b"}),
            ),
            "description",
        ),
        (
            with(pool_body("pool-k", 1), "/kind", json!("Network")),
            "kind",
        ),
    ];
    for (body, needle) in cases {
        let r = s.call("POST", &s.pools_path(), &[], Some(&body)).await;
        let msg = r.assert_error(400, "ModelArts.50004000");
        assert!(msg.contains(needle), "{needle:?} not in {msg:?} for {body}");
    }
    assert!(s.list_names(&[]).await.is_empty(), "nothing was created");
}

/// `body` with the value at JSON pointer `ptr` replaced (`Null` removes it; "" means as is).
fn with(mut body: Value, ptr: &str, v: Value) -> Value {
    if ptr.is_empty() {
        return body;
    }
    let (parent, key) = ptr.rsplit_once('/').unwrap();
    let key = key.replace("~1", "/");
    let target = body.pointer_mut(parent).unwrap();
    if v.is_null() {
        target.as_object_mut().unwrap().remove(&key);
    } else if let Some(arr) = target.as_array_mut() {
        arr[key.parse::<usize>().unwrap()] = v;
    } else {
        target[key.as_str()] = v;
    }
    body
}

#[tokio::test]
async fn wrong_json_types_and_malformed_json_are_400_with_the_place() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s
        .call(
            "POST",
            &s.pools_path(),
            &[],
            Some(&with(
                pool_body("pool-j", 1),
                "/spec/resources/0/count",
                json!("two"),
            )),
        )
        .await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("spec.resources[0].count"), "{msg}");
}

#[tokio::test]
async fn patch_merges_and_replaces_arrays_whole() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-patch", 2).await;
    let path = format!("{}/{}", s.pools_path(), pool_name("pool-patch"));
    let r = s
        .call(
            "PATCH",
            &path,
            &[],
            Some(&json!({"metadata": {"annotations": {"os.modelarts/description": "hello"}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["metadata"]["annotations"]["os.modelarts/description"],
        "hello"
    );
    assert_eq!(
        r.body["spec"]["scope"],
        json!(["Train", "Infer"]),
        "untouched fields stay"
    );

    let r = s
        .call(
            "PATCH",
            &path,
            &[],
            Some(&json!({"spec": {"scope": ["Infer"]}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["spec"]["scope"],
        json!(["Infer"]),
        "arrays replace whole"
    );

    let r = s
        .call(
            "PATCH",
            &path,
            &[],
            Some(&json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 3}]}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["resources"][0]["count"], 3);
    let shown = s.show(&pool_name("pool-patch")).await;
    assert_eq!(
        shown.body["status"]["resources"]["available"][0]["count"],
        3
    );

    // The stored pool is what the answer said.
    assert_eq!(shown.body["spec"], r.body["spec"]);
}

#[tokio::test]
async fn patch_refuses_immutable_fields_and_mixed_workspace_moves() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-imm", 1).await;
    let ws2 = s.create_workspace("ws-two").await;
    let path = format!("{}/{}", s.pools_path(), pool_name("pool-imm"));
    let cases = [
        (json!({"spec": {"type": "Logical"}}), "spec.type"),
        (
            json!({"spec": {"network": {"name": "other"}}}),
            "spec.network",
        ),
        (
            json!({"metadata": {"labels": {"os.modelarts/name": "renamed"}}}),
            "os.modelarts/name",
        ),
        (json!({"metadata": {"name": "x"}}), "metadata.name"),
        (
            json!({"metadata": {"labels": {"os.modelarts/workspace.id": ws2}, "annotations": {"os.modelarts/description": "moved"}}}),
            "workspace",
        ),
        (
            json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": "x"}]}}),
            "count",
        ),
        (json!(["not", "an", "object"]), "object"),
    ];
    for (patch, needle) in cases {
        let r = s.call("PATCH", &path, &[], Some(&patch)).await;
        let msg = r.assert_error(400, "ModelArts.50004000");
        assert!(msg.contains(needle), "{needle:?} not in {msg:?}");
    }
    // A workspace move alone is fine, and the pool then lists under that workspace.
    let r = s
        .call(
            "PATCH",
            &path,
            &[],
            Some(&json!({"metadata": {"labels": {"os.modelarts/workspace.id": ws2}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(s.list_names(&[]).await.is_empty());
    assert_eq!(
        s.list_names(&[("workspaceId", &ws2)]).await,
        vec![pool_name("pool-imm")]
    );
}

#[tokio::test]
async fn patch_accepts_merge_patch_content_type_and_refuses_others() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-ct", 1).await;
    let path = format!("{}/{}", s.pools_path(), pool_name("pool-ct"));
    let body = json!({"metadata": {"annotations": {"os.modelarts/description": "mp"}}});
    let r = s
        .call_as(
            respool_testkit::AK,
            respool_testkit::SK,
            "PATCH",
            &path,
            &[],
            Some(&body),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    // The harness signs Content-Type too; replace it by hand through a token instead.
    let token = s
        .token(respool_testkit::AK, respool_testkit::SK, PROJECT)
        .await;
    let url = format!("{}{path}", s.base);
    let r = s
        .raw(
            s.http
                .patch(&url)
                .header("X-Auth-Token", &token)
                .header("Content-Type", "application/merge-patch+json")
                .body(r#"{"metadata":{"annotations":{"os.modelarts/description":"merge"}}}"#),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["metadata"]["annotations"]["os.modelarts/description"],
        "merge"
    );
    let r = s
        .raw(
            s.http
                .patch(&url)
                .header("X-Auth-Token", &token)
                .header("Content-Type", "text/plain")
                .body("{}"),
        )
        .await;
    r.assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn delete_answers_with_deletion_timestamp_then_the_pool_is_gone() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-del", 1).await;
    let name = pool_name("pool-del");
    let r = s
        .call("DELETE", &format!("{}/{name}", s.pools_path()), &[], None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        r.body["status"]["phase"], "Running",
        "the answer shows the pool as it was"
    );
    s.show(&name).await.assert_error(404, "ModelArts.50015001");
    assert!(s.list_names(&[]).await.is_empty());
    // The display name is free again.
    s.create_pool("pool-del", 1).await;
    let again = s
        .call(
            "DELETE",
            "/v2/0123456789abcdef0123456789abcdef/pools/nope",
            &[],
            None,
        )
        .await;
    again.assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn fast_timing_passes_through_creating_and_deleting() {
    let s = TestServer::start(TimingProfile::Fast).await;
    s.create_pool("pool-fast", 2).await;
    let name = pool_name("pool-fast");
    assert_eq!(
        s.list_names(&[("status", "creating")]).await,
        vec![name.clone()]
    );
    assert!(s.list_names(&[("status", "created")]).await.is_empty());
    let shown = s.show(&name).await;
    assert_eq!(shown.body["status"]["phase"], "Creating");
    assert_eq!(shown.body["status"]["resources"]["creating"][0]["count"], 2);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.list_names(&[("status", "created")]).await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "never became Running");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let shown = s.show(&name).await;
    assert_eq!(shown.body["status"]["phase"], "Running");
    assert_eq!(
        shown.body["status"]["resources"]["available"][0]["count"],
        2
    );
    assert!(shown.body["status"]["resources"].get("creating").is_none());

    let r = s
        .call("DELETE", &format!("{}/{name}", s.pools_path()), &[], None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(s.show(&name).await.body["status"]["phase"], "Deleting");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.show(&name).await.status != 404 {
        assert!(std::time::Instant::now() < deadline, "never went away");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn acknowledged_pools_survive_a_restart_and_creation_continues() {
    let s = TestServer::with(respool_testkit::Options {
        timing: TimingProfile::Fast,
        reconciler: false,
        ..Default::default()
    })
    .await;
    s.create_pool("pool-restart", 1).await;
    let dir = s.stop();
    let s = TestServer::with(respool_testkit::Options {
        timing: TimingProfile::Fast,
        dir: Some(dir),
        ..Default::default()
    })
    .await;
    let name = pool_name("pool-restart");
    assert_eq!(names(&s.list(&[]).await.body), vec![name.clone()]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.list_names(&[("status", "created")]).await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "creation did not continue after restart"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
