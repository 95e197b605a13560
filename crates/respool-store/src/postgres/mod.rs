//! PostgreSQL, for several replicas on one database, through sqlx. It runs
//! the statements of [`crate::queries`] with numbered placeholders; the SQL
//! stays within what PostgreSQL-compatible distributed databases also accept.

mod orders_events;
mod scratch;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use respool_api_types::Workspace;
use respool_core::capacity::QuotaSettings;
use respool_core::fault_rules::Fault;
use respool_core::identity::{Credential, User};
use respool_core::network::NetworkState;
use respool_core::pool::{Change, PoolState};
pub use scratch::ScratchSchema;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::query::Query as Bound;
use sqlx::{PgConnection, PgPool, Postgres, Row};

use crate::feed::{self, NewChange};
use crate::nodes::{self, NodeCache, NodeWrites};
use crate::orders_events::{record_rows, RecordRow};
use crate::queries::{self as q, Arg};
use crate::{
    decode_fault, decode_network, decode_pool, soonest_first, ChangePage, ChangeRow, EachPool,
    EventQuery, EventRow, FeedCursor, FeedHead, OrderPage, OrderQuery, PoolColumns, PoolQuery,
    PoolRowRef, Removed, Store, StoreError,
};

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    nodes: Arc<NodeCache>,
    /// How many writes of a project the change feed keeps.
    history: Arc<AtomicI64>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://...`) and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse()?;
        Self::connect(options).await
    }

    /// Like [`open`](Self::open), but keeps every table in `schema` (created
    /// if missing): lets tests share one database without sharing data.
    pub async fn open_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse()?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .execute(&admin)
            .await?;
        admin.close().await;
        Self::connect(options.options([("search_path", schema)])).await
    }

    async fn connect(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Bounded, so requests answer 503 soon when the database is gone.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        migrate(&pool).await?;
        Ok(PostgresStore {
            pool,
            nodes: Arc::default(),
            history: Arc::new(AtomicI64::new(feed::DEFAULT_HISTORY)),
        })
    }

    fn history(&self) -> i64 {
        self.history.load(Ordering::Relaxed)
    }
}

/// Applies pending migrations without advisory locks (distributed
/// PostgreSQL-compatible databases lack them). Each migration runs in its own
/// transaction, so a replica that loses a race to another fails cleanly and,
/// retrying, finds the work done.
async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    migrator.set_locking(false);
    let mut attempt = 0;
    loop {
        match migrator.run(pool).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 5 => {
                attempt += 1;
                tracing::info!(error = %e, attempt, "migration raced another replica; retrying");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
            Err(e) => return Err(StoreError::Unavailable(format!("migrations failed: {e}"))),
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn insert_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let node_rows = nodes::node_writes(pool, pool.version)?;
        let records = record_rows(pool)?;
        let mut tx = self.pool.begin().await?;
        let (seq, doc) = write_feed(&mut tx, pool, self.history(), Change::Added, &records).await?;
        sqlx::query(q::INSERT_POOL.postgres())
            .bind(&pool.project_id)
            .bind(pool.name())
            .bind(&c.workspace_id)
            .bind(c.phase)
            .bind(&c.parent)
            .bind(pool.created_ms)
            .bind(pool.version)
            .bind(c.next_due_ms)
            .bind(&c.labels)
            .bind(&doc)
            .bind(&c.state)
            .bind(pool.stored.incarnation)
            .execute(&mut *tx)
            .await?;
        write_nodes(&mut tx, pool, &node_rows).await?;
        orders_events::write(&mut tx, &pool.project_id, &records).await?;
        tx.commit().await?;
        feed::written(pool, seq);
        nodes::stored(pool, &self.nodes);
        Ok(())
    }

    async fn get_pool(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<PoolState>, StoreError> {
        let Some((mut pool, incarnation)) = pool_row(&self.pool, project_id, name).await? else {
            return Ok(None);
        };
        if self.nodes.attach_kept(&mut pool, incarnation) {
            return Ok(Some(pool));
        }
        // Not kept: the row again and its nodes, in one snapshot.
        let mut tx = snapshot(&self.pool).await?;
        let Some((mut pool, incarnation)) = pool_row(&mut *tx, project_id, name).await? else {
            return Ok(None);
        };
        if !self.nodes.attach_kept(&mut pool, incarnation) {
            let rows = sqlx::query_as(q::POOL_NODES.postgres())
                .bind(project_id)
                .bind(name)
                .fetch_all(&mut *tx)
                .await?;
            self.nodes.attach_loaded(&mut pool, incarnation, rows)?;
        }
        tx.commit().await?;
        Ok(Some(pool))
    }

    async fn for_each_pool(
        &self,
        query: &PoolQuery<'_>,
        each: &mut EachPool<'_>,
    ) -> Result<(), StoreError> {
        each_pool(&self.pool, query, each).await
    }

    async fn for_each_pool_at_head(
        &self,
        query: &PoolQuery<'_>,
        each: &mut EachPool<'_>,
    ) -> Result<FeedHead, StoreError> {
        let mut tx = snapshot(&self.pool).await?;
        let at = head(&mut *tx, query.project_id).await?;
        each_pool(&mut *tx, query, each).await?;
        tx.commit().await?;
        Ok(at)
    }

    async fn feed_head(&self, project_id: &str) -> Result<FeedHead, StoreError> {
        head(&self.pool, project_id).await
    }

    async fn changes_after(
        &self,
        project_id: &str,
        after: FeedCursor,
        limit: u32,
    ) -> Result<ChangePage, StoreError> {
        let rows = sqlx::query(q::CHANGES_AFTER.postgres())
            .bind(project_id)
            .bind(after.seq)
            .bind(after.ord)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let changes = rows
            .iter()
            .map(|r| {
                ChangeRow::decode(
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                )
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(ChangePage {
            head: head(&self.pool, project_id).await?,
            changes,
        })
    }

    fn set_feed_history(&self, writes: i64) {
        self.history.store(writes.max(1), Ordering::Relaxed);
    }

    async fn update_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let node_rows = nodes::node_writes(pool, pool.version + 1)?;
        let records = record_rows(pool)?;
        let mut tx = self.pool.begin().await?;
        let (seq, doc) =
            write_feed(&mut tx, pool, self.history(), Change::Modified, &records).await?;
        let done = sqlx::query(q::UPDATE_POOL.postgres())
            .bind(&c.workspace_id)
            .bind(c.phase)
            .bind(&c.parent)
            .bind(c.next_due_ms)
            .bind(&c.labels)
            .bind(&doc)
            .bind(&c.state)
            .bind(pool.stored.incarnation)
            .bind(&pool.project_id)
            .bind(pool.name())
            .bind(pool.version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 1 {
            write_nodes(&mut tx, pool, &node_rows).await?;
        }
        commit_versioned(tx, done.rows_affected(), &pool.project_id, &records).await?;
        pool.version += 1;
        feed::written(pool, seq);
        nodes::stored(pool, &self.nodes);
        Ok(())
    }

    async fn retire_pool(&self, pool: &PoolState) -> Result<(), StoreError> {
        let records = record_rows(pool)?;
        let mut tx = self.pool.begin().await?;
        write_feed(&mut tx, pool, self.history(), Change::Deleted, &records).await?;
        let done = sqlx::query(q::RETIRE_POOL.postgres())
            .bind(&pool.project_id)
            .bind(pool.name())
            .bind(pool.version)
            .execute(&mut *tx)
            .await?;
        sqlx::query(q::RETIRE_NODES.postgres())
            .bind(&pool.project_id)
            .bind(pool.name())
            .execute(&mut *tx)
            .await?;
        commit_versioned(tx, done.rows_affected(), &pool.project_id, &records).await?;
        self.nodes.forget(&pool.project_id, pool.name());
        Ok(())
    }

    async fn list_orders(&self, query: &OrderQuery<'_>) -> Result<OrderPage, StoreError> {
        orders_events::list_orders(&self.pool, query).await
    }

    async fn get_order_items(
        &self,
        project_id: &str,
        order_name: &str,
    ) -> Result<Option<String>, StoreError> {
        orders_events::get_order_items(&self.pool, project_id, order_name).await
    }

    async fn list_events(&self, query: &EventQuery<'_>) -> Result<Vec<EventRow>, StoreError> {
        orders_events::list_events(&self.pool, query).await
    }

    async fn due_pools(
        &self,
        project_id: Option<&str>,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let sql = q::due_pools(project_id, now_ms, limit);
        let text = sql.postgres();
        let rows = bound(&text, sql.args()).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn claim_due_pools(
        &self,
        owner: &str,
        now_ms: i64,
        wall_ms: i64,
        lease_until_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(CLAIM_DUE_POOLS)
            .bind(owner)
            .bind(lease_until_ms)
            .bind(now_ms)
            .bind(wall_ms)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(soonest_first(
            rows.into_iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect(),
        ))
    }

    async fn count_pools_by_phase(
        &self,
        project_id: Option<&str>,
        workspace_id: Option<&str>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = q::count_pools_by_phase(project_id, workspace_id);
        let text = sql.postgres();
        let rows = bound(&text, sql.args()).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn due_backlog(&self, now_ms: i64) -> Result<(i64, Option<i64>), StoreError> {
        let row = sqlx::query(q::DUE_BACKLOG.postgres())
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.get(0), row.get(1)))
    }

    async fn all_pools(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(q::ALL_POOLS.postgres())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn remove_all(&self) -> Result<Removed, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut delete = async |statement: &'static q::Statement| {
            sqlx::query(statement.postgres())
                .execute(&mut *tx)
                .await
                .map(|done| done.rows_affected())
        };
        delete(&q::DELETE_EVENTS).await?;
        delete(&q::DELETE_ORDERS).await?;
        delete(&q::DELETE_ALL_QUOTAS).await?;
        delete(&q::DELETE_ALL_NODES).await?;
        delete(&q::DELETE_CHANGES).await?;
        delete(&q::FEED_FLOORS_UP).await?;
        let removed = Removed {
            pools: delete(&q::DELETE_POOLS).await?,
            networks: delete(&q::DELETE_NETWORKS).await?,
            workspaces: delete(&q::DELETE_WORKSPACES).await?,
        };
        tx.commit().await?;
        self.nodes.clear();
        Ok(removed)
    }

    async fn insert_fault(&self, f: &Fault) -> Result<(), StoreError> {
        sqlx::query(q::INSERT_FAULT.postgres())
            .bind(&f.id)
            .bind(&f.label_selector)
            .bind(f.effect.name())
            .bind(f.effect.count().map(i64::from))
            .bind(f.created_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn list_faults(&self) -> Result<Vec<Fault>, StoreError> {
        let rows = sqlx::query(q::LIST_FAULTS.postgres())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| decode_fault(r.get(0), r.get(1), r.get::<&str, _>(2), r.get(3), r.get(4)))
            .collect()
    }

    async fn delete_fault(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(q::DELETE_FAULT.postgres())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_all_faults(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(q::DELETE_ALL_FAULTS.postgres())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(q::GET_SETTING.postgres())
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(q::PUT_SETTING.postgres())
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_credential(&self, c: &Credential) -> Result<(), StoreError> {
        sqlx::query(q::INSERT_CREDENTIAL.postgres())
            .bind(&c.access_key)
            .bind(&c.secret_key)
            .bind(&c.domain_id)
            .bind(serde_json::to_string(&c.project_ids)?)
            .bind(&c.security_token)
            .bind(c.expires_ms)
            .bind(c.created_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_credential(&self, access_key: &str) -> Result<Option<Credential>, StoreError> {
        let row = sqlx::query(q::GET_CREDENTIAL.postgres())
            .bind(access_key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| credential_from_row(&r)).transpose()
    }

    async fn list_credentials(&self) -> Result<Vec<Credential>, StoreError> {
        let rows = sqlx::query(q::LIST_CREDENTIALS.postgres())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(credential_from_row).collect()
    }

    async fn revoke_credential(&self, access_key: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(q::REVOKE_CREDENTIAL.postgres())
            .bind(access_key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_user(&self, u: &User) -> Result<(), StoreError> {
        sqlx::query(q::INSERT_USER.postgres())
            .bind(&u.name)
            .bind(&u.password_hash)
            .bind(&u.domain_id)
            .bind(serde_json::to_string(&u.project_ids)?)
            .bind(u.created_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(q::GET_USER.postgres())
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(User {
                name: r.get(0),
                password_hash: r.get(1),
                domain_id: r.get(2),
                project_ids: serde_json::from_str(r.get::<&str, _>(3))?,
                created_ms: r.get(4),
            })
        })
        .transpose()
    }

    async fn list_user_names(&self, domain_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(q::LIST_USER_NAMES.postgres())
            .bind(domain_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn insert_network(&self, n: &NetworkState) -> Result<(), StoreError> {
        sqlx::query(q::INSERT_NETWORK.postgres())
            .bind(&n.project_id)
            .bind(n.name())
            .bind(n.created_ms)
            .bind(n.ready_ms)
            .bind(n.version)
            .bind(serde_json::to_string(&n.network.metadata.labels)?)
            .bind(serde_json::to_string(&n.network)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_network(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<NetworkState>, StoreError> {
        let row = sqlx::query(q::GET_NETWORK.postgres())
            .bind(project_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            decode_network(
                project_id.to_owned(),
                r.get(0),
                r.get(1),
                r.get(2),
                r.get::<&str, _>(3),
            )
        })
        .transpose()
    }

    async fn list_networks(&self, project_id: &str) -> Result<Vec<NetworkState>, StoreError> {
        let rows = sqlx::query(q::LIST_NETWORKS.postgres())
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                decode_network(
                    project_id.to_owned(),
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get::<&str, _>(3),
                )
            })
            .collect()
    }

    async fn update_network(&self, n: &mut NetworkState) -> Result<(), StoreError> {
        let done = sqlx::query(q::UPDATE_NETWORK.postgres())
            .bind(serde_json::to_string(&n.network.metadata.labels)?)
            .bind(serde_json::to_string(&n.network)?)
            .bind(&n.project_id)
            .bind(n.name())
            .bind(n.version)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        n.version += 1;
        Ok(())
    }

    async fn delete_network(&self, project_id: &str, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(q::DELETE_NETWORK.postgres())
            .bind(project_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_workspace(&self, project_id: &str, w: &Workspace) -> Result<(), StoreError> {
        sqlx::query(q::INSERT_WORKSPACE.postgres())
            .bind(project_id)
            .bind(&w.id)
            .bind(&w.name)
            .bind(w.create_time)
            .bind(serde_json::to_string(w)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_workspace(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<Workspace>, StoreError> {
        let doc: Option<String> = sqlx::query_scalar(q::GET_WORKSPACE.postgres())
            .bind(project_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    async fn list_workspaces(&self, project_id: &str) -> Result<Vec<Workspace>, StoreError> {
        let docs: Vec<String> = sqlx::query_scalar(q::LIST_WORKSPACES.postgres())
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(docs
            .iter()
            .map(|d| serde_json::from_str(d))
            .collect::<Result<_, _>>()?)
    }

    async fn update_workspace(&self, project_id: &str, w: &Workspace) -> Result<bool, StoreError> {
        let done = sqlx::query(q::UPDATE_WORKSPACE.postgres())
            .bind(&w.name)
            .bind(serde_json::to_string(w)?)
            .bind(project_id)
            .bind(&w.id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_workspace(&self, project_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(q::DELETE_WORKSPACE.postgres())
            .bind(project_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_quotas(&self, project_id: &str, scope: &str) -> Result<QuotaSettings, StoreError> {
        let doc: Option<String> = sqlx::query_scalar(q::GET_QUOTAS.postgres())
            .bind(project_id)
            .bind(scope)
            .fetch_optional(&self.pool)
            .await?;
        Ok(doc
            .map(|d| serde_json::from_str(&d))
            .transpose()?
            .unwrap_or_default())
    }

    async fn put_quotas(
        &self,
        project_id: &str,
        scope: &str,
        quotas: &QuotaSettings,
    ) -> Result<(), StoreError> {
        sqlx::query(q::PUT_QUOTAS.postgres())
            .bind(project_id)
            .bind(scope)
            .bind(serde_json::to_string(quotas)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query(q::PING.postgres()).execute(&self.pool).await?;
        Ok(())
    }
}

/// PostgreSQL's own spelling: it locks the rows it claims and skips rows
/// another replica's claim holds (`FOR UPDATE SKIP LOCKED`), and compares
/// nullable due times with `IS DISTINCT FROM`.
const CLAIM_DUE_POOLS: &str = "UPDATE pools SET lease_owner = $1, lease_until_ms = $2, lease_due_ms = next_due_ms
     WHERE (project_id, name) IN (
         SELECT project_id, name FROM pools
         WHERE next_due_ms IS NOT NULL AND next_due_ms <= $3
           AND (lease_until_ms IS NULL OR lease_until_ms < $4 OR lease_due_ms IS DISTINCT FROM next_due_ms OR lease_owner = $1)
         ORDER BY next_due_ms LIMIT $5
         FOR UPDATE SKIP LOCKED)
     RETURNING project_id, name, next_due_ms";

/// A statement spelled for PostgreSQL (`text`), with `args` bound.
/// Ends a write that checked the pool's version: a lost race (no row
/// matched) drops the transaction, which rolls it back, so the loser records
/// nothing; a won one writes the pool's records in the same transaction.
async fn commit_versioned(
    mut tx: sqlx::Transaction<'_, Postgres>,
    rows_affected: u64,
    project_id: &str,
    records: &[RecordRow],
) -> Result<(), StoreError> {
    if rows_affected == 0 {
        return Err(StoreError::Conflict);
    }
    orders_events::write(&mut tx, project_id, records).await?;
    tx.commit().await?;
    Ok(())
}

/// A read-only transaction that sees one snapshot throughout.
async fn snapshot(db: &PgPool) -> Result<sqlx::Transaction<'static, Postgres>, StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Hands `each` the pools `query` selects.
async fn each_pool<'e>(
    db: impl sqlx::PgExecutor<'e>,
    query: &PoolQuery<'_>,
    each: &mut EachPool<'_>,
) -> Result<(), StoreError> {
    let sql = q::list_pools(query);
    let text = sql.postgres();
    let rows = bound(&text, sql.args()).fetch_all(db).await?;
    for r in &rows {
        each(PoolRowRef {
            name: r.try_get(0)?,
            labels: r.try_get(1)?,
            doc: r.try_get(2)?,
            next_due_ms: r.try_get(3)?,
        })?;
    }
    Ok(())
}

async fn head<'e>(db: impl sqlx::PgExecutor<'e>, project_id: &str) -> Result<FeedHead, StoreError> {
    let row: Option<(i64, i64)> = sqlx::query_as(q::FEED_HEAD.postgres())
        .bind(project_id)
        .fetch_optional(db)
        .await?;
    Ok(row
        .map(|(seq, floor)| FeedHead { seq, floor })
        .unwrap_or_default())
}

/// Takes the project's next number for a write of `pool` (the head's row
/// stays locked until the write commits, so numbers commit in order), trims
/// what the feed no longer keeps and records the write's changes, the
/// pool's own first; answers the number and the pool's document at it.
async fn write_feed(
    conn: &mut PgConnection,
    pool: &PoolState,
    keep: i64,
    change: Change,
    records: &[RecordRow],
) -> Result<(i64, String), StoreError> {
    let project_id = pool.project_id.as_str();
    let (seq, floor): (i64, i64) = sqlx::query_as(q::BUMP_FEED.postgres())
        .bind(project_id)
        .bind(keep)
        .fetch_one(&mut *conn)
        .await?;
    if floor > 0 {
        sqlx::query(q::TRIM_FEED.postgres())
            .bind(project_id)
            .bind(floor)
            .execute(&mut *conn)
            .await?;
    }
    let doc = feed::pool_doc(&mut pool.pool.clone(), seq)?;
    let own = NewChange {
        kind: feed::FeedKind::Pool,
        change,
        doc: doc.clone(),
    };
    let rest = feed::node_and_event_changes(pool, records);
    for sql in q::insert_changes(project_id, pool.name(), seq, &own, &rest) {
        bound(&sql.postgres(), sql.args())
            .execute(&mut *conn)
            .await?;
    }
    Ok((seq, doc))
}

/// The pool's row, with its incarnation.
async fn pool_row<'e>(
    db: impl sqlx::PgExecutor<'e>,
    project_id: &str,
    name: &str,
) -> Result<Option<(PoolState, i64)>, StoreError> {
    let row = sqlx::query(q::GET_POOL.postgres())
        .bind(project_id)
        .bind(name)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        let pool = decode_pool(project_id.to_owned(), r.get(0), r.get(1), r.get(2))?;
        Ok((pool, r.get(3)))
    })
    .transpose()
}

/// Writes a pool's changed nodes, in the transaction of the pool's write.
async fn write_nodes(
    conn: &mut PgConnection,
    pool: &PoolState,
    writes: &NodeWrites,
) -> Result<(), StoreError> {
    let (project_id, name) = (pool.project_id.as_str(), pool.name());
    for sql in q::node_writes(project_id, name, writes) {
        bound(&sql.postgres(), sql.args())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn bound<'q>(text: &'q str, args: &[Arg<'q>]) -> Bound<'q, Postgres, PgArguments> {
    args.iter()
        .fold(sqlx::query(text), |bound, arg| match *arg {
            Arg::Text(value) => bound.bind(value),
            Arg::Int(value) => bound.bind(value),
        })
}

fn credential_from_row(r: &PgRow) -> Result<Credential, StoreError> {
    Ok(Credential {
        access_key: r.get(0),
        secret_key: r.get(1),
        domain_id: r.get(2),
        project_ids: serde_json::from_str(r.get::<&str, _>(3))?,
        security_token: r.get(4),
        expires_ms: r.get(5),
        created_ms: r.get(6),
    })
}
