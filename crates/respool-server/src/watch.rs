//! `?watch=true` on the pool list, a pool's node list and the event list:
//! the changes of the project's feed as a Kubernetes watch streams them,
//! newline-delimited `{"type": …, "object": …}` objects, or the same as
//! server-sent events for `Accept: text/event-stream`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use respool_api_types::keys::WORKSPACE_ID;
use respool_core::pool::DEFAULT_WORKSPACE;
use respool_core::selector::Selector;
use respool_store::{FeedCursor, FeedKind};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::app::AppState;
use crate::error::ApiError;
use crate::feed::{event_line, read_new, Batch, Subscription};

/// How long a quiet watch waits before it sends a bookmark (which also
/// keeps proxies from closing the connection).
const BOOKMARK_EVERY: Duration = Duration::from_secs(15);

/// The watch parameters a list takes (a respool extension: the SDKs never
/// send them).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct WatchParams {
    /// `true`: stream changes as a Kubernetes watch does, instead of listing.
    watch: Option<String>,
    /// With `watch`: continue after this `metadata.resourceVersion` (of an
    /// object or a bookmark); absent or `0`: what exists now as `ADDED`
    /// first (pools, nodes), then every change.
    resource_version: Option<String>,
    /// With `watch`: end the stream after this many seconds.
    timeout_seconds: Option<String>,
}

impl WatchParams {
    /// Whether the list is asked to watch (`true` or `1`).
    pub fn wanted(&self) -> Result<bool, ApiError> {
        match self.watch.as_deref().unwrap_or_default() {
            "" | "false" | "0" => Ok(false),
            "true" | "1" => Ok(true),
            other => Err(ApiError::bad_request(format!(
                "invalid watch {other:?}: use true or false"
            ))),
        }
    }

    /// The write to start after; `None`: from now, with what exists first.
    fn start(&self) -> Result<Option<i64>, ApiError> {
        match self.resource_version.as_deref().unwrap_or_default() {
            // As Kubernetes has it, "0" is any version: start from now.
            "" | "0" => Ok(None),
            raw => raw
                .parse::<i64>()
                .ok()
                .filter(|v| *v > 0)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "invalid resourceVersion {raw:?}: use the metadata.resourceVersion of an object or a bookmark"
                    ))
                }),
        }
    }

    fn timeout(&self) -> Result<Option<Duration>, ApiError> {
        crate::paging::number::<u64>("timeoutSeconds", self.timeout_seconds.as_deref())
            .map(|t| t.filter(|s| *s > 0).map(Duration::from_secs))
    }
}

/// What a watch follows.
pub enum Target {
    /// A project's pools of one workspace that a label selector matches.
    Pools {
        workspace: String,
        selector: Selector,
    },
    /// The nodes of one pool.
    Nodes { pool: String },
    /// The events of one pool, or of every pool.
    Events { pool: Option<String> },
}

impl Target {
    fn kind(&self) -> FeedKind {
        match self {
            Target::Pools { .. } => FeedKind::Pool,
            Target::Nodes { .. } => FeedKind::Node,
            Target::Events { .. } => FeedKind::Event,
        }
    }

    /// The `kind` and `apiVersion` of the objects, for bookmarks.
    fn object_kind(&self) -> (&'static str, &'static str) {
        match self {
            Target::Pools { .. } => ("Pool", "v2"),
            Target::Nodes { .. } => ("Node", "v2"),
            Target::Events { .. } => ("Event", "v1"),
        }
    }

    fn wants(&self, item: &crate::feed::Item) -> bool {
        if item.kind != self.kind() {
            return false;
        }
        match self {
            Target::Pools {
                workspace,
                selector,
            } => {
                let ws = item
                    .labels
                    .get(WORKSPACE_ID)
                    .map(String::as_str)
                    .unwrap_or(DEFAULT_WORKSPACE);
                ws == workspace && (selector.is_empty() || selector.matches(&item.labels))
            }
            Target::Nodes { pool } => &item.pool == pool,
            Target::Events { pool } => pool.as_ref().is_none_or(|p| &item.pool == p),
        }
    }
}

#[derive(Clone, Copy)]
enum Format {
    Lines,
    ServerSent,
}

/// A watch about to stream: where it starts and what it sends first.
pub struct Start {
    /// The write the stream continues after.
    pub after: i64,
    /// Objects that exist at `after`, sent as `ADDED` before any change.
    pub initial: Vec<String>,
}

/// Opens a watch of `target`: after the requested `resourceVersion`, or,
/// without one, after what `now` lists (the objects that exist and the
/// write they are as of). The project's feed is followed before anything
/// is read, so no write falls between the two.
pub async fn open<Now>(
    app: &AppState,
    project_id: &str,
    headers: &HeaderMap,
    params: &WatchParams,
    target: Target,
    now: impl FnOnce() -> Now,
) -> Result<Response, ApiError>
where
    Now: std::future::Future<Output = Result<Start, ApiError>>,
{
    let subscription = app.feed.subscribe(project_id);
    let start = match requested_start(app, project_id, params).await? {
        Some(after) => Start {
            after,
            initial: Vec::new(),
        },
        None => now().await?,
    };
    respond(
        app,
        project_id,
        headers,
        params,
        target,
        start,
        subscription,
    )
}

/// Checks a requested `resourceVersion` against the feed: the write to
/// continue after, or `None` when the watch starts from now.
async fn requested_start(
    app: &AppState,
    project_id: &str,
    params: &WatchParams,
) -> Result<Option<i64>, ApiError> {
    params.timeout()?;
    let Some(after) = params.start()? else {
        return Ok(None);
    };
    let head = app.store.feed_head(project_id).await?;
    if after < head.floor {
        return Err(ApiError::Expired(after, head.floor));
    }
    if after > head.seq {
        return Err(ApiError::bad_request(format!(
            "invalid resourceVersion {after}: the newest is {}",
            head.seq
        )));
    }
    Ok(Some(after))
}

/// The streaming answer of a watch.
fn respond(
    app: &AppState,
    project_id: &str,
    headers: &HeaderMap,
    params: &WatchParams,
    target: Target,
    start: Start,
    subscription: Subscription,
) -> Result<Response, ApiError> {
    let format = match headers.get(ACCEPT).and_then(|v| v.to_str().ok()) {
        Some(a) if a.contains("text/event-stream") => Format::ServerSent,
        _ => Format::Lines,
    };
    // A timeout too far off to reach is none.
    let deadline = params
        .timeout()?
        .and_then(|t| Instant::now().checked_add(t));
    let mut watch = Watcher {
        app: app.clone(),
        project_id: project_id.to_owned(),
        target,
        format,
        after: start.after,
        sub: subscription,
        out: VecDeque::new(),
        deadline,
        caught_up: false,
        done: false,
    };
    for object in &start.initial {
        watch.push(start.after, &event_line("ADDED", object));
    }
    // Where the first list ends, as Kubernetes marks it.
    watch.push_bookmark(true);
    let body = Body::from_stream(futures_util::stream::unfold(watch, |mut w| async move {
        w.next().await.map(|chunk| (Ok::<_, Infallible>(chunk), w))
    }));
    let content_type = match format {
        Format::Lines => "application/json",
        Format::ServerSent => "text/event-stream",
    };
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "no-cache"),
            // Proxies that buffer answers (nginx) pass each change on at once.
            (
                axum::http::HeaderName::from_static("x-accel-buffering"),
                "no",
            ),
        ],
        body,
    )
        .into_response())
}

/// One watch's place in the feed and what it has yet to send.
struct Watcher {
    app: AppState,
    project_id: String,
    target: Target,
    format: Format,
    /// The last write whose changes were sent (or passed over).
    after: i64,
    sub: Subscription,
    out: VecDeque<Bytes>,
    deadline: Option<Instant>,
    /// Whether the store was read once since subscribing: a write that
    /// committed before this watch's reader saw it is found there.
    caught_up: bool,
    done: bool,
}

impl Watcher {
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.out.pop_front() {
                if self.out.is_empty() && self.out.capacity() > 16 {
                    // The first list can be long; an idle watch stays small.
                    self.out = VecDeque::new();
                }
                return Some(chunk);
            }
            if self.done || *self.sub.stopping.borrow() {
                return None;
            }
            if !self.caught_up {
                self.caught_up = true;
                self.catch_up().await;
                continue;
            }
            let deadline = self.deadline;
            let bookmark = tokio::time::sleep(BOOKMARK_EVERY);
            tokio::select! {
                received = self.sub.rx.recv() => match received {
                    Ok(batch) => self.take(&batch).await,
                    Err(RecvError::Lagged(_)) => self.catch_up().await,
                    Err(RecvError::Closed) => self.done = true,
                },
                _ = bookmark => self.push_bookmark(false),
                _ = self.sub.stopping.changed() => self.done = true,
                _ = until(deadline) => self.done = true,
            }
        }
    }

    /// A write the project's reader handed on: sent if it is the next one;
    /// if writes before it were missed, they are read from the store first.
    async fn take(&mut self, batch: &Batch) {
        if batch.floor > self.after {
            // Writes this watch had yet to send are gone (a reset).
            self.catch_up().await;
            return;
        }
        if batch.seq <= self.after {
            return;
        }
        if batch.seq > self.after + 1 {
            self.catch_up().await;
            if batch.seq <= self.after {
                return;
            }
        }
        self.send(batch);
    }

    /// Reads every write after the last one sent from the store.
    async fn catch_up(&mut self) {
        let store = self.app.store.clone();
        let cursor = FeedCursor::after_write(self.after);
        match read_new(store.as_ref(), &self.project_id, cursor).await {
            Ok((rows, head)) => {
                // Read after the rows: a trim that took some shows here.
                if self.after < head.floor {
                    self.fail(&ApiError::Expired(self.after, head.floor));
                    return;
                }
                for batch in crate::feed::batches(rows, head.floor) {
                    self.send(&batch);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "a watch cannot read the change feed");
                self.fail(&ApiError::from(e));
            }
        }
    }

    /// Ends the watch with an `ERROR` event (a 410 tells the client to list
    /// again).
    fn fail(&mut self, error: &ApiError) {
        let mut body = serde_json::to_value(error.body()).expect("an error body serializes");
        body["code"] = error.status().as_u16().into();
        self.push(self.after, &event_line("ERROR", &body.to_string()));
        self.done = true;
    }

    fn send(&mut self, batch: &Batch) {
        for item in &batch.items {
            if self.target.wants(item) {
                self.push(batch.seq, &item.line);
            }
        }
        self.after = batch.seq;
    }

    fn push_bookmark(&mut self, initial_end: bool) {
        let (kind, api_version) = self.target.object_kind();
        let annotations = if initial_end {
            r#","annotations":{"k8s.io/initial-events-end":"true"}"#
        } else {
            ""
        };
        let object = format!(
            r#"{{"kind":"{kind}","apiVersion":"{api_version}","metadata":{{"resourceVersion":"{}"{annotations}}}}}"#,
            self.after
        );
        self.push(self.after, &event_line("BOOKMARK", &object));
    }

    fn push(&mut self, seq: i64, line: &str) {
        let chunk = match self.format {
            Format::Lines => format!("{line}\n"),
            Format::ServerSent => format!("id: {seq}\ndata: {line}\n\n"),
        };
        self.out.push_back(Bytes::from(chunk));
    }
}

async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
