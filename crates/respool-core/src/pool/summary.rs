//! What the status, the phase, the events and the lifecycle read of all the
//! nodes at once: worked out in one pass, kept with the node list it was
//! made from (and by the store's copy of that list), and brought up to date
//! from the nodes that changed. A change of a big pool asked these of its
//! thousands of nodes a dozen times over.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::changes::{node_changes, NodeChanges};
use super::node_list::{earliest, earliest_due};
use super::{Node, NodeList, NodePhase, PoolState};

/// Nodes per bucket: creating, available, abnormal or checking, deleting.
pub(crate) type Buckets = [i64; 4];

/// A node's bucket, in the order `status.resources` lists them.
pub(crate) fn bucket_of(phase: NodePhase) -> usize {
    match phase {
        NodePhase::Creating => 0,
        NodePhase::Available => 1,
        // There is no bucket for nodes that reboot or are re-imaged: they are not ready.
        NodePhase::Abnormal | NodePhase::Checking => 2,
        NodePhase::Deleting => 3,
    }
}

/// The nodes of one node pool and flavor, per AZ and bucket.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub node_pool: String,
    pub flavor: String,
    pub azs: BTreeMap<String, Buckets>,
}

impl Group {
    fn key(&self) -> (&str, &str) {
        (&self.node_pool, &self.flavor)
    }

    /// The group's nodes not on their way out.
    pub fn live(&self) -> i64 {
        let deleting = bucket_of(NodePhase::Deleting);
        let buckets = self.azs.values().flat_map(|c| c.iter().enumerate());
        buckets
            .filter(|(b, _)| *b != deleting)
            .map(|(_, n)| n)
            .sum()
    }

    /// Adds this group's nodes to `counts`: per bucket, per AZ.
    pub fn add_to<'a>(&'a self, counts: &mut [BTreeMap<&'a str, i64>; 4]) {
        for (az, c) in &self.azs {
            for (b, n) in c.iter().enumerate().filter(|(_, n)| **n > 0) {
                *counts[b].entry(az).or_default() += n;
            }
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct NodeSummary {
    /// Groups by node pool, then flavor.
    pub groups: Vec<Group>,
    /// Nodes `Abnormal` (not merely `Checking`).
    abnormal: usize,
    /// Nodes whose driver is being upgraded.
    upgrading: usize,
    /// Nodes locked against deletion that are not on their way out.
    locked: usize,
    /// The first driver version a node reports.
    pub driver_version: Option<String>,
    /// When each node's stage or driver upgrade ends (how many end then).
    dues: BTreeMap<i64, usize>,
    /// The same, leaving out the stages of `Deleting` nodes (a stuck deletion).
    dues_not_deleting: BTreeMap<i64, usize>,
    /// When each node's own stage ends (how many end then).
    stage_dues: BTreeMap<i64, usize>,
}

impl NodeSummary {
    fn of(nodes: &NodeList) -> NodeSummary {
        let mut s = NodeSummary::default();
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        // Neighbouring nodes mostly share a node pool: the last group is tried first.
        let mut last: Option<usize> = None;
        for n in nodes {
            let same = |g: &Group| g.node_pool == n.node_pool && g.flavor == n.flavor;
            let g = match last {
                Some(g) if same(&s.groups[g]) => g,
                _ => *index.entry((&n.node_pool, &n.flavor)).or_insert_with(|| {
                    s.groups.push(Group {
                        node_pool: n.node_pool.clone(),
                        flavor: n.flavor.clone(),
                        azs: BTreeMap::new(),
                    });
                    s.groups.len() - 1
                }),
            };
            last = Some(g);
            s.count(g, n, 1);
            if s.driver_version.is_none() {
                s.driver_version = n.extra.driver_version.clone();
            }
        }
        s.groups.sort_by(|a, b| a.key().cmp(&b.key()));
        s
    }

    /// Adds (`sign` 1) or takes away (-1) what node `n` of group `g` counts for.
    fn count(&mut self, g: usize, n: &Node, sign: i64) {
        let azs = &mut self.groups[g].azs;
        let counts = match azs.get_mut(n.az.as_str()) {
            Some(c) => c,
            None => azs.entry(n.az.clone()).or_default(),
        };
        counts[bucket_of(n.phase)] += sign;
        let step = |c: &mut usize| {
            *c = if sign > 0 { *c + 1 } else { *c - 1 };
        };
        if n.phase == NodePhase::Abnormal {
            step(&mut self.abnormal);
        }
        let driver = n.extra.driver_upgrade.as_ref().map(|(_, due)| *due);
        if driver.is_some() {
            step(&mut self.upgrading);
        }
        if n.extra.delete_locked && n.phase != NodePhase::Deleting {
            step(&mut self.locked);
        }
        let own = n.due_ms;
        let tally = |dues: &mut BTreeMap<i64, usize>, due: Option<i64>| {
            let Some(due) = due else { return };
            let c = dues.entry(due).or_default();
            step(c);
            if *c == 0 {
                dues.remove(&due);
            }
        };
        tally(&mut self.dues, earliest_due(n));
        tally(&mut self.stage_dues, own);
        let own = own.filter(|_| n.phase != NodePhase::Deleting);
        tally(&mut self.dues_not_deleting, earliest([own, driver]));
    }

    /// This summary brought up to date with what changed in the list;
    /// `None` when a driver version changed (the first one in the list is
    /// the pool's: a fresh pass tells).
    fn updated(&self, changes: &NodeChanges<'_>) -> Option<NodeSummary> {
        let mut s = self.clone();
        let before = changes.changed.iter().filter_map(|(was, _)| *was);
        let gone = before.chain(changes.removed.iter().copied());
        let new = changes.changed.iter().map(|(_, n)| *n);
        for (n, sign) in gone.map(|n| (n, -1)).chain(new.map(|n| (n, 1))) {
            if n.extra.driver_version.is_some() {
                return None;
            }
            let key = (n.node_pool.as_str(), n.flavor.as_str());
            let g = match s.groups.binary_search_by(|g| g.key().cmp(&key)) {
                Ok(g) => g,
                Err(at) => {
                    s.groups.insert(
                        at,
                        Group {
                            node_pool: n.node_pool.clone(),
                            flavor: n.flavor.clone(),
                            azs: BTreeMap::new(),
                        },
                    );
                    at
                }
            };
            s.count(g, n, sign);
        }
        for g in &mut s.groups {
            g.azs.retain(|_, c| c.iter().any(|n| *n != 0));
        }
        s.groups.retain(|g| !g.azs.is_empty());
        Some(s)
    }

    pub fn any_abnormal(&self) -> bool {
        self.abnormal > 0
    }

    pub fn upgrading(&self) -> bool {
        self.upgrading > 0
    }

    pub fn any_locked(&self) -> bool {
        self.locked > 0
    }

    /// The earliest end of a node's stage or driver upgrade; with
    /// `stuck_deletion`, `Deleting` nodes' stages do not end.
    pub fn next_due(&self, stuck_deletion: bool) -> Option<i64> {
        let dues = if stuck_deletion {
            &self.dues_not_deleting
        } else {
            &self.dues
        };
        dues.keys().next().copied()
    }

    /// Whether some node's own stage ends at `t`.
    pub fn stage_ends_at(&self, t: i64) -> bool {
        self.stage_dues.contains_key(&t)
    }

    /// Nodes per bucket, over all groups.
    pub fn totals(&self) -> Buckets {
        let mut t = [0; 4];
        for c in self.groups.iter().flat_map(|g| g.azs.values()) {
            for (t, c) in t.iter_mut().zip(c) {
                *t += c;
            }
        }
        t
    }
}

/// More changes than one in this many nodes: a fresh pass is as quick.
const FRESH_PASS_FROM: usize = 8;

/// Nodes in listing order (by creation time, then name), as indexes into
/// their list: worked out when a page is first asked of a list, so paging
/// through a big pool takes slices of it rather than sorting every page.
pub(crate) type ListingOrder = Arc<OnceLock<Arc<[u32]>>>;

/// The summary (and listing order) of the node list they were made from,
/// which they hold: that list cannot change while held (`Arc::make_mut`
/// copies a shared list), so they are current exactly when it is the pool's
/// list. When the pool's list is another, the summary is brought up to date
/// from the nodes that differ (`node_changes`: a walk of pointers, not of
/// the nodes), and the order is kept if every node stayed in its place.
#[derive(Default)]
pub struct SummaryMemo(Mutex<Option<Memo>>);

#[derive(Clone)]
struct Memo {
    nodes: NodeList,
    summary: Arc<NodeSummary>,
    order: ListingOrder,
}

impl Clone for SummaryMemo {
    fn clone(&self) -> Self {
        SummaryMemo(Mutex::new(
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        ))
    }
}

/// A derived cache: two pools are equal whatever their memos hold.
impl PartialEq for SummaryMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for SummaryMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SummaryMemo")
    }
}

/// Whether every node of `changes` stayed where it was, under its name and
/// creation time: then the listing order stays too.
fn same_places(changes: &NodeChanges<'_>) -> bool {
    changes.removed.is_empty()
        && changes
            .changed
            .iter()
            .all(|(was, n)| was.is_some_and(|w| w.name == n.name && w.created_ms == n.created_ms))
}

fn listing_order(nodes: &NodeList) -> Arc<[u32]> {
    let keys: Vec<(i64, &str)> = nodes.iter().map(|n| n.listing_key()).collect();
    let mut order: Vec<u32> = (0..nodes.len() as u32).collect();
    order.sort_unstable_by_key(|i| keys[*i as usize]);
    order.into()
}

fn is_listing_order(nodes: &NodeList, order: &[u32]) -> bool {
    let key = |i: u32| nodes[i as usize].listing_key();
    order.windows(2).all(|w| key(w[0]) < key(w[1]))
}

impl PoolState {
    /// The memo, brought up to date with the node list.
    fn memo(&self) -> Memo {
        let mut memo = self
            .summary
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (summary, order) = match memo.as_ref() {
            Some(m) if NodeList::same(&m.nodes, &self.nodes) => return m.clone(),
            Some(m) => {
                let changes = node_changes(&m.nodes, &self.nodes);
                let many = (changes.changed.len() + changes.removed.len()) * FRESH_PASS_FROM
                    > self.nodes.len();
                let summary = match m.summary.updated(&changes).filter(|_| !many) {
                    Some(updated) => {
                        debug_assert_eq!(updated, NodeSummary::of(&self.nodes));
                        updated
                    }
                    None => NodeSummary::of(&self.nodes),
                };
                let order = if same_places(&changes) {
                    m.order.clone()
                } else {
                    ListingOrder::default()
                };
                (summary, order)
            }
            None => (NodeSummary::of(&self.nodes), ListingOrder::default()),
        };
        let m = Memo {
            nodes: self.nodes.clone(),
            summary: Arc::new(summary),
            order,
        };
        *memo = Some(m.clone());
        m
    }

    /// The memo as of the current nodes, for a copy of them kept elsewhere
    /// (the store's cache), so that readers of that copy share its work.
    pub fn current_memo(&self) -> SummaryMemo {
        SummaryMemo(Mutex::new(Some(self.memo())))
    }

    pub(crate) fn node_summary(&self) -> Arc<NodeSummary> {
        self.memo().summary
    }

    /// The nodes in listing order, as indexes into [`PoolState::nodes`].
    pub(crate) fn listing_order(&self) -> Arc<[u32]> {
        let m = self.memo();
        let order = m.order.get_or_init(|| listing_order(&m.nodes)).clone();
        debug_assert!(order.len() == self.nodes.len() && is_listing_order(&self.nodes, &order));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, phase: NodePhase, due: Option<i64>) -> Arc<Node> {
        Arc::new(Node {
            name: name.into(),
            flavor: "f".into(),
            node_pool: "np".into(),
            az: "az-1".into(),
            phase,
            created_ms: 0,
            due_ms: due,
            private_ip: String::new(),
            extra: Default::default(),
        })
    }

    fn pool(nodes: Vec<Arc<Node>>) -> PoolState {
        let mut p = super::super::records::tests::create(1, false, &[]);
        p.nodes = nodes.into();
        p
    }

    #[test]
    fn every_change_of_the_list_is_seen() {
        let mut p = pool(vec![node("a", NodePhase::Available, None)]);
        assert!(!p.node_summary().any_abnormal());
        // Changed: the list is copied, and the summary brought up to date.
        p.node_at_mut(0).phase = NodePhase::Abnormal;
        assert!(p.node_summary().any_abnormal());
        // A copy shares the summary until one of them changes.
        let mut q = p.clone();
        assert!(Arc::ptr_eq(&p.node_summary(), &q.node_summary()));
        q.nodes_mut().push(node("b", NodePhase::Creating, Some(5)));
        assert_eq!(q.node_summary().totals(), [1, 0, 1, 0]);
        assert_eq!(p.node_summary().totals(), [0, 0, 1, 0]);
        // A list put in its place.
        p.nodes = vec![node("c", NodePhase::Deleting, Some(3))].into();
        let s = p.node_summary();
        assert_eq!((s.next_due(false), s.next_due(true)), (Some(3), None));
    }

    /// Changes of a few nodes at a time, as writes make them: the summary
    /// brought up to date is the one a fresh pass makes.
    #[test]
    fn a_summary_and_order_brought_up_to_date_are_fresh_ones() {
        let phases = [
            NodePhase::Creating,
            NodePhase::Available,
            NodePhase::Abnormal,
            NodePhase::Deleting,
            NodePhase::Checking,
        ];
        let mut nodes: Vec<Arc<Node>> = (0..64)
            .map(|i| node(&format!("n{i}"), NodePhase::Available, None))
            .collect();
        for (i, n) in nodes.iter_mut().enumerate() {
            let n = Arc::make_mut(n);
            n.node_pool = format!("np-{}", i % 3);
            n.az = format!("az-{}", i % 2);
            n.created_ms = (i % 5) as i64;
        }
        let mut p = pool(nodes);
        let mut seed: u64 = 7;
        let mut next = |below: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % below
        };
        let (mut updated, mut orders_kept) = (0, 0);
        for step in 0..400 {
            let len = p.nodes.len();
            match next(4) {
                0 if len > 40 => {
                    let i = next(len);
                    p.nodes_mut().remove(i);
                }
                1 => {
                    let mut n =
                        (*node(&format!("new{step}"), NodePhase::Creating, Some(9))).clone();
                    n.node_pool = format!("np-{}", next(3));
                    n.created_ms = next(7) as i64;
                    p.nodes_mut().push(Arc::new(n));
                }
                _ => {
                    let (i, phase, due) = (next(len), phases[next(5)], next(50) as i64);
                    let mut n = p.node_at_mut(i);
                    n.phase = phase;
                    n.due_ms = (due % 3 != 0).then_some(due);
                    n.extra.driver_upgrade = (due % 7 == 0).then(|| ("v2".into(), due + 1));
                    n.extra.delete_locked = due % 5 == 0;
                }
            }
            let before = p.summary.0.lock().unwrap().clone();
            let summary = p.node_summary();
            let was = |m: &Memo| Arc::ptr_eq(&m.summary, &summary);
            updated += usize::from(before.as_ref().is_some_and(|b| !was(b)));
            assert_eq!(*summary, NodeSummary::of(&p.nodes), "after step {step}");
            let order = p.listing_order();
            let kept = |m: &Memo| m.order.get().is_some_and(|o| Arc::ptr_eq(o, &order));
            orders_kept += usize::from(before.as_ref().is_some_and(kept));
            assert_eq!(order, listing_order(&p.nodes), "after step {step}");
        }
        assert!(updated > 300, "brought up to date {updated} times");
        assert!(orders_kept > 100, "listing order kept {orders_kept} times");
    }
}
