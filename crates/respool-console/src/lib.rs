//! The respool web console at `/console/`: sign-in, server-rendered pages
//! of pools, networks, workspaces and flavors, their actions, and the admin
//! API's clock, faults, reset and request log.
//!
//! Every page and action is a call to the API through the same router the
//! wire reaches (`api.rs`); the console holds no domain rules and reads the
//! store only for identities, to sign in.

mod api;
mod extract;
mod live;
mod pages;
pub mod session;
mod sign_in;

use std::sync::Arc;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use respool_server::AppState;

use crate::api::Api;
use crate::session::SignedOut;

/// What every console handler shares.
#[derive(Clone)]
pub(crate) struct Console(Arc<Inner>);

pub(crate) struct Inner {
    app: AppState,
    api: Api,
    signed_out: SignedOut,
}

impl std::ops::Deref for Console {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Console {
    fn new(app: AppState) -> Console {
        Console(Arc::new(Inner {
            api: Api::new(&app),
            app,
            signed_out: SignedOut::default(),
        }))
    }

    fn secret(&self) -> &[u8] {
        &self.app.token_secret
    }
}

/// The console's routes, to serve beside the API
/// (`respool_server::router_with`).
pub fn routes(app: AppState) -> Router<AppState> {
    use pages::{admin, catalog, pool, pools};
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .route("/console/assets/console.css", get(stylesheet))
        .route("/console/assets/console.js", get(script))
        .route("/console/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/console/sign-out", post(sign_in::sign_out))
        .route("/console/pools", get(pools::list).post(pools::create))
        .route("/console/pools/new", get(pools::new_form))
        .route("/console/pools/watch", get(live::pools))
        .route("/console/pools/{name}", get(pool::show))
        .route("/console/pools/{name}/watch", get(live::pool))
        .route("/console/pools/{name}/scale", post(pool::scale))
        .route("/console/pools/{name}/nodes", post(pool::node_action))
        .route(
            "/console/pools/{name}/delete",
            get(pool::confirm_delete).post(pool::delete),
        )
        .route(
            "/console/networks",
            get(catalog::networks).post(catalog::create_network),
        )
        .route("/console/workspaces", get(catalog::workspaces))
        .route("/console/flavors", get(catalog::flavors))
        .route("/console/admin", get(admin::show))
        .route("/console/admin/unlock", post(admin::unlock))
        .route(
            "/console/admin/clock",
            get(admin::clock).post(admin::advance),
        )
        .route("/console/admin/faults", post(admin::add_fault))
        .route(
            "/console/admin/faults/{id}/remove",
            post(admin::remove_fault),
        )
        .route("/console/admin/reset", post(admin::reset))
        .route("/console/admin/requests", get(admin::requests))
        .route("/console/{*rest}", get(pages::not_found))
        .with_state(Console::new(app))
}

async fn home() -> Redirect {
    Redirect::to("/console/pools")
}

async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../assets/console.css"),
    )
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/console.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        body,
    )
        .into_response()
}
