//! The admin API (`/_respool/...`) exists only when an admin token is
//! configured, and answers only requests that carry it; to anyone else it
//! looks like any unknown route.

use axum::extract::Request;
use axum::http::header::AUTHORIZATION;

use crate::app::AppState;
use crate::error::ApiError;

const PREFIX: &str = "/_respool";

pub fn is_admin(path: &str) -> bool {
    path == PREFIX || path.starts_with("/_respool/")
}

/// Refuses an admin request without the token as an unknown route.
pub fn check(app: &AppState, req: &Request) -> Result<(), ApiError> {
    if !is_admin(req.uri().path()) {
        return Ok(());
    }
    let Some(token) = app.settings.admin_token.as_deref() else {
        return Err(ApiError::NoRoute);
    };
    let sent = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if same(sent.as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::NoRoute)
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
