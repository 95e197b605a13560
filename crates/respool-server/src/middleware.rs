//! Layers every response passes through: a request id on each, the
//! request log, and panics turned into ModelArts-shaped 500s.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TryRecvError};
use std::sync::LazyLock;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub const REQUEST_ID: &str = "x-request-id";

/// One line of the request log.
struct Exchange {
    id: String,
    method: axum::http::Method,
    path: String,
    status: u16,
    micros: u64,
}

/// Records waiting for the log thread before new ones are dropped.
const LOG_QUEUE: usize = 16 * 1024;

static LOG_DROPPED: AtomicU64 = AtomicU64::new(0);
static LOG_QUEUED: AtomicU64 = AtomicU64::new(0);
static LOG_WRITTEN: AtomicU64 = AtomicU64::new(0);

/// How long the log thread sleeps between two looks at its queue.
const LOG_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

/// The request path hands each record to a bounded queue and moves on; a
/// thread of its own formats and writes them. It looks at the queue every
/// [`LOG_PAUSE`] rather than waiting on it: a waiting thread would have to
/// be woken for every request, a system call and a switch on the request
/// path each time.
static REQUEST_LOG: LazyLock<Option<SyncSender<Exchange>>> = LazyLock::new(|| {
    let (tx, rx) = sync_channel::<Exchange>(LOG_QUEUE);
    std::thread::Builder::new()
        .name("respool-request-log".into())
        .spawn(move || loop {
            match rx.try_recv() {
                Ok(e) => {
                    tracing::info!(
                        request_id = %e.id,
                        method = %e.method,
                        path = %e.path,
                        status = e.status,
                        micros = e.micros,
                        "request"
                    );
                    LOG_WRITTEN.fetch_add(1, Ordering::Release);
                }
                Err(TryRecvError::Empty) => std::thread::sleep(LOG_PAUSE),
                Err(TryRecvError::Disconnected) => return,
            }
        })
        .ok()
        .map(|_| tx)
});

/// Request-log records dropped because the log thread could not keep up.
pub fn dropped_log_records() -> u64 {
    LOG_DROPPED.load(Ordering::Relaxed)
}

fn log_exchange(e: Exchange) {
    let sent = REQUEST_LOG
        .as_ref()
        .is_some_and(|tx| tx.try_send(e).is_ok());
    if sent {
        LOG_QUEUED.fetch_add(1, Ordering::Release);
    } else {
        LOG_DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits (up to `limit`) until every queued request-log record is written:
/// at shutdown, so the last requests are in the log.
pub fn flush_request_log(limit: std::time::Duration) {
    let until = std::time::Instant::now() + limit;
    while LOG_WRITTEN.load(Ordering::Acquire) < LOG_QUEUED.load(Ordering::Acquire)
        && std::time::Instant::now() < until
    {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

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
    // With the log off, nothing is built at all.
    if tracing::enabled!(tracing::Level::INFO) {
        log_exchange(Exchange {
            id,
            method,
            path,
            status: res.status().as_u16(),
            micros: started.elapsed().as_micros() as u64,
        });
    }
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
