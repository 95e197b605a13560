//! `respool workload list|stats|metrics|add|delete`, `respool quota show|set|os`
//! and `respool network ips NAME`.

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use respool_api_types::{NetworkIpAvailability, OsQuotas, Workload, WorkspaceQuota};
use respool_client::WorkloadQuery;
use serde::Serialize;
use serde_json::{json, Value};

use super::workspace::resolve_workspace;
use super::{connect, resolve_pool};
use crate::cli::{key_value, ConnArgs, Format};
use crate::output::{human_duration, to_json, to_yaml, Table};

#[derive(Args)]
pub struct WorkloadArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: WorkloadCommand,
}

/// The admin API's token, for the commands that declare workloads or set OS quotas.
#[derive(Args, Clone)]
pub struct AdminArgs {
    /// The admin API's bearer token (the server's RESPOOL_ADMIN_TOKEN).
    #[arg(long, env = "RESPOOL_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: String,
}

#[derive(Subcommand)]
pub enum WorkloadCommand {
    /// List a pool's workloads: name, type, status, node, requests, age.
    #[command(visible_alias = "ls")]
    List {
        pool: String,
        /// Only this type: train, infer, notebook or x-infer.
        #[arg(long = "type")]
        workload_type: Option<String>,
        /// Only this status: Queue, Pending, Running, Completed, Failed, ...
        #[arg(long)]
        status: Option<String>,
        /// Only those on the node with this address; repeatable.
        #[arg(long = "host-ip")]
        host_ips: Vec<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Workloads per type and status.
    Stats {
        pool: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Every pool's allocation: allocated, capacity and available CPU and memory.
    Metrics {
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Declare a workload (admin API); it runs at once if it fits, else it queues.
    Add {
        pool: String,
        name: String,
        /// train, infer, notebook or x-infer.
        #[arg(long = "type", default_value = "train")]
        workload_type: String,
        /// Requests as RESOURCE=QUANTITY: cpu=2, memory=4Gi, nvidia.com/gpu=1; repeatable.
        #[arg(long = "request", value_name = "RESOURCE=QUANTITY", value_parser = key_value, required = true)]
        requests: Vec<(String, String)>,
        /// Run only on this node.
        #[arg(long)]
        node: Option<String>,
        /// Seconds it stays Pending once placed.
        #[arg(long)]
        pending: Option<f64>,
        /// Seconds it runs; without it, until deleted.
        #[arg(long)]
        running: Option<f64>,
        /// How it ends: Completed, Failed or Terminated.
        #[arg(long)]
        outcome: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Remove a workload (admin API), freeing what it holds.
    Delete {
        pool: String,
        name: String,
        #[command(flatten)]
        admin: AdminArgs,
    },
}

#[derive(Args)]
pub struct QuotaArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: QuotaCommand,
}

#[derive(Subcommand)]
pub enum QuotaCommand {
    /// The project's OS quotas, or with --workspace a workspace's quotas.
    Show {
        /// A workspace id or name.
        #[arg(long)]
        workspace: Option<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Set a workspace's quotas: RESOURCE=N (-1: no limit); repeatable.
    Set {
        /// A workspace id or name [default: 0].
        #[arg(long, default_value = "0")]
        workspace: String,
        #[arg(required = true, value_name = "RESOURCE=N", value_parser = key_value)]
        quotas: Vec<(String, String)>,
    },
    /// Set the project's OS quotas (admin API): pool=N, network=N, node=N.
    Os {
        #[arg(required = true, value_name = "TYPE=N", value_parser = key_value)]
        quotas: Vec<(String, String)>,
        #[command(flatten)]
        admin: AdminArgs,
    },
}

fn print<T: Serialize>(
    value: &T,
    format: Format,
    table: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    match format {
        Format::Json => print!("{}", to_json(value)?),
        Format::Yaml => print!("{}", to_yaml(value)?),
        Format::Table | Format::Wide => print!("{}", table()),
    }
    Ok(())
}

fn counts(pairs: &[(String, String)]) -> anyhow::Result<Vec<(&str, i64)>> {
    pairs
        .iter()
        .map(|(k, v)| {
            v.parse::<i64>()
                .map(|n| (k.as_str(), n))
                .map_err(|_| anyhow::anyhow!("{k}={v}: the quota must be an integer"))
        })
        .collect()
}

fn workloads_table(items: &[Workload]) -> String {
    let mut t = Table::new(&[
        "NAME", "TYPE", "STATUS", "HOST", "CPU", "MEMORY", "RUNNING", "QUEUE",
    ]);
    for w in items {
        let req = |k: &str| {
            w.resource_requirement
                .get(k)
                .cloned()
                .unwrap_or_else(|| "-".into())
        };
        t.row(vec![
            w.name.clone(),
            w.workload_type.clone(),
            w.status.clone(),
            if w.host_ips.is_empty() {
                "-".into()
            } else {
                w.host_ips.clone()
            },
            req("cpu"),
            req("memory"),
            human_duration(w.running_duration),
            if w.pending_position > 0 {
                w.pending_position.to_string()
            } else {
                "-".into()
            },
        ]);
    }
    t.render()
}

pub async fn workloads(args: WorkloadArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        WorkloadCommand::List {
            pool,
            workload_type,
            status,
            host_ips,
            output,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let query = WorkloadQuery {
                workload_type,
                status,
                host_ips,
            };
            let items = client.list_workloads(&pool, &query).await?;
            print(&items, output, || workloads_table(&items))
        }
        WorkloadCommand::Stats { pool, output } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let stats = client.workload_statistics(&pool).await?;
            print(&stats, output, || {
                let mut t = Table::new(&[
                    "TYPE",
                    "TOTAL",
                    "QUEUE",
                    "PENDING",
                    "RUNNING",
                    "COMPLETED",
                    "FAILED",
                    "TERMINATED",
                ]);
                for i in &stats.statistics.items {
                    let n = |s: &str| i.status.get(s).copied().unwrap_or(0).to_string();
                    t.row(vec![
                        i.workload_type.clone(),
                        i.total.to_string(),
                        n("Queue"),
                        n("Pending"),
                        n("Running"),
                        n("Completed"),
                        n("Failed"),
                        n("Terminated"),
                    ]);
                }
                t.render()
            })
        }
        WorkloadCommand::Metrics { output } => {
            let metrics = client.runtime_metrics().await?;
            print(&metrics, output, || {
                let mut t = Table::new(&[
                    "POOL",
                    "CPU ALLOCATED",
                    "CPU CAPACITY",
                    "CPU AVAILABLE",
                    "MEMORY AVAILABLE",
                    "RUNNING",
                    "QUEUED",
                ]);
                let get = |m: &BTreeMap<String, String>, k: &str| {
                    m.get(k).cloned().unwrap_or_else(|| "0".into())
                };
                for i in &metrics.items {
                    let tb = &i.table;
                    t.row(vec![
                        i.metadata.name.clone(),
                        get(&tb.allocated.value, "cpu"),
                        get(&tb.capacity.value, "cpu"),
                        get(&tb.available.value, "cpu"),
                        get(&tb.available.value, "memory"),
                        tb.workload.allocated.sum.to_string(),
                        tb.workload.queue.sum.to_string(),
                    ]);
                }
                t.render()
            })
        }
        WorkloadCommand::Add {
            pool,
            name,
            workload_type,
            requests,
            node,
            pending,
            running,
            outcome,
            admin,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let resources: BTreeMap<String, String> = requests.into_iter().collect();
            let mut spec = json!({"name": name, "type": workload_type, "resources": resources});
            let extra = [
                ("nodeName", node.map(Value::from)),
                ("pendingSeconds", pending.map(Value::from)),
                ("runningSeconds", running.map(Value::from)),
                ("outcome", outcome.map(Value::from)),
            ];
            for (k, v) in extra {
                if let Some(v) = v {
                    spec[k] = v;
                }
            }
            let w = client
                .add_workload(&admin.admin_token, &pool, &spec)
                .await?;
            let host = if w.host_ips.is_empty() {
                String::new()
            } else {
                format!(" on {}", w.host_ips)
            };
            println!("workload/{} is {}{host}", w.name, w.status);
            Ok(())
        }
        WorkloadCommand::Delete { pool, name, admin } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let w = client
                .delete_workload(&admin.admin_token, &pool, &name)
                .await?;
            println!("workload/{} deleted", w.name);
            Ok(())
        }
    }
}

fn os_table(q: &OsQuotas) -> String {
    let mut t = Table::new(&["TYPE", "QUOTA", "USED"]);
    for r in &q.quotas.resources {
        t.row(vec![
            r.resource_type.clone(),
            r.quota.clone(),
            r.used.clone(),
        ]);
    }
    t.render()
}

fn workspace_table(items: &[WorkspaceQuota]) -> String {
    let mut t = Table::new(&["RESOURCE", "QUOTA", "USED", "MIN", "MAX", "UNIT"]);
    for q in items {
        t.row(vec![
            q.resource.clone(),
            q.quota.to_string(),
            q.used_quota.map_or_else(|| "-".into(), |u| u.to_string()),
            q.min_quota.to_string(),
            q.max_quota.to_string(),
            q.unit_en.clone(),
        ]);
    }
    t.render()
}

pub async fn quotas(args: QuotaArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        QuotaCommand::Show {
            workspace: None,
            output,
        } => {
            let q = client.os_quotas().await?;
            print(&q, output, || os_table(&q))
        }
        QuotaCommand::Show {
            workspace: Some(w),
            output,
        } => {
            let id = resolve_workspace(&client, &w).await?;
            let items = client.workspace_quotas(&id).await?;
            print(&items, output, || workspace_table(&items))
        }
        QuotaCommand::Set { workspace, quotas } => {
            let id = resolve_workspace(&client, &workspace).await?;
            let items = client
                .update_workspace_quotas(&id, &counts(&quotas)?)
                .await?;
            for q in items {
                println!("quota/{} set to {}", q.resource, q.quota);
            }
            Ok(())
        }
        QuotaCommand::Os { quotas, admin } => {
            let q = client
                .set_os_quotas(&admin.admin_token, &counts(&quotas)?)
                .await?;
            print!("{}", os_table(&q));
            Ok(())
        }
    }
}

/// `respool network ips NAME`.
pub async fn network_ips(conn: &ConnArgs, name: &str, output: Format) -> anyhow::Result<()> {
    let client = connect(conn)?;
    let network = client.find_network(name).await?.metadata.name;
    let ips: NetworkIpAvailability = client.network_ips(&network).await?;
    print(&ips, output, || {
        let mut t = Table::new(&["SUBNET", "CIDR", "TOTAL", "USED", "FREE"]);
        for s in &ips.subnet_ip_availability {
            t.row(vec![
                ips.name.clone(),
                s.cidr.clone(),
                s.total_ips.to_string(),
                s.used_ips.to_string(),
                (s.total_ips - s.used_ips).max(0).to_string(),
            ]);
        }
        t.render()
    })
}
