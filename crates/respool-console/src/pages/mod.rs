//! What every page shares: the layout, forms' CSRF field, alerts, the live
//! region, and how a phase reads.

pub mod admin;
pub mod catalog;
pub mod pool;
pub mod pools;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use crate::api::Failure;
use crate::extract::CSRF_FIELD;
use crate::session::{Principal, Session};
use crate::Console;

/// The sections of the console, as the navigation lists them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Pools,
    Networks,
    Workspaces,
    Flavors,
    Admin,
    None,
}

const SECTIONS: [(Section, &str, &str); 5] = [
    (Section::Pools, "/console/pools", "Pools"),
    (Section::Networks, "/console/networks", "Networks"),
    (Section::Workspaces, "/console/workspaces", "Workspaces"),
    (Section::Flavors, "/console/flavors", "Flavors"),
    (Section::Admin, "/console/admin", "Admin"),
];

/// A whole page: the header (navigation, who is signed in, sign-out) and `main`.
pub fn layout(
    console: &Console,
    session: Option<&Session>,
    section: Section,
    title: &str,
    main: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · respool console" }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                a class="skip" href="#content" { "Skip to content" }
                header {
                    p class="brand" { "respool console" }
                    @if let Some(s) = session {
                        nav aria-label="Console" {
                            ul {
                                @for (id, href, label) in SECTIONS {
                                    li {
                                        @if id == section {
                                            a href=(href) aria-current="page" { (label) }
                                        } @else {
                                            a href=(href) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                        div class="account" {
                            p {
                                (principal_kind(&s.principal)) " " strong { (s.principal.name()) }
                                ", project " code { (s.project_id) }
                                @if s.admin { " (admin)" }
                            }
                            form method="post" action="/console/sign-out" {
                                (csrf_field(console, s))
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main id="content" tabindex="-1" {
                    (main)
                }
            }
        }
    }
}

fn principal_kind(p: &Principal) -> &'static str {
    match p {
        Principal::User(_) => "User",
        Principal::AccessKey(_) => "Access key",
    }
}

/// A table's column headings.
pub fn column_heads(names: &[&str]) -> Markup {
    html! {
        thead { tr { @for n in names { th scope="col" { (n) } } } }
    }
}

/// The hidden field every form of a session carries.
pub fn csrf_field(console: &Console, session: &Session) -> Markup {
    html! {
        input type="hidden" name=(CSRF_FIELD) value=(session.csrf_token(console.secret()));
    }
}

/// What the API refused, in its own words.
pub fn alert(failure: Option<&Failure>) -> Markup {
    html! {
        @if let Some(f) = failure {
            p class="alert" role="alert" { strong { "Refused: " } (f.message) }
        }
    }
}

/// A part of a page that follows the change feed at `watch`: the page's
/// script fetches `fragment` and puts it in place when something changes.
pub fn live_region(watch: &str, fragment: &str, content: Markup) -> Markup {
    html! {
        p id="live-status" class="live-status" role="status" { "Changes appear as they happen." }
        div id="live" data-watch=(watch) data-fragment=(fragment) {
            (content)
        }
    }
}

/// A URL with `fragment=1` added to its query.
pub fn fragment_url(path: &str, query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .copied()
        .collect();
    pairs.push(("fragment", "1"));
    with_query(path, &pairs)
}

/// `path?query`, the query's empty values left out.
pub fn with_query(path: &str, query: &[(&str, &str)]) -> String {
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .copied()
        .collect();
    if pairs.is_empty() {
        return path.to_owned();
    }
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(pairs).expect("pairs of text encode")
    )
}

/// A phase as text, marked for the stylesheet; the text alone says it all.
pub fn phase(text: &str) -> Markup {
    let tone = match text {
        "Running" | "Available" | "Active" | "Success" | "successed" | "succeed" | "NORMAL"
        | "Normal" | "normal" => "good",
        "Creating" | "Deleting" | "Checking" | "Waiting" | "Pending" | "Updating" | "Upgrading"
        | "processing" | "pending" | "Connecting" => "busy",
        "" => "none",
        _ => "bad",
    };
    html! {
        span class={ "phase " (tone) } { @if text.is_empty() { "—" } @else { (text) } }
    }
}

/// `?notice=`: what the last action did, named by a fixed code so a link
/// cannot make a page say anything else.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

impl NoticeQuery {
    pub fn render(&self) -> Markup {
        let text = match self.notice.as_str() {
            "created" => "The pool was created; its nodes are being made.",
            "scaled" => "The new node count was asked for.",
            "deleting" => "The pool is being deleted.",
            "network-created" => "The network was created.",
            "lock" => "The nodes were locked against deletion.",
            "unlock" => "The nodes were unlocked.",
            "reboot" => "The nodes are rebooting.",
            "drain" => "The nodes were drained: nothing new is scheduled on them.",
            "advanced" => "The clock moved on.",
            "fault-added" => "The fault was added.",
            "fault-removed" => "The fault was removed.",
            "reset" => "Every pool, network, workspace and fault was removed.",
            "admin" => "Admin actions are open for this session.",
            _ => return html! {},
        };
        html! { p class="notice" role="status" { (text) } }
    }
}

/// Unknown console pages.
pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        html! {
            (DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { "Not found · respool console" } link rel="stylesheet" href="/console/assets/console.css"; }
                body { main id="content" { h1 { "No such page" } p { a href="/console/pools" { "Go to the pools" } } } }
            }
        },
    )
        .into_response()
}
