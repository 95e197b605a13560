//! Pool plugins (`/v2/{project_id}/pools/{pool_name}/plugins`), plugin
//! templates (`/v2/{project_id}/plugintemplates`, `/v1/{project_id}/plugintemplates/{name}`)
//! and node configuration (`.../node-config`, `.../node-config-template`,
//! `/v1/{project_id}/nodeconfigtemplates/{name}`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The body of CreatePoolPlugin: install, or upgrade when installed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub spec: PluginSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginSpec {
    pub template: PluginTemplateRef,
}

/// Which template, at which version, with which inputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginTemplateRef {
    pub name: String,
    /// The newest version when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<BTreeMap<String, Value>>,
}

/// A plugin instance of a pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Plugin {
    pub api_version: String,
    pub kind: String,
    pub metadata: PluginMeta,
    pub spec: PluginSpec,
    pub status: PluginStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginMeta {
    pub name: String,
    pub creation_timestamp: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginStatus {
    /// `Pending`, `Running`, `Updating`, `Abnormal` or `Deleting`.
    pub phase: String,
    /// The version that runs; during an upgrade, the one being left.
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The effective inputs, as a JSON text (the SDK types it as a string).
    pub values: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub resources: Vec<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginList {
    pub api_version: String,
    pub kind: String,
    pub items: Vec<Plugin>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PluginTemplateMeta {
    pub name: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// One version of a template; `inputs` maps each input to its type and default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginTemplateVersion {
    pub version: String,
    pub creation_timestamp: String,
    #[schema(value_type = Object)]
    pub inputs: Value,
    pub description: String,
    pub detail: String,
}

/// A template as the v2 list shows it: `versions` is a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginTemplate {
    pub api_version: String,
    pub kind: String,
    pub metadata: PluginTemplateMeta,
    pub spec: PluginTemplateSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginTemplateSpec {
    pub optional: bool,
    /// `gpuDriver`, `npuDriver`, `ccePlugin` or `helm`.
    #[serde(rename = "type")]
    pub template_type: String,
    pub description: String,
    pub versions: Vec<PluginTemplateVersion>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginTemplateList {
    pub api_version: String,
    pub kind: String,
    pub items: Vec<PluginTemplate>,
}

/// A template as the v1 show answers it: `versions` is a map by version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginTemplateDetail {
    pub api_version: String,
    pub kind: String,
    pub metadata: PluginTemplateMeta,
    pub spec: PluginTemplateDetailSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginTemplateDetailSpec {
    #[serde(rename = "type")]
    pub template_type: String,
    pub description: String,
    pub versions: BTreeMap<String, PluginTemplateVersion>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NameMeta {
    pub name: String,
}

/// ShowPoolNodeConfig: the customization the pool's nodes run with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfig {
    pub api_version: String,
    pub kind: String,
    pub metadata: NameMeta,
    pub spec: NodeConfigSpec,
    pub status: NodeConfigStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NodeConfigSpec {
    #[schema(value_type = Object)]
    pub configs: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeConfigStatus {
    pub phase: String,
}

/// ShowPoolNodeConfigTemplate: the items a pool's nodes can be customized with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfigChoices {
    pub api_version: String,
    pub kind: String,
    pub metadata: NameMeta,
    pub spec: NodeConfigChoicesSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NodeConfigChoicesSpec {
    pub templates: Vec<NodeConfigSpec>,
}

/// ShowNodeConfigTemplate: container disk and OS choices of one flavor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfigTemplate {
    pub api_version: String,
    pub kind: String,
    pub metadata: NameMeta,
    pub spec: NodeConfigTemplateSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfigTemplateSpec {
    pub docker_base_size: i64,
    pub docker_lvm_config: DockerLvmConfig,
    pub os_list: Vec<AffinityOs>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DockerLvmConfig {
    #[serde(rename = "dockerThinPool")]
    pub docker_thin_pool: i64,
    #[serde(rename = "kubernetesLV")]
    pub kubernetes_lv: i64,
    /// `evs` or `ssd`.
    #[serde(rename = "dockerDiskType")]
    pub docker_disk_type: String,
    /// `linear` or `striped`.
    #[serde(rename = "lvType")]
    pub lv_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AffinityOs {
    pub name: String,
    pub image_id: String,
    pub preferred: bool,
    pub eos: bool,
    pub offline: bool,
}
