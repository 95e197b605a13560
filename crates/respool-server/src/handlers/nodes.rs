//! `/v2/{project_id}/pools/{pool_name}/nodes`: list, show, batch-delete.

use axum::extract::State;
use axum::Json;
use respool_api_types::{ErrorBody, Node, NodeDeletion, NodeList, NodeResult};
use respool_core::pool::{NodeCursor, API_VERSION, NODE_LIST_KIND};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{NodePath, PoolPath};
use crate::paging;

/// Names the node list in its `continue` tokens.
const PAGING: &str = "nodes";

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListNodesQuery {
    /// Page size, 0–500; 0 or absent means 500.
    limit: Option<String>,
    /// `metadata.continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    continue_token: Option<String>,
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodes`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodes", operation_id = "ListPoolNodes",
    params(PoolPath, ListNodesQuery),
    responses((status = 200, body = NodeList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    QueryParams(q): QueryParams<ListNodesQuery>,
) -> Result<Json<NodeList>, ApiError> {
    let limit = paging::parse_limit(q.limit.as_deref())?;
    let after: Option<NodeCursor> = paging::decode(PAGING, q.continue_token.as_deref())?;
    let pool = path.load(&app).await?;
    let page = pool.node_page(&app.catalog, None, after.as_ref(), limit);
    let metadata = paging::list_meta(PAGING, page.next.as_ref(), page.remaining);
    Ok(Json(NodeList {
        api_version: API_VERSION.into(),
        kind: NODE_LIST_KIND.into(),
        metadata,
        items: page.items,
    }))
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
