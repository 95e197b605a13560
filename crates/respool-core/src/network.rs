//! ModelArts networks: the rules a network must keep, its name, and its
//! phase, which follows from its creation time on the virtual clock
//! (`Creating` until `ready_ms`, then `Active`), so that no timer is needed
//! and a restart cannot change what the API answers.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use respool_api_types::{
    keys, Network, NetworkConnection, NetworkConnectionStatus, NetworkStatus, NetworkSubnet,
    PeerConnectionStatus, SfsTurboStatus,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::merge_patch::merge_patch;
use crate::pool::DEFAULT_WORKSPACE;
use crate::timing::TimingProfile;
use crate::{validate, DomainError};

pub const API_VERSION: &str = "v1";
pub const KIND: &str = "Network";
pub const LIST_KIND: &str = "NetworkList";

/// `status.phase` while the network is being built.
pub const CREATING: &str = "Creating";
/// `status.phase` once it can be used.
pub const ACTIVE: &str = "Active";

/// The address blocks a network may take, with the prefix lengths allowed.
const RANGES: [(Ipv4Addr, u8); 2] = [
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
];
const MIN_PREFIX: u8 = 16;
const MAX_PREFIX: u8 = 24;

/// How long a network takes from `Creating` to `Active` in each profile.
pub fn create_duration(timing: TimingProfile) -> i64 {
    match timing {
        TimingProfile::Immediate => 0,
        TimingProfile::Fast => 1_000,
        TimingProfile::Realistic | TimingProfile::Manual => 60_000,
    }
}

/// A stored network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkState {
    pub project_id: String,
    /// The object as stored: `status.phase` empty (it is derived), subnets filled.
    pub network: Network,
    pub created_ms: i64,
    /// From this instant on the network is `Active`.
    pub ready_ms: i64,
    /// Optimistic-concurrency version; the store checks and bumps it.
    pub version: i64,
}

impl NetworkState {
    /// Validates a create request and builds the network.
    pub fn create(
        project_id: &str,
        req: Network,
        timing: TimingProfile,
        now_ms: i64,
    ) -> Result<NetworkState, DomainError> {
        validate::type_meta(&req.api_version, &req.kind, API_VERSION, KIND)?;
        let mut metadata = req.metadata;
        let display = validate::display_name_label("network", &metadata.labels)?;
        validate_meta(&metadata.labels, &metadata.annotations)?;
        validate_cidr(&req.spec.cidr)?;
        if let Some(c) = &req.spec.connection {
            validate_connection(c)?;
        }
        metadata
            .labels
            .entry(keys::WORKSPACE_ID.into())
            .or_insert_with(|| DEFAULT_WORKSPACE.into());
        // respool's own annotation overrides the server's timing profile.
        let timing = match metadata.annotations.get(keys::TIMING) {
            Some(t) => t.parse().map_err(DomainError::Invalid)?,
            None => timing,
        };
        let name = format!("{display}-{project_id}");
        metadata.name = name.clone();
        metadata.creation_timestamp = Some(crate::time::rfc3339(now_ms));
        metadata.deletion_timestamp = None;
        let subnets = vec![NetworkSubnet {
            name: format!("subnet-{display}"),
            cidr: req.spec.cidr.clone(),
            network_id: uuid_of(&format!("{project_id}/{name}/subnet")),
        }];
        Ok(NetworkState {
            project_id: project_id.into(),
            network: Network {
                api_version: API_VERSION.into(),
                kind: KIND.into(),
                metadata,
                spec: req.spec,
                status: NetworkStatus {
                    phase: String::new(),
                    connection_status: None,
                    subnets,
                },
            },
            created_ms: now_ms,
            ready_ms: now_ms + create_duration(timing),
            version: 0,
        })
    }

    pub fn name(&self) -> &str {
        &self.network.metadata.name
    }

    pub fn workspace_id(&self) -> &str {
        self.network
            .metadata
            .labels
            .get(keys::WORKSPACE_ID)
            .map(String::as_str)
            .unwrap_or(DEFAULT_WORKSPACE)
    }

    /// `Creating` until the network is ready, then `Active`.
    pub fn phase(&self, now_ms: i64) -> &'static str {
        if now_ms >= self.ready_ms {
            ACTIVE
        } else {
            CREATING
        }
    }

    /// The network as the API shows it at `now_ms`.
    pub fn view(&self, now_ms: i64) -> Network {
        let mut n = self.network.clone();
        let active = self.phase(now_ms) == ACTIVE;
        n.status.phase = self.phase(now_ms).into();
        n.status.connection_status = self.connection_status(active);
        n
    }

    /// The network as the answer to its create shows it: no phase yet.
    pub fn created_view(&self) -> Network {
        let mut n = self.network.clone();
        n.status.phase = String::new();
        n.status.connection_status = None;
        n
    }

    fn connection_status(&self, active: bool) -> Option<NetworkConnectionStatus> {
        let c = self.network.spec.connection.as_ref()?;
        let peers = c.peer_connection_list.as_deref().unwrap_or_default();
        let sfs = c.sfs_turbo_connection_list.as_deref().unwrap_or_default();
        if peers.is_empty() && sfs.is_empty() {
            return None;
        }
        Some(NetworkConnectionStatus {
            peer_connection_status: peers
                .iter()
                .map(|p| PeerConnectionStatus {
                    peer_vpc_id: p.peer_vpc_id.clone(),
                    peer_subnet_id: p.peer_subnet_id.clone(),
                    default_gate_way: p.default_gate_way.unwrap_or(false),
                    phase: if active { "Active" } else { "Connecting" }.into(),
                })
                .collect(),
            sfs_turbo_status: sfs
                .iter()
                .map(|s| SfsTurboStatus {
                    name: s.name.clone(),
                    sfs_id: s.sfs_id.clone(),
                    connection_type: "VpcPort".into(),
                    ip_addr: address_in(&self.network.spec.cidr, &s.sfs_id),
                    status: if active { "Active" } else { "Creating" }.into(),
                })
                .collect(),
        })
    }

    /// Applies a JSON merge patch; only `metadata.annotations` and
    /// `spec.connection` may change.
    pub fn patch(&mut self, patch: &Value) -> Result<(), DomainError> {
        if !patch.is_object() {
            return Err(DomainError::invalid("the patch must be a JSON object"));
        }
        let mut current = self.network.clone();
        current.status = NetworkStatus::default();
        let mut doc = serde_json::to_value(&current).expect("a network serializes");
        merge_patch(&mut doc, patch);
        let mut next: Network = serde_path_to_error::deserialize(doc).map_err(|e| {
            DomainError::invalid(format!("invalid patch at {}: {}", e.path(), e.inner()))
        })?;
        next.status = self.network.status.clone();

        let immutable = |field: &str| {
            DomainError::invalid(format!(
                "{field} cannot be changed: a network patch may change only metadata.annotations and spec.connection"
            ))
        };
        let old = &self.network;
        if next.api_version != old.api_version || next.kind != old.kind {
            return Err(immutable("apiVersion/kind"));
        }
        if next.metadata.name != old.metadata.name
            || next.metadata.creation_timestamp != old.metadata.creation_timestamp
        {
            return Err(immutable("metadata.name"));
        }
        if next.metadata.labels != old.metadata.labels {
            return Err(immutable("metadata.labels"));
        }
        if next.spec.cidr != old.spec.cidr
            || next.spec.ipv6_enable != old.spec.ipv6_enable
            || next.spec.extra != old.spec.extra
        {
            return Err(immutable("spec.cidr"));
        }
        validate_meta(&next.metadata.labels, &next.metadata.annotations)?;
        if let Some(c) = &next.spec.connection {
            validate_connection(c)?;
        }
        self.network = next;
        Ok(())
    }
}

fn validate_meta(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) -> Result<(), DomainError> {
    validate::labels_and_annotations(labels, annotations)?;
    if let Some(d) = annotations.get(keys::DESCRIPTION) {
        validate::description(d)?;
    }
    Ok(())
}

fn validate_connection(c: &NetworkConnection) -> Result<(), DomainError> {
    for (i, p) in c.peer_connection_list.iter().flatten().enumerate() {
        if p.peer_vpc_id.is_empty() || p.peer_subnet_id.is_empty() {
            return Err(DomainError::invalid(format!(
                "spec.connection.peerConnectionList[{i}] needs peerVpcId and peerSubnetId"
            )));
        }
    }
    for (i, s) in c.sfs_turbo_connection_list.iter().flatten().enumerate() {
        if s.sfs_id.is_empty() {
            return Err(DomainError::invalid(format!(
                "spec.connection.sfsTurboConnectionList[{i}] needs sfsId"
            )));
        }
    }
    Ok(())
}

/// Parses `a.b.c.d/p`.
fn parse_cidr(cidr: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, prefix) = cidr.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix: u8 = prefix.parse().ok()?;
    (prefix <= 32).then_some((addr, prefix))
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

/// A network CIDR: a network address (no host bits) inside `172.16.0.0/12`
/// or `192.168.0.0/16`, with a prefix from /16 to /24.
pub fn validate_cidr(cidr: &str) -> Result<(), DomainError> {
    let refuse = |why: &str| {
        DomainError::invalid(format!(
            "invalid spec.cidr {cidr:?}: {why}; use a block inside 172.16.0.0/12 or 192.168.0.0/16 with a prefix from /{MIN_PREFIX} to /{MAX_PREFIX}, e.g. 192.168.128.0/17"
        ))
    };
    let Some((addr, prefix)) = parse_cidr(cidr) else {
        return Err(refuse("not an IPv4 CIDR"));
    };
    if !(MIN_PREFIX..=MAX_PREFIX).contains(&prefix) {
        return Err(refuse("the prefix length is out of range"));
    }
    let bits = u32::from(addr);
    if bits & !mask(prefix) != 0 {
        return Err(refuse("host bits are set"));
    }
    let inside = RANGES
        .iter()
        .any(|(base, len)| bits & mask(*len) == u32::from(*base));
    if !inside {
        return Err(refuse("outside the private ranges networks may use"));
    }
    Ok(())
}

/// A stable host address inside `cidr`, chosen by `seed`.
fn address_in(cidr: &str, seed: &str) -> String {
    let Some((addr, prefix)) = parse_cidr(cidr) else {
        return String::new();
    };
    let hosts = (1u64 << (32 - u32::from(prefix))).saturating_sub(2).max(1);
    let digest = Sha256::digest(seed.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % hosts + 1;
    Ipv4Addr::from(u32::from(addr).wrapping_add(n as u32)).to_string()
}

/// A UUID-shaped id derived from `seed`, stable across restarts.
fn uuid_of(seed: &str) -> String {
    crate::identity::uuid_from_digest(&Sha256::digest(seed.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(display: &str, cidr: &str) -> Network {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Network",
            "metadata": {"labels": {"os.modelarts/name": display}},
            "spec": {"cidr": cidr}
        }))
        .unwrap()
    }

    #[test]
    fn cidrs() {
        for good in [
            "192.168.0.0/16",
            "192.168.128.0/17",
            "192.168.20.0/24",
            "172.16.0.0/16",
            "172.31.0.0/16",
            "172.20.8.0/21",
        ] {
            assert!(validate_cidr(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "192.168.0.0",
            "192.168.0.0/15",
            "192.168.0.0/25",
            "192.168.0.1/24",
            "10.0.0.0/16",
            "172.32.0.0/16",
            "172.16.0.0/12",
            "192.169.0.0/16",
            "192.168.0.0/x",
            "192.168.0.0/016",
            "300.1.0.0/16",
            "::1/64",
        ] {
            assert!(validate_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn create_names_and_times() {
        let n = NetworkState::create(
            "p1",
            request("net-one", "192.168.0.0/16"),
            TimingProfile::Fast,
            10_000,
        )
        .unwrap();
        assert_eq!(n.name(), "net-one-p1");
        assert_eq!(n.workspace_id(), "0");
        assert_eq!(n.created_view().status.phase, "");
        assert_eq!(n.view(10_999).status.phase, "Creating");
        assert_eq!(n.view(11_000).status.phase, "Active");
        let subnet = &n.network.status.subnets[0];
        assert_eq!(subnet.network_id.len(), 36);
        assert_eq!(subnet.cidr, "192.168.0.0/16");
        assert!(NetworkState::create(
            "p1",
            request("Bad_Name", "192.168.0.0/16"),
            TimingProfile::Fast,
            0
        )
        .is_err());
        assert!(NetworkState::create(
            "p1",
            request("good-name", "10.0.0.0/16"),
            TimingProfile::Fast,
            0
        )
        .is_err());
        let mut wrong_kind = request("good-name", "192.168.0.0/16");
        wrong_kind.kind = "Pool".into();
        assert!(NetworkState::create("p1", wrong_kind, TimingProfile::Fast, 0).is_err());
    }

    #[test]
    fn patch_touches_only_annotations_and_connection() {
        let mut n = NetworkState::create(
            "p1",
            request("net-one", "192.168.0.0/16"),
            TimingProfile::Immediate,
            0,
        )
        .unwrap();
        n.patch(&json!({
            "metadata": {"annotations": {"os.modelarts/description": "hello"}},
            "spec": {"connection": {"sfsTurboConnectionList": [{"name": "sfs", "sfsId": "abc"}]}}
        }))
        .unwrap();
        assert_eq!(
            n.network.metadata.annotations["os.modelarts/description"],
            "hello"
        );
        let view = n.view(0);
        let sfs = &view.status.connection_status.unwrap().sfs_turbo_status[0];
        assert_eq!(sfs.status, "Active");
        assert!(sfs.ip_addr.starts_with("192.168."));
        assert!(n
            .patch(&json!({"spec": {"cidr": "192.168.0.0/17"}}))
            .is_err());
        assert!(n
            .patch(&json!({"metadata": {"labels": {"x": "y"}}}))
            .is_err());
        assert!(n
            .patch(&json!({"metadata": {"annotations": {"os.modelarts/description": "a<b"}}}))
            .is_err());
        assert!(n.patch(&json!([1])).is_err());
    }
}
