//! A node as the API shows it. Most of a node's view comes from its pool,
//! its node pool and its flavor; [`NodeViews`] works those parts out once for
//! every node it shows (a page of 500, a write's changed nodes), not once
//! per node.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use respool_api_types as api;
use respool_api_types::keys;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
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
    /// The node pool's own labels with the service's keys over them.
    labels: BTreeMap<String, String>,
    /// The node pool's tags.
    tags: BTreeMap<String, String>,
    /// `tags` as the annotation shows them, for nodes without tags of their own.
    tags_annotation: Option<String>,
    os: String,
    extend_params: Option<Value>,
    taints: Vec<Value>,
    root_volume: Option<api::NodeVolume>,
    data_volumes: Vec<api::NodeVolume>,
    resources: BTreeMap<String, String>,
    capacity: Amounts,
    /// `capacity` as shown, for nodes no workload holds.
    free: BTreeMap<String, String>,
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

    /// `n` as the API shows it.
    pub fn view(&mut self, n: &'a Node) -> NodeView<'_, 'a> {
        let at = self.group_of(n);
        self.view_in(n, at)
    }

    /// `n`, of the group at `at`, as the API shows it.
    fn view_in(&self, n: &'a Node, at: usize) -> NodeView<'_, 'a> {
        NodeView {
            views: self,
            group: &self.groups[at],
            n,
        }
    }

    /// `nodes` as the API lists them.
    pub fn list(mut self, nodes: impl IntoIterator<Item = &'a Node>) -> NodeViewList<'a> {
        let shown = nodes.into_iter().map(|n| (n, self.group_of(n))).collect();
        NodeViewList { views: self, shown }
    }
}

/// A node as the API shows it, encoded straight from the pool: the parts
/// every node of a group shows alike are borrowed, not copied into an
/// [`api::Node`] per node, which was most of a page's time. It encodes as
/// [`api::Node`] does; a test holds it to that, byte for byte.
pub struct NodeView<'v, 'a> {
    views: &'v NodeViews<'a>,
    group: &'v Group<'a>,
    n: &'a Node,
}

/// Nodes as the API lists them: a JSON array of [`NodeView`]s.
pub struct NodeViewList<'a> {
    views: NodeViews<'a>,
    /// Each node with its group.
    shown: Vec<(&'a Node, usize)>,
}

impl NodeViewList<'_> {
    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// The nodes listed, in order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> + '_ {
        self.shown.iter().map(|&(n, _)| n)
    }
}

impl Serialize for NodeViewList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.shown.iter().map(|&(n, at)| self.views.view_in(n, at)))
    }
}

impl Serialize for NodeView<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (views, g, n) = (self.views, self.group, self.n);
        let pool = views.pool;
        let resource_id = pool.node_resource_id(n);
        let instance_id = pool.instance_id(n);
        // Labels over the node pool's, the later of one key winning.
        let mut own: Vec<(&str, &str)> = vec![
            (keys::RESOURCE_ID, &resource_id),
            (INSTANCE_ID, &instance_id),
        ];
        let mut annotations: BTreeMap<&str, Cow<str>> = BTreeMap::new();
        if let Some(mode) = views.billing_mode {
            annotations.insert(keys::BILLING_MODE, mode.into());
        }
        for (k, v) in &n.extra.labels {
            // The HA effect is how the label acts, not a label of its own.
            if k == ANNOTATION_HA_EFFECT {
                annotations.insert(k, v.into());
            } else {
                own.push((k, v));
            }
        }
        if n.extra.labels.contains_key(LABEL_BATCH_UID) {
            own.push((BATCH_TYPE, "hyperinstance"));
        }
        if n.extra.delete_locked {
            annotations.insert(LOCK_ACTIONS, "delete".into());
        }
        let tags = if n.extra.tags.is_empty() {
            g.tags_annotation.as_deref().map(Cow::Borrowed)
        } else {
            // The node's own tags (batch-update) win over the node pool's.
            let mut tags = g.tags.clone();
            tags.extend(n.extra.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            tags_annotation(&tags).map(Cow::Owned)
        };
        if let Some(tags) = tags {
            annotations.insert(keys::TMS_TAGS, tags);
        }
        let available = match views.allocated.get(n.name.as_str()) {
            None => Cow::Borrowed(&g.free),
            Some(held) => {
                let mut free = g.capacity.clone();
                subtract(&mut free, held);
                Cow::Owned(quantities(&free))
            }
        };
        let driver = g.driver_default.as_ref().map(|default| DriverShown {
            phase: if n.phase == NodePhase::Creating {
                "Pending"
            } else if n.extra.driver_upgrade.is_some() {
                "Upgrading"
            } else {
                "Running"
            },
            version: n.extra.driver_version.as_ref().unwrap_or(default),
        });
        NodeShown {
            api_version: API_VERSION,
            kind: NODE_KIND,
            metadata: MetaShown {
                name: &n.name,
                creation_timestamp: rfc3339(n.created_ms),
                labels: Merged::new(&g.labels, own),
                annotations,
            },
            spec: SpecShown {
                flavor: &n.flavor,
                os: OsShown {
                    name: n.extra.os.as_deref().unwrap_or(&g.os),
                },
                host_network: views.host_network.as_ref(),
                extend_params: g.extend_params.as_ref(),
                taints: &g.taints,
                unschedulable: n.extra.unschedulable,
                root_volume: g.root_volume.as_ref(),
                data_volumes: &g.data_volumes,
            },
            status: StatusShown {
                phase: n.phase.as_str(),
                az: &n.az,
                private_ip: &n.private_ip,
                resources: &g.resources,
                available_resources: &available,
                driver,
            },
        }
        .serialize(s)
    }
}

// What a node view encodes, borrowed: the fields, names and order of
// `api::Node` and its parts.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeShown<'s> {
    api_version: &'static str,
    kind: &'static str,
    metadata: MetaShown<'s>,
    spec: SpecShown<'s>,
    status: StatusShown<'s>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetaShown<'s> {
    name: &'s str,
    creation_timestamp: String,
    labels: Merged<'s>,
    annotations: BTreeMap<&'s str, Cow<'s, str>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpecShown<'s> {
    flavor: &'s str,
    os: OsShown<'s>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_network: Option<&'s Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extend_params: Option<&'s Value>,
    #[serde(skip_serializing_if = "<[Value]>::is_empty")]
    taints: &'s [Value],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unschedulable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    root_volume: Option<&'s api::NodeVolume>,
    #[serde(skip_serializing_if = "<[api::NodeVolume]>::is_empty")]
    data_volumes: &'s [api::NodeVolume],
}

#[derive(Serialize)]
struct OsShown<'s> {
    name: &'s str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusShown<'s> {
    phase: &'s str,
    az: &'s str,
    private_ip: &'s str,
    resources: &'s BTreeMap<String, String>,
    available_resources: &'s BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    driver: Option<DriverShown<'s>>,
}

#[derive(Serialize)]
struct DriverShown<'s> {
    phase: &'static str,
    version: &'s str,
}

/// A sorted map with some entries over it, as one sorted map.
struct Merged<'s> {
    under: &'s BTreeMap<String, String>,
    /// Sorted by key, one entry a key.
    over: Vec<(&'s str, &'s str)>,
}

impl<'s> Merged<'s> {
    /// `over` in the order given: of one key, the last wins.
    fn new(under: &'s BTreeMap<String, String>, mut over: Vec<(&'s str, &'s str)>) -> Self {
        over.reverse();
        // Stable: of one key, the entry given last now comes first and stays.
        over.sort_by_key(|&(k, _)| k);
        over.dedup_by_key(|&mut (k, _)| k);
        Merged { under, over }
    }
}

impl Serialize for Merged<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        let mut under = self.under.iter().peekable();
        let mut over = self.over.iter().peekable();
        loop {
            let order = match (under.peek(), over.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((u, _)), Some((o, _))) => u.as_str().cmp(o),
            };
            if order == Ordering::Equal {
                under.next();
            }
            if order == Ordering::Less {
                let (k, v) = under.next().expect("peeked");
                map.serialize_entry(k, v)?;
            } else {
                let (k, v) = over.next().expect("peeked");
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
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
        let capacity = pool.node_capacity(n, Some(catalog));
        Group {
            node_pool: &n.node_pool,
            flavor_name: &n.flavor,
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
            root_volume: flavor.map(|f| volume(&f.root_volume)),
            data_volumes: flavor
                .map(|f| f.data_volumes.iter().map(volume).collect())
                .unwrap_or_default(),
            resources: flavor.map(Flavor::node_resources).unwrap_or_default(),
            free: quantities(&capacity),
            capacity,
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
