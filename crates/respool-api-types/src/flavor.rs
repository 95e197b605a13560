//! Resource flavors (`GET /v1/{project_id}/resourceflavors`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{ListMeta, ObjectMeta};

/// One node flavor (`apiVersion: v1`, `kind: ResourceFlavor`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFlavor {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ResourceFlavorSpec,
    pub status: ResourceFlavorStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFlavorSpec {
    /// `Dedicate` (can create nodes) or `Logical`.
    #[serde(rename = "type")]
    pub flavor_type: String,
    /// `x86` or `arm64`.
    pub cpu_arch: String,
    /// vCPUs, as a string (`"8"`).
    pub cpu: String,
    /// Memory with its unit (`"32Gi"`).
    pub memory: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<ResourceFlavorXpu>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npu: Option<ResourceFlavorXpu>,
    /// Data disks, as OTC and Terraform spell it.
    #[serde(default)]
    pub data_volumes: Vec<FlavorVolume>,
    /// The same disks under the SDK's spelling.
    #[serde(default)]
    pub data_volume: Vec<FlavorVolume>,
    #[serde(default)]
    pub root_volume: FlavorVolume,
    /// 0 pay-per-use, 1 yearly/monthly.
    #[serde(default)]
    pub billing_modes: Vec<i64>,
    #[serde(default)]
    pub billing_code: String,
    #[serde(default)]
    pub job_flavors: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub creating_steps: Vec<Value>,
    /// `LocalDisk` or `Volume`.
    #[serde(default)]
    pub flavor_boot_type: String,
}

/// The accelerator cards of a flavor (`spec.gpu` / `spec.npu`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResourceFlavorXpu {
    #[serde(rename = "type")]
    pub xpu_type: String,
    /// Chips per node (kept for compatibility; equals `chip`).
    pub size: String,
    /// Memory per card (`"16Gi"`).
    pub memory: String,
    pub card: String,
    pub chip: String,
}

/// A disk of a flavor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlavorVolume {
    /// `SSD`, `GPSSD`, `SAS` or `SATA`.
    pub volume_type: String,
    /// Size with its unit (`"500Gi"`).
    pub size: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResourceFlavorStatus {
    /// Capacity per availability zone: `normal` or `soldout`.
    #[serde(default)]
    pub phase: BTreeMap<String, String>,
}

/// `GET /v1/{project_id}/resourceflavors` answers this.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFlavorList {
    pub api_version: String,
    pub kind: String,
    pub metadata: ListMeta,
    pub items: Vec<ResourceFlavor>,
}
