//! What the SQLite driver costs: the same queries the server runs, through
//! `SqliteStore` (sqlx: a worker thread per connection, every statement and
//! every row a message between threads) and through rusqlite called inline
//! on the calling thread, interleaved sample by sample so that the noise of
//! the machine falls on both alike. Evidence for the proposed store change in
//! BENCHMARKS.md; nothing in the server uses rusqlite.

use std::time::{Duration, Instant};

use anyhow::Context;
use respool_core::time::wall_ms;
use respool_store::{PoolQuery, SqliteStore, Store};
use rusqlite::{Connection, OpenFlags};
use serde_json::json;

use crate::load::round;
use crate::stats::median_ms;

const LIST: &str = "SELECT name, labels, doc FROM pools WHERE project_id = ?1 AND workspace_id = '0' ORDER BY created_ms, name";
const LIST_CONCAT: &str = "SELECT group_concat(doc, ',') FROM (SELECT doc FROM pools WHERE project_id = ?1 AND workspace_id = '0' ORDER BY created_ms, name)";
const DUE: &str = "SELECT project_id, name FROM pools WHERE next_due_ms IS NOT NULL AND next_due_ms <= ?2 AND project_id = ?1 ORDER BY next_due_ms LIMIT 256";

pub async fn run(file: &str, project: &str, samples: usize) -> anyhow::Result<()> {
    let store = SqliteStore::open(&format!("sqlite://{file}"))
        .await
        .context("open with sqlx")?;
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .context("open with rusqlite")?;
    let query = PoolQuery {
        project_id: project,
        workspace_id: Some("0"),
        phases: None,
        parent: None,
    };
    let mut t = [(); 6].map(|_| Vec::<Duration>::with_capacity(samples));
    let mut rows = (0, 0, 0);
    for i in 0..=samples {
        let a = Instant::now();
        let listed = store.list_pools(&query).await?;
        let b = Instant::now();
        let inline = {
            let mut stmt = conn.prepare_cached(LIST)?;
            let mapped = stmt.query_map([project], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            mapped.collect::<Result<Vec<_>, _>>()?
        };
        let c = Instant::now();
        let concat: Option<String> = conn
            .prepare_cached(LIST_CONCAT)?
            .query_row([project], |r| r.get(0))?;
        let d = Instant::now();
        store.due_pools(Some(project), wall_ms(), 256).await?;
        let e = Instant::now();
        {
            let mut stmt = conn.prepare_cached(DUE)?;
            let n = stmt
                .query_map(rusqlite::params![project, wall_ms()], |r| {
                    r.get::<_, String>(1)
                })?
                .count();
            std::hint::black_box(n);
        }
        let f = Instant::now();
        store.get_credential("NO-SUCH-KEY").await?;
        let g = Instant::now();
        if i > 0 {
            for (k, (from, to)) in [(a, b), (b, c), (c, d), (d, e), (e, f), (f, g)]
                .into_iter()
                .enumerate()
            {
                t[k].push(to - from);
            }
        }
        rows = (listed.len(), inline.len(), concat.map_or(0, |s| s.len()));
    }
    let [sqlx_list, inline_list, inline_concat, sqlx_due, inline_due, sqlx_cred] = t.map(median_ms);
    println!(
        "{}",
        json!({
            "rows": rows.0,
            "inline_rows": rows.1,
            "concat_bytes": rows.2,
            "samples": samples,
            "sqlx_list_ms": round(sqlx_list, 4),
            "inline_list_ms": round(inline_list, 4),
            "inline_concat_list_ms": round(inline_concat, 4),
            "sqlx_due_ms": round(sqlx_due, 4),
            "inline_due_ms": round(inline_due, 4),
            "sqlx_get_credential_ms": round(sqlx_cred, 4),
        })
    );
    Ok(())
}
