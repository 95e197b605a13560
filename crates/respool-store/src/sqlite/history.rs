//! Orders and events on SQLite.

use respool_core::pool::EVENT_RESOURCE;
use rusqlite::{params, Connection, OptionalExtension};

use super::sql::Sql;
use crate::history::{RecordRow, ORDER_UPSERT};
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

fn order_filters(sql: &mut Sql, q: &OrderQuery<'_>) {
    sql.push(" WHERE project_id = ").bind_str(q.project_id);
    if let Some(n) = q.involved_name {
        sql.push(" AND (resource_name = ")
            .bind_str(n)
            .push(" OR display_name = ")
            .bind_str(n)
            .push(")");
    }
    if let Some(w) = q.workspace_id {
        sql.push(" AND workspace_id = ").bind_str(w);
    }
    if let Some(p) = q.phase {
        sql.push(" AND phase = ").bind_str(p);
    }
    if let Some(t) = q.since_ms {
        sql.push(" AND created_ms >= ").bind(t);
    }
    if let Some(t) = q.until_ms {
        sql.push(" AND created_ms <= ").bind(t);
    }
}

pub(super) fn list_orders(conn: &Connection, q: &OrderQuery<'_>) -> Result<OrderPage, StoreError> {
    let mut count = Sql::new("SELECT COUNT(*) FROM orders");
    order_filters(&mut count, q);
    let total: i64 = conn
        .prepare_cached(&count.text)?
        .query_row(count.args(), |r| r.get(0))?;
    let mut page = Sql::new("SELECT doc FROM orders");
    order_filters(&mut page, q);
    page.push(" ORDER BY created_ms DESC, id DESC LIMIT ")
        .bind(i64::from(q.limit))
        .push(" OFFSET ")
        .bind(i64::from(q.offset));
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
    let mut sql = Sql::new("SELECT created_ms, id, doc FROM events WHERE project_id = ");
    sql.bind_str(q.project_id)
        .push(" AND resource = ")
        .bind_str(q.resource)
        .push(" AND name = ")
        .bind_str(q.name);
    if let Some(t) = q.event_type {
        sql.push(" AND event_type = ").bind_str(t);
    }
    if let Some(t) = q.since_ms {
        sql.push(" AND created_ms >= ").bind(t);
    }
    if let Some(t) = q.until_ms {
        sql.push(" AND created_ms <= ").bind(t);
    }
    let (cmp, dir) = if q.ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    if let Some(c) = q.after {
        sql.push(&format!(" AND (created_ms {cmp} "))
            .bind(c.created_ms)
            .push(" OR (created_ms = ")
            .bind(c.created_ms)
            .push(&format!(" AND id {cmp} "))
            .bind(c.id)
            .push("))");
    }
    sql.push(&format!(" ORDER BY created_ms {dir}, id {dir} LIMIT "))
        .bind(i64::from(q.limit));
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
