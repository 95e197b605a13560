//! The embedded default: one SQLite file in WAL mode.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use respool_api_types::Workspace;
use respool_core::faults::Fault;
use respool_core::identity::{Credential, User};
use respool_core::network::NetworkState;
use respool_core::pool::PoolState;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{
    decode_fault, decode_network, decode_pool, history, EventQuery, EventRow, OrderPage,
    OrderQuery, PoolColumns, PoolQuery, PoolRow, Store, StoreError,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// SQLite takes one writer at a time; a second one waits in its busy
    /// handler, which sleeps 1 to 100 ms between tries. Pool writers queue
    /// here instead, so each starts the moment the previous one commits.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a
    /// plain path) and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit that was answered survives power loss, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A file connection cannot go stale: pinging it before every query
            // only doubles the round trips to the connection's worker thread.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migrations failed: {e}")))?;
        Ok(SqliteStore {
            pool,
            writer: Arc::default(),
        })
    }

    pub async fn open_path(path: &Path) -> Result<Self, StoreError> {
        Self::open(&format!("sqlite://{}", path.display())).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_pool(&self, pool: &PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO pools (project_id, name, workspace_id, phase, parent, created_ms, version, next_due_ms, labels, doc, state)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&pool.project_id)
        .bind(pool.name())
        .bind(&c.workspace_id)
        .bind(c.phase)
        .bind(&c.parent)
        .bind(pool.created_ms)
        .bind(pool.version)
        .bind(c.next_due_ms)
        .bind(&c.labels)
        .bind(&c.doc)
        .bind(&c.state)
        .execute(&mut *tx)
        .await?;
        history::sqlite::write(&mut tx, pool).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_pool(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<PoolState>, StoreError> {
        let row =
            sqlx::query("SELECT version, doc, state FROM pools WHERE project_id = ? AND name = ?")
                .bind(project_id)
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| decode_pool(project_id.to_owned(), r.get(0), r.get(1), r.get(2)))
            .transpose()
    }

    async fn list_pools(&self, q: &PoolQuery<'_>) -> Result<Vec<PoolRow>, StoreError> {
        let mut sql =
            QueryBuilder::<Sqlite>::new("SELECT name, labels, doc FROM pools WHERE project_id = ");
        sql.push_bind(q.project_id);
        if let Some(ws) = q.workspace_id {
            sql.push(" AND workspace_id = ").push_bind(ws);
        }
        if let Some(phases) = &q.phases {
            sql.push(" AND phase IN (");
            let mut list = sql.separated(", ");
            for p in phases {
                list.push_bind(*p);
            }
            sql.push(")");
        }
        if let Some(parent) = q.parent {
            sql.push(" AND parent = ").push_bind(parent);
        }
        sql.push(" ORDER BY created_ms, name");
        let rows = sql.build().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|r| PoolRow {
                name: r.get(0),
                labels: r.get(1),
                doc: r.get(2),
            })
            .collect())
    }

    async fn update_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE pools SET workspace_id = ?, phase = ?, parent = ?, version = version + 1, next_due_ms = ?, labels = ?, doc = ?, state = ?
             WHERE project_id = ? AND name = ? AND version = ?",
        )
        .bind(&c.workspace_id)
        .bind(c.phase)
        .bind(&c.parent)
        .bind(c.next_due_ms)
        .bind(&c.labels)
        .bind(&c.doc)
        .bind(&c.state)
        .bind(&pool.project_id)
        .bind(pool.name())
        .bind(pool.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            // Dropping the transaction rolls it back: the loser records nothing.
            return Err(StoreError::Conflict);
        }
        history::sqlite::write(&mut tx, pool).await?;
        tx.commit().await?;
        pool.version += 1;
        pool.pending.take();
        Ok(())
    }

    async fn retire_pool(&self, pool: &PoolState) -> Result<(), StoreError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        let done =
            sqlx::query("DELETE FROM pools WHERE project_id = ? AND name = ? AND version = ?")
                .bind(&pool.project_id)
                .bind(pool.name())
                .bind(pool.version)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        history::sqlite::write(&mut tx, pool).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_orders(&self, query: &OrderQuery<'_>) -> Result<OrderPage, StoreError> {
        history::sqlite::list_orders(&self.pool, query).await
    }

    async fn get_order_items(
        &self,
        project_id: &str,
        order_name: &str,
    ) -> Result<Option<String>, StoreError> {
        history::sqlite::get_order_items(&self.pool, project_id, order_name).await
    }

    async fn list_events(&self, query: &EventQuery<'_>) -> Result<Vec<EventRow>, StoreError> {
        history::sqlite::list_events(&self.pool, query).await
    }

    async fn due_pools(
        &self,
        project_id: Option<&str>,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT project_id, name FROM pools WHERE next_due_ms IS NOT NULL AND next_due_ms <= ",
        );
        sql.push_bind(now_ms);
        if let Some(p) = project_id {
            sql.push(" AND project_id = ").push_bind(p);
        }
        sql.push(" ORDER BY next_due_ms LIMIT ")
            .push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(&self.pool).await?;
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
        let _writer = self.writer.lock().await;
        let rows = sqlx::query(
            "UPDATE pools SET lease_owner = ?1, lease_until_ms = ?2, lease_due_ms = next_due_ms
             WHERE rowid IN (
                 SELECT rowid FROM pools
                 WHERE next_due_ms IS NOT NULL AND next_due_ms <= ?3
                   AND (lease_until_ms IS NULL OR lease_until_ms < ?4 OR lease_due_ms IS NOT next_due_ms OR lease_owner = ?1)
                 ORDER BY next_due_ms LIMIT ?5)
             RETURNING project_id, name, next_due_ms",
        )
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
        let mut sql = QueryBuilder::<Sqlite>::new("SELECT phase, COUNT(*) FROM pools WHERE 1 = 1");
        if let Some(p) = project_id {
            sql.push(" AND project_id = ").push_bind(p);
        }
        if let Some(w) = workspace_id {
            sql.push(" AND workspace_id = ").push_bind(w);
        }
        sql.push(" GROUP BY phase ORDER BY phase");
        let rows = sql.build().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn due_backlog(&self, now_ms: i64) -> Result<(i64, Option<i64>), StoreError> {
        let row = sqlx::query("SELECT COUNT(*), MIN(next_due_ms) FROM pools WHERE next_due_ms IS NOT NULL AND next_due_ms <= ?")
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.get(0), row.get(1)))
    }

    async fn all_pools(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT project_id, name FROM pools ORDER BY created_ms, project_id, name")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn remove_all_pools(&self) -> Result<u64, StoreError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM events").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM orders").execute(&mut *tx).await?;
        let done = sqlx::query("DELETE FROM pools").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn insert_fault(&self, f: &Fault) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO faults (id, label_selector, effect, count, created_ms) VALUES (?, ?, ?, ?, ?)",
        )
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
        let rows = sqlx::query(
            "SELECT id, label_selector, effect, count, created_ms FROM faults ORDER BY created_ms, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| decode_fault(r.get(0), r.get(1), r.get::<&str, _>(2), r.get(3), r.get(4)))
            .collect()
    }

    async fn delete_fault(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM faults WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_all_faults(&self) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM faults")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_credential(&self, c: &Credential) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO credentials (access_key, secret_key, domain_id, project_ids, security_token, expires_ms, created_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
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
        let row = sqlx::query(&format!("{CREDENTIAL_COLUMNS} WHERE access_key = ?"))
            .bind(access_key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| credential_from_row(&r)).transpose()
    }

    async fn list_credentials(&self) -> Result<Vec<Credential>, StoreError> {
        let rows = sqlx::query(&format!(
            "{CREDENTIAL_COLUMNS} ORDER BY created_ms, access_key"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(credential_from_row).collect()
    }

    async fn revoke_credential(&self, access_key: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM credentials WHERE access_key = ?")
            .bind(access_key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_user(&self, u: &User) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO users (name, password_hash, domain_id, project_ids, created_ms) VALUES (?, ?, ?, ?, ?)")
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
        let row = sqlx::query("SELECT name, password_hash, domain_id, project_ids, created_ms FROM users WHERE name = ?")
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

    async fn insert_network(&self, n: &NetworkState) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO networks (project_id, name, created_ms, ready_ms, version, labels, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
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
        let row = sqlx::query(
            "SELECT created_ms, ready_ms, version, doc FROM networks WHERE project_id = ? AND name = ?",
        )
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
        let rows = sqlx::query(
            "SELECT created_ms, ready_ms, version, doc FROM networks WHERE project_id = ? ORDER BY created_ms, name",
        )
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
        let done = sqlx::query(
            "UPDATE networks SET version = version + 1, labels = ?, doc = ? WHERE project_id = ? AND name = ? AND version = ?",
        )
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
        let done = sqlx::query("DELETE FROM networks WHERE project_id = ? AND name = ?")
            .bind(project_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_workspace(&self, project_id: &str, w: &Workspace) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO workspaces (project_id, id, name, created_ms, doc) VALUES (?, ?, ?, ?, ?)",
        )
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
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM workspaces WHERE project_id = ? AND id = ?")
                .bind(project_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    async fn list_workspaces(&self, project_id: &str) -> Result<Vec<Workspace>, StoreError> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM workspaces WHERE project_id = ? ORDER BY created_ms, id",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(docs
            .iter()
            .map(|d| serde_json::from_str(d))
            .collect::<Result<_, _>>()?)
    }

    async fn update_workspace(&self, project_id: &str, w: &Workspace) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE workspaces SET name = ?, doc = ? WHERE project_id = ? AND id = ?")
                .bind(&w.name)
                .bind(serde_json::to_string(w)?)
                .bind(project_id)
                .bind(&w.id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_workspace(&self, project_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM workspaces WHERE project_id = ? AND id = ?")
            .bind(project_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

const CREDENTIAL_COLUMNS: &str =
    "SELECT access_key, secret_key, domain_id, project_ids, security_token, expires_ms, created_ms FROM credentials";

fn credential_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Credential, StoreError> {
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

/// `RETURNING` gives rows in no set order; the reconciler wants the soonest first.
pub(crate) fn soonest_first(mut rows: Vec<(String, String, i64)>) -> Vec<(String, String)> {
    rows.sort_by_key(|r| r.2);
    rows.into_iter().map(|(p, n, _)| (p, n)).collect()
}
