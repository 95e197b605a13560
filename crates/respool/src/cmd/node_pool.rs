//! `respool nodepool list|get|create|scale|delete|nodes`.

use std::time::Instant;

use respool_api_types::{
    FlavorCount, NodeList, NodePool, NodePoolMeta, NodePoolSpec, PoolResource,
};
use respool_client::{Client, Error};
use serde_json::{json, Value};

use super::{connect, resolve_pool};
use crate::cli::{Format, NodePoolArgs, NodePoolCommand, WaitArgs};
use crate::output::{print_node_list, to_json, to_yaml, Table};

pub async fn run(args: NodePoolArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        NodePoolCommand::List { pool, output } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let list = client.list_node_pools(&pool).await?;
            match output {
                Format::Json => print!("{}", to_json(&list)?),
                Format::Yaml => print!("{}", to_yaml(&list)?),
                Format::Table | Format::Wide => print!("{}", table(&list.items)),
            }
            Ok(())
        }
        NodePoolCommand::Get {
            pool,
            node_pool,
            output,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let np = client.get_node_pool(&pool, &node_pool).await?;
            match output {
                Format::Json => print!("{}", to_json(&np)?),
                Format::Yaml => print!("{}", to_yaml(&np)?),
                Format::Table | Format::Wide => print!("{}", table(&[np])),
            }
            Ok(())
        }
        NodePoolCommand::Create {
            pool,
            node_pool,
            flavor,
            count,
            labels,
            taints,
            wait,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let mut resources = PoolResource {
                flavor,
                count,
                node_pool: Some(node_pool.clone()),
                ..Default::default()
            };
            if !labels.is_empty() {
                resources
                    .extra
                    .insert("labels".into(), parse_labels(&labels)?);
            }
            if !taints.is_empty() {
                resources
                    .extra
                    .insert("taints".into(), parse_taints(&taints)?);
            }
            let body = NodePool {
                api_version: "v2".into(),
                kind: "NodePool".into(),
                metadata: NodePoolMeta {
                    name: node_pool.clone(),
                    ..Default::default()
                },
                spec: NodePoolSpec { resources },
                status: None,
            };
            client.create_node_pool(&pool, &body).await?;
            println!("nodepool/{node_pool} created in pool/{pool}");
            if wait.wait {
                wait_settled(&client, &pool, &node_pool, &wait).await?;
            }
            Ok(())
        }
        NodePoolCommand::Scale {
            pool,
            node_pool,
            count,
            wait,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            client.scale_node_pool(&pool, &node_pool, count).await?;
            println!("nodepool/{node_pool} scaled to {count}");
            if wait.wait {
                wait_settled(&client, &pool, &node_pool, &wait).await?;
            }
            Ok(())
        }
        NodePoolCommand::Delete {
            pool,
            node_pool,
            wait,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            client.delete_node_pool(&pool, &node_pool).await?;
            println!("nodepool/{node_pool} deleting");
            if wait.wait {
                wait_settled(&client, &pool, &node_pool, &wait).await?;
            }
            Ok(())
        }
        NodePoolCommand::Nodes {
            pool,
            node_pool,
            output,
        } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let items = client.list_node_pool_nodes(&pool, &node_pool, None).await?;
            let list = NodeList {
                api_version: "v2".into(),
                kind: "NodeList".into(),
                metadata: Default::default(),
                items,
            };
            print_node_list(&list, output)
        }
    }
}

fn count(b: &Option<FlavorCount>) -> i64 {
    b.as_ref().map_or(0, |c| c.count)
}

fn table(items: &[NodePool]) -> String {
    let mut t = Table::new(&[
        "NAME",
        "FLAVOR",
        "COUNT",
        "AVAILABLE",
        "CREATING",
        "ABNORMAL",
        "DELETING",
    ]);
    for np in items {
        let b = np.status.clone().unwrap_or_default().resources;
        t.row(vec![
            np.metadata.name.clone(),
            np.spec.resources.flavor.clone(),
            np.spec.resources.count.to_string(),
            count(&b.available).to_string(),
            count(&b.creating).to_string(),
            count(&b.abnormal).to_string(),
            count(&b.deleting).to_string(),
        ]);
    }
    t.render()
}

fn parse_labels(labels: &[String]) -> anyhow::Result<Value> {
    let mut out = serde_json::Map::new();
    for l in labels {
        let (k, v) = l
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--label {l:?}: use KEY=VALUE"))?;
        out.insert(k.into(), v.into());
    }
    Ok(Value::Object(out))
}

fn parse_taints(taints: &[String]) -> anyhow::Result<Value> {
    let mut out = Vec::new();
    for t in taints {
        let bad = || anyhow::anyhow!("--taint {t:?}: use KEY=VALUE:EFFECT");
        let (kv, effect) = t.rsplit_once(':').ok_or_else(bad)?;
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        if k.is_empty() {
            return Err(bad());
        }
        out.push(json!({"key": k, "value": v, "effect": effect}));
    }
    Ok(Value::Array(out))
}

/// Polls until the node pool's nodes match its count (or it is gone),
/// printing each change of its counts.
async fn wait_settled(
    client: &Client,
    pool: &str,
    node_pool: &str,
    wait: &WaitArgs,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let (done, line) = match client.get_node_pool(pool, node_pool).await {
            Err(e) if e.is_not_found() => (true, "deleted".to_owned()),
            Err(e) => return Err(e.into()),
            Ok(np) => {
                let b = np.status.unwrap_or_default().resources;
                let want = np.spec.resources.count;
                let line = format!(
                    "{}/{want} available, {} creating, {} deleting",
                    count(&b.available),
                    count(&b.creating),
                    count(&b.deleting)
                );
                let done = count(&b.available) == want
                    && count(&b.creating) == 0
                    && count(&b.deleting) == 0;
                (done, line)
            }
        };
        if line != last {
            crate::progress::note(&format!(
                "  [{:>5.1}s] nodepool/{node_pool}  {line}",
                started.elapsed().as_secs_f64()
            ));
            last = line.clone();
        }
        if done {
            println!(
                "nodepool/{node_pool} {line} after {:.1}s",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if started.elapsed() >= wait.timeout {
            return Err(Error::WaitTimeout {
                kind: "node pool",
                name: node_pool.to_owned(),
                condition: "settle".into(),
                waited: started.elapsed(),
                last: line,
            }
            .into());
        }
        tokio::time::sleep(wait.interval).await;
    }
}
