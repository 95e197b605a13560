//! A pool's nodes live in rows of their own (`pool_nodes`), apart from the
//! pool's row, so a change to a pool of 10,000 nodes writes the few nodes it
//! changed and a list of pools reads no nodes at all.
//!
//! Each replica keeps the nodes it last read or wrote of each pool
//! ([`NodeCache`]), valid while the pool's row still has the same
//! incarnation and version: every write bumps the version in the
//! transaction that writes the nodes, so an equal version means equal nodes,
//! whichever replica wrote them. A pool's nodes are read whole only when
//! another replica changed them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use respool_core::pool::{node_changes, NodeList, PoolState, StoredNodes, SummaryMemo};

use crate::StoreError;

/// One node as its row holds it.
pub(crate) struct NodeRow {
    pub name: String,
    pub seq: i64,
    pub body: String,
}

/// What a write of a pool does to its node rows. Owned, so that a write can
/// be queued to the SQLite writer thread.
#[derive(Default)]
pub(crate) struct NodeWrites {
    pub upserts: Vec<NodeRow>,
    pub deletes: Vec<String>,
}

/// The node rows that make the stored nodes of `pool` its current ones, for
/// the write that makes its version `new_version`.
pub(crate) fn node_writes(pool: &PoolState, new_version: i64) -> Result<NodeWrites, StoreError> {
    rows_for(&pool.stored.nodes, &pool.nodes, new_version)
}

fn rows_for(
    stored: &NodeList,
    nodes: &NodeList,
    new_version: i64,
) -> Result<NodeWrites, StoreError> {
    let changes = node_changes(stored, nodes);
    // New nodes join after every stored one: a write's `seq`s are above any
    // earlier write's (a changed node keeps the one it has).
    let base = new_version << 24;
    let upserts = changes
        .changed
        .iter()
        .enumerate()
        .map(|(k, (_, n))| {
            Ok(NodeRow {
                name: n.name.clone(),
                seq: base + k as i64,
                body: serde_json::to_string(n)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let deletes = changes.removed.iter().map(|n| n.name.clone()).collect();
    Ok(NodeWrites { upserts, deletes })
}

/// Rebuilds a pool's nodes from their rows, in the order they joined.
fn decode_nodes(mut rows: Vec<(i64, String)>) -> Result<NodeList, StoreError> {
    rows.sort_unstable_by_key(|r| r.0);
    rows.iter()
        .map(|(_, body)| Ok(Arc::new(serde_json::from_str(body)?)))
        .collect()
}

/// How many nodes a replica keeps at most, over all pools.
const CACHED_NODES: usize = 100_000;

/// The nodes each pool had at its latest version this replica saw.
#[derive(Default)]
pub(crate) struct NodeCache(Mutex<CacheInner>);

#[derive(Default)]
struct CacheInner {
    pools: HashMap<(String, String), Cached>,
    held: usize,
}

struct Cached {
    incarnation: i64,
    version: i64,
    nodes: NodeList,
    /// What the pool worked out of these nodes, kept with them.
    summary: SummaryMemo,
}

impl NodeCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The nodes of the pool at `incarnation` and `version`, if kept.
    fn get(
        &self,
        project_id: &str,
        name: &str,
        incarnation: i64,
        version: i64,
    ) -> Option<(NodeList, SummaryMemo)> {
        let inner = self.inner();
        let c = inner.pools.get(&(project_id.to_owned(), name.to_owned()))?;
        (c.incarnation == incarnation && c.version == version)
            .then(|| (c.nodes.clone(), c.summary.clone()))
    }

    /// Keeps what `pool` (at its current version) stored.
    fn put(&self, pool: &PoolState) {
        let nodes = pool.stored.nodes.clone();
        let mut inner = self.inner();
        let key = (pool.project_id.clone(), pool.name().to_owned());
        if let Some(old) = inner.pools.remove(&key) {
            inner.held -= old.nodes.len();
        }
        if nodes.len() > CACHED_NODES {
            return;
        }
        while inner.held + nodes.len() > CACHED_NODES {
            let Some(evict) = inner.pools.keys().next().cloned() else {
                break;
            };
            let gone = inner.pools.remove(&evict).expect("a key just listed");
            inner.held -= gone.nodes.len();
        }
        inner.held += nodes.len();
        inner.pools.insert(
            key,
            Cached {
                incarnation: pool.stored.incarnation,
                version: pool.version,
                nodes,
                summary: pool.current_memo(),
            },
        );
    }

    pub fn forget(&self, project_id: &str, name: &str) {
        let mut inner = self.inner();
        if let Some(old) = inner
            .pools
            .remove(&(project_id.to_owned(), name.to_owned()))
        {
            inner.held -= old.nodes.len();
        }
    }

    pub fn clear(&self) {
        *self.inner() = CacheInner::default();
    }
}

impl NodeCache {
    /// Gives a pool read from its row (at `incarnation`) the nodes it had
    /// without reading their rows: those its state still holds (a pool
    /// written before nodes had rows of their own: all are written out on
    /// its next write), else this replica's copy. False if neither is there.
    pub fn attach_kept(&self, pool: &mut PoolState, incarnation: i64) -> bool {
        if !pool.nodes.is_empty() {
            pool.stored = StoredNodes {
                incarnation,
                nodes: NodeList::default(),
            };
            return true;
        }
        match self.get(&pool.project_id, pool.name(), incarnation, pool.version) {
            Some((nodes, summary)) => {
                attach(pool, incarnation, nodes);
                pool.summary = summary;
                true
            }
            None => false,
        }
    }

    /// Gives a pool the nodes read from its rows (`(seq, body)`), and keeps them.
    pub fn attach_loaded(
        &self,
        pool: &mut PoolState,
        incarnation: i64,
        rows: Vec<(i64, String)>,
    ) -> Result<(), StoreError> {
        attach(pool, incarnation, decode_nodes(rows)?);
        self.put(pool);
        Ok(())
    }
}

fn attach(pool: &mut PoolState, incarnation: i64, nodes: NodeList) {
    pool.nodes = nodes.clone();
    pool.stored = StoredNodes { incarnation, nodes };
}

/// After a write of `pool` that committed: what it stored is its nodes now.
pub(crate) fn stored(pool: &mut PoolState, cache: &NodeCache) {
    pool.stored.nodes = pool.nodes.clone();
    cache.put(pool);
}

/// The state column: the pool's state without its nodes, which have rows of
/// their own.
pub(crate) fn state_without_nodes(pool: &mut PoolState) -> Result<String, StoreError> {
    let nodes = std::mem::take(&mut pool.nodes);
    let state = serde_json::to_string(pool);
    pool.nodes = nodes;
    Ok(state?)
}

#[cfg(test)]
mod tests {
    use respool_core::pool::{Node, NodePhase};

    use super::*;

    /// Nodes as their rows hold them.
    fn nodes(names: &[&str]) -> NodeList {
        names
            .iter()
            .map(|name| {
                let row = serde_json::json!({
                    "name": name, "flavor": "modelarts.vm.cpu.4ud", "node_pool": "np", "az": "az-1",
                    "phase": "Creating", "created_ms": 1, "due_ms": null, "private_ip": "192.168.0.2"
                });
                Arc::new(serde_json::from_value(row).expect("a node row"))
            })
            .collect()
    }

    fn names(rows: &[NodeRow]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn nodes_never_stored_are_all_written_in_the_order_they_joined() {
        let all = nodes(&["a", "b", "c"]);
        let w = rows_for(&NodeList::default(), &all, 1).unwrap();
        assert_eq!(names(&w.upserts), ["a", "b", "c"]);
        assert!(w.deletes.is_empty());
        assert!(w.upserts.windows(2).all(|r| r[0].seq < r[1].seq));
    }

    #[test]
    fn a_write_sends_just_the_nodes_that_changed() {
        let stored = nodes(&["a", "b", "c", "d"]);
        assert!(rows_for(&stored, &stored, 2).unwrap().upserts.is_empty());

        let mut now = stored.clone();
        Arc::make_mut(&mut now[1]).phase = NodePhase::Available;
        now.remove(2);
        now.extend(nodes(&["e"]).iter().cloned());
        let w = rows_for(&stored, &now, 2).unwrap();
        assert_eq!(names(&w.upserts), ["b", "e"]);
        assert_eq!(w.deletes, ["c"]);
        assert!(
            w.upserts.iter().all(|r| r.seq >= 2 << 24),
            "after every earlier write's"
        );
        let body: Node = serde_json::from_str(&w.upserts[0].body).unwrap();
        assert_eq!(body.phase, NodePhase::Available);
    }

    #[test]
    fn rows_come_back_in_the_order_nodes_joined() {
        let all = nodes(&["x", "a", "m"]);
        let rows = rows_for(&NodeList::default(), &all, 1).unwrap().upserts;
        let shuffled = rows.iter().rev().map(|r| (r.seq, r.body.clone())).collect();
        assert_eq!(decode_nodes(shuffled).unwrap(), all);
    }
}
