//! A pool's workloads (`GET .../pools/{pool_name}/workloads`), their
//! statistics, and every pool's runtime metrics.

use axum::extract::State;
use axum::Json;
use respool_api_types::{ErrorBody, PoolMetricsList, WorkloadList, WorkloadStatistics};
use respool_core::pool::{
    WorkloadFilter, METRICS_LIST_KIND, WORKLOAD_LIST_KIND, WORKLOAD_STATUSES, WORKLOAD_TYPES,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{PathParams, QueryParams};
use crate::handlers::{PoolPath, ProjectPath};

/// The largest (and default) page.
const MAX_PAGE: usize = 500;

/// The query of `list_workloads`, documented; it is read as pairs so that
/// `hostip` may repeat.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct WorkloadQuery {
    /// Node addresses, repeated or comma-separated; paging is ignored with it.
    hostip: Option<String>,
    /// `train`, `infer`, `notebook` or `x-infer`.
    #[serde(rename = "type")]
    workload_type: Option<String>,
    /// `Queue`, `Pending`, `Abnormal`, `Terminating`, `Creating`, `Running`,
    /// `Completed`, `Terminated` or `Failed`.
    status: Option<String>,
    /// `create_time`.
    sort: Option<String>,
    /// With `sort`: ascending when true (default false).
    ascend: Option<String>,
    /// Default 0.
    offset: Option<String>,
    /// 1 to 500 (0 or absent: 500).
    limit: Option<String>,
}

fn number(field: &str, v: &str, max: usize) -> Result<usize, ApiError> {
    v.parse::<usize>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| {
            ApiError::bad_request(format!("{field}: {v:?} must be an integer from 0 to {max}"))
        })
}

/// `GET /v2/{project_id}/pools/{pool_name}/workloads`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/workloads", operation_id = "ListWorkloads",
    params(PoolPath, WorkloadQuery),
    responses((status = 200, body = WorkloadList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    QueryParams(pairs): QueryParams<Vec<(String, String)>>,
) -> Result<Json<WorkloadList>, ApiError> {
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let host_ips: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "hostip")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let kind = get("type");
    if let Some(k) = kind {
        if !WORKLOAD_TYPES.contains(&k) {
            return Err(ApiError::bad_request(format!(
                "type: {k:?} must be one of {}",
                WORKLOAD_TYPES.join(", ")
            )));
        }
    }
    let status = get("status");
    if let Some(s) = status {
        if !WORKLOAD_STATUSES.contains(&s) {
            return Err(ApiError::bad_request(format!(
                "status: {s:?} must be one of {}",
                WORKLOAD_STATUSES.join(", ")
            )));
        }
    }
    let sorted = match get("sort") {
        None => false,
        Some("create_time") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "sort: {other:?} must be create_time"
            )))
        }
    };
    let ascend = match get("ascend") {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "ascend: {other:?} must be true or false"
            )))
        }
    };
    let offset = get("offset")
        .map(|v| number("offset", v, i32::MAX as usize))
        .transpose()?
        .unwrap_or(0);
    let limit = match get("limit")
        .map(|v| number("limit", v, MAX_PAGE))
        .transpose()?
    {
        None | Some(0) => MAX_PAGE,
        Some(n) => n,
    };
    let pool = path.load(&app).await?;
    let filter = WorkloadFilter {
        host_ips: host_ips.clone(),
        kind,
        status,
        // Without a sort, the oldest come first, so pages stay stable.
        ascend: !sorted || ascend,
    };
    let mut items = pool.workload_list(&filter, app.clock.now());
    if host_ips.is_empty() {
        items = items.into_iter().skip(offset).take(limit).collect();
    }
    Ok(Json(WorkloadList {
        api_version: "v1".into(),
        kind: WORKLOAD_LIST_KIND.into(),
        items,
    }))
}

/// `GET /v2/{project_id}/statistics/pools/{pool_name}/workloads`
#[utoipa::path(get, path = "/v2/{project_id}/statistics/pools/{pool_name}/workloads", operation_id = "ShowWorkloadStatistics",
    params(PoolPath),
    responses((status = 200, body = WorkloadStatistics), (status = 404, body = ErrorBody)))]
pub async fn statistics(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<WorkloadStatistics>, ApiError> {
    let pool = path.load(&app).await?;
    Ok(Json(pool.workload_statistics(app.clock.now())))
}

/// `GET /v2/{project_id}/metrics/runtime/pools`
#[utoipa::path(get, path = "/v2/{project_id}/metrics/runtime/pools", operation_id = "ShowPoolRuntimeMetrics",
    params(ProjectPath),
    responses((status = 200, body = PoolMetricsList)))]
pub async fn runtime_metrics(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
) -> Result<Json<PoolMetricsList>, ApiError> {
    let now = app.clock.now();
    let pools = crate::handlers::project_pools(&app, &path.project_id).await?;
    Ok(Json(PoolMetricsList {
        api_version: "v2".into(),
        kind: METRICS_LIST_KIND.into(),
        items: pools
            .iter()
            .map(|p| p.runtime_metrics(&app.catalog, now))
            .collect(),
    }))
}
