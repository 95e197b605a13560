use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ObjectMeta;

/// A resource pool (`apiVersion: v2`, `kind: Pool`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: PoolSpec,
    #[serde(default)]
    pub status: PoolStatus,
}

/// `GET /v2/{project_id}/pools` answers this. The live API does not page pools.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolList {
    pub api_version: String,
    pub kind: String,
    pub items: Vec<Pool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolSpec {
    /// `Dedicate` (physical pool) or `Logical`.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub pool_type: String,
    /// Job types: `Train`, `Infer`, `Notebook`.
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default)]
    pub resources: Vec<PoolResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_flavors: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub driver: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_mode: Option<i64>,
    /// Fields respool keeps and echoes without interpreting (clusters, userLogin, ...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One flavor entry of `spec.resources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolResource {
    pub flavor: String,
    pub count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azs: Option<Vec<AzCount>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_pool: Option<String>,
    /// Fields kept as sent (extendParams, os, rootVolume, dataVolumes, taints, ...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AzCount {
    pub az: String,
    pub count: i64,
}

/// `spec.network`: a ModelArts network by name, or a VPC and subnet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolStatus {
    /// `Creating`, `Waiting`, `Running`, `Abnormal`, `Error`, `CreationFailed`,
    /// `ScalingFailed` or `Deleting`. Absent on the answer to a create.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub resources: StatusResources,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<ScopeStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<PoolDriverStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// The Kubernetes cluster under a physical pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<PoolCluster>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolCluster {
    pub name: String,
    pub cluster_flavor: String,
    #[serde(rename = "type")]
    pub cluster_type: String,
    pub version: String,
}

/// Node counts per state; each bucket is an array of per-flavor counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusResources {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creating: Vec<FlavorCount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub available: Vec<FlavorCount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abnormal: Vec<FlavorCount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleting: Vec<FlavorCount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlavorCount {
    pub flavor: String,
    pub count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<i64>,
    #[serde(default)]
    pub azs: Vec<AzCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_pool: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScopeStatus {
    pub scope_type: String,
    /// `Enabling`, `Enabled`, `Disabling` or `Disabled`.
    pub state: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolDriverStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<DriverState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npu: Option<DriverState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriverState {
    pub version: String,
    /// `Creating`, `Upgrading`, `Running` or `Abnormal`.
    pub state: String,
}
