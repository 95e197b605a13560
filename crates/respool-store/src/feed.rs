//! The change feed as stored: each write of a pool takes the next number of
//! its project and records the objects it changed (see migration 0009).
//! Both backends bump the number first in the write's transaction, so on
//! PostgreSQL a project's writes commit in the order of their numbers and a
//! reader that has seen number `n` has seen every write before it.

use respool_api_types::Pool;
use respool_core::pool::{Change, PoolState};

use crate::orders_events::RecordRow;
use crate::StoreError;

/// How many writes of a project the feed keeps, unless set otherwise.
pub const DEFAULT_HISTORY: i64 = 1000;

/// Where a project's feed stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedHead {
    /// The newest write's number (0: none yet).
    pub seq: i64,
    /// Writes at or below this were trimmed: a watch from before it is too old.
    pub floor: i64,
}

/// A place in the feed: after write `seq`'s object `ord`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedCursor {
    pub seq: i64,
    pub ord: i64,
}

impl FeedCursor {
    /// After every object of write `seq`.
    pub fn after_write(seq: i64) -> Self {
        FeedCursor { seq, ord: i64::MAX }
    }
}

/// What kind of object a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Pool,
    Node,
    Event,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Pool => "pool",
            FeedKind::Node => "node",
            FeedKind::Event => "event",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "pool" => Ok(FeedKind::Pool),
            "node" => Ok(FeedKind::Node),
            "event" => Ok(FeedKind::Event),
            other => Err(StoreError::Corrupt(format!(
                "change of unknown kind {other:?}"
            ))),
        }
    }
}

/// One stored change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub cursor: FeedCursor,
    pub kind: FeedKind,
    pub pool: String,
    pub change: Change,
    /// The object as served, JSON; a pool's carries its `resourceVersion`.
    pub doc: String,
}

impl ChangeRow {
    pub(crate) fn decode(
        seq: i64,
        ord: i64,
        kind: &str,
        pool: String,
        change: &str,
        doc: String,
    ) -> Result<Self, StoreError> {
        Ok(ChangeRow {
            cursor: FeedCursor { seq, ord },
            kind: FeedKind::parse(kind)?,
            pool,
            change: Change::parse(change)
                .ok_or_else(|| StoreError::Corrupt(format!("change {change:?}")))?,
            doc,
        })
    }
}

/// Changes after a cursor, and the head as read after them.
#[derive(Debug, Clone, Default)]
pub struct ChangePage {
    pub head: FeedHead,
    pub changes: Vec<ChangeRow>,
}

/// One change about to be written (its number is known only in the write).
pub(crate) struct NewChange {
    pub kind: FeedKind,
    pub change: Change,
    pub doc: String,
}

/// What a write of `pool` records besides the pool itself: its nodes'
/// changes (as staged by the caller) and the events among its `records`.
/// Owned, so that a write can be queued to the SQLite writer thread.
pub(crate) fn node_and_event_changes(pool: &PoolState, records: &[RecordRow]) -> Vec<NewChange> {
    let nodes = pool.node_feed.0.iter().map(|n| NewChange {
        kind: FeedKind::Node,
        change: n.change,
        doc: n.doc.clone(),
    });
    let events = records.iter().filter_map(|r| match r {
        RecordRow::Event { doc, .. } => Some(NewChange {
            kind: FeedKind::Event,
            change: Change::Added,
            doc: doc.clone(),
        }),
        RecordRow::Order { .. } => None,
    });
    nodes.chain(events).collect()
}

/// The pool's document at write `seq`, which is both its stored row and
/// what watchers see.
pub(crate) fn pool_doc(pool: &mut Pool, seq: i64) -> Result<String, StoreError> {
    pool.metadata.resource_version = Some(seq.to_string());
    Ok(serde_json::to_string(pool)?)
}

/// After write `seq` of `pool` committed: the pool is at that number, and
/// its staged changes are written.
pub(crate) fn written(pool: &mut PoolState, seq: i64) {
    pool.pool.metadata.resource_version = Some(seq.to_string());
    pool.pending.take();
    pool.node_feed = Default::default();
}
