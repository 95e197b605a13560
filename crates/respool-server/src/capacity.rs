//! What a project, a workspace and a network hold, and the check a pool
//! create or scale passes before it is written: quotas and free addresses.

use respool_api_types::{OsQuotaResource, OsQuotaResources, OsQuotas};
use respool_core::capacity::{self, QuotaSettings, NODE_RESOURCE, OS_QUOTAS, POOL_RESOURCE};
use respool_core::pool::PoolState;

use crate::app::AppState;
use crate::error::ApiError;

pub const OS_SCOPE: &str = "os";

pub fn workspace_scope(workspace_id: &str) -> String {
    format!("workspace/{workspace_id}")
}

/// The OS quota limit of `kind` in force.
pub fn os_limit(settings: &QuotaSettings, kind: &str) -> i64 {
    let default = OS_QUOTAS
        .iter()
        .find(|q| q.kind == kind)
        .map_or(capacity::UNLIMITED, |q| q.default);
    capacity::limit(settings, kind, default)
}

/// Nodes the pool's spec asks for.
pub fn spec_nodes(pool: &PoolState) -> u64 {
    pool.pool
        .spec
        .resources
        .iter()
        .map(|r| r.count.max(0) as u64)
        .sum()
}

/// Addresses the pool holds: one per node it has, whatever the node's phase.
pub fn held_ips(pool: &PoolState) -> u64 {
    pool.nodes.len() as u64
}

/// Addresses the pool needs: those it holds, or its spec's count when larger.
pub fn needed_ips(pool: &PoolState) -> u64 {
    held_ips(pool).max(spec_nodes(pool))
}

pub fn network_of(pool: &PoolState) -> Option<&str> {
    pool.pool
        .spec
        .network
        .as_ref()
        .and_then(|n| n.name.as_deref())
        .filter(|n| !n.is_empty())
}

/// What a pool counts for, before or after a change.
#[derive(Debug, Clone)]
pub struct Need {
    pub workspace: String,
    pub nodes: u64,
    pub ips: u64,
}

impl Need {
    pub fn of(pool: &PoolState) -> Need {
        Need {
            workspace: pool.workspace_id().to_owned(),
            nodes: spec_nodes(pool),
            ips: needed_ips(pool),
        }
    }
}

/// Limits and what other pools use, read before a change.
pub struct Budget {
    os: QuotaSettings,
    workspace: String,
    ws: QuotaSettings,
    project_pools: u64,
    project_nodes: u64,
    ws_pools: u64,
    ws_nodes: u64,
    /// The network, its usable addresses and those other pools hold.
    network: Option<(String, u64, u64)>,
}

impl Budget {
    /// Reads the limits and usage that a change of `pool_name` (in
    /// `workspace`, on `network`) is checked against; the pool itself is left
    /// out. Pools are counted from the store's index; their nodes and
    /// addresses are read only when a node limit is set or the network exists.
    pub async fn load(
        app: &AppState,
        project_id: &str,
        workspace: &str,
        network: Option<&str>,
        pool_name: Option<&str>,
    ) -> Result<Budget, ApiError> {
        let os = app.store.get_quotas(project_id, OS_SCOPE).await?;
        let ws = app
            .store
            .get_quotas(project_id, &workspace_scope(workspace))
            .await?;
        let count = |rows: Vec<(String, i64)>| -> u64 {
            rows.iter().map(|(_, n)| (*n).max(0) as u64).sum()
        };
        // Counted only against a limit: without one, any count is allowed.
        let limited = |limit: i64| limit != capacity::UNLIMITED;
        let project_pools = if limited(os_limit(&os, "pool")) {
            count(
                app.store
                    .count_pools_by_phase(Some(project_id), None)
                    .await?,
            )
        } else {
            0
        };
        let ws_pools = if limited(capacity::limit(&ws, POOL_RESOURCE, capacity::UNLIMITED)) {
            count(
                app.store
                    .count_pools_by_phase(Some(project_id), Some(workspace))
                    .await?,
            )
        } else {
            0
        };
        let mut budget = Budget {
            project_pools,
            ws_pools,
            project_nodes: 0,
            ws_nodes: 0,
            network: None,
            workspace: workspace.to_owned(),
            os,
            ws,
        };
        let stored_network = match network {
            Some(name) => app.store.get_network(project_id, name).await?,
            None => None,
        };
        let node_limits = os_limit(&budget.os, "node") != capacity::UNLIMITED
            || capacity::limit(&budget.ws, NODE_RESOURCE, capacity::UNLIMITED)
                != capacity::UNLIMITED;
        // Without node limits or a network to count, the index's pool counts
        // suffice: a changed pool counts itself, but then it does not grow
        // the count it is in (`check` allows what does not grow).
        if !node_limits && stored_network.is_none() {
            return Ok(budget);
        }
        let pools = crate::handlers::project_pools(app, project_id).await?;
        let others: Vec<&PoolState> = pools
            .iter()
            .filter(|p| pool_name.is_none_or(|n| p.name() != n))
            .collect();
        budget.project_pools = others.len() as u64;
        budget.ws_pools = others
            .iter()
            .filter(|p| p.workspace_id() == workspace)
            .count() as u64;
        budget.project_nodes = others.iter().map(|p| spec_nodes(p)).sum();
        budget.ws_nodes = others
            .iter()
            .filter(|p| p.workspace_id() == workspace)
            .map(|p| spec_nodes(p))
            .sum();
        budget.network = stored_network.map(|n| {
            let name = n.name().to_owned();
            let held = others
                .iter()
                .filter(|p| network_of(p) == Some(name.as_str()))
                .map(|p| held_ips(p))
                .sum();
            (name, capacity::usable_ips(&n.network.spec.cidr), held)
        });
        Ok(budget)
    }

    /// Refuses a change from `before` (`None`: a new pool) to `after` that
    /// grows past a quota or past the network's free addresses.
    pub fn check(&self, before: Option<&Need>, after: &Need) -> Result<(), ApiError> {
        let had = u64::from(before.is_some());
        let os_pool = os_limit(&self.os, "pool");
        if !capacity::allows(os_pool, self.project_pools, had, 1) {
            return Err(ApiError::QuotaExceeded("pool".into()));
        }
        let nodes_before = before.map_or(0, |b| b.nodes);
        let os_node = os_limit(&self.os, "node");
        if !capacity::allows(os_node, self.project_nodes, nodes_before, after.nodes) {
            return Err(ApiError::QuotaExceeded("node".into()));
        }
        if after.workspace == self.workspace {
            let same = before.filter(|b| b.workspace == self.workspace);
            let ws_pool = capacity::limit(&self.ws, POOL_RESOURCE, capacity::UNLIMITED);
            if !capacity::allows(ws_pool, self.ws_pools, u64::from(same.is_some()), 1) {
                return Err(ApiError::QuotaExceeded(POOL_RESOURCE.into()));
            }
            let ws_node = capacity::limit(&self.ws, NODE_RESOURCE, capacity::UNLIMITED);
            let nodes_before = same.map_or(0, |b| b.nodes);
            if !capacity::allows(ws_node, self.ws_nodes, nodes_before, after.nodes) {
                return Err(ApiError::QuotaExceeded(NODE_RESOURCE.into()));
            }
        }
        if let Some((name, usable, held)) = &self.network {
            let ips_before = before.map_or(0, |b| b.ips);
            if !capacity::allows(*usable as i64, *held, ips_before, after.ips) {
                let left = usable.saturating_sub(*held);
                return Err(ApiError::bad_request(format!(
                    "the subnet of network {name:?} has {left} available IP addresses, {} are needed",
                    after.ips
                )));
            }
        }
        Ok(())
    }
}

/// Refuses a new network past the project's OS quota of networks.
pub async fn check_network_quota(app: &AppState, project_id: &str) -> Result<(), ApiError> {
    let settings = app.store.get_quotas(project_id, OS_SCOPE).await?;
    let limit = os_limit(&settings, "network");
    if limit == capacity::UNLIMITED {
        return Ok(());
    }
    let count = app.store.list_networks(project_id).await?.len() as u64;
    if capacity::allows(limit, count, 0, 1) {
        Ok(())
    } else {
        Err(ApiError::QuotaExceeded("network".into()))
    }
}

/// The project's OS quotas: pools, networks and nodes, with what is used.
pub async fn os_quotas(app: &AppState, project_id: &str) -> Result<OsQuotas, ApiError> {
    let settings = app.store.get_quotas(project_id, OS_SCOPE).await?;
    let pools = crate::handlers::project_pools(app, project_id).await?;
    let networks = app.store.list_networks(project_id).await?.len() as u64;
    let nodes: u64 = pools.iter().map(spec_nodes).sum();
    let resources = OS_QUOTAS
        .iter()
        .map(|q| {
            let used = match q.kind {
                "pool" => pools.len() as u64,
                "network" => networks,
                _ => nodes,
            };
            OsQuotaResource {
                resource_type: q.kind.into(),
                quota: os_limit(&settings, q.kind).to_string(),
                used: used.to_string(),
            }
        })
        .collect();
    Ok(OsQuotas {
        quotas: OsQuotaResources { resources },
    })
}
