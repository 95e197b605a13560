//! `respool pool list|get|create|scale|delete|tags|tag|untag|wait`.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context};
use respool_api_types::keys;
use respool_api_types::{Pool, Tag, TagDeletion};
use respool_client::{Client, ListPools, NewPool, WaitFor, WatchEvent, WatchTarget};

use super::watch::{follow, Rows};
use super::{connect, resolve_pool, wait_pool};
use crate::cli::{CreateArgs, Format, PoolArgs, PoolCommand, WaitArgs};
use crate::output::{pool_headers, pool_row, print_pool, print_pool_list, print_tags};

pub async fn run(args: PoolArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        PoolCommand::List {
            workspace,
            selector,
            status,
            watch,
            output,
        } => {
            let options = ListPools {
                workspace_id: workspace,
                label_selector: selector,
                status,
                parent: None,
            };
            if watch {
                return watch_pools(&client, options, None, output).await;
            }
            print_pool_list(&client.list_pools(&options).await?, output)
        }
        PoolCommand::Get {
            name,
            watch,
            output,
        } => {
            let pool = resolve_pool(&client, &name).await?;
            if watch {
                let options = ListPools {
                    workspace_id: pool.metadata.labels.get(keys::WORKSPACE_ID).cloned(),
                    ..ListPools::default()
                };
                return watch_pools(&client, options, Some(pool.metadata.name), output).await;
            }
            print_pool(&pool, output)
        }
        PoolCommand::Create(args) => create(&client, args).await,
        PoolCommand::Scale {
            name,
            flavor,
            count,
            wait,
            output,
        } => scale(&client, &name, flavor, count, &wait, output).await,
        PoolCommand::Delete { names, wait } => {
            for name in names {
                delete(&client, &name, &wait).await?;
            }
            Ok(())
        }
        PoolCommand::Tags { pool, output } => match pool {
            Some(pool) => {
                let name = resolve_pool(&client, &pool).await?.metadata.name;
                print_tags(&client.get_pool_tags(&name).await?, "VALUE", output)
            }
            None => print_tags(&client.list_project_pool_tags().await?, "VALUES", output),
        },
        PoolCommand::Tag { pool, tags, output } => {
            let name = resolve_pool(&client, &pool).await?.metadata.name;
            let tags: Vec<Tag> = tags
                .into_iter()
                .map(|(key, value)| Tag { key, value })
                .collect();
            let now = client.add_pool_tags(&name, &tags).await?;
            match output {
                Some(format) => print_tags(&now, "VALUE", format),
                None => {
                    let said: Vec<String> = tags
                        .iter()
                        .map(|t| format!("{}={}", t.key, t.value))
                        .collect();
                    println!("pool/{name} tagged: {}", said.join(", "));
                    Ok(())
                }
            }
        }
        PoolCommand::Untag { pool, keys, output } => {
            let name = resolve_pool(&client, &pool).await?.metadata.name;
            let gone: Vec<TagDeletion> = keys
                .iter()
                .map(|k| match k.split_once('=') {
                    Some((key, value)) => TagDeletion {
                        key: key.to_owned(),
                        value: Some(value.to_owned()),
                    },
                    None => TagDeletion {
                        key: k.clone(),
                        value: None,
                    },
                })
                .collect();
            let left = client.remove_pool_tags(&name, &gone).await?;
            match output {
                Some(format) => print_tags(&left, "VALUE", format),
                None => {
                    println!("pool/{name} untagged: {}", keys.join(", "));
                    Ok(())
                }
            }
        }
        PoolCommand::Wait {
            name,
            condition,
            timeout,
            interval,
        } => {
            let name = match resolve_pool(&client, &name).await {
                Ok(pool) => pool.metadata.name,
                // Waiting for a deletion that is over already succeeds, as kubectl's does.
                Err(e) if condition == WaitFor::Deleted && is_not_found(&e) => {
                    println!("pool/{name} deleted");
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            wait_pool(&client, &name, &condition, timeout, interval).await?;
            Ok(())
        }
    }
}

fn is_not_found(e: &anyhow::Error) -> bool {
    e.downcast_ref::<respool_client::Error>()
        .is_some_and(respool_client::Error::is_not_found)
}

/// Prints a mutated pool: a message, or the object in the asked format.
fn report(pool: &Pool, verb: &str, output: Option<Format>) -> anyhow::Result<()> {
    match output {
        Some(format) => print_pool(pool, format),
        None => {
            println!("pool/{} {verb}", pool.metadata.name);
            Ok(())
        }
    }
}

/// `pool list --watch` and `pool get --watch` (of one pool, `only`).
async fn watch_pools(
    client: &Client,
    options: ListPools,
    only: Option<String>,
    format: Format,
) -> anyhow::Result<()> {
    let wide = format == Format::Wide;
    let named = |e: &WatchEvent| {
        only.as_deref()
            .is_none_or(|n| e.object["metadata"]["name"] == n)
    };
    let rows = Rows {
        headers: pool_headers(wide),
        row: Box::new(move |e, now| {
            let pool: Pool = e.decode().ok()?;
            Some(pool_row(&pool, wide, now))
        }),
    };
    let watch = client.watch(WatchTarget::Pools(options), None);
    follow(watch, format, rows, Vec::new(), |e| !named(e)).await
}

async fn create(client: &Client, args: CreateArgs) -> anyhow::Result<()> {
    let mut pool = match &args.file {
        Some(path) => read_pool_file(path)?,
        None => pool_from_flags(&args)?,
    };
    // `--network` may give the network's display name, as `--name` gives the pool's.
    if let (Some(given), Some(net)) = (&args.network, pool.spec.network.as_mut()) {
        if let Ok(found) = client.find_network(given).await {
            net.name = Some(found.metadata.name);
        }
    }
    let created = client.create_pool(&pool).await?;
    let name = created.metadata.name.clone();
    if !args.wait.wait {
        return report(&created, "created", args.output);
    }
    println!("pool/{name} created");
    let pool = wait_pool(
        client,
        &name,
        &WaitFor::running(),
        args.wait.timeout,
        args.wait.interval,
    )
    .await?;
    if let (Some(format), Some(pool)) = (args.output, pool) {
        print_pool(&pool, format)?;
    }
    Ok(())
}

fn pool_from_flags(args: &CreateArgs) -> anyhow::Result<Pool> {
    let name = args.name.clone().context("--name is required")?;
    if args.flavors.is_empty() {
        bail!("--flavor is required");
    }
    let counts: Vec<i64> = match args.counts.len() {
        0 => vec![1; args.flavors.len()],
        1 => vec![args.counts[0]; args.flavors.len()],
        n if n == args.flavors.len() => args.counts.clone(),
        n => bail!(
            "{n} --count values for {} --flavor values: give one count, or one per flavor",
            args.flavors.len()
        ),
    };
    let scope: Vec<String> = if args.scope.is_empty() {
        vec!["Train".into()]
    } else {
        args.scope.iter().map(|s| s.trim().to_owned()).collect()
    };
    let mut new = NewPool::new(name).pool_type(&args.pool_type).scope(scope);
    for (flavor, count) in args.flavors.iter().zip(counts) {
        new = new.flavor(flavor, count);
    }
    if let Some(n) = &args.network {
        new = new.network(n);
    }
    if let Some(w) = &args.workspace {
        new = new.workspace(w);
    }
    for l in &args.labels {
        let (k, v) = l
            .split_once('=')
            .with_context(|| format!("invalid --label {l:?}: use KEY=VALUE"))?;
        new = new.label(k, v);
    }
    if let Some(d) = &args.description {
        new = new.description(d);
    }
    Ok(new.build())
}

/// A Pool from a YAML or JSON file (`-`: standard input).
pub fn read_pool_file(path: &Path) -> anyhow::Result<Pool> {
    let (text, label) = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the pool from standard input")?;
        (s, "standard input".to_owned())
    } else {
        let s = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        (s, path.display().to_string())
    };
    let json_ext = path.extension().is_some_and(|e| e == "json");
    let value: serde_json::Value = if json_ext || text.trim_start().starts_with('{') {
        serde_json::from_str(&text).with_context(|| format!("{label} is not valid JSON"))?
    } else {
        serde_norway::from_str(&text).with_context(|| format!("{label} is not valid YAML"))?
    };
    let mut pool: Pool = serde_json::from_value(value)
        .with_context(|| format!("{label} does not describe a Pool"))?;
    if pool.api_version.is_empty() {
        pool.api_version = "v2".into();
    }
    if pool.kind.is_empty() {
        pool.kind = "Pool".into();
    }
    Ok(pool)
}

async fn scale(
    client: &Client,
    name: &str,
    flavor: Option<String>,
    count: i64,
    wait: &WaitArgs,
    output: Option<Format>,
) -> anyhow::Result<()> {
    let pool = resolve_pool(client, name).await?;
    let name = pool.metadata.name.clone();
    let flavor = match flavor {
        Some(f) => f,
        None => match pool.spec.resources.as_slice() {
            [only] => only.flavor.clone(),
            _ => bail!(
                "pool/{name} has {} flavors: say which with --flavor ({})",
                pool.spec.resources.len(),
                pool.spec
                    .resources
                    .iter()
                    .map(|r| r.flavor.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let scaled = client.scale_pool(&name, &flavor, count).await?;
    if !wait.wait {
        return report(&scaled, "scaled", output);
    }
    println!("pool/{name} scaled: {flavor} to {count}");
    let pool = wait_pool(
        client,
        &name,
        &WaitFor::running(),
        wait.timeout,
        wait.interval,
    )
    .await?;
    if let (Some(format), Some(pool)) = (output, pool) {
        print_pool(&pool, format)?;
    }
    Ok(())
}

async fn delete(client: &Client, name: &str, wait: &WaitArgs) -> anyhow::Result<()> {
    let name = resolve_pool(client, name).await?.metadata.name;
    client.delete_pool(&name).await?;
    println!("pool/{name} deleting");
    if wait.wait {
        wait_pool(
            client,
            &name,
            &WaitFor::Deleted,
            wait.timeout,
            wait.interval,
        )
        .await?;
    }
    Ok(())
}
