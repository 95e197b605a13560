//! `respool plugin list|install|upgrade|templates|template`.

use std::collections::BTreeMap;

use respool_api_types::{Plugin, PluginTemplate};
use serde_json::Value;

use super::{connect, resolve_pool};
use crate::cli::{Format, PluginArgs, PluginCommand, PluginInstallArgs};
use crate::output::{to_json, to_yaml, Table};

pub async fn run(args: PluginArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        PluginCommand::List { pool, output } => {
            let pool = resolve_pool(&client, &pool).await?.metadata.name;
            let list = client.list_plugins(&pool).await?;
            match output {
                Format::Json => print!("{}", to_json(&list)?),
                Format::Yaml => print!("{}", to_yaml(&list)?),
                Format::Table | Format::Wide => print!("{}", plugins_table(&list.items)),
            }
            Ok(())
        }
        PluginCommand::Install(a) => install(&client, a, "installing").await,
        PluginCommand::Upgrade(a) => install(&client, a, "upgrading").await,
        PluginCommand::Templates { pool, output } => {
            let pool = match pool {
                Some(p) => Some(resolve_pool(&client, &p).await?.metadata.name),
                None => None,
            };
            let list = client.list_plugin_templates(None, pool.as_deref()).await?;
            match output {
                Format::Json => print!("{}", to_json(&list)?),
                Format::Yaml => print!("{}", to_yaml(&list)?),
                Format::Table | Format::Wide => print!("{}", templates_table(&list.items)),
            }
            Ok(())
        }
        PluginCommand::Template { name, output } => {
            let t = client.get_plugin_template(&name).await?;
            match output {
                Format::Json => print!("{}", to_json(&t)?),
                _ => print!("{}", to_yaml(&t)?),
            }
            Ok(())
        }
    }
}

async fn install(
    client: &respool_client::Client,
    a: PluginInstallArgs,
    verb: &str,
) -> anyhow::Result<()> {
    let pool = resolve_pool(client, &a.pool).await?.metadata.name;
    let inputs = parse_inputs(&a.inputs)?;
    let p = client
        .install_plugin(&pool, &a.template, a.version.as_deref(), inputs)
        .await?;
    let target = p.spec.template.version.clone().unwrap_or_default();
    println!(
        "plugin/{} {verb} {target} in pool/{pool} ({})",
        p.metadata.name, p.status.phase
    );
    if a.wait.wait {
        let p = client
            .wait_plugin(&pool, &a.template, a.wait.timeout, a.wait.interval)
            .await?;
        println!(
            "plugin/{} {} {}",
            p.metadata.name, p.status.phase, p.status.version
        );
    }
    Ok(())
}

/// `KEY=VALUE` pairs; a value that parses as JSON is taken as JSON (`3`, `true`).
fn parse_inputs(pairs: &[String]) -> anyhow::Result<Option<BTreeMap<String, Value>>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut out = BTreeMap::new();
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--input {p:?}: use KEY=VALUE"))?;
        let v = serde_json::from_str(v).unwrap_or_else(|_| Value::from(v));
        out.insert(k.to_owned(), v);
    }
    Ok(Some(out))
}

fn plugins_table(items: &[Plugin]) -> String {
    let mut t = Table::new(&["NAME", "PHASE", "VERSION", "TARGET", "CREATED"]);
    for p in items {
        t.row(vec![
            p.metadata.name.clone(),
            p.status.phase.clone(),
            p.status.version.clone(),
            p.spec.template.version.clone().unwrap_or_default(),
            p.metadata.creation_timestamp.clone(),
        ]);
    }
    t.render()
}

fn templates_table(items: &[PluginTemplate]) -> String {
    let mut t = Table::new(&["NAME", "TYPE", "OPTIONAL", "LATEST", "VERSIONS"]);
    for x in items {
        let versions: Vec<&str> = x.spec.versions.iter().map(|v| v.version.as_str()).collect();
        t.row(vec![
            x.metadata.name.clone(),
            x.spec.template_type.clone(),
            x.spec.optional.to_string(),
            versions.first().copied().unwrap_or_default().to_owned(),
            versions.len().to_string(),
        ]);
    }
    t.render()
}
