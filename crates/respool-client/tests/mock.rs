//! The client against a small recording server: paging through `continue`,
//! error decoding, and the headers it signs.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use respool_client::{Client, Config, Error, List, PageOptions};
use respool_sign::{parse_authorization, verify, RequestParts};
use serde::Deserialize;
use serde_json::json;

const AK: &str = "MOCKACCESSKEY0000001";
const SK: &str = "MockSecretKey00000000000000000000000000";
const PID: &str = "0123456789abcdef0123456789abcdef";

#[derive(Clone, Default)]
struct Seen {
    /// (query, signed headers) of every request.
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Thing {
    name: String,
}

fn check_signature(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> String {
    let list: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap()))
        .collect();
    let auth = parse_authorization(headers["authorization"].to_str().unwrap()).unwrap();
    assert_eq!(auth.access_key, AK);
    let parts = RequestParts {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers: &list,
        body,
    };
    verify(&parts, &auth, SK.as_bytes()).expect("the signature verifies");
    auth.signed_headers.join(";")
}

/// 7 things, `limit` per page (default 3); the token is the next index.
async fn things(
    State(seen): State<Seen>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let signed = check_signature(&method, &uri, &headers, b"");
    seen.requests
        .lock()
        .unwrap()
        .push((q.clone().unwrap_or_default(), signed));
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(q.as_deref().unwrap_or_default()).unwrap();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let start: usize = get("continue").map_or(0, |t| t.trim_start_matches("tok ").parse().unwrap());
    let limit: usize = get("limit").map_or(3, |l| l.parse().unwrap());
    let end = (start + limit).min(7);
    let items: Vec<_> = (start..end)
        .map(|i| json!({"name": format!("t{i}")}))
        .collect();
    let metadata = if end < 7 {
        json!({"continue": format!("tok {end}"), "remainingItemCount": 7 - end})
    } else {
        json!({"continue": ""})
    };
    axum::Json(
        json!({"apiVersion": "v2", "kind": "ThingList", "metadata": metadata, "items": items}),
    )
    .into_response()
}

async fn stuck() -> Response {
    axum::Json(json!({"metadata": {"continue": "same"}, "items": [{"name": "x"}]})).into_response()
}

async fn error(Path((_pid, kind)): Path<(String, String)>) -> Response {
    let with_id = |status: StatusCode, ct: &'static str, body: &'static str| {
        (
            status,
            [("content-type", ct), ("x-request-id", "req-42")],
            body,
        )
            .into_response()
    };
    match kind.as_str() {
        "modelarts" => with_id(
            StatusCode::NOT_FOUND,
            "application/json",
            r#"{"error_code":"ModelArts.50015001","error_msg":"pool not found"}"#,
        ),
        "camel" => with_id(
            StatusCode::BAD_REQUEST,
            "application/json",
            r#"{"errorCode":"ModelArts.0001","errorMsg":"camel"}"#,
        ),
        "nested" => with_id(
            StatusCode::UNAUTHORIZED,
            "application/json",
            r#"{"error":{"code":"APIGW.0301","message":"Incorrect IAM authentication information"}}"#,
        ),
        "text" => (StatusCode::FORBIDDEN, "plain refusal").into_response(),
        "server" => with_id(
            StatusCode::SERVICE_UNAVAILABLE,
            "application/json",
            r#"{"error_code":"ModelArts.50005000","error_msg":"down"}"#,
        ),
        "notjson" => (StatusCode::OK, "hello, not json").into_response(),
        "empty" => StatusCode::OK.into_response(),
        _ => StatusCode::IM_A_TEAPOT.into_response(),
    }
}

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let signed = check_signature(&method, &uri, &headers, &body);
    axum::Json(json!({
        "signed": signed,
        "path": uri.path(),
        "query": uri.query(),
        "host": headers["host"].to_str().unwrap(),
        "project": headers["x-project-id"].to_str().unwrap(),
        "contentType": headers["content-type"].to_str().unwrap(),
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response()
}

async fn start() -> (Client, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/v2/{pid}/things", get(things))
        .route("/v2/{pid}/stuck", get(stuck))
        .route("/v2/{pid}/errors/{kind}", any(error))
        .fallback(any(echo))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::new(Config::new(endpoint, AK, SK, PID)).unwrap();
    (client, seen)
}

#[tokio::test]
async fn get_all_follows_continue_to_the_last_page() {
    let (client, seen) = start().await;
    let path = client.path("v2", &["things"]);
    let all: Vec<Thing> = client
        .get_all::<List<Thing>>(&path, &[], Some(2))
        .await
        .unwrap();
    let names: Vec<&str> = all.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["t0", "t1", "t2", "t3", "t4", "t5", "t6"]);
    let queries: Vec<String> = seen
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.0.clone())
        .collect();
    // Sorted and encoded as the SDK sends them (`%20` for the space).
    assert_eq!(
        queries,
        [
            "limit=2",
            "continue=tok%202&limit=2",
            "continue=tok%204&limit=2",
            "continue=tok%206&limit=2"
        ]
    );

    // The server's default page size, and one page by hand.
    let all: Vec<Thing> = client
        .get_all::<List<Thing>>(&path, &[], None)
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    let page: List<Thing> = client
        .get_page(
            &path,
            &[],
            &PageOptions {
                limit: Some(4),
                continue_token: Some("tok 1".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
    assert_eq!(page.metadata.continue_token.as_deref(), Some("tok 5"));
    assert_eq!(page.metadata.remaining_item_count, Some(2));
}

#[tokio::test]
async fn a_token_that_never_changes_is_an_error_not_a_loop() {
    let (client, _) = start().await;
    let e = client
        .get_all::<List<Thing>>(&client.path("v2", &["stuck"]), &[], None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[tokio::test]
async fn error_answers_carry_code_message_and_request_id() {
    let (client, _) = start().await;
    let call = |kind: &'static str| {
        let client = client.clone();
        async move {
            client
                .get::<serde_json::Value>(&client.path("v2", &["errors", kind]), &[])
                .await
        }
    };
    let e = call("modelarts").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.error_code(), Some("ModelArts.50015001"));
    assert_eq!(e.error_msg(), Some("pool not found"));
    assert_eq!(e.request_id(), Some("req-42"));
    assert!(e.is_not_found());

    let e = call("camel").await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(400), Some("ModelArts.0001"))
    );

    let e = call("nested").await.unwrap_err();
    assert_eq!(e.error_code(), Some("APIGW.0301"));
    assert_eq!(
        e.error_msg(),
        Some("Incorrect IAM authentication information")
    );

    let e = call("text").await.unwrap_err();
    assert_eq!(e.error_code(), Some("403"));
    assert_eq!(e.error_msg(), Some("plain refusal"));
    assert_eq!(e.request_id(), None);

    let e = call("server").await.unwrap_err();
    assert_eq!(e.status(), Some(503));

    // A 2xx that is not JSON is a decode error naming the body; an empty one reads as {}.
    match call("notjson").await.unwrap_err() {
        Error::Decode { status, body, .. } => {
            assert_eq!((status, body.as_str()), (200, "hello, not json"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(call("empty").await.unwrap(), json!({}));
}

#[tokio::test]
async fn requests_are_signed_like_the_sdk_signs_them() {
    let (client, _) = start().await;
    let path = client.path("v2", &["pools", "a b/c"]);
    assert_eq!(path, format!("/v2/{PID}/pools/a%20b%2Fc"));
    let seen: serde_json::Value = client
        .send(
            respool_client::Method::PATCH,
            &path,
            &[("labelSelector", "os.modelarts/name=x y"), ("a", "1")],
            Some(&json!({"spec": {"scope": ["Train"]}})),
        )
        .await
        .unwrap();
    assert_eq!(
        seen["signed"],
        "content-type;host;user-agent;x-project-id;x-sdk-date"
    );
    assert_eq!(seen["path"], path);
    assert_eq!(
        seen["query"],
        "a=1&labelSelector=os.modelarts%2Fname%3Dx%20y"
    );
    assert_eq!(seen["project"], PID);
    assert_eq!(seen["contentType"], "application/json");
    assert_eq!(
        seen["host"],
        client.endpoint().trim_start_matches("http://")
    );
    assert_eq!(seen["body"], r#"{"spec":{"scope":["Train"]}}"#);

    // A DELETE without a body still sends and signs Content-Type.
    let seen: serde_json::Value = client
        .send(
            respool_client::Method::DELETE,
            &client.path("v2", &["pools", "p"]),
            &[],
            None::<&()>,
        )
        .await
        .unwrap();
    assert_eq!(seen["contentType"], "application/json");
    assert_eq!(seen["body"], "");

    // Temporary credentials add a signed X-Security-Token.
    let temp = Client::new(Config::new(client.endpoint(), AK, SK, PID).with_security_token("tok"))
        .unwrap();
    let seen: serde_json::Value = temp.get(&temp.path("v2", &["x"]), &[]).await.unwrap();
    assert_eq!(
        seen["signed"],
        "content-type;host;user-agent;x-project-id;x-sdk-date;x-security-token"
    );
}

#[tokio::test]
async fn transport_failures_are_typed() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(Config::new(endpoint, AK, SK, PID)).unwrap();
    let e = client.get_pool("x").await.unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");

    for bad in ["ftp://h", "http://", "::"] {
        assert!(
            matches!(
                Client::new(Config::new(bad, AK, SK, PID)),
                Err(Error::Config(_))
            ),
            "{bad}"
        );
    }
}
