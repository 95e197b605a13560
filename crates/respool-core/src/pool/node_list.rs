//! A pool's nodes, in the order they joined, held in chunks that versions
//! of the pool share. A change copies the chunk it touches and the list of
//! chunks, not the thousands of nodes; a chunk that stayed the same is the
//! very same chunk in both versions, so telling two versions apart skips it
//! whole. Each chunk knows, once asked, the names, node pools and earliest
//! due time of its nodes: a lookup by name, the nodes of one node pool and
//! the nodes due by some time read only the chunks that can hold them.

use std::ops::{Deref, DerefMut, Index, IndexMut};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Node;

/// Nodes a chunk is filled to before a new one starts.
const CHUNK: usize = 64;

#[derive(Clone, Default)]
pub struct NodeList(Arc<Chunks>);

#[derive(Clone, Default)]
struct Chunks {
    /// Never an empty chunk.
    chunks: Vec<Arc<Chunk>>,
    /// Where each chunk starts in the list.
    starts: Vec<usize>,
    len: usize,
}

/// A copy keeps what was worked out: it holds the same nodes.
#[derive(Clone)]
struct Chunk {
    nodes: Vec<Arc<Node>>,
    /// Worked out of `nodes` when first asked; a change clears it or, for a
    /// node changed in place ([`NodeMut`]), keeps it current.
    meta: OnceLock<Meta>,
}

/// What lookups read of a chunk instead of its nodes.
#[derive(Clone)]
struct Meta {
    /// Hashes of the names, with where each is, sorted.
    names: Vec<(u64, u32)>,
    /// Hashes of the node pools of its nodes, each once.
    pools: Vec<u64>,
    /// The earliest end of a node's stage or driver upgrade.
    due: Option<i64>,
}

/// FNV-1a: names are short, and every hit is checked against the name.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// When `n`'s stage or driver upgrade ends, the earlier of the two.
pub(crate) fn earliest_due(n: &Node) -> Option<i64> {
    earliest([
        n.due_ms,
        n.extra.driver_upgrade.as_ref().map(|(_, due)| *due),
    ])
}

pub(crate) fn earliest<const N: usize>(times: [Option<i64>; N]) -> Option<i64> {
    times.into_iter().flatten().min()
}

impl Chunk {
    fn new(nodes: Vec<Arc<Node>>) -> Self {
        Chunk {
            nodes,
            meta: OnceLock::new(),
        }
    }

    fn meta(&self) -> &Meta {
        self.meta.get_or_init(|| {
            let mut names: Vec<(u64, u32)> = (self.nodes.iter().enumerate())
                .map(|(i, n)| (hash(&n.name), i as u32))
                .collect();
            names.sort_unstable();
            let mut pools: Vec<u64> = self.nodes.iter().map(|n| hash(&n.node_pool)).collect();
            pools.sort_unstable();
            pools.dedup();
            Meta {
                names,
                pools,
                due: self.earliest_due(),
            }
        })
    }

    fn earliest_due(&self) -> Option<i64> {
        self.nodes.iter().filter_map(|n| earliest_due(n)).min()
    }

    /// Where the node named `name` (of hash `h`) is in this chunk.
    fn position(&self, name: &str, h: u64) -> Option<usize> {
        let names = &self.meta().names;
        let from = names.partition_point(|(k, _)| *k < h);
        names[from..]
            .iter()
            .take_while(|(k, _)| *k == h)
            .map(|(_, i)| *i as usize)
            .find(|&i| self.nodes[i].name == name)
    }
}

impl Chunks {
    /// Works out where each chunk starts, and the length, after chunks changed.
    fn recount(&mut self) {
        self.starts.clear();
        let mut at = 0;
        for c in &self.chunks {
            self.starts.push(at);
            at += c.nodes.len();
        }
        self.len = at;
    }

    /// The chunk holding position `i`, and where in it.
    fn locate(&self, i: usize) -> (usize, usize) {
        assert!(i < self.len, "node {i} of {}", self.len);
        let c = self.starts.partition_point(|&s| s <= i) - 1;
        (c, i - self.starts[c])
    }

    /// Chunk `c`, to change: its own copy once shared, its summary cleared.
    fn chunk_mut(&mut self, c: usize) -> &mut Vec<Arc<Node>> {
        let chunk = Arc::make_mut(&mut self.chunks[c]);
        chunk.meta = OnceLock::new();
        &mut chunk.nodes
    }

    /// After removals: chunks emptied go, and a list gone thin is packed again.
    fn settle(&mut self) {
        self.chunks.retain(|c| !c.nodes.is_empty());
        self.recount();
        if self.chunks.len() > 2 * self.len.div_ceil(CHUNK) + 1 {
            let nodes: Vec<Arc<Node>> = self.chunks.iter().flat_map(|c| c.nodes.clone()).collect();
            *self = Chunks::from(nodes);
        }
    }
}

impl From<Vec<Arc<Node>>> for Chunks {
    fn from(nodes: Vec<Arc<Node>>) -> Self {
        let mut c = Chunks {
            chunks: nodes
                .chunks(CHUNK)
                .map(|c| Arc::new(Chunk::new(c.to_vec())))
                .collect(),
            ..Chunks::default()
        };
        c.recount();
        c
    }
}

impl NodeList {
    pub fn len(&self) -> usize {
        self.0.len
    }

    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&Arc<Node>> {
        (i < self.len()).then(|| &self[i])
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            chunks: self.0.chunks.iter(),
            front: [].iter(),
            back: [].iter(),
            left: self.len(),
        }
    }

    /// Whether both are the same version of a list (not merely equal).
    pub fn same(a: &NodeList, b: &NodeList) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// Where the node named `name` is, from the newest chunk back: the
    /// nodes a change is about are mostly the newest.
    pub fn position(&self, name: &str) -> Option<usize> {
        let (c, h) = (&self.0, hash(name));
        (0..c.chunks.len())
            .rev()
            .find_map(|k| c.chunks[k].position(name, h).map(|i| c.starts[k] + i))
    }

    /// Positions of the nodes that may be in node pool `node_pool` (the
    /// caller checks each): those of the chunks that hold any.
    pub fn in_node_pool(&self, node_pool: &str) -> impl Iterator<Item = usize> + '_ {
        let h = hash(node_pool);
        self.spans(move |m| m.pools.binary_search(&h).is_ok())
    }

    /// Positions of the nodes whose stage or driver upgrade may end by `t`
    /// (the caller checks each): those of the chunks where one does.
    pub fn due_by(&self, t: i64) -> impl Iterator<Item = usize> + '_ {
        self.spans(move |m| m.due.is_some_and(|d| d <= t))
    }

    fn spans<'a>(
        &'a self,
        wanted: impl Fn(&Meta) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        let c = &self.0;
        (c.chunks.iter().zip(&c.starts))
            .filter(move |(chunk, _)| wanted(chunk.meta()))
            .flat_map(|(chunk, &start)| start..start + chunk.nodes.len())
    }

    fn chunks_mut(&mut self) -> &mut Chunks {
        Arc::make_mut(&mut self.0)
    }

    /// The node at `i`, to change in place: a copy of its own once shared.
    /// Its chunk's names, node pools and due time follow the change.
    pub fn node_mut(&mut self, i: usize) -> NodeMut<'_> {
        let c = self.chunks_mut();
        let (k, o) = c.locate(i);
        let chunk = Arc::make_mut(&mut c.chunks[k]);
        let n = &chunk.nodes[o];
        NodeMut {
            was: Marks::of(n),
            chunk,
            o,
        }
    }

    /// The node at `i`, to replace or change (`Arc::make_mut`).
    pub fn get_mut(&mut self, i: usize) -> &mut Arc<Node> {
        let c = self.chunks_mut();
        let (k, o) = c.locate(i);
        &mut c.chunk_mut(k)[o]
    }

    pub fn push(&mut self, node: Arc<Node>) {
        let c = self.chunks_mut();
        match c.chunks.last().map(|l| l.nodes.len()) {
            Some(n) if n < CHUNK => {
                let last = c.chunks.len() - 1;
                c.chunk_mut(last).push(node);
            }
            _ => {
                c.starts.push(c.len);
                c.chunks.push(Arc::new(Chunk::new(vec![node])));
            }
        }
        c.len += 1;
    }

    pub fn remove(&mut self, i: usize) -> Arc<Node> {
        let c = self.chunks_mut();
        let (k, o) = c.locate(i);
        let n = c.chunk_mut(k).remove(o);
        c.settle();
        n
    }

    /// Removes the nodes at `positions` (ascending).
    pub fn remove_all(&mut self, positions: &[usize]) {
        if positions.is_empty() {
            return;
        }
        let c = self.chunks_mut();
        for &i in positions.iter().rev() {
            let (k, o) = c.locate(i);
            c.chunk_mut(k).remove(o);
        }
        c.settle();
    }

    /// Keeps the nodes `keep` says to; chunks it keeps whole stay shared.
    pub fn retain(&mut self, mut keep: impl FnMut(&Arc<Node>) -> bool) {
        let gone: Vec<usize> = (self.iter().enumerate())
            .filter(|(_, n)| !keep(n))
            .map(|(i, _)| i)
            .collect();
        self.remove_all(&gone);
    }

    pub fn truncate(&mut self, len: usize) {
        self.remove_all(&(len..self.len()).collect::<Vec<_>>());
    }

    pub fn clear(&mut self) {
        self.0 = Arc::default();
    }
}

impl Index<usize> for NodeList {
    type Output = Arc<Node>;

    fn index(&self, i: usize) -> &Arc<Node> {
        let (k, o) = self.0.locate(i);
        &self.0.chunks[k].nodes[o]
    }
}

/// The node at `i`, to replace or change: see [`NodeList::get_mut`].
impl IndexMut<usize> for NodeList {
    fn index_mut(&mut self, i: usize) -> &mut Arc<Node> {
        self.get_mut(i)
    }
}

impl From<Vec<Arc<Node>>> for NodeList {
    fn from(nodes: Vec<Arc<Node>>) -> Self {
        NodeList(Arc::new(Chunks::from(nodes)))
    }
}

impl FromIterator<Arc<Node>> for NodeList {
    fn from_iter<I: IntoIterator<Item = Arc<Node>>>(nodes: I) -> Self {
        NodeList::from(nodes.into_iter().collect::<Vec<_>>())
    }
}

impl Extend<Arc<Node>> for NodeList {
    fn extend<I: IntoIterator<Item = Arc<Node>>>(&mut self, nodes: I) {
        for n in nodes {
            self.push(n);
        }
    }
}

impl<'a> IntoIterator for &'a NodeList {
    type Item = &'a Arc<Node>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl PartialEq for NodeList {
    fn eq(&self, other: &Self) -> bool {
        NodeList::same(self, other) || self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for NodeList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for NodeList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for NodeList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Arc<Node>>::deserialize(d).map(NodeList::from)
    }
}

/// A node of a list being changed in place ([`NodeList::node_mut`]).
pub struct NodeMut<'a> {
    chunk: &'a mut Chunk,
    o: usize,
    was: Marks,
}

/// What a chunk's summary reads of a node.
#[derive(PartialEq)]
struct Marks {
    name: u64,
    pool: u64,
    due: Option<i64>,
}

impl Marks {
    fn of(n: &Node) -> Marks {
        Marks {
            name: hash(&n.name),
            pool: hash(&n.node_pool),
            due: earliest_due(n),
        }
    }
}

impl Deref for NodeMut<'_> {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.chunk.nodes[self.o]
    }
}

impl DerefMut for NodeMut<'_> {
    fn deref_mut(&mut self) -> &mut Node {
        Arc::make_mut(&mut self.chunk.nodes[self.o])
    }
}

/// Keeps the chunk's summary current: a new due time is worked in; a new
/// name or node pool (which no operation makes) clears it.
impl Drop for NodeMut<'_> {
    fn drop(&mut self) {
        let now = Marks::of(&self.chunk.nodes[self.o]);
        if now == self.was {
            return;
        }
        if (now.name, now.pool) != (self.was.name, self.was.pool) {
            self.chunk.meta = OnceLock::new();
            return;
        }
        let due = self.chunk.earliest_due();
        if let Some(meta) = self.chunk.meta.get_mut() {
            meta.due = due;
        }
    }
}

/// The nodes in list order.
pub struct Iter<'a> {
    chunks: std::slice::Iter<'a, Arc<Chunk>>,
    front: std::slice::Iter<'a, Arc<Node>>,
    back: std::slice::Iter<'a, Arc<Node>>,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Arc<Node>;

    fn next(&mut self) -> Option<&'a Arc<Node>> {
        loop {
            if let Some(n) = self.front.next() {
                self.left -= 1;
                return Some(n);
            }
            match self.chunks.next() {
                Some(c) => self.front = c.nodes.iter(),
                None => {
                    let n = self.back.next()?;
                    self.left -= 1;
                    return Some(n);
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(n) = self.back.next_back() {
                self.left -= 1;
                return Some(n);
            }
            match self.chunks.next_back() {
                Some(c) => self.back = c.nodes.iter(),
                None => {
                    let n = self.front.next_back()?;
                    self.left -= 1;
                    return Some(n);
                }
            }
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// A place in a list, walked chunk by chunk: what telling two versions
/// apart needs to skip the chunks they share.
pub(crate) struct Cursor<'a> {
    chunks: &'a [Arc<Chunk>],
    c: usize,
    o: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(list: &'a NodeList) -> Self {
        Cursor {
            chunks: &list.0.chunks,
            c: 0,
            o: 0,
        }
    }

    pub fn peek(&self) -> Option<&'a Arc<Node>> {
        self.chunks.get(self.c).map(|c| &c.nodes[self.o])
    }

    pub fn advance(&mut self) {
        self.o += 1;
        if self.o == self.chunks[self.c].nodes.len() {
            self.c += 1;
            self.o = 0;
        }
    }

    /// Moves both past the chunks they share, when both are at the start of one.
    pub fn skip_shared(a: &mut Cursor<'_>, b: &mut Cursor<'_>) {
        while a.o == 0
            && b.o == 0
            && a.c < a.chunks.len()
            && b.c < b.chunks.len()
            && Arc::ptr_eq(&a.chunks[a.c], &b.chunks[b.c])
        {
            a.c += 1;
            b.c += 1;
        }
    }

    /// The nodes from here to the end.
    pub fn rest(self) -> impl Iterator<Item = &'a Arc<Node>> {
        let (c, o) = (self.c, self.o);
        let first = self.chunks.get(c).map_or(&[][..], |k| &k.nodes[o..]);
        first
            .iter()
            .chain(self.chunks.iter().skip(c + 1).flat_map(|k| k.nodes.iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::NodePhase;

    fn node(i: usize) -> Arc<Node> {
        Arc::new(Node {
            name: format!("n{i}"),
            flavor: "f".into(),
            node_pool: format!("np{}", i / 100),
            az: "az".into(),
            phase: NodePhase::Available,
            created_ms: i as i64,
            due_ms: i.is_multiple_of(97).then_some(i as i64),
            private_ip: "10.0.0.1".into(),
            extra: Default::default(),
        })
    }

    fn names(l: &NodeList) -> Vec<String> {
        l.iter().map(|n| n.name.clone()).collect()
    }

    #[test]
    fn it_behaves_as_the_vector_it_replaces() {
        let mut v: Vec<Arc<Node>> = (0..300).map(node).collect();
        let mut l = NodeList::from(v.clone());
        type Step = dyn Fn(&mut Vec<Arc<Node>>, &mut NodeList);
        let steps: [&Step; 6] = [
            &|v, l| {
                v.remove(70);
                l.remove(70);
            },
            &|v, l| {
                v.push(node(1000));
                l.push(node(1000));
            },
            &|v, l| {
                v.retain(|n| n.created_ms % 3 != 0);
                l.retain(|n| n.created_ms % 3 != 0);
            },
            &|v, l| {
                Arc::make_mut(&mut v[5]).phase = NodePhase::Deleting;
                Arc::make_mut(l.get_mut(5)).phase = NodePhase::Deleting;
            },
            &|v, l| {
                v.drain(10..150);
                l.remove_all(&(10..150).collect::<Vec<_>>());
            },
            &|v, l| {
                for i in 2000..2200 {
                    v.push(node(i));
                    l.push(node(i));
                }
            },
        ];
        for step in steps {
            let (before, was) = (l.clone(), v.clone());
            step(&mut v, &mut l);
            assert_eq!(l.len(), v.len());
            assert_eq!(
                names(&l),
                v.iter().map(|n| n.name.clone()).collect::<Vec<_>>()
            );
            assert!(l.iter().rev().eq(v.iter().rev()));
            assert_eq!(l.iter().len(), v.len());
            for (i, n) in v.iter().enumerate() {
                assert_eq!(l[i], *n);
                assert_eq!(l.position(&n.name), Some(i));
            }
            assert_eq!(l.position("nobody"), None);
            // The version before is untouched.
            assert!(before.iter().eq(was.iter()));
            assert_ne!(before, l);
        }
    }

    #[test]
    fn lookups_read_only_the_chunks_that_can_hold_what_they_look_for() {
        let mut l: NodeList = (0..1000).map(node).collect();
        let pool7: Vec<usize> = l.in_node_pool("np7").collect();
        assert!(pool7.len() < 200, "{} positions", pool7.len());
        assert!((700..800).all(|i| pool7.contains(&i)));
        let due: Vec<usize> = l.due_by(300).collect();
        assert!(due.len() <= 4 * CHUNK, "{} positions", due.len());
        for i in [0, 97, 194, 291] {
            assert!(due.contains(&i));
        }
        // A change shows at once, made in place or through the `Arc`.
        l.node_mut(999).due_ms = Some(5);
        assert!(l.due_by(5).any(|i| i == 999));
        l.node_mut(999).due_ms = None;
        assert!(!l.due_by(5).any(|i| i == 999));
        l.node_mut(998).node_pool = "late".into();
        assert!(l.in_node_pool("late").any(|i| i == 998));
        Arc::make_mut(l.get_mut(997)).due_ms = Some(6);
        assert!(l.due_by(6).any(|i| i == 997));
        assert_eq!(l.position("n998"), Some(998));
    }

    #[test]
    fn a_node_changed_in_place_keeps_its_chunk_summary_current() {
        let mut l: NodeList = (0..128).map(node).collect();
        assert_eq!(l.due_by(i64::MAX).count(), 2 * CHUNK);
        let copy = l.clone();
        // Node 0 is the first chunk's only one with a due time.
        l.node_mut(0).due_ms = None;
        let chunk = &l.0.chunks[0];
        assert_eq!(
            chunk.meta.get().map(|m| m.due),
            Some(None),
            "kept, not cleared"
        );
        assert_eq!(l.due_by(i64::MAX).count(), CHUNK);
        l.node_mut(3).phase = NodePhase::Deleting;
        assert!(l.0.chunks[0].meta.get().is_some(), "same marks: kept");
        // The copy made before is untouched.
        assert_eq!(copy.due_by(i64::MAX).count(), 2 * CHUNK);
        assert_eq!(copy[3].phase, NodePhase::Available);
    }

    #[test]
    fn a_change_copies_one_chunk_and_shares_the_rest() {
        let before: NodeList = (0..1000).map(node).collect();
        let mut after = before.clone();
        Arc::make_mut(after.get_mut(500)).phase = NodePhase::Deleting;
        let shared = (before.0.chunks.iter().zip(&after.0.chunks))
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count();
        assert_eq!(shared, before.0.chunks.len() - 1);
    }

    #[test]
    fn removals_do_not_leave_the_list_in_slivers() {
        let mut l: NodeList = (0..1000).map(node).collect();
        for i in (0..1000).rev().step_by(2) {
            l.remove(i);
        }
        assert_eq!(l.len(), 500);
        assert!(l.0.chunks.len() <= 2 * 500usize.div_ceil(CHUNK) + 1);
        assert!(l.0.chunks.iter().all(|c| !c.nodes.is_empty()));
        l.clear();
        assert!(l.is_empty() && l.iter().next().is_none());
    }
}
