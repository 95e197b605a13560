//! Orders and events on SQLite.

use respool_core::pool::EVENT_RESOURCE;
use rusqlite::{params, Connection, OptionalExtension};

use super::sql::Sql;
use crate::history::{event_select, order_filters, order_page, RecordRow, ORDER_UPSERT};
use crate::{EventCursor, EventQuery, EventRow, OrderPage, OrderQuery, StoreError};

pub(super) fn write(
    conn: &Connection,
    project_id: &str,
    records: &[RecordRow],
) -> Result<(), StoreError> {
    for record in records {
        match record {
            RecordRow::Order {
                name,
                resource_name,
                display_name,
                workspace_id,
                phase,
                created_ms,
                doc,
                items,
            } => {
                conn.prepare_cached(&format!(
                    "INSERT INTO orders (project_id, name, resource_name, display_name, workspace_id, phase, created_ms, doc, items)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?){ORDER_UPSERT}"
                ))?
                .execute(params![
                    project_id,
                    name,
                    resource_name,
                    display_name,
                    workspace_id,
                    phase,
                    created_ms,
                    doc,
                    items
                ])?;
            }
            RecordRow::Event {
                name,
                uid,
                created_ms,
                event_type,
                doc,
            } => {
                conn.prepare_cached(
                    "INSERT INTO events (project_id, resource, name, uid, created_ms, event_type, doc) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, uid) DO NOTHING",
                )?
                .execute(params![
                    project_id,
                    EVENT_RESOURCE,
                    name,
                    uid,
                    created_ms,
                    event_type,
                    doc
                ])?;
            }
        }
    }
    Ok(())
}

pub(super) fn list_orders(conn: &Connection, q: &OrderQuery<'_>) -> Result<OrderPage, StoreError> {
    let mut count = Sql::new("SELECT COUNT(*) FROM orders");
    order_filters(&mut count, q);
    let total: i64 = conn
        .prepare_cached(&count.text)?
        .query_row(count.args(), |r| r.get(0))?;
    let mut page = Sql::new("SELECT doc FROM orders");
    order_filters(&mut page, q);
    order_page(&mut page, q);
    let docs = conn
        .prepare_cached(&page.text)?
        .query_map(page.args(), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(OrderPage {
        total: total as u64,
        docs,
    })
}

pub(super) fn get_order_items(
    conn: &Connection,
    project_id: &str,
    name: &str,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT items FROM orders WHERE project_id = ? AND name = ?")?
        .query_row(params![project_id, name], |r| r.get(0))
        .optional()?)
}

pub(super) fn list_events(
    conn: &Connection,
    q: &EventQuery<'_>,
) -> Result<Vec<EventRow>, StoreError> {
    let mut sql = Sql::new("");
    event_select(&mut sql, q);
    let rows = conn
        .prepare_cached(&sql.text)?
        .query_map(sql.args(), |r| {
            Ok(EventRow {
                cursor: EventCursor {
                    created_ms: r.get(0)?,
                    id: r.get(1)?,
                },
                doc: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
