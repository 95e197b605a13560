//! The change feed over HTTP (`?watch=true`), on the manual clock: what a
//! watch sends first and then, resuming after a `resourceVersion`, 410 past
//! the kept history, filters, server-sent events, nodes and events.

use respool_testkit::{event_key, pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::{json, Value};

fn pools() -> String {
    format!("/v2/{PROJECT}/pools")
}

fn events_path() -> String {
    format!("/v1/{PROJECT}/events")
}

fn kind(e: &Value) -> &str {
    e["type"].as_str().unwrap()
}

fn name(e: &Value) -> &str {
    e["object"]["metadata"]["name"].as_str().unwrap_or_default()
}

fn version(e: &Value) -> i64 {
    e["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn is_bookmark(e: &Value) -> bool {
    kind(e) == "BOOKMARK"
}

#[tokio::test]
async fn a_watch_sends_what_exists_then_every_change_in_order() {
    let s = TestServer::manual().await;
    let first = s.running_pool("pool-first", 1).await;
    let mut w = s.watch(&pools(), &[]).await;
    assert_eq!(w.status, 200);
    assert_eq!(w.headers["content-type"], "application/json");
    assert!(w.headers.contains_key("x-request-id"));
    let start = w.until(is_bookmark).await;
    assert_eq!(start.len(), 2, "{start:?}");
    assert_eq!(
        (kind(&start[0]), name(&start[0])),
        ("ADDED", first.as_str())
    );
    let shown = s.pool(&first).await;
    assert_eq!(
        start[0]["object"], shown,
        "an ADDED object is the pool as shown"
    );
    let bookmark = &start[1];
    assert_eq!(
        bookmark["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert!(version(bookmark) >= version(&start[0]));

    let r = s.create_with(&pool_body("pool-second", 1)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let second = pool_name("pool-second");
    let added = w.next().await.unwrap();
    assert_eq!((kind(&added), name(&added)), ("ADDED", second.as_str()));
    assert!(version(&added) > version(bookmark));

    assert_eq!(s.scale(&first, 2).await.status, 200);
    let scaled = w.next().await.unwrap();
    assert_eq!((kind(&scaled), name(&scaled)), ("MODIFIED", first.as_str()));
    assert!(version(&scaled) > version(&added));
    assert_eq!(
        scaled["object"]["spec"]["resources"][0]["count"], 2,
        "the object as of that write"
    );
    // A pool's own resourceVersion is that of its latest write.
    assert_eq!(
        s.pool(&first).await["metadata"]["resourceVersion"],
        scaled["object"]["metadata"]["resourceVersion"]
    );

    assert_eq!(s.delete_pool(&second).await.status, 200);
    s.advance(3600.0).await;
    let rest = w.until(|e| kind(e) == "DELETED" && name(e) == second).await;
    let versions: Vec<i64> = rest.iter().map(version).collect();
    assert!(
        versions.windows(2).all(|v| v[0] < v[1]),
        "in write order: {versions:?}"
    );
    assert!(rest
        .iter()
        .all(|e| kind(e) == "MODIFIED" || kind(e) == "DELETED"));
}

#[tokio::test]
async fn a_watch_resumed_after_a_version_misses_and_repeats_nothing() {
    let s = TestServer::manual().await;
    let mut whole = s.watch(&pools(), &[]).await;
    whole.until(is_bookmark).await;
    let a = s.running_pool("pool-aaaa", 1).await;
    let b = s.running_pool("pool-bbbb", 2).await;
    assert_eq!(s.scale(&a, 3).await.status, 200);
    assert_eq!(s.delete_pool(&b).await.status, 200);
    s.advance(3600.0).await;
    let seen = whole.until(|e| kind(e) == "DELETED" && name(e) == b).await;
    assert!(seen.len() >= 6, "{}", seen.len());
    // Resuming after any one of them gives exactly the ones after it.
    for cut in [0, seen.len() / 2, seen.len() - 2] {
        let after = version(&seen[cut]).to_string();
        let mut resumed = s
            .watch(
                &pools(),
                &[("resourceVersion", &after), ("timeoutSeconds", "1")],
            )
            .await;
        assert_eq!(resumed.status, 200);
        let mut got: Vec<_> = resumed
            .rest()
            .await
            .iter()
            .filter(|e| !is_bookmark(e))
            .map(event_key)
            .collect();
        let expected: Vec<_> = seen[cut + 1..].iter().map(event_key).collect();
        // Writes after the last one `whole` was read to may follow.
        assert!(got.len() >= expected.len(), "{got:?}");
        got.truncate(expected.len());
        assert_eq!(got, expected, "resumed after {after}");
    }
}

#[tokio::test]
async fn a_version_older_than_the_kept_history_is_410_and_a_bad_one_400() {
    let s = TestServer::manual().await;
    s.store.set_feed_history(2);
    let r = s.create_with(&pool_body("pool-hist", 1)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let first = r.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    let name = pool_name("pool-hist");
    s.advance(NODE_CREATE).await;
    for count in 2..5 {
        assert_eq!(s.scale(&name, count).await.status, 200);
    }
    let w = s
        .watch(&pools(), &[("resourceVersion", first.as_str())])
        .await;
    assert_eq!(w.status, 410);
    let r = s
        .call(
            "GET",
            &pools(),
            &[("watch", "true"), ("resourceVersion", &first)],
            None,
        )
        .await;
    assert_eq!(r.status, 410);
    assert_eq!(r.body["error_code"], "ModelArts.50004100");
    assert!(r.text.contains("too old resource version"), "{}", r.text);
    assert!(r.headers.contains_key("x-request-id"));

    for (query, what) in [
        (vec![("watch", "maybe")], "invalid watch"),
        (
            vec![("watch", "true"), ("resourceVersion", "abc")],
            "invalid resourceVersion",
        ),
        (
            vec![("watch", "true"), ("resourceVersion", "999999")],
            "the newest is",
        ),
        (
            vec![("watch", "true"), ("timeoutSeconds", "-1")],
            "invalid timeoutSeconds",
        ),
    ] {
        let r = s.call("GET", &pools(), &query, None).await;
        assert_eq!(r.status, 400, "{query:?}: {}", r.text);
        assert_eq!(r.body["error_code"], "ModelArts.50004000");
        assert!(r.text.contains(what), "{query:?}: {}", r.text);
    }
}

#[tokio::test]
async fn a_timeout_too_far_off_to_reach_is_no_timeout() {
    let s = TestServer::manual().await;
    let mut w = s
        .watch(&pools(), &[("timeoutSeconds", "18446744073709551615")])
        .await;
    assert_eq!(w.status, 200);
    assert!(is_bookmark(&w.next().await.unwrap()));
}

#[tokio::test]
async fn a_watch_is_signed_like_every_call() {
    let s = TestServer::manual().await;
    let r = s
        .raw(
            s.http
                .get(format!("{}{}", s.base, pools()))
                .query(&[("watch", "true")]),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.body["error_code"], "APIGW.0301");
}

#[tokio::test]
async fn label_selectors_and_workspaces_filter_a_watch() {
    let s = TestServer::manual().await;
    let mut team_a = s.watch(&pools(), &[("labelSelector", "team=a")]).await;
    team_a.until(is_bookmark).await;
    let ws = s.create_workspace("ws-watch").await;
    let mut other_ws = s.watch(&pools(), &[("workspaceId", &ws)]).await;
    other_ws.until(is_bookmark).await;
    for (display, team) in [("pool-team-b", "b"), ("pool-team-a", "a")] {
        let mut body = pool_body(display, 1);
        body["metadata"]["labels"]["team"] = json!(team);
        assert_eq!(s.create_with(&body).await.status, 200);
    }
    let mut elsewhere = pool_body("pool-in-ws", 1);
    elsewhere["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(ws);
    assert_eq!(s.create_with(&elsewhere).await.status, 200);

    let first = team_a.next().await.unwrap();
    assert_eq!(
        (kind(&first), name(&first)),
        ("ADDED", pool_name("pool-team-a").as_str()),
        "team b's pool and the other workspace's are not sent"
    );
    let first = other_ws.next().await.unwrap();
    assert_eq!(name(&first), pool_name("pool-in-ws"));
}

#[tokio::test]
async fn accept_event_stream_gets_server_sent_events() {
    let s = TestServer::manual().await;
    let mut w = s
        .watch_with(&pools(), &[], &[("Accept", "text/event-stream")])
        .await;
    assert_eq!(w.status, 200);
    assert_eq!(w.headers["content-type"], "text/event-stream");
    assert_eq!(w.next_line().await.unwrap(), "id: 0");
    let data = w.next_line().await.unwrap();
    let bookmark: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
    assert!(is_bookmark(&bookmark));
    assert_eq!(w.next_line().await.unwrap(), "");
    assert_eq!(s.create_with(&pool_body("pool-sse", 1)).await.status, 200);
    let id = w.next_line().await.unwrap();
    let data = w.next_line().await.unwrap();
    let added: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(kind(&added), "ADDED");
    assert_eq!(id, format!("id: {}", version(&added)));
}

#[tokio::test]
async fn a_pools_nodes_are_watched_as_they_join_change_and_leave() {
    let s = TestServer::manual().await;
    let pool = s.running_pool("pool-nodes", 2).await;
    let mut w = s.watch(&format!("{}/{pool}/nodes", pools()), &[]).await;
    assert_eq!(w.status, 200);
    let start = w.until(is_bookmark).await;
    let listed: Vec<String> = s
        .nodes(&pool)
        .await
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    let mut added: Vec<String> = start[..2].iter().map(|e| name(e).to_owned()).collect();
    added.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(added, listed_sorted);
    assert!(start[..2].iter().all(|e| kind(e) == "ADDED"));

    assert_eq!(s.scale(&pool, 3).await.status, 200);
    let joined = w.next().await.unwrap();
    assert_eq!(kind(&joined), "ADDED");
    assert_eq!(joined["object"]["status"]["phase"], "Creating");
    let new_node = name(&joined).to_owned();
    s.advance(NODE_CREATE).await;
    let ready = w
        .until(|e| kind(e) == "MODIFIED" && name(e) == new_node)
        .await;
    assert_eq!(
        ready.last().unwrap()["object"]["status"]["phase"],
        "Available"
    );

    let r = s.delete_nodes(&pool, &[listed[0].as_str()]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(3600.0).await;
    w.until(|e| kind(e) == "DELETED" && name(e) == listed[0])
        .await;

    let missing = s
        .watch(&format!("{}/pool-none-{PROJECT}/nodes", pools()), &[])
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn a_pools_events_are_watched_as_the_event_list_has_them() {
    let s = TestServer::manual().await;
    let mut w = s
        .watch(&events_path(), &[("name", &pool_name("pool-evts"))])
        .await;
    assert_eq!(w.status, 200);
    w.until(is_bookmark).await;
    let pool = s.running_pool("pool-evts", 1).await;
    let listed = s.events_of(&pool).await.body["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!listed.is_empty());
    let mut watched = Vec::new();
    while watched.len() < listed.len() {
        let e = w.next().await.unwrap();
        assert_eq!(kind(&e), "ADDED");
        watched.push(name(&e).to_owned());
    }
    let mut listed: Vec<String> = listed
        .iter()
        .map(|e| e["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    // The list is newest first; the watch in the order they were written.
    listed.reverse();
    assert_eq!(watched, listed);
}

#[tokio::test]
async fn a_reset_sends_watchers_back_to_a_fresh_list() {
    let s = TestServer::manual().await;
    assert_eq!(s.create_with(&pool_body("pool-reset", 1)).await.status, 200);
    let mut w = s.watch(&pools(), &[]).await;
    w.until(is_bookmark).await;
    let r = s.admin("POST", "/_respool/reset", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let error = w.next().await.unwrap();
    assert_eq!(kind(&error), "ERROR", "{error}");
    assert_eq!(error["object"]["code"], 410);
    assert_eq!(error["object"]["error_code"], "ModelArts.50004100");
    assert!(w.next().await.is_none(), "the stream ends after an error");
    let mut again = s.watch(&pools(), &[]).await;
    let fresh = again.until(is_bookmark).await;
    assert_eq!(fresh.len(), 1, "no pool is left: {fresh:?}");
}

#[tokio::test]
async fn watches_end_when_the_server_stops() {
    let s = TestServer::manual().await;
    let mut w = s.watch(&pools(), &[]).await;
    w.until(is_bookmark).await;
    s.app.feed.stop();
    assert!(w.next().await.is_none(), "the stream ends");
}
