//! `respool serve --seed FILE`: a scenario (credentials, networks,
//! workspaces, pools, fault rules) applied at start, before the server
//! listens, so a test suite or a demo begins from a known state.
//!
//! Everything but credentials goes through the server's own router, in
//! process, as the API would receive it: the same validation, names and
//! lifecycle as a `POST`. What already exists is left as it is, so a second
//! start with the same file changes nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use respool_client::{NewNetwork, NewPool};
use respool_core::flavors::Catalog;
use respool_core::identity::{random_id, random_string, Credential};
use respool_core::time::wall_ms;
use respool_server::{AppState, AuthMode, Settings};
use respool_store::{Store, StoreError};
use serde::Deserialize;
use serde_json::{json, Value};
use tower::ServiceExt;

/// A scenario file. Every section is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The project of every entry that names none; default: the first
    /// credential of the file, else the server's own credential.
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub credentials: Vec<SeedCredential>,
    #[serde(default)]
    pub networks: Vec<SeedNetwork>,
    #[serde(default)]
    pub workspaces: Vec<SeedWorkspace>,
    #[serde(default)]
    pub pools: Vec<SeedPool>,
    #[serde(default)]
    pub faults: Vec<SeedFault>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCredential {
    #[serde(alias = "ak")]
    pub access_key: String,
    #[serde(alias = "sk")]
    pub secret_key: String,
    pub project_id: String,
    #[serde(default)]
    pub domain_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedNetwork {
    /// The display name (`os.modelarts/name`).
    pub name: String,
    #[serde(default = "default_cidr")]
    pub cidr: String,
    #[serde(default)]
    pub project_id: Option<String>,
    /// A workspace of the file (by name) or a workspace id.
    #[serde(default)]
    pub workspace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn default_cidr() -> String {
    "192.168.0.0/16".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedWorkspace {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPool {
    /// The display name (`os.modelarts/name`).
    pub name: String,
    #[serde(default)]
    pub project_id: Option<String>,
    /// A workspace of the file (by name) or a workspace id; default `0`.
    #[serde(default)]
    pub workspace: Option<String>,
    /// A network of the file (by display name) or a network's name; default:
    /// the project's first network in the file, else one the seed creates,
    /// `network-default` (pools need a network that exists).
    #[serde(default)]
    pub network: Option<String>,
    /// Shorthand for one entry of `resources`.
    #[serde(default)]
    pub flavor: Option<String>,
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub resources: Vec<SeedResource>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub scope: Option<Vec<String>>,
    /// `Dedicate` (default) or `Logical`.
    #[serde(default, rename = "type")]
    pub pool_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedResource {
    pub flavor: String,
    #[serde(default = "one")]
    pub count: i64,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedFault {
    #[serde(default, alias = "selector", alias = "label_selector")]
    pub label_selector: String,
    pub effect: String,
    #[serde(default)]
    pub count: Option<i64>,
}

const DEFAULT_NETWORK: &str = "network-default";

/// How many objects a start created (the rest already existed).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub networks: usize,
    pub workspaces: usize,
    pub pools: usize,
    pub faults: usize,
}

impl Seed {
    /// Reads a YAML or JSON scenario file.
    pub fn load(path: &Path) -> anyhow::Result<Seed> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the seed file {}", path.display()))?;
        Seed::parse(&text).with_context(|| format!("invalid seed file {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Seed> {
        if text.trim_start().starts_with('{') {
            let de = &mut serde_json::Deserializer::from_str(text);
            return serde_path_to_error::deserialize(de).map_err(|e| anyhow::anyhow!("{e}"));
        }
        if text.trim().is_empty() {
            return Ok(Seed::default());
        }
        let de = serde_norway::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// Stores the credentials of `seed` (before the server makes sure it has one,
/// so a seeded store gets no generated credential); returns how many were new.
pub async fn apply_credentials(seed: &Seed, store: &dyn Store) -> anyhow::Result<usize> {
    let mut created = 0;
    for c in &seed.credentials {
        if ensure_credential(store, c).await? {
            created += 1;
        }
    }
    Ok(created)
}

/// Creates what `seed` names and `store` lacks: workspaces, networks, pools,
/// then fault rules. `fallback_project` is the server's own credential's
/// project, for entries and files that name none.
pub async fn apply(
    seed: &Seed,
    store: Arc<dyn Store>,
    catalog: Catalog,
    base: &Settings,
    fallback_project: Option<String>,
) -> anyhow::Result<Applied> {
    let mut applied = Applied::default();
    let default_project = seed
        .project_id
        .clone()
        .or_else(|| seed.credentials.first().map(|c| c.project_id.clone()))
        .or(fallback_project);
    let project_of = |p: &Option<String>, what: &str| -> anyhow::Result<String> {
        p.clone()
            .or_else(|| default_project.clone())
            .with_context(|| format!("seed: {what} names no project_id and the file sets none"))
    };

    // The domain a project's objects belong to: the one of its credential.
    let credentials = store.list_credentials().await?;
    let domain_of = |project: &str| -> String {
        credentials
            .iter()
            .find(|c| c.project_ids.iter().any(|p| p == project))
            .map(|c| c.domain_id.clone())
            .unwrap_or_else(|| base.default_domain_id.clone())
    };
    let mut apis = Apis {
        store: store.clone(),
        catalog,
        base: base.clone(),
        token: random_string(32, b"abcdefghijklmnopqrstuvwxyz0123456789"),
        routers: BTreeMap::new(),
    };
    let token = apis.token.clone();

    // Workspaces first: networks and pools may name them.
    let mut workspace_ids: BTreeMap<(String, String), String> = BTreeMap::new();
    for (i, w) in seed.workspaces.iter().enumerate() {
        let what = format!("workspaces[{i}] ({})", w.name);
        let project = project_of(&w.project_id, &what)?;
        let router = apis.router(domain_of(&project)).await?;
        let list = call(
            &router,
            &token,
            Method::GET,
            &format!("/v1/{project}/workspaces?limit=1000"),
            None,
        )
        .await
        .and_then(|r| r.ok(&what))?;
        let existing = list["workspaces"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["name"] == w.name.as_str())
            .and_then(|x| x["id"].as_str())
            .map(str::to_owned);
        let id = match existing {
            Some(id) => id,
            None => {
                let mut body = json!({ "name": w.name });
                if let Some(d) = &w.description {
                    body["description"] = json!(d);
                }
                let created = call(
                    &router,
                    &token,
                    Method::POST,
                    &format!("/v1/{project}/workspaces"),
                    Some(body),
                )
                .await?
                .ok(&what)?;
                applied.workspaces += 1;
                created["id"]
                    .as_str()
                    .context("the created workspace has no id")?
                    .to_owned()
            }
        };
        workspace_ids.insert((project, w.name.clone()), id);
    }
    let workspace_id = |project: &str, named: &Option<String>| -> Option<String> {
        named.as_ref().map(|n| {
            workspace_ids
                .get(&(project.to_owned(), n.clone()))
                .cloned()
                .unwrap_or_else(|| n.clone())
        })
    };

    // A project whose pools name no network, and whose networks the file
    // leaves out, gets one: a Dedicate pool needs a network that exists.
    let mut networks: Vec<SeedNetwork> = seed.networks.clone();
    for p in &seed.pools {
        let project = project_of(&p.project_id, "pools")?;
        let needs = p.network.is_none() && p.pool_type.as_deref() != Some("Logical");
        let has =
            |n: &SeedNetwork| project_of(&n.project_id, "networks").ok() == Some(project.clone());
        if needs && !networks.iter().any(has) {
            networks.push(SeedNetwork {
                name: DEFAULT_NETWORK.into(),
                cidr: default_cidr(),
                project_id: p.project_id.clone(),
                workspace: None,
                labels: BTreeMap::new(),
                description: None,
            });
        }
    }
    let mut network_names: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut first_network: BTreeMap<String, String> = BTreeMap::new();
    for (i, n) in networks.iter().enumerate() {
        let what = format!("networks[{i}] ({})", n.name);
        let project = project_of(&n.project_id, &what)?;
        let router = apis.router(domain_of(&project)).await?;
        let name = format!("{}-{project}", n.name);
        let path = format!("/v1/{project}/networks");
        let found = call(
            &router,
            &token,
            Method::GET,
            &format!("{path}/{name}"),
            None,
        )
        .await?;
        if found.status == StatusCode::NOT_FOUND {
            let mut new = NewNetwork::new(&n.name, &n.cidr);
            if let Some(w) = workspace_id(&project, &n.workspace) {
                new = new.workspace(w);
            }
            for (k, v) in &n.labels {
                new = new.label(k, v);
            }
            if let Some(d) = &n.description {
                new = new.description(d);
            }
            let body = serde_json::to_value(new.build())?;
            call(&router, &token, Method::POST, &path, Some(body))
                .await?
                .ok(&what)?;
            applied.networks += 1;
        } else {
            found.ok(&what)?;
        }
        first_network
            .entry(project.clone())
            .or_insert_with(|| name.clone());
        network_names.insert((project, n.name.clone()), name);
    }

    for (i, p) in seed.pools.iter().enumerate() {
        let what = format!("pools[{i}] ({})", p.name);
        let project = project_of(&p.project_id, &what)?;
        let router = apis.router(domain_of(&project)).await?;
        let path = format!("/v2/{project}/pools");
        let name = format!("{}-{project}", p.name);
        let found = call(
            &router,
            &token,
            Method::GET,
            &format!("{path}/{name}"),
            None,
        )
        .await?;
        if found.status != StatusCode::NOT_FOUND {
            found.ok(&what)?;
            continue;
        }
        let mut new = NewPool::new(&p.name);
        if let Some(t) = &p.pool_type {
            new = new.pool_type(t);
        }
        if let Some(scope) = &p.scope {
            new = new.scope(scope.iter().cloned());
        }
        match (&p.flavor, p.resources.is_empty()) {
            (Some(f), true) => new = new.flavor(f, p.count.unwrap_or(1)),
            (None, false) => {
                for r in &p.resources {
                    new = new.flavor(&r.flavor, r.count);
                }
            }
            (None, true) => bail!("seed: {what} needs a flavor (with count) or resources"),
            (Some(_), false) => bail!("seed: {what} has both flavor and resources: use one"),
        }
        if p.pool_type.as_deref() != Some("Logical") {
            let network = match &p.network {
                Some(n) => network_names
                    .get(&(project.clone(), n.clone()))
                    .cloned()
                    .unwrap_or_else(|| n.clone()),
                None => first_network.get(&project).cloned().unwrap_or_default(),
            };
            new = new.network(network);
        }
        if let Some(w) = workspace_id(&project, &p.workspace) {
            new = new.workspace(w);
        }
        for (k, v) in &p.labels {
            new = new.label(k, v);
        }
        for (k, v) in &p.annotations {
            new = new.annotation(k, v);
        }
        let body = serde_json::to_value(new.build())?;
        call(&router, &token, Method::POST, &path, Some(body))
            .await?
            .ok(&what)?;
        applied.pools += 1;
    }

    if !seed.faults.is_empty() {
        let router = apis.router(base.default_domain_id.clone()).await?;
        let listed = call(&router, &token, Method::GET, "/_respool/faults", None)
            .await?
            .ok("faults")?;
        let existing = listed["items"].as_array().cloned().unwrap_or_default();
        for (i, f) in seed.faults.iter().enumerate() {
            let what = format!("faults[{i}] ({} {})", f.effect, f.label_selector);
            let same = existing.iter().any(|x| {
                x["labelSelector"] == f.label_selector.as_str()
                    && x["effect"] == f.effect.as_str()
                    && x["count"].as_i64() == f.count
            });
            if same {
                continue;
            }
            let mut body = json!({ "labelSelector": f.label_selector, "effect": f.effect });
            if let Some(c) = f.count {
                body["count"] = json!(c);
            }
            call(
                &router,
                &token,
                Method::POST,
                "/_respool/faults",
                Some(body),
            )
            .await?
            .ok(&what)?;
            applied.faults += 1;
        }
    }
    Ok(applied)
}

/// Inserts a credential unless the same one is stored; returns whether it did.
async fn ensure_credential(store: &dyn Store, c: &SeedCredential) -> anyhow::Result<bool> {
    let wanted = Credential {
        access_key: c.access_key.clone(),
        secret_key: c.secret_key.clone(),
        domain_id: c.domain_id.clone().unwrap_or_else(random_id),
        project_ids: vec![c.project_id.clone()],
        security_token: None,
        expires_ms: None,
        created_ms: wall_ms(),
    };
    match store.get_credential(&c.access_key).await? {
        Some(old)
            if old.secret_key == wanted.secret_key
                && old.project_ids.contains(&c.project_id)
                && c.domain_id.as_ref().is_none_or(|d| *d == old.domain_id) =>
        {
            return Ok(false)
        }
        Some(_) => {
            store.revoke_credential(&c.access_key).await?;
        }
        None => {}
    }
    match store.insert_credential(&wanted).await {
        Ok(()) => Ok(true),
        // Another replica seeded it at the same moment.
        Err(StoreError::AlreadyExists) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Routers of states that serve the seed: no authentication, an admin
/// token of their own, objects owned by one domain each.
struct Apis {
    store: Arc<dyn Store>,
    catalog: Catalog,
    base: Settings,
    token: String,
    routers: BTreeMap<String, axum::Router>,
}

impl Apis {
    async fn router(&mut self, domain: String) -> anyhow::Result<axum::Router> {
        if let Some(r) = self.routers.get(&domain) {
            return Ok(r.clone());
        }
        let settings = Settings {
            auth: AuthMode::Off,
            admin_token: Some(self.token.clone()),
            default_domain_id: domain.clone(),
            ..self.base.clone()
        };
        let app = AppState::new(self.store.clone(), self.catalog.clone(), settings).await?;
        let router = respool_server::router(app);
        self.routers.insert(domain, router.clone());
        Ok(router)
    }
}

struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    fn ok(self, what: &str) -> anyhow::Result<Value> {
        if self.status.is_success() {
            return Ok(self.body);
        }
        let msg = self.body["error_msg"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| self.body.to_string());
        let code = self.body["error_code"].as_str().unwrap_or_default();
        bail!("seed: {what}: {} {code} {msg}", self.status.as_u16())
    }
}

async fn call(
    router: &axum::Router,
    token: &str,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> anyhow::Result<Answer> {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(&v)?)
        }
        None => Body::empty(),
    };
    let res = router.clone().oneshot(req.body(body)?).await?;
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 16 << 20).await?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)))
    };
    Ok(Answer { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_read_the_same() {
        let yaml = "pools:\n  - name: p-one\n    flavor: modelarts.vm.cpu.4ud\n    count: 2\n    labels: {team: ml}\n";
        let json = r#"{"pools": [{"name": "p-one", "flavor": "modelarts.vm.cpu.4ud", "count": 2, "labels": {"team": "ml"}}]}"#;
        for text in [yaml, json] {
            let s = Seed::parse(text).unwrap();
            assert_eq!(s.pools.len(), 1);
            assert_eq!(s.pools[0].count, Some(2));
            assert_eq!(s.pools[0].labels["team"], "ml");
        }
    }

    #[test]
    fn unknown_fields_are_refused_with_their_path() {
        let err = Seed::parse("pools:\n  - name: p-one\n    flavour: x\n").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("pools[0]") && msg.contains("flavour"), "{msg}");
    }
}
