//! Orders and events on PostgreSQL.

use sqlx::{PgConnection, PgPool, Row};

use super::bound;
use crate::orders_events::RecordRow;
use crate::queries as q;
use crate::{EventCursor, EventQuery, EventRow, OrderPage, OrderQuery, StoreError};

/// Writes a pool's records, in the transaction `conn` holds.
pub(super) async fn write(
    conn: &mut PgConnection,
    project_id: &str,
    records: &[RecordRow],
) -> Result<(), StoreError> {
    for row in records {
        let (statement, args) = q::record(project_id, row);
        bound(statement.postgres(), &args)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn list_orders(
    db: &PgPool,
    query: &OrderQuery<'_>,
) -> Result<OrderPage, StoreError> {
    let count = q::count_orders(query);
    let text = count.postgres();
    let total: i64 = bound(&text, count.args()).fetch_one(db).await?.get(0);
    let page = q::order_page(query);
    let text = page.postgres();
    let rows = bound(&text, page.args()).fetch_all(db).await?;
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
    let rows = bound(&text, sql.args()).fetch_all(db).await?;
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
