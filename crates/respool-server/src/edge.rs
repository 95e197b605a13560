//! The one layer every request passes through, around the route it
//! matched (or the fallback). In order: an id, the size limits, the admin
//! API's token, the signature;
//! then the handler, under a time limit and with panics caught; then the
//! id on the answer, its metrics and the request logs. One layer rather than
//! one each: every layer costs each request a few allocations and a hand-off.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;

use crate::app::AppState;
use crate::error::ApiError;
use crate::request_log::{self, Exchange};
use crate::{admin_guard, auth, limits};

pub const REQUEST_ID: &str = "x-request-id";

pub async fn layer(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id();
    let method = req.method().clone();
    let path = req.uri().path();
    // The in-memory log keeps API requests: not the admin API's or probes'.
    let kept = !admin_guard::is_admin(path) && path != "/healthz" && path != "/readyz";
    let logged = request_log::logging();
    let path = (kept || logged).then(|| path.to_owned());
    let access_key = if kept { access_key(&req) } else { None };
    // Set by the router before this layer runs (it wraps each route).
    let route = req.extensions().get::<MatchedPath>().cloned();

    let work = async {
        limits::check(&req)?;
        admin_guard::check(&app, &req)?;
        let req = auth::authenticate(&app, req).await?;
        Ok::<_, ApiError>(next.run(req).await)
    };
    let caught = AssertUnwindSafe(work).catch_unwind();
    let mut res = match tokio::time::timeout(limits::REQUEST_TIMEOUT, caught).await {
        Ok(Ok(Ok(res))) => res,
        Ok(Ok(Err(e))) => e.into_response(),
        Ok(Err(panic)) => panic_response(panic),
        Err(_) => ApiError::Timeout.into_response(),
    };

    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    app.http_metrics
        .record(route, &method, status, elapsed.as_secs_f64());
    res.headers_mut().insert(REQUEST_ID, id.clone());
    if let Some(path) = path {
        // One record for both logs: a copy would cost the request path
        // an allocation or two.
        let exchange = Arc::new(Exchange {
            at: SystemTime::now(),
            id,
            method,
            path,
            status,
            access_key,
            micros: elapsed.as_micros() as u64,
        });
        if logged {
            request_log::write(Arc::clone(&exchange));
        }
        if kept {
            app.requests.push(exchange);
        }
    }
    res
}

/// 32 hex digits, made without a system call.
fn request_id() -> HeaderValue {
    let mut buf = [0u8; 32];
    let hex = uuid::Uuid::new_v4().simple().encode_lower(&mut buf);
    HeaderValue::from_str(hex).expect("hex is a valid header")
}

/// The access key a signed request names, whether or not it verifies.
fn access_key(req: &Request) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let auth = respool_sign::parse_authorization(value).ok()?;
    Some(auth.access_key.to_owned())
}

/// A panic is a bug, answered as an internal error.
fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}
