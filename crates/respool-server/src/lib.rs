//! The respool HTTP server: routing, the signature layer, handlers and the
//! mapping of every failure to a ModelArts error.

pub mod app;
mod auth;
mod clock;
mod credentials;
pub mod error;
mod extract;
mod handlers;
mod limits;
pub mod listener;
mod metrics;
mod middleware;
mod openapi;
mod paging;
pub mod ratelimit;
pub mod reconciler;
mod tokens;

use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;

pub use app::{AppState, AuthMode, Settings};
pub use auth::Caller;

use handlers::{
    admin, events, flavors, jobs, networks, node_ops, nodes, orders, pools, scheduled_events,
    stats, system, tags, workspaces,
};

/// Every route, with the layers every request passes through.
pub fn router(app: AppState) -> Router {
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(metrics::scrape))
        .route("/openapi.json", get(system::openapi))
        .route("/v3/auth/tokens", post(tokens::create))
        .route(
            "/v2/{project_id}/pools",
            get(pools::list).post(pools::create),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}",
            get(pools::show).patch(pools::patch).delete(pools::delete),
        )
        .route("/v2/{project_id}/pools/{pool_name}/nodes", get(nodes::list))
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/{node_name}",
            get(nodes::show),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-delete",
            post(nodes::batch_delete),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-lock",
            post(node_ops::lock),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-unlock",
            post(node_ops::unlock),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-reboot",
            post(node_ops::reboot),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-reset",
            post(node_ops::reset),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-drain",
            post(node_ops::drain),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-update",
            post(node_ops::update),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-bind",
            post(node_ops::bind),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-resize",
            post(node_ops::resize),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/nodes/batch-migrate",
            post(node_ops::migrate),
        )
        .route("/v2/{project_id}/jobs", get(jobs::list))
        .route("/v2/{project_id}/jobs/{job_id}", get(jobs::show))
        .route(
            "/v1/{project_id}/scheduled-events",
            get(scheduled_events::list),
        )
        .route(
            "/v1/{project_id}/scheduled-events/{event_id}/accept",
            post(scheduled_events::accept),
        )
        .route(
            "/v2/{project_id}/pools/{pool_name}/monitor",
            get(stats::monitor_pool),
        )
        .route("/v2/{project_id}/statistics/pools", get(stats::statistics))
        .route("/v1/{project_id}/resourceflavors", get(flavors::list))
        .route(
            "/v1/{project_id}/networks",
            get(networks::list).post(networks::create),
        )
        .route(
            "/v1/{project_id}/networks/{network_name}",
            get(networks::show)
                .patch(networks::patch)
                .delete(networks::delete),
        )
        .route(
            "/v1/{project_id}/workspaces",
            get(workspaces::list).post(workspaces::create),
        )
        .route(
            "/v1/{project_id}/workspaces/{workspace_id}",
            get(workspaces::show)
                .put(workspaces::update)
                .delete(workspaces::delete),
        )
        // The literal `tags` before `{pool_name}`: the project's tags, not a pool's.
        .route("/v1/{project_id}/pools/tags", get(tags::list_all))
        .route("/v1/{project_id}/pools/{pool_name}/tags", get(tags::show))
        .route(
            "/v1/{project_id}/pools/{pool_name}/tags/create",
            post(tags::create),
        )
        .route(
            "/v1/{project_id}/pools/{pool_name}/tags/delete",
            delete(tags::delete),
        )
        .route("/v1/{project_id}/orders", get(orders::list))
        .route("/v1/{project_id}/orders/{order_name}", get(orders::show))
        .route("/v1/{project_id}/events", get(events::list))
        .route("/_respool/clock", get(admin::clock))
        .route("/_respool/clock/advance", post(admin::advance))
        .route(
            "/_respool/faults",
            get(admin::list_faults).post(admin::create_fault),
        )
        .route(
            "/_respool/faults/{id}",
            get(admin::show_fault).delete(admin::delete_fault),
        )
        .route("/_respool/scheduled-events", post(admin::announce))
        .route("/_respool/reset", post(admin::reset))
        .route("/_respool/requests", get(admin::requests))
        .route(
            "/_respool/pools/{project_id}/{pool_name}/pay",
            post(admin::pay),
        )
        .route_layer(axum::middleware::from_fn(metrics::label_route))
        .fallback(system::no_route)
        .method_not_allowed_fallback(system::wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            admin::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::layer,
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(limits::layer))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            admin::record,
        ))
        .with_state(app)
}
