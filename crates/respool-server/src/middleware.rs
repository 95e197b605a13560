//! Layers every response passes through: a request id on each, and panics
//! turned into ModelArts-shaped 500s.

use std::any::Any;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub const REQUEST_ID: &str = "x-request-id";

/// Gives every request an id, answers with it in `X-Request-Id`, and logs the exchange.
pub async fn request_id(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    res.headers_mut().insert(
        REQUEST_ID,
        HeaderValue::from_str(&id).expect("hex is a valid header"),
    );
    tracing::info!(
        request_id = %id,
        %method,
        %path,
        status = res.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    res
}

/// For `CatchPanicLayer`: a panic is a bug, answered as an internal error.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}
