//! ModelArts networks (`/v1/{project_id}/networks`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{ListMeta, ObjectMeta};

/// A network (`apiVersion: v1`, `kind: Network`); also the body of a create.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: NetworkSpec,
    #[serde(default)]
    pub status: NetworkStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkSpec {
    /// Inside `172.16.0.0/12` or `192.168.0.0/16`, prefix /16 to /24.
    #[serde(default)]
    pub cidr: String,
    #[serde(
        default,
        rename = "ipv6enable",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv6_enable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<NetworkConnection>,
    /// Fields kept as sent without interpretation.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// What the network is connected to: VPC peerings and SFS Turbo file systems.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConnection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_connection_list: Option<Vec<PeerConnection>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sfs_turbo_connection_list: Option<Vec<SfsTurboConnection>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeerConnection {
    #[serde(default)]
    pub peer_vpc_id: String,
    #[serde(default)]
    pub peer_subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_gate_way: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SfsTurboConnection {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sfs_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkStatus {
    /// `Creating`, `Active` or `Abnormal`; empty on the answer to a create.
    #[serde(default)]
    pub phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_status: Option<NetworkConnectionStatus>,
    /// The VPC subnets behind the network; Terraform reads `subnets[0].networkId`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<NetworkSubnet>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConnectionStatus {
    #[serde(default)]
    pub peer_connection_status: Vec<PeerConnectionStatus>,
    #[serde(default)]
    pub sfs_turbo_status: Vec<SfsTurboStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeerConnectionStatus {
    pub peer_vpc_id: String,
    pub peer_subnet_id: String,
    pub default_gate_way: bool,
    /// `Connecting`, `Active` or `Abnormal`.
    pub phase: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SfsTurboStatus {
    pub name: String,
    pub sfs_id: String,
    /// `VpcPort` or `Peering`.
    pub connection_type: String,
    pub ip_addr: String,
    /// `Active`, `Abnormal`, `Creating` or `Deleting`.
    pub status: String,
}

/// One VPC subnet of a network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkSubnet {
    pub name: String,
    pub cidr: String,
    /// The subnet's id in the VPC service.
    pub network_id: String,
}

/// `GET /v1/{project_id}/networks` answers this.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkList {
    pub api_version: String,
    pub kind: String,
    pub metadata: ListMeta,
    pub items: Vec<Network>,
}
