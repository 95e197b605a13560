//! Workspaces (`/v1/{project_id}/workspaces`): snake_case, times in epoch
//! milliseconds, offset paging; not Kubernetes-style like the rest.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One workspace, as every workspace call answers it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Workspace {
    /// 32 hex characters; the default workspace is `"0"`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner: String,
    /// `PUBLIC`, `PRIVATE` or `INTERNAL`.
    pub auth_type: String,
    #[serde(default)]
    pub enterprise_project_id: String,
    #[serde(default)]
    pub enterprise_project_name: String,
    /// Epoch milliseconds.
    pub create_time: i64,
    /// Epoch milliseconds.
    pub update_time: i64,
    /// `CREATE_FAILED`, `NORMAL`, `DELETING` or `DELETE_FAILED`.
    pub status: String,
    #[serde(default)]
    pub status_info: String,
    /// Users granted access; meaningful with `auth_type` `INTERNAL`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<WorkspaceGrant>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceGrant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
}

/// `GET /v1/{project_id}/workspaces` answers this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceList {
    pub total_count: u64,
    pub count: u64,
    pub workspaces: Vec<Workspace>,
}

/// The body of `POST /v1/{project_id}/workspaces`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceCreate {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub auth_type: Option<String>,
    #[serde(default)]
    pub enterprise_project_id: Option<String>,
    #[serde(default)]
    pub grants: Option<Vec<WorkspaceGrant>>,
}

/// The body of `PUT /v1/{project_id}/workspaces/{workspace_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub auth_type: Option<String>,
    #[serde(default)]
    pub grants: Option<Vec<WorkspaceGrant>>,
}

/// The answer to an update or a delete: the workspace's id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceRef {
    pub workspace_id: String,
}
