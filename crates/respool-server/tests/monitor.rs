//! `GET /v2/{project_id}/pools/{pool_name}/monitor` over HTTP: metric
//! series that follow the nodes and the clock.

use std::collections::BTreeSet;

use respool_core::timing::TimingProfile;
use respool_testkit::{pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::{json, Value};

fn monitor_path(pool: &str) -> String {
    format!("/v2/{PROJECT}/pools/{pool}/monitor")
}

fn metric_names(body: &Value) -> BTreeSet<String> {
    body["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric"]["metricName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn monitor_series_follow_the_nodes_and_the_clock() {
    let s = TestServer::manual().await;
    s.create_pool("pool-mon", 2).await;
    let name = pool_name("pool-mon");
    s.advance(NODE_CREATE + 30.0 * 60.0).await;

    let r = s.call("GET", &monitor_path(&name), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        metric_names(&r.body),
        BTreeSet::from(["cpuUsage".into(), "memUsedRate".into()]),
        "no accelerator metrics on CPU flavors"
    );
    let cpu = &r.body["metrics"][0];
    assert_eq!(cpu["metric"]["metricName"], "cpuUsage");
    assert_eq!(cpu["metric"]["dimensions"][0]["name"], "clusterId");
    let points = cpu["dataPoints"].as_array().unwrap();
    // The last hour, one point a minute.
    assert!((60..=61).contains(&points.len()), "{}", points.len());
    let values: Vec<f64> = points
        .iter()
        .map(|p| {
            assert_eq!(p["unit"], "Percent");
            assert_eq!(p["statistics"][0]["statistic"], "maximum");
            p["statistics"][0]["value"].as_f64().unwrap()
        })
        .collect();
    let stamps: Vec<i64> = points
        .iter()
        .map(|p| p["timestamp"].as_i64().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[1] - w[0] == 60_000));
    // No data before the nodes came up (-1), data after.
    assert_eq!(values[0], -1.0, "{values:?}");
    let last = *values.last().unwrap();
    assert!((0.0..=100.0).contains(&last), "{values:?}");
    assert!(values.iter().filter(|v| **v >= 0.0).count() >= 29);

    // Deterministic: the same window gives the same numbers.
    let again = s.call("GET", &monitor_path(&name), &[], None).await;
    assert_eq!(again.body, r.body);

    let r = s
        .call(
            "GET",
            &monitor_path(&name),
            &[
                ("time_range", "-1.-1.120"),
                ("period", "300"),
                ("statistics", "sampleCount"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let points = r.body["metrics"][0]["dataPoints"].as_array().unwrap();
    assert!((24..=25).contains(&points.len()), "{}", points.len());
    let counts: Vec<f64> = points
        .iter()
        .map(|p| p["statistics"][0]["value"].as_f64().unwrap())
        .collect();
    assert!(counts.iter().all(|c| (0.0..=5.0).contains(c)), "{counts:?}");
    assert!(counts.contains(&5.0), "{counts:?}");
}

#[tokio::test]
async fn accelerator_pools_report_accelerator_metrics() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let mut body = pool_body("pool-gpu", 1);
    body["spec"]["scope"] = json!(["Train"]);
    body["spec"]["resources"][0]["flavor"] = json!("modelarts.bm.gpu.a100.8");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .call("GET", &monitor_path(&pool_name("pool-gpu")), &[], None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(metric_names(&r.body).contains("gpuUtil"));
    assert!(!metric_names(&r.body).contains("npuUtil"));

    let mut body = pool_body("pool-npu", 1);
    body["spec"]["scope"] = json!(["Train"]);
    body["spec"]["resources"][0]["flavor"] = json!("modelarts.kat1.8xlarge");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .call("GET", &monitor_path(&pool_name("pool-npu")), &[], None)
        .await;
    assert!(metric_names(&r.body).contains("npuUtil"));
}

#[tokio::test]
async fn monitor_parameters_are_validated() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-mon-bad", 1).await;
    let path = monitor_path(&pool_name("pool-mon-bad"));
    for bad in [
        ("period", "61"),
        ("period", "x"),
        ("statistics", "median"),
        ("time_range", "x"),
        ("time_range", "-1.-1"),
        ("time_range", "-1.-1.0"),
        ("time_range", "-1.-1.1441"),
        ("time_range", "2000.1000.5"),
    ] {
        s.call("GET", &path, &[bad], None)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
    assert_eq!(
        s.call("GET", &path, &[("time_range", "-1.-1.1440")], None)
            .await
            .status,
        200
    );
    s.call("GET", &monitor_path(&pool_name("pool-nope")), &[], None)
        .await
        .assert_error(404, "ModelArts.50015001");
}
