//! Health and the API description.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;

/// `GET /healthz`: the process answers. A constant: probes ask it often.
pub async fn healthz() -> Response {
    super::json_response(r#"{"status":"ok"}"#)
}

/// `GET /readyz`: the database answers too.
pub async fn readyz(State(app): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    app.store.ping().await?;
    Ok(Json(json!({"status": "ready"})))
}

/// `GET /openapi.json`
pub async fn openapi() -> Response {
    Json(crate::openapi::document()).into_response()
}

pub async fn no_route() -> ApiError {
    ApiError::NoRoute
}

pub async fn wrong_method() -> ApiError {
    ApiError::NoSuchMethod
}
