//! Orders and events on PostgreSQL.

use respool_core::pool::{PoolState, EVENT_RESOURCE};
use sqlx::{PgConnection, PgPool, Row};

use super::bound;
use crate::history::{record_rows, RecordRow};
use crate::queries as q;
use crate::{EventCursor, EventQuery, EventRow, OrderPage, OrderQuery, StoreError};

/// Writes the records `pool` has yet to write, in the transaction `conn` holds.
pub(super) async fn write(conn: &mut PgConnection, pool: &PoolState) -> Result<(), StoreError> {
    for row in record_rows(pool)? {
        match row {
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
                sqlx::query(q::UPSERT_ORDER.postgres())
                    .bind(&pool.project_id)
                    .bind(name)
                    .bind(resource_name)
                    .bind(display_name)
                    .bind(workspace_id)
                    .bind(phase)
                    .bind(created_ms)
                    .bind(doc)
                    .bind(items)
                    .execute(&mut *conn)
                    .await?;
            }
            RecordRow::Event {
                name,
                uid,
                created_ms,
                event_type,
                doc,
            } => {
                sqlx::query(q::INSERT_EVENT.postgres())
                    .bind(&pool.project_id)
                    .bind(EVENT_RESOURCE)
                    .bind(name)
                    .bind(uid)
                    .bind(created_ms)
                    .bind(event_type)
                    .bind(doc)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}

pub(super) async fn list_orders(
    db: &PgPool,
    query: &OrderQuery<'_>,
) -> Result<OrderPage, StoreError> {
    let count = q::count_orders(query);
    let text = count.postgres();
    let total: i64 = bound(&text, &count).fetch_one(db).await?.get(0);
    let page = q::order_page(query);
    let text = page.postgres();
    let rows = bound(&text, &page).fetch_all(db).await?;
    Ok(OrderPage {
        total: total as u64,
        docs: rows.into_iter().map(|r| r.get(0)).collect(),
    })
}

pub(super) async fn get_order_items(
    db: &PgPool,
    project_id: &str,
    name: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(q::GET_ORDER_ITEMS.postgres())
        .bind(project_id)
        .bind(name)
        .fetch_optional(db)
        .await?)
}

pub(super) async fn list_events(
    db: &PgPool,
    query: &EventQuery<'_>,
) -> Result<Vec<EventRow>, StoreError> {
    let sql = q::events(query);
    let text = sql.postgres();
    let rows = bound(&text, &sql).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| EventRow {
            cursor: EventCursor {
                created_ms: r.get(0),
                id: r.get(1),
            },
            doc: r.get(2),
        })
        .collect())
}
