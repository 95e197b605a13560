use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of `POST /v1/{project_id}/workspaces/{workspace_id}/auth`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthCheck {
    pub requests: Vec<AuthRequest>,
}

/// One action the caller means to take in the workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthRequest {
    /// A UUID the caller picks, echoed in its result.
    #[serde(default)]
    pub action_id: String,
    /// A fine-grained action, e.g. `modelarts:pool:create`.
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub resource: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service_attributes: BTreeMap<String, String>,
}

/// The answer: one verdict per request, in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthResults {
    pub results: Vec<AuthResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthResult {
    pub action: String,
    /// `allow` or `deny`.
    pub verdict: String,
    pub action_id: String,
    pub resource: String,
    /// Why a request is denied; empty when allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cause: Vec<AuthCause>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthCause {
    pub policy_name: String,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub condition: Vec<serde_json::Value>,
}

/// `GET /v1/{project_id}/workspaces/users/list` answers this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserName>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserName {
    pub user_name: String,
}
