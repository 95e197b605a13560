//! The console's change feeds: each makes the API's watch calls as the
//! session and passes their events on as one event stream, until the
//! session expires. The page's script only needs to know that something
//! changed (it then reads the page's live part again), so events keep their
//! `data` and lose their `id`: after a reconnect the page reads itself
//! again rather than resuming.

use std::convert::Infallible;
use std::pin::Pin;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use respool_api_types::{keys, Pool};
use respool_core::time::wall_ms;
use serde::Deserialize;

use crate::api::{project_path, Failure};
use crate::pages::pools::display_name;
use crate::session::Session;
use crate::Console;

/// How long the browser waits before it opens a stream again.
const RETRY: &[u8] = b"retry: 3000\n\n";
/// An event larger than this ends the stream rather than the memory.
const MAX_EVENT: usize = 1024 * 1024;

type Events = Pin<Box<dyn Stream<Item = Bytes> + Send>>;

#[derive(Deserialize, Default)]
pub struct PoolsWatch {
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    selector: String,
}

/// `GET /console/pools/watch`: the pools of a workspace (and selector).
pub async fn pools(
    State(console): State<Console>,
    session: Session,
    Query(w): Query<PoolsWatch>,
) -> Response {
    let query: Vec<(&str, &str)> = [
        ("workspaceId", w.workspace.as_str()),
        ("labelSelector", w.selector.as_str()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let path = project_path(&session, "v2", &["pools"]);
    match console.api.watch(&session, &path, &query).await {
        Ok(body) => stream_of(&session, vec![body]),
        Err(f) => refusal(f),
    }
}

/// `GET /console/pools/{name}/watch`: the pool itself, its nodes and its events.
pub async fn pool(
    State(console): State<Console>,
    session: Session,
    Path(name): Path<String>,
) -> Response {
    let s = &session;
    let api = &console.api;
    let pool: Pool = match api
        .get(s, &project_path(s, "v2", &["pools", &name]), &[])
        .await
    {
        Ok(p) => p,
        Err(f) => return refusal(f),
    };
    let selector = format!("{}={}", keys::NAME, display_name(&pool));
    let workspace = pool
        .metadata
        .labels
        .get(keys::WORKSPACE_ID)
        .map_or("0", String::as_str);
    let pools_path = project_path(s, "v2", &["pools"]);
    let nodes_path = project_path(s, "v2", &["pools", &name, "nodes"]);
    let events_path = project_path(s, "v1", &["events"]);
    let pools_query = [
        ("workspaceId", workspace),
        ("labelSelector", selector.as_str()),
    ];
    let events_query = [("name", name.as_str())];
    let (pools, nodes, events) = tokio::join!(
        api.watch(s, &pools_path, &pools_query),
        api.watch(s, &nodes_path, &[]),
        api.watch(s, &events_path, &events_query),
    );
    match (pools, nodes, events) {
        (Ok(p), Ok(n), Ok(e)) => stream_of(s, vec![p, n, e]),
        (Err(f), _, _) | (_, Err(f), _) | (_, _, Err(f)) => refusal(f),
    }
}

/// A plain answer saying why there is no stream.
fn refusal(f: Failure) -> Response {
    (f.page_status(), format!("No live updates: {}", f.message)).into_response()
}

/// The upstream streams as one, ending when the session does.
fn stream_of(session: &Session, upstreams: Vec<Body>) -> Response {
    let remaining = Duration::from_millis((session.expires_ms - wall_ms()).max(0) as u64);
    let merged = stream::select_all(upstreams.into_iter().map(data_events));
    let body = stream::iter([Bytes::from_static(RETRY)])
        .chain(merged)
        .take_until(tokio::time::sleep(remaining))
        .map(Ok::<_, Infallible>);
    (
        [
            (CONTENT_TYPE, "text/event-stream"),
            (CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The events of an event stream, each with its `data` lines only.
fn data_events(upstream: Body) -> Events {
    let chunks = upstream.into_data_stream();
    Box::pin(stream::unfold(
        (chunks, Vec::new()),
        |(mut chunks, mut buf)| async move {
            loop {
                if let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                    let event: Vec<u8> = buf.drain(..end + 2).collect();
                    match data_lines(&event) {
                        Some(out) => return Some((out, (chunks, buf))),
                        None => continue,
                    }
                }
                if buf.len() > MAX_EVENT {
                    return None;
                }
                match chunks.next().await {
                    Some(Ok(chunk)) => buf.extend(chunk.iter().filter(|b| **b != b'\r')),
                    _ => return None,
                }
            }
        },
    ))
}

/// An event's `data:` lines, ended as an event; `None` for an event
/// without data (a comment, a keep-alive).
fn data_lines(event: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    for line in event
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"data:"))
    {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    if out.is_empty() {
        return None;
    }
    out.push(b'\n');
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_keep_their_data_whatever_the_chunks() {
        let chunks: Vec<Result<Bytes, Infallible>> = vec![
            Ok(Bytes::from_static(b"id: 7\ndata: {\"type\":\"ADDED\"}\n")),
            Ok(Bytes::from_static(
                b"\n: keep-alive\n\nid: 8\r\ndata: {\"type\":",
            )),
            Ok(Bytes::from_static(b"\"DELETED\"}\r\n\r\n")),
        ];
        let events: Vec<Bytes> = data_events(Body::from_stream(stream::iter(chunks)))
            .collect()
            .await;
        assert_eq!(
            events,
            [
                Bytes::from_static(b"data: {\"type\":\"ADDED\"}\n\n"),
                Bytes::from_static(b"data: {\"type\":\"DELETED\"}\n\n"),
            ]
        );
    }
}
