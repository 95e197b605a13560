//! The pools of the project: the list with its filters, and creating one.

use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use respool_api_types::{
    keys, FlavorCount, NetworkList, Pool, PoolList, ResourceFlavorList, WorkspaceList,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{
    alert, column_heads, csrf_field, fragment_url, layout, live_region, phase, with_query,
    NoticeQuery, Section,
};
use crate::api::{project_path, Failure};
use crate::extract::{Fragment, Posted};
use crate::session::Session;
use crate::Console;

/// The list's filters, passed to the API as they are: the API's grammar
/// (label selectors included) is the console's.
#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    selector: String,
}

impl Filter {
    fn api_query(&self) -> Vec<(&str, &str)> {
        vec![
            ("workspaceId", self.workspace.as_str()),
            ("status", self.status.as_str()),
            ("labelSelector", self.selector.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    fn console_query(&self) -> [(&str, &str); 3] {
        [
            ("workspace", self.workspace.as_str()),
            ("status", self.status.as_str()),
            ("selector", self.selector.as_str()),
        ]
    }
}

/// `GET /console/pools`
pub async fn list(
    State(console): State<Console>,
    session: Session,
    Query(filter): Query<Filter>,
    Query(notice): Query<NoticeQuery>,
    Fragment(fragment): Fragment,
) -> Response {
    let pools: Result<PoolList, Failure> = console
        .api
        .get(
            &session,
            &project_path(&session, "v2", &["pools"]),
            &filter.api_query(),
        )
        .await;
    let status = pools
        .as_ref()
        .err()
        .map_or(StatusCode::OK, Failure::page_status);
    let live = table(pools.as_ref());
    if fragment {
        return (status, live).into_response();
    }
    let workspaces = workspaces(&console, &session).await;
    let watch = with_query("/console/pools/watch", &filter.console_query());
    let refresh = fragment_url("/console/pools", &filter.console_query());
    let main = html! {
        h1 { "Pools" }
        (notice.render())
        (filter_form(&filter, &workspaces))
        p { a class="button" href="/console/pools/new" { "Create a pool" } }
        (live_region(&watch, &refresh, live))
    };
    (
        status,
        layout(&console, Some(&session), Section::Pools, "Pools", main),
    )
        .into_response()
}

/// The workspaces of the project, as (id, name); the default one when the
/// list cannot be had.
async fn workspaces(console: &Console, session: &Session) -> Vec<(String, String)> {
    let list: Result<WorkspaceList, Failure> = console
        .api
        .get(session, &project_path(session, "v1", &["workspaces"]), &[])
        .await;
    match list {
        Ok(l) => l.workspaces.into_iter().map(|w| (w.id, w.name)).collect(),
        Err(_) => vec![("0".into(), "default".into())],
    }
}

fn filter_form(filter: &Filter, workspaces: &[(String, String)]) -> Markup {
    html! {
        form method="get" action="/console/pools" class="filters" aria-label="Filter pools" {
            div {
                label for="filter-workspace" { "Workspace" }
                select id="filter-workspace" name="workspace" {
                    @for (id, name) in workspaces {
                        option value=(id) selected[filter.workspace == *id || (filter.workspace.is_empty() && id == "0")] {
                            (name) " (" (id) ")"
                        }
                    }
                }
            }
            div {
                label for="filter-status" { "Status" }
                select id="filter-status" name="status" {
                    @for (value, text) in [("", "any"), ("creating", "creating"), ("created", "created"), ("failed", "failed")] {
                        option value=(value) selected[filter.status == value] { (text) }
                    }
                }
            }
            div {
                label for="filter-selector" { "Label selector" }
                input id="filter-selector" name="selector" value=(filter.selector)
                    placeholder="team=ml, env in (dev, test)" spellcheck="false" aria-describedby="selector-hint";
                span id="selector-hint" class="hint" { "Kubernetes label selector grammar, as the API takes it." }
            }
            button type="submit" { "Filter" }
        }
    }
}

fn table(pools: Result<&PoolList, &Failure>) -> Markup {
    let pools = match pools {
        Ok(p) => p,
        Err(f) => return alert(Some(f)),
    };
    html! {
        table {
            caption { (count_text(pools.items.len(), "pool")) }
            (column_heads(&["Name", "Phase", "Nodes", "Flavors", "Labels", "Created"]))
            tbody {
                @for p in &pools.items {
                    tr {
                        th scope="row" {
                            a href=(pool_href(&p.metadata.name)) { (display_name(p)) }
                            br;
                            small { code { (p.metadata.name) } }
                        }
                        td { (phase(&p.status.phase)) }
                        td { (node_counts(p)) }
                        td { (flavors(p)) }
                        td { (labels(p)) }
                        td { (p.metadata.creation_timestamp.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    }
}

pub fn pool_href(name: &str) -> String {
    format!("/console/pools/{}", crate::api::encode(name))
}

pub fn display_name(p: &Pool) -> &str {
    p.metadata
        .labels
        .get(keys::NAME)
        .map_or(p.metadata.name.as_str(), String::as_str)
}

pub fn count_text(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// Nodes per state, as the pool's status counts them.
pub fn node_counts(p: &Pool) -> Markup {
    let r = &p.status.resources;
    let sum = |b: &[FlavorCount]| b.iter().map(|f| f.count).sum::<i64>();
    let buckets = [
        ("available", sum(&r.available)),
        ("creating", sum(&r.creating)),
        ("abnormal", sum(&r.abnormal)),
        ("deleting", sum(&r.deleting)),
    ];
    html! {
        @let shown: Vec<_> = buckets.iter().filter(|(_, n)| *n > 0).collect();
        @if shown.is_empty() { "none" }
        @for (i, (state, n)) in shown.iter().enumerate() {
            @if i > 0 { ", " }
            (n) " " (state)
        }
    }
}

fn flavors(p: &Pool) -> Markup {
    html! {
        ul class="plain" {
            @for r in &p.spec.resources {
                li { code { (r.flavor) } " × " (r.count) }
            }
        }
    }
}

/// The labels a person set (not those the service fills in).
pub fn labels(p: &Pool) -> Markup {
    html! {
        ul class="plain" {
            @for (k, v) in p.metadata.labels.iter().filter(|(k, _)| !k.starts_with("os.modelarts")) {
                li { code { (k) "=" (v) } }
            }
        }
    }
}

/// What the create form offers, from the API.
struct Choices {
    flavors: Result<ResourceFlavorList, Failure>,
    networks: Result<NetworkList, Failure>,
    workspaces: Vec<(String, String)>,
}

async fn choices(console: &Console, session: &Session) -> Choices {
    let flavors = console
        .api
        .get(
            session,
            &project_path(session, "v1", &["resourceflavors"]),
            &[],
        )
        .await;
    let networks = console
        .api
        .get(session, &project_path(session, "v1", &["networks"]), &[])
        .await;
    Choices {
        flavors,
        networks,
        workspaces: workspaces(console, session).await,
    }
}

/// What the create form holds: empty, or what was sent when the API refused it.
#[derive(Default)]
struct Draft {
    name: String,
    workspace: String,
    flavor: String,
    count: String,
    network: String,
    scope: Vec<String>,
    labels: String,
}

/// `GET /console/pools/new`
pub async fn new_form(State(console): State<Console>, session: Session) -> Response {
    let draft = Draft {
        count: "1".into(),
        scope: vec!["Train".into()],
        ..Draft::default()
    };
    create_page(&console, &session, &draft, None)
        .await
        .into_response()
}

/// `POST /console/pools`
pub async fn create(State(console): State<Console>, posted: Posted) -> Response {
    let f = &posted.fields;
    let draft = Draft {
        name: f.text("name").into(),
        workspace: f.text("workspace").into(),
        flavor: f.text("flavor").into(),
        count: f.text("count").into(),
        network: f.text("network").into(),
        scope: f.all("scope").map(str::to_owned).collect(),
        labels: f.get("labels").unwrap_or_default().into(),
    };
    let body = pool_body(&draft);
    let session = &posted.session;
    match console
        .api
        .send(
            session,
            Method::POST,
            &project_path(session, "v2", &["pools"]),
            Some(&body),
        )
        .await
    {
        Ok(created) => {
            let name = created["metadata"]["name"].as_str().unwrap_or_default();
            Redirect::to(&format!("{}?notice=created", pool_href(name))).into_response()
        }
        Err(failure) => {
            let status = failure.page_status();
            (
                status,
                create_page(&console, session, &draft, Some(&failure)).await,
            )
                .into_response()
        }
    }
}

/// The create body the form describes. Values go to the API as typed (a
/// count that is not a number goes as text), so the API's validation decides.
fn pool_body(d: &Draft) -> Value {
    let mut labels = Map::new();
    for line in d.labels.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (k, v) = line.split_once('=').unwrap_or((line, ""));
        labels.insert(k.trim().into(), v.trim().into());
    }
    labels.insert(keys::NAME.into(), d.name.clone().into());
    if !d.workspace.is_empty() {
        labels.insert(keys::WORKSPACE_ID.into(), d.workspace.clone().into());
    }
    let count = d
        .count
        .parse::<i64>()
        .map_or_else(|_| Value::from(d.count.clone()), Value::from);
    let mut spec = json!({
        "type": "Dedicate",
        "scope": d.scope,
        "resources": [{"flavor": d.flavor, "count": count}],
    });
    if !d.network.is_empty() {
        spec["network"] = json!({ "name": d.network });
    }
    json!({
        "apiVersion": "v2",
        "kind": "Pool",
        "metadata": { "labels": labels },
        "spec": spec,
    })
}

async fn create_page(
    console: &Console,
    session: &Session,
    d: &Draft,
    failure: Option<&Failure>,
) -> Markup {
    let c = choices(console, session).await;
    let main = html! {
        h1 { "Create a pool" }
        (alert(failure))
        (alert(c.flavors.as_ref().err()))
        (alert(c.networks.as_ref().err()))
        form method="post" action="/console/pools" class="stacked" {
            (csrf_field(console, session))
            label for="pool-name" { "Name" }
            input id="pool-name" name="name" required value=(d.name) aria-describedby="pool-name-hint" spellcheck="false";
            span id="pool-name-hint" class="hint" { "4 to 32 lowercase letters, digits or '-', starting with a letter." }

            label for="pool-workspace" { "Workspace" }
            select id="pool-workspace" name="workspace" {
                @for (id, name) in &c.workspaces {
                    option value=(id) selected[d.workspace == *id] { (name) " (" (id) ")" }
                }
            }

            label for="pool-flavor" { "Flavor" }
            select id="pool-flavor" name="flavor" required {
                @if let Ok(list) = &c.flavors {
                    @for fl in &list.items {
                        option value=(fl.metadata.name) selected[d.flavor == fl.metadata.name] {
                            (fl.metadata.name) " — " (fl.spec.cpu) " vCPU, " (fl.spec.memory)
                            @if let Some(g) = &fl.spec.gpu { ", " (g.size) " × " (g.xpu_type) }
                            @if let Some(n) = &fl.spec.npu { ", " (n.size) " × " (n.xpu_type) }
                        }
                    }
                }
            }

            label for="pool-count" { "Nodes" }
            input id="pool-count" name="count" type="number" min="1" required value=(d.count);

            label for="pool-network" { "Network" }
            select id="pool-network" name="network" aria-describedby="pool-network-hint" {
                option value="" selected[d.network.is_empty()] { "none" }
                @if let Ok(list) = &c.networks {
                    @for n in &list.items {
                        option value=(n.metadata.name) selected[d.network == n.metadata.name] {
                            (n.metadata.labels.get(keys::NAME).unwrap_or(&n.metadata.name)) " (" (n.spec.cidr) ", " (n.status.phase) ")"
                        }
                    }
                }
            }
            span id="pool-network-hint" class="hint" { "A Dedicate pool needs a network of the project: " a href="/console/networks" { "networks" } "." }

            fieldset {
                legend { "Job types" }
                @for scope in ["Train", "Infer", "Notebook"] {
                    @let id = format!("pool-scope-{scope}");
                    input id=(id) type="checkbox" name="scope" value=(scope) checked[d.scope.iter().any(|s| s == scope)];
                    label for=(id) class="inline" { (scope) }
                }
            }

            label for="pool-labels" { "Labels" }
            textarea id="pool-labels" name="labels" rows="3" spellcheck="false" aria-describedby="pool-labels-hint" { (d.labels) }
            span id="pool-labels-hint" class="hint" { "One " code { "key=value" } " a line." }

            button type="submit" { "Create" }
        }
    };
    layout(
        console,
        Some(session),
        Section::Pools,
        "Create a pool",
        main,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_a_create_body() {
        let d = Draft {
            name: "train-a".into(),
            workspace: "0".into(),
            flavor: "f".into(),
            count: "2".into(),
            network: "net".into(),
            scope: vec!["Train".into()],
            labels: "team = ml\n\nbare\n".into(),
        };
        let body = pool_body(&d);
        assert_eq!(body["metadata"]["labels"]["team"], "ml");
        assert_eq!(body["metadata"]["labels"]["bare"], "");
        assert_eq!(body["metadata"]["labels"][keys::NAME], "train-a");
        assert_eq!(body["spec"]["resources"][0]["count"], 2);
        assert_eq!(body["spec"]["network"]["name"], "net");
    }

    #[test]
    fn a_count_that_is_not_a_number_is_left_to_the_api() {
        let d = Draft {
            count: "two".into(),
            ..Draft::default()
        };
        assert_eq!(pool_body(&d)["spec"]["resources"][0]["count"], "two");
        assert!(pool_body(&d)["spec"].get("network").is_none());
    }
}
