//! `/v2/{project_id}/pools`: list, show, create, patch, scale, delete.

use std::collections::BTreeMap;

use reqwest::Method;
use respool_api_types::{keys, NetworkRef, ObjectMeta, Pool, PoolList, PoolResource, PoolSpec};
use serde_json::{json, Value};

use crate::{Client, Error};

/// The query of `GET /v2/{project_id}/pools`; `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPools {
    /// `workspaceId`; the server's default is `0`.
    pub workspace_id: Option<String>,
    /// `labelSelector`, Kubernetes syntax, e.g. `os.modelarts/name=demo,env in (a,b)`.
    pub label_selector: Option<String>,
    /// `status`: `creating`, `created` or `failed`.
    pub status: Option<String>,
    /// `parent` (respool): only sub-pools of this pool.
    pub parent: Option<String>,
}

impl ListPools {
    /// The query it sends.
    pub(crate) fn query(&self) -> Vec<(&'static str, &str)> {
        [
            ("workspaceId", &self.workspace_id),
            ("labelSelector", &self.label_selector),
            ("status", &self.status),
            ("parent", &self.parent),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
        .collect()
    }
}

impl Client {
    /// `GET /v2/{project_id}/pools` (the live API does not page pools).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// let running = client
    ///     .list_pools(&respool_client::ListPools {
    ///         label_selector: Some("os.modelarts/name=demo".into()),
    ///         status: Some("created".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// println!("{} pools", running.items.len());
    /// # Ok(()) }
    /// ```
    pub async fn list_pools(&self, options: &ListPools) -> Result<PoolList, Error> {
        self.get(&self.path("v2", &["pools"]), &options.query())
            .await
    }

    /// `GET /v2/{project_id}/pools/{pool_name}`.
    pub async fn get_pool(&self, name: &str) -> Result<Pool, Error> {
        self.get(&self.path("v2", &["pools", name]), &[]).await
    }

    /// `POST /v2/{project_id}/pools`. `status` is not sent. The answer is the
    /// new pool as the service accepted it (with no phase yet).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// use respool_client::NewPool;
    ///
    /// let pool = NewPool::new("demo")
    ///     .flavor("modelarts.vm.cpu.4ud", 2)
    ///     .network("network-demo")
    ///     .build();
    /// let created = client.create_pool(&pool).await?;
    /// println!("created {}", created.metadata.name);
    /// # Ok(()) }
    /// ```
    pub async fn create_pool(&self, pool: &Pool) -> Result<Pool, Error> {
        let mut body = serde_json::to_value(pool)
            .map_err(|e| Error::Config(format!("cannot encode the pool: {e}")))?;
        if let Some(o) = body.as_object_mut() {
            o.remove("status");
        }
        self.send(Method::POST, &self.path("v2", &["pools"]), &[], Some(&body))
            .await
    }

    /// `PATCH /v2/{project_id}/pools/{pool_name}` with a JSON merge patch
    /// (RFC 7386: objects merge, arrays and scalars replace, `null` removes).
    pub async fn patch_pool(&self, name: &str, patch: &Value) -> Result<Pool, Error> {
        self.send(
            Method::PATCH,
            &self.path("v2", &["pools", name]),
            &[],
            Some(patch),
        )
        .await
    }

    /// Sets the node count of one flavor (adding the flavor if the pool lacks
    /// it): reads the pool, then patches the whole `spec.resources` list, since
    /// a merge patch replaces arrays. Other flavors keep their entries as they are.
    pub async fn scale_pool(&self, name: &str, flavor: &str, count: i64) -> Result<Pool, Error> {
        let pool = self.get_pool(name).await?;
        let mut resources = pool.spec.resources;
        match resources.iter_mut().find(|r| r.flavor == flavor) {
            Some(r) => {
                r.count = count;
                if r.max_count.is_some() {
                    r.max_count = Some(count);
                }
                if let Some(azs) = &r.azs {
                    // A fixed AZ split no longer adds up; let the service place the nodes.
                    if azs.iter().map(|a| a.count).sum::<i64>() != count {
                        r.azs = None;
                    }
                }
            }
            None => resources.push(PoolResource {
                flavor: flavor.to_owned(),
                count,
                ..PoolResource::default()
            }),
        }
        self.patch_pool(name, &json!({"spec": {"resources": resources}}))
            .await
    }

    /// `DELETE /v2/{project_id}/pools/{pool_name}`. The answer is the pool as it
    /// was, with `metadata.deletionTimestamp`; deletion goes on in the background
    /// (see [`Client::wait_pool`] with [`WaitFor::Deleted`](crate::WaitFor::Deleted)).
    pub async fn delete_pool(&self, name: &str) -> Result<Pool, Error> {
        self.send(
            Method::DELETE,
            &self.path("v2", &["pools", name]),
            &[],
            None::<&()>,
        )
        .await
    }

    /// The pool called `name`, or, if there is none, the one whose generated
    /// name is `{name}-{project_id}` (ModelArts names a pool after its display
    /// name and project). A 404 for both is the first 404.
    pub async fn find_pool(&self, name: &str) -> Result<Pool, Error> {
        match self.get_pool(name).await {
            Err(e) if e.is_not_found() && !name.ends_with(&self.pool_suffix()) => {
                match self
                    .get_pool(&format!("{name}{}", self.pool_suffix()))
                    .await
                {
                    Err(e2) if e2.is_not_found() => Err(e),
                    other => other,
                }
            }
            other => other,
        }
    }

    fn pool_suffix(&self) -> String {
        format!("-{}", self.project_id())
    }
}

/// Builds the body of a pool create request.
///
/// ```
/// let pool = respool_client::NewPool::new("demo")
///     .scope(["Train", "Infer"])
///     .flavor("modelarts.vm.cpu.4ud", 2)
///     .network("network-demo")
///     .label("team", "ml")
///     .build();
/// assert_eq!(pool.metadata.labels["os.modelarts/name"], "demo");
/// assert_eq!(pool.spec.resources[0].count, 2);
/// assert_eq!(pool.spec.pool_type, "Dedicate");
/// ```
#[derive(Debug, Clone)]
pub struct NewPool {
    display_name: String,
    pool_type: String,
    scope: Vec<String>,
    resources: Vec<(String, i64)>,
    network: Option<String>,
    workspace: Option<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

impl NewPool {
    /// A `Dedicate` pool for `Train` jobs with this display name (`os.modelarts/name`).
    pub fn new(display_name: impl Into<String>) -> NewPool {
        NewPool {
            display_name: display_name.into(),
            pool_type: "Dedicate".into(),
            scope: vec!["Train".into()],
            resources: Vec::new(),
            network: None,
            workspace: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }

    /// `Dedicate` (the default) or `Logical`.
    pub fn pool_type(mut self, t: impl Into<String>) -> NewPool {
        self.pool_type = t.into();
        self
    }

    /// Job types: `Train`, `Infer`, `Notebook`.
    pub fn scope<S: Into<String>>(mut self, scope: impl IntoIterator<Item = S>) -> NewPool {
        self.scope = scope.into_iter().map(Into::into).collect();
        self
    }

    /// Adds `count` nodes of a flavor.
    pub fn flavor(mut self, flavor: impl Into<String>, count: i64) -> NewPool {
        self.resources.push((flavor.into(), count));
        self
    }

    /// The network (`spec.network.name`); a `Dedicate` pool needs one.
    pub fn network(mut self, name: impl Into<String>) -> NewPool {
        self.network = Some(name.into());
        self
    }

    /// The workspace id (`os.modelarts/workspace.id`); `0` when not set.
    pub fn workspace(mut self, id: impl Into<String>) -> NewPool {
        self.workspace = Some(id.into());
        self
    }

    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> NewPool {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> NewPool {
        self.annotations.insert(key.into(), value.into());
        self
    }

    /// `os.modelarts/description`.
    pub fn description(self, text: impl Into<String>) -> NewPool {
        self.annotation(keys::DESCRIPTION, text)
    }

    pub fn build(self) -> Pool {
        let mut labels = self.labels;
        labels.insert(keys::NAME.into(), self.display_name);
        labels.insert(
            keys::WORKSPACE_ID.into(),
            self.workspace.unwrap_or_else(|| "0".into()),
        );
        Pool {
            api_version: "v2".into(),
            kind: "Pool".into(),
            metadata: ObjectMeta {
                labels,
                annotations: self.annotations,
                resource_version: None,
                ..ObjectMeta::default()
            },
            spec: PoolSpec {
                pool_type: self.pool_type,
                scope: self.scope,
                resources: self
                    .resources
                    .into_iter()
                    .map(|(flavor, count)| PoolResource {
                        flavor,
                        count,
                        ..PoolResource::default()
                    })
                    .collect(),
                network: self.network.map(|name| NetworkRef {
                    name: Some(name),
                    ..NetworkRef::default()
                }),
                ..PoolSpec::default()
            },
            status: Default::default(),
        }
    }
}
