//! What the live service says of a pool beyond what was asked (labels,
//! annotations, clusters, controlMode) and how it compares a patch.

use respool_testkit::{pool_body, pool_name, TestServer, NODE_CREATE};
use serde_json::json;

#[tokio::test]
async fn a_pool_carries_the_labels_and_annotations_the_service_sets() {
    let s = TestServer::manual().await;
    let created = s.create_pool("fields", 1).await;
    let labels = &created["metadata"]["labels"];
    assert_eq!(labels["os.modelarts/enterprise.project.id"], "0");
    assert_eq!(labels["os.modelarts/create-from"], "api");
    let annotations = &created["metadata"]["annotations"];
    let order_id = annotations["os.modelarts/order.id"].as_str().unwrap();
    assert!(order_id.starts_with("CS"), "{order_id}");
    assert!(annotations["os.modelarts/tenant.domain.name"].is_string());
    let ids: serde_json::Value = serde_json::from_str(
        annotations["os.modelarts/flavor.resource.ids"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let id = ids["modelarts.vm.cpu.4ud"].as_str().unwrap();
    assert!(id.starts_with("maos.vm.cpu.4ud."), "{id}");
    assert!(
        annotations.get("os.modelarts/period.num").is_none(),
        "pay-per-use"
    );
    assert_eq!(created["spec"]["controlMode"], 0);
    let shown = s.pool(&pool_name("fields")).await;
    let cluster = &shown["status"]["clusters"];
    assert!(cluster["name"]
        .as_str()
        .unwrap()
        .starts_with("cluster-fields-"));
    assert_eq!(cluster["type"], "VirtualMachine");

    // A new flavor gets its own resource id; the first keeps its own.
    s.advance(NODE_CREATE).await;
    let patch = json!({"spec": {"resources": [
        {"flavor": "modelarts.vm.cpu.4ud", "count": 1},
        {"flavor": "modelarts.vm.cpu.8ud", "count": 1}
    ]}});
    let r = s.patch_pool(&pool_name("fields"), &patch).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after: serde_json::Value = serde_json::from_str(
        r.body["metadata"]["annotations"]["os.modelarts/flavor.resource.ids"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(after["modelarts.vm.cpu.4ud"], id);
    assert!(after["modelarts.vm.cpu.8ud"].is_string());

    // Yearly/monthly: a one-month period, not renewed, unless asked.
    let mut body = pool_body("fields-paid", 1);
    body["metadata"]["annotations"] =
        json!({"os.modelarts/billing.mode": "1", "os.modelarts/period.num": "3"});
    let r = s.create_with(&body).await;
    let annotations = &r.body["metadata"]["annotations"];
    assert_eq!(annotations["os.modelarts/period.num"], "3");
    assert_eq!(annotations["os.modelarts/period.type"], "2");
    assert_eq!(annotations["os.modelarts/auto.renew"], "0");
}

#[tokio::test]
async fn scope_and_resources_sent_back_in_another_order_change_nothing() {
    let s = TestServer::manual().await;
    let mut body = pool_body("reorder", 1);
    body["spec"]["resources"] = json!([
        {"flavor": "modelarts.vm.cpu.4ud", "count": 1},
        {"flavor": "modelarts.vm.cpu.8ud", "count": 1}
    ]);
    assert_eq!(s.create_with(&body).await.status, 200);
    let name = pool_name("reorder");
    // Still Creating: a real change is refused, the same spec reordered is not.
    let reordered = json!({"spec": {
        "scope": ["Infer", "Train"],
        "resources": [
            {"flavor": "modelarts.vm.cpu.8ud", "count": 1},
            {"flavor": "modelarts.vm.cpu.4ud", "count": 1}
        ]
    }});
    let r = s.patch_pool(&name, &reordered).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let grown = json!({"spec": {"scope": ["Train"]}});
    let r = s.patch_pool(&name, &grown).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("Running"));
}

#[tokio::test]
async fn control_mode_restricts_what_the_pool_accepts() {
    let s = TestServer::manual().await;
    s.create_pool("ctl-mode", 1).await;
    s.advance(NODE_CREATE).await;
    let name = pool_name("ctl-mode");
    let set = |mode: i64| json!({"spec": {"controlMode": mode}});

    // Frozen: nothing changes but the mode itself.
    assert_eq!(s.patch_pool(&name, &set(8)).await.status, 200);
    let r = s.scale(&name, 2).await;
    assert!(r.assert_error(400, "ModelArts.50004000").contains("frozen"));
    let r = s
        .patch_pool(&name, &json!({"metadata": {"labels": {"team": "x"}}}))
        .await;
    r.assert_error(400, "ModelArts.50004000");

    // Flavor changes restricted: scaling the same flavor is fine.
    assert_eq!(s.patch_pool(&name, &set(2)).await.status, 200);
    assert_eq!(s.scale(&name, 2).await.status, 200);
    let other = json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.8ud", "count": 1}]}});
    let r = s.patch_pool(&name, &other).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("flavors"));

    // Services restricted: the job types stay.
    assert_eq!(s.patch_pool(&name, &set(4)).await.status, 200);
    s.advance(NODE_CREATE).await;
    let r = s
        .patch_pool(&name, &json!({"spec": {"scope": ["Train"]}}))
        .await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("job types"));

    // Frozen for public security: not even deleted.
    assert_eq!(s.patch_pool(&name, &set(16)).await.status, 200);
    let r = s.delete_pool(&name).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("cannot be deleted"));
    assert_eq!(s.patch_pool(&name, &set(0)).await.status, 200);
    assert_eq!(s.delete_pool(&name).await.status, 200);

    s.patch_pool(&name, &set(64))
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn a_logical_pool_may_grow_to_max_count_but_not_below_count() {
    let s = TestServer::manual().await;
    let mut body = pool_body("elastic", 1);
    body["spec"]["type"] = json!("Logical");
    body["spec"].as_object_mut().unwrap().remove("network");
    body["spec"]["resources"] =
        json!([{"flavor": "modelarts.vm.cpu.4ud", "count": 1, "maxCount": 3}]);
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["resources"][0]["maxCount"], 3);
    body["metadata"]["labels"]["os.modelarts/name"] = json!("shrunk");
    body["spec"]["resources"][0]["maxCount"] = json!(0);
    let r = s.create_with(&body).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("maxCount"));
}
