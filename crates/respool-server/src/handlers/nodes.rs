//! `/v2/{project_id}/pools/{pool_name}/nodes`: list, show, batch-delete.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use respool_api_types::{ErrorBody, Node, NodeDeletion, NodeList, NodeResult};

use crate::app::AppState;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::feed::with_resource_version;
use crate::handlers::{fast_json, node_page, NodePageQuery, NodePath, PoolPath, NODE_VIEW_BYTES};
use crate::watch::{self, Start, Target, WatchParams};

/// Names the node list in its `continue` tokens.
const PAGING: &str = "nodes";

/// `GET /v2/{project_id}/pools/{pool_name}/nodes`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodes", operation_id = "ListPoolNodes",
    params(PoolPath, NodePageQuery, WatchParams),
    responses((status = 200, body = NodeList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    QueryParams(q): QueryParams<NodePageQuery>,
    QueryParams(watch): QueryParams<WatchParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if watch.wanted()? {
        return watch_nodes(&app, &path, &headers, &watch).await;
    }
    let pool = path.load(&app).await?;
    node_page(&app, &pool, None, &q, PAGING)
}

/// A watch of a pool's nodes: from the requested version, or the nodes the
/// pool has at its latest write and then every change.
async fn watch_nodes(
    app: &AppState,
    path: &PoolPath,
    headers: &HeaderMap,
    params: &WatchParams,
) -> Result<Response, ApiError> {
    let project_id = &path.project_id;
    let target = Target::Nodes {
        pool: path.pool_name.clone(),
    };
    watch::open(app, project_id, headers, params, target, || async {
        crate::reconciler::catch_up(app, project_id).await?;
        let pool = app
            .store
            .get_pool(project_id, &path.pool_name)
            .await?
            .ok_or_else(|| ApiError::pool_not_found(&path.pool_name))?;
        // The nodes as of the pool's latest write, which its version names.
        let after = pool
            .pool
            .metadata
            .resource_version
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or_default();
        let mut views = pool.node_views(&app.catalog);
        let initial = pool
            .nodes
            .iter()
            .map(|n| {
                let view = serde_json::to_string(&views.view(n)).expect("a node serializes");
                with_resource_version(&view, after)
            })
            .collect();
        Ok(Start { after, initial })
    })
    .await
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodes/{node_name}`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodes/{node_name}", operation_id = "ShowPoolNode",
    params(NodePath),
    responses((status = 200, body = Node), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<NodePath>,
) -> Result<Response, ApiError> {
    let pool = path.pool().load(&app).await?;
    let node = pool
        .node(&path.node_name)
        .ok_or_else(|| ApiError::not_found(Missing::Node, path.node_name.clone()))?;
    fast_json(&pool.node_views(&app.catalog).view(node), NODE_VIEW_BYTES)
}

/// `POST /v2/{project_id}/pools/{pool_name}/nodes/batch-delete`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-delete", operation_id = "BatchDeletePoolNodes",
    params(PoolPath), request_body = NodeDeletion,
    responses((status = 200, body = Vec<NodeResult>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn batch_delete(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<NodeDeletion>,
) -> Result<Json<Vec<NodeResult>>, ApiError> {
    let (deleted, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            pool.delete_nodes(&body.delete_node_names, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(Json(
        deleted
            .into_iter()
            .map(|name| NodeResult {
                name,
                status: "success".into(),
            })
            .collect(),
    ))
}
