//! One module per resource; each handler decodes, calls the domain, stores,
//! answers. What several resources share lives here, so handler modules
//! never import one another: the typed path parameters (documented once, as
//! `IntoParams`), the checks that a referenced object exists, and how an
//! answer already encoded as JSON is sent.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use respool_api_types::Pool;
use respool_core::pool::{PoolState, StepOutcome};
use respool_core::workspace::DEFAULT_ID;
use respool_store::PoolQuery;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;

pub mod admin;
pub mod admin_capacity;
pub mod billing;
pub mod events;
pub mod flavors;
pub mod jobs;
pub mod networks;
pub mod node_ops;
pub mod node_pools;
pub mod nodes;
pub mod orders;
pub mod plugins;
pub mod pools;
pub mod quotas;
pub mod scheduled_events;
pub mod stats;
pub mod system;
pub mod tags;
pub mod workloads;
pub mod workspace_auth;
pub mod workspaces;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProjectPath {
    /// The project (32 hexadecimal characters).
    pub project_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PoolPath {
    pub project_id: String,
    /// The pool's `metadata.name`.
    pub pool_name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NodePath {
    pub project_id: String,
    pub pool_name: String,
    pub node_name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NetworkPath {
    pub project_id: String,
    /// The network's `metadata.name`.
    pub network_name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WorkspacePath {
    pub project_id: String,
    pub workspace_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OrderPath {
    pub project_id: String,
    pub order_name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct JobPath {
    pub project_id: String,
    pub job_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EventPath {
    pub project_id: String,
    pub event_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NodePoolPath {
    pub project_id: String,
    pub pool_name: String,
    /// The node pool's name (`spec.resources[].nodePool`).
    pub nodepool_name: String,
}

impl NodePoolPath {
    pub fn pool(&self) -> PoolPath {
        PoolPath {
            project_id: self.project_id.clone(),
            pool_name: self.pool_name.clone(),
        }
    }
}

/// `limit` and `continue` of a node list.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NodePageQuery {
    /// Page size, 0–500; 0 or absent means 500.
    limit: Option<String>,
    /// `metadata.continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    continue_token: Option<String>,
}

/// `body`, already JSON, as a `200` answer. The header value is static: a
/// `&str` would be copied into a new one for every answer.
pub(crate) fn json_response(body: impl Into<bytes::Bytes>) -> Response {
    let json = HeaderValue::from_static("application/json");
    ([(CONTENT_TYPE, json)], body.into()).into_response()
}

/// `value` as a JSON answer, encoded with SIMD string escaping: a page of
/// 500 nodes is half a megabyte of strings, and escaping them byte by byte
/// was a fifth of its time. `size_hint` is about the size of the answer, so
/// its buffer is not grown (and copied) on the way.
pub(crate) fn fast_json<T: serde::Serialize>(
    value: &T,
    size_hint: usize,
) -> Result<Response, ApiError> {
    let mut body = Vec::with_capacity(size_hint);
    sonic_rs::to_writer(&mut body, value)
        .map_err(|e| ApiError::Internal(format!("encoding the answer: {e}")))?;
    Ok(json_response(body))
}

/// About what one node's view takes, encoded.
pub(crate) const NODE_VIEW_BYTES: usize = 1024;

/// One page of a pool's nodes (only `node_pool`'s when given), as a
/// `NodeList`; `paging` names the list in its `continue` tokens.
pub(crate) fn node_page(
    app: &AppState,
    pool: &PoolState,
    node_pool: Option<&str>,
    q: &NodePageQuery,
    paging: &str,
) -> Result<Response, ApiError> {
    let limit = crate::paging::parse_limit(q.limit.as_deref())?;
    let after: Option<respool_core::pool::NodeCursor> =
        crate::paging::decode(paging, q.continue_token.as_deref())?;
    let page = pool.node_page(&app.catalog, node_pool, after.as_ref(), limit);
    let size_hint = (page.items.len() + 1) * NODE_VIEW_BYTES;
    let list = NodeListShown {
        api_version: respool_core::pool::API_VERSION,
        kind: respool_core::pool::NODE_LIST_KIND,
        metadata: crate::paging::list_meta(paging, page.next.as_ref(), page.remaining),
        items: page.items,
    };
    fast_json(&list, size_hint)
}

/// A `NodeList` whose nodes are encoded straight from the pool.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeListShown<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: respool_api_types::ListMeta,
    items: respool_core::pool::NodeViewList<'a>,
}

impl PoolPath {
    /// The pool as of now, even if the reconciler has not written it yet.
    pub async fn load(&self, app: &AppState) -> Result<PoolState, ApiError> {
        let name = &self.pool_name;
        let Some(mut pool) = app.store.get_pool(&self.project_id, name).await? else {
            return Err(ApiError::pool_not_found(name));
        };
        if pool.step(app.clock.now()) == StepOutcome::Gone {
            return Err(ApiError::pool_not_found(name));
        }
        Ok(pool)
    }
}

impl NodePath {
    pub fn pool(&self) -> PoolPath {
        PoolPath {
            project_id: self.project_id.clone(),
            pool_name: self.pool_name.clone(),
        }
    }
}

/// Every pool of the project as of now.
pub(crate) async fn project_pools(
    app: &AppState,
    project_id: &str,
) -> Result<Vec<PoolState>, ApiError> {
    let now = app.clock.now();
    let query = PoolQuery {
        project_id,
        ..Default::default()
    };
    let mut out = Vec::new();
    for row in app.store.list_pools(&query).await? {
        if let Some(mut pool) = app.store.get_pool(project_id, &row.name).await? {
            if pool.step(now) != StepOutcome::Gone {
                out.push(pool);
            }
        }
    }
    Ok(out)
}

/// Refuses a workspace id that names no workspace of the project; `"0"`
/// (and an empty id, which means it) always exists.
pub(crate) async fn ensure_workspace(
    app: &AppState,
    project_id: &str,
    workspace_id: &str,
) -> Result<(), ApiError> {
    if workspace_id.is_empty() || workspace_id == DEFAULT_ID {
        return Ok(());
    }
    match app.store.get_workspace(project_id, workspace_id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::WorkspaceNotFound(workspace_id.to_owned())),
    }
}

/// With `require_networks` on, a Dedicate pool's `spec.network.name` must
/// name a network of the project.
pub(crate) async fn ensure_pool_network(
    app: &AppState,
    project_id: &str,
    pool: &Pool,
) -> Result<(), ApiError> {
    if !app.settings.require_networks || pool.spec.pool_type != "Dedicate" {
        return Ok(());
    }
    let Some(name) = pool
        .spec
        .network
        .as_ref()
        .and_then(|n| n.name.as_deref())
        .filter(|n| !n.is_empty())
    else {
        return Ok(());
    };
    match app.store.get_network(project_id, name).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_request(format!(
            "spec.network.name: network {name:?} does not exist in this project; create it first (POST /v1/{project_id}/networks) and use its metadata.name"
        ))),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PluginTemplatePath {
    /// The catalog is the same for every project.
    #[allow(dead_code)]
    pub project_id: String,
    /// A plugin template's name, e.g. `gpu-driver`.
    pub plugintemplate_name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NodeConfigTemplatePath {
    /// The catalog is the same for every project.
    #[allow(dead_code)]
    pub project_id: String,
    /// A resource flavor's name.
    pub nodeconfigtemplate_name: String,
}
