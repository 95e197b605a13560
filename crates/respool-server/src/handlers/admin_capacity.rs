//! The admin API's part in capacity: declaring and removing a pool's
//! workloads (respool runs no jobs), and setting a project's OS quotas.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use respool_api_types::{OsQuotas, Workload};
use respool_core::capacity::{self, QuotaSetting};
use respool_core::pool::WorkloadSpec;
use serde::Deserialize;

use crate::app::AppState;
use crate::capacity::OS_SCOPE;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams};
use crate::handlers::{PoolPath, ProjectPath};

/// `POST /_respool/pools/{project_id}/{pool_name}/workloads`: the workload
/// is placed at once if it fits on a node, else it waits in the queue.
pub async fn add_workload(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(spec): JsonBody<WorkloadSpec>,
) -> Result<(StatusCode, Json<Workload>), ApiError> {
    let catalog = app.catalog.clone();
    let (name, pool) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            let w = pool.add_workload(spec.clone(), &catalog, now)?;
            Ok(w.name)
        })
        .await?;
    let w = pool
        .workload(&name)
        .ok_or_else(|| ApiError::Internal("the workload just added is missing".into()))?;
    Ok((
        StatusCode::CREATED,
        Json(pool.workload_view(w, app.clock.now())),
    ))
}

#[derive(Deserialize)]
pub struct WorkloadPath {
    project_id: String,
    pool_name: String,
    workload_name: String,
}

/// `DELETE /_respool/pools/{project_id}/{pool_name}/workloads/{workload_name}`:
/// what it held is freed, and queued workloads that now fit are placed.
pub async fn delete_workload(
    State(app): State<AppState>,
    PathParams(path): PathParams<WorkloadPath>,
) -> Result<Json<Workload>, ApiError> {
    let catalog = app.catalog.clone();
    let (view, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            let Some(w) = pool.workload(&path.workload_name).cloned() else {
                return Err(ApiError::not_found(
                    Missing::Workload,
                    path.workload_name.clone(),
                ));
            };
            let view = pool.workload_view(&w, now);
            pool.delete_workload(&w.name, &catalog, now);
            Ok(view)
        })
        .await?;
    Ok(Json(view))
}

/// `PUT /_respool/quotas/{project_id}` `{"pool": 2, "network": 5, "node": -1}`:
/// sets the project's OS quotas (`-1`: no limit); answers them as
/// `GET /v1/{project_id}/quotas` does.
pub async fn set_os_quotas(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    JsonBody(body): JsonBody<BTreeMap<String, i64>>,
) -> Result<Json<OsQuotas>, ApiError> {
    for (kind, quota) in &body {
        capacity::validate_os_quota(kind, *quota)?;
    }
    let mut settings = app.store.get_quotas(&path.project_id, OS_SCOPE).await?;
    let now = app.clock.now();
    for (kind, quota) in body {
        settings.insert(
            kind,
            QuotaSetting {
                quota,
                update_ms: now,
            },
        );
    }
    app.store
        .put_quotas(&path.project_id, OS_SCOPE, &settings)
        .await?;
    Ok(Json(
        crate::capacity::os_quotas(&app, &path.project_id).await?,
    ))
}
