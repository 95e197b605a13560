//! `respool node lock|unlock|reboot|reset|drain|update|migrate|bind`,
//! `respool job show|wait|list` and `respool event list|accept`.

use std::time::Instant;

use anyhow::bail;
use respool_api_types::{
    BindNodeItem, BindRequest, EventAccept, MigrateRequest, MigrateResourceSpec, NodeDriverUpdate,
    NodeResults, NodeTag, NodeUpdateRequest, PoolJob, RedeployConfig, ResetNodeConfig,
    ResetRequest, RollingConfig,
};
use respool_client::{job_verdict, Client, ListJobs, ListScheduledEvents, Progress};

use super::{connect, resolve_pool, summary};
use crate::cli::{
    EventArgs, EventCommand, JobArgs, JobCommand, NodeCommand, NodeUpdateArgs, WaitArgs,
};
use crate::output::{print_job, print_job_list, print_scheduled_events};
use crate::progress::{Mode, Reporter};

/// The day-2 operations of `respool node`; `pool` is already resolved.
pub async fn run(client: &Client, pool: &str, command: NodeCommand) -> anyhow::Result<()> {
    match command {
        NodeCommand::Lock { nodes, .. } => {
            results(&client.lock_nodes(pool, &nodes).await?, &nodes, "locked")
        }
        NodeCommand::Unlock { nodes, .. } => results(
            &client.unlock_nodes(pool, &nodes).await?,
            &nodes,
            "unlocked",
        ),
        NodeCommand::Drain { nodes, .. } => {
            results(&client.drain_nodes(pool, &nodes).await?, &nodes, "drained")
        }
        NodeCommand::Bind {
            nodes,
            quota,
            drain,
            ..
        } => {
            let request = BindRequest {
                nodes: nodes
                    .iter()
                    .map(|n| BindNodeItem {
                        name: n.clone(),
                        quota_name: quota.clone(),
                    })
                    .collect(),
                drain,
            };
            let said = format!("bound to {quota}");
            results(&client.bind_nodes(pool, &request).await?, &nodes, &said)
        }
        NodeCommand::Reboot { nodes, wait, .. } => {
            let answer = client.reboot_nodes(pool, &nodes).await?;
            for n in &answer.node_names {
                println!("node/{n} rebooting");
            }
            started(client, pool, &answer.job_id, &wait).await
        }
        NodeCommand::Reset {
            nodes,
            strategy,
            max_unavailable,
            os,
            wait,
            ..
        } => {
            let request = ResetRequest {
                node_names: nodes.clone(),
                rolling_config: RollingConfig {
                    strategy,
                    max_unavailable,
                },
                node_config: os.map(|os| ResetNodeConfig {
                    os: Some(os),
                    ..Default::default()
                }),
            };
            let answer = client.reset_nodes(pool, &request).await?;
            println!("{} node(s) of pool/{pool} resetting", nodes.len());
            started(client, pool, &answer.job_id, &wait).await
        }
        NodeCommand::Migrate {
            nodes,
            to,
            flavor,
            wait,
            ..
        } => {
            let target = resolve_pool(client, &to).await?.metadata.name;
            let request = MigrateRequest {
                migrate_node_names: nodes.clone(),
                to_pool_name: Some(target.clone()),
                resource_spec: flavor.map(|f| MigrateResourceSpec {
                    flavor: Some(f),
                    node_pool: None,
                }),
                ..Default::default()
            };
            let answer = client.migrate_nodes(pool, &request).await?;
            for n in &nodes {
                println!("node/{n} moving to pool/{target}");
            }
            // The nodes arrive in the target pool: that is the progress to watch.
            started(client, &target, &answer.job_id, &wait).await
        }
        NodeCommand::Update(args) => update(client, pool, args).await,
        NodeCommand::List { .. } | NodeCommand::Get { .. } | NodeCommand::Delete { .. } => {
            unreachable!("handled by cmd::node")
        }
    }
}

/// One line per node: `node/NAME <done>`, or `failed`; an error if any failed.
fn results(answer: &NodeResults, asked: &[String], done: &str) -> anyhow::Result<()> {
    let mut failed = Vec::new();
    for n in asked {
        let ok = answer
            .nodes
            .iter()
            .find(|r| &r.name == n)
            .is_some_and(|r| r.status == "success");
        if ok {
            println!("node/{n} {done}");
        } else {
            println!("node/{n} failed");
            failed.push(n.as_str());
        }
    }
    if !failed.is_empty() {
        bail!("not found in the pool: {}", failed.join(", "));
    }
    Ok(())
}

async fn update(client: &Client, pool: &str, args: NodeUpdateArgs) -> anyhow::Result<()> {
    let mut request = NodeUpdateRequest {
        node_names: args.nodes.clone(),
        ..Default::default()
    };
    let said = if args.ha_open {
        request.action = Some("openHaRedundant".into());
        request.ha_redundant_effect = args.ha_effect;
        "HA redundancy on".to_owned()
    } else if args.ha_close {
        request.action = Some("closeHaRedundant".into());
        "HA redundancy off".to_owned()
    } else if !args.tags.is_empty() {
        request.action = Some("createTags".into());
        request.tags = args
            .tags
            .iter()
            .map(|(key, value)| NodeTag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect();
        let tags: Vec<String> = args.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("tagged: {}", tags.join(", "))
    } else if !args.untag.is_empty() {
        request.action = Some("deleteTags".into());
        request.tags = args
            .untag
            .iter()
            .map(|key| NodeTag {
                key: key.clone(),
                value: String::new(),
            })
            .collect();
        format!("untagged: {}", args.untag.join(", "))
    } else if let Some(version) = args.driver {
        let said = format!("driver upgrading to {version}");
        request.driver = Some(NodeDriverUpdate {
            version,
            update_strategy: args.driver_strategy,
        });
        said
    } else {
        bail!("say what to change: --ha-open, --ha-close, --tag, --untag or --driver");
    };
    let answer = client.update_nodes(pool, &request).await?;
    for n in &answer.success_node_names {
        println!("node/{n} {said}");
    }
    for n in &answer.fail_node_names {
        println!("node/{n} failed");
    }
    if !answer.fail_node_names.is_empty() {
        bail!("not updated: {}", answer.fail_node_names.join(", "));
    }
    Ok(())
}

/// Says the job started and, with `--wait`, waits for it.
async fn started(client: &Client, pool: &str, job_id: &str, wait: &WaitArgs) -> anyhow::Result<()> {
    println!("job/{job_id} started");
    if wait.wait {
        wait_job(client, pool, job_id, wait).await?;
    }
    Ok(())
}

/// Polls the job and its pool, with live progress (the pool's nodes, the
/// job's phase), then prints the result line.
pub async fn wait_job(
    client: &Client,
    pool: &str,
    job_id: &str,
    wait: &WaitArgs,
) -> anyhow::Result<PoolJob> {
    let started = Instant::now();
    let mut reporter = Reporter::new(&format!("job/{job_id}"), Mode::Up);
    let result = loop {
        let job = match client.get_job(job_id).await {
            Ok(job) => job,
            Err(e) => break Err(e),
        };
        let mut p = match client.get_pool(pool).await {
            Ok(p) => Progress::of(&p),
            Err(e) => break Err(e),
        };
        p.phase = format!("{} {}", job.job_type, job.phase);
        p.message = None;
        p.elapsed = started.elapsed();
        reporter.update(&p);
        if let Some(done) = job_verdict(job, started.elapsed(), wait.timeout, p.to_string()) {
            break done.map(|job| (job, p));
        }
        let elapsed = started.elapsed();
        tokio::time::sleep(wait.interval.min(wait.timeout.saturating_sub(elapsed))).await;
    };
    reporter.finish();
    let (job, p) = result?;
    println!(
        "job/{job_id} {} after {:.1}s (pool/{pool}: {})",
        job.phase,
        started.elapsed().as_secs_f64(),
        summary(&p)
    );
    Ok(job)
}

/// `respool job show|list`.
pub async fn jobs(args: JobArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        JobCommand::Show { job_id, output } => print_job(&client.get_job(&job_id).await?, output),
        JobCommand::Wait {
            job_id,
            timeout,
            interval,
        } => {
            let job = client.get_job(&job_id).await?;
            let Some(pool) = job_pool(&job) else {
                bail!("job/{job_id} names no pool in its involvedObjects");
            };
            let wait = WaitArgs {
                wait: true,
                timeout,
                interval,
            };
            wait_job(&client, &pool, &job_id, &wait).await?;
            Ok(())
        }
        JobCommand::List {
            pool,
            job_type,
            output,
        } => {
            let pool = pool_name(&client, pool).await?;
            let list = client
                .list_jobs(&ListJobs {
                    job_type,
                    pool,
                    ..Default::default()
                })
                .await?;
            print_job_list(&list, output)
        }
    }
}

/// The `metadata.name` of a pool given by either name, if one is given.
async fn pool_name(client: &Client, pool: Option<String>) -> anyhow::Result<Option<String>> {
    Ok(match pool {
        Some(p) => Some(resolve_pool(client, &p).await?.metadata.name),
        None => None,
    })
}

/// The pool of a job: the `pool` of its first involved object. For a
/// migration that is the source, which the nodes leave.
fn job_pool(job: &PoolJob) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&job.involved_objects).ok()?;
    v.as_array()?
        .first()?
        .get("pool")?
        .as_str()
        .map(str::to_owned)
}

/// `respool event list|accept`.
pub async fn events(args: EventArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        EventCommand::List {
            pool,
            state,
            output,
        } => {
            let pool = pool_name(&client, pool).await?;
            let list = client
                .list_scheduled_events(&ListScheduledEvents {
                    state,
                    pool,
                    ..Default::default()
                })
                .await?;
            print_scheduled_events(&list, output)
        }
        EventCommand::Accept {
            event_id,
            not_before,
            redeploy,
        } => {
            let accept = EventAccept {
                not_before,
                redeploy_config: redeploy.map(|r| RedeployConfig {
                    redeploy_type: Some(r),
                    auto_flow: None,
                }),
            };
            let e = client.accept_scheduled_event(&event_id, &accept).await?;
            println!("event/{} {}", e.id, e.state);
            Ok(())
        }
    }
}
