//! A node as the API shows it. Most of a node's view comes from its pool,
//! its node pool and its flavor; [`NodeViews`] works those parts out once for
//! every node it shows (a page of 500, a write's changed nodes), not once
//! per node.

use std::collections::{BTreeMap, HashMap};

use respool_api_types as api;
use respool_api_types::keys;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::node_ops::{ANNOTATION_HA_EFFECT, LABEL_BATCH_UID};
use super::workloads::{quantities, subtract, Amounts};
use super::{Node, NodePhase, PoolState, API_VERSION};
use crate::flavors::{AcceleratorKind, Catalog, Flavor, Volume};
use crate::time::rfc3339;

pub const NODE_KIND: &str = "Node";

const NODEPOOL: &str = "os.modelarts.node/nodepool";
const NODEPOOL_NAME: &str = "os.modelarts.node/nodepoolname";
const INSTANCE_ID: &str = "os.modelarts.node/underlying.instance.id";
const BILLING_STATUS: &str = "os.modelarts/billing.status";
const BATCH_TYPE: &str = "os.modelarts.node/batch.type";
/// A node's locked functions, as the annotation shows them (`delete`).
const LOCK_ACTIONS: &str = "os.modelarts/lock.actions";

/// The OS a node runs until a reset installs another.
fn default_os(flavor: Option<&Flavor>) -> &'static str {
    match flavor.map(|f| f.cpu_arch.as_str()) {
        Some("arm64") => "EulerOS 2.10 64bit for Arm",
        _ => "EulerOS 2.9 64bit",
    }
}

/// The OS a node pool asks for (`os.name`).
fn pool_os(r: &api::PoolResource) -> Option<&str> {
    r.extra
        .get("os")
        .and_then(|os| os.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
}

/// Shows nodes of one pool as of now.
pub struct NodeViews<'a> {
    pool: &'a PoolState,
    catalog: &'a Catalog,
    /// What the nodes of one node pool and flavor share, as first needed.
    groups: Vec<Group<'a>>,
    /// What placed workloads hold, by node.
    allocated: HashMap<&'a str, Amounts>,
    billing_mode: Option<&'a String>,
    host_network: Option<Value>,
}

/// What every node of one node pool and flavor shows alike.
struct Group<'a> {
    node_pool: &'a str,
    flavor_name: &'a str,
    flavor: Option<&'a Flavor>,
    /// The node pool's own labels with the service's keys over them.
    labels: BTreeMap<String, String>,
    /// The node pool's tags.
    tags: BTreeMap<String, String>,
    /// `tags` as the annotation shows them, for nodes without tags of their own.
    tags_annotation: Option<String>,
    os: String,
    extend_params: Option<Value>,
    taints: Vec<Value>,
    resources: BTreeMap<String, String>,
    capacity: Amounts,
    driver_default: Option<String>,
}

impl PoolState {
    /// Shows this pool's nodes; see [`NodeViews`].
    pub fn node_views<'a>(&'a self, catalog: &'a Catalog) -> NodeViews<'a> {
        let host_network = self.pool.spec.network.as_ref().map(|net| {
            serde_json::json!({
                "vpc": net.vpc_id.clone().unwrap_or_default(),
                "subnet": net.subnet_id.clone().unwrap_or_default(),
                "securityGroups": [],
            })
        });
        NodeViews {
            pool: self,
            catalog,
            groups: Vec::new(),
            allocated: self.allocated_by_node(),
            billing_mode: self.pool.metadata.annotations.get(keys::BILLING_MODE),
            host_network,
        }
    }

    /// A node as `GET .../nodes/{node_name}` shows it.
    pub fn node_view(&self, n: &Node, catalog: &Catalog) -> api::Node {
        self.node_views(catalog).view(n)
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
        format!("{pool}-{}", hex::encode(&digest[..4]))
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
}

impl<'a> NodeViews<'a> {
    /// Where `n`'s group is in `groups`, added if it is not yet.
    fn group_of(&mut self, n: &'a Node) -> usize {
        let at = self
            .groups
            .iter()
            .rposition(|g| g.node_pool == n.node_pool && g.flavor_name == n.flavor);
        at.unwrap_or_else(|| {
            let group = Group::new(self.pool, self.catalog, n);
            self.groups.push(group);
            self.groups.len() - 1
        })
    }

    pub fn view(&mut self, n: &'a Node) -> api::Node {
        let at = self.group_of(n);
        let g = &self.groups[at];
        let pool = self.pool;
        let mut free = g.capacity.clone();
        if let Some(held) = self.allocated.get(n.name.as_str()) {
            subtract(&mut free, held);
        }
        let mut labels = g.labels.clone();
        labels.insert(keys::RESOURCE_ID.to_owned(), pool.node_resource_id(n));
        labels.insert(INSTANCE_ID.to_owned(), pool.instance_id(n));
        let mut annotations = BTreeMap::new();
        if let Some(mode) = self.billing_mode {
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
        let tags = if n.extra.tags.is_empty() {
            g.tags_annotation.clone()
        } else {
            // The node's own tags (batch-update) win over the node pool's.
            let mut tags = g.tags.clone();
            tags.extend(n.extra.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            tags_annotation(&tags)
        };
        if let Some(tags) = tags {
            annotations.insert(keys::TMS_TAGS.to_owned(), tags);
        }
        let driver = g.driver_default.as_ref().map(|default| {
            let version = n.extra.driver_version.as_ref().unwrap_or(default);
            let phase = if n.phase == NodePhase::Creating {
                "Pending"
            } else if n.extra.driver_upgrade.is_some() {
                "Upgrading"
            } else {
                "Running"
            };
            api::NodeDriver {
                phase: phase.into(),
                version: version.clone(),
            }
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
                    name: n.extra.os.clone().unwrap_or_else(|| g.os.clone()),
                    image_id: None,
                    image_type: None,
                }),
                host_network: self.host_network.clone(),
                extend_params: g.extend_params.clone(),
                taints: g.taints.clone(),
                unschedulable: n.extra.unschedulable,
                root_volume: g.flavor.map(|f| volume(&f.root_volume)),
                data_volumes: g
                    .flavor
                    .map(|f| f.data_volumes.iter().map(volume).collect())
                    .unwrap_or_default(),
            },
            status: api::NodeStatus {
                phase: n.phase.as_str().into(),
                az: n.az.clone(),
                private_ip: n.private_ip.clone(),
                available_resources: quantities(&free),
                resources: g.resources.clone(),
                driver,
            },
        }
    }
}

impl<'a> Group<'a> {
    fn new(pool: &'a PoolState, catalog: &'a Catalog, n: &'a Node) -> Group<'a> {
        let flavor = catalog.get(&n.flavor);
        let entry = pool.node_pool_entry(&n.node_pool);
        let field = |name: &str| entry.and_then(|r| r.extra.get(name));
        // The node pool's own labels first: the service's keys win over them.
        let mut labels: BTreeMap<String, String> = field("labels")
            .and_then(|own| serde_json::from_value(own.clone()).ok())
            .unwrap_or_default();
        labels.insert(NODEPOOL.to_owned(), n.node_pool.clone());
        labels.insert(NODEPOOL_NAME.to_owned(), n.node_pool.clone());
        for key in [keys::TENANT_DOMAIN_ID, keys::TENANT_PROJECT_ID] {
            if let Some(v) = pool.pool.metadata.labels.get(key) {
                labels.insert(key.to_owned(), v.clone());
            }
        }
        labels.insert(BILLING_STATUS.to_owned(), "0".to_owned());
        let tags: BTreeMap<String, String> = field("tags")
            .and_then(|t| serde_json::from_value::<Vec<api::NodeTag>>(t.clone()).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
        let driver_default = flavor
            .filter(|f| f.kind != AcceleratorKind::Cpu)
            .map(|f| pool.driver_default(f.kind));
        Group {
            node_pool: &n.node_pool,
            flavor_name: &n.flavor,
            flavor,
            tags_annotation: tags_annotation(&tags),
            labels,
            tags,
            os: entry
                .and_then(pool_os)
                .unwrap_or_else(|| default_os(flavor))
                .to_owned(),
            extend_params: field("extendParams").cloned(),
            taints: field("taints")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            resources: flavor.map(Flavor::node_resources).unwrap_or_default(),
            capacity: pool.node_capacity(n, Some(catalog)),
            driver_default,
        }
    }
}

/// Tags as the `tms` annotation shows them: a JSON array of key and value.
fn tags_annotation(tags: &BTreeMap<String, String>) -> Option<String> {
    if tags.is_empty() {
        return None;
    }
    let tags: Vec<Value> = tags
        .iter()
        .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
        .collect();
    Some(Value::Array(tags).to_string())
}

fn volume(v: &Volume) -> api::NodeVolume {
    api::NodeVolume {
        volume_type: v.volume_type.clone(),
        size: v.size(),
        count: Some(1),
    }
}
