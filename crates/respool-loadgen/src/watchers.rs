//! Many watchers of one project: how long after a write each of them sees
//! it, and what an idle watcher costs the server in memory. Prints one JSON
//! line.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use respool_client::{Client, ListPools, NewPool, WatchTarget};
use serde_json::json;
use tokio::sync::mpsc;

use crate::load::round;
use crate::stats::Latencies;

pub struct WatchersArgs {
    pub count: usize,
    pub writes: usize,
    /// The server's process id, for its resident memory.
    pub pid: Option<u32>,
}

/// Resident memory of a process, in kB.
fn rss_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("no VmRSS")
}

pub async fn run(client: &Client, args: WatchersArgs) -> anyhow::Result<()> {
    let before = args.pid.map(rss_kb).transpose()?;
    // Each watcher reports (pool name, when it saw it added).
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<(String, Instant)>();
    let (ready_tx, mut ready) = mpsc::unbounded_channel::<()>();
    let mut tasks = Vec::with_capacity(args.count);
    for _ in 0..args.count {
        let mut watch = client.watch(WatchTarget::Pools(ListPools::default()), None);
        let (seen_tx, ready_tx) = (seen_tx.clone(), ready_tx.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok(e) = watch.next().await else { return };
                if e.ends_initial_list() {
                    let _ = ready_tx.send(());
                } else if e.kind == "ADDED" {
                    let name = e.object["metadata"]["name"].as_str().unwrap_or_default();
                    let _ = seen_tx.send((name.to_owned(), Instant::now()));
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    for _ in 0..args.count {
        tokio::time::timeout_at(deadline.into(), ready.recv())
            .await
            .context("watchers did not all start in 120 s")?;
    }
    // Idle: every watcher has its first list and waits.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = args.pid.map(rss_kb).transpose()?;

    let mut micros = Vec::with_capacity(args.count * args.writes);
    for i in 0..args.writes {
        let display = format!("watched-{i:04}");
        let pool = NewPool::new(&display)
            .flavor("modelarts.vm.cpu.4ud", 1)
            .network("network-bench")
            .build();
        let sent = Instant::now();
        let name = client.create_pool(&pool).await?.metadata.name;
        let mut got = 0;
        while got < args.count {
            let (seen_name, at) = tokio::time::timeout(Duration::from_secs(30), seen.recv())
                .await
                .context("a watcher missed a write for 30 s")?
                .context("watchers ended")?;
            if seen_name == name {
                micros.push(at.duration_since(sent).as_micros().min(u32::MAX as u128) as u32);
                got += 1;
            }
        }
    }
    tasks.iter().for_each(|t| t.abort());
    if micros.is_empty() {
        bail!("no write was measured");
    }
    let l = Latencies::new(micros);
    let per_watcher_kb = match (before, idle) {
        (Some(b), Some(i)) => json!(round(i.saturating_sub(b) as f64 / args.count as f64, 2)),
        _ => json!(null),
    };
    println!(
        "{}",
        json!({
            "label": "watchers",
            "watchers": args.count,
            "writes": args.writes,
            "p50_ms": round(l.quantile_ms(0.5), 2),
            "p99_ms": round(l.quantile_ms(0.99), 2),
            "rss_before_kb": before,
            "rss_idle_kb": idle,
            "idle_kb_per_watcher": per_watcher_kb,
        })
    );
    Ok(())
}
