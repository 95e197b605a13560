//! `respool network create|list|get|delete`.

use std::time::Instant;

use respool_api_types::{Network, NetworkList};
use respool_client::{Client, ListNetworks, NewNetwork, WaitOptions};

use super::connect;
use crate::cli::{Format, NetworkArgs, NetworkCommand, WaitArgs};
use crate::output::{print_network, print_network_list};

pub async fn run(args: NetworkArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        NetworkCommand::Create {
            name,
            cidr,
            workspace,
            labels,
            description,
            wait,
            output,
        } => {
            let mut new = NewNetwork::new(name, cidr);
            if let Some(w) = workspace {
                new = new.workspace(w);
            }
            for (k, v) in labels {
                new = new.label(k, v);
            }
            if let Some(d) = description {
                new = new.description(d);
            }
            let created = client.create_network(&new.build()).await?;
            let name = created.metadata.name.clone();
            if !wait.wait {
                return report(&created, output);
            }
            println!("network/{name} created");
            let network = wait_active(&client, &name, &wait).await?;
            if let Some(format) = output {
                print_network(&network, format)?;
            }
            Ok(())
        }
        NetworkCommand::List {
            selector,
            workspace,
            page_size,
            output,
        } => {
            let items = client
                .list_networks(
                    &ListNetworks {
                        label_selector: selector,
                        workspace_id: workspace,
                    },
                    page_size,
                )
                .await?;
            let list = NetworkList {
                api_version: "v1".into(),
                kind: "NetworkList".into(),
                metadata: Default::default(),
                items,
            };
            print_network_list(&list, output)
        }
        NetworkCommand::Get { name, output } => {
            print_network(&client.find_network(&name).await?, output)
        }
        NetworkCommand::Delete { names } => {
            for name in names {
                let name = client.find_network(&name).await?.metadata.name;
                client.delete_network(&name).await?;
                println!("network/{name} deleted");
            }
            Ok(())
        }
        NetworkCommand::Ips { name, output } => {
            super::capacity::network_ips(&args.conn, &name, output).await
        }
    }
}

fn report(network: &Network, output: Option<Format>) -> anyhow::Result<()> {
    match output {
        Some(format) => print_network(network, format),
        None => {
            println!("network/{} created", network.metadata.name);
            Ok(())
        }
    }
}

/// Waits for `Active`, a line per phase on standard error, the result on standard output.
async fn wait_active(client: &Client, name: &str, wait: &WaitArgs) -> anyhow::Result<Network> {
    let started = Instant::now();
    let mut last = String::new();
    let network = client
        .wait_network(
            name,
            &WaitOptions {
                timeout: wait.timeout,
                interval: wait.interval,
            },
            |n| {
                if n.status.phase != last {
                    last = n.status.phase.clone();
                    crate::progress::note(&format!(
                        "  [{:>5.1}s] network/{name}  {}",
                        started.elapsed().as_secs_f64(),
                        if last.is_empty() { "Pending" } else { &last }
                    ));
                }
            },
        )
        .await?;
    println!(
        "network/{name} is {} after {:.1}s",
        network.status.phase,
        started.elapsed().as_secs_f64()
    );
    Ok(network)
}
