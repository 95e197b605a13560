//! `/v2/{project_id}/pools/{pool_name}/nodes`: list, show, batch-delete.

use axum::extract::State;
use axum::Json;
use respool_api_types::{ErrorBody, Node, NodeDeletion, NodeList, NodeResult};

use crate::app::AppState;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{node_page, NodePageQuery, NodePath, PoolPath};

/// Names the node list in its `continue` tokens.
const PAGING: &str = "nodes";

/// `GET /v2/{project_id}/pools/{pool_name}/nodes`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodes", operation_id = "ListPoolNodes",
    params(PoolPath, NodePageQuery),
    responses((status = 200, body = NodeList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    QueryParams(q): QueryParams<NodePageQuery>,
) -> Result<Json<NodeList>, ApiError> {
    let pool = path.load(&app).await?;
    Ok(Json(node_page(&app, &pool, None, &q, PAGING)?))
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodes/{node_name}`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodes/{node_name}", operation_id = "ShowPoolNode",
    params(NodePath),
    responses((status = 200, body = Node), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<NodePath>,
) -> Result<Json<Node>, ApiError> {
    let pool = path.pool().load(&app).await?;
    let node = pool
        .node(&path.node_name)
        .ok_or_else(|| ApiError::not_found(Missing::Node, path.node_name.clone()))?;
    Ok(Json(pool.node_view(node, &app.catalog)))
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
