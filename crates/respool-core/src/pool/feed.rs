//! What a write shows the watchers of a project's change feed: the pool
//! itself (the store adds it), and the nodes the write added, changed or
//! removed, rendered as the API serves them, so that a watcher on any
//! replica reads them as they were at that write.

use crate::flavors::Catalog;

use super::{node_changes, PoolState};

/// How an object changed, as a Kubernetes watch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Modified,
    Deleted,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "ADDED",
            Change::Modified => "MODIFIED",
            Change::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<Change> {
        match s {
            "ADDED" => Some(Change::Added),
            "MODIFIED" => Some(Change::Modified),
            "DELETED" => Some(Change::Deleted),
            _ => None,
        }
    }
}

/// One node a write changed, as served (`api::Node` JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedNode {
    pub name: String,
    pub change: Change,
    pub doc: String,
}

/// The nodes a write is about to change. Not part of what a pool is: two
/// states that differ only here are equal.
#[derive(Debug, Clone, Default)]
pub struct NodeFeed(pub Vec<FeedNode>);

impl PartialEq for NodeFeed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl PoolState {
    /// Renders the nodes that differ from what the store last saw, for the
    /// write about to be made. A node's view depends on its pool (labels,
    /// node pools, plugins), so it is taken now, after every change.
    pub fn stage_node_feed(&mut self, catalog: &Catalog) {
        let changes = node_changes(&self.stored.nodes, &self.nodes);
        let mut views = self.node_views(catalog);
        let mut view = |n| serde_json::to_string(&views.view(n)).expect("a node serializes");
        let mut feed = Vec::with_capacity(changes.changed.len() + changes.removed.len());
        for (before, n) in &changes.changed {
            feed.push(FeedNode {
                name: n.name.clone(),
                change: if before.is_some() {
                    Change::Modified
                } else {
                    Change::Added
                },
                doc: view(n),
            });
        }
        for n in &changes.removed {
            feed.push(FeedNode {
                name: n.name.clone(),
                change: Change::Deleted,
                doc: view(n),
            });
        }
        self.node_feed = NodeFeed(feed);
    }

    /// Every stored node, as removed with the pool.
    pub fn stage_all_nodes_removed(&mut self, catalog: &Catalog) {
        let mut views = self.node_views(catalog);
        let feed = self
            .stored
            .nodes
            .iter()
            .map(|n| FeedNode {
                name: n.name.clone(),
                change: Change::Deleted,
                doc: serde_json::to_string(&views.view(n)).expect("a node serializes"),
            })
            .collect();
        self.node_feed = NodeFeed(feed);
    }
}
