//! `respool stats`, `respool events POOL`, `respool orders [POOL]`, `respool order ORDER`.

use respool_api_types::{EventList, OrderList};
use respool_client::{ListEvents, ListOrders};

use super::connect;
use super::workspace::resolve_workspace;
use crate::cli::{EventsArgs, OrderArgs, OrdersArgs, StatsArgs};
use crate::output::{print_event_list, print_order_items, print_order_list, print_statistics};

pub async fn stats(args: StatsArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    let workspace = match args.workspace.as_deref() {
        None | Some("") | Some("0") => "0".to_owned(),
        Some(w) => resolve_workspace(&client, w).await?,
    };
    let stats = client.pool_statistics(Some(&workspace)).await?;
    print_statistics(&stats, &workspace, args.output)
}

pub async fn events(args: EventsArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    let filter = ListEvents {
        event_type: args.event_type,
        // Oldest first: a table reads as a story.
        ascending: true,
        ..ListEvents::default()
    };
    // The pool's metadata.name; a deleted pool is found by its events alone.
    let pool = match client.find_pool(&args.pool).await {
        Ok(p) => p.metadata.name,
        Err(e) if e.is_not_found() => args.pool.clone(),
        Err(e) => return Err(e.into()),
    };
    let suffix = format!("-{}", client.project_id());
    let (pool, items) = match client.list_events(&pool, &filter, args.page_size).await {
        Ok(items) => (pool, items),
        Err(e) if e.is_not_found() && !pool.ends_with(&suffix) => {
            let full = format!("{pool}{suffix}");
            match client.list_events(&full, &filter, args.page_size).await {
                Ok(items) => (full, items),
                Err(e2) if e2.is_not_found() => return Err(e.into()),
                Err(e2) => return Err(e2.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    let list = EventList {
        kind: "EventList".into(),
        api_version: "v1".into(),
        metadata: Default::default(),
        items,
    };
    print_event_list(&list, &pool, args.output)
}

pub async fn orders(args: OrdersArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    let items = client
        .list_all_orders(&ListOrders {
            pool: args.pool,
            workspace_id: args.workspace,
            phase: args.phase,
            limit: args.page_size,
            ..ListOrders::default()
        })
        .await?;
    let list = OrderList {
        count: items.len() as u64,
        items,
    };
    print_order_list(&list, args.output)
}

pub async fn order(args: OrderArgs) -> anyhow::Result<()> {
    let client = connect(&args.conn)?;
    print_order_items(&client.get_order(&args.order).await?, args.output)
}
