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
//!   gone, reporting [`Progress`] on the way.
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

mod client;
mod config;
mod error;
mod nodes;
mod paging;
mod pools;
mod wait;

pub use client::{Client, RawResponse};
pub use config::{
    Config, CredentialsFile, Overrides, CREDENTIALS_FILE, DEFAULT_DATA_DIR, DEFAULT_ENDPOINT,
    ENV_AK, ENV_DATA_DIR, ENV_ENDPOINT, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK,
};
pub use error::Error;
pub use paging::{List, Page, PageOptions};
pub use pools::{ListPools, NewPool};
pub use reqwest::Method;
pub use wait::{Progress, WaitFor, WaitOptions, FAILURE_PHASES};

/// The wire types, re-exported.
pub use respool_api_types as types;
