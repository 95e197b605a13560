//! `/v1/{project_id}/events?resource=pools&name=<pool>`: what happened to a
//! pool, one event per change of its phase or of its node counts; without
//! `name`, to every pool of the project. A deleted pool's events stay listable.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use respool_api_types::{ErrorBody, EventList, ListMeta};
use respool_core::pool::{EVENT_API_VERSION, EVENT_LIST_KIND, EVENT_RESOURCE};
use respool_store::{EventCursor, EventQuery};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{PathParams, QueryParams};
use crate::handlers::{json_response, ProjectPath};
use crate::paging;
use crate::paging::number;
use crate::watch::{self, Start, Target, WatchParams};

/// The list a `continue` token belongs to.
const TOKEN_KIND: &str = "events";

/// Below this, a `since`/`until` is taken as seconds, not milliseconds (it
/// would otherwise be a millisecond in 1973; as seconds, it reaches 5138).
const SECONDS_BELOW: i64 = 100_000_000_000;

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEventsQuery {
    /// The kind of resource: `pools`.
    resource: Option<String>,
    /// The pool's `metadata.name`.
    name: Option<String>,
    /// Page size, 1–500; 0 or absent means 500.
    limit: Option<String>,
    /// `metadata.continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    continue_token: Option<String>,
    /// Only events at or after this instant (epoch milliseconds; seconds are understood too).
    since: Option<String>,
    /// Only events at or before this instant (epoch milliseconds; seconds are understood too).
    until: Option<String>,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    event_type: Option<String>,
    /// `true`: oldest first. The default is newest first.
    ascend: Option<String>,
}

/// Where a page ended, as a token carries it.
#[derive(Serialize, Deserialize)]
struct Position {
    t: i64,
    i: i64,
}

/// `GET /v1/{project_id}/events`
#[utoipa::path(get, path = "/v1/{project_id}/events", operation_id = "ListEvents",
    params(ProjectPath, ListEventsQuery, WatchParams),
    responses((status = 200, body = EventList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListEventsQuery>,
    QueryParams(watch): QueryParams<WatchParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Both are optional, as the SDK has them: pools are the one resource.
    let resource = q
        .resource
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or(EVENT_RESOURCE);
    if resource != EVENT_RESOURCE {
        return Err(ApiError::bad_request(format!(
            "invalid resource {resource:?}: use pools"
        )));
    }
    let name = q.name.as_deref().filter(|n| !n.is_empty());
    if watch.wanted()? {
        return watch_events(&app, &path.project_id, name, &headers, &watch).await;
    }
    let limit = paging::parse_limit(q.limit.as_deref())?;
    let after: Option<Position> = paging::decode(TOKEN_KIND, q.continue_token.as_deref())?;
    let instant = |what, raw: Option<&str>| -> Result<Option<i64>, ApiError> {
        Ok(number::<i64>(what, raw)?.map(|t| {
            if t.abs() < SECONDS_BELOW {
                t.saturating_mul(1000)
            } else {
                t
            }
        }))
    };
    let since_ms = instant("since", q.since.as_deref())?;
    let until_ms = instant("until", q.until.as_deref())?;
    let event_type = match q.event_type.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t @ ("Normal" | "Warning")) => Some(t),
        Some(t) => {
            return Err(ApiError::bad_request(format!(
                "invalid type {t:?}: use Normal or Warning"
            )))
        }
    };
    let ascending = match q.ascend.as_deref().filter(|a| !a.is_empty()) {
        None | Some("false") => false,
        Some("true") => true,
        Some(a) => {
            return Err(ApiError::bad_request(format!(
                "invalid ascend {a:?}: use true or false"
            )))
        }
    };
    let query = EventQuery {
        project_id: &path.project_id,
        resource,
        name,
        event_type,
        since_ms,
        until_ms,
        after: after.map(|p| EventCursor {
            created_ms: p.t,
            id: p.i,
        }),
        ascending,
        // One more than the page: whether another page follows.
        limit: limit as u32 + 1,
    };
    // Events follow the pool's stages: bring the project's pools up to the clock.
    crate::reconciler::catch_up(&app, &path.project_id).await?;
    let mut rows = app.store.list_events(&query).await?;
    if let Some(name) = name {
        if rows.is_empty() && query.after.is_none() && !pool_known(&app, &query, name).await? {
            return Err(ApiError::pool_not_found(name));
        }
    }
    let more = rows.len() > limit;
    rows.truncate(limit);
    let metadata = match rows.last().filter(|_| more) {
        Some(last) => ListMeta {
            continue_token: Some(paging::encode(
                TOKEN_KIND,
                &Position {
                    t: last.cursor.created_ms,
                    i: last.cursor.id,
                },
            )),
            remaining_item_count: None,
        },
        None => ListMeta::default(),
    };
    let mut body = String::with_capacity(128 + rows.iter().map(|r| r.doc.len() + 1).sum::<usize>());
    body.push_str(&format!(
        r#"{{"kind":"{EVENT_LIST_KIND}","apiVersion":"{EVENT_API_VERSION}","metadata":{},"items":["#,
        serde_json::to_string(&metadata).expect("list metadata serializes")
    ));
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        // Stored documents are the served objects, already JSON.
        body.push_str(&row.doc);
    }
    body.push_str("]}");
    Ok(json_response(body))
}

/// A watch of the events of one pool (or every pool): from the requested
/// version, or from now on (events already raised are listed, not watched).
async fn watch_events(
    app: &AppState,
    project_id: &str,
    name: Option<&str>,
    headers: &HeaderMap,
    params: &WatchParams,
) -> Result<Response, ApiError> {
    let target = Target::Events {
        pool: name.map(str::to_owned),
    };
    watch::open(app, project_id, headers, params, target, || async {
        Ok(Start {
            after: app.store.feed_head(project_id).await?.seq,
            initial: Vec::new(),
        })
    })
    .await
}

/// Whether the pool exists, or had events once (a deleted pool's events stay).
async fn pool_known(app: &AppState, q: &EventQuery<'_>, name: &str) -> Result<bool, ApiError> {
    if app.store.get_pool(q.project_id, name).await?.is_some() {
        return Ok(true);
    }
    let any = app
        .store
        .list_events(&EventQuery {
            project_id: q.project_id,
            resource: q.resource,
            name: Some(name),
            limit: 1,
            ..Default::default()
        })
        .await?;
    Ok(!any.is_empty())
}
