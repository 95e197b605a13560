//! `POST /v1/{project_id}/workspaces/{workspace_id}/auth` and
//! `GET /v1/{project_id}/workspaces/users/list` over HTTP.

use respool_core::timing::TimingProfile;
use respool_testkit::{TestServer, PROJECT};
use serde_json::{json, Value};

fn checks() -> Value {
    json!({"requests": [
        {"action_id": "a-1", "action": "modelarts:pool:create", "resource": "pool"},
        {"action_id": "a-2", "action": "modelarts:pool:list", "resource": "pool"}
    ]})
}

fn verdicts(body: &Value) -> Vec<(&str, &str)> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action_id"].as_str().unwrap(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect()
}

async fn workspace(s: &TestServer, name: &str, auth_type: &str, grants: Value) -> String {
    let body = json!({"name": name, "auth_type": auth_type, "grants": grants});
    let r = s.call("POST", &s.workspaces_path(), &[], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn check_as(s: &TestServer, token: Option<&str>, workspace: &str, body: &Value) -> Value {
    let path = format!("/v1/{PROJECT}/workspaces/{workspace}/auth");
    let r = match token {
        None => s.call("POST", &path, &[], Some(body)).await,
        Some(t) => {
            s.raw(
                s.http
                    .post(format!("{}{path}", s.base))
                    .header("X-Auth-Token", t)
                    .json(body),
            )
            .await
        }
    };
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

#[tokio::test]
async fn the_account_may_use_every_workspace_and_a_user_what_it_is_granted() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let alice = s.user_token("alice", "alice-pass-1").await;
    let bob = s.user_token("bob", "bob-pass-12").await;
    let public = workspace(&s, "ws-public", "PUBLIC", json!([])).await;
    let private = workspace(&s, "ws-private", "PRIVATE", json!([])).await;
    let internal = workspace(
        &s,
        "ws-internal",
        "INTERNAL",
        json!([{"user_name": "alice"}]),
    )
    .await;

    let allow = vec![("a-1", "allow"), ("a-2", "allow")];
    let deny = vec![("a-1", "deny"), ("a-2", "deny")];
    // The account's own keys: everywhere, the default workspace included.
    for ws in ["0", &public, &private, &internal] {
        assert_eq!(
            verdicts(&check_as(&s, None, ws, &checks()).await),
            allow,
            "{ws}"
        );
    }
    assert_eq!(
        verdicts(&check_as(&s, Some(&alice), &public, &checks()).await),
        allow
    );
    assert_eq!(
        verdicts(&check_as(&s, Some(&alice), "0", &checks()).await),
        allow
    );
    assert_eq!(
        verdicts(&check_as(&s, Some(&alice), &internal, &checks()).await),
        allow
    );
    assert_eq!(
        verdicts(&check_as(&s, Some(&alice), &private, &checks()).await),
        deny
    );
    let denied = check_as(&s, Some(&bob), &internal, &checks()).await;
    assert_eq!(verdicts(&denied), deny);
    assert_eq!(denied["results"][0]["action"], "modelarts:pool:create");
    assert!(denied["results"][0]["cause"][0]["policy_name"].is_string());
}

#[tokio::test]
async fn bad_checks_and_missing_workspaces_are_refused() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let path = |ws: &str| format!("/v1/{PROJECT}/workspaces/{ws}/auth");
    s.call(
        "POST",
        &path("0123456789abcdef0123456789abcdef"),
        &[],
        Some(&checks()),
    )
    .await
    .assert_error(400, "ModelArts.7005");
    let r = s
        .call("POST", &path("0"), &[], Some(&json!({"requests": []})))
        .await;
    assert!(r
        .assert_error(400, "ModelArts.50004000")
        .contains("requests"));
    let r = s
        .call(
            "POST",
            &path("0"),
            &[],
            Some(&json!({"requests": [{"action_id": "x"}]})),
        )
        .await;
    assert!(r.assert_error(400, "ModelArts.50004000").contains("action"));
    s.call("POST", &path("0"), &[], Some(&json!({"requests": "all"})))
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn users_list_names_the_accounts_users() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let path = format!("/v1/{PROJECT}/workspaces/users/list");
    let r = s.call("GET", &path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"users": []}));
    s.user_token("zoe", "zoe-pass-123").await;
    s.user_token("adam", "adam-pass-12").await;
    let r = s.call("GET", &path, &[], None).await;
    assert_eq!(
        r.body,
        json!({"users": [{"userName": "adam"}, {"userName": "zoe"}]})
    );
}
