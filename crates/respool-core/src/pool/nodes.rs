//! Paging through a pool's nodes, deleting some of them,
//! and paying a pool's order so its nodes get built.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::records::Operation;
use super::{Env, Node, NodePhase, NodeViewList, PoolPhase, PoolState};
use crate::flavors::Catalog;
use crate::DomainError;

pub const NODE_LIST_KIND: &str = "NodeList";
/// The largest (and default) page of a node list.
pub const MAX_NODE_PAGE: usize = 500;

/// Where a page of nodes ends: nodes are listed by creation time, then name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCursor {
    pub created_ms: i64,
    pub name: String,
}

pub struct NodePage<'a> {
    pub items: NodeViewList<'a>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<NodeCursor>,
    /// Nodes after this page.
    pub remaining: usize,
}

/// Where each node sits in [`PoolState::nodes`], by name: batch operations
/// look up hundreds of names in pools of thousands of nodes, and a new
/// node's name is checked against all. Nodes are only ever appended or
/// removed, so the index is current while the node it last listed is still
/// where it was: nodes after it were appended since, and are added to it.
/// It is rebuilt otherwise, and every hit is checked against the node itself.
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
    last: Last,
    at: HashMap<String, usize>,
}

/// The last node listed. A node of that name created at another time is
/// another node: the listed one was removed and the name taken again.
#[derive(Default)]
struct Last {
    name: String,
    created_ms: i64,
}

impl Last {
    fn is(&self, n: &Node) -> bool {
        n.name == self.name && n.created_ms == self.created_ms
    }
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
    let mut index = BuiltIndex {
        len: 0,
        last: Last::default(),
        at: HashMap::with_capacity(nodes.len()),
    };
    index.append(nodes);
    index
}

impl BuiltIndex {
    /// Lists the nodes appended since it last listed.
    fn append(&mut self, nodes: &[Arc<Node>]) {
        let new = &nodes[self.len..];
        let Some(last) = new.last() else { return };
        for (i, n) in new.iter().enumerate() {
            self.at.insert(n.name.clone(), self.len + i);
        }
        self.len = nodes.len();
        self.last = Last {
            name: last.name.clone(),
            created_ms: last.created_ms,
        };
    }
}

/// The first `n` items of `items` in `order`, sorted, without sorting the
/// rest: the few nodes a scale-down removes out of thousands.
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
        let current = state
            .built
            .as_ref()
            .is_some_and(|b| b.len <= nodes.len() && b.len > 0 && b.last.is(&nodes[b.len - 1]));
        if !current && state.scans < SCANS_BEFORE_INDEX {
            state.scans += 1;
            return scan();
        }
        let built = &mut state.built;
        match built {
            Some(b) if current => b.append(nodes),
            _ => *built = Some(build_index(nodes)),
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
    pub fn node_page<'a>(
        &'a self,
        catalog: &'a Catalog,
        node_pool: Option<&str>,
        after: Option<&NodeCursor>,
        limit: usize,
    ) -> NodePage<'a> {
        let order = self.listing_order();
        let node = |i: &u32| &*self.nodes[*i as usize];
        let start = after.map_or(0, |c| {
            let after = (c.created_ms, c.name.as_str());
            order.partition_point(|i| node(i).listing_key() <= after)
        });
        let mut rest = order[start..]
            .iter()
            .map(node)
            .filter(|n| node_pool.is_none_or(|p| n.node_pool == p));
        let page: Vec<&Node> = rest.by_ref().take(limit).collect();
        let remaining = rest.count();
        NodePage {
            items: self.node_views(catalog).list(page.iter().copied()),
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
