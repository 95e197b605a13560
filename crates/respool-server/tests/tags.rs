//! Pool tags over HTTP: add, show, list and remove, and their refusals.

use respool_core::timing::TimingProfile;
use respool_testkit::{pool_name, TestServer, PROJECT};
use serde_json::{json, Value};

fn tags_path(pool: &str) -> String {
    format!("/v1/{PROJECT}/pools/{pool}/tags")
}

#[tokio::test]
async fn pool_tags_are_added_shown_listed_and_removed() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-tag-a", 1).await;
    s.create_pool("pool-tag-b", 1).await;
    let (a, b) = (pool_name("pool-tag-a"), pool_name("pool-tag-b"));

    let r = s.call("GET", &tags_path(&a), &[], None).await;
    assert_eq!(r.status, 200, "200, not the documented 204: {}", r.text);
    assert_eq!(r.body, json!({"tags": []}));

    let add = json!({"tags": [{"key": "env", "value": "dev"}, {"key": "team", "value": "ml"}]});
    let r = s
        .call(
            "POST",
            &format!("{}/create", tags_path(&a)),
            &[],
            Some(&add),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"tags": [{"key": "env", "values": ["dev"]}, {"key": "team", "values": ["ml"]}]})
    );
    // The same key overwrites its value.
    let r = s
        .call(
            "POST",
            &format!("{}/create", tags_path(&a)),
            &[],
            Some(&json!({"tags": [{"key": "env", "value": "prod"}]})),
        )
        .await;
    assert_eq!(r.body["tags"][0], json!({"key": "env", "values": ["prod"]}));
    let r = s
        .call(
            "POST",
            &format!("{}/create", tags_path(&b)),
            &[],
            Some(
                &json!({"tags": [{"key": "env", "value": "dev"}, {"key": "cost", "value": "42"}]}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // They live on the pool, as the live service shows them.
    let pool = s.pool(&a).await;
    let stored: Value = serde_json::from_str(
        pool["metadata"]["annotations"]["os.modelarts/tms.tags"]
            .as_str()
            .expect("the tags annotation"),
    )
    .unwrap();
    assert_eq!(
        stored,
        json!([{"key": "env", "value": "prod"}, {"key": "team", "value": "ml"}])
    );

    // All tags of the project: the literal `tags` is not a pool name.
    let all_path = format!("/v1/{PROJECT}/pools/tags");
    let r = s.call("GET", &all_path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"tags": [
            {"key": "cost", "values": ["42"]},
            {"key": "env", "values": ["dev", "prod"]},
            {"key": "team", "values": ["ml"]}
        ]})
    );
    let r = s
        .call("GET", &all_path, &[("offset", "1"), ("limit", "1")], None)
        .await;
    assert_eq!(
        r.body["tags"],
        json!([{"key": "env", "values": ["dev", "prod"]}])
    );
    s.call("GET", &all_path, &[("limit", "x")], None)
        .await
        .assert_error(400, "ModelArts.50004000");

    // DELETE with a body: a value that does not match leaves the tag.
    let del = format!("{}/delete", tags_path(&a));
    let r = s
        .call(
            "DELETE",
            &del,
            &[],
            Some(&json!({"tags": [{"key": "env", "value": "dev"}, {"key": "team"}, {"key": "absent"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"tags": [{"key": "env", "values": ["prod"]}]})
    );
    let r = s
        .call(
            "DELETE",
            &del,
            &[],
            Some(&json!({"tags": [{"key": "env", "value": "prod"}]})),
        )
        .await;
    assert_eq!(r.body, json!({"tags": []}));
    assert!(s.pool(&a).await["metadata"]["annotations"]
        .get("os.modelarts/tms.tags")
        .is_none());
}

#[tokio::test]
async fn tag_errors() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-tag-err", 1).await;
    let name = pool_name("pool-tag-err");
    let missing = pool_name("pool-missing");
    s.call("GET", &tags_path(&missing), &[], None)
        .await
        .assert_error(404, "ModelArts.50015001");
    s.call(
        "POST",
        &format!("{}/create", tags_path(&missing)),
        &[],
        Some(&json!({"tags": [{"key": "k", "value": "v"}]})),
    )
    .await
    .assert_error(404, "ModelArts.50015001");
    s.call(
        "DELETE",
        &format!("{}/delete", tags_path(&missing)),
        &[],
        Some(&json!({"tags": [{"key": "k"}]})),
    )
    .await
    .assert_error(404, "ModelArts.50015001");
    for bad in [
        json!({"tags": []}),
        json!({"tags": [{"key": "", "value": "v"}]}),
        json!({"tags": [{"key": "a=b", "value": "v"}]}),
        json!({"tags": [{"key": "k", "value": "v".repeat(256)}]}),
        json!({"tags": "nope"}),
    ] {
        s.call(
            "POST",
            &format!("{}/create", tags_path(&name)),
            &[],
            Some(&bad),
        )
        .await
        .assert_error(400, "ModelArts.50004000");
    }
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    s.call(
        "POST",
        &format!("{}/create", tags_path(&name)),
        &[],
        Some(&json!({ "tags": many })),
    )
    .await
    .assert_error(400, "ModelArts.50004000");
}
