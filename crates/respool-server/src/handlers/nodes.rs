//! `/v2/{project_id}/pools/{pool_name}/nodes`: list, show, batch-delete.

use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use respool_api_types::{ErrorBody, ListMeta, Node, NodeDeletion, NodeList, NodeResult};
use respool_core::pool::{
    NodeCursor, PoolState, StepOutcome, API_VERSION, MAX_NODE_PAGE, NODE_LIST_KIND,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::pools::PoolPath;

#[derive(Deserialize)]
pub struct NodePath {
    pub project_id: String,
    pub pool_name: String,
    pub node_name: String,
}

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
    params(("project_id" = String, Path), ("pool_name" = String, Path), ListNodesQuery),
    responses((status = 200, body = NodeList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    QueryParams(q): QueryParams<ListNodesQuery>,
) -> Result<Json<NodeList>, ApiError> {
    let limit = parse_limit(q.limit.as_deref())?;
    let after = q
        .continue_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(decode_token)
        .transpose()?;
    let pool = current_pool(&app, &path.project_id, &path.pool_name).await?;
    let page = pool.node_page(&app.catalog, after.as_ref(), limit);
    let metadata = match page.next {
        Some(next) => ListMeta {
            continue_token: Some(encode_token(&next)),
            remaining_item_count: Some(page.remaining as u64),
        },
        None => ListMeta::default(),
    };
    Ok(Json(NodeList {
        api_version: API_VERSION.into(),
        kind: NODE_LIST_KIND.into(),
        metadata,
        items: page.items,
    }))
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodes/{node_name}`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/nodes/{node_name}", operation_id = "ShowPoolNode",
    params(("project_id" = String, Path), ("pool_name" = String, Path), ("node_name" = String, Path)),
    responses((status = 200, body = Node), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<NodePath>,
) -> Result<Json<Node>, ApiError> {
    let pool = current_pool(&app, &path.project_id, &path.pool_name).await?;
    let node = pool
        .node(&path.node_name)
        .ok_or_else(|| ApiError::NotFound {
            code: "ModelArts.50015001",
            kind: "node",
            name: path.node_name.clone(),
        })?;
    Ok(Json(pool.node_view(node, &app.catalog)))
}

/// `POST /v2/{project_id}/pools/{pool_name}/nodes/batch-delete`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-delete", operation_id = "BatchDeletePoolNodes",
    params(("project_id" = String, Path), ("pool_name" = String, Path)), request_body = NodeDeletion,
    responses((status = 200, body = Vec<NodeResult>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
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

/// The pool as of now, even if the reconciler has not written it yet.
async fn current_pool(app: &AppState, project_id: &str, name: &str) -> Result<PoolState, ApiError> {
    let Some(mut pool) = app.store.get_pool(project_id, name).await? else {
        return Err(ApiError::pool_not_found(name));
    };
    if pool.step(app.clock.now()) == StepOutcome::Gone {
        return Err(ApiError::pool_not_found(name));
    }
    Ok(pool)
}

fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw.filter(|s| !s.is_empty()) else {
        return Ok(MAX_NODE_PAGE);
    };
    match raw.parse::<usize>() {
        Ok(0) => Ok(MAX_NODE_PAGE),
        Ok(n) if n <= MAX_NODE_PAGE => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "invalid limit {raw:?}: use an integer from 0 to {MAX_NODE_PAGE}"
        ))),
    }
}

/// Opaque to clients: the listing position, base64url-encoded JSON.
fn encode_token(c: &NodeCursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).expect("a cursor serializes"))
}

fn decode_token(token: &str) -> Result<NodeCursor, ApiError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid continue token: use metadata.continue of the previous page unchanged",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let c = NodeCursor {
            created_ms: 42,
            name: "os-node-created-abcde".into(),
        };
        assert_eq!(decode_token(&encode_token(&c)).unwrap(), c);
        assert!(decode_token("not a token!").is_err());
        assert!(decode_token(&URL_SAFE_NO_PAD.encode(b"{}")).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).unwrap(), 500);
        assert_eq!(parse_limit(Some("0")).unwrap(), 500);
        assert_eq!(parse_limit(Some("7")).unwrap(), 7);
        assert!(parse_limit(Some("501")).is_err());
        assert!(parse_limit(Some("-1")).is_err());
        assert!(parse_limit(Some("x")).is_err());
    }
}
