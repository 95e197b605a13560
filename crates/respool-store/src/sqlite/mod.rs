//! The embedded default: one SQLite file in WAL mode, spoken to directly.
//! Reads run inline on the calling task on idle reader connections; writes
//! queue to one writer thread that commits them in groups. sqlx only applies
//! the migrations. It runs the statements of [`crate::queries`] as written.

mod connection;
mod orders_events;
mod sql;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use respool_api_types::Pool;
use respool_api_types::Workspace;
use respool_core::capacity::QuotaSettings;
use respool_core::fault_rules::Fault;
use respool_core::identity::{Credential, User};
use respool_core::network::NetworkState;
use respool_core::pool::{Change, PoolState};
use rusqlite::types::FromSql;
use rusqlite::{params, Connection, OptionalExtension, Params, Row};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use self::connection::Readers;
use self::sql::values;
use self::writer::Writer;
use crate::feed::{self, NewChange};
use crate::nodes::{self, NodeCache, NodeWrites};
use crate::queries::{self as q, Query, Statement};
use crate::{
    decode_fault, decode_network, decode_pool, soonest_first, ChangePage, ChangeRow, EachPool,
    EventQuery, EventRow, FeedCursor, FeedHead, OrderPage, OrderQuery, PoolColumns, PoolQuery,
    PoolRowRef, Removed, Store, StoreError,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    readers: Arc<Readers>,
    writer: Writer,
    nodes: Arc<NodeCache>,
    /// How many writes of a project the change feed keeps.
    history: Arc<AtomicI64>,
    /// Held while this store serves the file (see [`SqliteStore::open_to_serve`]).
    serving: Arc<ServeLock>,
}

#[derive(Default)]
struct ServeLock {
    held: AtomicBool,
    file: Mutex<Option<std::fs::File>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a
    /// plain path) and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let path = file_path(url);
        let migrated = migrate(&path).await?;
        let writer = Writer::start(connection::open(&path, true)?)?;
        // Closed only now: the last connection to close checkpoints the whole
        // WAL into the file, which would hold up every start.
        migrated.close().await;
        Ok(SqliteStore {
            readers: Arc::new(Readers::new(path)),
            writer,
            nodes: Arc::default(),
            history: Arc::new(AtomicI64::new(feed::DEFAULT_HISTORY)),
            serving: Arc::default(),
        })
    }

    /// [`SqliteStore::open`], for the one process that serves the file: it
    /// holds a lock beside the file (`<file>-serve.lock`) for as long as the
    /// store lives, and fails if another process holds it. Then every pool
    /// is written through this store, so it can tell when nothing has
    /// changed ([`Store::writes_seen`]). Other openers (the CLI's credential
    /// commands) do not take the lock, and write no pools.
    pub async fn open_to_serve(url: &str) -> Result<Self, StoreError> {
        let lock = serve_lock(&file_path(url))?;
        let store = Self::open(url).await?;
        *store
            .serving
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(lock);
        store.serving.held.store(true, Ordering::Release);
        Ok(store)
    }

    /// Lets another process serve the file, as this one's end would: its
    /// writes are no longer counted as every write ([`Store::writes_seen`]).
    pub fn stop_serving(&self) {
        self.serving.held.store(false, Ordering::Release);
        self.serving
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    pub async fn open_path(path: &Path) -> Result<Self, StoreError> {
        Self::open(&path.display().to_string()).await
    }

    fn history(&self) -> i64 {
        self.history.load(Ordering::Relaxed)
    }

    fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.readers.with(read)
    }

    /// Runs one statement on the writer, bound to `args` (owned, as they
    /// travel to the writer thread); how many rows it changed.
    async fn execute(
        &self,
        statement: &'static Statement,
        args: impl Params + Send + 'static,
    ) -> Result<usize, StoreError> {
        self.writer
            .write(move |conn| Ok(conn.execute(statement.sqlite(), args)?))
            .await
    }
}

/// Takes the lock that says a process serves the file at `path`.
fn serve_lock(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut name = path.as_os_str().to_owned();
    name.push("-serve.lock");
    let lock_path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            StoreError::Unavailable(format!("cannot open {}: {e}", lock_path.display()))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Unavailable(format!(
            "another process serves {}: a SQLite file is served by one process (replicas share a PostgreSQL database)",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Unavailable(format!(
            "cannot lock {}: {e}",
            lock_path.display()
        ))),
    }
}

/// The file a `sqlite:` URL (or a plain path) names.
fn file_path(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// Creates the file if needed, in WAL mode (a setting the file keeps), and
/// applies pending migrations; returns the connection it used.
async fn migrate(path: &Path) -> Result<sqlx::SqlitePool, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // Only takes effect when the file is created (see migration 0006).
        .page_size(16384);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    if let Err(e) = MIGRATOR.run(&pool).await {
        pool.close().await;
        return Err(StoreError::Unavailable(format!("migrations failed: {e}")));
    }
    Ok(pool)
}

/// The row `sql` selects, if any, decoded while it is borrowed.
fn one<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    decode: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    rows.next()?.map(decode).transpose()
}

/// Every row `sql` selects, decoded while it is borrowed.
fn all<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    mut decode: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(decode(r)?);
    }
    Ok(out)
}

fn text<'r>(row: &'r Row<'_>, i: usize) -> Result<&'r str, StoreError> {
    Ok(row.get_ref(i)?.as_str()?)
}

/// Runs an assembled statement; how many rows it changed.
fn run(conn: &Connection, sql: &Query<'_>) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached(sql.sqlite())?
        .execute(values(sql.args()))?)
}

/// The pool's row, with its incarnation.
fn pool_row(
    conn: &Connection,
    project_id: &str,
    name: &str,
) -> Result<Option<(PoolState, i64)>, StoreError> {
    one(conn, q::GET_POOL.sqlite(), [project_id, name], |r| {
        let pool = decode_pool(project_id.to_owned(), r.get(0)?, text(r, 1)?, text(r, 2)?)?;
        Ok((pool, r.get(3)?))
    })
}

/// Reads a pool with its nodes: from this replica's copy when the row's
/// version is the copy's, else from their rows, in one snapshot with the
/// pool's row.
fn read_pool(
    conn: &Connection,
    cache: &NodeCache,
    project_id: &str,
    name: &str,
) -> Result<Option<PoolState>, StoreError> {
    let Some((mut pool, incarnation)) = pool_row(conn, project_id, name)? else {
        return Ok(None);
    };
    if cache.attach_kept(&mut pool, incarnation) {
        return Ok(Some(pool));
    }
    let tx = conn.unchecked_transaction()?;
    let Some((mut pool, incarnation)) = pool_row(&tx, project_id, name)? else {
        return Ok(None);
    };
    if !cache.attach_kept(&mut pool, incarnation) {
        let rows = all(&tx, q::POOL_NODES.sqlite(), [project_id, name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        cache.attach_loaded(&mut pool, incarnation, rows)?;
    }
    tx.commit()?;
    Ok(Some(pool))
}

/// Writes a pool's changed nodes, in the transaction of the pool's write.
fn write_nodes(
    conn: &Connection,
    project_id: &str,
    pool: &str,
    writes: &NodeWrites,
) -> Result<(), StoreError> {
    for sql in q::node_writes(project_id, pool, writes) {
        run(conn, &sql)?;
    }
    Ok(())
}

/// Hands `each` the pools `query` selects, as they are read.
fn each_pool(
    conn: &Connection,
    query: &PoolQuery<'_>,
    each: &mut EachPool<'_>,
) -> Result<(), StoreError> {
    let sql = q::list_pools(query);
    let mut stmt = conn.prepare_cached(sql.sqlite())?;
    let mut rows = stmt.query(values(sql.args()))?;
    while let Some(r) = rows.next()? {
        each(PoolRowRef {
            name: text(r, 0)?,
            labels: text(r, 1)?,
            doc: text(r, 2)?,
            next_due_ms: r.get(3)?,
        })?;
    }
    Ok(())
}

/// Takes the project's next number for a write of `pool`, trims what the
/// feed no longer keeps and records the write's changes, the pool's own
/// first; answers the number and the pool's document at it.
fn write_feed(
    conn: &Connection,
    project_id: &str,
    keep: i64,
    pool: &mut Pool,
    change: Change,
    rest: &[NewChange],
) -> Result<(i64, String), StoreError> {
    let (seq, floor): (i64, i64) = conn
        .prepare_cached(q::BUMP_FEED.sqlite())?
        .query_row(params![project_id, keep], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if floor > 0 {
        conn.prepare_cached(q::TRIM_FEED.sqlite())?
            .execute(params![project_id, floor])?;
    }
    let doc = feed::pool_doc(pool, seq)?;
    let own = NewChange {
        kind: feed::FeedKind::Pool,
        change,
        doc: doc.clone(),
    };
    for sql in q::insert_changes(project_id, &pool.metadata.name, seq, &own, rest) {
        run(conn, &sql)?;
    }
    Ok((seq, doc))
}

fn head(conn: &Connection, project_id: &str) -> Result<FeedHead, StoreError> {
    Ok(one(conn, q::FEED_HEAD.sqlite(), [project_id], |r| {
        Ok(FeedHead {
            seq: r.get(0)?,
            floor: r.get(1)?,
        })
    })?
    .unwrap_or_default())
}

/// SQLite's own spelling: one writer, so there is nothing to lock or skip
/// (no `FOR UPDATE SKIP LOCKED`), and `IS NOT` compares nullable due times.
const CLAIM_DUE_POOLS: &str = "UPDATE pools SET lease_owner = ?1, lease_until_ms = ?2, lease_due_ms = next_due_ms
     WHERE (project_id, name) IN (
         SELECT project_id, name FROM pools
         WHERE next_due_ms IS NOT NULL AND next_due_ms <= ?3
           AND (lease_until_ms IS NULL OR lease_until_ms < ?4 OR lease_due_ms IS NOT next_due_ms OR lease_owner = ?1)
         ORDER BY next_due_ms LIMIT ?5)
     RETURNING project_id, name, next_due_ms";

/// The two-column rows an assembled statement selects.
fn pairs<A: FromSql, B: FromSql>(
    conn: &Connection,
    sql: &Query<'_>,
) -> Result<Vec<(A, B)>, StoreError> {
    Ok(conn
        .prepare_cached(sql.sqlite())?
        .query_map(values(sql.args()), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// Fails with [`StoreError::Conflict`] when a versioned write matched no row.
fn changed(rows: usize) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::Conflict)
    } else {
        Ok(())
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let records = crate::orders_events::record_rows(pool)?;
        let changes = feed::node_and_event_changes(pool, &records);
        let node_rows = nodes::node_writes(pool, pool.version)?;
        let (project_id, name) = (pool.project_id.clone(), pool.name().to_owned());
        let (created_ms, version) = (pool.created_ms, pool.version);
        let incarnation = pool.stored.incarnation;
        let (keep, mut wire) = (self.history(), pool.pool.clone());
        let seq = self
            .writer
            .write(move |conn| {
                let (seq, doc) =
                    write_feed(conn, &project_id, keep, &mut wire, Change::Added, &changes)?;
                conn.prepare_cached(q::INSERT_POOL.sqlite())?
                    .execute(params![
                        project_id,
                        name,
                        c.workspace_id,
                        c.phase,
                        c.parent,
                        created_ms,
                        version,
                        c.next_due_ms,
                        c.labels,
                        doc,
                        c.state,
                        incarnation
                    ])?;
                write_nodes(conn, &project_id, &name, &node_rows)?;
                orders_events::write(conn, &project_id, &records)?;
                Ok(seq)
            })
            .await?;
        feed::written(pool, seq);
        nodes::stored(pool, &self.nodes);
        Ok(())
    }

    async fn get_pool(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<PoolState>, StoreError> {
        self.read(|conn| read_pool(conn, &self.nodes, project_id, name))
    }

    async fn for_each_pool(
        &self,
        query: &PoolQuery<'_>,
        each: &mut EachPool<'_>,
    ) -> Result<(), StoreError> {
        self.read(|conn| each_pool(conn, query, each))
    }

    async fn for_each_pool_at_head(
        &self,
        query: &PoolQuery<'_>,
        each: &mut EachPool<'_>,
    ) -> Result<FeedHead, StoreError> {
        self.read(|conn| {
            let tx = conn.unchecked_transaction()?;
            let at = head(&tx, query.project_id)?;
            each_pool(&tx, query, each)?;
            tx.commit()?;
            Ok(at)
        })
    }

    async fn feed_head(&self, project_id: &str) -> Result<FeedHead, StoreError> {
        self.read(|conn| head(conn, project_id))
    }

    async fn changes_after(
        &self,
        project_id: &str,
        after: FeedCursor,
        limit: u32,
    ) -> Result<ChangePage, StoreError> {
        self.read(|conn| {
            let changes = all(
                conn,
                q::CHANGES_AFTER.sqlite(),
                params![project_id, after.seq, after.ord, limit],
                |r| {
                    ChangeRow::decode(
                        r.get(0)?,
                        r.get(1)?,
                        text(r, 2)?,
                        r.get(3)?,
                        text(r, 4)?,
                        r.get(5)?,
                    )
                },
            )?;
            Ok(ChangePage {
                head: head(conn, project_id)?,
                changes,
            })
        })
    }

    fn set_feed_history(&self, writes: i64) {
        self.history.store(writes.max(1), Ordering::Relaxed);
    }

    fn writes_seen(&self) -> Option<u64> {
        let held = self.serving.held.load(Ordering::Acquire);
        held.then(|| self.writer.transactions_ended())
    }

    async fn update_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let records = crate::orders_events::record_rows(pool)?;
        let changes = feed::node_and_event_changes(pool, &records);
        let node_rows = nodes::node_writes(pool, pool.version + 1)?;
        let incarnation = pool.stored.incarnation;
        let (project_id, name, version) = (
            pool.project_id.clone(),
            pool.name().to_owned(),
            pool.version,
        );
        let (keep, mut wire) = (self.history(), pool.pool.clone());
        let seq = self
            .writer
            .write(move |conn| {
                let (seq, doc) = write_feed(
                    conn,
                    &project_id,
                    keep,
                    &mut wire,
                    Change::Modified,
                    &changes,
                )?;
                changed(
                    conn.prepare_cached(q::UPDATE_POOL.sqlite())?
                        .execute(params![
                            c.workspace_id,
                            c.phase,
                            c.parent,
                            c.next_due_ms,
                            c.labels,
                            doc,
                            c.state,
                            incarnation,
                            project_id,
                            name,
                            version
                        ])?,
                )?;
                // A write that lost the race records nothing: its savepoint
                // is rolled back with the error above.
                write_nodes(conn, &project_id, &name, &node_rows)?;
                orders_events::write(conn, &project_id, &records)?;
                Ok(seq)
            })
            .await?;
        pool.version += 1;
        feed::written(pool, seq);
        nodes::stored(pool, &self.nodes);
        Ok(())
    }

    async fn retire_pool(&self, pool: &PoolState) -> Result<(), StoreError> {
        let records = crate::orders_events::record_rows(pool)?;
        let changes = feed::node_and_event_changes(pool, &records);
        let (project_id, name, version) = (
            pool.project_id.clone(),
            pool.name().to_owned(),
            pool.version,
        );
        let (keep, mut wire) = (self.history(), pool.pool.clone());
        self.writer
            .write(move |conn| {
                changed(
                    conn.prepare_cached(q::RETIRE_POOL.sqlite())?
                        .execute(params![project_id, name, version])?,
                )?;
                write_feed(
                    conn,
                    &project_id,
                    keep,
                    &mut wire,
                    Change::Deleted,
                    &changes,
                )?;
                conn.prepare_cached(q::RETIRE_NODES.sqlite())?
                    .execute(params![project_id, name])?;
                orders_events::write(conn, &project_id, &records)
            })
            .await?;
        self.nodes.forget(&pool.project_id, pool.name());
        Ok(())
    }

    async fn list_orders(&self, query: &OrderQuery<'_>) -> Result<OrderPage, StoreError> {
        self.read(|conn| orders_events::list_orders(conn, query))
    }

    async fn get_order_items(
        &self,
        project_id: &str,
        order_name: &str,
    ) -> Result<Option<String>, StoreError> {
        self.read(|conn| orders_events::get_order_items(conn, project_id, order_name))
    }

    async fn list_events(&self, query: &EventQuery<'_>) -> Result<Vec<EventRow>, StoreError> {
        self.read(|conn| orders_events::list_events(conn, query))
    }

    async fn due_pools(
        &self,
        project_id: Option<&str>,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let sql = q::due_pools(project_id, now_ms, limit);
        self.read(|conn| pairs(conn, &sql))
    }

    async fn claim_due_pools(
        &self,
        owner: &str,
        now_ms: i64,
        wall_ms: i64,
        lease_until_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let owner = owner.to_owned();
        let claimed = self
            .writer
            .write(move |conn| {
                Ok(conn
                    .prepare_cached(CLAIM_DUE_POOLS)?
                    .query_map(
                        params![owner, lease_until_ms, now_ms, wall_ms, i64::from(limit)],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )?
                    .collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        Ok(soonest_first(claimed))
    }

    async fn count_pools_by_phase(
        &self,
        project_id: Option<&str>,
        workspace_id: Option<&str>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = q::count_pools_by_phase(project_id, workspace_id);
        self.read(|conn| pairs(conn, &sql))
    }

    async fn due_backlog(&self, now_ms: i64) -> Result<(i64, Option<i64>), StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(q::DUE_BACKLOG.sqlite())?
                .query_row([now_ms], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
    }

    async fn all_pools(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(q::ALL_POOLS.sqlite())?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
    }

    async fn remove_all(&self) -> Result<Removed, StoreError> {
        self.writer
            .write(|conn| {
                let delete = |statement: &'static q::Statement| {
                    conn.execute(statement.sqlite(), []).map(|n| n as u64)
                };
                delete(&q::DELETE_EVENTS)?;
                delete(&q::DELETE_ORDERS)?;
                delete(&q::DELETE_ALL_QUOTAS)?;
                delete(&q::DELETE_ALL_NODES)?;
                delete(&q::DELETE_CHANGES)?;
                delete(&q::FEED_FLOORS_UP)?;
                Ok(Removed {
                    pools: delete(&q::DELETE_POOLS)?,
                    networks: delete(&q::DELETE_NETWORKS)?,
                    workspaces: delete(&q::DELETE_WORKSPACES)?,
                })
            })
            .await
            .inspect(|_| self.nodes.clear())
    }

    async fn insert_fault(&self, f: &Fault) -> Result<(), StoreError> {
        let args = (
            f.id.clone(),
            f.label_selector.clone(),
            f.effect.name(),
            f.effect.count().map(i64::from),
            f.created_ms,
        );
        self.execute(&q::INSERT_FAULT, args).await.map(drop)
    }

    async fn list_faults(&self) -> Result<Vec<Fault>, StoreError> {
        self.read(|conn| {
            all(conn, q::LIST_FAULTS.sqlite(), [], |r| {
                decode_fault(r.get(0)?, r.get(1)?, text(r, 2)?, r.get(3)?, r.get(4)?)
            })
        })
    }

    async fn delete_fault(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.execute(&q::DELETE_FAULT, [id.to_owned()]).await? > 0)
    }

    async fn delete_all_faults(&self) -> Result<u64, StoreError> {
        Ok(self.execute(&q::DELETE_ALL_FAULTS, []).await? as u64)
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(q::GET_SETTING.sqlite())?
                .query_row([key], |r| r.get(0))
                .optional()?)
        })
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let args = [key.to_owned(), value.to_owned()];
        self.execute(&q::PUT_SETTING, args).await.map(drop)
    }

    async fn insert_credential(&self, c: &Credential) -> Result<(), StoreError> {
        let args = (
            c.access_key.clone(),
            c.secret_key.clone(),
            c.domain_id.clone(),
            serde_json::to_string(&c.project_ids)?,
            c.security_token.clone(),
            c.expires_ms,
            c.created_ms,
        );
        self.execute(&q::INSERT_CREDENTIAL, args).await.map(drop)
    }

    async fn get_credential(&self, access_key: &str) -> Result<Option<Credential>, StoreError> {
        self.read(|conn| {
            one(
                conn,
                q::GET_CREDENTIAL.sqlite(),
                [access_key],
                credential_from_row,
            )
        })
    }

    async fn list_credentials(&self) -> Result<Vec<Credential>, StoreError> {
        self.read(|conn| all(conn, q::LIST_CREDENTIALS.sqlite(), [], credential_from_row))
    }

    async fn revoke_credential(&self, access_key: &str) -> Result<bool, StoreError> {
        let args = [access_key.to_owned()];
        Ok(self.execute(&q::REVOKE_CREDENTIAL, args).await? > 0)
    }

    async fn insert_user(&self, u: &User) -> Result<(), StoreError> {
        let args = (
            u.name.clone(),
            u.password_hash.clone(),
            u.domain_id.clone(),
            serde_json::to_string(&u.project_ids)?,
            u.created_ms,
        );
        self.execute(&q::INSERT_USER, args).await.map(drop)
    }

    async fn get_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.read(|conn| {
            one(conn, q::GET_USER.sqlite(), [name], |r| {
                Ok(User {
                    name: r.get(0)?,
                    password_hash: r.get(1)?,
                    domain_id: r.get(2)?,
                    project_ids: serde_json::from_str(text(r, 3)?)?,
                    created_ms: r.get(4)?,
                })
            })
        })
    }

    async fn list_user_names(&self, domain_id: &str) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            all(conn, q::LIST_USER_NAMES.sqlite(), [domain_id], |r| {
                Ok(r.get(0)?)
            })
        })
    }

    async fn insert_network(&self, n: &NetworkState) -> Result<(), StoreError> {
        let args = (
            n.project_id.clone(),
            n.name().to_owned(),
            n.created_ms,
            n.ready_ms,
            n.version,
            serde_json::to_string(&n.network.metadata.labels)?,
            serde_json::to_string(&n.network)?,
        );
        self.execute(&q::INSERT_NETWORK, args).await.map(drop)
    }

    async fn get_network(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<NetworkState>, StoreError> {
        self.read(|conn| {
            one(conn, q::GET_NETWORK.sqlite(), [project_id, name], |r| {
                network_from_row(project_id, r)
            })
        })
    }

    async fn list_networks(&self, project_id: &str) -> Result<Vec<NetworkState>, StoreError> {
        self.read(|conn| {
            all(conn, q::LIST_NETWORKS.sqlite(), [project_id], |r| {
                network_from_row(project_id, r)
            })
        })
    }

    async fn update_network(&self, n: &mut NetworkState) -> Result<(), StoreError> {
        let args = (
            serde_json::to_string(&n.network.metadata.labels)?,
            serde_json::to_string(&n.network)?,
            n.project_id.clone(),
            n.name().to_owned(),
            n.version,
        );
        changed(self.execute(&q::UPDATE_NETWORK, args).await?)?;
        n.version += 1;
        Ok(())
    }

    async fn delete_network(&self, project_id: &str, name: &str) -> Result<bool, StoreError> {
        let args = [project_id.to_owned(), name.to_owned()];
        Ok(self.execute(&q::DELETE_NETWORK, args).await? > 0)
    }

    async fn insert_workspace(&self, project_id: &str, w: &Workspace) -> Result<(), StoreError> {
        let args = (
            project_id.to_owned(),
            w.id.clone(),
            w.name.clone(),
            w.create_time,
            serde_json::to_string(w)?,
        );
        self.execute(&q::INSERT_WORKSPACE, args).await.map(drop)
    }

    async fn get_workspace(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<Workspace>, StoreError> {
        self.read(|conn| {
            one(conn, q::GET_WORKSPACE.sqlite(), [project_id, id], |r| {
                Ok(serde_json::from_str(text(r, 0)?)?)
            })
        })
    }

    async fn list_workspaces(&self, project_id: &str) -> Result<Vec<Workspace>, StoreError> {
        self.read(|conn| {
            all(conn, q::LIST_WORKSPACES.sqlite(), [project_id], |r| {
                Ok(serde_json::from_str(text(r, 0)?)?)
            })
        })
    }

    async fn update_workspace(&self, project_id: &str, w: &Workspace) -> Result<bool, StoreError> {
        let args = [
            w.name.clone(),
            serde_json::to_string(w)?,
            project_id.to_owned(),
            w.id.clone(),
        ];
        Ok(self.execute(&q::UPDATE_WORKSPACE, args).await? > 0)
    }

    async fn delete_workspace(&self, project_id: &str, id: &str) -> Result<bool, StoreError> {
        let args = [project_id.to_owned(), id.to_owned()];
        Ok(self.execute(&q::DELETE_WORKSPACE, args).await? > 0)
    }

    async fn get_quotas(&self, project_id: &str, scope: &str) -> Result<QuotaSettings, StoreError> {
        let doc: Option<QuotaSettings> = self.read(|conn| {
            one(conn, q::GET_QUOTAS.sqlite(), [project_id, scope], |r| {
                Ok(serde_json::from_str(text(r, 0)?)?)
            })
        })?;
        Ok(doc.unwrap_or_default())
    }

    async fn put_quotas(
        &self,
        project_id: &str,
        scope: &str,
        quotas: &QuotaSettings,
    ) -> Result<(), StoreError> {
        let args = [
            project_id.to_owned(),
            scope.to_owned(),
            serde_json::to_string(quotas)?,
        ];
        self.execute(&q::PUT_QUOTAS, args).await.map(drop)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| Ok(conn.query_row(q::PING.sqlite(), [], |_| Ok(()))?))?;
        // The writer answers too: a no-op write goes through its queue.
        self.writer.write(|_| Ok(())).await
    }
}

fn credential_from_row(r: &Row<'_>) -> Result<Credential, StoreError> {
    Ok(Credential {
        access_key: r.get(0)?,
        secret_key: r.get(1)?,
        domain_id: r.get(2)?,
        project_ids: serde_json::from_str(text(r, 3)?)?,
        security_token: r.get(4)?,
        expires_ms: r.get(5)?,
        created_ms: r.get(6)?,
    })
}

fn network_from_row(project_id: &str, r: &Row<'_>) -> Result<NetworkState, StoreError> {
    decode_network(
        project_id.to_owned(),
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        text(r, 3)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists must read the project's run of the primary key in order: no
    /// other index, and no sort.
    #[tokio::test]
    async fn lists_scan_the_projects_range_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_path(&dir.path().join("t.db"))
            .await
            .unwrap();
        let queries = [
            PoolQuery {
                project_id: "p",
                ..Default::default()
            },
            PoolQuery {
                project_id: "p",
                workspace_id: Some("0"),
                phases: Some(vec!["Running", "Abnormal"]),
                parent: Some("x"),
            },
        ];
        for query in &queries {
            let sql = q::list_pools(query);
            let plan: Vec<String> = store
                .read(|conn| {
                    Ok(conn
                        .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.sqlite()))?
                        .query_map(values(sql.args()), |r| r.get::<_, String>(3))?
                        .collect::<Result<_, _>>()?)
                })
                .unwrap();
            assert_eq!(
                plan,
                ["SEARCH pools USING PRIMARY KEY (project_id=?)"],
                "{}",
                sql.sqlite()
            );
        }
        let page_size: i64 = store
            .read(|conn| Ok(conn.query_row("PRAGMA page_size", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(
            page_size, 16384,
            "a new file holds a pool's row in one page"
        );
    }

    /// A file written before the pools were clustered (migrations 1 to 5)
    /// keeps its pools, leases and uniqueness through migration 6.
    #[tokio::test]
    async fn pools_survive_the_move_to_the_clustered_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let db = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .unwrap();
        let before_0006 = sqlx::migrate::Migrator {
            migrations: MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version < 6)
                .cloned()
                .collect(),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        before_0006.run(&db).await.unwrap();
        for (name, created, due) in [("b", 2_000, None), ("a", 1_000, Some(5_000))] {
            sqlx::query(
                "INSERT INTO pools (project_id, name, workspace_id, phase, parent, created_ms, version, next_due_ms, labels, doc, state, lease_owner)
                 VALUES ('p', ?, '0', 'Creating', NULL, ?, 3, ?, '{}', ?, '{}', 'r1')",
            )
            .bind(name)
            .bind(created)
            .bind(due)
            .bind(format!(r#"{{"name":"{name}"}}"#))
            .execute(&db)
            .await
            .unwrap();
        }
        db.close().await;

        let store = SqliteStore::open_path(&path).await.unwrap();
        let listed = store
            .list_pools(&PoolQuery {
                project_id: "p",
                ..Default::default()
            })
            .await
            .unwrap();
        let names: Vec<&str> = listed.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b"], "creation order survives");
        assert_eq!(listed[0].doc, r#"{"name":"a"}"#);
        let (versions, owners): (Vec<i64>, Vec<String>) = store
            .read(|conn| {
                Ok(conn
                    .prepare("SELECT version, lease_owner FROM pools ORDER BY name")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<(i64, String)>, _>>()?
                    .into_iter()
                    .unzip())
            })
            .unwrap();
        assert_eq!(
            (versions, owners),
            (vec![3, 3], vec!["r1".to_owned(), "r1".to_owned()])
        );
        assert_eq!(
            store.due_pools(Some("p"), 9_000, 10).await.unwrap(),
            [("p".to_owned(), "a".to_owned())]
        );
        let twin = store
            .writer
            .write(|conn| {
                conn.execute(
                    "INSERT INTO pools (project_id, name, workspace_id, phase, created_ms, version, labels, doc, state)
                     VALUES ('p', 'a', '0', 'Creating', 7, 1, '{}', '{}', '{}')",
                    [],
                )?;
                Ok(())
            })
            .await;
        assert!(matches!(twin, Err(StoreError::AlreadyExists)), "{twin:?}");
    }
}
