//! Big pools, measured on the server's own clock (the admin request log):
//! a page of 500 nodes, a scale step of one node, the batch node operations
//! on 500 nodes, and a list of pools with many nodes against one with few.
//! Prints one JSON line.

use std::time::Duration;

use anyhow::{bail, Context};
use respool_client::{Client, Method, NewPool, PageOptions};
use serde_json::{json, Value};

use crate::load::round;
use crate::probe::request_log;
use crate::stats::Latencies;

const FLAVOR: &str = "modelarts.vm.cpu.8ud";

pub struct BigArgs {
    pub sizes: Vec<i64>,
    pub samples: usize,
    pub batch: usize,
    pub list_pools: usize,
    pub list_nodes: [i64; 2],
    pub admin_token: String,
}

/// Server-side durations, in milliseconds, of the successful `method path`
/// requests the admin request log still holds.
async fn durations(
    client: &Client,
    token: &str,
    method: &str,
    path: &str,
) -> anyhow::Result<Vec<f64>> {
    let ms: Vec<f64> = request_log(client.endpoint(), token)
        .await?
        .iter()
        .filter(|r| r["method"] == method && r["path"] == path)
        .filter(|r| r["status"].as_u64().is_some_and(|s| s < 300))
        .filter_map(|r| r["durationMs"].as_f64())
        .collect();
    if ms.is_empty() {
        bail!("the request log holds no successful {method} {path}");
    }
    Ok(ms)
}

fn summary(ms: Vec<f64>) -> Value {
    let n = ms.len();
    let l = Latencies::new(
        ms.into_iter()
            .map(|m| (m * 1000.0).round() as u32)
            .collect(),
    );
    json!({
        "n": n,
        "p50_ms": round(l.quantile_ms(0.5), 3),
        "p99_ms": round(l.quantile_ms(0.99), 3),
    })
}

async fn expect_ok(
    client: &Client,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let bytes = body.map(|b| serde_json::to_vec(&b)).transpose()?;
    let r = client.send_raw(method.clone(), path, query, bytes).await?;
    if r.status >= 300 {
        bail!(
            "{method} {path} answered {}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
    }
    Ok(serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

/// A pool's `spec.resources`: `nodes` in node pools of at most 500 (the
/// API's limit per entry), the last one `extra` nodes bigger.
fn resources(nodes: i64, extra: i64) -> Value {
    let groups = (nodes + 499) / 500;
    let entries: Vec<Value> = (0..groups)
        .map(|i| {
            let count = (nodes - i * 500).min(500) + if i == groups - 1 { extra } else { 0 };
            json!({"flavor": FLAVOR, "count": count, "nodePool": format!("np-{i}")})
        })
        .collect();
    Value::Array(entries)
}

async fn create(client: &Client, display: &str, nodes: i64) -> anyhow::Result<String> {
    let mut pool = NewPool::new(display)
        .flavor(FLAVOR, 1)
        .network("net-big")
        .build();
    pool.spec.resources = serde_json::from_value(resources(nodes, 0))?;
    let made = client
        .create_pool(&pool)
        .await
        .with_context(|| format!("create {display}"))?;
    let name = made.metadata.name.clone();
    // The immediate profile: the pool runs once read.
    for _ in 0..600 {
        let p = client.get_pool(&name).await?;
        if p.status.phase == "Running" {
            return Ok(name);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("{name} did not reach Running")
}

/// Pages read before the measured ones.
const WARM_UP: usize = 5;

async fn node_names(client: &Client, pool: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let options = PageOptions {
        limit: Some(n as u32),
        continue_token: None,
    };
    let page = client.list_nodes_page(pool, &options).await?;
    Ok(page.items.into_iter().map(|n| n.metadata.name).collect())
}

/// `client` for another project (auth off: the path names the project).
pub type ForProject<'a> = &'a dyn Fn(&str) -> anyhow::Result<Client>;

pub async fn run(
    client: &Client,
    for_project: ForProject<'_>,
    args: BigArgs,
) -> anyhow::Result<()> {
    let token = args.admin_token.as_str();
    let mut sizes = serde_json::Map::new();
    for &size in &args.sizes {
        let name = create(client, &format!("big-{size}"), size).await?;
        let nodes_path = client.path("v2", &["pools", &name, "nodes"]);
        // Not counted: the first pages touch memory the server never used.
        for _ in 0..WARM_UP + args.samples {
            expect_ok(client, Method::GET, &nodes_path, &[("limit", "500")], None).await?;
        }
        let mut page = durations(client, token, "GET", &nodes_path).await?;
        let page = summary(page.split_off(page.len().saturating_sub(args.samples)));

        let pool_path = client.path("v2", &["pools", &name]);
        // The last node pool loses one node, then gets it back.
        for i in 0..args.samples {
            let extra = if i % 2 == 0 { -1 } else { 0 };
            let patch = json!({"spec": {"resources": resources(size, extra)}});
            client.patch_pool(&name, &patch).await?;
        }
        let scale = summary(durations(client, token, "PATCH", &pool_path).await?);

        let mut batches = serde_json::Map::new();
        let victims = node_names(client, &name, args.batch).await?;
        let lock = json!({"nodeNames": victims, "actions": ["delete"]});
        let all = json!({"nodeNames": victims});
        let delete = json!({"deleteNodeNames": victims});
        for (op, body, times) in [
            ("batch-lock", &lock, 5),
            ("batch-unlock", &lock, 5),
            ("batch-reboot", &all, 1),
            ("batch-delete", &delete, 1),
        ] {
            let path = client.path("v2", &["pools", &name, "nodes", op]);
            for _ in 0..times {
                expect_ok(client, Method::POST, &path, &[], Some(body.clone())).await?;
            }
            batches.insert(
                op.into(),
                summary(durations(client, token, "POST", &path).await?),
            );
        }
        sizes.insert(
            size.to_string(),
            json!({"pool": name, "nodes_page_500": page, "scale_one": scale, "batch": batches}),
        );
    }

    // 100 pools of many nodes against 100 of few, each in a project of its own.
    let mut lists = serde_json::Map::new();
    for (project, per_pool) in [("a", args.list_nodes[0]), ("b", args.list_nodes[1])] {
        let project_id = format!("{:0<32}", format!("b1{project}"));
        let c = for_project(&project_id)?;
        for i in 0..args.list_pools {
            let pool = NewPool::new(format!("l{per_pool}-{i}"))
                .flavor(FLAVOR, per_pool)
                .network("net-big")
                .build();
            c.create_pool(&pool)
                .await
                .with_context(|| format!("create pool {i}"))?;
        }
        let path = c.path("v2", &["pools"]);
        for _ in 0..args.samples {
            expect_ok(&c, Method::GET, &path, &[], None).await?;
        }
        lists.insert(
            per_pool.to_string(),
            summary(durations(client, token, "GET", &path).await?),
        );
    }
    println!(
        "{}",
        json!({"label": "big_pools", "sizes": sizes, "batch_nodes": args.batch, "list_pools": args.list_pools, "lists": lists})
    );
    Ok(())
}
