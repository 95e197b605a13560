//! Nodes as the API shows them, paging through them, deleting some of them,
//! and paying a pool's order so its nodes get built.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use respool_api_types as api;
use respool_api_types::keys;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::node_ops::{ANNOTATION_HA_EFFECT, LABEL_BATCH_UID};
use super::records::Operation;
use super::{Env, Node, NodePhase, PoolPhase, PoolState, API_VERSION};
use crate::flavors::{AcceleratorKind, Catalog};
use crate::time::rfc3339;
use crate::DomainError;

pub const NODE_KIND: &str = "Node";
pub const NODE_LIST_KIND: &str = "NodeList";
/// The largest (and default) page of a node list.
pub const MAX_NODE_PAGE: usize = 500;

const NODEPOOL: &str = "os.modelarts.node/nodepool";
const NODEPOOL_NAME: &str = "os.modelarts.node/nodepoolname";
const INSTANCE_ID: &str = "os.modelarts.node/underlying.instance.id";
const BILLING_STATUS: &str = "os.modelarts/billing.status";
const BATCH_TYPE: &str = "os.modelarts.node/batch.type";
/// A node's locked functions, as the annotation shows them (`delete`).
const LOCK_ACTIONS: &str = "os.modelarts/lock.actions";

/// The OS a node runs until a reset installs another.
fn default_os(flavor: Option<&crate::flavors::Flavor>) -> &'static str {
    match flavor.map(|f| f.cpu_arch.as_str()) {
        Some("arm64") => "EulerOS 2.10 64bit for Arm",
        _ => "EulerOS 2.9 64bit",
    }
}

/// The OS a node pool asks for (`os.name`).
fn pool_os(r: &api::PoolResource) -> Option<String> {
    r.extra
        .get("os")
        .and_then(|os| os.get("name"))
        .and_then(|n| n.as_str())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// Where a page of nodes ends: nodes are listed by creation time, then name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCursor {
    pub created_ms: i64,
    pub name: String,
}

pub struct NodePage {
    pub items: Vec<api::Node>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<NodeCursor>,
    /// Nodes after this page.
    pub remaining: usize,
}

/// Where each node sits in [`PoolState::nodes`], by name: batch operations
/// look up hundreds of names in pools of thousands of nodes. Nodes are only
/// ever appended or removed, so the index is current while the count and the
/// last node's name are what they were when it was built; it is rebuilt
/// otherwise, and every hit is checked against the node itself.
/// A pool read for one change looks up a name or two: those are scanned
/// for, and the index is built only once lookups keep coming.
#[derive(Default)]
pub struct NodeIndex(Mutex<IndexState>);

#[derive(Default)]
struct IndexState {
    built: Option<BuiltIndex>,
    scans: u32,
}

/// Lookups scanned for before an index is built.
const SCANS_BEFORE_INDEX: u32 = 8;

struct BuiltIndex {
    len: usize,
    last: String,
    at: HashMap<String, usize>,
}

/// Below this many nodes a scan is as fast as the index.
const INDEX_FROM: usize = 32;

impl Clone for NodeIndex {
    fn clone(&self) -> Self {
        NodeIndex::default()
    }
}

/// A derived cache: two pools are equal whatever their indexes hold.
impl PartialEq for NodeIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for NodeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeIndex")
    }
}

fn build_index(nodes: &[Arc<Node>]) -> BuiltIndex {
    BuiltIndex {
        len: nodes.len(),
        last: nodes.last().map(|n| n.name.clone()).unwrap_or_default(),
        at: nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect(),
    }
}

/// The first `n` items of `items` in `order`, sorted, without sorting the
/// rest: a page of 500 out of 10,000 nodes, the few nodes a scale-down removes.
pub(crate) fn first_in_order<T>(
    items: &mut [T],
    n: usize,
    mut order: impl FnMut(&T, &T) -> std::cmp::Ordering,
) -> &mut [T] {
    let n = n.min(items.len());
    if n > 0 && n < items.len() {
        items.select_nth_unstable_by(n - 1, &mut order);
    }
    let first = &mut items[..n];
    first.sort_unstable_by(order);
    first
}

impl PoolState {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.node_position(name).map(|i| &*self.nodes[i])
    }

    /// The node to change: a copy of its own once shared with the stored
    /// nodes, so the store writes just the nodes that changed.
    pub(crate) fn node_mut(&mut self, name: &str) -> Option<&mut Node> {
        let i = self.node_position(name)?;
        Some(self.node_at_mut(i))
    }

    /// The node at `i` to change (see [`PoolState::node_mut`]).
    pub(crate) fn node_at_mut(&mut self, i: usize) -> &mut Node {
        Arc::make_mut(&mut self.nodes_mut()[i])
    }

    /// The list of nodes to change: a list of its own once shared.
    pub fn nodes_mut(&mut self) -> &mut Vec<Arc<Node>> {
        Arc::make_mut(&mut self.nodes)
    }

    /// The index of the node named `name` in `nodes`.
    pub(crate) fn node_position(&self, name: &str) -> Option<usize> {
        let nodes = &self.nodes;
        // Names are unique; from the end, because the nodes a change is
        // about (new ones, those a scale-down picks) are mostly the newest.
        let scan = || nodes.iter().rposition(|n| n.name == name);
        if nodes.len() < INDEX_FROM {
            return scan();
        }
        let mut state = self.node_index.0.lock().unwrap_or_else(|e| e.into_inner());
        let current = state.built.as_ref().is_some_and(|b| {
            b.len == nodes.len() && nodes.last().is_some_and(|n| n.name == b.last)
        });
        if !current && state.scans < SCANS_BEFORE_INDEX {
            state.scans += 1;
            return scan();
        }
        let built = &mut state.built;
        if !current {
            *built = Some(build_index(nodes));
        }
        let i = *built.as_ref()?.at.get(name)?;
        if nodes.get(i).is_some_and(|n| n.name == name) {
            return Some(i);
        }
        // Listed but elsewhere: the index is stale after all.
        let fresh = build_index(nodes);
        let i = fresh.at.get(name).copied();
        *built = Some(fresh);
        i
    }

    /// Up to `limit` nodes after `after`, in listing order; only those of
    /// `node_pool` when one is given.
    pub fn node_page(
        &self,
        catalog: &Catalog,
        node_pool: Option<&str>,
        after: Option<&NodeCursor>,
        limit: usize,
    ) -> NodePage {
        fn key(n: &Node) -> (i64, &str) {
            (n.created_ms, n.name.as_str())
        }
        let mut rest: Vec<&Node> = self
            .nodes
            .iter()
            .map(|n| &**n)
            .filter(|n| node_pool.is_none_or(|p| n.node_pool == p))
            .filter(|n| after.is_none_or(|c| key(n) > (c.created_ms, c.name.as_str())))
            .collect();
        // Big pools are paged through 500 nodes at a time.
        let total = rest.len();
        let page = first_in_order(&mut rest, limit, |a, b| key(a).cmp(&key(b)));
        let remaining = total - page.len();
        NodePage {
            items: page.iter().map(|n| self.node_view(n, catalog)).collect(),
            next: (remaining > 0)
                .then(|| page.last())
                .flatten()
                .map(|n| NodeCursor {
                    created_ms: n.created_ms,
                    name: n.name.clone(),
                }),
            remaining,
        }
    }

    /// A node as `GET .../nodes/{node_name}` shows it.
    pub fn node_view(&self, n: &Node, catalog: &Catalog) -> api::Node {
        let flavor = catalog.get(&n.flavor);
        let pool_labels = &self.pool.metadata.labels;
        let resource = self.node_pool_entry(&n.node_pool);
        let mut labels = BTreeMap::new();
        // The node pool's own labels first: the service's keys win over them.
        if let Some(own) = resource.and_then(|r| r.extra.get("labels")) {
            if let Ok(own) = serde_json::from_value::<BTreeMap<String, String>>(own.clone()) {
                labels.extend(own);
            }
        }
        labels.insert(NODEPOOL.to_owned(), n.node_pool.clone());
        labels.insert(NODEPOOL_NAME.to_owned(), n.node_pool.clone());
        for key in [keys::TENANT_DOMAIN_ID, keys::TENANT_PROJECT_ID] {
            if let Some(v) = pool_labels.get(key) {
                labels.insert(key.to_owned(), v.clone());
            }
        }
        labels.insert(keys::RESOURCE_ID.to_owned(), self.node_resource_id(n));
        labels.insert(INSTANCE_ID.to_owned(), self.instance_id(n));
        labels.insert(BILLING_STATUS.to_owned(), "0".to_owned());
        let mut annotations = BTreeMap::new();
        if let Some(mode) = self.pool.metadata.annotations.get(keys::BILLING_MODE) {
            annotations.insert(keys::BILLING_MODE.to_owned(), mode.clone());
        }
        for (k, v) in &n.extra.labels {
            // The HA effect is how the label acts, not a label of its own.
            if k == ANNOTATION_HA_EFFECT {
                annotations.insert(k.clone(), v.clone());
            } else {
                labels.insert(k.clone(), v.clone());
            }
        }
        if n.extra.labels.contains_key(LABEL_BATCH_UID) {
            labels.insert(BATCH_TYPE.to_owned(), "hyperinstance".to_owned());
        }
        if n.extra.delete_locked {
            annotations.insert(LOCK_ACTIONS.to_owned(), "delete".to_owned());
        }
        // The node pool's tags, then the node's own (batch-update), which win.
        let mut tags: BTreeMap<String, String> = resource
            .and_then(|r| r.extra.get("tags"))
            .and_then(|t| serde_json::from_value::<Vec<api::NodeTag>>(t.clone()).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
        tags.extend(n.extra.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        if !tags.is_empty() {
            let tags: Vec<serde_json::Value> = tags
                .iter()
                .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
                .collect();
            annotations.insert(
                keys::TMS_TAGS.to_owned(),
                serde_json::Value::Array(tags).to_string(),
            );
        }
        let volume = |v: &crate::flavors::Volume| api::NodeVolume {
            volume_type: v.volume_type.clone(),
            size: v.size(),
            count: Some(1),
        };
        let resources = flavor.map(|f| f.node_resources()).unwrap_or_default();
        let driver = flavor.and_then(|f| {
            if f.kind == AcceleratorKind::Cpu {
                return None;
            }
            let default = self.driver_default(f.kind);
            let version = n.extra.driver_version.as_deref().unwrap_or(&default);
            let phase = if n.phase == NodePhase::Creating {
                "Pending"
            } else if n.extra.driver_upgrade.is_some() {
                "Upgrading"
            } else {
                "Running"
            };
            Some(api::NodeDriver {
                phase: phase.into(),
                version: version.into(),
            })
        });
        let network = self.pool.spec.network.as_ref();
        let host_network = network.map(|net| {
            serde_json::json!({
                "vpc": net.vpc_id.clone().unwrap_or_default(),
                "subnet": net.subnet_id.clone().unwrap_or_default(),
                "securityGroups": [],
            })
        });
        api::Node {
            api_version: API_VERSION.into(),
            kind: NODE_KIND.into(),
            metadata: api::ObjectMeta {
                name: n.name.clone(),
                creation_timestamp: Some(rfc3339(n.created_ms)),
                deletion_timestamp: None,
                labels,
                annotations,
                resource_version: None,
            },
            spec: api::NodeSpec {
                flavor: n.flavor.clone(),
                os: Some(api::NodeOs {
                    name: n
                        .extra
                        .os
                        .clone()
                        .or_else(|| resource.and_then(pool_os))
                        .unwrap_or_else(|| default_os(flavor).to_owned()),
                    image_id: None,
                    image_type: None,
                }),
                host_network,
                extend_params: resource.and_then(|r| r.extra.get("extendParams").cloned()),
                taints: resource
                    .and_then(|r| r.extra.get("taints"))
                    .and_then(|t| t.as_array().cloned())
                    .unwrap_or_default(),
                unschedulable: n.extra.unschedulable,
                root_volume: flavor.map(|f| volume(&f.root_volume)),
                data_volumes: flavor
                    .map(|f| f.data_volumes.iter().map(volume).collect())
                    .unwrap_or_default(),
            },
            status: api::NodeStatus {
                phase: n.phase.as_str().into(),
                az: n.az.clone(),
                private_ip: n.private_ip.clone(),
                available_resources: super::workloads::quantities(
                    &self.node_free(n, Some(catalog)),
                ),
                resources,
                driver,
            },
        }
    }

    /// The node's own resource ID: the pool's, with a suffix derived from the node.
    fn node_resource_id(&self, n: &Node) -> String {
        let pool = self
            .pool
            .metadata
            .labels
            .get(keys::RESOURCE_ID)
            .map(String::as_str)
            .unwrap_or_default();
        let digest = Sha256::new()
            .chain_update(&n.name)
            .chain_update(n.created_ms.to_be_bytes())
            .finalize();
        format!("{pool}-{}", &hex::encode(digest)[..8])
    }

    /// The ECS instance behind a node: a UUID derived from the node, so it
    /// stays the same without being stored.
    pub(crate) fn instance_id(&self, n: &Node) -> String {
        let digest = Sha256::new()
            .chain_update(self.name())
            .chain_update([0])
            .chain_update(&n.name)
            .chain_update(n.created_ms.to_be_bytes())
            .finalize();
        let mut b = [0u8; 16];
        b.copy_from_slice(&digest[..16]);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        crate::identity::uuid_from_digest(&b)
    }

    /// Starts deleting the named nodes; the spec's counts follow. At least
    /// one node must remain, and every name must be a node of the pool.
    pub fn delete_nodes(
        &mut self,
        names: &[String],
        now_ms: i64,
    ) -> Result<Vec<String>, DomainError> {
        let pool = self.name().to_owned();
        if names.is_empty() {
            return Err(DomainError::invalid(
                "deleteNodeNames must name at least one node",
            ));
        }
        let phase = self.phase();
        if !matches!(
            phase,
            PoolPhase::Running | PoolPhase::Abnormal | PoolPhase::ScalingFailed
        ) {
            return Err(DomainError::invalid(format!(
                "pool \"{pool}\" is {}: nodes can be deleted only while it is Running",
                phase.as_str()
            )));
        }
        let wanted = super::node_ops::unique(names);
        let unknown: Vec<String> = wanted
            .iter()
            .filter(|n| self.node(n).is_none())
            .map(|n| format!("{n:?}"))
            .collect();
        if !unknown.is_empty() {
            return Err(DomainError::invalid(format!(
                "nodes not found in pool \"{pool}\": {}",
                unknown.join(", ")
            )));
        }
        self.check_removable(&wanted)?;
        let (before, init) = (self.node_marks(), self.spec_counts());
        let due = now_ms + self.timing.durations().node_delete;
        for name in &wanted {
            let i = self.node_position(name).expect("checked above");
            // Already on its way out: nothing more to do.
            if self.nodes[i].phase == NodePhase::Deleting {
                continue;
            }
            let n = self.node_at_mut(i);
            let (pool, az) = (n.node_pool.clone(), n.az.clone());
            n.phase = NodePhase::Deleting;
            n.due_ms = Some(due);
            self.spec_drop_node(&pool, &az);
        }
        self.settle_faults(now_ms);
        self.refresh_status();
        self.open_order(Operation::Modify, init, &before, now_ms);
        self.record(now_ms, false);
        Ok(wanted)
    }

    /// Pays the pool's unpaid order: a waiting creation starts now, or a
    /// change to yearly/monthly billing takes effect.
    pub fn pay(&mut self, env: &Env, now_ms: i64) -> Result<(), DomainError> {
        if self.pay_conversion(now_ms) {
            return Ok(());
        }
        if self.phase() != PoolPhase::Waiting {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is {}: it has no unpaid order",
                self.name(),
                self.phase().as_str()
            )));
        }
        let before = self.node_marks();
        self.awaiting_payment = false;
        self.converge(env, now_ms);
        self.start_unpaid_order(&before, now_ms);
        self.record(now_ms, false);
        Ok(())
    }
}
