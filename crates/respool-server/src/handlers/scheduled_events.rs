//! `/v1/{project_id}/scheduled-events`: maintenance announced for nodes,
//! which the user accepts for a time of their choosing.

use axum::extract::State;
use axum::Json;
use respool_api_types::{ErrorBody, EventAccept, ScheduledEvent, ScheduledEventList};
use respool_core::pool::EventState;
use respool_core::time::parse_rfc3339;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{project_pools, EventPath, ProjectPath};
use crate::paging::number;

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListScheduledEventsQuery {
    /// Only events of pools in this workspace.
    workspace_id: Option<String>,
    /// States, comma-separated: `inquiring,scheduled,...`.
    state: Option<String>,
    /// Types, comma-separated.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    event_type: Option<String>,
    id: Option<String>,
    node_name: Option<String>,
    pool_name: Option<String>,
    /// RFC 3339: published at or after.
    publish_start_time: Option<String>,
    /// RFC 3339: published at or before.
    publish_end_time: Option<String>,
    offset: Option<String>,
    limit: Option<String>,
}

fn instant(what: &str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_rfc3339(s).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!("invalid {what} {s:?}: use an RFC 3339 time"))
        }),
    }
}

fn csv(raw: Option<&str>) -> Vec<&str> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// `GET /v1/{project_id}/scheduled-events`
#[utoipa::path(get, path = "/v1/{project_id}/scheduled-events", operation_id = "ListScheduledEvents",
    params(ProjectPath, ListScheduledEventsQuery),
    responses((status = 200, body = ScheduledEventList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListScheduledEventsQuery>,
) -> Result<Json<ScheduledEventList>, ApiError> {
    let states = csv(q.state.as_deref());
    if let Some(s) = states.iter().find(|s| EventState::parse(s).is_none()) {
        return Err(ApiError::bad_request(format!(
            "invalid state {s:?}: use inquiring, scheduled, executing, completed, failed or canceled"
        )));
    }
    let types = csv(q.event_type.as_deref());
    let from = instant("publishStartTime", q.publish_start_time.as_deref())?;
    let to = instant("publishEndTime", q.publish_end_time.as_deref())?;
    let offset: usize = number("offset", q.offset.as_deref())?.unwrap_or(0);
    let limit: Option<usize> = number("limit", q.limit.as_deref())?;
    let given = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let (id, node, pool, ws) = (
        given(&q.id),
        given(&q.node_name),
        given(&q.pool_name),
        given(&q.workspace_id),
    );
    let mut events: Vec<(i64, ScheduledEvent)> = Vec::new();
    for p in project_pools(&app, &path.project_id).await? {
        if pool.as_deref().is_some_and(|n| n != p.name())
            || ws.as_deref().is_some_and(|w| w != p.workspace_id())
        {
            continue;
        }
        for m in &p.maintenances {
            let keep = id.as_deref().is_none_or(|i| i == m.id)
                && node.as_deref().is_none_or(|n| n == m.node)
                && (states.is_empty() || states.contains(&m.state.as_str()))
                && (types.is_empty() || types.contains(&m.event_type.as_str()))
                && from.is_none_or(|f| m.publish_ms >= f)
                && to.is_none_or(|t| m.publish_ms <= t);
            if keep {
                events.push((m.publish_ms, p.maintenance_view(m)));
            }
        }
    }
    events.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    let count = events.len() as i64;
    let events = events
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .map(|(_, e)| e)
        .collect();
    Ok(Json(ScheduledEventList { events, count }))
}

/// `POST /v1/{project_id}/scheduled-events/{event_id}/accept`
#[utoipa::path(post, path = "/v1/{project_id}/scheduled-events/{event_id}/accept", operation_id = "AcceptScheduledEvent",
    params(EventPath), request_body = EventAccept,
    responses((status = 200, body = ScheduledEvent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn accept(
    State(app): State<AppState>,
    PathParams(path): PathParams<EventPath>,
    JsonBody(body): JsonBody<EventAccept>,
) -> Result<Json<ScheduledEvent>, ApiError> {
    let not_before = instant("notBefore", body.not_before.as_deref())?;
    let redeploy = body.redeploy_config.and_then(|r| r.redeploy_type);
    let not_found = || ApiError::not_found(Missing::ScheduledEvent, path.event_id.clone());
    let holder = project_pools(&app, &path.project_id)
        .await?
        .into_iter()
        .find(|p| p.maintenance(&path.event_id).is_some())
        .ok_or_else(not_found)?;
    let (event, _) = app
        .modify_pool(&path.project_id, holder.name(), |pool, now| {
            pool.accept_maintenance(&path.event_id, not_before, redeploy.as_deref(), now)?;
            pool.maintenance(&path.event_id)
                .map(|m| pool.maintenance_view(m))
                .ok_or_else(not_found)
        })
        .await?;
    Ok(Json(event))
}
