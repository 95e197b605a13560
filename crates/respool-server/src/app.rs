//! Shared server state and the read-modify-write loop every pool change uses.

use std::sync::{Arc, RwLock};

use respool_core::fault_rules::Fault;
use respool_core::flavors::Catalog;
use respool_core::pool::{Env, PoolState, StepOutcome};
use respool_core::timing::TimingProfile;
use respool_store::{Store, StoreError};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::request_log::RequestLog;

/// How requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Every request must prove who it is.
    Enforce,
    /// Failures are logged with the canonical request, then served anyway.
    Log,
    /// Every request is served.
    Off,
}

impl std::str::FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "enforce" => Ok(AuthMode::Enforce),
            "log" => Ok(AuthMode::Log),
            "off" => Ok(AuthMode::Off),
            other => Err(format!(
                "unknown auth mode {other:?}: use enforce, log or off"
            )),
        }
    }
}

/// Deployment settings the handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    pub region: String,
    pub timing: TimingProfile,
    pub auth: AuthMode,
    /// Domain id of pools created when no credential names one (auth off).
    pub default_domain_id: String,
    /// How often a project's watchers look for changes other replicas made
    /// (this replica's own are seen at once).
    pub watch_poll: std::time::Duration,
    /// Bearer token of the admin API; `None` hides the admin API.
    pub admin_token: Option<String>,
    /// A Dedicate pool's `spec.network.name` must name an existing network
    /// of the project. Off by default: any name is accepted, as emulators do.
    pub require_networks: bool,
}

/// What every handler and layer shares. Cloned for each request by axum's
/// extractors and layers, so it is one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub store: Arc<dyn Store>,
    pub catalog: Arc<Catalog>,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// Wakes the reconciler after a write that scheduled new work.
    pub wake: Arc<Notify>,
    /// Key of the MAC on IAM tokens; shared by replicas through the store.
    pub token_secret: Arc<Vec<u8>>,
    /// The fault rules, as last read from the store.
    faults: Arc<RwLock<Arc<Vec<Fault>>>>,
    /// Recent requests, for `GET /_respool/requests`.
    pub requests: RequestLog,
    /// Names this process in reconciler leases.
    pub replica_id: String,
    pub http_metrics: crate::metrics::HttpMetrics,
    /// Per-caller throttling; `None` serves every request.
    pub rate_limiter: Option<crate::ratelimit::RateLimiter>,
    /// The change feed each project's watchers read.
    pub feed: crate::feed::FeedHub,
    /// Credentials as recently read, for the signature layer.
    pub credentials: crate::credential_cache::CredentialCache,
    /// Answers to plain pool lists, while the store has seen no write;
    /// `None` reads every list.
    pub(crate) lists: Option<crate::list_cache::ListCache>,
}

const TOKEN_SECRET: &str = "token_secret";

/// How often a write that lost a race is retried before answering 409.
const WRITE_ATTEMPTS: usize = 8;

impl AppState {
    /// Loads what the state keeps in the store (clock, token key), creating it on first start.
    pub async fn new(
        store: Arc<dyn Store>,
        catalog: Catalog,
        settings: Settings,
    ) -> Result<AppState, StoreError> {
        let clock = Clock::load(store.as_ref(), settings.timing).await?;
        let token_secret = match store.get_setting(TOKEN_SECRET).await? {
            Some(s) => s,
            None => {
                let fresh = respool_core::identity::random_string(64, b"0123456789abcdef");
                store.put_setting(TOKEN_SECRET, &fresh).await?;
                fresh
            }
        };
        let faults = store.list_faults().await?;
        let (store_for_feed, settings_poll) = (store.clone(), settings.watch_poll);
        Ok(AppState(Arc::new(Shared {
            store,
            catalog: Arc::new(catalog),
            settings: Arc::new(settings),
            clock,
            wake: Arc::new(Notify::new()),
            token_secret: Arc::new(token_secret.into_bytes()),
            faults: Arc::new(RwLock::new(Arc::new(faults))),
            requests: RequestLog::default(),
            replica_id: uuid::Uuid::new_v4().simple().to_string(),
            http_metrics: Default::default(),
            rate_limiter: None,
            credentials: Default::default(),
            lists: Some(Default::default()),
            feed: crate::feed::FeedHub::new(store_for_feed, settings_poll),
        })))
    }

    /// The fault rules in force.
    pub fn faults(&self) -> Arc<Vec<Fault>> {
        self.faults.read().expect("faults lock").clone()
    }

    /// Reads the fault rules again (another replica may have changed them).
    pub async fn reload_faults(&self) -> Result<Arc<Vec<Fault>>, StoreError> {
        let fresh = Arc::new(self.store.list_faults().await?);
        *self.faults.write().expect("faults lock") = fresh.clone();
        Ok(fresh)
    }

    /// After the fault rules changed: gives every pool the faults that now
    /// match it, so their effects start (or end) at once. Returns how many changed.
    pub async fn spread_faults(&self) -> Result<usize, ApiError> {
        let faults = self.reload_faults().await?;
        let mut changed = 0;
        for (project_id, name) in self.store.all_pools().await? {
            let Some(pool) = self.store.get_pool(&project_id, &name).await? else {
                continue;
            };
            if !pool.faults_outdated(&faults) {
                continue;
            }
            // modify_pool applies the faults; a pool gone meanwhile is fine.
            match self.modify_pool(&project_id, &name, |_, _| Ok(())).await {
                Ok(_) => changed += 1,
                Err(ApiError::NotFound(..)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(changed)
    }

    pub fn env<'a>(&'a self, domain_id: &'a str) -> Env<'a> {
        Env {
            catalog: &self.catalog,
            region: &self.settings.region,
            domain_id,
            timing: self.settings.timing,
        }
    }

    /// Throttles each caller to `limit` (see [`crate::ratelimit`]).
    pub fn with_rate_limit(mut self, limit: Option<crate::ratelimit::RateLimit>) -> AppState {
        Arc::get_mut(&mut self.0)
            .expect("the rate limit is set before the state is shared")
            .rate_limiter = limit.map(crate::ratelimit::RateLimiter::new);
        self
    }

    /// Reads every pool list from the store, keeping none: for measuring
    /// the store's reads.
    pub fn without_list_cache(mut self) -> AppState {
        Arc::get_mut(&mut self.0)
            .expect("the list cache is set before the state is shared")
            .lists = None;
        self
    }

    /// Reads a pool, lets `change` modify it, writes it back; on a concurrent
    /// write, reads again and repeats. `change` sees the pool already brought
    /// up to date with the clock.
    pub async fn modify_pool<T>(
        &self,
        project_id: &str,
        name: &str,
        mut change: impl FnMut(&mut PoolState, i64) -> Result<T, ApiError>,
    ) -> Result<(T, PoolState), ApiError> {
        for _ in 0..WRITE_ATTEMPTS {
            let now = self.clock.now();
            let Some(mut pool) = self.store.get_pool(project_id, name).await? else {
                return Err(ApiError::pool_not_found(name));
            };
            if pool.step(now) == StepOutcome::Gone {
                self.forget(&mut pool).await?;
                return Err(ApiError::pool_not_found(name));
            }
            let out = change(&mut pool, now)?;
            // Labels may have changed, or the rules: the pool takes on the faults that match now.
            pool.apply_faults(&self.faults(), now);
            // Stages with no duration (the immediate profile) end before the answer.
            let written = match pool.step(now) {
                StepOutcome::Gone => self.retire_pool(&mut pool).await,
                _ => self.update_pool(&mut pool).await,
            };
            match written {
                Ok(()) => {
                    self.wake.notify_one();
                    return Ok((out, pool));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::Conflict(name.to_owned()))
    }

    /// Stores a new pool; its watchers see it and its nodes added.
    pub async fn insert_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        pool.stage_node_feed(&self.catalog);
        self.store.insert_pool(pool).await?;
        self.feed.wake(&pool.project_id);
        Ok(())
    }

    /// Writes a changed pool; its watchers see it and the nodes that changed.
    pub async fn update_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        pool.stage_node_feed(&self.catalog);
        self.store.update_pool(pool).await?;
        self.feed.wake(&pool.project_id);
        Ok(())
    }

    /// Removes a pool whose deletion has finished; its watchers see it and
    /// its nodes deleted.
    pub async fn retire_pool(&self, pool: &mut PoolState) -> Result<(), StoreError> {
        pool.stage_all_nodes_removed(&self.catalog);
        self.store.retire_pool(pool).await?;
        self.feed.wake(&pool.project_id);
        Ok(())
    }

    /// Removes a pool whose deletion has finished; someone else doing it first is fine.
    pub async fn forget(&self, pool: &mut PoolState) -> Result<(), ApiError> {
        match self.retire_pool(pool).await {
            Ok(()) | Err(StoreError::Conflict) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
