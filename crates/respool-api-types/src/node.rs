//! Nodes of a pool (`/v2/{project_id}/pools/{pool_name}/nodes`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ListMeta, ObjectMeta};

/// One node (`apiVersion: v2`, `kind: Node`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    pub flavor: String,
    /// The OS image the node runs (set by a reset's `nodeConfig.os`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<NodeOs>,
    /// The node's VPC, subnet and security groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<serde_json::Value>,
    /// The pool resource's `extendParams`, which its nodes carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_params: Option<serde_json::Value>,
    /// The node pool's taints (`{key, value, effect}`), which its nodes carry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<serde_json::Value>,
    /// Drained: no new workloads are scheduled on the node (as Kubernetes' `spec.unschedulable`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unschedulable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_volume: Option<NodeVolume>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_volumes: Vec<NodeVolume>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeOs {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeVolume {
    /// `SSD`, `GPSSD`, `SAS` or `SATA`.
    pub volume_type: String,
    /// Size with its unit, e.g. `"100Gi"`.
    pub size: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// `Creating`, `Available`, `Abnormal`, `Deleting` or `Checking` (rebooting, re-imaging).
    pub phase: String,
    pub az: String,
    pub private_ip: String,
    /// Allocatable resources, Kubernetes-style: `cpu` `"3920m"`, `memory` `"13622Mi"`, `nvidia.com/gpu` `"1"`.
    #[serde(default)]
    pub resources: BTreeMap<String, String>,
    #[serde(default)]
    pub available_resources: BTreeMap<String, String>,
    /// Present on GPU and NPU nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<NodeDriver>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeDriver {
    /// `Running`, `Pending`, `Upgrading` or `Abnormal`.
    pub phase: String,
    pub version: String,
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodes` answers this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeList {
    pub api_version: String,
    pub kind: String,
    pub metadata: ListMeta,
    pub items: Vec<Node>,
}

/// The body of `POST .../nodes/batch-delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeDeletion {
    pub delete_node_names: Vec<String>,
}

/// The outcome for one node of a batch operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeResult {
    pub name: String,
    /// `success` or `failed`.
    pub status: String,
}
