//! Moves pools through their lifecycle as the clock passes each stage's end.
//! All its state is in the store, so a restart continues where it stopped.

use std::time::Duration;

use respool_core::pool::StepOutcome;
use respool_store::StoreError;

use crate::app::AppState;

/// How many due pools one pass takes on.
const BATCH: u32 = 256;
const MAX_BATCHES: usize = 64;
/// How long a claim on a due pool lasts: a replica that dies holding one
/// delays that pool by at most this much.
const LEASE_MS: i64 = 10_000;

/// Runs forever: one pass, then sleep until woken or the tick passes.
pub async fn run(app: AppState, tick: Duration) {
    loop {
        if let Err(e) = pass(&app).await {
            tracing::warn!(error = %e, "reconciler pass failed; retrying");
        }
        tokio::select! {
            _ = app.wake.notified() => {}
            _ = tokio::time::sleep(tick) => {}
        }
    }
}

/// Steps every pool that is due now; returns how many changed. First picks
/// up what other replicas may have changed: the clock and the fault rules.
pub async fn pass(app: &AppState) -> Result<usize, StoreError> {
    app.clock.sync(app.store.as_ref()).await?;
    let before = app.faults();
    if app.reload_faults().await? != before {
        if let Err(e) = app.spread_faults().await {
            tracing::warn!(error = %e, "could not apply changed faults; retrying next pass");
        }
    }
    let mut changed = 0;
    // Bounded, so a pass ends even when other writers keep winning every race.
    for _ in 0..MAX_BATCHES {
        let wall = respool_core::time::wall_ms();
        let claimed = app
            .store
            .claim_due_pools(
                &app.replica_id,
                app.clock.now(),
                wall,
                wall + LEASE_MS,
                BATCH,
            )
            .await?;
        let full = claimed.len() == BATCH as usize;
        changed += step_each(app, claimed).await?;
        if !full {
            break;
        }
    }
    Ok(changed)
}

/// Steps the due pools of one project, so that what a list reads agrees
/// with the clock. Leases are not taken: the version check keeps a stage
/// from being applied twice.
pub async fn catch_up(app: &AppState, project_id: &str) -> Result<usize, StoreError> {
    let mut changed = 0;
    for _ in 0..MAX_BATCHES {
        let due = app
            .store
            .due_pools(Some(project_id), app.clock.now(), BATCH)
            .await?;
        let full = due.len() == BATCH as usize;
        changed += step_each(app, due).await?;
        if !full {
            break;
        }
    }
    Ok(changed)
}

/// Steps each pool to the clock and writes what changed; returns how many did.
async fn step_each(app: &AppState, pools: Vec<(String, String)>) -> Result<usize, StoreError> {
    let mut changed = 0;
    {
        let now = app.clock.now();
        for (project_id, name) in pools {
            let Some(mut pool) = app.store.get_pool(&project_id, &name).await? else {
                continue;
            };
            let written = match pool.step(now) {
                StepOutcome::Unchanged => continue,
                StepOutcome::Changed => app.update_pool(&mut pool).await,
                StepOutcome::Gone => app.retire_pool(&mut pool).await,
            };
            match written {
                Ok(()) => changed += 1,
                // A request changed the pool meanwhile; the next pass sees it again.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(changed)
}
