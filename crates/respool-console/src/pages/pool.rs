//! One pool: its spec, status, nodes, node pools, plugins, orders and
//! events; scaling a node pool, node actions, and deletion.

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use respool_api_types::{
    keys, EventList, FlavorCount, Node, NodeList, NodePoolList, NodeResults, OrderList, PluginList,
    Pool,
};
use respool_core::time::rfc3339;
use serde_json::{json, Value};

use super::pools::{count_text, display_name, labels, node_counts, pool_href};
use super::{alert, column_heads, csrf_field, layout, live_region, phase, NoticeQuery, Section};
use crate::api::{project_path, Failure};
use crate::extract::{Fragment, Posted};
use crate::session::Session;
use crate::Console;

/// The node operations the page offers, as the API names them.
const NODE_ACTIONS: [(&str, &str); 4] = [
    ("lock", "Lock against deletion"),
    ("unlock", "Unlock"),
    ("reboot", "Reboot"),
    ("drain", "Drain"),
];

/// The annotation a node's deletion lock shows as.
const LOCK_ANNOTATION: &str = "os.modelarts/lock.actions";

/// Events and orders shown: the newest.
const RECENT: &str = "50";

/// Everything the page shows, each read from the API.
struct View {
    pool: Pool,
    nodes: Result<NodeList, Failure>,
    node_pools: Result<NodePoolList, Failure>,
    plugins: Result<PluginList, Failure>,
    orders: Result<OrderList, Failure>,
    events: Result<EventList, Failure>,
}

async fn load(console: &Console, s: &Session, name: &str) -> Result<View, Failure> {
    let api = &console.api;
    let v2 = |rest: &[&str]| project_path(s, "v2", &[&["pools", name], rest].concat());
    let pool = api.get::<Pool>(s, &v2(&[]), &[]).await?;
    let (nodes_path, node_pools_path, plugins_path) =
        (v2(&["nodes"]), v2(&["nodepools"]), v2(&["plugins"]));
    let (orders_path, events_path) = (
        project_path(s, "v1", &["orders"]),
        project_path(s, "v1", &["events"]),
    );
    let orders_query = [("involvedName", name), ("limit", RECENT)];
    let events_query = [("name", name), ("limit", RECENT)];
    let (nodes, node_pools, plugins, orders, events) = tokio::join!(
        api.get(s, &nodes_path, &[]),
        api.get(s, &node_pools_path, &[]),
        api.get(s, &plugins_path, &[]),
        api.get(s, &orders_path, &orders_query),
        api.get(s, &events_path, &events_query),
    );
    Ok(View {
        pool,
        nodes,
        node_pools,
        plugins,
        orders,
        events,
    })
}

/// `GET /console/pools/{name}`
pub async fn show(
    State(console): State<Console>,
    session: Session,
    Path(name): Path<String>,
    Query(notice): Query<NoticeQuery>,
    Fragment(fragment): Fragment,
) -> Response {
    render(&console, &session, &name, notice.render(), None, fragment).await
}

/// The page (or its live part), with what the last action did or why the
/// API refused it.
async fn render(
    console: &Console,
    session: &Session,
    name: &str,
    notice: Markup,
    failure: Option<&Failure>,
    fragment: bool,
) -> Response {
    let status = failure.map_or(StatusCode::OK, Failure::page_status);
    let view = match load(console, session, name).await {
        Ok(v) => v,
        Err(gone) => {
            let main = html! {
                h1 { (name) }
                (alert(failure))
                (alert(Some(&gone)))
                p { a href="/console/pools" { "Back to the pools" } }
            };
            let status = gone.page_status();
            if fragment {
                return (status, main).into_response();
            }
            return (
                status,
                layout(console, Some(session), Section::Pools, name, main),
            )
                .into_response();
        }
    };
    let live = live_part(console, session, &view);
    if fragment {
        return (status, live).into_response();
    }
    let href = pool_href(name);
    let main = html! {
        p class="crumbs" { a href="/console/pools" { "Pools" } " / " }
        h1 { (display_name(&view.pool)) }
        p { code { (view.pool.metadata.name) } }
        (notice)
        (alert(failure))
        (live_region(&format!("{href}/watch"), &format!("{href}?fragment=1"), live))
        (scale_form(console, session, &href, &view))
        section aria-labelledby="delete-heading" {
            h2 id="delete-heading" { "Delete" }
            p { a class="button danger" href=(format!("{href}/delete")) { "Delete this pool…" } }
        }
    };
    let title = display_name(&view.pool).to_owned();
    (
        status,
        layout(console, Some(session), Section::Pools, &title, main),
    )
        .into_response()
}

/// What changes as the pool lives: status, spec, nodes and their actions,
/// node pools, plugins, orders and events.
fn live_part(console: &Console, session: &Session, v: &View) -> Markup {
    let p = &v.pool;
    html! {
        section aria-labelledby="status-heading" {
            h2 id="status-heading" { "Status" }
            dl class="facts" {
                dt { "Phase" } dd { (phase(&p.status.phase)) }
                @if let Some(m) = &p.status.message { dt { "Message" } dd { (m) } }
                dt { "Nodes" } dd { (node_counts(p)) }
                dt { "Created" } dd { (p.metadata.creation_timestamp.as_deref().unwrap_or("")) }
            }
            (buckets(p))
        }
        section aria-labelledby="spec-heading" {
            h2 id="spec-heading" { "Spec" }
            dl class="facts" {
                dt { "Type" } dd { (p.spec.pool_type) }
                dt { "Job types" } dd { (p.spec.scope.join(", ")) }
                dt { "Workspace" } dd { code { (p.metadata.labels.get(keys::WORKSPACE_ID).map_or("0", String::as_str)) } }
                dt { "Network" } dd { (p.spec.network.as_ref().and_then(|n| n.name.as_deref()).unwrap_or("none")) }
                dt { "Labels" } dd { (labels(p)) }
                dt { "Annotations" } dd {
                    ul class="plain" {
                        @for (k, v) in p.metadata.annotations.iter().filter(|(k, _)| !k.starts_with("os.modelarts")) {
                            li { code { (k) ": " (v) } }
                        }
                    }
                }
            }
            table {
                caption { "Resources" }
                (column_heads(&["Node pool", "Flavor", "Count"]))
                tbody {
                    @for r in &p.spec.resources {
                        tr {
                            td { (r.node_pool.as_deref().unwrap_or("")) }
                            td { code { (r.flavor) } }
                            td { (r.count) }
                        }
                    }
                }
            }
        }
        (nodes(console, session, &p.metadata.name, &v.nodes))
        (node_pools(&v.node_pools))
        (plugins(&v.plugins))
        (orders(&v.orders))
        (events(&v.events))
    }
}

fn buckets(p: &Pool) -> Markup {
    let r = &p.status.resources;
    let rows: [(&str, &Vec<FlavorCount>); 4] = [
        ("Available", &r.available),
        ("Creating", &r.creating),
        ("Abnormal", &r.abnormal),
        ("Deleting", &r.deleting),
    ];
    html! {
        table {
            caption { "Nodes by state" }
            (column_heads(&["State", "Flavor", "Node pool", "Count"]))
            tbody {
                @for (state, counts) in rows {
                    @for c in counts {
                        tr {
                            th scope="row" { (state) }
                            td { code { (c.flavor) } }
                            td { (c.node_pool.as_deref().unwrap_or("")) }
                            td { (c.count) }
                        }
                    }
                }
            }
        }
    }
}

fn nodes(
    console: &Console,
    session: &Session,
    pool: &str,
    list: &Result<NodeList, Failure>,
) -> Markup {
    html! {
        section aria-labelledby="nodes-heading" {
            h2 id="nodes-heading" { "Nodes" }
            @match list {
                Err(f) => (alert(Some(f))),
                Ok(list) => {
                    form method="post" action=(format!("{}/nodes", pool_href(pool))) {
                        (csrf_field(console, session))
                        table {
                            caption {
                                (count_text(list.items.len(), "node"))
                                @if let Some(more) = list.metadata.remaining_item_count { ", " (more) " more not shown" }
                            }
                            (column_heads(&["Select", "Name", "Phase", "Node pool", "Flavor", "Address", "Lock", "Scheduling"]))
                            tbody {
                                @for n in &list.items { (node_row(n)) }
                            }
                        }
                        fieldset class="actions" {
                            legend { "With the selected nodes" }
                            @for (action, text) in NODE_ACTIONS {
                                button type="submit" name="action" value=(action) { (text) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn node_row(n: &Node) -> Markup {
    let name = &n.metadata.name;
    let id = format!("node-{name}");
    let locked = n
        .metadata
        .annotations
        .get(LOCK_ANNOTATION)
        .is_some_and(|a| a.contains("delete"));
    html! {
        tr {
            td {
                input type="checkbox" id=(id) name="node" value=(name);
                label for=(id) class="visually-hidden" { "Select " (name) }
            }
            th scope="row" { code { (name) } }
            td { (phase(&n.status.phase)) }
            td { (n.metadata.labels.get("os.modelarts.node/nodepool").map_or("", String::as_str)) }
            td { code { (n.spec.flavor) } }
            td { (n.status.private_ip) }
            td { @if locked { "locked" } @else { "unlocked" } }
            td { @if n.spec.unschedulable { "drained" } @else { "schedulable" } }
        }
    }
}

fn node_pools(list: &Result<NodePoolList, Failure>) -> Markup {
    html! {
        section aria-labelledby="nodepools-heading" {
            h2 id="nodepools-heading" { "Node pools" }
            @match list {
                Err(f) => (alert(Some(f))),
                Ok(list) => table {
                    caption { (count_text(list.items.len(), "node pool")) }
                    (column_heads(&["Name", "Flavor", "Count", "Available"]))
                    tbody {
                        @for np in &list.items {
                            tr {
                                th scope="row" { (np.metadata.name) }
                                td { code { (np.spec.resources.flavor) } }
                                td { (np.spec.resources.count) }
                                td { (np.status.as_ref().and_then(|s| s.resources.available.as_ref()).map_or(0, |a| a.count)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn plugins(list: &Result<PluginList, Failure>) -> Markup {
    html! {
        section aria-labelledby="plugins-heading" {
            h2 id="plugins-heading" { "Plugins" }
            @match list {
                Err(f) => (alert(Some(f))),
                Ok(list) if list.items.is_empty() => p { "No plugins." },
                Ok(list) => table {
                    caption { (count_text(list.items.len(), "plugin")) }
                    (column_heads(&["Name", "Template", "Version", "Phase"]))
                    tbody {
                        @for pl in &list.items {
                            tr {
                                th scope="row" { (pl.metadata.name) }
                                td { (pl.spec.template.name) }
                                td { (pl.status.version) }
                                td { (phase(&pl.status.phase)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn orders(list: &Result<OrderList, Failure>) -> Markup {
    let when = |ms: i64| if ms > 0 { rfc3339(ms) } else { String::new() };
    html! {
        section aria-labelledby="orders-heading" {
            h2 id="orders-heading" { "Orders" }
            @match list {
                Err(f) => (alert(Some(f))),
                Ok(list) => table {
                    caption { (count_text(list.items.len(), "order")) ", newest first" }
                    (column_heads(&["Order", "Operation", "Phase", "Began", "Ended"]))
                    tbody {
                        @for o in &list.items {
                            tr {
                                th scope="row" { code { (o.order_name) } }
                                td { (o.operation) }
                                td {
                                    (phase(&o.phase))
                                    @if let Some(r) = &o.fail_reason { " " (r) }
                                }
                                td { (when(o.begin_timestamp)) }
                                td { (when(o.end_timestamp)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn events(list: &Result<EventList, Failure>) -> Markup {
    html! {
        section aria-labelledby="events-heading" {
            h2 id="events-heading" { "Events" }
            @match list {
                Err(f) => (alert(Some(f))),
                Ok(list) if list.items.is_empty() => p { "No events yet." },
                Ok(list) => ol class="timeline" aria-label="Events, newest first" {
                    @for e in &list.items {
                        li {
                            time datetime=(e.last_timestamp) { (e.last_timestamp) }
                            " "
                            span class="event-type" { (e.event_type) }
                            " " (e.message)
                        }
                    }
                }
            }
        }
    }
}

fn scale_form(console: &Console, session: &Session, href: &str, v: &View) -> Markup {
    html! {
        section aria-labelledby="scale-heading" {
            h2 id="scale-heading" { "Scale" }
            form method="post" action=(format!("{href}/scale")) class="inline-form" {
                (csrf_field(console, session))
                label for="scale-pool" { "Node pool" }
                select id="scale-pool" name="nodePool" {
                    @if let Ok(list) = &v.node_pools {
                        @for np in &list.items {
                            option value=(np.metadata.name) { (np.metadata.name) " (" (np.spec.resources.count) " nodes)" }
                        }
                    }
                }
                label for="scale-count" { "Nodes" }
                input id="scale-count" name="count" type="number" min="0" required
                    value=(v.pool.spec.resources.first().map_or(1, |r| r.count));
                button type="submit" { "Scale" }
            }
        }
    }
}

/// `POST /console/pools/{name}/scale`: a PATCH of one node pool's count.
pub async fn scale(
    State(console): State<Console>,
    Path(name): Path<String>,
    posted: Posted,
) -> Response {
    let s = &posted.session;
    let node_pool = posted.fields.text("nodePool");
    let count = posted.fields.text("count");
    // As typed: a count that is not a number is the API's to refuse.
    let count = count
        .parse::<i64>()
        .map_or_else(|_| Value::from(count), Value::from);
    let path = project_path(s, "v2", &["pools", &name, "nodepools", node_pool]);
    let patch = json!({ "spec": { "resources": { "count": count } } });
    match console
        .api
        .send(s, Method::PATCH, &path, Some(&patch))
        .await
    {
        Ok(_) => back_to(&name, "scaled"),
        Err(f) => render(&console, s, &name, html! {}, Some(&f), false).await,
    }
}

/// `POST /console/pools/{name}/nodes`: lock, unlock, reboot or drain the
/// selected nodes.
pub async fn node_action(
    State(console): State<Console>,
    Path(name): Path<String>,
    posted: Posted,
) -> Response {
    let s = &posted.session;
    let action = posted.fields.text("action");
    let names: Vec<&str> = posted.fields.all("node").collect();
    if !NODE_ACTIONS.iter().any(|(a, _)| *a == action) {
        return refuse(
            &console,
            s,
            &name,
            StatusCode::BAD_REQUEST,
            "Choose lock, unlock, reboot or drain.",
        )
        .await;
    }
    if names.is_empty() {
        return refuse(
            &console,
            s,
            &name,
            StatusCode::BAD_REQUEST,
            "Select at least one node.",
        )
        .await;
    }
    let body = match action {
        "lock" | "unlock" => json!({ "nodeNames": names, "actions": ["delete"] }),
        _ => json!({ "nodeNames": names }),
    };
    let path = project_path(
        s,
        "v2",
        &["pools", &name, "nodes", &format!("batch-{action}")],
    );
    let answer = match console.api.send(s, Method::POST, &path, Some(&body)).await {
        Ok(a) => a,
        Err(f) => return render(&console, s, &name, html! {}, Some(&f), false).await,
    };
    // Lock, unlock and drain answer per node; a node may be refused alone.
    let failed: Vec<String> = serde_json::from_value::<NodeResults>(answer)
        .map(|r| {
            r.nodes
                .into_iter()
                .filter(|n| n.status != "success")
                .map(|n| n.name)
                .collect()
        })
        .unwrap_or_default();
    if failed.is_empty() {
        return back_to(&name, action);
    }
    let failure = Failure {
        status: StatusCode::OK,
        message: format!("the API did not {action} node(s) {}", failed.join(", ")),
    };
    render(&console, s, &name, html! {}, Some(&failure), false).await
}

async fn refuse(
    console: &Console,
    s: &Session,
    name: &str,
    status: StatusCode,
    message: &str,
) -> Response {
    let failure = Failure {
        status,
        message: message.to_owned(),
    };
    render(console, s, name, html! {}, Some(&failure), false).await
}

fn back_to(name: &str, notice: &str) -> Response {
    Redirect::to(&format!("{}?notice={notice}", pool_href(name))).into_response()
}

/// `GET /console/pools/{name}/delete`: asks before deleting.
pub async fn confirm_delete(
    State(console): State<Console>,
    session: Session,
    Path(name): Path<String>,
) -> Response {
    confirm_page(&console, &session, &name, None).await
}

async fn confirm_page(
    console: &Console,
    s: &Session,
    name: &str,
    failure: Option<&Failure>,
) -> Response {
    let pool: Result<Pool, Failure> = console
        .api
        .get(s, &project_path(s, "v2", &["pools", name]), &[])
        .await;
    let status = match (failure, &pool) {
        (Some(f), _) | (None, Err(f)) => f.page_status(),
        _ => StatusCode::OK,
    };
    let href = pool_href(name);
    let main = html! {
        h1 { "Delete pool " (name) "?" }
        (alert(failure))
        @match &pool {
            Err(f) => (alert(Some(f))),
            Ok(p) => {
                p { "The pool " strong { (display_name(p)) } " (" (phase(&p.status.phase)) ", " (node_counts(p)) ") and all its nodes will be deleted. Its orders and events stay listable." }
                form method="post" action=(format!("{href}/delete")) {
                    (csrf_field(console, s))
                    input type="checkbox" id="confirm-delete" name="confirm" value="yes" required;
                    label for="confirm-delete" class="inline" { "Yes, delete " (display_name(p)) }
                    p {
                        button type="submit" class="danger" { "Delete" }
                        " "
                        a href=(href) { "Cancel" }
                    }
                }
            }
        }
    };
    (
        status,
        layout(console, Some(s), Section::Pools, "Delete pool", main),
    )
        .into_response()
}

/// `POST /console/pools/{name}/delete`
pub async fn delete(
    State(console): State<Console>,
    Path(name): Path<String>,
    posted: Posted,
) -> Response {
    let s = &posted.session;
    if posted.fields.text("confirm") != "yes" {
        let failure = Failure {
            status: StatusCode::BAD_REQUEST,
            message: "tick the box to confirm the deletion".into(),
        };
        return confirm_page(&console, s, &name, Some(&failure)).await;
    }
    let path = project_path(s, "v2", &["pools", &name]);
    match console.api.send(s, Method::DELETE, &path, None).await {
        Ok(_) => Redirect::to("/console/pools?notice=deleting").into_response(),
        Err(f) => confirm_page(&console, s, &name, Some(&f)).await,
    }
}
