//! Pool tags under `/v1/{project_id}/pools/...`: all tags of the project,
//! the tags of one pool, adding and removing tags. The tags live on the pool
//! (annotation `os.modelarts/tms.tags`). The API reference gives 204 for
//! show and delete, with a body; respool answers 200, since a 204 body is
//! thrown away by HTTP clients.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use respool_api_types::{ErrorBody, PoolTagList, Tag, TagDeletionRequest, TagRequest};
use respool_core::tags;
use respool_store::{PoolQuery, StoreError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{PoolPath, ProjectPath};

/// Default page of `GET /v1/{project_id}/pools/tags`.
const DEFAULT_LIMIT: usize = 200;
const MAX_LIMIT: usize = 1000;

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTagsQuery {
    /// Keys per answer, 1–1000; default 200.
    limit: Option<String>,
    /// Index of the first key to return; default 0.
    offset: Option<String>,
}

fn number(field: &str, raw: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "invalid {field} {s:?}: use an integer from 0 to {max}"
                ))
            }),
    }
}

/// `GET /v1/{project_id}/pools/tags`: every key used on the project's
/// pools, with all its values.
#[utoipa::path(get, path = "/v1/{project_id}/pools/tags", operation_id = "ListPoolTags",
    params(ProjectPath, ListTagsQuery),
    responses((status = 200, body = PoolTagList), (status = 400, body = ErrorBody)))]
pub async fn list_all(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListTagsQuery>,
) -> Result<Json<PoolTagList>, ApiError> {
    #[derive(Deserialize)]
    struct Doc {
        #[serde(default)]
        metadata: Meta,
    }
    #[derive(Deserialize, Default)]
    struct Meta {
        #[serde(default)]
        annotations: BTreeMap<String, String>,
    }
    let limit = match number("limit", q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)? {
        0 => DEFAULT_LIMIT,
        n => n,
    };
    let offset = number("offset", q.offset.as_deref(), 0, usize::MAX)?;
    crate::reconciler::catch_up(&app, &path.project_id).await?;
    let rows = app
        .store
        .list_pools(&PoolQuery {
            project_id: &path.project_id,
            ..PoolQuery::default()
        })
        .await?;
    let mut all: Vec<Tag> = Vec::new();
    for row in rows {
        let doc: Doc =
            serde_json::from_str(&row.doc).map_err(|e| ApiError::from(StoreError::from(e)))?;
        all.extend(tags::of_annotations(&doc.metadata.annotations));
    }
    let grouped = tags::grouped(all.iter());
    Ok(Json(PoolTagList {
        tags: grouped.into_iter().skip(offset).take(limit).collect(),
    }))
}

/// `GET /v1/{project_id}/pools/{pool_name}/tags`
#[utoipa::path(get, path = "/v1/{project_id}/pools/{pool_name}/tags", operation_id = "ShowPoolTags",
    params(PoolPath),
    responses((status = 200, body = PoolTagList), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<PoolTagList>, ApiError> {
    let pool = path.load(&app).await?;
    Ok(Json(PoolTagList {
        tags: tags::grouped(tags::of_pool(&pool).iter()),
    }))
}

/// `POST /v1/{project_id}/pools/{pool_name}/tags/create`: a tag with a key
/// the pool has replaces its value. Answers the pool's tags.
#[utoipa::path(post, path = "/v1/{project_id}/pools/{pool_name}/tags/create", operation_id = "BatchCreatePoolTags",
    params(PoolPath), request_body = TagRequest,
    responses((status = 200, body = PoolTagList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<TagRequest>,
) -> Result<Json<PoolTagList>, ApiError> {
    let ((), pool) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, _| {
            tags::add(pool, &body.tags).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(PoolTagList {
        tags: tags::grouped(tags::of_pool(&pool).iter()),
    }))
}

/// `DELETE /v1/{project_id}/pools/{pool_name}/tags/delete`, with a body:
/// removes tags by key (and value, when given). Answers the tags left.
#[utoipa::path(delete, path = "/v1/{project_id}/pools/{pool_name}/tags/delete", operation_id = "BatchDeletePoolTags",
    params(PoolPath), request_body = TagDeletionRequest,
    responses((status = 200, body = PoolTagList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<TagDeletionRequest>,
) -> Result<Json<PoolTagList>, ApiError> {
    let ((), pool) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, _| {
            tags::remove(pool, &body.tags).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(PoolTagList {
        tags: tags::grouped(tags::of_pool(&pool).iter()),
    }))
}
