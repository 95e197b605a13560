//! Persistence behind one [`Store`] trait: SQLite (the embedded default) and
//! PostgreSQL (for several replicas), each with its own driver and
//! migrations, and one conformance suite that runs against both. Both run
//! the same statements, written once in `queries.rs`.

mod error;
mod feed;
mod nodes;
mod orders_events;
mod postgres;
mod queries;
mod sqlite;

use async_trait::async_trait;
use respool_api_types::Workspace;
use respool_core::capacity::QuotaSettings;
use respool_core::fault_rules::{Fault, FaultEffect};
use respool_core::identity::{Credential, User};
use respool_core::network::NetworkState;
use respool_core::pool::PoolState;

pub use error::StoreError;
pub use feed::{ChangePage, ChangeRow, FeedCursor, FeedHead, FeedKind, DEFAULT_HISTORY};
pub use orders_events::{EventCursor, EventQuery, EventRow, OrderPage, OrderQuery};
pub use postgres::{PostgresStore, ScratchSchema};
pub use sqlite::SqliteStore;

/// Which pools a list asks for. The label selector is applied by the caller.
#[derive(Debug, Clone, Default)]
pub struct PoolQuery<'a> {
    pub project_id: &'a str,
    pub workspace_id: Option<&'a str>,
    /// Only pools in one of these phases (`None`: every phase).
    pub phases: Option<Vec<&'static str>>,
    /// Only sub-pools of this pool.
    pub parent: Option<&'a str>,
}

/// A listed pool as stored: its labels and the served object, both raw JSON,
/// so a list can filter and answer without decoding every object.
#[derive(Debug, Clone)]
pub struct PoolRow {
    pub name: String,
    pub labels: String,
    pub doc: String,
}

/// A [`PoolRow`] borrowed from the database's own buffers while a list runs,
/// with when its current lifecycle stage ends.
#[derive(Debug, Clone, Copy)]
pub struct PoolRowRef<'a> {
    pub name: &'a str,
    pub labels: &'a str,
    pub doc: &'a str,
    pub next_due_ms: Option<i64>,
}

/// What a list hands each pool to; an error ends the list with that error.
pub type EachPool<'f> = dyn FnMut(PoolRowRef<'_>) -> Result<(), StoreError> + Send + 'f;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a new pool with its nodes and pending records (orders,
    /// events), in one transaction; [`StoreError::AlreadyExists`] if its
    /// name is taken, and then none of its records are written.
    async fn insert_pool(&self, pool: &mut PoolState) -> Result<(), StoreError>;

    async fn get_pool(&self, project_id: &str, name: &str)
        -> Result<Option<PoolState>, StoreError>;

    /// Hands `each` every pool that matches, in creation order (then name),
    /// without copying them out first: a list of 10,000 pools goes from the
    /// database into the answer once.
    async fn for_each_pool(
        &self,
        query: &PoolQuery<'_>,
        each: &mut EachPool<'_>,
    ) -> Result<(), StoreError>;

    /// [`Store::for_each_pool`], and where the project's change feed stood
    /// when the pools were read (one snapshot): a watch from there misses
    /// and repeats nothing.
    async fn for_each_pool_at_head(
        &self,
        query: &PoolQuery<'_>,
        each: &mut EachPool<'_>,
    ) -> Result<FeedHead, StoreError>;

    /// Where a project's change feed stands.
    async fn feed_head(&self, project_id: &str) -> Result<FeedHead, StoreError>;

    /// Up to `limit` changes of a project after `after`, oldest first, and
    /// the head as read after them (so a trim that removed some shows in
    /// its floor).
    async fn changes_after(
        &self,
        project_id: &str,
        after: FeedCursor,
        limit: u32,
    ) -> Result<ChangePage, StoreError>;

    /// Keeps at most `writes` (at least 1) writes of each project in the change feed.
    fn set_feed_history(&self, writes: i64);

    /// A count of the writes committed, when this store sees every write to
    /// its data: while it is unchanged, so is every answer read from the
    /// store. `None` when others may write too (PostgreSQL replicas, a
    /// SQLite file opened other than to serve it).
    fn writes_seen(&self) -> Option<u64> {
        None
    }

    /// Pools in creation order (then name).
    async fn list_pools(&self, query: &PoolQuery<'_>) -> Result<Vec<PoolRow>, StoreError> {
        let mut rows = Vec::new();
        self.for_each_pool(query, &mut |r| {
            rows.push(PoolRow {
                name: r.name.to_owned(),
                labels: r.labels.to_owned(),
                doc: r.doc.to_owned(),
            });
            Ok(())
        })
        .await?;
        Ok(rows)
    }

    /// Writes `pool` if its stored version still equals `pool.version`, then
    /// bumps the version; [`StoreError::Conflict`] otherwise. Its pending
    /// records are written in the same transaction (so a write that loses
    /// the race records nothing) and taken from it once committed.
    async fn update_pool(&self, pool: &mut PoolState) -> Result<(), StoreError>;

    /// Removes a pool whose deletion has finished if its stored version still
    /// equals `pool.version`, writing its pending records in the same
    /// transaction; [`StoreError::Conflict`] otherwise.
    async fn retire_pool(&self, pool: &PoolState) -> Result<(), StoreError>;

    /// The orders that match `query`: how many there are, and one page of
    /// them as stored, newest first.
    async fn list_orders(&self, query: &OrderQuery<'_>) -> Result<OrderPage, StoreError>;

    /// The items of an order as stored (a JSON array); `None` if there is no
    /// such order in the project.
    async fn get_order_items(
        &self,
        project_id: &str,
        order_name: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Up to `query.limit` events of one resource that match `query`,
    /// newest first (oldest first if `query.ascending`).
    async fn list_events(&self, query: &EventQuery<'_>) -> Result<Vec<EventRow>, StoreError>;

    /// Pools (of one project, or all) with a lifecycle stage ending at or
    /// before `now_ms`, soonest first.
    async fn due_pools(
        &self,
        project_id: Option<&str>,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Claims up to `limit` due pools (stage ending at or before virtual
    /// `now_ms`) for `owner` until wall time `lease_until_ms`, skipping pools
    /// another owner holds a live lease on for the same stage; soonest first.
    async fn claim_due_pools(
        &self,
        owner: &str,
        now_ms: i64,
        wall_ms: i64,
        lease_until_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// How many pools are in each phase, in one project (and workspace) or in all.
    async fn count_pools_by_phase(
        &self,
        project_id: Option<&str>,
        workspace_id: Option<&str>,
    ) -> Result<Vec<(String, i64)>, StoreError>;

    /// The reconciler's backlog at virtual time `now_ms`: how many pools are
    /// due, and the earliest due time among them.
    async fn due_backlog(&self, now_ms: i64) -> Result<(i64, Option<i64>), StoreError>;

    /// `(project_id, name)` of every pool, in creation order.
    async fn all_pools(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Removes every pool (with every order and event), network and
    /// workspace of every project, in one transaction.
    async fn remove_all(&self) -> Result<Removed, StoreError>;

    /// Stores a fault rule; [`StoreError::AlreadyExists`] if its id is taken.
    async fn insert_fault(&self, fault: &Fault) -> Result<(), StoreError>;

    /// Every fault rule, oldest first.
    async fn list_faults(&self) -> Result<Vec<Fault>, StoreError>;

    /// Deletes a fault rule; false if there was none.
    async fn delete_fault(&self, id: &str) -> Result<bool, StoreError>;

    /// Deletes every fault rule; returns how many there were.
    async fn delete_all_faults(&self) -> Result<u64, StoreError>;

    async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError>;

    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Stores a credential; [`StoreError::AlreadyExists`] if the access key is taken.
    async fn insert_credential(&self, credential: &Credential) -> Result<(), StoreError>;

    async fn get_credential(&self, access_key: &str) -> Result<Option<Credential>, StoreError>;

    async fn list_credentials(&self) -> Result<Vec<Credential>, StoreError>;

    /// Deletes a credential; false if there was none.
    async fn revoke_credential(&self, access_key: &str) -> Result<bool, StoreError>;

    /// Stores a user; [`StoreError::AlreadyExists`] if the name is taken.
    async fn insert_user(&self, user: &User) -> Result<(), StoreError>;

    async fn get_user(&self, name: &str) -> Result<Option<User>, StoreError>;

    /// The names of an account's users, in name order.
    async fn list_user_names(&self, domain_id: &str) -> Result<Vec<String>, StoreError>;

    /// Stores a new network; [`StoreError::AlreadyExists`] if its name is
    /// taken in the project.
    async fn insert_network(&self, network: &NetworkState) -> Result<(), StoreError>;

    async fn get_network(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<NetworkState>, StoreError>;

    /// The networks of a project in creation order (then name).
    async fn list_networks(&self, project_id: &str) -> Result<Vec<NetworkState>, StoreError>;

    /// Writes `network` if its stored version still equals `network.version`,
    /// then bumps the version; [`StoreError::Conflict`] otherwise.
    async fn update_network(&self, network: &mut NetworkState) -> Result<(), StoreError>;

    /// Deletes a network; false if there was none.
    async fn delete_network(&self, project_id: &str, name: &str) -> Result<bool, StoreError>;

    /// Stores a workspace; [`StoreError::AlreadyExists`] if its id or its
    /// name is taken in the project.
    async fn insert_workspace(
        &self,
        project_id: &str,
        workspace: &Workspace,
    ) -> Result<(), StoreError>;

    async fn get_workspace(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<Workspace>, StoreError>;

    /// The workspaces of a project in creation order (then id).
    async fn list_workspaces(&self, project_id: &str) -> Result<Vec<Workspace>, StoreError>;

    /// Overwrites a stored workspace (same id); false if there is none,
    /// [`StoreError::AlreadyExists`] if its new name is taken.
    async fn update_workspace(
        &self,
        project_id: &str,
        workspace: &Workspace,
    ) -> Result<bool, StoreError>;

    /// Deletes a workspace; false if there was none.
    async fn delete_workspace(&self, project_id: &str, id: &str) -> Result<bool, StoreError>;

    /// The quotas set on one scope of a project (`os`, `workspace/{id}`);
    /// empty when none were.
    async fn get_quotas(&self, project_id: &str, scope: &str) -> Result<QuotaSettings, StoreError>;

    /// Replaces the quotas set on one scope.
    async fn put_quotas(
        &self,
        project_id: &str,
        scope: &str,
        quotas: &QuotaSettings,
    ) -> Result<(), StoreError>;

    /// Answers only when the database does.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// What [`Store::remove_all`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub pools: u64,
    pub networks: u64,
    pub workspaces: u64,
}

/// The columns every backend derives from a pool the same way.
pub(crate) struct PoolColumns {
    pub workspace_id: String,
    pub phase: &'static str,
    pub parent: Option<String>,
    pub next_due_ms: Option<i64>,
    pub labels: String,
    pub state: String,
}

impl PoolColumns {
    /// The columns of `pool` but its document, which takes the number of
    /// the write (see [`feed::pool_doc`]); a new pool is given its
    /// incarnation here.
    pub fn of(pool: &mut PoolState) -> Result<Self, StoreError> {
        if pool.stored.incarnation == 0 {
            pool.stored.incarnation = rand::random::<i64>() | 1;
        }
        Ok(PoolColumns {
            workspace_id: pool.workspace_id().to_owned(),
            phase: pool.phase().as_str(),
            parent: pool.parent().map(str::to_owned),
            next_due_ms: pool.next_due(),
            labels: serde_json::to_string(&pool.pool.metadata.labels)?,
            state: nodes::state_without_nodes(pool)?,
        })
    }
}

/// Rebuilds a pool from its stored parts.
pub(crate) fn decode_pool(
    project_id: String,
    version: i64,
    doc: &str,
    state: &str,
) -> Result<PoolState, StoreError> {
    let mut pool: PoolState = serde_json::from_str(state)?;
    pool.pool = serde_json::from_str(doc)?;
    pool.project_id = project_id;
    pool.version = version;
    pool.upgrade_stored();
    Ok(pool)
}

/// A fault as its row holds it: `(id, label_selector, effect, count, created_ms)`.
pub(crate) fn decode_fault(
    id: String,
    label_selector: String,
    effect: &str,
    count: Option<i64>,
    created_ms: i64,
) -> Result<Fault, StoreError> {
    let effect = FaultEffect::from_parts(effect, count)
        .map_err(|e| StoreError::Corrupt(format!("fault {id}: {e}")))?;
    Ok(Fault {
        id,
        label_selector,
        effect,
        created_ms,
    })
}

/// A network as its row holds it.
pub(crate) fn decode_network(
    project_id: String,
    created_ms: i64,
    ready_ms: i64,
    version: i64,
    doc: &str,
) -> Result<NetworkState, StoreError> {
    Ok(NetworkState {
        project_id,
        network: serde_json::from_str(doc)?,
        created_ms,
        ready_ms,
        version,
    })
}

/// `RETURNING` gives rows in no set order; the reconciler wants the soonest first.
pub(crate) fn soonest_first(mut rows: Vec<(String, String, i64)>) -> Vec<(String, String)> {
    rows.sort_by_key(|r| r.2);
    rows.into_iter().map(|(p, n, _)| (p, n)).collect()
}
