//! `respool node list|get|delete`.

use std::time::Instant;

use respool_api_types::NodeList;
use respool_client::{Client, Error};

use super::{connect, resolve_pool};
use crate::cli::{NodeArgs, NodeCommand, WaitArgs};
use crate::output::{print_node, print_node_list};

pub async fn run(args: NodeArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        NodeCommand::List {
            pool,
            page_size,
            output,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let items = client.list_nodes(&pool, page_size).await?;
            let list = NodeList {
                api_version: "v2".into(),
                kind: "NodeList".into(),
                metadata: Default::default(),
                items,
            };
            print_node_list(&list, output)
        }
        NodeCommand::Get { pool, node, output } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            print_node(&client.get_node(&pool, &node).await?, output)
        }
        NodeCommand::Delete { pool, nodes, wait } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let results = client.delete_nodes(&pool, &nodes).await?;
            for n in &nodes {
                let status = results
                    .iter()
                    .find(|r| &r.name == n)
                    .map_or("deleting", |r| {
                        if r.status == "success" {
                            "deleting"
                        } else {
                            r.status.as_str()
                        }
                    });
                println!("node/{n} {status}");
            }
            if wait.wait {
                wait_nodes_gone(&client, &pool, &nodes, &wait).await?;
            }
            Ok(())
        }
        other => {
            let pool = resolve_pool(&client, other.pool()).await?.metadata.name;
            super::node_ops::run(&client, &pool, other).await
        }
    }
}

/// Polls until none of `nodes` is left in the pool.
async fn wait_nodes_gone(
    client: &Client,
    pool: &str,
    nodes: &[String],
    wait: &WaitArgs,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut last_left = usize::MAX;
    loop {
        let present = client.list_nodes(pool, None).await?;
        let left: Vec<&String> = nodes
            .iter()
            .filter(|n| present.iter().any(|p| &p.metadata.name == *n))
            .collect();
        if left.len() != last_left {
            crate::progress::note(&format!(
                "  [{:>5.1}s] pool/{pool}  {} of {} nodes left",
                started.elapsed().as_secs_f64(),
                left.len(),
                nodes.len()
            ));
            last_left = left.len();
        }
        if left.is_empty() {
            println!(
                "{} node(s) deleted from pool/{pool} after {:.1}s",
                nodes.len(),
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if started.elapsed() >= wait.timeout {
            return Err(Error::WaitTimeout {
                kind: "nodes of pool",
                name: pool.to_owned(),
                condition: "be deleted".into(),
                waited: started.elapsed(),
                last: format!(
                    "{} left: {}",
                    left.len(),
                    left.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
            .into());
        }
        tokio::time::sleep(wait.interval).await;
    }
}
