//! Prometheus metrics: requests by route, method and status with latency
//! histograms, pools by phase, and the reconciler's backlog.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{MatchedPath, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::Method;
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

    fn add(&mut self, other: &Histogram) {
        for (a, c) in self.counts.iter_mut().zip(other.counts) {
            *a += c;
        }
        self.count += other.count;
        self.sum += other.sum;
    }
}

/// The route a request matched (`None`: no route, or refused before
/// routing; one label for all, so arbitrary URLs cannot grow the metrics).
#[derive(Clone)]
struct Route(Option<MatchedPath>);

impl Route {
    fn as_str(&self) -> &str {
        self.0.as_ref().map_or("unmatched", MatchedPath::as_str)
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl Hash for Route {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

/// Route, method, status.
type Series = (Route, Method, u16);

/// Histograms are kept in a few shards, each thread writing to its own, so
/// that two requests answered at once do not wait on one lock.
const SHARDS: usize = 8;

type Shard = Mutex<HashMap<Series, Histogram>>;

/// Latency histograms of answered requests, one per series.
#[derive(Clone)]
pub struct HttpMetrics {
    shards: Arc<[Shard; SHARDS]>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            shards: Arc::new(std::array::from_fn(|_| Mutex::default())),
        }
    }
}

/// This thread's shard.
fn shard_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

impl HttpMetrics {
    pub(crate) fn record(
        &self,
        route: Option<MatchedPath>,
        method: &Method,
        status: u16,
        secs: f64,
    ) {
        let mut shard = self.shards[shard_index()]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shard
            .entry((Route(route), method.clone(), status))
            .or_default()
            .record(secs);
    }

    /// Every series, merged across shards and sorted.
    fn merged(&self) -> BTreeMap<(String, String, u16), Histogram> {
        let mut out: BTreeMap<(String, String, u16), Histogram> = BTreeMap::new();
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            for ((route, method, status), h) in shard.iter() {
                out.entry((route.as_str().to_owned(), method.to_string(), *status))
                    .or_default()
                    .add(h);
            }
        }
        out
    }

    fn render(&self, out: &mut String) {
        let map = self.merged();
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
            by_route.entry((route, method)).or_default().add(h);
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
        LOG_RECORDS_DROPPED.get().map_or(0, |f| f()) + crate::request_log::dropped_log_records();
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
