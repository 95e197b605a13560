//! Capacity views: a pool's workloads and their statistics, runtime metrics
//! (`/v2/{project_id}/metrics/runtime/pools`), quotas (`/v1/{project_id}/quotas`,
//! `/v1/{project_id}/workspaces/{id}/quotas`) and a network's addresses
//! (`.../network-ip-availabilities`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One workload of a pool.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    pub api_version: String,
    pub kind: String,
    /// `train`, `infer`, `notebook` or `x-infer`.
    #[serde(rename = "type")]
    pub workload_type: String,
    pub namespace: String,
    pub name: String,
    pub job_name: String,
    pub uid: String,
    #[serde(rename = "jobUUID")]
    pub job_uuid: String,
    pub flavor: String,
    /// `Queue`, `Pending`, `Running`, `Completed`, `Failed`, `Terminated`, ...
    pub status: String,
    pub user_name: String,
    /// Kubernetes quantities by resource: `cpu`, `memory`, `nvidia.com/gpu`, ...
    pub resource_requirement: BTreeMap<String, String>,
    pub priority: String,
    /// Seconds.
    pub running_duration: i64,
    /// Seconds.
    pub pending_duration: i64,
    pub pending_position: i64,
    /// Epoch milliseconds.
    pub create_time: i64,
    pub gvk: String,
    /// The nodes' addresses, comma-separated.
    pub host_ips: String,
    pub nodes: Vec<WorkloadNode>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadNode {
    pub host_ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npu_topology_placement: Option<String>,
    pub resource_requirement: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadList {
    pub api_version: String,
    pub kind: String,
    pub items: Vec<Workload>,
}

/// `GET /v2/{project_id}/statistics/pools/{pool_name}/workloads`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkloadStatistics {
    pub statistics: WorkloadStatisticsBody,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkloadStatisticsBody {
    pub total: i64,
    pub items: Vec<WorkloadTypeStatistics>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkloadTypeStatistics {
    #[serde(rename = "type")]
    pub workload_type: String,
    pub total: i64,
    /// Workloads per status (`Queue` ... `Failed`).
    pub status: BTreeMap<String, i64>,
}

/// `GET /v2/{project_id}/metrics/runtime/pools`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolMetricsList {
    pub api_version: String,
    pub kind: String,
    pub items: Vec<PoolMetricsItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PoolMetricsItem {
    pub metadata: MetricsMetadata,
    pub table: MetricsTable,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricsMetadata {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricsTable {
    pub allocated: MetricsAllocated,
    pub capacity: MetricsCapacity,
    pub available: MetricsAvailable,
    pub workload: MetricsWorkload,
}

/// Amounts by resource, as strings.
pub type MetricValue = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricsAllocated {
    pub value: MetricValue,
    pub timestamp: String,
    pub window: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricsCapacity {
    pub value: MetricValue,
    pub max_value: MetricValue,
    pub all_value: MetricValue,
    pub all_max_value: MetricValue,
    pub timestamp: String,
    pub window: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricsAvailable {
    pub value: MetricValue,
    pub max_value: MetricValue,
    pub timestamp: String,
    pub window: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricsWorkload {
    pub allocated: WorkloadCounts,
    pub queue: WorkloadCounts,
    pub timestamp: String,
    pub window: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkloadCounts {
    pub infer: i64,
    pub notebook: i64,
    pub train: i64,
    #[serde(rename = "warmUpTask")]
    pub warm_up_task: i64,
    #[serde(rename = "x-infer")]
    pub x_infer: i64,
    pub sum: i64,
}

/// `GET /v1/{project_id}/quotas`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OsQuotas {
    pub quotas: OsQuotaResources,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OsQuotaResources {
    pub resources: Vec<OsQuotaResource>,
}

/// `quota` and `used` are strings, as the SDK models them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OsQuotaResource {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub quota: String,
    pub used: String,
}

/// One workspace quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceQuota {
    pub resource: String,
    pub quota: i64,
    pub min_quota: i64,
    pub max_quota: i64,
    /// `null` when the quota is `-1` (no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_quota: Option<i64>,
    pub name_cn: String,
    pub name_en: String,
    pub unit_cn: String,
    pub unit_en: String,
    /// Epoch milliseconds.
    pub update_time: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceQuotaList {
    pub quotas: Vec<WorkspaceQuota>,
}

/// The body of `PUT /v1/{project_id}/workspaces/{id}/quotas`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceQuotaUpdate {
    pub quotas: Vec<WorkspaceQuotaChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceQuotaChange {
    pub resource: String,
    pub quota: i64,
}

/// `GET /v1/{project_id}/networks/{network_name}/network-ip-availabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkIpAvailability {
    pub name: String,
    pub network_id: String,
    pub subnet_ip_availability: Vec<SubnetIpAvailability>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubnetIpAvailability {
    pub cidr: String,
    pub ip_version: i64,
    pub used_ips: i64,
    pub total_ips: i64,
}
