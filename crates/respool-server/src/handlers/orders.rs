//! `/v1/{project_id}/orders` and `/v1/{project_id}/orders/{order_name}`: the
//! orders of pool creates, scalings, node deletions and deletes, which the
//! Terraform provider waits on.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use respool_api_types::{ErrorBody, OrderItem, OrderItemList, OrderList};
use respool_core::pool::{
    EVENT_RESOURCE, ORDER_FAILED, ORDER_PARTIAL, ORDER_PENDING, ORDER_PROCESSING, ORDER_SUCCESSED,
};
use respool_store::{OrderQuery, StoreError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::{ApiError, Missing};
use crate::extract::{PathParams, QueryParams};
use crate::handlers::{json_response, OrderPath, ProjectPath};
use crate::paging::number;

/// A page of orders when `limit` is absent or 0.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListOrdersQuery {
    /// Only orders of pools in this workspace (absent: every workspace).
    workspace_id: Option<String>,
    /// Only orders of this pool: its `metadata.name` or its display name.
    involved_name: Option<String>,
    /// Page size, 1–500; 0 or absent means 100.
    limit: Option<String>,
    /// How many matching orders to skip.
    offset: Option<String>,
    /// Only orders created at or after this instant (epoch milliseconds).
    since: Option<String>,
    /// Only orders created at or before this instant (epoch milliseconds).
    until: Option<String>,
    /// `pending`, `processing` (or `running`), `successed` or `failed`.
    phase: Option<String>,
    /// `pools`, the only kind of resource with orders.
    resource: Option<String>,
}

/// `GET /v1/{project_id}/orders`: newest first; `count` counts every match.
#[utoipa::path(get, path = "/v1/{project_id}/orders", operation_id = "ListOrders",
    params(ProjectPath, ListOrdersQuery),
    responses((status = 200, body = OrderList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListOrdersQuery>,
) -> Result<Response, ApiError> {
    let given = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let limit = match number::<u32>("limit", q.limit.as_deref())? {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) if n <= MAX_LIMIT => n,
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "invalid limit: use an integer from 0 to {MAX_LIMIT}"
            )))
        }
    };
    let offset = number::<u32>("offset", q.offset.as_deref())?.unwrap_or(0);
    let since_ms = number::<i64>("since", q.since.as_deref())?;
    let until_ms = number::<i64>("until", q.until.as_deref())?;
    let phase = match given(&q.phase).as_deref() {
        None => None,
        Some("running") => Some(ORDER_PROCESSING),
        Some(p) => Some(
            [
                ORDER_PENDING,
                ORDER_PROCESSING,
                ORDER_SUCCESSED,
                ORDER_PARTIAL,
                ORDER_FAILED,
            ]
            .into_iter()
            .find(|x| *x == p)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "invalid phase {p:?}: use pending, processing, successed, partialSuccessed or failed"
                ))
            })?,
        ),
    };
    if let Some(r) = given(&q.resource).filter(|r| r != EVENT_RESOURCE) {
        return Err(ApiError::bad_request(format!(
            "invalid resource {r:?}: use pools"
        )));
    }
    let involved = given(&q.involved_name);
    let workspace = given(&q.workspace_id);
    let query = OrderQuery {
        project_id: &path.project_id,
        involved_name: involved.as_deref(),
        workspace_id: workspace.as_deref(),
        phase,
        since_ms,
        until_ms,
        limit,
        offset,
    };
    // Orders move on with their pools: bring the project's pools up to the clock.
    crate::reconciler::catch_up(&app, &path.project_id).await?;
    let page = app.store.list_orders(&query).await?;
    if let Some(name) = involved.as_deref().filter(|_| page.total == 0) {
        if !pool_known(&app, &path.project_id, name).await? {
            return Err(ApiError::pool_not_found(name));
        }
    }
    let mut body = String::with_capacity(32 + page.docs.iter().map(|d| d.len() + 1).sum::<usize>());
    body.push_str(&format!(r#"{{"count":{},"items":["#, page.total));
    for (i, doc) in page.docs.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        // Stored documents are the served objects, already JSON.
        body.push_str(doc);
    }
    body.push_str("]}");
    Ok(json_response(body))
}

/// `GET /v1/{project_id}/orders/{order_name}`: the pool and nodes the order acts on.
#[utoipa::path(get, path = "/v1/{project_id}/orders/{order_name}", operation_id = "ShowOrder",
    params(OrderPath),
    responses((status = 200, body = OrderItemList), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<OrderPath>,
) -> Result<Json<OrderItemList>, ApiError> {
    crate::reconciler::catch_up(&app, &path.project_id).await?;
    let Some(items) = app
        .store
        .get_order_items(&path.project_id, &path.order_name)
        .await?
    else {
        return Err(ApiError::not_found(Missing::Order, path.order_name));
    };
    let items: Vec<OrderItem> =
        serde_json::from_str(&items).map_err(|e| ApiError::from(StoreError::from(e)))?;
    Ok(Json(OrderItemList {
        count: items.len() as u64,
        items,
    }))
}

/// Whether `name` is a pool (by `metadata.name` or display name) or had
/// orders once: only then is an empty answer not a 404.
async fn pool_known(app: &AppState, project_id: &str, name: &str) -> Result<bool, ApiError> {
    for candidate in [name.to_owned(), format!("{name}-{project_id}")] {
        if app.store.get_pool(project_id, &candidate).await?.is_some() {
            return Ok(true);
        }
    }
    let any = app
        .store
        .list_orders(&OrderQuery {
            project_id,
            involved_name: Some(name),
            limit: 1,
            ..Default::default()
        })
        .await?;
    Ok(any.total > 0)
}
