//! Fills a store with many pools straight through the `Store` trait
//! (`PoolState::create` + `insert_pool`, what `POST /pools` does without HTTP).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use respool_core::flavors::Catalog;
use respool_core::pool::{Env, PoolState};
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_store::{PostgresStore, SqliteStore, Store, StoreError};

use crate::fixtures::{display_name, pool_request, project_id};

pub struct SeedArgs {
    pub database: String,
    pub first_project: String,
    pub projects: usize,
    pub pools_per_project: usize,
    pub domain_id: String,
    pub region: String,
    pub concurrency: usize,
}

pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    Ok(
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Arc::new(PostgresStore::open(url).await.context("open PostgreSQL")?)
        } else {
            // It writes pools: not beside a server of the same file.
            Arc::new(
                SqliteStore::open_to_serve(url)
                    .await
                    .context("open SQLite")?,
            )
        },
    )
}

/// Inserts `projects × pools_per_project` running pools. Pools are created
/// round-robin over the projects, as tenants create them over time, so one
/// project's pools are spread over the whole table, not stored side by side.
pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let store = open(&args.database).await?;
    let total = args.projects * args.pools_per_project;
    // Creation times one millisecond apart, ending now.
    let base_ms = wall_ms() - total as i64;
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let args = Arc::new(args);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (store, next, done, args) = (store.clone(), next.clone(), done.clone(), args.clone());
        tasks.push(tokio::spawn(async move {
            let catalog = Catalog::builtin();
            let env = Env {
                catalog: &catalog,
                region: &args.region,
                domain_id: &args.domain_id,
                timing: TimingProfile::Immediate,
            };
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total {
                    return Ok::<(), anyhow::Error>(());
                }
                let (p, i) = (k % args.projects, k / args.projects);
                let project = project_id(&args.first_project, p);
                let now = base_ms + k as i64;
                let mut pool =
                    PoolState::create(&project, pool_request(&display_name(i), i), &env, now)
                        .map_err(|e| anyhow::anyhow!("fixture refused: {e}"))?;
                pool.step(now);
                match store.insert_pool(&mut pool).await {
                    // A re-run over a partly seeded store keeps what is there.
                    Ok(()) | Err(StoreError::AlreadyExists) => {}
                    Err(e) => return Err(e).context("insert_pool"),
                }
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n % 100_000 == 0 {
                    eprintln!(
                        "seed: {n}/{total} pools, {:.0}/s",
                        n as f64 / started.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    eprintln!(
        "seed: {total} pools in {} projects, {:.1} s",
        args.projects,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
