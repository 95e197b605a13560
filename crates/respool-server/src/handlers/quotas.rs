//! Quotas (`/v1/{project_id}/quotas`, `/v1/{project_id}/workspaces/{id}/quotas`)
//! and a network's free addresses (`.../network-ip-availabilities`).

use axum::extract::State;
use axum::Json;
use respool_api_types::{
    ErrorBody, NetworkIpAvailability, OsQuotas, SubnetIpAvailability, WorkspaceQuota,
    WorkspaceQuotaList, WorkspaceQuotaUpdate,
};
use respool_core::capacity::{
    self, QuotaSetting, NODE_RESOURCE, POOL_RESOURCE, UNLIMITED, WORKSPACE_QUOTAS,
};
use respool_core::workspace::DEFAULT_ID;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::capacity::{held_ips, network_of, spec_nodes, workspace_scope};
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{NetworkPath, ProjectPath, WorkspacePath};

/// `GET /v1/{project_id}/quotas`
#[utoipa::path(get, path = "/v1/{project_id}/quotas", operation_id = "ShowOsQuota",
    params(ProjectPath),
    responses((status = 200, body = OsQuotas)))]
pub async fn show_os(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
) -> Result<Json<OsQuotas>, ApiError> {
    Ok(Json(
        crate::capacity::os_quotas(&app, &path.project_id).await?,
    ))
}

/// Every quota of a workspace; `only` limits the answer to those resources.
async fn workspace_quotas(
    app: &AppState,
    project_id: &str,
    workspace_id: &str,
    only: Option<&[String]>,
) -> Result<Vec<WorkspaceQuota>, ApiError> {
    let settings = app
        .store
        .get_quotas(project_id, &workspace_scope(workspace_id))
        .await?;
    let created = match app.store.get_workspace(project_id, workspace_id).await? {
        Some(w) => w.create_time,
        None => app.clock.now(),
    };
    let pools = crate::handlers::project_pools(app, project_id).await?;
    let mine: Vec<_> = pools
        .iter()
        .filter(|p| p.workspace_id() == workspace_id)
        .collect();
    Ok(WORKSPACE_QUOTAS
        .iter()
        .filter(|q| only.is_none_or(|o| o.iter().any(|r| r == q.resource)))
        .map(|q| {
            let set = settings.get(q.resource);
            let quota = set.map_or(UNLIMITED, |s| s.quota);
            let used = match q.resource {
                POOL_RESOURCE => mine.len() as i64,
                NODE_RESOURCE => mine.iter().map(|p| spec_nodes(p)).sum::<u64>() as i64,
                _ => 0,
            };
            WorkspaceQuota {
                resource: q.resource.into(),
                quota,
                min_quota: q.min,
                max_quota: q.max,
                used_quota: (quota != UNLIMITED).then_some(used),
                name_cn: q.name_cn.into(),
                name_en: q.name_en.into(),
                unit_cn: q.unit_cn.into(),
                unit_en: q.unit_en.into(),
                update_time: set.map_or(created, |s| s.update_ms),
            }
        })
        .collect())
}

/// `GET /v1/{project_id}/workspaces/{workspace_id}/quotas`
#[utoipa::path(get, path = "/v1/{project_id}/workspaces/{workspace_id}/quotas", operation_id = "ShowWorkspaceQuotas",
    params(WorkspacePath),
    responses((status = 200, body = WorkspaceQuotaList), (status = 400, body = ErrorBody)))]
pub async fn show_workspace(
    State(app): State<AppState>,
    PathParams(path): PathParams<WorkspacePath>,
) -> Result<Json<WorkspaceQuotaList>, ApiError> {
    let id = if path.workspace_id.is_empty() {
        DEFAULT_ID
    } else {
        &path.workspace_id
    };
    crate::handlers::ensure_workspace(&app, &path.project_id, id).await?;
    Ok(Json(WorkspaceQuotaList {
        quotas: workspace_quotas(&app, &path.project_id, id, None).await?,
    }))
}

/// `PUT /v1/{project_id}/workspaces/{workspace_id}/quotas`: only the listed
/// quotas change; the answer lists them.
#[utoipa::path(put, path = "/v1/{project_id}/workspaces/{workspace_id}/quotas", operation_id = "UpdateWorkspaceQuotas",
    params(WorkspacePath),
    request_body(content = WorkspaceQuotaUpdate, example = json!({"quotas": [{"resource": "modelarts.pool", "quota": 2}]})),
    responses((status = 200, body = WorkspaceQuotaList), (status = 400, body = ErrorBody)))]
pub async fn update_workspace(
    State(app): State<AppState>,
    PathParams(path): PathParams<WorkspacePath>,
    JsonBody(body): JsonBody<WorkspaceQuotaUpdate>,
) -> Result<Json<WorkspaceQuotaList>, ApiError> {
    let id = path.workspace_id.as_str();
    crate::handlers::ensure_workspace(&app, &path.project_id, id).await?;
    if body.quotas.is_empty() {
        return Err(ApiError::bad_request("quotas must list at least one quota"));
    }
    for q in &body.quotas {
        capacity::validate_workspace_quota(&q.resource, q.quota)?;
    }
    let scope = workspace_scope(id);
    let mut settings = app.store.get_quotas(&path.project_id, &scope).await?;
    let now = app.clock.now();
    for q in &body.quotas {
        settings.insert(
            q.resource.clone(),
            QuotaSetting {
                quota: q.quota,
                update_ms: now,
            },
        );
    }
    app.store
        .put_quotas(&path.project_id, &scope, &settings)
        .await?;
    let changed: Vec<String> = body.quotas.iter().map(|q| q.resource.clone()).collect();
    let mut quotas = workspace_quotas(&app, &path.project_id, id, Some(&changed)).await?;
    // The update's answer has no used_quota, as the API reference lists it.
    for q in &mut quotas {
        q.used_quota = None;
    }
    Ok(Json(WorkspaceQuotaList { quotas }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IpQuery {
    /// The subnet's id (`status.subnets[].networkId`); when given it must match.
    network_id: Option<String>,
}

/// `GET /v1/{project_id}/networks/{network_name}/network-ip-availabilities`:
/// the subnet's usable addresses (its CIDR less the first and last two)
/// and those the nodes of the project's pools on the network hold.
#[utoipa::path(get, path = "/v1/{project_id}/networks/{network_name}/network-ip-availabilities", operation_id = "ShowNetworkAvailableIp",
    params(NetworkPath, IpQuery),
    responses((status = 200, body = NetworkIpAvailability), (status = 404, body = ErrorBody)))]
pub async fn network_ips(
    State(app): State<AppState>,
    PathParams(path): PathParams<NetworkPath>,
    QueryParams(q): QueryParams<IpQuery>,
) -> Result<Json<NetworkIpAvailability>, ApiError> {
    let Some(network) = app
        .store
        .get_network(&path.project_id, &path.network_name)
        .await?
    else {
        return Err(ApiError::NetworkNotFound(path.network_name.clone()));
    };
    let subnet = network.network.status.subnets.first().cloned();
    let subnet_id = subnet
        .as_ref()
        .map(|s| s.network_id.clone())
        .unwrap_or_default();
    if let Some(want) = q.network_id.as_deref().filter(|w| !w.is_empty()) {
        if want != subnet_id {
            return Err(ApiError::NetworkNotFound(want.to_owned()));
        }
    }
    let pools = crate::handlers::project_pools(&app, &path.project_id).await?;
    let used: u64 = pools
        .iter()
        .filter(|p| network_of(p) == Some(network.name()))
        .map(held_ips)
        .sum();
    let cidr = network.network.spec.cidr.clone();
    Ok(Json(NetworkIpAvailability {
        name: subnet.map(|s| s.name).unwrap_or_default(),
        network_id: subnet_id,
        subnet_ip_availability: vec![SubnetIpAvailability {
            total_ips: capacity::usable_ips(&cidr) as i64,
            used_ips: used as i64,
            cidr,
            ip_version: 4,
        }],
    }))
}
