//! What every request meets at the HTTP edge: request ids, limits, unknown
//! routes and methods, malformed bodies, health and the API description.

use respool_core::timing::TimingProfile;
use respool_testkit::{pool_body, Options, TestServer, PROJECT};
use serde_json::Value;

async fn with_token(s: &TestServer) -> String {
    s.token(respool_testkit::AK, respool_testkit::SK, PROJECT)
        .await
}

#[tokio::test]
async fn health_and_readiness_answer_200_with_a_request_id() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let r = s.raw(s.http.get(format!("{}{path}", s.base))).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.headers.contains_key("x-request-id"), "{path}");
        assert_eq!(r.headers["content-type"], "application/json", "{path}");
        assert_eq!(r.body, serde_json::json!({ "status": status }), "{path}");
    }
}

#[tokio::test]
async fn request_ids_are_unique_per_response() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let a = s.raw(s.http.get(format!("{}/healthz", s.base))).await;
    let b = s.raw(s.http.get(format!("{}/healthz", s.base))).await;
    assert_ne!(a.headers["x-request-id"], b.headers["x-request-id"]);
}

/// A route beside the API that panics, as a bug in a handler would.
fn panicking(_: respool_server::AppState) -> axum::Router<respool_server::AppState> {
    axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            if std::hint::black_box(true) {
                panic!("a bug");
            }
            "unreachable"
        }),
    )
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_in_the_modelarts_shape_and_the_server_goes_on() {
    let s = TestServer::with(Options {
        extra_routes: Some(panicking),
        ..Options::default()
    })
    .await;
    let r = s.raw(s.http.get(format!("{}/boom", s.base))).await;
    assert_eq!(r.status, 500);
    assert!(r.headers.contains_key("x-request-id"));
    // The panic's message goes to the log, not to the client.
    assert_eq!(r.body["error_code"], "ModelArts.50005000", "{}", r.text);
    assert_eq!(r.body["error_msg"], "internal error", "{}", r.text);
    let again = s.raw(s.http.get(format!("{}/healthz", s.base))).await;
    assert_eq!(again.status, 200);
    let metrics = s.raw(s.http.get(format!("{}/metrics", s.base))).await;
    assert!(
        metrics
            .text
            .contains(r#"respool_http_requests_total{route="/boom",method="GET",status="500"} 1"#),
        "{}",
        metrics.text
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_404_apigw_0101_as_the_gateway_answers() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s.raw(s.http.get(format!("{}/nothing/here", s.base))).await;
    r.assert_error(404, "APIGW.0101");
    let r = s
        .call("GET", &format!("/v2/{PROJECT}/nothing"), &[], None)
        .await;
    r.assert_error(404, "APIGW.0101");
    let r = s
        .call("PUT", &format!("/v2/{PROJECT}/pools"), &[], None)
        .await;
    let msg = r.assert_error(404, "APIGW.0101");
    assert_eq!(msg, "The API does not exist.");
    // An unknown node action is a missing API too, not the GET-only node route.
    let r = s
        .call(
            "POST",
            &format!("/v2/{PROJECT}/pools/p/nodes/batch-foo"),
            &[],
            Some(&serde_json::json!({"nodeNames": ["n"]})),
        )
        .await;
    r.assert_error(404, "APIGW.0101");
}

#[tokio::test]
async fn malformed_json_is_400_saying_where() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let token = with_token(&s).await;
    let url = format!("{}/v2/{PROJECT}/pools", s.base);
    let post = |body: &'static str| {
        s.http
            .post(&url)
            .header("X-Auth-Token", &token)
            .header("Content-Type", "application/json")
            .body(body)
    };
    let r = s.raw(post("{\"apiVersion\": \"v2\",\n \"kind\": }")).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("line 2"), "{msg}");
    let r = s.raw(post("")).await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("empty"), "{msg}");
    let r = s.raw(post("[1, 2]")).await;
    r.assert_error(400, "ModelArts.50004000");
    let r = s
        .raw(post(
            "{\"metadata\": {\"labels\": {\"os.modelarts/name\": 7}}}",
        ))
        .await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("metadata.labels"), "{msg}");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let token = with_token(&s).await;
    let mut body = pool_body("pool-big", 1);
    body["metadata"]["annotations"]["os.modelarts/description"] =
        Value::String("x".repeat(1024 * 1024));
    let r = s
        .raw(
            s.http
                .post(format!("{}/v2/{PROJECT}/pools", s.base))
                .header("X-Auth-Token", &token)
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(&body).unwrap()),
        )
        .await;
    r.assert_error(413, "ModelArts.50004130");
}

#[tokio::test]
async fn a_path_without_a_real_project_id_is_400() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    // What the SDK sends when its credentials carry no project id.
    let r = s
        .raw(s.http.get(format!("{}/v2/%7Bproject_id%7D/pools", s.base)))
        .await;
    let msg = r.assert_error(400, "ModelArts.50004000");
    assert!(msg.contains("project_id"), "{msg}");
}

#[tokio::test]
async fn openapi_document_describes_the_pool_operations() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s.raw(s.http.get(format!("{}/openapi.json", s.base))).await;
    assert_eq!(r.status, 200);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = r.body["paths"].as_object().unwrap();
    let list = &paths["/v2/{project_id}/pools"];
    assert_eq!(list["get"]["operationId"], "ListPools");
    assert_eq!(list["post"]["operationId"], "CreatePool");
    let one = &paths["/v2/{project_id}/pools/{pool_name}"];
    for (method, op) in [
        ("get", "ShowPool"),
        ("patch", "PatchPool"),
        ("delete", "DeletePool"),
    ] {
        assert_eq!(one[method]["operationId"], op);
    }
    let params: Vec<&str> = list["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for q in ["workspaceId", "labelSelector", "status"] {
        assert!(params.contains(&q), "{q} missing from {params:?}");
    }
    let pool = &r.body["components"]["schemas"]["Pool"];
    assert!(pool["properties"]["apiVersion"].is_object(), "{pool}");
    let buckets = &r.body["components"]["schemas"]["StatusResources"]["properties"]["available"];
    assert_eq!(
        buckets["type"], "array",
        "status buckets are arrays: {buckets}"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_pools_by_phase() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-metrics", 1).await;
    s.list(&[]).await;
    s.list(&[]).await;
    s.show("nope").await;
    s.raw(
        s.http
            .get(format!("{}/no/such/path/{}", s.base, "x".repeat(10))),
    )
    .await;
    let r = s.raw(s.http.get(format!("{}/metrics", s.base))).await;
    assert_eq!(r.status, 200);
    let text = r.text;
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned()
    };
    let pools = "{project_id}/pools";
    assert_eq!(
        line(&format!(
            "respool_http_requests_total{{route=\"/v2/{pools}\",method=\"GET\",status=\"200\"}}"
        )),
        "2"
    );
    assert_eq!(
        line(&format!(
            "respool_http_requests_total{{route=\"/v2/{pools}\",method=\"POST\",status=\"200\"}}"
        )),
        "1"
    );
    assert_eq!(
        line(&format!(
            "respool_http_requests_total{{route=\"/v2/{pools}/{{pool_name}}\",method=\"GET\",status=\"404\"}}"
        )),
        "1"
    );
    assert_eq!(
        line("respool_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"),
        "1"
    );
    assert_eq!(
        line(&format!(
            "respool_http_request_duration_seconds_count{{route=\"/v2/{pools}\",method=\"GET\"}}"
        )),
        "2"
    );
    assert!(text.contains("le=\"+Inf\""));
    assert_eq!(line("respool_pools{phase=\"Running\"}"), "1");
    assert_eq!(line("respool_reconciler_queue_depth"), "0");
    assert_eq!(line("respool_reconciler_lag_seconds"), "0");
    // Nothing overloads the request log here.
    assert_eq!(line("respool_log_records_dropped_total"), "0");
}

/// The router and `/openapi.json` come from one route list: every documented
/// operation is served, and on a documented path every method it does not
/// document is the gateway's missing API.
#[tokio::test]
async fn every_documented_operation_is_served_and_nothing_else_on_its_path() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let doc = s
        .raw(s.http.get(format!("{}/openapi.json", s.base)))
        .await
        .body;
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 30, "{} paths", paths.len());
    for (template, ops) in paths {
        let path = template
            .replace("{project_id}", PROJECT)
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x-none" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["get", "post", "put", "patch", "delete"] {
            let documented = ops.get(method).is_some();
            let body = (method != "get" && method != "delete").then(|| serde_json::json!({}));
            let r = s
                .call(&method.to_uppercase(), &path, &[], body.as_ref())
                .await;
            let missing = r.status == 404 && r.body["error_code"] == "APIGW.0101";
            assert_eq!(
                !missing, documented,
                "{method} {template}: documented {documented}, answered {} {}",
                r.status, r.text
            );
        }
    }
}
