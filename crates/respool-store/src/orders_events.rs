//! Orders and events: written with the pool they belong to, in the same
//! transaction as the pool's own write, and listed newest first. They outlive
//! their pool: a deleted pool's orders and events stay listable. What both
//! backends run for them is in [`crate::queries`].

use respool_core::pool::{PoolState, Record};

use crate::StoreError;

/// Which orders a list asks for.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery<'a> {
    pub project_id: &'a str,
    /// Orders of the pool with this `metadata.name` or this display name.
    pub involved_name: Option<&'a str>,
    pub workspace_id: Option<&'a str>,
    pub phase: Option<&'a str>,
    /// Orders created at or after this instant (epoch ms).
    pub since_ms: Option<i64>,
    /// Orders created at or before this instant (epoch ms).
    pub until_ms: Option<i64>,
    pub limit: u32,
    pub offset: u32,
}

/// One page of orders: how many match in all, and the page's orders as
/// stored (JSON objects, as served), newest first.
#[derive(Debug, Clone, Default)]
pub struct OrderPage {
    pub total: u64,
    pub docs: Vec<String>,
}

/// Where a page of events ends: events are listed by time, then by the order
/// in which they were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCursor {
    pub created_ms: i64,
    pub id: i64,
}

/// Which events a list asks for.
#[derive(Debug, Clone, Default)]
pub struct EventQuery<'a> {
    pub project_id: &'a str,
    /// The kind of resource (`pools`).
    pub resource: &'a str,
    /// The resource's name (a pool's `metadata.name`); `None`: every one.
    pub name: Option<&'a str>,
    /// `Normal` or `Warning`.
    pub event_type: Option<&'a str>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Only events after this one, in listing order.
    pub after: Option<EventCursor>,
    /// Oldest first instead of newest first.
    pub ascending: bool,
    pub limit: u32,
}

/// A listed event as stored: its place in the listing and the served object.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub cursor: EventCursor,
    pub doc: String,
}

/// What one record writes. Owned, so that a write can be queued to the
/// SQLite writer thread.
pub(crate) enum RecordRow {
    /// Inserted, or written over the stored version of the same order.
    Order {
        name: String,
        resource_name: String,
        display_name: String,
        workspace_id: String,
        phase: String,
        created_ms: i64,
        doc: String,
        items: String,
    },
    /// Inserted once: writing the same event again does nothing.
    Event {
        name: String,
        uid: String,
        created_ms: i64,
        event_type: String,
        doc: String,
    },
}

/// The rows of the records `pool` has yet to write.
pub(crate) fn record_rows(pool: &PoolState) -> Result<Vec<RecordRow>, StoreError> {
    pool.pending
        .records()
        .iter()
        .map(|r| {
            Ok(match r {
                Record::Order(o) => RecordRow::Order {
                    name: o.order.order_name.clone(),
                    resource_name: o.order.resource_name.clone(),
                    display_name: o.order.resource_display_name.clone(),
                    workspace_id: o.order.workspace_id.clone(),
                    phase: o.order.phase.clone(),
                    created_ms: o.order.creation_timestamp,
                    doc: serde_json::to_string(&o.order)?,
                    items: serde_json::to_string(&o.items)?,
                },
                Record::Event { at_ms, event } => RecordRow::Event {
                    name: pool.name().to_owned(),
                    uid: event.metadata.name.clone(),
                    created_ms: *at_ms,
                    event_type: event.event_type.clone(),
                    doc: serde_json::to_string(event)?,
                },
            })
        })
        .collect()
}
