//! Prometheus metrics: requests by route, method and status with latency
//! histograms, pools by phase, and the reconciler's backlog.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::ApiError;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn record(&mut self, secs: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum += secs;
    }
}

/// Route template, method, status.
type Series = (String, String, u16);

/// Latency histograms of answered requests, one per series.
#[derive(Clone, Default)]
pub struct HttpMetrics {
    inner: Arc<Mutex<BTreeMap<Series, Histogram>>>,
}

impl HttpMetrics {
    fn record(&self, route: String, method: String, status: u16, secs: f64) {
        let mut map = self.inner.lock().expect("metrics lock");
        map.entry((route, method, status)).or_default().record(secs);
    }

    fn render(&self, out: &mut String) {
        let map = self.inner.lock().expect("metrics lock");
        out.push_str(
            "# HELP respool_http_requests_total Requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE respool_http_requests_total counter\n");
        for ((route, method, status), h) in map.iter() {
            let _ = writeln!(
                out,
                "respool_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                h.count
            );
        }
        out.push_str(
            "# HELP respool_http_request_duration_seconds Time to answer, by route and method.\n",
        );
        out.push_str("# TYPE respool_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Histogram> = BTreeMap::new();
        for ((route, method, _), h) in map.iter() {
            let agg = by_route.entry((route, method)).or_default();
            for (a, c) in agg.counts.iter_mut().zip(h.counts) {
                *a += c;
            }
            agg.count += h.count;
            agg.sum += h.sum;
        }
        for ((route, method), h) in by_route {
            let labels = format!("route=\"{route}\",method=\"{method}\"");
            let mut cumulative = 0;
            for (bound, c) in BUCKETS.iter().zip(h.counts) {
                cumulative += c;
                let _ = writeln!(out, "respool_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(
                out,
                "respool_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "respool_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "respool_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

/// The route template a request matched, carried on its response.
#[derive(Clone)]
struct RouteLabel(String);

/// Inside the router: notes which route matched.
pub async fn label_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(RouteLabel(route));
    }
    res
}

/// Outside the router: times every request and counts its answer.
pub async fn time_requests(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    // Unmatched paths (and requests refused before routing) share one label,
    // so arbitrary URLs cannot grow the metric set.
    let route = res
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "unmatched".into());
    app.http_metrics.record(
        route,
        method,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// How many log records the writer dropped because it could not keep up;
/// the binary that sets up logging says how to read it.
static LOG_RECORDS_DROPPED: std::sync::OnceLock<Box<dyn Fn() -> u64 + Send + Sync>> =
    std::sync::OnceLock::new();

/// Names the counter of log records dropped under overload (set once, at start).
pub fn count_dropped_log_records(counter: impl Fn() -> u64 + Send + Sync + 'static) {
    let _ = LOG_RECORDS_DROPPED.set(Box::new(counter));
}

/// `GET /metrics`
pub async fn scrape(State(app): State<AppState>) -> Result<Response, ApiError> {
    let mut out = String::new();
    app.http_metrics.render(&mut out);
    out.push_str("# HELP respool_log_records_dropped_total Log records dropped because the log writer could not keep up.\n# TYPE respool_log_records_dropped_total counter\n");
    let dropped =
        LOG_RECORDS_DROPPED.get().map_or(0, |f| f()) + crate::middleware::dropped_log_records();
    let _ = writeln!(out, "respool_log_records_dropped_total {dropped}");
    out.push_str("# HELP respool_pools Pools stored, by phase.\n# TYPE respool_pools gauge\n");
    for (phase, count) in app.store.count_pools_by_phase(None, None).await? {
        let _ = writeln!(out, "respool_pools{{phase=\"{phase}\"}} {count}");
    }
    let now = app.clock.now();
    let (due, oldest) = app.store.due_backlog(now).await?;
    out.push_str(
        "# HELP respool_reconciler_queue_depth Pools whose next lifecycle stage is due.\n",
    );
    out.push_str("# TYPE respool_reconciler_queue_depth gauge\n");
    let _ = writeln!(out, "respool_reconciler_queue_depth {due}");
    out.push_str(
        "# HELP respool_reconciler_lag_seconds How long the oldest due stage has waited.\n",
    );
    out.push_str("# TYPE respool_reconciler_lag_seconds gauge\n");
    let lag = oldest.map_or(0.0, |t| (now - t).max(0) as f64 / 1000.0);
    let _ = writeln!(out, "respool_reconciler_lag_seconds {lag}");
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}
