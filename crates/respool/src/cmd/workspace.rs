//! `respool workspace list|get|create|delete`.

use respool_api_types::{WorkspaceCreate, WorkspaceList};
use respool_client::{Client, ListWorkspaces};

use super::connect;
use crate::cli::{WorkspaceArgs, WorkspaceCommand};
use crate::output::{print_workspace, print_workspace_list};

/// The code of "workspace:ID not existed".
const NO_SUCH_WORKSPACE: &str = "ModelArts.7005";

pub async fn run(args: WorkspaceArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        WorkspaceCommand::List { name, output } => {
            let workspaces = client
                .list_all_workspaces(&ListWorkspaces {
                    name,
                    sort_by: Some("name".into()),
                    order: Some("asc".into()),
                    ..ListWorkspaces::default()
                })
                .await?;
            let n = workspaces.len() as u64;
            let list = WorkspaceList {
                total_count: n,
                count: n,
                workspaces,
            };
            print_workspace_list(&list, output)
        }
        WorkspaceCommand::Get { workspace, output } => {
            let id = resolve_workspace(&client, &workspace).await?;
            print_workspace(&client.get_workspace(&id).await?, output)
        }
        WorkspaceCommand::Create {
            name,
            description,
            output,
        } => {
            let w = client
                .create_workspace(&WorkspaceCreate {
                    name,
                    description,
                    ..WorkspaceCreate::default()
                })
                .await?;
            match output {
                Some(format) => print_workspace(&w, format),
                None => {
                    println!("workspace/{} created ({})", w.id, w.name);
                    Ok(())
                }
            }
        }
        WorkspaceCommand::Delete { workspaces } => {
            for w in workspaces {
                let id = resolve_workspace(&client, &w).await?;
                client.delete_workspace(&id).await?;
                println!("workspace/{id} deleted");
            }
            Ok(())
        }
    }
}

/// The id of a workspace given its id or its (exact) name. When neither
/// matches, the service's answer to the id (400 `ModelArts.7005`).
pub async fn resolve_workspace(client: &Client, given: &str) -> anyhow::Result<String> {
    match client.get_workspace(given).await {
        Ok(w) => Ok(w.id),
        Err(e) if e.error_code() == Some(NO_SUCH_WORKSPACE) => {
            let named = client
                .list_all_workspaces(&ListWorkspaces {
                    name: Some(given.to_owned()),
                    ..ListWorkspaces::default()
                })
                .await?;
            match named.iter().find(|w| w.name == given) {
                Some(w) => Ok(w.id.clone()),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}
