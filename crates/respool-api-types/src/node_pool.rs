use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{FlavorCount, PoolResource};

/// A node pool (`apiVersion: v2`, `kind: NodePool`): one entry of its pool's
/// `spec.resources`, seen on its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePool {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: NodePoolMeta,
    #[serde(default)]
    pub spec: NodePoolSpec,
    /// Absent on the answers to a create and a patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NodePoolStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolMeta {
    #[serde(default)]
    pub name: String,
    /// Billing annotations (`os.modelarts/billing.mode`, `period.*`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolSpec {
    /// One resource entry, not an array.
    #[serde(default)]
    pub resources: PoolResource,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolStatus {
    pub resources: NodePoolBuckets,
}

/// Node counts per state; unlike a pool's, each bucket is one object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolBuckets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creating: Option<FlavorCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<FlavorCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abnormal: Option<FlavorCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleting: Option<FlavorCount>,
}

/// `GET .../nodepools` answers this; the live API does not page node pools.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolList {
    pub api_version: String,
    pub kind: String,
    pub items: Vec<NodePool>,
}
