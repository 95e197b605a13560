//! `respool stats`, `respool events POOL`, `respool orders [POOL]`, `respool order ORDER`.

use std::collections::HashSet;

use respool_api_types::{Event, EventList, OrderList};
use respool_client::{Client, ListEvents, ListOrders, WatchEvent, WatchTarget};

use super::connect;
use super::watch::{follow, Rows};
use super::workspace::resolve_workspace;
use crate::cli::{EventsArgs, Format, OrderArgs, OrdersArgs, StatsArgs};
use crate::output::{
    event_headers, event_row, print_event_list, print_order_items, print_order_list,
    print_statistics,
};

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
    if args.follow {
        return follow_events(&client, args).await;
    }
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

/// `events POOL --follow`: the events so far, then each new one. The watch
/// starts first (its first bookmark says where), so no event falls between
/// the list and the watch; those the list showed are not shown again.
async fn follow_events(client: &Client, args: EventsArgs) -> anyhow::Result<()> {
    let pool = match client.find_pool(&args.pool).await {
        Ok(p) => p.metadata.name,
        Err(e) if e.is_not_found() => args.pool.clone(),
        Err(e) => return Err(e.into()),
    };
    let mut watch = client.watch(WatchTarget::Events(Some(pool.clone())), None);
    let started = watch.next().await?;
    let from = started.resource_version().unwrap_or("0").to_owned();
    let filter = ListEvents {
        event_type: args.event_type.clone(),
        ascending: true,
        ..ListEvents::default()
    };
    let listed = match client.list_events(&pool, &filter, args.page_size).await {
        Ok(items) => items,
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let seen: HashSet<String> = listed.iter().map(|e| e.metadata.name.clone()).collect();
    let wide = args.output == Format::Wide;
    let shown = pool.clone();
    let rows = Rows {
        headers: event_headers(wide),
        row: Box::new(move |e, now| {
            let event: Event = e.decode().ok()?;
            Some(event_row(&event, &shown, wide, now))
        }),
    };
    let wanted_type = args.event_type;
    let listed = listed
        .iter()
        .map(|e| {
            Ok(WatchEvent {
                kind: "ADDED".into(),
                object: serde_json::to_value(e)?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let watch = client.watch(WatchTarget::Events(Some(pool)), Some(from));
    follow(watch, args.output, rows, listed, move |e| {
        e.object["metadata"]["name"]
            .as_str()
            .is_some_and(|n| seen.contains(n))
            || wanted_type
                .as_deref()
                .is_some_and(|t| e.object["type"] != t)
    })
    .await
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
