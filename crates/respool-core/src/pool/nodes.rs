//! Paging through a pool's nodes, deleting some of them,
//! and paying a pool's order so its nodes get built.

use serde::{Deserialize, Serialize};

use super::node_list::NodeMut;
use super::records::Operation;
use super::{Env, Node, NodeList, NodePhase, NodeViewList, PoolPhase, PoolState};
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
    pub(crate) fn node_mut(&mut self, name: &str) -> Option<NodeMut<'_>> {
        let i = self.node_position(name)?;
        Some(self.node_at_mut(i))
    }

    /// The node at `i` to change (see [`PoolState::node_mut`]).
    pub(crate) fn node_at_mut(&mut self, i: usize) -> NodeMut<'_> {
        self.nodes.node_mut(i)
    }

    /// The list of nodes to change: a list of its own once shared.
    pub fn nodes_mut(&mut self) -> &mut NodeList {
        &mut self.nodes
    }

    /// The index of the node named `name` in `nodes`.
    pub(crate) fn node_position(&self, name: &str) -> Option<usize> {
        self.nodes.position(name)
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
        let rest = &order[start..];
        let (page, remaining): (Vec<&Node>, usize) = match node_pool {
            // Counted, not walked: a page of a 10,000-node pool reads 500.
            None => {
                let page: Vec<&Node> = rest.iter().take(limit).map(node).collect();
                let remaining = rest.len() - page.len();
                (page, remaining)
            }
            Some(p) => {
                let mut rest = rest.iter().map(node).filter(|n| n.node_pool == p);
                (rest.by_ref().take(limit).collect(), rest.count())
            }
        };
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
            self.delete_node_from_spec(i, due);
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
