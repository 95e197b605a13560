//! The respool HTTP server: routing, the signature layer, handlers and the
//! mapping of every failure to a ModelArts error.

mod admin_guard;
pub mod app;
mod auth;
mod capacity;
mod clock;
mod credential_cache;
mod edge;
pub mod error;
mod extract;
pub mod feed;
mod handlers;
mod limits;
mod list_cache;
pub mod listener;
mod metrics;
mod openapi;
mod paging;
pub mod ratelimit;
pub mod reconciler;
mod request_log;
mod tokens;
mod watch;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use app::{AppState, AuthMode, Settings};

/// How often watchers look for other replicas' changes unless set otherwise.
pub const DEFAULT_WATCH_POLL: std::time::Duration = std::time::Duration::from_millis(100);
pub use auth::Caller;
pub use metrics::count_dropped_log_records;
pub use request_log::{flush_request_log, write_request_lines_with, LineFormat, RequestLines};

use handlers::{
    admin, admin_capacity, billing, events, flavors, jobs, networks, node_ops, node_pools, nodes,
    orders, plugins, pools, quotas, scheduled_events, stats, system, tags, workloads,
    workspace_auth, workspaces,
};

/// Every API operation, once: this list builds both the router and the
/// OpenAPI document (`/openapi.json`), so neither can name a route the other
/// lacks. Literal segments win over `{params}` (`nodes/batch-delete` before
/// `nodes/{node_name}`, `pools/tags` before `pools/{pool_name}`).
pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(pools::list, pools::create))
        .routes(routes!(pools::show, pools::patch, pools::delete))
        .routes(routes!(nodes::list))
        .routes(routes!(nodes::show))
        .routes(routes!(nodes::batch_delete))
        .routes(routes!(node_ops::lock))
        .routes(routes!(node_ops::unlock))
        .routes(routes!(node_ops::reboot))
        .routes(routes!(node_ops::reset))
        .routes(routes!(node_ops::drain))
        .routes(routes!(node_ops::update))
        .routes(routes!(node_ops::bind))
        .routes(routes!(node_ops::resize))
        .routes(routes!(node_ops::migrate))
        .routes(routes!(node_pools::list, node_pools::create))
        .routes(routes!(
            node_pools::show,
            node_pools::patch,
            node_pools::delete
        ))
        .routes(routes!(node_pools::nodes))
        .routes(routes!(billing::create))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::show))
        .routes(routes!(stats::monitor_pool))
        .routes(routes!(stats::statistics))
        .routes(routes!(flavors::list))
        .routes(routes!(networks::list, networks::create))
        .routes(routes!(networks::show, networks::patch, networks::delete))
        .routes(routes!(workspaces::list, workspaces::create))
        .routes(routes!(workspace_auth::users))
        .routes(routes!(workspace_auth::validate))
        .routes(routes!(
            workspaces::show,
            workspaces::update,
            workspaces::delete
        ))
        .routes(routes!(tags::list_all))
        .routes(routes!(tags::show))
        .routes(routes!(tags::create))
        .routes(routes!(tags::delete))
        .routes(routes!(orders::list))
        .routes(routes!(orders::show))
        .routes(routes!(events::list))
        .routes(routes!(scheduled_events::list))
        .routes(routes!(scheduled_events::accept))
        // Plugins, plugin templates and node configuration.
        .routes(routes!(plugins::list, plugins::install))
        .routes(routes!(plugins::templates))
        .routes(routes!(plugins::template))
        .routes(routes!(plugins::node_config))
        .routes(routes!(plugins::node_config_template))
        .routes(routes!(plugins::flavor_node_config))
        // Capacity: workloads, runtime metrics, quotas and network addresses.
        .routes(routes!(workloads::list))
        .routes(routes!(workloads::statistics))
        .routes(routes!(workloads::runtime_metrics))
        .routes(routes!(quotas::show_os))
        .routes(routes!(quotas::show_workspace, quotas::update_workspace))
        .routes(routes!(quotas::network_ips))
}

/// Every route, with the layers every request passes through.
pub fn router(app: AppState) -> Router {
    router_with(app, Router::new())
}

/// Every route and the `extra` ones (the console), all behind the same
/// layer ([`edge::layer`]): request id, limits, signature, metrics, logs.
pub fn router_with(app: AppState, extra: Router<AppState>) -> Router {
    let (api, _) = api_routes().split_for_parts();
    Router::new()
        .merge(extra)
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(metrics::scrape))
        .route("/openapi.json", get(system::openapi))
        .route("/v3/auth/tokens", post(tokens::create))
        .merge(api)
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
        // Capacity: declared workloads and OS quotas.
        .route(
            "/_respool/pools/{project_id}/{pool_name}/workloads",
            post(admin_capacity::add_workload),
        )
        .route(
            "/_respool/pools/{project_id}/{pool_name}/workloads/{workload_name}",
            axum::routing::delete(admin_capacity::delete_workload),
        )
        .route(
            "/_respool/quotas/{project_id}",
            axum::routing::put(admin_capacity::set_os_quotas),
        )
        .fallback(system::no_route)
        .method_not_allowed_fallback(system::wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            edge::layer,
        ))
        .with_state(app)
}
