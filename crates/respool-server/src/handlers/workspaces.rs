//! `/v1/{project_id}/workspaces`: list, create, show, update, delete. Every
//! project has the default workspace `"0"`, which cannot be deleted. A
//! missing workspace is a 400 `ModelArts.7005`, here and wherever a call
//! names a workspace.

use axum::extract::State;
use axum::{Extension, Json};
use respool_api_types::{
    ErrorBody, Workspace, WorkspaceCreate, WorkspaceList, WorkspaceRef, WorkspaceUpdate,
};
use respool_core::identity::random_id;
use respool_core::workspace::{self as ws, ListOptions, DEFAULT_ID};
use respool_store::StoreError;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{ProjectPath, WorkspacePath};

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListWorkspacesQuery {
    /// Index of the first workspace to return; default 0.
    offset: Option<String>,
    /// Workspaces per answer, 1–1000; default 1000.
    limit: Option<String>,
    /// `name` (default), `update_time` or `status`.
    sort_by: Option<String>,
    /// `asc` or `desc` (default).
    order: Option<String>,
    /// Only workspaces whose name contains this.
    name: Option<String>,
    /// Only workspaces of this enterprise project.
    enterprise_project_id: Option<String>,
    /// Accepted; every workspace is accessible to the project's callers.
    #[allow(dead_code)]
    filter_accessible: Option<String>,
}

/// Every workspace of the project, the default one first stored if needed.
async fn all(app: &AppState, project_id: &str, owner: &str) -> Result<Vec<Workspace>, ApiError> {
    let mut list = app.store.list_workspaces(project_id).await?;
    if !list.iter().any(|w| w.id == DEFAULT_ID) {
        let default = ws::default_workspace(owner, app.clock.now());
        match app.store.insert_workspace(project_id, &default).await {
            // Someone else stored it first: theirs is the one.
            Ok(()) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e.into()),
        }
        list = app.store.list_workspaces(project_id).await?;
    }
    Ok(list)
}

async fn find(
    app: &AppState,
    project_id: &str,
    id: &str,
    owner: &str,
) -> Result<Workspace, ApiError> {
    if id == DEFAULT_ID {
        return all(app, project_id, owner)
            .await?
            .into_iter()
            .find(|w| w.id == DEFAULT_ID)
            .ok_or_else(|| ApiError::Internal("the default workspace vanished".into()));
    }
    app.store
        .get_workspace(project_id, id)
        .await?
        .ok_or_else(|| ApiError::WorkspaceNotFound(id.to_owned()))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::bad_request(format!(
        "workspace name {name:?} already exists in this project"
    ))
}

/// `GET /v1/{project_id}/workspaces`
#[utoipa::path(get, path = "/v1/{project_id}/workspaces", operation_id = "ListWorkspace",
    params(ProjectPath, ListWorkspacesQuery),
    responses((status = 200, body = WorkspaceList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListWorkspacesQuery>,
) -> Result<Json<WorkspaceList>, ApiError> {
    let options = ListOptions::parse(
        q.offset.as_deref(),
        q.limit.as_deref(),
        q.sort_by.as_deref(),
        q.order.as_deref(),
        q.name.as_deref(),
        q.enterprise_project_id.as_deref(),
    )?;
    let everything = all(&app, &path.project_id, &caller.domain_id).await?;
    let (total, page) = options.apply(everything);
    Ok(Json(WorkspaceList {
        total_count: total as u64,
        count: page.len() as u64,
        workspaces: page,
    }))
}

/// `POST /v1/{project_id}/workspaces`
#[utoipa::path(post, path = "/v1/{project_id}/workspaces", operation_id = "CreateWorkspace",
    params(ProjectPath), request_body = WorkspaceCreate,
    responses((status = 200, body = Workspace), (status = 400, body = ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<ProjectPath>,
    JsonBody(body): JsonBody<WorkspaceCreate>,
) -> Result<Json<Workspace>, ApiError> {
    let name = body.name.clone();
    let workspace = ws::create(body, random_id(), &caller.domain_id, app.clock.now())?;
    // The default workspace takes its row (and its name) first.
    all(&app, &path.project_id, &caller.domain_id).await?;
    match app
        .store
        .insert_workspace(&path.project_id, &workspace)
        .await
    {
        Ok(()) => Ok(Json(workspace)),
        Err(StoreError::AlreadyExists) => Err(name_taken(&name)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /v1/{project_id}/workspaces/{workspace_id}`
#[utoipa::path(get, path = "/v1/{project_id}/workspaces/{workspace_id}", operation_id = "ShowWorkspace",
    params(WorkspacePath),
    responses((status = 200, body = Workspace), (status = 400, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<WorkspacePath>,
) -> Result<Json<Workspace>, ApiError> {
    find(
        &app,
        &path.project_id,
        &path.workspace_id,
        &caller.domain_id,
    )
    .await
    .map(Json)
}

/// `PUT /v1/{project_id}/workspaces/{workspace_id}`: name, description,
/// auth type, grants.
#[utoipa::path(put, path = "/v1/{project_id}/workspaces/{workspace_id}", operation_id = "UpdateWorkspace",
    params(WorkspacePath), request_body = WorkspaceUpdate,
    responses((status = 200, body = WorkspaceRef), (status = 400, body = ErrorBody)))]
pub async fn update(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<WorkspacePath>,
    JsonBody(body): JsonBody<WorkspaceUpdate>,
) -> Result<Json<WorkspaceRef>, ApiError> {
    let mut workspace = find(
        &app,
        &path.project_id,
        &path.workspace_id,
        &caller.domain_id,
    )
    .await?;
    ws::update(&mut workspace, body, app.clock.now())?;
    match app
        .store
        .update_workspace(&path.project_id, &workspace)
        .await
    {
        Ok(true) => Ok(Json(WorkspaceRef {
            workspace_id: workspace.id,
        })),
        Ok(false) => Err(ApiError::WorkspaceNotFound(path.workspace_id)),
        Err(StoreError::AlreadyExists) => Err(name_taken(&workspace.name)),
        Err(e) => Err(e.into()),
    }
}

/// `DELETE /v1/{project_id}/workspaces/{workspace_id}`: refused for the
/// default workspace and while pools are in the workspace.
#[utoipa::path(delete, path = "/v1/{project_id}/workspaces/{workspace_id}", operation_id = "DeleteWorkspace",
    params(WorkspacePath),
    responses((status = 200, body = WorkspaceRef), (status = 400, body = ErrorBody)))]
pub async fn delete(
    State(app): State<AppState>,
    PathParams(path): PathParams<WorkspacePath>,
) -> Result<Json<WorkspaceRef>, ApiError> {
    let id = path.workspace_id;
    if id == DEFAULT_ID {
        return Err(ApiError::bad_request(
            "the default workspace cannot be deleted",
        ));
    }
    crate::handlers::ensure_workspace(&app, &path.project_id, &id).await?;
    crate::reconciler::catch_up(&app, &path.project_id).await?;
    let pools: i64 = app
        .store
        .count_pools_by_phase(Some(&path.project_id), Some(&id))
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    if pools > 0 {
        return Err(ApiError::bad_request(format!(
            "workspace {id} still has {pools} resource pool(s): delete them or move them to another workspace first"
        )));
    }
    if !app.store.delete_workspace(&path.project_id, &id).await? {
        return Err(ApiError::WorkspaceNotFound(id));
    }
    Ok(Json(WorkspaceRef { workspace_id: id }))
}
