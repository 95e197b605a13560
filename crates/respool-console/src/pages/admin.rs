//! The admin API from the console: the virtual clock, faults, reset and the
//! request log. Open to a session once the admin token was entered in it;
//! the session keeps a flag, never the token, and calls carry the server's
//! own token.

use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use respool_core::fault_rules::FaultEffect;
use respool_core::time::wall_ms;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::{alert, column_heads, csrf_field, layout, NoticeQuery, Section};
use crate::api::{admin_path, Failure};
use crate::extract::{refused, Posted};
use crate::session::Session;
use crate::Console;

/// Requests the tail shows, newest first.
const TAIL: &str = "30";
/// How often the clock and the tail are read again, in milliseconds.
const POLL_EVERY_MS: &str = "2000";
/// What the clock can be moved on by: 1 min, 10 min, 1 h.
const STEPS: [(&str, &str); 3] = [
    ("60", "1 minute"),
    ("600", "10 minutes"),
    ("3600", "1 hour"),
];

/// `GET /console/admin`
pub async fn show(
    State(console): State<Console>,
    session: Session,
    Query(notice): Query<NoticeQuery>,
) -> Response {
    page(&console, &session, notice.render(), None).await
}

async fn page(
    console: &Console,
    s: &Session,
    notice: Markup,
    failure: Option<&Failure>,
) -> Response {
    let status = failure.map_or(StatusCode::OK, Failure::page_status);
    let body = if !console.api.has_admin() {
        html! { p { "This server has no admin API: start it with " code { "RESPOOL_ADMIN_TOKEN" } " set." } }
    } else if !s.admin {
        unlock_form(console, s)
    } else {
        admin_sections(console, s).await
    };
    let main = html! {
        h1 { "Admin" }
        (notice)
        (alert(failure))
        (body)
    };
    (
        status,
        layout(console, Some(s), Section::Admin, "Admin", main),
    )
        .into_response()
}

fn unlock_form(console: &Console, s: &Session) -> Markup {
    html! {
        form method="post" action="/console/admin/unlock" class="stacked" {
            (csrf_field(console, s))
            label for="admin-token" { "Admin token" }
            input id="admin-token" name="token" type="password" required autocomplete="off" aria-describedby="admin-token-hint";
            span id="admin-token-hint" class="hint" { "The server's " code { "RESPOOL_ADMIN_TOKEN" } "." }
            button type="submit" { "Open admin actions" }
        }
    }
}

async fn admin_sections(console: &Console, s: &Session) -> Markup {
    let faults = console
        .api
        .admin(Method::GET, &admin_path(&["faults"]), &[], None)
        .await;
    html! {
        section aria-labelledby="clock-heading" {
            h2 id="clock-heading" { "Clock" }
            div id="clock" data-poll="/console/admin/clock" data-every=(POLL_EVERY_MS) {
                (clock_facts(console).await)
            }
            form method="post" action="/console/admin/clock" {
                (csrf_field(console, s))
                @for (seconds, text) in STEPS {
                    button type="submit" name="seconds" value=(seconds) { "Advance " (text) }
                    " "
                }
            }
        }
        section aria-labelledby="faults-heading" {
            h2 id="faults-heading" { "Faults" }
            @match &faults {
                Err(f) => (alert(Some(f))),
                Ok(v) => (fault_table(console, s, v)),
            }
            h3 { "Add a fault" }
            form method="post" action="/console/admin/faults" class="stacked" {
                (csrf_field(console, s))
                label for="fault-selector" { "Label selector" }
                input id="fault-selector" name="labelSelector" spellcheck="false" aria-describedby="fault-selector-hint";
                span id="fault-selector-hint" class="hint" { "The pools whose labels match; empty matches every pool." }
                label for="fault-effect" { "Effect" }
                select id="fault-effect" name="effect" {
                    @for e in FaultEffect::NAMES { option value=(e) { (e) } }
                }
                label for="fault-count" { "Count" }
                input id="fault-count" name="count" type="number" min="1" aria-describedby="fault-count-hint";
                span id="fault-count-hint" class="hint" { "Nodes affected, for nodes-abnormal and nodes-fail." }
                button type="submit" { "Add fault" }
            }
        }
        section aria-labelledby="reset-heading" {
            h2 id="reset-heading" { "Reset" }
            form method="post" action="/console/admin/reset" {
                (csrf_field(console, s))
                input type="checkbox" id="confirm-reset" name="confirm" value="yes" required;
                label for="confirm-reset" class="inline" { "Remove every pool, network, workspace and fault (the clock and credentials stay)" }
                p { button type="submit" class="danger" { "Reset" } }
            }
        }
        section aria-labelledby="requests-heading" {
            h2 id="requests-heading" { "Requests" }
            div id="tail" data-poll="/console/admin/requests" data-every=(POLL_EVERY_MS) {
                (request_tail(console).await)
            }
        }
    }
}

fn fault_table(console: &Console, s: &Session, faults: &Value) -> Markup {
    let items = faults["items"].as_array().cloned().unwrap_or_default();
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    html! {
        @if items.is_empty() {
            p { "No faults." }
        } @else {
            table {
                caption { (items.len()) " in force" }
                (column_heads(&["Selector", "Effect", "Count", "Added", "Remove"]))
                tbody {
                    @for f in &items {
                        @let id = text(f, "id");
                        tr {
                            th scope="row" { code { (text(f, "labelSelector")) } }
                            td { (text(f, "effect")) }
                            td { (f["count"].as_u64().map(|c| c.to_string()).unwrap_or_default()) }
                            td { (text(f, "createdAt")) }
                            td {
                                form method="post" action=(format!("/console/admin/faults/{}/remove", crate::api::encode(&id))) {
                                    (csrf_field(console, s))
                                    button type="submit" aria-label=(format!("Remove fault {id}")) { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The virtual clock, as the page shows it and reads it again.
async fn clock_facts(console: &Console) -> Markup {
    let clock = console
        .api
        .admin(Method::GET, &admin_path(&["clock"]), &[], None)
        .await;
    let text = |c: &Value, k: &str| c[k].as_str().unwrap_or_default().to_owned();
    html! {
        @match &clock {
            Err(f) => (alert(Some(f))),
            Ok(c) => dl class="facts" {
                dt { "Now" } dd { time datetime=(text(c, "now")) { (text(c, "now")) } }
                dt { "Timing" } dd { (text(c, "timing")) }
                dt { "Frozen" } dd {
                    @if c["frozen"].as_bool().unwrap_or(false) { "yes: only the admin API moves it" } @else { "no" }
                }
            },
        }
    }
}

/// The newest requests, as the page shows them and reads them again.
async fn request_tail(console: &Console) -> Markup {
    let log = console
        .api
        .admin(
            Method::GET,
            &admin_path(&["requests"]),
            &[("limit", TAIL)],
            None,
        )
        .await;
    match &log {
        Err(f) => alert(Some(f)),
        Ok(v) => requests_table(v),
    }
}

fn requests_table(log: &Value) -> Markup {
    // Console pages are left out; the API calls they make are listed.
    let items: Vec<&Value> = log["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .rev()
                .filter(|r| {
                    !r["path"]
                        .as_str()
                        .unwrap_or_default()
                        .starts_with("/console")
                })
                .collect()
        })
        .unwrap_or_default();
    let text = |v: &Value, k: &str| match &v[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    html! {
        table {
            caption { "The newest API requests first, read every 2 seconds (console pages left out)" }
            (column_heads(&["Time", "Method", "Path", "Status", "ms"]))
            tbody {
                @for r in items {
                    tr {
                        td class="when" { (text(r, "time")) }
                        td { (text(r, "method")) }
                        td { code { (text(r, "path")) } }
                        td { (text(r, "status")) }
                        td { (text(r, "durationMs")) }
                    }
                }
            }
        }
    }
}

/// `GET /console/admin/clock`: the clock, read again by the page.
pub async fn clock(State(console): State<Console>, session: Session) -> Response {
    if !session.admin {
        return not_admin();
    }
    clock_facts(&console).await.into_response()
}

/// `GET /console/admin/requests`: the tail of the request log, read again by the page.
pub async fn requests(State(console): State<Console>, session: Session) -> Response {
    if !session.admin {
        return not_admin();
    }
    request_tail(&console).await.into_response()
}

fn not_admin() -> Response {
    refused(
        StatusCode::FORBIDDEN,
        "Enter the admin token on the admin page first.",
    )
}

/// `POST /console/admin/unlock`: the admin token, checked once; the
/// session gets the admin flag.
pub async fn unlock(State(console): State<Console>, posted: Posted) -> Response {
    let expected = console
        .app
        .settings
        .admin_token
        .as_deref()
        .unwrap_or_default();
    let sent = posted.fields.get("token").unwrap_or_default();
    let matches = !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()));
    if !matches {
        let failure = Failure {
            status: StatusCode::FORBIDDEN,
            message: "that is not the admin token".into(),
        };
        return page(&console, &posted.session, html! {}, Some(&failure)).await;
    }
    let session = Session {
        admin: true,
        ..posted.session
    };
    let mut res = Redirect::to("/console/admin?notice=admin").into_response();
    res.headers_mut()
        .insert(SET_COOKIE, session.set_cookie(console.secret(), wall_ms()));
    res
}

/// Runs an admin call for an admin session, then shows the admin page
/// with what it did or why it was refused.
async fn act(
    console: &Console,
    posted: &Posted,
    method: Method,
    path: &str,
    body: Option<&Value>,
    notice: &str,
) -> Response {
    if !posted.session.admin {
        return not_admin();
    }
    match console.api.admin(method, path, &[], body).await {
        Ok(_) => Redirect::to(&format!("/console/admin?notice={notice}")).into_response(),
        Err(f) => page(console, &posted.session, html! {}, Some(&f)).await,
    }
}

/// A number as typed, or the text for the API to refuse.
fn number(text: &str) -> Value {
    text.parse::<f64>()
        .map_or_else(|_| Value::from(text), Value::from)
}

/// `POST /console/admin/clock`
pub async fn advance(State(console): State<Console>, posted: Posted) -> Response {
    let body = json!({ "seconds": number(posted.fields.text("seconds")) });
    act(
        &console,
        &posted,
        Method::POST,
        &admin_path(&["clock", "advance"]),
        Some(&body),
        "advanced",
    )
    .await
}

/// `POST /console/admin/faults`
pub async fn add_fault(State(console): State<Console>, posted: Posted) -> Response {
    let f = &posted.fields;
    let mut body = json!({ "labelSelector": f.text("labelSelector"), "effect": f.text("effect") });
    if !f.text("count").is_empty() {
        body["count"] = f
            .text("count")
            .parse::<i64>()
            .map_or_else(|_| Value::from(f.text("count")), Value::from);
    }
    act(
        &console,
        &posted,
        Method::POST,
        &admin_path(&["faults"]),
        Some(&body),
        "fault-added",
    )
    .await
}

#[derive(Deserialize)]
pub struct FaultId {
    id: String,
}

/// `POST /console/admin/faults/{id}/remove`
pub async fn remove_fault(
    State(console): State<Console>,
    Path(path): Path<FaultId>,
    posted: Posted,
) -> Response {
    act(
        &console,
        &posted,
        Method::DELETE,
        &admin_path(&["faults", &path.id]),
        None,
        "fault-removed",
    )
    .await
}

/// `POST /console/admin/reset`
pub async fn reset(State(console): State<Console>, posted: Posted) -> Response {
    if posted.fields.text("confirm") != "yes" {
        let failure = Failure {
            status: StatusCode::BAD_REQUEST,
            message: "tick the box to confirm the reset".into(),
        };
        return page(&console, &posted.session, html! {}, Some(&failure)).await;
    }
    act(
        &console,
        &posted,
        Method::POST,
        &admin_path(&["reset"]),
        None,
        "reset",
    )
    .await
}
