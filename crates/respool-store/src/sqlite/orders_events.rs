//! Orders and events on SQLite.

use rusqlite::{params, Connection, OptionalExtension};

use super::sql::values;
use crate::orders_events::RecordRow;
use crate::queries as q;
use crate::{EventCursor, EventQuery, EventRow, OrderPage, OrderQuery, StoreError};

pub(super) fn write(
    conn: &Connection,
    project_id: &str,
    records: &[RecordRow],
) -> Result<(), StoreError> {
    for record in records {
        let (statement, args) = q::record(project_id, record);
        conn.prepare_cached(statement.sqlite())?
            .execute(values(&args))?;
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
        .query_row(values(count.args()), |r| r.get(0))?;
    let page = q::order_page(query);
    let docs = conn
        .prepare_cached(page.sqlite())?
        .query_map(values(page.args()), |r| r.get(0))?
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
        .query_map(values(sql.args()), |r| {
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
