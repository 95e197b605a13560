//! `/v2/{project_id}/pools/{pool_name}/nodepools`: the entries of a pool's
//! `spec.resources`, each managed on its own.

use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use respool_api_types::{ErrorBody, NodeList, NodePool, NodePoolList};
use respool_core::pool::PoolState;
use serde_json::Value;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{node_page, NodePageQuery, NodePoolPath, PoolPath};

/// Names the node-pool node list in its `continue` tokens.
const PAGING: &str = "nodepool-nodes";

fn exists(pool: &PoolState, name: &str) -> Result<(), ApiError> {
    match pool.node_pool_entry(name) {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(Missing::NodePool, name)),
    }
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodepools`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodepools", operation_id = "ListNodePools",
    params(PoolPath),
    responses((status = 200, body = NodePoolList), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<NodePoolList>, ApiError> {
    Ok(Json(path.load(&app).await?.node_pools()))
}

/// `POST /v2/{project_id}/pools/{pool_name}/nodepools`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodepools", operation_id = "CreateNodePool",
    params(PoolPath), request_body = NodePool,
    responses((status = 200, body = NodePool), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<NodePool>,
) -> Result<Json<NodePool>, ApiError> {
    let env = app.env(&caller.domain_id);
    let (created, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            pool.create_node_pool(body.clone(), &env, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(Json(created))
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}", operation_id = "ShowNodePool",
    params(NodePoolPath, NodePageQuery),
    responses((status = 200, body = NodePool), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<NodePoolPath>,
    // Accepted as the SDK sends them; a node pool is one object, not a page.
    QueryParams(_): QueryParams<NodePageQuery>,
) -> Result<Json<NodePool>, ApiError> {
    let pool = path.pool().load(&app).await?;
    pool.node_pool(&path.nodepool_name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(Missing::NodePool, path.nodepool_name.clone()))
}

/// `PATCH /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}`:
/// a merge patch of `spec.resources` (count, azs, labels, taints, ...).
#[utoipa::path(patch, path = "/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}", operation_id = "PatchNodePool",
    params(NodePoolPath),
    request_body(content((Object = "application/json"), (Object = "application/merge-patch+json"))),
    responses((status = 200, body = NodePool), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<NodePoolPath>,
    JsonBody(patch): JsonBody<Value>,
) -> Result<Json<NodePool>, ApiError> {
    let env = app.env(&caller.domain_id);
    let name = &path.nodepool_name;
    let (patched, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            exists(pool, name)?;
            pool.patch_node_pool(name, &patch, &env, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(Json(patched))
}

/// `DELETE /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}`:
/// answers the node pool as it was; its nodes are deleted in time.
#[utoipa::path(delete, path = "/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}", operation_id = "DeleteNodePool",
    params(NodePoolPath),
    responses((status = 200, body = NodePool), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<NodePoolPath>,
) -> Result<Json<NodePool>, ApiError> {
    let env = app.env(&caller.domain_id);
    let name = &path.nodepool_name;
    let (deleted, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            exists(pool, name)?;
            pool.delete_node_pool(name, &env, now)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(Json(deleted))
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}/nodes`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}/nodes", operation_id = "ListNodePoolNodes",
    params(NodePoolPath, NodePageQuery),
    responses((status = 200, body = NodeList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn nodes(
    State(app): State<AppState>,
    PathParams(path): PathParams<NodePoolPath>,
    QueryParams(q): QueryParams<NodePageQuery>,
) -> Result<Response, ApiError> {
    let pool = path.pool().load(&app).await?;
    exists(&pool, &path.nodepool_name)?;
    node_page(&app, &pool, Some(&path.nodepool_name), &q, PAGING)
}
