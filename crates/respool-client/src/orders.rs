//! `/v1/{project_id}/orders` (offset paging) and `/v1/{project_id}/events`
//! (`continue` paging): what was asked of the pools and what happened to them.

use respool_api_types::{Event, EventList, Order, OrderItemList, OrderList};

use crate::paging::PageOptions;
use crate::{Client, Error};

/// The query of `GET /v1/{project_id}/orders`; `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOrders {
    /// `involvedName`: only orders of this pool (its `metadata.name` or display name).
    pub pool: Option<String>,
    /// `workspaceId`: only orders of pools in this workspace.
    pub workspace_id: Option<String>,
    /// `phase`: `pending`, `processing`, `successed` or `failed`.
    pub phase: Option<String>,
    /// `since`: only orders created at or after this instant (epoch milliseconds).
    pub since_ms: Option<i64>,
    /// `until`: only orders created at or before this instant (epoch milliseconds).
    pub until_ms: Option<i64>,
    /// Page size, 1–500 (the service's default: 100).
    pub limit: Option<u32>,
    /// How many matching orders to skip.
    pub offset: Option<u32>,
}

/// The query of `GET /v1/{project_id}/events` besides the pool; `None`
/// fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListEvents {
    /// `type`: `Normal` or `Warning`.
    pub event_type: Option<String>,
    /// `since`: only events at or after this instant (epoch milliseconds).
    pub since_ms: Option<i64>,
    /// `until`: only events at or before this instant (epoch milliseconds).
    pub until_ms: Option<i64>,
    /// `ascend=true`: oldest first (the service's default is newest first).
    pub ascending: bool,
}

impl Client {
    /// One page of `GET /v1/{project_id}/orders`, newest first: `count` is
    /// every match, `items` this page of them. A pool that never existed is a 404.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// use respool_client::ListOrders;
    ///
    /// let page = client
    ///     .list_orders(&ListOrders { pool: Some("demo".into()), ..Default::default() })
    ///     .await?;
    /// for o in &page.items {
    ///     println!("{} {} {}", o.order_name, o.operation, o.phase);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_orders(&self, options: &ListOrders) -> Result<OrderList, Error> {
        let numbers: Vec<(&str, String)> = [
            ("since", options.since_ms.map(|n| n.to_string())),
            ("until", options.until_ms.map(|n| n.to_string())),
            ("limit", options.limit.map(|n| n.to_string())),
            ("offset", options.offset.map(|n| n.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let mut q: Vec<(&str, &str)> = Vec::new();
        for (key, value) in [
            ("involvedName", &options.pool),
            ("workspaceId", &options.workspace_id),
            ("phase", &options.phase),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                q.push((key, v));
            }
        }
        q.extend(numbers.iter().map(|(k, v)| (*k, v.as_str())));
        self.get(&self.path("v1", &["orders"]), &q).await
    }

    /// Every matching order, newest first, page after page by `offset`
    /// (`limit` of `options` is the page size).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// let failed = client
    ///     .list_all_orders(&respool_client::ListOrders { phase: Some("failed".into()), ..Default::default() })
    ///     .await?;
    /// println!("{} failed orders", failed.len());
    /// # Ok(()) }
    /// ```
    pub async fn list_all_orders(&self, options: &ListOrders) -> Result<Vec<Order>, Error> {
        let mut options = options.clone();
        let mut offset = options.offset.unwrap_or(0);
        let mut all = Vec::new();
        loop {
            options.offset = Some(offset);
            let page = self.list_orders(&options).await?;
            let got = page.items.len() as u32;
            all.extend(page.items);
            offset += got;
            if got == 0 || u64::from(offset) >= page.count {
                return Ok(all);
            }
        }
    }

    /// `GET /v1/{project_id}/orders/{order_name}`: the pool and the nodes the
    /// order acts on, each with its action and status.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// for item in client.get_order("order.demo-ab12c").await?.items {
    ///     println!("{} {} {}", item.resource_name, item.action, item.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_order(&self, order_name: &str) -> Result<OrderItemList, Error> {
        self.get(&self.path("v1", &["orders", order_name]), &[])
            .await
    }

    /// One page of `GET /v1/{project_id}/events?resource=pools&name=POOL`
    /// (`limit` 0–500, `continue` from the previous page's `metadata.continue`).
    /// `pool` is the pool's `metadata.name`; a deleted pool's events stay.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, pool: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::{ListEvents, PageOptions};
    ///
    /// let page = client
    ///     .list_events_page(pool, &ListEvents::default(), &PageOptions { limit: Some(20), continue_token: None })
    ///     .await?;
    /// println!("{} events", page.items.len());
    /// # Ok(()) }
    /// ```
    pub async fn list_events_page(
        &self,
        pool: &str,
        filter: &ListEvents,
        options: &PageOptions,
    ) -> Result<EventList, Error> {
        let numbers = event_numbers(filter);
        let q = events_query(pool, filter, &numbers);
        self.get_page(&self.path("v1", &["events"]), &q, options)
            .await
    }

    /// Every event of a pool that matches, following `metadata.continue`.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, pool: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::ListEvents;
    ///
    /// let oldest_first = ListEvents { ascending: true, ..Default::default() };
    /// for e in client.list_events(pool, &oldest_first, None).await? {
    ///     println!("{} {} {}", e.last_timestamp, e.reason, e.message);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_events(
        &self,
        pool: &str,
        filter: &ListEvents,
        page_size: Option<u32>,
    ) -> Result<Vec<Event>, Error> {
        let numbers = event_numbers(filter);
        let q = events_query(pool, filter, &numbers);
        self.get_all::<EventList>(&self.path("v1", &["events"]), &q, page_size)
            .await
    }
}

/// The numeric parameters of an events query, as text.
fn event_numbers(filter: &ListEvents) -> Vec<(&'static str, String)> {
    [
        ("since", filter.since_ms.map(|n| n.to_string())),
        ("until", filter.until_ms.map(|n| n.to_string())),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect()
}

/// The whole query of an events list.
fn events_query<'a>(
    pool: &'a str,
    filter: &'a ListEvents,
    numbers: &'a [(&'static str, String)],
) -> Vec<(&'static str, &'a str)> {
    let mut q = vec![("resource", "pools"), ("name", pool)];
    if let Some(t) = filter.event_type.as_deref().filter(|t| !t.is_empty()) {
        q.push(("type", t));
    }
    if filter.ascending {
        q.push(("ascend", "true"));
    }
    q.extend(numbers.iter().map(|(k, v)| (*k, v.as_str())));
    q
}
