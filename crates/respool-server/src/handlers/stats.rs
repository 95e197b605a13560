//! `GET /v2/{project_id}/statistics/pools` (pools per state) and
//! `GET /v2/{project_id}/pools/{pool_name}/monitor` (metric series).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use respool_api_types::{ErrorBody, PoolMonitor, PoolStatistics, PoolStatisticsBody};
use respool_core::monitoring::{monitor, status_counts, MonitorQuery};
use respool_core::pool::DEFAULT_WORKSPACE;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{PathParams, QueryParams};
use crate::handlers::{PoolPath, ProjectPath};

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct StatisticsQuery {
    /// Workspace id; `0` (the default workspace) when absent.
    workspace_id: Option<String>,
}

/// Go's `time.Time.String()` of a UTC instant:
/// `2025-03-27 11:48:55.446 +0000 UTC` (trailing zeros of the fraction dropped).
fn go_time_string(ms: i64) -> String {
    let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let mut fraction = format!("{:09}", t.timestamp_subsec_nanos());
    while fraction.ends_with('0') {
        fraction.pop();
    }
    let base = t.format("%Y-%m-%d %H:%M:%S");
    if fraction.is_empty() {
        format!("{base} +0000 UTC")
    } else {
        format!("{base}.{fraction} +0000 UTC")
    }
}

/// `GET /v2/{project_id}/statistics/pools`
#[utoipa::path(get, path = "/v2/{project_id}/statistics/pools", operation_id = "ShowPoolStatistics",
    params(ProjectPath, StatisticsQuery),
    responses((status = 200, body = PoolStatistics), (status = 400, body = ErrorBody)))]
pub async fn statistics(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<StatisticsQuery>,
) -> Result<Json<PoolStatistics>, ApiError> {
    let workspace = q
        .workspace_id
        .as_deref()
        .filter(|w| !w.is_empty())
        .unwrap_or(DEFAULT_WORKSPACE);
    crate::handlers::ensure_workspace(&app, &path.project_id, workspace).await?;
    crate::reconciler::catch_up(&app, &path.project_id).await?;
    let by_phase = app
        .store
        .count_pools_by_phase(Some(&path.project_id), Some(workspace))
        .await?;
    let status = status_counts(by_phase.iter().map(|(p, n)| (p.as_str(), *n)));
    Ok(Json(PoolStatistics {
        statistics: PoolStatisticsBody { status },
        operation_time: go_time_string(app.clock.now()),
    }))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonitorQueryParams {
    /// `startMs.endMs.durationMinutes`; -1 for a bound derived from the
    /// other and the duration. Default `-1.-1.60`: the last hour.
    time_range: Option<String>,
    /// `maximum` (default), `minimum`, `sum`, `average` or `sampleCount`.
    statistics: Option<String>,
    /// Seconds per data point: `60` (default), `300`, `900` or `3600`.
    period: Option<String>,
}

/// `GET /v2/{project_id}/pools/{pool_name}/monitor`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/monitor", operation_id = "ShowPoolMonitor",
    params(PoolPath, MonitorQueryParams),
    responses((status = 200, body = PoolMonitor), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn monitor_pool(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    QueryParams(q): QueryParams<MonitorQueryParams>,
) -> Result<Json<PoolMonitor>, ApiError> {
    let now = app.clock.now();
    let query = MonitorQuery::parse(
        q.time_range.as_deref(),
        q.statistics.as_deref(),
        q.period.as_deref(),
        now,
    )?;
    let pool = path.load(&app).await?;
    Ok(Json(monitor(&pool, &app.catalog, &query, now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_time_strings() {
        assert_eq!(
            go_time_string(1_743_076_135_446),
            "2025-03-27 11:48:55.446 +0000 UTC"
        );
        assert_eq!(
            go_time_string(1_743_076_135_000),
            "2025-03-27 11:48:55 +0000 UTC"
        );
        assert_eq!(
            go_time_string(1_743_076_135_400),
            "2025-03-27 11:48:55.4 +0000 UTC"
        );
    }
}
