//! `POST /v2/{project_id}/pools/{pool_name}/orderid?actionType=toPeriod`:
//! an order that, once paid, turns a pay-per-use pool yearly/monthly.

use respool_testkit::{pool_body, pool_name, TestServer, NODE_CREATE};
use serde_json::json;

fn billing(pool: &serde_json::Value) -> &str {
    pool["metadata"]["annotations"]["os.modelarts/billing.mode"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn a_paid_to_period_order_makes_the_pool_yearly_monthly() {
    let s = TestServer::manual().await;
    s.create_pool("to-period", 1).await;
    s.advance(NODE_CREATE).await;
    let pool = pool_name("to-period");

    let r = s.order_id(&pool, &[("actionType", "toPeriod")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("CS") && id.len() == 17, "{id}");
    // Asked again while unpaid: the same order.
    let again = s
        .order_id(&pool, &[("actionType", "toPeriod"), ("workspaceId", "0")])
        .await;
    assert_eq!(again.body["id"], id.as_str());

    let order = s
        .orders_of(&pool)
        .await
        .into_iter()
        .find(|o| o["orderId"] == id.as_str())
        .expect("the order is listed");
    assert_eq!(order["phase"], "pending");
    assert_eq!(order["beginTimestamp"], 0);
    let p = s.pool(&pool).await;
    assert_eq!(billing(&p), "0", "unpaid: still pay-per-use");
    assert_eq!(p["status"]["phase"], "Running");

    let r = s.pay(&pool).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = s.pool(&pool).await;
    assert_eq!(billing(&p), "1");
    let node = &s.nodes(&pool).await[0];
    assert_eq!(
        node["metadata"]["annotations"]["os.modelarts/billing.mode"],
        "1"
    );
    let order = s
        .orders_of(&pool)
        .await
        .into_iter()
        .find(|o| o["orderId"] == id.as_str())
        .unwrap();
    assert_eq!(order["phase"], "successed");
    assert!(order["endTimestamp"].as_i64().unwrap() > 0);

    // Yearly/monthly now: no second conversion, nothing left to pay.
    s.order_id(&pool, &[("actionType", "toPeriod")])
        .await
        .assert_error(400, "ModelArts.50004000");
    s.pay(&pool).await.assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn a_conversion_needs_a_running_pay_per_use_pool_and_the_right_action() {
    let s = TestServer::manual().await;
    s.create_pool("conv-early", 1).await;
    let pool = pool_name("conv-early");
    let r = s.order_id(&pool, &[("actionType", "toPeriod")]).await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("Running"));
    s.advance(NODE_CREATE).await;
    for bad in [&[("actionType", "toDemand")][..], &[]] {
        let r = s.order_id(&pool, bad).await;
        assert!(r
            .assert_error(400, "ModelArts.50004000")
            .contains("actionType"));
    }
    // The body may say it instead of the query.
    let path = format!("{}/{pool}/orderid", s.pools_path());
    let r = s
        .call("POST", &path, &[], Some(&json!({"actionType": "toPeriod"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.order_id(
        &pool,
        &[("actionType", "toPeriod"), ("workspaceId", "nope")],
    )
    .await
    .assert_error(400, "ModelArts.7005");
    s.order_id(&pool_name("missing"), &[("actionType", "toPeriod")])
        .await
        .assert_error(404, "ModelArts.50015001");

    // A pool whose controlMode restricts conversion refuses it.
    let mut body = pool_body("conv-locked", 1);
    body["spec"]["controlMode"] = json!(1);
    assert_eq!(s.create_with(&body).await.status, 200);
    s.advance(NODE_CREATE).await;
    let r = s
        .order_id(&pool_name("conv-locked"), &[("actionType", "toPeriod")])
        .await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("controlMode"));
}
