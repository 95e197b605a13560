//! `respool-loadgen`: the load generator and seeder behind `scripts/bench-load.sh`.
//!
//! wrk cannot sign requests, so signed load comes from here: every request is
//! signed by `respool-client` exactly as the official SDK signs it.

mod big_pools;
mod fixtures;
mod load;
mod probe;
mod seed;
mod stats;
mod watchers;

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "respool-loadgen",
    about = "Benchmark load and fixtures for respool"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the server is and as whom to sign.
#[derive(Args, Clone)]
struct Target {
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    endpoint: String,
    #[arg(long, env = "RESPOOL_ACCESS_KEY", hide_env_values = true)]
    ak: String,
    #[arg(long, env = "RESPOOL_SECRET_KEY", hide_env_values = true)]
    sk: String,
    #[arg(long, env = "RESPOOL_PROJECT_ID")]
    project: String,
}

#[derive(Subcommand)]
enum Command {
    /// Fill a store with pools through the Store trait (no HTTP).
    Seed {
        /// `sqlite://FILE` or `postgres://...`.
        #[arg(long)]
        database: String,
        /// The first project (the others are derived from their index).
        #[arg(long, env = "RESPOOL_PROJECT_ID")]
        project: String,
        #[arg(long, default_value_t = 1)]
        projects: usize,
        #[arg(long, default_value_t = 100)]
        pools_per_project: usize,
        #[arg(
            long,
            env = "RESPOOL_DOMAIN_ID",
            default_value = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"
        )]
        domain: String,
        #[arg(long, default_value = "local-1")]
        region: String,
        /// Inserts in flight at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Send signed requests for a bounded time and count; print one JSON line.
    Load {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_enum, default_value = "list")]
        op: load::Op,
        /// A query pair `key=value` (repeatable), e.g. `labelSelector=env=prod`.
        #[arg(long = "query", value_parser = pair)]
        query: Vec<(String, String)>,
        /// Concurrent connections, one request in flight on each.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Seconds of unmeasured load first.
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        /// Seconds measured.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Stop after this many requests whatever the time.
        #[arg(long, default_value_t = 5_000_000)]
        max_requests: u64,
        /// Spread lists over this many seeded projects (auth off: one credential has one project).
        #[arg(long, default_value_t = 1)]
        projects: usize,
        /// Names the run in the output.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Time a (big) list as served against serde_json encoding the same pools in-process.
    Encode {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 15)]
        samples: usize,
        #[arg(long = "query", value_parser = pair)]
        query: Vec<(String, String)>,
        /// The server's RESPOOL_ADMIN_TOKEN, to read its own timing from the request log.
        #[arg(long, env = "RESPOOL_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
    },
    /// Wait for /healthz; print the milliseconds since --since-ns.
    Wait {
        #[arg(long, default_value = "http://127.0.0.1:8787")]
        endpoint: String,
        /// Unix time in nanoseconds when the server was started (`date +%s%N`).
        #[arg(long)]
        since_ns: u128,
        #[arg(long, default_value_t = 60)]
        timeout_secs: u64,
        /// The server's process id: stop waiting if it exits.
        #[arg(long)]
        pid: Option<u32>,
    },
    /// Big pools: a page of nodes, a scale step, batch operations, lists of
    /// pools with many nodes against few (the server's own times; auth off).
    BigPools {
        #[command(flatten)]
        target: Target,
        /// Node counts of the pools measured one after the other.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        sizes: Vec<i64>,
        #[arg(long, default_value_t = 200)]
        samples: usize,
        /// Nodes in each batch operation.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Pools in each of the two listed projects.
        #[arg(long, default_value_t = 100)]
        list_pools: usize,
        /// Nodes per pool in the two listed projects.
        #[arg(long, value_delimiter = ',', default_value = "100,2")]
        list_nodes: Vec<i64>,
        #[arg(long, env = "RESPOOL_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: String,
    },
    /// Many watchers of one project: when each sees a write, and the
    /// server's memory per idle watcher.
    Watchers {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Pools created one after the other, each timed at every watcher.
        #[arg(long, default_value_t = 20)]
        writes: usize,
        /// The server's process id, to read its resident memory.
        #[arg(long)]
        pid: Option<u32>,
    },
    /// Print how many pools the project lists.
    Count {
        #[command(flatten)]
        target: Target,
    },
}

fn pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not key=value"))
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.0, 3600.0))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Seed {
            database,
            project,
            projects,
            pools_per_project,
            domain,
            region,
            concurrency,
        } => {
            seed::run(seed::SeedArgs {
                database,
                first_project: project,
                projects,
                pools_per_project,
                domain_id: domain,
                region,
                concurrency,
            })
            .await
        }
        Command::Load {
            target,
            op,
            query,
            connections,
            warmup,
            duration,
            max_requests,
            projects,
            label,
        } => {
            load::run(load::LoadArgs {
                label,
                endpoint: target.endpoint,
                access_key: target.ak,
                secret_key: target.sk,
                project: target.project,
                op,
                query,
                connections,
                warmup: secs(warmup),
                duration: secs(duration),
                max_requests,
                projects,
            })
            .await
        }
        Command::Encode {
            target,
            samples,
            query,
            admin_token,
        } => {
            let client = probe::client(&target.endpoint, &target.ak, &target.sk, &target.project)?;
            probe::encode(&client, samples.max(1), &query, admin_token.as_deref()).await
        }
        Command::Wait {
            endpoint,
            since_ns,
            timeout_secs,
            pid,
        } => probe::wait_healthy(&endpoint, since_ns, Duration::from_secs(timeout_secs), pid).await,
        Command::BigPools {
            target,
            sizes,
            samples,
            batch,
            list_pools,
            list_nodes,
            admin_token,
        } => {
            let client = probe::client(&target.endpoint, &target.ak, &target.sk, &target.project)?;
            let for_project = |p: &str| probe::client(&target.endpoint, &target.ak, &target.sk, p);
            let [many, few] = list_nodes[..] else {
                anyhow::bail!("--list-nodes takes two counts, e.g. 100,2");
            };
            let args = big_pools::BigArgs {
                sizes,
                samples: samples.clamp(1, 400),
                batch,
                list_pools,
                list_nodes: [many, few],
                admin_token,
            };
            big_pools::run(&client, &for_project, args).await
        }
        Command::Watchers {
            target,
            count,
            writes,
            pid,
        } => {
            let client = probe::client(&target.endpoint, &target.ak, &target.sk, &target.project)?;
            let args = watchers::WatchersArgs { count, writes, pid };
            watchers::run(&client, args).await
        }
        Command::Count { target } => {
            let client = probe::client(&target.endpoint, &target.ak, &target.sk, &target.project)?;
            probe::count(&client).await
        }
    }
}
