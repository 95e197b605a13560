//! `POST /v1/{project_id}/workspaces/{workspace_id}/auth` (may the caller
//! use the workspace?) and `GET /v1/{project_id}/workspaces/users/list`
//! (the account's IAM users, whom a workspace can be granted to).

use axum::extract::State;
use axum::{Extension, Json};
use respool_api_types::{
    AuthCause, AuthCheck, AuthResult, AuthResults, ErrorBody, UserList, UserName,
};
use respool_core::workspace::{self as ws, DEFAULT_ID};

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams};
use crate::handlers::{ProjectPath, WorkspacePath};

/// At most this many checks in one call (**chosen**; the reference gives no bound).
const MAX_REQUESTS: usize = 100;

/// `POST /v1/{project_id}/workspaces/{workspace_id}/auth`
#[utoipa::path(post, path = "/v1/{project_id}/workspaces/{workspace_id}/auth", operation_id = "ValidateAuthorization",
    params(WorkspacePath), request_body = AuthCheck,
    responses((status = 200, body = AuthResults), (status = 400, body = ErrorBody)))]
pub async fn validate(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<WorkspacePath>,
    JsonBody(body): JsonBody<AuthCheck>,
) -> Result<Json<AuthResults>, ApiError> {
    if body.requests.is_empty() || body.requests.len() > MAX_REQUESTS {
        return Err(ApiError::bad_request(format!(
            "requests must hold 1 to {MAX_REQUESTS} checks, got {}",
            body.requests.len()
        )));
    }
    if let Some(i) = body.requests.iter().position(|r| r.action.is_empty()) {
        return Err(ApiError::bad_request(format!(
            "requests[{i}].action is required"
        )));
    }
    // The default workspace is public; any other must exist.
    let allowed = if path.workspace_id == DEFAULT_ID {
        true
    } else {
        let workspace = app
            .store
            .get_workspace(&path.project_id, &path.workspace_id)
            .await?
            .ok_or_else(|| ApiError::WorkspaceNotFound(path.workspace_id.clone()))?;
        ws::may_use(&workspace, caller.user.as_deref())
    };
    let results = body
        .requests
        .into_iter()
        .map(|r| AuthResult {
            verdict: if allowed { "allow" } else { "deny" }.into(),
            cause: if allowed {
                Vec::new()
            } else {
                vec![AuthCause {
                    policy_name: format!("workspace {} access", path.workspace_id),
                    condition: Vec::new(),
                }]
            },
            action: r.action,
            action_id: r.action_id,
            resource: r.resource,
        })
        .collect();
    Ok(Json(AuthResults { results }))
}

/// `GET /v1/{project_id}/workspaces/users/list`
#[utoipa::path(get, path = "/v1/{project_id}/workspaces/users/list", operation_id = "ListUsers",
    params(ProjectPath),
    responses((status = 200, body = UserList)))]
pub async fn users(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(_): PathParams<ProjectPath>,
) -> Result<Json<UserList>, ApiError> {
    let names = app.store.list_user_names(&caller.domain_id).await?;
    Ok(Json(UserList {
        users: names
            .into_iter()
            .map(|user_name| UserName { user_name })
            .collect(),
    }))
}
