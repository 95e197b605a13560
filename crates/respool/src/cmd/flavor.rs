//! `respool flavor list`.

use respool_api_types::ResourceFlavorList;

use super::connect;
use crate::cli::{FlavorArgs, FlavorCommand};
use crate::output::print_flavor_list;

pub async fn run(args: FlavorArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    match args.command {
        FlavorCommand::List {
            selector,
            page_size,
            output,
        } => {
            let items = client.list_flavors(selector.as_deref(), page_size).await?;
            let list = ResourceFlavorList {
                api_version: "v1".into(),
                kind: "ResourceFlavorList".into(),
                metadata: Default::default(),
                items,
            };
            print_flavor_list(&list, output)
        }
    }
}
