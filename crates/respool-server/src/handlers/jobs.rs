//! `/v2/{project_id}/jobs`: the node jobs that reboots, resets and
//! migrations start. A job lives in its pool's state; finding one by id
//! reads the project's pools.

use axum::extract::State;
use axum::Json;
use respool_api_types::{ErrorBody, PoolJob, PoolJobList};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::{ApiError, Missing};
use crate::extract::{PathParams, QueryParams};
use crate::handlers::{project_pools, JobPath, ProjectPath};
use crate::paging::number;

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListJobsQuery {
    /// `RebootNode`, `ResetNode` or `MigrateNode`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    job_type: Option<String>,
    /// Page size; all when absent.
    limit: Option<String>,
    /// Jobs to skip.
    offset: Option<String>,
    /// Only jobs started at or after this instant (epoch milliseconds).
    since: Option<String>,
    /// Only jobs started at or before this instant (epoch milliseconds).
    until: Option<String>,
    /// The kind of resource the job is about: `pools`.
    resource: Option<String>,
    /// The pool's `metadata.name`.
    name: Option<String>,
}

/// `GET /v2/{project_id}/jobs`
#[utoipa::path(get, path = "/v2/{project_id}/jobs", operation_id = "ListJobs",
    params(ProjectPath, ListJobsQuery),
    responses((status = 200, body = PoolJobList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListJobsQuery>,
) -> Result<Json<PoolJobList>, ApiError> {
    if let Some(r) = q
        .resource
        .as_deref()
        .filter(|r| !r.is_empty() && *r != "pools")
    {
        return Err(ApiError::bad_request(format!(
            "invalid resource {r:?}: use pools"
        )));
    }
    let limit: Option<usize> = number("limit", q.limit.as_deref())?;
    let offset: usize = number("offset", q.offset.as_deref())?.unwrap_or(0);
    let since: Option<i64> = number("since", q.since.as_deref())?;
    let until: Option<i64> = number("until", q.until.as_deref())?;
    let pools = project_pools(&app, &path.project_id).await?;
    let mut items: Vec<PoolJob> = pools
        .iter()
        .filter(|p| {
            q.name
                .as_deref()
                .is_none_or(|n| n.is_empty() || p.name() == n)
        })
        .flat_map(|p| p.jobs.iter().map(|j| p.job_view(j)))
        .filter(|j| {
            q.job_type
                .as_deref()
                .is_none_or(|t| t.is_empty() || j.job_type == t)
        })
        .filter(|j| since.is_none_or(|s| j.start_timestamp >= s))
        .filter(|j| until.is_none_or(|u| j.start_timestamp <= u))
        .collect();
    // Newest first, as the service lists jobs.
    items.sort_by(|a, b| {
        b.start_timestamp
            .cmp(&a.start_timestamp)
            .then(a.job_id.cmp(&b.job_id))
    });
    let count = items.len() as i64;
    let items = items
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    Ok(Json(PoolJobList { count, items }))
}

/// `GET /v2/{project_id}/jobs/{job_id}`
#[utoipa::path(get, path = "/v2/{project_id}/jobs/{job_id}", operation_id = "ShowJob",
    params(JobPath),
    responses((status = 200, body = PoolJob), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<JobPath>,
) -> Result<Json<PoolJob>, ApiError> {
    let pools = project_pools(&app, &path.project_id).await?;
    pools
        .iter()
        .find_map(|p| p.job(&path.job_id).map(|j| p.job_view(j)))
        .map(Json)
        .ok_or(ApiError::not_found(Missing::Job, path.job_id))
}
