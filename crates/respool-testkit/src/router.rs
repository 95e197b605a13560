//! The real router on a real SQLite file, on a loopback port, in the
//! test's own process (so a test can also reach its store and state).

use std::sync::Arc;
use std::time::Duration;

use respool_core::flavors::Catalog;
use respool_core::identity::{hash_password, Credential, User};
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_server::{AppState, AuthMode, Settings};
use respool_sign::{encode_query, format_sdk_date};
use respool_store::{SqliteStore, Store};
use serde_json::{json, Value};

use crate::{
    names, pool_body, signed_request, Response, ADMIN_TOKEN, AK, DOMAIN, FLAVOR, NODE_CREATE,
    PROJECT, SK,
};

pub struct TestServer {
    pub base: String,
    pub app: AppState,
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    dir: Option<tempfile::TempDir>,
    pub ak: String,
    pub sk: String,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The store as served, to stop serving it as a process's end would.
    served: SqliteStore,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.tasks.iter().for_each(|t| t.abort());
        // Connections still open hold the old state: they must not keep
        // answers, and a restart must be able to serve the file.
        self.served.stop_serving();
    }
}

pub struct Options {
    pub timing: TimingProfile,
    pub auth: AuthMode,
    pub admin_token: Option<String>,
    /// Reuse an existing data directory (to test restarts).
    pub dir: Option<tempfile::TempDir>,
    pub reconciler: bool,
    /// Refuse pools whose `spec.network.name` names no network.
    pub require_networks: bool,
    /// The flavor catalog; the built-in one when `None`.
    pub catalog: Option<Catalog>,
    /// Per-caller throttling.
    pub rate_limit: Option<respool_server::ratelimit::RateLimit>,
    /// Routes served beside the API, inside its layers (the console's).
    pub extra_routes: Option<fn(AppState) -> axum::Router<AppState>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timing: TimingProfile::Immediate,
            auth: AuthMode::Enforce,
            admin_token: None,
            dir: None,
            reconciler: true,
            require_networks: false,
            catalog: None,
            rate_limit: None,
            extra_routes: None,
        }
    }
}

impl TestServer {
    pub async fn start(timing: TimingProfile) -> TestServer {
        Self::with(Options {
            timing,
            ..Options::default()
        })
        .await
    }

    pub async fn with(opts: Options) -> TestServer {
        let dir = opts
            .dir
            .unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
        let served =
            SqliteStore::open_to_serve(&dir.path().join("respool.db").display().to_string())
                .await
                .expect("open sqlite");
        let store: Arc<dyn Store> = Arc::new(served.clone());
        if store.get_credential(AK).await.unwrap().is_none() {
            let mut c = Credential::generate(DOMAIN, vec![PROJECT.into()], wall_ms());
            c.access_key = AK.into();
            c.secret_key = SK.into();
            store.insert_credential(&c).await.unwrap();
        }
        let settings = Settings {
            region: "local-1".into(),
            timing: opts.timing,
            auth: opts.auth,
            default_domain_id: DOMAIN.into(),
            admin_token: opts.admin_token,
            require_networks: opts.require_networks,
            watch_poll: respool_server::DEFAULT_WATCH_POLL,
        };
        let catalog = opts.catalog.unwrap_or_else(Catalog::builtin);
        let app = AppState::new(store.clone(), catalog, settings)
            .await
            .expect("app state")
            .with_rate_limit(opts.rate_limit);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let extra = opts
            .extra_routes
            .map_or_else(axum::Router::new, |r| r(app.clone()));
        let router = respool_server::router_with(app.clone(), extra);
        let mut tasks = vec![tokio::spawn(async move {
            respool_server::listener::serve(listener, router, std::future::pending()).await;
        })];
        if opts.reconciler {
            tasks.push(tokio::spawn(respool_server::reconciler::run(
                app.clone(),
                Duration::from_millis(20),
            )));
        }
        TestServer {
            base,
            app,
            store,
            http: reqwest::Client::new(),
            dir: Some(dir),
            ak: AK.into(),
            sk: SK.into(),
            tasks,
            served,
        }
    }

    /// Stops serving and hands back the data directory, for a restart.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.dir.take().expect("the directory is held until stop")
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self.dir
            .as_ref()
            .expect("the directory is held until stop")
            .path()
    }

    /// Sends a request signed like the official SDK signs.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Response {
        self.call_as(
            &self.ak.clone(),
            &self.sk.clone(),
            method,
            path,
            query,
            body,
            &[],
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn call_as(
        &self,
        ak: &str,
        sk: &str,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        extra_headers: &[(&str, &str)],
    ) -> Response {
        let req = signed_request(
            &self.http,
            &self.base,
            ak,
            sk,
            method,
            path,
            query,
            body,
            extra_headers,
        );
        Response::from(req.send().await.expect("request sent")).await
    }

    /// Signs a GET of the pool list by hand with this `X-Sdk-Date` and extra
    /// headers: the `Authorization` value and the headers to send with it.
    pub fn sign_list(&self, date: &str, extra: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
        let host = self.base.trim_start_matches("http://").to_owned();
        let mut headers: Vec<(&str, &str)> = vec![("Host", &host), ("X-Sdk-Date", date)];
        headers.extend_from_slice(extra);
        let path = self.pools_path();
        let request = respool_sign::ClientRequest {
            method: "GET",
            path: &path,
            query: &[],
            headers: &headers,
            body: b"",
        };
        let auth = respool_sign::sign(&request, AK, SK.as_bytes()).expect("sign");
        // The HTTP client sets Host itself.
        let send = headers
            .iter()
            .skip(1)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (auth, send)
    }

    /// [`sign_list`](Self::sign_list) as a request ready to send.
    pub fn signed_list_request(
        &self,
        date: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let (auth, headers) = self.sign_list(date, extra);
        let mut req = self
            .http
            .get(format!("{}{}", self.base, self.pools_path()))
            .header("Authorization", auth);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req
    }

    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Response {
        Response::from(req.send().await.expect("request sent")).await
    }

    /// An IAM token from `POST /v3/auth/tokens` (the `hw_ak_sk` method).
    pub async fn token(&self, ak: &str, sk: &str, project: &str) -> String {
        let r = self
            .http
            .post(format!("{}/v3/auth/tokens", self.base))
            .json(&json!({"auth": {"identity": {"methods": ["hw_ak_sk"], "hw_ak_sk": {"access": {"key": ak}, "secret": {"key": sk}}}, "scope": {"project": {"id": project}}}}))
            .send()
            .await
            .expect("request sent");
        assert_eq!(r.status(), 201, "token request refused");
        r.headers()["x-subject-token"].to_str().unwrap().to_owned()
    }

    /// An IAM user of the test account, and a token it obtained with its password.
    pub async fn user_token(&self, name: &str, password: &str) -> String {
        self.store
            .insert_user(&User {
                name: name.into(),
                password_hash: hash_password(password),
                domain_id: DOMAIN.into(),
                project_ids: vec![PROJECT.into()],
                created_ms: 0,
            })
            .await
            .unwrap();
        let r = self
            .http
            .post(format!("{}/v3/auth/tokens", self.base))
            .json(&json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": name, "password": password, "domain": {"name": "d"}}}}, "scope": {"project": {"id": PROJECT}}}}))
            .send()
            .await
            .expect("request sent");
        assert_eq!(r.status(), 201, "password token refused");
        r.headers()["x-subject-token"].to_str().unwrap().to_owned()
    }

    pub fn pools_path(&self) -> String {
        format!("/v2/{PROJECT}/pools")
    }

    pub async fn create_pool(&self, display: &str, count: i64) -> Value {
        let r = self
            .call(
                "POST",
                &self.pools_path(),
                &[],
                Some(&pool_body(display, count)),
            )
            .await;
        assert_eq!(r.status, 200, "create {display}: {}", r.body);
        r.body
    }

    pub async fn show(&self, name: &str) -> Response {
        self.call("GET", &format!("{}/{name}", self.pools_path()), &[], None)
            .await
    }

    pub async fn list(&self, query: &[(&str, &str)]) -> Response {
        self.call("GET", &self.pools_path(), query, None).await
    }

    /// Names of the listed pools, in order.
    pub async fn list_names(&self, query: &[(&str, &str)]) -> Vec<String> {
        let r = self.list(query).await;
        assert_eq!(r.status, 200, "list {query:?}: {}", r.body);
        names(&r.body)
    }
}

/// Every item of a paged list, following `metadata.continue`.
pub async fn walk(s: &TestServer, path: &str, limit: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let mut names_seen = Vec::new();
    let mut token = String::new();
    for _ in 0..1000 {
        let mut q: Vec<(&str, &str)> = vec![("limit", limit)];
        q.extend_from_slice(extra);
        if !token.is_empty() {
            q.push(("continue", &token));
        }
        let r = s.call("GET", path, &q, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        names_seen.extend(names(&r.body));
        match r.body["metadata"]["continue"].as_str() {
            Some(t) if !t.is_empty() => {
                let remaining = r.body["metadata"]["remainingItemCount"].as_u64().unwrap();
                assert!(remaining > 0);
                token = t.to_owned();
            }
            _ => {
                assert!(r.body["metadata"].get("remainingItemCount").is_none());
                return names_seen;
            }
        }
    }
    panic!("paging did not end");
}

/// Lifecycle helpers: the manual clock, the admin API, nodes.
impl TestServer {
    /// A server on the manual clock (only the admin API moves time), admin API on.
    pub async fn manual() -> TestServer {
        Self::manual_on(None).await
    }

    /// Like [`TestServer::manual`], on an existing data directory (a restart).
    pub async fn manual_on(dir: Option<tempfile::TempDir>) -> TestServer {
        Self::with(Options {
            timing: TimingProfile::Manual,
            admin_token: Some(ADMIN_TOKEN.into()),
            dir,
            ..Options::default()
        })
        .await
    }

    /// Calls the admin API with the server's admin token.
    pub async fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let token = self.app.settings.admin_token.clone().unwrap_or_default();
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {token}"));
        if let Some(b) = body {
            req = req.json(b);
        }
        self.raw(req).await
    }

    /// Moves the virtual clock on; the answer reflects the new time.
    pub async fn advance(&self, seconds: f64) -> Value {
        let r = self
            .admin(
                "POST",
                "/_respool/clock/advance",
                Some(&json!({ "seconds": seconds })),
            )
            .await;
        assert_eq!(r.status, 200, "advance: {}", r.text);
        r.body
    }

    /// Adds a fault; returns its id.
    pub async fn add_fault(&self, selector: &str, effect: &str, count: Option<i64>) -> String {
        let mut body = json!({ "labelSelector": selector, "effect": effect });
        if let Some(c) = count {
            body["count"] = json!(c);
        }
        let r = self.admin("POST", "/_respool/faults", Some(&body)).await;
        assert_eq!(r.status, 201, "add fault: {}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn remove_fault(&self, id: &str) {
        let r = self
            .admin("DELETE", &format!("/_respool/faults/{id}"), None)
            .await;
        assert_eq!(r.status, 200, "remove fault: {}", r.text);
    }

    /// A pool of `count` nodes of [`FLAVOR`], created and advanced to `Running`.
    pub async fn running_pool(&self, display: &str, count: i64) -> String {
        self.running_pool_of(display, FLAVOR, count).await
    }

    /// A pool of `count` nodes of `flavor`, created and advanced to `Running`.
    pub async fn running_pool_of(&self, display: &str, flavor: &str, count: i64) -> String {
        let mut body = pool_body(display, count);
        body["spec"]["resources"][0]["flavor"] = json!(flavor);
        let r = self.create_with(&body).await;
        assert_eq!(r.status, 200, "create {display}: {}", r.text);
        self.advance(NODE_CREATE).await;
        let name = crate::pool_name(display);
        assert_eq!(self.phase(&name).await, "Running");
        name
    }

    /// The pool as shown, asserting it exists.
    pub async fn pool(&self, name: &str) -> Value {
        let r = self.show(name).await;
        assert_eq!(r.status, 200, "show {name}: {}", r.text);
        r.body
    }

    pub async fn phase(&self, name: &str) -> String {
        self.pool(name).await["status"]["phase"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn create_with(&self, body: &Value) -> Response {
        self.call("POST", &self.pools_path(), &[], Some(body)).await
    }

    pub async fn patch_pool(&self, name: &str, patch: &Value) -> Response {
        self.call(
            "PATCH",
            &format!("{}/{name}", self.pools_path()),
            &[],
            Some(patch),
        )
        .await
    }

    pub async fn delete_pool(&self, name: &str) -> Response {
        self.call(
            "DELETE",
            &format!("{}/{name}", self.pools_path()),
            &[],
            None,
        )
        .await
    }

    /// Sets the count of the pool's (single) flavor.
    pub async fn scale(&self, name: &str, count: i64) -> Response {
        let patch = json!({"spec": {"resources": [{"flavor": FLAVOR, "count": count}]}});
        self.patch_pool(name, &patch).await
    }

    pub fn nodes_path(&self, pool: &str) -> String {
        format!("{}/{pool}/nodes", self.pools_path())
    }

    pub async fn list_nodes(&self, pool: &str, query: &[(&str, &str)]) -> Response {
        self.call("GET", &self.nodes_path(pool), query, None).await
    }

    /// Every node of the pool, as listed.
    pub async fn nodes(&self, pool: &str) -> Vec<Value> {
        let r = self.list_nodes(pool, &[]).await;
        assert_eq!(r.status, 200, "list nodes of {pool}: {}", r.text);
        r.body["items"].as_array().unwrap().clone()
    }

    pub async fn delete_nodes(&self, pool: &str, names: &[&str]) -> Response {
        self.call(
            "POST",
            &format!("{}/batch-delete", self.nodes_path(pool)),
            &[],
            Some(&json!({ "deleteNodeNames": names })),
        )
        .await
    }
}

/// Workspaces and networks for the pools of a test.
impl TestServer {
    pub fn workspaces_path(&self) -> String {
        format!("/v1/{PROJECT}/workspaces")
    }

    pub fn networks_path(&self) -> String {
        format!("/v1/{PROJECT}/networks")
    }

    /// Creates a workspace; returns its id.
    pub async fn create_workspace(&self, name: &str) -> String {
        let r = self
            .call(
                "POST",
                &self.workspaces_path(),
                &[],
                Some(&json!({ "name": name })),
            )
            .await;
        assert_eq!(r.status, 200, "create workspace {name}: {}", r.text);
        r.body["id"].as_str().expect("workspace id").to_owned()
    }

    /// Creates a network; returns its `metadata.name`.
    pub async fn create_network(&self, display: &str, cidr: &str) -> String {
        let body = json!({
            "apiVersion": "v1",
            "kind": "Network",
            "metadata": {"labels": {"os.modelarts/name": display}},
            "spec": {"cidr": cidr}
        });
        let r = self
            .call("POST", &self.networks_path(), &[], Some(&body))
            .await;
        assert_eq!(r.status, 200, "create network {display}: {}", r.text);
        r.body["metadata"]["name"]
            .as_str()
            .expect("network name")
            .to_owned()
    }
}

/// The `User-Agent` of the huaweicloud Terraform provider's golangsdk client.
pub const GO_USER_AGENT: &str =
    "terraform-provider-iac huaweicloud/1.80.0 golangsdk/2.0.0 Terraform/1.9.8 (+https://www.terraform.io)";

/// Requests signed as the Terraform provider's golangsdk signs them.
impl TestServer {
    /// Sends a request as the huaweicloud Terraform provider does
    /// (`golangsdk.ProviderClient.doRequest`): `Accept: application/json` and
    /// `User-Agent` always, `Content-Type` when the call sets one, and the
    /// body as Go's `json.Encoder` writes it (keys sorted, a trailing
    /// newline). The SDK-HMAC-SHA256 signature covers exactly the headers
    /// in Go's header map at signing time, and `Host` is not among them (Go
    /// keeps it out of the map); `X-Project-Id` is set after signing, so it
    /// is sent but not signed. The query goes out in canonical order, as the
    /// signer rewrites it.
    pub async fn call_go(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        content_type: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let date = format_sdk_date(wall_ms() / 1000);
        let mut body_bytes = Vec::new();
        if let Some(b) = body {
            body_bytes = serde_json::to_vec(b).unwrap();
            body_bytes.push(b'\n');
        }
        let mut headers: Vec<(&str, &str)> = vec![
            ("Accept", "application/json"),
            ("User-Agent", GO_USER_AGENT),
            ("X-Sdk-Date", &date),
        ];
        if let Some(ct) = content_type {
            headers.push(("Content-Type", ct));
        }
        let mut signed: Vec<String> = headers
            .iter()
            .map(|(k, _)| k.to_ascii_lowercase())
            .collect();
        signed.sort();
        let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
        let mut sorted = query.to_vec();
        sorted.sort();
        let q = encode_query(&sorted);
        let canonical = respool_sign::canonical_request(
            &respool_sign::RequestParts {
                method,
                path,
                query: &q,
                headers: &headers,
                body: &body_bytes,
            },
            &signed,
        )
        .expect("canonical request");
        let signature = respool_sign::signature(
            self.sk.as_bytes(),
            &respool_sign::string_to_sign(&date, &canonical),
        );
        let authorization = format!(
            "SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={signature}",
            self.ak,
            signed.join(";")
        );
        let url = if q.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{q}", self.base)
        };
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .header("Authorization", authorization)
            .header("X-Project-Id", PROJECT)
            .body(body_bytes);
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        Response::from(req.send().await.expect("request sent")).await
    }
}
