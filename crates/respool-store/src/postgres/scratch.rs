//! A schema of its own in a shared PostgreSQL database, for one test or one
//! throwaway run: created and migrated on demand, dropped with everything in
//! it when the value is dropped, whether the test passed or panicked.

use sqlx::{Connection, PgConnection};

use super::PostgresStore;
use crate::StoreError;

pub struct ScratchSchema {
    base_url: String,
    name: String,
}

impl ScratchSchema {
    /// A new schema `<prefix>_<random>` in the database at `base_url`, with
    /// a store migrated into it.
    pub async fn create(
        base_url: &str,
        prefix: &str,
    ) -> Result<(ScratchSchema, PostgresStore), StoreError> {
        let name = format!("{prefix}_{}", rand::random::<u64>());
        let store = PostgresStore::open_in_schema(base_url, &name).await?;
        let schema = ScratchSchema {
            base_url: base_url.to_owned(),
            name,
        };
        Ok((schema, store))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A database URL that selects this schema (for `respool serve --database`).
    pub fn url(&self) -> String {
        let sep = if self.base_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}options[search_path]={}", self.base_url, self.name)
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        let (url, name) = (self.base_url.clone(), self.name.clone());
        // On a thread of its own: the caller's runtime may be blocked in this drop.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(drop_schema(&url, &name))
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            // A failing drop must not turn a test's panic into an abort.
            Ok(Err(e)) => eprintln!("could not drop schema {}: {e}", self.name),
            Err(_) => eprintln!(
                "could not drop schema {}: the dropping thread panicked",
                self.name
            ),
        }
    }
}

/// Ends the sessions that still hold locks in `schema`, then drops it. A
/// transaction a store dropped (a lost version race, a panic, a killed
/// server) is only rolled back by its own session: its locks would hold the
/// `DROP` forever.
async fn drop_schema(
    url: &str,
    schema: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = PgConnection::connect(url).await?;
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM (
             SELECT DISTINCT l.pid FROM pg_locks l
             JOIN pg_class c ON c.oid = l.relation
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND l.pid <> pg_backend_pid()) holders",
    )
    .bind(schema)
    .execute(&mut conn)
    .await?;
    sqlx::query("SET lock_timeout = '10s'")
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}
