//! Orders and events on SQLite.

use respool_core::pool::EVENT_RESOURCE;
use rusqlite::{params, Connection, OptionalExtension};

use super::sql::args;
use crate::history::RecordRow;
use crate::queries as q;
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
                conn.prepare_cached(q::UPSERT_ORDER.sqlite())?
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
                conn.prepare_cached(q::INSERT_EVENT.sqlite())?
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

pub(super) fn list_orders(
    conn: &Connection,
    query: &OrderQuery<'_>,
) -> Result<OrderPage, StoreError> {
    let count = q::count_orders(query);
    let total: i64 = conn
        .prepare_cached(count.sqlite())?
        .query_row(args(&count), |r| r.get(0))?;
    let page = q::order_page(query);
    let docs = conn
        .prepare_cached(page.sqlite())?
        .query_map(args(&page), |r| r.get(0))?
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
        .prepare_cached(q::GET_ORDER_ITEMS.sqlite())?
        .query_row(params![project_id, name], |r| r.get(0))
        .optional()?)
}

pub(super) fn list_events(
    conn: &Connection,
    query: &EventQuery<'_>,
) -> Result<Vec<EventRow>, StoreError> {
    let sql = q::events(query);
    let rows = conn
        .prepare_cached(sql.sqlite())?
        .query_map(args(&sql), |r| {
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
