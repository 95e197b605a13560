//! Orders and events: written with the pool they belong to, in the same
//! transaction as the pool's own write, and listed newest first. They outlive
//! their pool: a deleted pool's orders and events stay listable.

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
    /// The resource's name (a pool's `metadata.name`).
    pub name: &'a str,
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

/// Writes over an order only if it is the same pool's: two pools' order names
/// cannot then clobber each other, however unlikely a clash is.
pub(crate) const ORDER_UPSERT: &str = " ON CONFLICT (project_id, name) DO UPDATE SET phase = excluded.phase, doc = excluded.doc, items = excluded.items WHERE orders.resource_name = excluded.resource_name";

/// A statement being built: SQLite's ([`crate::sqlite`]) or PostgreSQL's
/// builder, so that both backends filter orders and events alike.
pub(crate) trait Filters<'q> {
    fn sql(&mut self, text: &str) -> &mut Self;
    fn text(&mut self, value: &'q str) -> &mut Self;
    fn int(&mut self, value: i64) -> &mut Self;
}

/// ` WHERE …` for an order query.
pub(crate) fn order_filters<'q, B: Filters<'q>>(sql: &mut B, q: &OrderQuery<'q>) {
    sql.sql(" WHERE project_id = ").text(q.project_id);
    if let Some(n) = q.involved_name {
        sql.sql(" AND (resource_name = ")
            .text(n)
            .sql(" OR display_name = ")
            .text(n)
            .sql(")");
    }
    if let Some(w) = q.workspace_id {
        sql.sql(" AND workspace_id = ").text(w);
    }
    if let Some(p) = q.phase {
        sql.sql(" AND phase = ").text(p);
    }
    if let Some(t) = q.since_ms {
        sql.sql(" AND created_ms >= ").int(t);
    }
    if let Some(t) = q.until_ms {
        sql.sql(" AND created_ms <= ").int(t);
    }
}

/// `SELECT created_ms, id, doc FROM events WHERE …  ORDER BY … LIMIT …` for
/// an event query.
pub(crate) fn event_select<'q, B: Filters<'q>>(sql: &mut B, q: &EventQuery<'q>) {
    sql.sql("SELECT created_ms, id, doc FROM events WHERE project_id = ")
        .text(q.project_id)
        .sql(" AND resource = ")
        .text(q.resource)
        .sql(" AND name = ")
        .text(q.name);
    if let Some(t) = q.event_type {
        sql.sql(" AND event_type = ").text(t);
    }
    if let Some(t) = q.since_ms {
        sql.sql(" AND created_ms >= ").int(t);
    }
    if let Some(t) = q.until_ms {
        sql.sql(" AND created_ms <= ").int(t);
    }
    let (cmp, dir) = if q.ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    if let Some(c) = q.after {
        sql.sql(&format!(" AND (created_ms {cmp} "))
            .int(c.created_ms)
            .sql(" OR (created_ms = ")
            .int(c.created_ms)
            .sql(&format!(" AND id {cmp} "))
            .int(c.id)
            .sql("))");
    }
    sql.sql(&format!(" ORDER BY created_ms {dir}, id {dir} LIMIT "))
        .int(i64::from(q.limit));
}

/// ` ORDER BY … LIMIT … OFFSET …` of a page of orders.
pub(crate) fn order_page<'q, B: Filters<'q>>(sql: &mut B, q: &OrderQuery<'q>) {
    sql.sql(" ORDER BY created_ms DESC, id DESC LIMIT ")
        .int(i64::from(q.limit))
        .sql(" OFFSET ")
        .int(i64::from(q.offset));
}

pub(crate) mod postgres {
    use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

    use super::*;
    use respool_core::pool::EVENT_RESOURCE;

    pub async fn write(conn: &mut PgConnection, pool: &PoolState) -> Result<(), StoreError> {
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
                    sqlx::query(&format!(
                        "INSERT INTO orders (project_id, name, resource_name, display_name, workspace_id, phase, created_ms, doc, items)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9){ORDER_UPSERT}"
                    ))
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
                    sqlx::query(
                        "INSERT INTO events (project_id, resource, name, uid, created_ms, event_type, doc) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (project_id, uid) DO NOTHING",
                    )
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

    impl<'q> Filters<'q> for QueryBuilder<'q, Postgres> {
        fn sql(&mut self, text: &str) -> &mut Self {
            self.push(text)
        }
        fn text(&mut self, value: &'q str) -> &mut Self {
            self.push_bind(value)
        }
        fn int(&mut self, value: i64) -> &mut Self {
            self.push_bind(value)
        }
    }

    pub async fn list_orders(db: &PgPool, q: &OrderQuery<'_>) -> Result<OrderPage, StoreError> {
        let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM orders");
        order_filters(&mut count, q);
        let total: i64 = count.build().fetch_one(db).await?.get(0);
        let mut page = QueryBuilder::<Postgres>::new("SELECT doc FROM orders");
        order_filters(&mut page, q);
        order_page(&mut page, q);
        let rows = page.build().fetch_all(db).await?;
        Ok(OrderPage {
            total: total as u64,
            docs: rows.into_iter().map(|r| r.get(0)).collect(),
        })
    }

    pub async fn get_order_items(
        db: &PgPool,
        project_id: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT items FROM orders WHERE project_id = $1 AND name = $2")
                .bind(project_id)
                .bind(name)
                .fetch_optional(db)
                .await?,
        )
    }

    pub async fn list_events(db: &PgPool, q: &EventQuery<'_>) -> Result<Vec<EventRow>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new("");
        event_select(&mut sql, q);
        let rows = sql.build().fetch_all(db).await?;
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
}
