//! `/v1/{project_id}/orders` and `/v1/{project_id}/events` over HTTP, on the
//! manual clock: what each request and each stage records, the filters and
//! paging, the refusals, and what stays after a pool is gone.

use respool_testkit::{pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::{json, Value};

const NODE_DELETE: f64 = 180.0;
const POOL_DELETE: f64 = 240.0;

fn orders_path() -> String {
    format!("/v1/{PROJECT}/orders")
}

fn events_path() -> String {
    format!("/v1/{PROJECT}/events")
}

async fn orders(s: &TestServer, query: &[(&str, &str)]) -> Value {
    let r = s.call("GET", &orders_path(), query, None).await;
    assert_eq!(r.status, 200, "orders {query:?}: {}", r.text);
    r.body
}

async fn order_items(s: &TestServer, order: &str) -> Vec<Value> {
    let r = s
        .call("GET", &format!("{}/{order}", orders_path()), &[], None)
        .await;
    assert_eq!(r.status, 200, "order {order}: {}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

async fn events(s: &TestServer, pool: &str, extra: &[(&str, &str)]) -> Value {
    let mut q = vec![("resource", "pools"), ("name", pool)];
    q.extend_from_slice(extra);
    let r = s.call("GET", &events_path(), &q, None).await;
    assert_eq!(r.status, 200, "events {q:?}: {}", r.text);
    r.body
}

fn messages(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

fn order_of(pool: &Value) -> String {
    pool["metadata"]["labels"]["os.modelarts/order.name"]
        .as_str()
        .expect("order name label")
        .to_owned()
}

#[tokio::test]
async fn every_request_that_changes_nodes_is_an_order_followed_to_its_end() {
    let s = TestServer::manual().await;
    let created = s.create_pool("pool-ord", 1).await;
    let name = pool_name("pool-ord");
    let create_order = order_of(&created);
    assert!(
        create_order.starts_with("order.pool-ord-"),
        "{create_order}"
    );
    assert_eq!(order_of(&s.pool(&name).await), create_order, "stored too");

    let list = orders(&s, &[("involvedName", &name)]).await;
    assert_eq!(list["count"], 1);
    let o = &list["items"][0];
    assert_eq!(o["orderName"], create_order.as_str());
    assert_eq!(o["phase"], "processing");
    assert_eq!(o["operation"], "apply");
    assert_eq!(o["resourceName"], name.as_str());
    assert_eq!(o["resourceDisplayName"], "pool-ord");
    assert_eq!(o["workspaceId"], "0");
    assert_eq!(o["initCount"], json!([]));
    assert_eq!(
        o["specCount"],
        json!([{"flavor": "modelarts.vm.cpu.4ud", "count": 1}])
    );
    assert_eq!(o["resultCount"], json!([]));
    assert_eq!(o["endTimestamp"], 0);
    assert!(o["creationTimestamp"].as_i64().unwrap() > 1_600_000_000_000);
    assert!(o.get("failReason").is_none());
    let id = o["orderId"].as_str().unwrap();
    assert!(id.starts_with("CS") && id.len() == 17, "{id}");
    let items = order_items(&s, &create_order).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "createPool");
    assert_eq!(items[1]["action"], "createNode");
    assert!(items.iter().all(|i| i["status"] == "processing"));
    assert!(items[0]["beginTimestamp"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .is_ok());

    s.advance(NODE_CREATE).await;
    let o = &orders(&s, &[("involvedName", "pool-ord")]).await["items"][0];
    assert_eq!(o["phase"], "successed");
    assert_eq!(o["resultCount"][0]["count"], 1);
    assert!(o["endTimestamp"].as_i64().unwrap() > o["beginTimestamp"].as_i64().unwrap());
    assert!(order_items(&s, &create_order)
        .await
        .iter()
        .all(|i| i["status"] == "succeed"));

    // Scaling is an order; a patch that changes no count is not.
    let scaled = s.scale(&name, 3).await;
    assert_eq!(scaled.status, 200, "{}", scaled.text);
    let scale_order = order_of(&scaled.body);
    assert_ne!(scale_order, create_order);
    let r = s
        .patch_pool(
            &name,
            &json!({"metadata": {"annotations": {"os.modelarts/description": "x"}}}),
        )
        .await;
    assert_eq!(order_of(&r.body), scale_order, "no new order");
    s.advance(NODE_CREATE).await;

    // So is a node batch-delete.
    let nodes = s.nodes(&name).await;
    let victim = nodes[0]["metadata"]["name"].as_str().unwrap();
    let r = s.delete_nodes(&name, &[victim]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let batch_order = order_of(&s.pool(&name).await);
    assert_ne!(batch_order, scale_order);
    let items = order_items(&s, &batch_order).await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        (
            items[0]["action"].as_str(),
            items[0]["resourceName"].as_str()
        ),
        (Some("deleteNode"), Some(victim))
    );
    assert_eq!(items[0]["status"], "processing");
    s.advance(NODE_DELETE).await;
    assert_eq!(order_items(&s, &batch_order).await[0]["status"], "succeed");

    // And the delete; its answer names its order.
    let r = s.delete_pool(&name).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let delete_order = order_of(&r.body);
    let items = order_items(&s, &delete_order).await;
    assert_eq!(items[0]["action"], "deletePool");
    assert_eq!(
        items.iter().filter(|i| i["action"] == "deleteNode").count(),
        2
    );
    s.advance(POOL_DELETE).await;
    assert_eq!(s.show(&name).await.status, 404);

    let list = orders(&s, &[("involvedName", &name)]).await;
    let got: Vec<(&str, &str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["orderName"].as_str().unwrap(),
                o["operation"].as_str().unwrap(),
                o["phase"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (delete_order.as_str(), "delete", "successed"),
            (batch_order.as_str(), "modify", "successed"),
            (scale_order.as_str(), "modify", "successed"),
            (create_order.as_str(), "apply", "successed"),
        ],
        "newest first"
    );
    assert_eq!(list["items"][0]["resultCount"], json!([]));
}

#[tokio::test]
async fn failures_and_payment_show_in_the_order_phase() {
    let s = TestServer::manual().await;
    // A prepaid pool's order waits for payment.
    let mut body = pool_body("pool-paid", 1);
    body["metadata"]["annotations"] = json!({"os.modelarts/billing.mode": "1"});
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let name = pool_name("pool-paid");
    let o = &orders(&s, &[("involvedName", &name)]).await["items"][0];
    assert_eq!(
        (o["phase"].as_str(), o["beginTimestamp"].as_i64()),
        (Some("pending"), Some(0))
    );
    assert_eq!(orders(&s, &[("phase", "pending")]).await["count"], 1);
    let r = s
        .admin(
            "POST",
            &format!("/_respool/pools/{PROJECT}/{name}/pay"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = &orders(&s, &[("involvedName", &name)]).await["items"][0];
    assert_eq!(o["phase"], "processing");
    assert!(o["beginTimestamp"].as_i64().unwrap() > 0);
    // `running` is understood for processing.
    assert_eq!(orders(&s, &[("phase", "running")]).await["count"], 1);

    // A scaling that fails fails its order, with the reason.
    s.advance(NODE_CREATE).await;
    s.add_fault("os.modelarts/name=pool-paid", "scaling-fails", None)
        .await;
    let r = s.scale(&name, 2).await;
    let order = order_of(&r.body);
    s.advance(NODE_CREATE).await;
    let o = &orders(&s, &[("involvedName", &name), ("phase", "failed")]).await["items"][0];
    assert_eq!(o["orderName"], order.as_str());
    assert_eq!(
        o["failReason"],
        "Failed to scale the pool: the new nodes could not be provisioned."
    );
    let items = order_items(&s, &order).await;
    assert_eq!(items[0]["status"], "failed");
    assert_eq!(items[0]["message"], o["failReason"]);
}

#[tokio::test]
async fn events_follow_the_phase_and_the_node_counts() {
    let s = TestServer::manual().await;
    s.create_pool("pool-evt", 1).await;
    let name = pool_name("pool-evt");
    s.advance(NODE_CREATE).await;
    let fault = s
        .add_fault("os.modelarts/name=pool-evt", "nodes-abnormal", Some(1))
        .await;
    s.remove_fault(&fault).await;
    s.advance(60.0).await;

    let list = events(&s, &name, &[]).await;
    assert_eq!(list["kind"], "EventList");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["metadata"], json!({}));
    let e = &list["items"][0];
    assert_eq!(e["kind"], "Event");
    assert_eq!(e["apiVersion"], "v1");
    assert_eq!(e["count"], 1);
    assert_eq!(e["firstTimestamp"], e["lastTimestamp"]);
    assert_eq!(e["metadata"]["creationTimestamp"], e["firstTimestamp"]);
    assert!(e["metadata"]["name"].as_str().unwrap().starts_with(&name));
    let got = messages(&list);
    let ts = |m: &str| {
        m.rsplit("timestamp: ")
            .next()
            .unwrap()
            .trim_end_matches('.')
            .to_owned()
    };
    let want = [
        "Pool status changed, from Abnormal to Running.".to_owned(),
        format!("Pool resources status changed, available/abnormal/creating/deleting count from 0/1/0/0 to 1/0/0/0, timestamp: {}.", ts(&got[1])),
        "Pool status changed, from Running to Abnormal, details: .".to_owned(),
        format!("Pool resources status changed, available/abnormal/creating/deleting count from 1/0/0/0 to 0/1/0/0, timestamp: {}.", ts(&got[3])),
        "Pool status changed, from Creating to Running.".to_owned(),
        format!("Pool resources status changed, available/abnormal/creating/deleting count from 0/0/1/0 to 1/0/0/0, timestamp: {}.", ts(&got[5])),
        format!("Pool resources status changed, available/abnormal/creating/deleting count from 0/0/0/0 to 0/0/1/0, timestamp: {}.", ts(&got[6])),
    ];
    assert_eq!(got, want, "newest first");
    // The abnormal events are warnings.
    let warnings = events(&s, &name, &[("type", "Warning")]).await;
    assert_eq!(messages(&warnings), [want[2].clone(), want[3].clone()]);
    assert_eq!(
        events(&s, &name, &[("type", "Normal")]).await["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // Oldest first on request.
    let asc = messages(&events(&s, &name, &[("ascend", "true")]).await);
    assert_eq!(asc, want.iter().rev().cloned().collect::<Vec<_>>());
    // Running for good: the node came up 720 s after creation; `since` and
    // `until` take milliseconds, and seconds too.
    let running_s: i64 = ts(&got[5]).parse().unwrap();
    let from_ms = (running_s * 1000).to_string();
    assert_eq!(
        events(&s, &name, &[("since", &from_ms)]).await["items"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let until_s = (running_s - 1).to_string();
    assert_eq!(
        messages(&events(&s, &name, &[("until", &until_s)]).await),
        [want[6].clone()]
    );

    // Pages of two, with a continue token, add up to the whole list.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut q = vec![("limit", "2")];
        if !token.is_empty() {
            q.push(("continue", &token));
        }
        let page = events(&s, &name, &q).await;
        seen.extend(messages(&page));
        match page["metadata"]["continue"].as_str() {
            Some(t) => token = t.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, want);
}

#[tokio::test]
async fn a_deleted_pools_events_stay_and_a_missing_pool_is_404() {
    let s = TestServer::manual().await;
    s.create_pool("pool-gone", 1).await;
    let name = pool_name("pool-gone");
    s.advance(NODE_CREATE).await;
    assert_eq!(s.delete_pool(&name).await.status, 200);
    s.advance(POOL_DELETE).await;
    assert_eq!(s.show(&name).await.status, 404);
    let got = messages(&events(&s, &name, &[]).await);
    assert!(got[0].contains("to 0/0/0/0"), "{got:?}");
    assert!(got.contains(&"Pool status changed, from Running to Deleting.".to_owned()));
    // Filters that match nothing of a known pool: an empty list, not a 404.
    let none = events(&s, &name, &[("type", "Warning")]).await;
    assert_eq!(none["items"], json!([]));

    let missing = pool_name("pool-never");
    let r = s
        .call(
            "GET",
            &events_path(),
            &[("resource", "pools"), ("name", &missing)],
            None,
        )
        .await;
    let msg = r.assert_error(404, "ModelArts.50015001");
    assert_eq!(msg, format!("pool \"{missing}\" not found"));
    let r = s
        .call(
            "GET",
            &format!("{}/order.pool-never-abcde", orders_path()),
            &[],
            None,
        )
        .await;
    r.assert_error(404, "ModelArts.50015001");
    // A pool that exists but has no order matching the filters: empty.
    s.create_pool("pool-here", 1).await;
    let empty = orders(&s, &[("involvedName", "pool-here"), ("phase", "failed")]).await;
    assert_eq!(empty, json!({"count": 0, "items": []}));
}

#[tokio::test]
async fn the_lists_page_filter_and_refuse_what_they_cannot_read() {
    let s = TestServer::manual().await;
    for i in 0..3 {
        s.create_pool(&format!("pool-pg{i}"), 1).await;
        s.advance(1.0).await;
    }
    let all = orders(&s, &[]).await;
    assert_eq!(all["count"], 3);
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["resourceDisplayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pool-pg2", "pool-pg1", "pool-pg0"]);
    let page = orders(&s, &[("limit", "1"), ("offset", "1")]).await;
    assert_eq!(page["count"], 3, "count is of every match");
    assert_eq!(page["items"][0]["resourceDisplayName"], "pool-pg1");
    assert_eq!(
        orders(&s, &[("limit", "0")]).await["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(orders(&s, &[("workspaceId", "ws9")]).await["count"], 0);
    let first = all["items"][2]["creationTimestamp"].as_i64().unwrap();
    let since = (first + 1).to_string();
    assert_eq!(orders(&s, &[("since", &since)]).await["count"], 2);
    assert_eq!(
        orders(&s, &[("until", &first.to_string())]).await["count"],
        1
    );
    assert_eq!(orders(&s, &[("resource", "pools")]).await["count"], 3);

    let name = pool_name("pool-pg0");
    let bad_orders: [&[(&str, &str)]; 6] = [
        &[("limit", "501")],
        &[("limit", "x")],
        &[("offset", "-1")],
        &[("since", "yesterday")],
        &[("phase", "done")],
        &[("resource", "networks")],
    ];
    for q in bad_orders {
        let r = s.call("GET", &orders_path(), q, None).await;
        r.assert_error(400, "ModelArts.50004000");
    }
    let bad_events: [&[(&str, &str)]; 5] = [
        &[("resource", "networks"), ("name", &name)],
        &[("resource", "pools"), ("name", &name), ("limit", "501")],
        &[("resource", "pools"), ("name", &name), ("type", "Error")],
        &[("resource", "pools"), ("name", &name), ("ascend", "yes")],
        &[
            ("resource", "pools"),
            ("name", &name),
            ("continue", "garbage!"),
        ],
    ];
    for q in bad_events {
        let r = s.call("GET", &events_path(), q, None).await;
        r.assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn without_resource_or_name_events_are_the_projects() {
    let s = TestServer::manual().await;
    s.create_pool("evt-one", 1).await;
    s.create_pool("evt-two", 1).await;
    s.advance(NODE_CREATE).await;
    let r = s.call("GET", &events_path(), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let names: std::collections::BTreeSet<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let event = e["metadata"]["name"].as_str().unwrap();
            event.rsplit_once('.').unwrap().0
        })
        .collect();
    assert_eq!(
        names,
        [pool_name("evt-one"), pool_name("evt-two")]
            .iter()
            .map(String::as_str)
            .collect()
    );
    let only = s
        .call("GET", &events_path(), &[("resource", "pools")], None)
        .await;
    assert_eq!(only.body["items"], r.body["items"]);
    s.call("GET", &events_path(), &[("resource", "jobs")], None)
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn nodes_a_fault_loses_leave_their_order_partially_successful() {
    let s = TestServer::manual().await;
    s.add_fault("os.modelarts/name=pool-part", "nodes-fail", Some(1))
        .await;
    let created = s.create_pool("pool-part", 3).await;
    let name = pool_name("pool-part");
    let create_order = order_of(&created);
    s.advance(NODE_CREATE).await;
    // Two of three arrived: the pool runs with them, and its spec says so.
    let p = s.pool(&name).await;
    assert_eq!(p["status"]["phase"], "Running");
    assert_eq!(p["spec"]["resources"][0]["count"], 2);
    assert_eq!(s.nodes(&name).await.len(), 2);
    let o = &orders(
        &s,
        &[("involvedName", &name), ("phase", "partialSuccessed")],
    )
    .await["items"][0];
    assert_eq!(o["orderName"], create_order.as_str());
    let reason = o["failReason"].as_str().unwrap();
    assert!(
        reason.starts_with("1 of 4 failed: ") && reason.contains("could not be provisioned"),
        "{reason}"
    );
    let items = order_items(&s, &create_order).await;
    assert_eq!(items.iter().filter(|i| i["status"] == "failed").count(), 1);
    assert_eq!(items.iter().filter(|i| i["status"] == "succeed").count(), 3);

    // A scaling loses one node of the two it adds.
    let r = s.scale(&name, 4).await;
    let scale_order = order_of(&r.body);
    s.advance(NODE_CREATE).await;
    assert_eq!(s.nodes(&name).await.len(), 3);
    let o = &orders(
        &s,
        &[("involvedName", &name), ("phase", "partialSuccessed")],
    )
    .await;
    assert_eq!(o["count"], 2);
    assert!(o["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["orderName"] == scale_order.as_str()));

    // Every node lost: creation fails.
    s.add_fault("os.modelarts/name=pool-lost", "nodes-fail", Some(5))
        .await;
    s.create_pool("pool-lost", 2).await;
    s.advance(NODE_CREATE).await;
    assert_eq!(s.phase(&pool_name("pool-lost")).await, "CreationFailed");
}
