//! `/v1/{project_id}/networks`: create, list, show, patch, delete. A network
//! is `Creating` for a while after its create (per timing profile), then
//! `Active`; its phase is derived from the virtual clock when it is read.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::Json;
use respool_api_types::{keys, ErrorBody, Network, NetworkList};
use respool_core::network::{NetworkState, API_VERSION, LIST_KIND};
use respool_store::{PoolQuery, StoreError};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{NetworkPath, ProjectPath};
use crate::paging;

/// Names the network list in its `continue` tokens.
const PAGING: &str = "networks";
/// How often a patch that lost a race is retried before answering 409.
const WRITE_ATTEMPTS: usize = 8;

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListNetworksQuery {
    /// A Kubernetes label selector over `metadata.labels`.
    label_selector: Option<String>,
    /// Only networks of this workspace.
    workspace_id: Option<String>,
    /// Page size, 0–500; 0 or absent means 500.
    limit: Option<String>,
    /// `metadata.continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    continue_token: Option<String>,
}

async fn get(app: &AppState, project_id: &str, name: &str) -> Result<NetworkState, ApiError> {
    app.store
        .get_network(project_id, name)
        .await?
        .ok_or_else(|| ApiError::NetworkNotFound(name.to_owned()))
}

/// Names of the pools of the project whose `spec.network.name` is `network`.
/// Pools whose `spec.network.name` is one of `names` (a network is named by
/// its id or, where networks are not required to exist, its display name).
async fn pools_using(
    app: &AppState,
    project_id: &str,
    names: &[&str],
) -> Result<Vec<String>, ApiError> {
    #[derive(Deserialize)]
    struct Doc {
        #[serde(default)]
        spec: Spec,
    }
    #[derive(Deserialize, Default)]
    struct Spec {
        #[serde(default)]
        network: Option<Net>,
    }
    #[derive(Deserialize)]
    struct Net {
        #[serde(default)]
        name: Option<String>,
    }
    crate::reconciler::catch_up(app, project_id).await?;
    let rows = app
        .store
        .list_pools(&PoolQuery {
            project_id,
            ..PoolQuery::default()
        })
        .await?;
    let mut users = BTreeSet::new();
    for row in rows {
        let doc: Doc =
            serde_json::from_str(&row.doc).map_err(|e| ApiError::from(StoreError::from(e)))?;
        if doc
            .spec
            .network
            .and_then(|n| n.name)
            .is_some_and(|n| names.contains(&n.as_str()))
        {
            users.insert(row.name);
        }
    }
    Ok(users.into_iter().collect())
}

/// `GET /v1/{project_id}/networks`
#[utoipa::path(get, path = "/v1/{project_id}/networks", operation_id = "ListNetworks",
    params(ProjectPath, ListNetworksQuery),
    responses((status = 200, body = NetworkList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListNetworksQuery>,
) -> Result<Json<NetworkList>, ApiError> {
    let selector = crate::extract::label_selector(q.label_selector.as_deref())?;
    let limit = paging::parse_limit(q.limit.as_deref())?;
    let after: Option<(i64, String)> = paging::decode(PAGING, q.continue_token.as_deref())?;
    let workspace = q.workspace_id.as_deref().filter(|w| !w.is_empty());
    if let Some(w) = workspace {
        crate::handlers::ensure_workspace(&app, &path.project_id, w).await?;
    }
    let now = app.clock.now();
    let matching: Vec<NetworkState> = app
        .store
        .list_networks(&path.project_id)
        .await?
        .into_iter()
        .filter(|n| selector.matches(&n.network.metadata.labels))
        .filter(|n| workspace.is_none_or(|w| n.workspace_id() == w))
        .collect();
    let (page, metadata) = paging::page(
        PAGING,
        matching,
        |n| (n.created_ms, n.name().to_owned()),
        after.as_ref(),
        limit,
    );
    Ok(Json(NetworkList {
        api_version: API_VERSION.into(),
        kind: LIST_KIND.into(),
        metadata,
        items: page.iter().map(|n| n.view(now)).collect(),
    }))
}

/// `POST /v1/{project_id}/networks`
#[utoipa::path(post, path = "/v1/{project_id}/networks", operation_id = "CreateNetwork",
    params(ProjectPath), request_body = Network,
    responses((status = 200, body = Network), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    JsonBody(body): JsonBody<Network>,
) -> Result<Json<Network>, ApiError> {
    let now = app.clock.now();
    let network = NetworkState::create(&path.project_id, body, app.settings.timing, now)?;
    crate::handlers::ensure_workspace(&app, &path.project_id, network.workspace_id()).await?;
    crate::capacity::check_network_quota(&app, &path.project_id).await?;
    match app.store.insert_network(&network).await {
        Ok(()) => {}
        Err(StoreError::AlreadyExists) => return Err(ApiError::NetworkExists),
        Err(e) => return Err(e.into()),
    }
    // The live service answers before anything has happened: no phase yet.
    Ok(Json(network.created_view()))
}

/// `GET /v1/{project_id}/networks/{network_name}`
#[utoipa::path(get, path = "/v1/{project_id}/networks/{network_name}", operation_id = "ShowNetwork",
    params(NetworkPath),
    responses((status = 200, body = Network), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<NetworkPath>,
) -> Result<Json<Network>, ApiError> {
    let network = get(&app, &path.project_id, &path.network_name).await?;
    Ok(Json(network.view(app.clock.now())))
}

/// `PATCH /v1/{project_id}/networks/{network_name}`: a JSON merge patch of
/// `metadata.annotations` and `spec.connection`.
#[utoipa::path(patch, path = "/v1/{project_id}/networks/{network_name}", operation_id = "PatchNetwork",
    params(NetworkPath),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Network), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(app): State<AppState>,
    PathParams(path): PathParams<NetworkPath>,
    JsonBody(patch): JsonBody<Value>,
) -> Result<Json<Network>, ApiError> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut network = get(&app, &path.project_id, &path.network_name).await?;
        network.patch(&patch)?;
        match app.store.update_network(&mut network).await {
            Ok(()) => return Ok(Json(network.view(app.clock.now()))),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(path.network_name))
}

/// `DELETE /v1/{project_id}/networks/{network_name}`: refused while a pool
/// uses the network. Answers the network as it was.
#[utoipa::path(delete, path = "/v1/{project_id}/networks/{network_name}", operation_id = "DeleteNetwork",
    params(NetworkPath),
    responses((status = 200, body = Network), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(app): State<AppState>,
    PathParams(path): PathParams<NetworkPath>,
) -> Result<Json<Network>, ApiError> {
    let network = get(&app, &path.project_id, &path.network_name).await?;
    let display = network
        .network
        .metadata
        .labels
        .get(keys::NAME)
        .map(String::as_str)
        .unwrap_or_default();
    let users = pools_using(&app, &path.project_id, &[network.name(), display]).await?;
    if !users.is_empty() {
        return Err(ApiError::bad_request(format!(
            "network {:?} is used by resource pool(s) {}: delete them first",
            network.name(),
            users.join(", ")
        )));
    }
    let answer = network.view(app.clock.now());
    if !app
        .store
        .delete_network(&path.project_id, network.name())
        .await?
    {
        return Err(ApiError::NetworkNotFound(path.network_name));
    }
    Ok(Json(answer))
}
