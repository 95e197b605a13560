//! The API client commands: `respool pool|node|nodepool|flavor|network|workspace ...`,
//! `respool stats|events|orders|order`.

pub mod capacity;
pub mod flavor;
pub mod network;
pub mod node;
pub mod node_ops;
pub mod node_pool;
pub mod plugin;
pub mod pool;
pub mod reports;
pub mod watch;
pub mod workspace;

use std::time::{Duration, Instant};

use respool_api_types::Pool;
use respool_client::{Client, Config, Overrides, Progress, WaitFor, WaitOptions};

use crate::cli::ConnArgs;
use crate::progress::{Mode, Reporter};

/// A client from flags, the environment and credentials.json.
pub fn connect(conn: &ConnArgs) -> anyhow::Result<Client> {
    let overrides = Overrides {
        endpoint: conn.endpoint.clone(),
        access_key: conn.ak.clone(),
        secret_key: conn.sk.clone(),
        project_id: conn.project_id.clone(),
        security_token: None,
        data_dir: conn.data_dir.clone(),
    };
    let config = Config::resolve(&overrides, |k| std::env::var(k).ok())?;
    Ok(Client::new(config)?)
}

/// The pool's `metadata.name`, given it or its display name.
pub async fn resolve_pool(client: &Client, name: &str) -> anyhow::Result<Pool> {
    Ok(client.find_pool(name).await?)
}

/// Waits with live progress, then prints the result line on standard output.
pub async fn wait_pool(
    client: &Client,
    name: &str,
    condition: &WaitFor,
    timeout: Duration,
    interval: Duration,
) -> anyhow::Result<Option<Pool>> {
    let mode = match condition {
        WaitFor::Deleted => Mode::Down,
        WaitFor::Phase(_) => Mode::Up,
    };
    let started = Instant::now();
    let mut reporter = Reporter::new(&format!("pool/{name}"), mode);
    let result = client
        .wait_pool(name, condition, &WaitOptions { timeout, interval }, |p| {
            reporter.update(p)
        })
        .await;
    reporter.finish();
    let took = started.elapsed().as_secs_f64();
    match &result {
        Ok(Some(pool)) => println!(
            "pool/{name} is {} ({}) after {took:.1}s",
            pool.status.phase,
            summary(&Progress::of(pool))
        ),
        Ok(None) => println!("pool/{name} deleted after {took:.1}s"),
        Err(_) => {}
    }
    Ok(result?)
}

/// `3/3 nodes available`, plus what is still moving.
pub fn summary(p: &Progress) -> String {
    let s = p.to_string();
    // Progress prints "<phase>, <counts>"; the phase is said separately.
    s.split_once(", ")
        .map_or(s.clone(), |(_, rest)| rest.to_owned())
}
