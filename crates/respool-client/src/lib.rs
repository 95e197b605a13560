//! A typed Rust client for the ModelArts resource-pool API, as respool serves it.
//!
//! Requests are signed with `SDK-HMAC-SHA256` exactly as the official Huawei Cloud
//! SDKs sign them (the shared [`respool_sign`] signer; `Content-Type`, `Host`,
//! `User-Agent`, `X-Project-Id` and `X-Sdk-Date` are all signed), so the same
//! client works against respool and against anything that speaks the real API.
//!
//! * [`Config`] says where and as whom; [`Config::from_env`] finds it the way the
//!   `respool` CLI does (flags, `HUAWEICLOUD_SDK_AK`/`_SK`/`_PROJECT_ID`,
//!   `RESPOOL_ENDPOINT`, then `<data dir>/credentials.json` of `respool serve`).
//! * [`Client`] has one method per endpoint, each a thin call of the signing core
//!   ([`Client::send`], [`Client::get`], [`Client::get_all`] for lists that page
//!   with `continue`).
//! * Every failure is an [`Error`]; an answer from the service carries its
//!   `error_code`, `error_msg` and request id ([`Error::Api`]).
//! * [`Client::wait_pool`] polls until a pool is `Running` (or any phase) or
//!   gone, reporting [`Progress`] on the way; [`Client::wait_network`] until a
//!   network is `Active`; [`Client::wait_job`] until a node job is `Success`.
//!
//! | endpoints | methods |
//! |---|---|
//! | `/v2/{project_id}/pools` | [`list_pools`](Client::list_pools), [`get_pool`](Client::get_pool), [`find_pool`](Client::find_pool), [`create_pool`](Client::create_pool), [`patch_pool`](Client::patch_pool), [`scale_pool`](Client::scale_pool), [`delete_pool`](Client::delete_pool) |
//! | `/v2/{project_id}/pools/{pool}/nodes` | [`list_nodes`](Client::list_nodes), [`list_nodes_page`](Client::list_nodes_page), [`get_node`](Client::get_node), [`delete_nodes`](Client::delete_nodes) |
//! | `/v2/{project_id}/pools/{pool}/nodes/batch-*` | [`lock_nodes`](Client::lock_nodes), [`unlock_nodes`](Client::unlock_nodes), [`reboot_nodes`](Client::reboot_nodes), [`reset_nodes`](Client::reset_nodes), [`drain_nodes`](Client::drain_nodes), [`update_nodes`](Client::update_nodes), [`bind_nodes`](Client::bind_nodes), [`resize_nodes`](Client::resize_nodes), [`migrate_nodes`](Client::migrate_nodes) |
//! | `/v2/{project_id}/jobs` | [`list_jobs`](Client::list_jobs), [`get_job`](Client::get_job), [`wait_job`](Client::wait_job) |
//! | `/v1/{project_id}/scheduled-events` | [`list_scheduled_events`](Client::list_scheduled_events), [`accept_scheduled_event`](Client::accept_scheduled_event) |
//! | `/v2/{project_id}/statistics/pools` | [`pool_statistics`](Client::pool_statistics) |
//! | `/v2/{project_id}/pools/{pool}/monitor` | [`pool_monitor`](Client::pool_monitor) |
//! | `/v1/{project_id}/resourceflavors` | [`list_flavors`](Client::list_flavors), [`list_flavors_page`](Client::list_flavors_page) |
//! | `/v1/{project_id}/networks` | [`list_networks`](Client::list_networks), [`list_networks_page`](Client::list_networks_page), [`get_network`](Client::get_network), [`find_network`](Client::find_network), [`create_network`](Client::create_network), [`patch_network`](Client::patch_network), [`delete_network`](Client::delete_network) |
//! | `/v1/{project_id}/workspaces` | [`list_workspaces`](Client::list_workspaces), [`list_all_workspaces`](Client::list_all_workspaces), [`get_workspace`](Client::get_workspace), [`create_workspace`](Client::create_workspace), [`update_workspace`](Client::update_workspace), [`delete_workspace`](Client::delete_workspace) |
//! | `/v1/{project_id}/pools/.../tags` | [`list_project_pool_tags`](Client::list_project_pool_tags), [`list_project_pool_tags_page`](Client::list_project_pool_tags_page), [`get_pool_tags`](Client::get_pool_tags), [`add_pool_tags`](Client::add_pool_tags), [`remove_pool_tags`](Client::remove_pool_tags) |
//! | `/v1/{project_id}/orders` | [`list_orders`](Client::list_orders), [`list_all_orders`](Client::list_all_orders), [`get_order`](Client::get_order) |
//! | `/v1/{project_id}/events` | [`list_events`](Client::list_events), [`list_events_page`](Client::list_events_page) |
//! | `?watch=true` on pools, a pool's nodes, events | [`watch`](Client::watch): changes as they happen, resumed by itself |
//! | workloads, runtime metrics, quotas, network addresses | [`list_workloads`](Client::list_workloads), [`workload_statistics`](Client::workload_statistics), [`runtime_metrics`](Client::runtime_metrics), [`os_quotas`](Client::os_quotas), [`workspace_quotas`](Client::workspace_quotas), [`update_workspace_quotas`](Client::update_workspace_quotas), [`network_ips`](Client::network_ips); admin API: [`add_workload`](Client::add_workload), [`delete_workload`](Client::delete_workload), [`set_os_quotas`](Client::set_os_quotas) |
//!
//! ```no_run
//! use respool_client::{Client, Config, NewPool, WaitFor, WaitOptions};
//!
//! # async fn demo() -> Result<(), respool_client::Error> {
//! let client = Client::new(Config::new(
//!     "http://127.0.0.1:8787",
//!     "MYACCESSKEY",
//!     "my-secret-key",
//!     "0123456789abcdef0123456789abcdef",
//! ))?;
//! let pool = client
//!     .create_pool(
//!         &NewPool::new("demo")
//!             .flavor("modelarts.vm.cpu.4ud", 2)
//!             .network("network-demo")
//!             .build(),
//!     )
//!     .await?;
//! let name = pool.metadata.name;
//! client
//!     .wait_pool(&name, &WaitFor::running(), &WaitOptions::default(), |p| eprintln!("{p}"))
//!     .await?;
//! client.scale_pool(&name, "modelarts.vm.cpu.4ud", 3).await?;
//! client.delete_pool(&name).await?;
//! # Ok(()) }
//! ```
//!
//! Errors carry what the service said:
//!
//! ```no_run
//! # async fn demo(client: respool_client::Client) {
//! match client.get_pool("no-such-pool").await {
//!     Err(e) if e.is_not_found() => {
//!         eprintln!("{} {} (request {:?})", e.error_code().unwrap(), e.error_msg().unwrap(), e.request_id());
//!     }
//!     other => println!("{other:?}"),
//! }
//! # }
//! ```
//!
//! Adding an endpoint is one method: build the path with [`Client::path`] and
//! call [`Client::send`] (or [`Client::get_all`] with a [`List`] type for a
//! paged list).

mod billing;
mod capacity;
mod client;
mod config;
mod error;
mod flavors;
mod monitoring;
mod networks;
mod node_ops;
mod node_pools;
mod nodes;
mod orders;
mod paging;
mod plugins;
mod pools;
mod tags;
mod wait;
mod watch;
mod workspace_auth;
mod workspaces;

pub use capacity::WorkloadQuery;
pub use client::{Client, RawResponse};
pub use config::{
    Config, CredentialsFile, Overrides, CREDENTIALS_FILE, DEFAULT_DATA_DIR, DEFAULT_ENDPOINT,
    ENV_AK, ENV_DATA_DIR, ENV_ENDPOINT, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK,
};
pub use error::Error;
pub use monitoring::MonitorQuery;
pub use networks::{ListNetworks, NewNetwork, NETWORK_ABNORMAL, NETWORK_ACTIVE};
pub use node_ops::{ListJobs, ListScheduledEvents};
pub use orders::{ListEvents, ListOrders};
pub use paging::{List, Page, PageOptions};
pub use plugins::PLUGIN_RUNNING;
pub use pools::{ListPools, NewPool};
pub use reqwest::Method;
pub use wait::{
    job_verdict, Progress, WaitFor, WaitOptions, FAILURE_PHASES, JOB_FAILED, JOB_SUCCESS,
};
pub use watch::{Watch, WatchEvent, WatchTarget};
pub use workspaces::ListWorkspaces;

/// The wire types, re-exported.
pub use respool_api_types as types;
