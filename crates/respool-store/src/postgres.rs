//! PostgreSQL, for several replicas on one database. The SQL stays within
//! what PostgreSQL-compatible distributed databases also accept.

use std::time::Duration;

use async_trait::async_trait;
use respool_api_types::Workspace;
use respool_core::faults::Fault;
use respool_core::identity::{Credential, User};
use respool_core::network::NetworkState;
use respool_core::pool::PoolState;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use crate::{
    decode_fault, decode_network, decode_pool, history, EachPool, EventQuery, EventRow, OrderPage,
    OrderQuery, PoolColumns, PoolQuery, PoolRowRef, Removed, Store, StoreError,
};

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
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
        Ok(PostgresStore { pool })
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
    async fn insert_pool(&self, pool: &PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO pools (project_id, name, workspace_id, phase, parent, created_ms, version, next_due_ms, labels, doc, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
        history::postgres::write(&mut tx, pool).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_pool(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<PoolState>, StoreError> {
        let row = sqlx::query(
            "SELECT version, doc, state FROM pools WHERE project_id = $1 AND name = $2",
        )
        .bind(project_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| decode_pool(project_id.to_owned(), r.get(0), r.get(1), r.get(2)))
            .transpose()
    }

    async fn for_each_pool(
        &self,
        q: &PoolQuery<'_>,
        each: &mut EachPool<'_>,
    ) -> Result<(), StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(
            "SELECT name, labels, doc, next_due_ms FROM pools WHERE project_id = ",
        );
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

    async fn update_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        let c = PoolColumns::of(pool)?;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE pools SET workspace_id = $1, phase = $2, parent = $3, version = version + 1, next_due_ms = $4, labels = $5, doc = $6, state = $7
             WHERE project_id = $8 AND name = $9 AND version = $10",
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
        history::postgres::write(&mut tx, pool).await?;
        tx.commit().await?;
        pool.version += 1;
        pool.pending.take();
        Ok(())
    }

    async fn retire_pool(&self, pool: &PoolState) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let done =
            sqlx::query("DELETE FROM pools WHERE project_id = $1 AND name = $2 AND version = $3")
                .bind(&pool.project_id)
                .bind(pool.name())
                .bind(pool.version)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        history::postgres::write(&mut tx, pool).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_orders(&self, query: &OrderQuery<'_>) -> Result<OrderPage, StoreError> {
        history::postgres::list_orders(&self.pool, query).await
    }

    async fn get_order_items(
        &self,
        project_id: &str,
        order_name: &str,
    ) -> Result<Option<String>, StoreError> {
        history::postgres::get_order_items(&self.pool, project_id, order_name).await
    }

    async fn list_events(&self, query: &EventQuery<'_>) -> Result<Vec<EventRow>, StoreError> {
        history::postgres::list_events(&self.pool, query).await
    }

    async fn due_pools(
        &self,
        project_id: Option<&str>,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(
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
        let rows = sqlx::query(
            "UPDATE pools SET lease_owner = $1, lease_until_ms = $2, lease_due_ms = next_due_ms
             WHERE (project_id, name) IN (
                 SELECT project_id, name FROM pools
                 WHERE next_due_ms IS NOT NULL AND next_due_ms <= $3
                   AND (lease_until_ms IS NULL OR lease_until_ms < $4 OR lease_due_ms IS DISTINCT FROM next_due_ms OR lease_owner = $1)
                 ORDER BY next_due_ms LIMIT $5
                 FOR UPDATE SKIP LOCKED)
             RETURNING project_id, name, next_due_ms",
        )
        .bind(owner)
        .bind(lease_until_ms)
        .bind(now_ms)
        .bind(wall_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(crate::sqlite::soonest_first(
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
        let mut sql =
            QueryBuilder::<Postgres>::new("SELECT phase, COUNT(*) FROM pools WHERE 1 = 1");
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
        let row = sqlx::query("SELECT COUNT(*), MIN(next_due_ms) FROM pools WHERE next_due_ms IS NOT NULL AND next_due_ms <= $1")
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

    async fn remove_all(&self) -> Result<Removed, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM events").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM orders").execute(&mut *tx).await?;
        let mut delete = async |table: &str| {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await
                .map(|done| done.rows_affected())
        };
        let removed = Removed {
            pools: delete("pools").await?,
            networks: delete("networks").await?,
            workspaces: delete("workspaces").await?,
        };
        tx.commit().await?;
        Ok(removed)
    }

    async fn insert_fault(&self, f: &Fault) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO faults (id, label_selector, effect, count, created_ms) VALUES ($1, $2, $3, $4, $5)")
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
        let rows = sqlx::query("SELECT id, label_selector, effect, count, created_ms FROM faults ORDER BY created_ms, id")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| decode_fault(r.get(0), r.get(1), r.get::<&str, _>(2), r.get(3), r.get(4)))
            .collect()
    }

    async fn delete_fault(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM faults WHERE id = $1")
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
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_credential(&self, c: &Credential) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO credentials (access_key, secret_key, domain_id, project_ids, security_token, expires_ms, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        let row = sqlx::query(&format!("{CREDENTIAL_COLUMNS} WHERE access_key = $1"))
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
        let done = sqlx::query("DELETE FROM credentials WHERE access_key = $1")
            .bind(access_key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_user(&self, u: &User) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO users (name, password_hash, domain_id, project_ids, created_ms) VALUES ($1, $2, $3, $4, $5)")
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
        let row = sqlx::query("SELECT name, password_hash, domain_id, project_ids, created_ms FROM users WHERE name = $1")
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
            "INSERT INTO networks (project_id, name, created_ms, ready_ms, version, labels, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
            "SELECT created_ms, ready_ms, version, doc FROM networks WHERE project_id = $1 AND name = $2",
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
            "SELECT created_ms, ready_ms, version, doc FROM networks WHERE project_id = $1 ORDER BY created_ms, name",
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
            "UPDATE networks SET version = version + 1, labels = $1, doc = $2 WHERE project_id = $3 AND name = $4 AND version = $5",
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
        let done = sqlx::query("DELETE FROM networks WHERE project_id = $1 AND name = $2")
            .bind(project_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_workspace(&self, project_id: &str, w: &Workspace) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO workspaces (project_id, id, name, created_ms, doc) VALUES ($1, $2, $3, $4, $5)",
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
            sqlx::query_scalar("SELECT doc FROM workspaces WHERE project_id = $1 AND id = $2")
                .bind(project_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    async fn list_workspaces(&self, project_id: &str) -> Result<Vec<Workspace>, StoreError> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM workspaces WHERE project_id = $1 ORDER BY created_ms, id",
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
        let done = sqlx::query(
            "UPDATE workspaces SET name = $1, doc = $2 WHERE project_id = $3 AND id = $4",
        )
        .bind(&w.name)
        .bind(serde_json::to_string(w)?)
        .bind(project_id)
        .bind(&w.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_workspace(&self, project_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM workspaces WHERE project_id = $1 AND id = $2")
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
