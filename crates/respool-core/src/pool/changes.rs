//! How a pool's nodes changed between two versions of it: what a new order
//! lists, and what the store writes. Nodes are shared (`Arc`) between
//! versions, and a node changed since is a new `Arc` (see
//! [`PoolState::node_mut`](super::PoolState)), so an unchanged node is the
//! very same one; so is an unchanged chunk of them ([`NodeList`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::node_list::{Cursor, NodeList};
use super::Node;

/// The nodes as the store last read or wrote them, shared rather than
/// copied, so a write sends just the nodes that differ. `incarnation`
/// tells a pool from an earlier one of the same name.
#[derive(Clone, Default)]
pub struct StoredNodes {
    pub incarnation: i64,
    pub nodes: NodeList,
}

/// What the store last saw is no part of what a pool is.
impl PartialEq for StoredNodes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for StoredNodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredNodes({})", self.nodes.len())
    }
}

/// How `after` differs from `before`.
#[derive(Debug, Default)]
pub struct NodeChanges<'a> {
    /// Nodes new (`None`) or changed (with what they were), in `after`'s order.
    pub changed: Vec<(Option<&'a Node>, &'a Node)>,
    /// Nodes of `before` that `after` lacks.
    pub removed: Vec<&'a Node>,
}

/// Nodes are only ever appended or removed, never reordered, so one walk of
/// both lists finds the changes in a 10,000-node pool without hashing a
/// name, and skips the chunks both share. Should the order ever differ,
/// the names decide.
pub fn node_changes<'a>(before: &'a NodeList, after: &'a NodeList) -> NodeChanges<'a> {
    let mut changes = NodeChanges::default();
    if NodeList::same(before, after) {
        return changes;
    }
    let (mut b, mut a) = (Cursor::new(before), Cursor::new(after));
    loop {
        Cursor::skip_shared(&mut a, &mut b);
        let Some(n) = a.peek() else { break };
        while let Some(x) = b.peek().filter(|x| !Arc::ptr_eq(x, n) && x.name != n.name) {
            changes.removed.push(x);
            b.advance();
        }
        match b.peek() {
            Some(x) => {
                if !Arc::ptr_eq(x, n) {
                    changes.changed.push((Some(x), n));
                }
                b.advance();
            }
            None => changes.changed.push((None, n)),
        }
        a.advance();
    }
    changes.removed.extend(b.rest().map(|n| &**n));
    // A node taken for removed that is back among the new ones means the
    // order differed.
    let removed: HashSet<&str> = changes.removed.iter().map(|n| n.name.as_str()).collect();
    let reordered = changes
        .changed
        .iter()
        .any(|(was, n)| was.is_none() && removed.contains(n.name.as_str()));
    if reordered {
        by_name(before, after)
    } else {
        changes
    }
}

fn by_name<'a>(before: &'a NodeList, after: &'a NodeList) -> NodeChanges<'a> {
    let was: HashMap<&str, &Arc<Node>> = before.iter().map(|n| (n.name.as_str(), n)).collect();
    let now: HashSet<&str> = after.iter().map(|n| n.name.as_str()).collect();
    NodeChanges {
        changed: after
            .iter()
            .filter_map(|n| match was.get(n.name.as_str()) {
                Some(b) if Arc::ptr_eq(b, n) => None,
                b => Some((b.map(|b| &***b), &**n)),
            })
            .collect(),
        removed: before
            .iter()
            .filter(|n| !now.contains(n.name.as_str()))
            .map(|n| &**n)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::NodePhase;

    fn node(name: &str) -> Arc<Node> {
        Arc::new(Node {
            name: name.into(),
            flavor: "f".into(),
            node_pool: "np".into(),
            az: "az".into(),
            phase: NodePhase::Creating,
            created_ms: 0,
            due_ms: None,
            private_ip: "10.0.0.1".into(),
            extra: Default::default(),
        })
    }

    fn names(changes: &NodeChanges<'_>) -> (Vec<(Option<String>, String)>, Vec<String>) {
        (
            changes
                .changed
                .iter()
                .map(|(b, n)| (b.map(|b| b.name.clone()), n.name.clone()))
                .collect(),
            changes.removed.iter().map(|n| n.name.clone()).collect(),
        )
    }

    fn some(s: &str) -> (Option<String>, String) {
        (Some(s.into()), s.into())
    }

    fn new(s: &str) -> (Option<String>, String) {
        (None, s.into())
    }

    #[test]
    fn one_walk_finds_changed_removed_and_appended_nodes() {
        let before: Vec<_> = ["a", "b", "c", "d"].map(node).into();
        let mut after = before.clone();
        Arc::make_mut(&mut after[2]).phase = NodePhase::Available;
        after.remove(1);
        after.remove(2);
        after.push(node("e"));
        let (before, after) = (NodeList::from(before), NodeList::from(after));
        let got = names(&node_changes(&before, &after));
        assert_eq!(
            got,
            (vec![some("c"), new("e")], vec!["b".into(), "d".into()])
        );
        assert!(node_changes(&before, &before).changed.is_empty());
    }

    #[test]
    fn a_different_order_is_told_by_names() {
        let before: Vec<_> = ["a", "b", "c"].map(node).into();
        let after = vec![before[2].clone(), before[0].clone(), node("x")];
        let got = names(&node_changes(&before.into(), &after.into()));
        assert_eq!(got, (vec![new("x")], vec!["b".into()]));
    }

    /// Changes spread over many chunks, found by the walk as by the names.
    #[test]
    fn the_walk_skips_shared_chunks_and_misses_nothing() {
        let before: NodeList = (0..2000).map(|i| node(&format!("n{i}"))).collect();
        let mut after = before.clone();
        for i in [1999, 1500, 1023, 640, 639, 64, 63, 0] {
            after.remove(i);
        }
        after.remove_all(&(100..300).collect::<Vec<_>>());
        for i in [5, 700, after.len() - 1] {
            Arc::make_mut(after.get_mut(i)).phase = NodePhase::Available;
        }
        after.push(node("new"));
        let sorted = |(mut c, mut r): (Vec<(Option<String>, String)>, Vec<String>)| {
            c.sort();
            r.sort();
            (c, r)
        };
        let walked = sorted(names(&node_changes(&before, &after)));
        assert_eq!(walked, sorted(names(&by_name(&before, &after))));
        assert_eq!((walked.0.len(), walked.1.len()), (4, 208));
    }
}
