//! What pools are made from: networks (and creating one), workspaces,
//! flavors.

use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use respool_api_types::{keys, NetworkList, ResourceFlavorList, WorkspaceList};
use respool_core::time::rfc3339;
use serde_json::json;

use super::pools::count_text;
use super::{alert, column_heads, csrf_field, layout, phase, with_query, NoticeQuery, Section};
use crate::api::{project_path, Failure};
use crate::extract::Posted;
use crate::session::Session;
use crate::Console;

/// `GET /console/networks`
pub async fn networks(
    State(console): State<Console>,
    session: Session,
    Query(notice): Query<NoticeQuery>,
) -> Response {
    networks_page(&console, &session, notice.render(), None, ("", "")).await
}

async fn networks_page(
    console: &Console,
    s: &Session,
    notice: Markup,
    failure: Option<&Failure>,
    (name, cidr): (&str, &str),
) -> Response {
    let list: Result<NetworkList, Failure> = console
        .api
        .get(s, &project_path(s, "v1", &["networks"]), &[])
        .await;
    let status = match (failure, &list) {
        (Some(f), _) | (None, Err(f)) => f.page_status(),
        _ => StatusCode::OK,
    };
    let main = html! {
        h1 { "Networks" }
        (notice)
        (alert(failure))
        @match &list {
            Err(f) => (alert(Some(f))),
            Ok(list) => table {
                caption { (count_text(list.items.len(), "network")) }
                (column_heads(&["Name", "CIDR", "Phase", "Created"]))
                tbody {
                    @for n in &list.items {
                        tr {
                            th scope="row" {
                                (n.metadata.labels.get(keys::NAME).unwrap_or(&n.metadata.name))
                                br; small { code { (n.metadata.name) } }
                            }
                            td { code { (n.spec.cidr) } }
                            td { (phase(&n.status.phase)) }
                            td { (n.metadata.creation_timestamp.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="new-network" {
            h2 id="new-network" { "Create a network" }
            form method="post" action="/console/networks" class="stacked" {
                (csrf_field(console, s))
                label for="network-name" { "Name" }
                input id="network-name" name="name" required spellcheck="false" value=(name);
                label for="network-cidr" { "CIDR" }
                input id="network-cidr" name="cidr" required spellcheck="false" value=(cidr)
                    placeholder="192.168.0.0/16" aria-describedby="network-cidr-hint";
                span id="network-cidr-hint" class="hint" { "Inside 172.16.0.0/12 or 192.168.0.0/16, prefix /16 to /24." }
                button type="submit" { "Create" }
            }
        }
    };
    (
        status,
        layout(console, Some(s), Section::Networks, "Networks", main),
    )
        .into_response()
}

/// `POST /console/networks`
pub async fn create_network(State(console): State<Console>, posted: Posted) -> Response {
    let s = &posted.session;
    let (name, cidr) = (posted.fields.text("name"), posted.fields.text("cidr"));
    let body = json!({
        "apiVersion": "v1",
        "kind": "Network",
        "metadata": { "labels": { keys::NAME: name } },
        "spec": { "cidr": cidr },
    });
    match console
        .api
        .send(
            s,
            Method::POST,
            &project_path(s, "v1", &["networks"]),
            Some(&body),
        )
        .await
    {
        Ok(_) => Redirect::to("/console/networks?notice=network-created").into_response(),
        Err(f) => networks_page(&console, s, html! {}, Some(&f), (name, cidr)).await,
    }
}

/// `GET /console/workspaces`
pub async fn workspaces(State(console): State<Console>, session: Session) -> Response {
    let path = project_path(&session, "v1", &["workspaces"]);
    let list: Result<WorkspaceList, Failure> = console.api.get(&session, &path, &[]).await;
    list_page(
        &console,
        &session,
        Section::Workspaces,
        "Workspaces",
        list,
        |list| {
            html! {
                table {
                    caption { (count_text(list.workspaces.len(), "workspace")) }
                    (column_heads(&["Name", "Id", "Status", "Access", "Created"]))
                    tbody {
                        @for w in &list.workspaces {
                            tr {
                                th scope="row" {
                                    a href=(with_query("/console/pools", &[("workspace", &w.id)])) { (w.name) }
                                    @if !w.description.is_empty() { br; small { (w.description) } }
                                }
                                td { code { (w.id) } }
                                td { (phase(&w.status)) }
                                td { (w.auth_type) }
                                td { (rfc3339(w.create_time)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// `GET /console/flavors`
pub async fn flavors(State(console): State<Console>, session: Session) -> Response {
    let path = project_path(&session, "v1", &["resourceflavors"]);
    let list: Result<ResourceFlavorList, Failure> = console.api.get(&session, &path, &[]).await;
    list_page(
        &console,
        &session,
        Section::Flavors,
        "Flavors",
        list,
        |list| {
            html! {
                table {
                    caption { (count_text(list.items.len(), "flavor")) }
                    (column_heads(&["Name", "Type", "CPU", "Memory", "Accelerators", "Zones"]))
                    tbody {
                        @for f in &list.items {
                            tr {
                                th scope="row" { code { (f.metadata.name) } }
                                td { (f.spec.flavor_type) }
                                td { (f.spec.cpu) " vCPU, " (f.spec.cpu_arch) }
                                td { (f.spec.memory) }
                                td {
                                    @for x in [&f.spec.gpu, &f.spec.npu].into_iter().flatten() {
                                        (x.size) " × " (x.xpu_type) " (" (x.memory) ") "
                                    }
                                }
                                td {
                                    ul class="plain" {
                                        @for (az, state) in &f.status.phase { li { (az) ": " (state) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A page that shows one list the API answered as a table, or why it could not.
fn list_page<T>(
    console: &Console,
    s: &Session,
    section: Section,
    title: &str,
    list: Result<T, Failure>,
    table: impl FnOnce(&T) -> Markup,
) -> Response {
    let status = list
        .as_ref()
        .err()
        .map_or(StatusCode::OK, Failure::page_status);
    let main = html! {
        h1 { (title) }
        @match &list {
            Err(f) => (alert(Some(f))),
            Ok(list) => (table(list)),
        }
    };
    (status, layout(console, Some(s), section, title, main)).into_response()
}
