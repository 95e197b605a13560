//! Node day-2 operations (`POST .../nodes/batch-*`), the jobs they start
//! (`/v2/{project_id}/jobs`) and scheduled events (`/v1/{project_id}/scheduled-events`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::NodeResult;

/// The body of `batch-lock` and `batch-unlock`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeLockRequest {
    pub node_names: Vec<String>,
    /// The functions to lock; the only one is `delete`.
    pub actions: Vec<String>,
}

/// The answer of `batch-lock`, `batch-unlock`, `batch-drain` and `batch-bind`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeResults {
    pub nodes: Vec<NodeResult>,
}

/// The body of `batch-reboot` and `batch-drain`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeNames {
    pub node_names: Vec<String>,
}

/// The answer of `batch-reboot`: the nodes, and the job that tracks them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RebootAnswer {
    #[serde(rename = "nodeNames")]
    pub node_names: Vec<String>,
    pub job_id: String,
}

/// The answer of `batch-reset` and `batch-migrate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobAnswer {
    pub job_id: String,
}

/// The body of `batch-reset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    pub node_names: Vec<String>,
    pub rolling_config: RollingConfig,
    #[serde(default)]
    pub node_config: Option<ResetNodeConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RollingConfig {
    /// `RollingByNumber` or `RollingByPercent`.
    pub strategy: String,
    pub max_unavailable: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetNodeConfig {
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub image_id: Option<String>,
    #[serde(default)]
    pub image_type: Option<String>,
    /// `docker` or `containerd`.
    #[serde(default)]
    pub runtime: Option<String>,
}

/// The body of `batch-update`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeUpdateRequest {
    pub node_names: Vec<String>,
    /// `openHaRedundant`, `closeHaRedundant`, `createTags` or `deleteTags`.
    #[serde(default)]
    pub action: Option<String>,
    /// `NoSchedule` or `NoExecute`.
    #[serde(default)]
    pub ha_redundant_effect: Option<String>,
    #[serde(default)]
    pub driver: Option<NodeDriverUpdate>,
    #[serde(default)]
    pub tags: Vec<NodeTag>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeDriverUpdate {
    pub version: String,
    /// `force` or `idle`.
    #[serde(default)]
    pub update_strategy: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeTag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The answer of `batch-update`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeUpdateAnswer {
    pub success_node_names: Vec<String>,
    pub fail_node_names: Vec<String>,
}

/// The body of `batch-migrate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MigrateRequest {
    pub migrate_node_names: Vec<String>,
    #[serde(default)]
    pub from_cluster_name: Option<String>,
    #[serde(default)]
    pub to_cluster_name: Option<String>,
    #[serde(default)]
    pub to_pool_name: Option<String>,
    #[serde(default)]
    pub resource_spec: Option<MigrateResourceSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MigrateResourceSpec {
    #[serde(default)]
    pub flavor: Option<String>,
    #[serde(default)]
    pub node_pool: Option<String>,
}

/// The body of `batch-bind`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BindRequest {
    pub nodes: Vec<BindNodeItem>,
    #[serde(default)]
    pub drain: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BindNodeItem {
    pub name: String,
    pub quota_name: String,
}

/// The body of `batch-resize`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResizeRequest {
    pub nodes: Vec<ResizeNodes>,
    pub source: ResizeParams,
    pub target: ResizeParams,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResizeNodes {
    #[serde(rename = "batchUID")]
    pub batch_uid: String,
    #[serde(default)]
    pub delete_node_names: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResizeParams {
    #[serde(default)]
    pub node_pool: Option<String>,
    pub flavor: String,
    pub creating_step: CreatingStep,
}

/// A hyper-instance step: `{"type": "hyperinstance", "step": 8}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatingStep {
    #[serde(rename = "type", default)]
    pub step_type: String,
    pub step: i64,
}

/// The answer of `batch-resize`: the order that tracks it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResizeAnswer {
    pub order_name: String,
}

/// A node job (`GET /v2/{project_id}/jobs/{job_id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolJob {
    pub job_id: String,
    pub job_name: String,
    #[serde(rename = "type")]
    pub job_type: String,
    /// `Running`, `Success` or `Failed`.
    pub phase: String,
    /// Milliseconds since the epoch.
    pub start_timestamp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<i64>,
    /// JSON text of the nodes the job is about.
    pub involved_objects: String,
    /// JSON text of what the job was asked to do.
    pub inputs: String,
    pub suspend: bool,
    /// JSON text of the job's conditions.
    pub conditions: String,
    pub message: String,
}

/// `GET /v2/{project_id}/jobs` answers this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PoolJobList {
    pub count: i64,
    pub items: Vec<PoolJob>,
}

/// A scheduled event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledEvent {
    pub id: String,
    pub catalog: String,
    /// `system-maintenance`, `node_reboot` or `node_redeploy`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub description: String,
    /// `inquiring`, `scheduled`, `executing`, `completed`, `failed` or `canceled`.
    pub state: String,
    pub instance_type: String,
    pub instance_id: String,
    pub node_name: String,
    pub pool_name: String,
    pub pool_display_name: String,
    /// RFC 3339.
    pub publish_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_msg: Option<String>,
    pub job_progress: String,
    #[serde(default)]
    pub redeploy_type: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under_lying_instance_id: Option<String>,
}

/// `GET /v1/{project_id}/scheduled-events` answers this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScheduledEventList {
    pub events: Vec<ScheduledEvent>,
    pub count: i64,
}

/// The body of `POST .../scheduled-events/{event_id}/accept`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventAccept {
    /// RFC 3339: not before this time.
    #[serde(default)]
    pub not_before: Option<String>,
    #[serde(default)]
    pub redeploy_config: Option<RedeployConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedeployConfig {
    /// `HARD` or `SOFT`.
    #[serde(rename = "type", default)]
    pub redeploy_type: Option<String>,
    #[serde(default)]
    pub auto_flow: Option<String>,
}
