//! The console over HTTP, served by the real router beside the API on real
//! SQLite: sign-in, sessions, CSRF, escaping, and changes made through it.

use std::collections::HashMap;

use reqwest::redirect::Policy;
use respool_console::session::{Principal, Session};
use respool_core::identity::{hash_password, User};
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_testkit::{
    names, network_body, pool_body, pool_name, Options, TestServer, ADMIN_TOKEN, AK, DOMAIN,
    PROJECT, SK,
};

const USER: &str = "console-user";
const PASSWORD: &str = "console-password-1";
const XSS: &str = "<img src=x onerror=alert(1)>";
const XSS_ESCAPED: &str = "&lt;img src=x onerror=alert(1)&gt;";

async fn server() -> TestServer {
    let s = TestServer::with(Options {
        timing: TimingProfile::Manual,
        admin_token: Some(ADMIN_TOKEN.into()),
        extra_routes: Some(respool_console::routes),
        ..Options::default()
    })
    .await;
    s.store
        .insert_user(&User {
            name: USER.into(),
            password_hash: hash_password(PASSWORD),
            domain_id: DOMAIN.into(),
            project_ids: vec![PROJECT.into()],
            created_ms: 0,
        })
        .await
        .unwrap();
    s
}

/// A browser: keeps cookies, does not follow redirects.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new(server: &TestServer) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let res = req
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        for c in res.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (pair, _) = c.split_once(';').unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.into(), v.into());
            }
        }
        Page {
            status: res.status().as_u16(),
            location: res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            body: res.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    /// Posts a form with the CSRF token of the page at `from`.
    async fn submit(&mut self, from: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let token = csrf_of(&self.get(from).await.body);
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    async fn sign_in(&mut self, form: &[(&str, &str)]) -> Page {
        self.submit("/console/sign-in", "/console/sign-in", form)
            .await
    }

    async fn sign_in_as_user(&mut self) -> Page {
        self.sign_in(&[
            ("method", "password"),
            ("project", PROJECT),
            ("name", USER),
            ("password", PASSWORD),
        ])
        .await
    }
}

/// The value of the first `csrf` field of a page.
fn csrf_of(html: &str) -> String {
    let at = html
        .find(r#"name="csrf" value=""#)
        .expect("the page has a form");
    let rest = &html[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_user_signs_in_with_a_password() {
    let s = server().await;
    let mut b = Browser::new(&s);
    let signed_in = b.sign_in_as_user().await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location.as_deref(), Some("/console/pools"));
    let page = b.get("/console/pools").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h1>Pools</h1>"), "{}", page.body);
    assert!(page.body.contains(USER));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_under_console() {
    let s = server().await;
    let mut b = Browser::new(&s);
    let token = csrf_of(&b.get("/console/sign-in").await.body);
    let res = b
        .http
        .post(format!("{}/console/sign-in", s.base))
        .header("Cookie", b.cookie_header())
        .form(&[
            ("csrf", token.as_str()),
            ("method", "password"),
            ("project", PROJECT),
            ("name", USER),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("respool_console="), "{cookie}");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
}

#[tokio::test]
async fn an_access_key_signs_in_with_its_secret_key() {
    let s = server().await;
    let mut b = Browser::new(&s);
    let signed_in = b
        .sign_in(&[
            ("method", "access-key"),
            ("project", PROJECT),
            ("name", AK),
            ("secret", SK),
        ])
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let page = b.get("/console/pools").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(AK));
}

#[tokio::test]
async fn wrong_passwords_keys_and_projects_are_refused() {
    let s = server().await;
    let mut b = Browser::new(&s);
    let cases: [(&[(&str, &str)], u16); 5] = [
        (
            &[
                ("method", "password"),
                ("project", PROJECT),
                ("name", USER),
                ("password", "wrong-password"),
            ],
            401,
        ),
        (
            &[
                ("method", "password"),
                ("project", PROJECT),
                ("name", "nobody"),
                ("password", PASSWORD),
            ],
            401,
        ),
        (
            &[
                ("method", "access-key"),
                ("project", PROJECT),
                ("name", AK),
                ("secret", "wrong"),
            ],
            401,
        ),
        (
            &[
                ("method", "password"),
                ("project", respool_testkit::OTHER_PROJECT),
                ("name", USER),
                ("password", PASSWORD),
            ],
            403,
        ),
        (
            &[
                ("method", "password"),
                ("project", "not a project"),
                ("name", USER),
                ("password", PASSWORD),
            ],
            400,
        ),
    ];
    for (form, status) in cases {
        let page = b.sign_in(form).await;
        assert_eq!(page.status, status, "{form:?}: {}", page.body);
        assert!(page.body.contains(r#"role="alert""#));
        assert!(!b.cookies.contains_key("respool_console"), "{form:?}");
    }
    assert_eq!(b.get("/console/pools").await.status, 303);
}

#[tokio::test]
async fn a_sign_in_form_of_another_browser_is_refused() {
    let s = server().await;
    let mut b = Browser::new(&s);
    let page = b
        .post(
            "/console/sign-in",
            &[
                ("method", "password"),
                ("project", PROJECT),
                ("name", USER),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(!b.cookies.contains_key("respool_console"));
}

#[tokio::test]
async fn pages_without_a_session_go_to_sign_in() {
    let s = server().await;
    let mut b = Browser::new(&s);
    for path in [
        "/console/pools",
        "/console/pools?fragment=1",
        "/console/pools/watch",
        "/console/pools/new",
        "/console/networks",
        "/console/workspaces",
        "/console/flavors",
        "/console/admin",
        "/console/admin/requests",
        "/console/admin/clock",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.location.as_deref(), Some("/console/sign-in"), "{path}");
    }
    b.cookies
        .insert("respool_console".into(), "forged.cookie".into());
    assert_eq!(b.get("/console/pools").await.status, 303);
}

#[tokio::test]
async fn a_post_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let s = server().await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let create = [
        ("name", "sneaky"),
        ("workspace", "0"),
        ("flavor", respool_testkit::FLAVOR),
        ("count", "1"),
        ("scope", "Train"),
    ];
    let without = b.post("/console/pools", &create).await;
    assert_eq!(without.status, 403, "{}", without.body);
    let mut wrong = vec![("csrf", "0".repeat(64))];
    wrong.extend(create.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(b.post("/console/pools", &wrong).await.status, 403);
    // Another session's token is no good either.
    let mut other = Browser::new(&s);
    other.sign_in_as_user().await;
    let theirs = csrf_of(&other.get("/console/pools").await.body);
    let mut stolen = vec![("csrf", theirs.as_str())];
    stolen.extend_from_slice(&create);
    assert_eq!(b.post("/console/pools", &stolen).await.status, 403);
    assert!(s.list_names(&[]).await.is_empty());

    let name = s.running_pool("victim", 1).await;
    let delete = format!("/console/pools/{name}/delete");
    assert_eq!(b.post(&delete, &[("confirm", "yes")]).await.status, 403);
    assert_eq!(b.post("/console/sign-out", &[]).await.status, 403);
    assert_eq!(s.phase(&name).await, "Running");
    assert_eq!(b.get("/console/pools").await.status, 200);
}

#[tokio::test]
async fn a_pool_made_through_the_console_is_the_apis() {
    let s = server().await;
    let net = s
        .call(
            "POST",
            &s.networks_path(),
            &[],
            Some(&network_body("net-a", "192.168.0.0/16")),
        )
        .await;
    assert_eq!(net.status, 200, "{}", net.text);
    let network = net.body["metadata"]["name"].as_str().unwrap();
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let page = b
        .submit(
            "/console/pools/new",
            "/console/pools",
            &[
                ("network", network),
                ("name", "made-here"),
                ("workspace", "0"),
                ("flavor", respool_testkit::FLAVOR),
                ("count", "2"),
                ("scope", "Train"),
                ("labels", "team=ml"),
            ],
        )
        .await;
    let name = pool_name("made-here");
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/console/pools/{name}?notice=created").as_str())
    );
    assert_eq!(
        names(&s.list(&[("labelSelector", "team=ml")]).await.body),
        std::slice::from_ref(&name)
    );
    let shown = b.get(&format!("/console/pools/{name}")).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("Creating"), "{}", shown.body);
}

#[tokio::test]
async fn the_apis_refusal_is_shown_in_its_words_with_its_status() {
    let s = server().await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let page = b
        .submit(
            "/console/pools/new",
            "/console/pools",
            &[
                ("name", XSS),
                ("flavor", respool_testkit::FLAVOR),
                ("count", "1"),
                ("scope", "Train"),
            ],
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("invalid pool name"), "{}", page.body);
    assert!(!page.body.contains(XSS));
    assert!(s.list_names(&[]).await.is_empty());

    let filtered = b
        .get(&format!(
            "/console/pools?selector={}",
            "%3Cimg+src%3Dx+onerror%3Dalert(1)%3E"
        ))
        .await;
    assert_eq!(filtered.status, 400);
    assert!(
        filtered.body.contains("invalid labelSelector"),
        "{}",
        filtered.body
    );
    assert!(!filtered.body.contains(XSS));
    assert!(filtered.body.contains(XSS_ESCAPED));
}

#[tokio::test]
async fn labels_and_annotations_are_shown_as_text() {
    let s = server().await;
    let name = s.running_pool("labelled", 1).await;
    let patch = serde_json::json!({"metadata": {"annotations": {"comment": XSS}}});
    assert_eq!(s.patch_pool(&name, &patch).await.status, 200);
    // The API refuses such a label value; it is written to the store as
    // another writer might have, to see the console show it as text.
    let mut stored = s.store.get_pool(PROJECT, &name).await.unwrap().unwrap();
    stored
        .pool
        .metadata
        .labels
        .insert("note".into(), XSS.into());
    s.store.update_pool(&mut stored).await.unwrap();

    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    for path in [
        "/console/pools".to_owned(),
        format!("/console/pools/{name}"),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains(XSS), "{path}: {}", page.body);
        assert!(page.body.contains(XSS_ESCAPED), "{path}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let s = server().await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let kept = b.cookies.clone();
    let out = b.submit("/console/pools", "/console/sign-out", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/console/sign-in"));
    assert!(!b.cookies.contains_key("respool_console"));
    assert_eq!(b.get("/console/pools").await.status, 303);
    // The cookie as it was, sent again, is refused too.
    b.cookies = kept;
    assert_eq!(b.get("/console/pools").await.status, 303);
}

#[tokio::test]
async fn an_expired_or_forged_session_is_refused() {
    let s = server().await;
    let mut b = Browser::new(&s);
    let mut session = Session::new(
        Principal::User(USER.into()),
        DOMAIN.into(),
        PROJECT.into(),
        wall_ms(),
    );
    b.cookies
        .insert("respool_console".into(), session.seal(&s.app.token_secret));
    assert_eq!(b.get("/console/pools").await.status, 200);
    session.expires_ms = wall_ms() - 1;
    b.cookies
        .insert("respool_console".into(), session.seal(&s.app.token_secret));
    assert_eq!(b.get("/console/pools").await.status, 303);
    session.expires_ms = wall_ms() + 60_000;
    b.cookies.insert(
        "respool_console".into(),
        session.seal(b"another server's key"),
    );
    assert_eq!(b.get("/console/pools").await.status, 303);
}

#[tokio::test]
async fn a_revoked_access_key_ends_its_sessions() {
    let s = server().await;
    let mut b = Browser::new(&s);
    b.sign_in(&[
        ("method", "access-key"),
        ("project", PROJECT),
        ("name", AK),
        ("secret", SK),
    ])
    .await;
    assert_eq!(b.get("/console/pools").await.status, 200);
    s.store.revoke_credential(AK).await.unwrap();
    assert_eq!(b.get("/console/pools").await.status, 303);
}

#[tokio::test]
async fn scaling_and_node_actions_go_through_the_api() {
    let s = server().await;
    let name = s.running_pool("busy", 2).await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let page_path = format!("/console/pools/{name}");
    let node_pool = format!("{}-default", respool_testkit::FLAVOR);
    let scaled = b
        .submit(
            &page_path,
            &format!("{page_path}/scale"),
            &[("nodePool", &node_pool), ("count", "3")],
        )
        .await;
    assert_eq!(scaled.status, 303, "{}", scaled.body);
    assert_eq!(s.pool(&name).await["spec"]["resources"][0]["count"], 3);

    let nodes = s.nodes(&name).await;
    let first = nodes[0]["metadata"]["name"].as_str().unwrap();
    let locked = b
        .submit(
            &page_path,
            &format!("{page_path}/nodes"),
            &[("action", "lock"), ("node", first)],
        )
        .await;
    assert_eq!(locked.status, 303, "{}", locked.body);
    let node = s
        .nodes(&name)
        .await
        .into_iter()
        .find(|n| n["metadata"]["name"] == first)
        .unwrap();
    assert_eq!(
        node["metadata"]["annotations"]["os.modelarts/lock.actions"],
        "delete"
    );
    let shown = b.get(&page_path).await.body;
    assert!(shown.contains(">locked<"), "{shown}");

    let second = nodes[1]["metadata"]["name"].as_str().unwrap();
    let rebooted = b
        .submit(
            &page_path,
            &format!("{page_path}/nodes"),
            &[("action", "reboot"), ("node", second)],
        )
        .await;
    assert_eq!(rebooted.status, 303, "{}", rebooted.body);
    let node = s
        .nodes(&name)
        .await
        .into_iter()
        .find(|n| n["metadata"]["name"] == second)
        .unwrap();
    assert_eq!(node["status"]["phase"], "Checking");

    let refused = b
        .submit(
            &page_path,
            &format!("{page_path}/scale"),
            &[("nodePool", &node_pool), ("count", "-1")],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains(r#"role="alert""#));
}

#[tokio::test]
async fn deleting_asks_first() {
    let s = server().await;
    let name = s.running_pool("doomed", 1).await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let delete = format!("/console/pools/{name}/delete");
    let confirm = b.get(&delete).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Yes, delete doomed"));
    let unticked = b.submit(&delete, &delete, &[]).await;
    assert_eq!(unticked.status, 400);
    assert_eq!(s.phase(&name).await, "Running");
    let deleted = b.submit(&delete, &delete, &[("confirm", "yes")]).await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(s.phase(&name).await, "Deleting");
}

#[tokio::test]
async fn admin_actions_need_the_admin_token() {
    let s = server().await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let before = s.admin("GET", "/_respool/clock", None).await.body["nowMs"]
        .as_i64()
        .unwrap();
    let early = b
        .submit(
            "/console/admin",
            "/console/admin/clock",
            &[("seconds", "600")],
        )
        .await;
    assert_eq!(early.status, 403);
    assert_eq!(b.get("/console/admin/requests").await.status, 403);
    let wrong = b
        .submit(
            "/console/admin",
            "/console/admin/unlock",
            &[("token", "guess")],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert!(!b.get("/console/admin").await.body.contains("Advance"));

    let opened = b
        .submit(
            "/console/admin",
            "/console/admin/unlock",
            &[("token", ADMIN_TOKEN)],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let page = b.get("/console/admin").await.body;
    assert!(page.contains("Advance 10 minutes"), "{page}");
    assert!(!page.contains(ADMIN_TOKEN), "the token never comes back");
    assert!(!b.cookies["respool_console"].contains(ADMIN_TOKEN));
    let advanced = b
        .submit(
            "/console/admin",
            "/console/admin/clock",
            &[("seconds", "600")],
        )
        .await;
    assert_eq!(advanced.status, 303, "{}", advanced.body);
    let after = s.admin("GET", "/_respool/clock", None).await.body["nowMs"]
        .as_i64()
        .unwrap();
    assert!(after - before >= 600_000, "{before} -> {after}");

    let added = b
        .submit(
            "/console/admin",
            "/console/admin/faults",
            &[
                ("labelSelector", "team=ml"),
                ("effect", "nodes-abnormal"),
                ("count", "1"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let faults = s.admin("GET", "/_respool/faults", None).await.body;
    let id = faults["items"][0]["id"].as_str().unwrap().to_owned();
    assert!(b.get("/console/admin").await.body.contains("team=ml"));
    let removed = b
        .submit(
            "/console/admin",
            &format!("/console/admin/faults/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    let faults = s.admin("GET", "/_respool/faults", None).await.body;
    assert_eq!(faults["items"].as_array().unwrap().len(), 0);

    assert_eq!(b.get("/console/pools").await.status, 200);
    let tail = b.get("/console/admin/requests").await;
    assert_eq!(tail.status, 200);
    assert!(
        tail.body.contains(&format!("/v2/{PROJECT}/pools")),
        "{}",
        tail.body
    );
    assert!(
        !tail.body.contains("/console/"),
        "console pages are left out"
    );
}

#[tokio::test]
async fn unknown_console_pages_are_plain_404s() {
    let s = server().await;
    let mut b = Browser::new(&s);
    assert_eq!(b.get("/console/nothing/here").await.status, 404);
}

/// Reads an event stream until `done` holds for what was read, or 10 s pass.
async fn read_until(res: &mut reqwest::Response, done: impl Fn(&str) -> bool) -> String {
    let mut seen = String::new();
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done(&seen) {
        let chunk = tokio::time::timeout_at(until, res.chunk())
            .await
            .unwrap_or_else(|_| panic!("the stream went quiet; so far:\n{seen}"))
            .unwrap()
            .expect("the stream ended");
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    seen
}

async fn open_stream(b: &Browser, path: &str) -> reqwest::Response {
    let res = b
        .http
        .get(format!("{}{path}", b.base))
        .header("Cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    res
}

const INITIAL_END: &str = "k8s.io/initial-events-end";

#[tokio::test]
async fn the_pools_feed_passes_the_apis_changes_on() {
    let s = server().await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let mut feed = open_stream(&b, "/console/pools/watch?selector=team%3Dml").await;
    read_until(&mut feed, |seen| seen.contains(INITIAL_END)).await;
    let mut body = pool_body("watched", 1);
    body["metadata"]["labels"]["team"] = "ml".into();
    // In the feed's order: were the other pool passed on, it would come first.
    s.create_pool("unwatched", 1).await;
    assert_eq!(s.create_with(&body).await.status, 200);
    let seen = read_until(&mut feed, |seen| seen.contains(r#""type":"ADDED""#)).await;
    assert!(seen.contains(&pool_name("watched")), "{seen}");
    assert!(
        !seen.contains("unwatched"),
        "the selector is the API's: {seen}"
    );
    assert!(!seen.contains("\nid:"), "{seen}");
}

#[tokio::test]
async fn a_pools_feed_follows_the_pool_its_nodes_and_its_events() {
    let s = server().await;
    let name = s.running_pool("followed", 2).await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    let mut feed = open_stream(&b, &format!("/console/pools/{name}/watch")).await;
    // One first list from each of the three watches.
    read_until(&mut feed, |seen| seen.matches(INITIAL_END).count() == 3).await;
    let node = s.nodes(&name).await[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s
        .call(
            "POST",
            &format!("{}/batch-reboot", s.nodes_path(&name)),
            &[],
            Some(&serde_json::json!({ "nodeNames": [node] })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let seen = read_until(&mut feed, |seen| {
        seen.contains(r#""kind":"Node""#) && seen.contains("Checking")
    })
    .await;
    assert!(seen.contains(&node), "{seen}");

    let gone = b.get("/console/pools/no-such-pool/watch").await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn a_reset_asks_first() {
    let s = server().await;
    s.running_pool("reset-me", 1).await;
    let mut b = Browser::new(&s);
    b.sign_in_as_user().await;
    b.submit(
        "/console/admin",
        "/console/admin/unlock",
        &[("token", ADMIN_TOKEN)],
    )
    .await;
    let unticked = b
        .submit("/console/admin", "/console/admin/reset", &[])
        .await;
    assert_eq!(unticked.status, 400);
    assert_eq!(s.list_names(&[]).await.len(), 1);
    let reset = b
        .submit(
            "/console/admin",
            "/console/admin/reset",
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(reset.status, 303, "{}", reset.body);
    assert!(s.list_names(&[]).await.is_empty());
}
