//! `POST /v2/{project_id}/pools/{pool_name}/orderid`: an order that changes a
//! pool's billing (`actionType=toPeriod`: pay-per-use to yearly/monthly).

use axum::extract::State;
use axum::Json;
use respool_api_types::{ErrorBody, OrderIdAnswer, OrderIdRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{OptionalJsonBody, PathParams, QueryParams};
use crate::handlers::{ensure_workspace, PoolPath};

/// The one billing change the API offers.
const TO_PERIOD: &str = "toPeriod";

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderIdQuery {
    /// `toPeriod`: from pay-per-use to yearly/monthly.
    #[serde(rename = "actionType")]
    #[param(rename = "actionType")]
    action_type: Option<String>,
    /// The pool's workspace; checked when given.
    #[serde(rename = "workspaceId")]
    #[param(rename = "workspaceId")]
    workspace_id: Option<String>,
}

/// `POST /v2/{project_id}/pools/{pool_name}/orderid`: answers the order's id; the
/// order stays `pending` until paid (`POST /_respool/pools/{project}/{name}/pay`).
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/orderid", operation_id = "CreateOrderId",
    params(PoolPath, OrderIdQuery), request_body = OrderIdRequest,
    responses((status = 200, body = OrderIdAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    QueryParams(q): QueryParams<OrderIdQuery>,
    OptionalJsonBody(body): OptionalJsonBody<OrderIdRequest>,
) -> Result<Json<OrderIdAnswer>, ApiError> {
    let action = q
        .action_type
        .or(body.and_then(|b| b.action_type))
        .unwrap_or_default();
    if action != TO_PERIOD {
        return Err(ApiError::bad_request(format!(
            "invalid actionType {action:?}: use {TO_PERIOD:?}"
        )));
    }
    if let Some(w) = q.workspace_id.as_deref() {
        ensure_workspace(&app, &path.project_id, w).await?;
    }
    let (id, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            pool.order_to_period(now).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(OrderIdAnswer { id }))
}
