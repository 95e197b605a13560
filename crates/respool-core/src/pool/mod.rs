//! A pool and its nodes: the aggregate every pool request and every
//! lifecycle step reads and writes as one unit.

mod billing;
mod changes;
mod control;
mod create;
mod fault_effects;
mod feed;
mod jobs;
mod lifecycle;
mod maintenance;
mod node_list;
mod node_ops;
mod node_pools;
mod node_view;
mod nodes;
mod patch;
mod plugins;
mod records;
mod status;
mod summary;
mod workload_views;
mod workloads;

use std::collections::BTreeMap;

use respool_api_types::Pool;
use serde::{Deserialize, Serialize};

use crate::fault_rules::FaultEffect;
use crate::flavors::Catalog;
use crate::timing::TimingProfile;

pub use changes::{node_changes, NodeChanges, StoredNodes};
pub use feed::{Change, FeedNode, NodeFeed};
pub use jobs::{Job, JobKind, JobPhase, JOB_KIND, JOB_LIST_KIND};
pub use lifecycle::FAILED_RETENTION_MS;
pub use lifecycle::{Flow, Stage, StepOutcome, STAGES};
pub use maintenance::{EventState, Maintenance, MaintenanceNotice, MAINTENANCE_TYPES};
pub use node_list::NodeList;
pub use node_ops::{
    BindNode, DriverUpgrade, NodeUpdate, ResetPlan, ResizeBatch, Rolling, UpdateAction,
    MAX_DRAIN_NODES, MAX_RESIZE_BATCHES,
};
pub use node_pools::{default_node_pool, NODE_POOL_KIND, NODE_POOL_LIST_KIND};
pub use node_view::{NodeView, NodeViewList, NodeViews, NODE_KIND};
pub use nodes::{NodeCursor, NodePage, MAX_NODE_PAGE, NODE_LIST_KIND};
pub use plugins::{
    node_config_choices, node_config_template, template_detail, template_view, templates_for,
    Plugin, PluginPhase, PLUGIN_KIND, PLUGIN_LIST_KIND,
};
pub use records::{
    LastRecorded, Pending, PoolOrder, Record, EVENT_API_VERSION, EVENT_KIND, EVENT_LIST_KIND,
    EVENT_RESOURCE, ORDER_FAILED, ORDER_PARTIAL, ORDER_PENDING, ORDER_PROCESSING, ORDER_SUCCESSED,
};
pub use summary::SummaryMemo;
pub use workload_views::{WorkloadFilter, METRICS_LIST_KIND, WORKLOAD_KIND, WORKLOAD_LIST_KIND};
pub use workloads::{
    amounts_of, consumes, fits, parse_cpu, parse_memory, quantities, status_of, Amounts, Placement,
    Workload, WorkloadSpec, MAX_WORKLOADS, WORKLOAD_STATUSES, WORKLOAD_TYPES,
};

pub const API_VERSION: &str = "v2";
pub const KIND: &str = "Pool";
pub const LIST_KIND: &str = "PoolList";
pub const DEFAULT_WORKSPACE: &str = "0";

/// Everything respool knows about one pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
///
/// It serializes without `project_id`, `pool` and `version`: the store keeps
/// those in columns of their own.
pub struct PoolState {
    #[serde(skip)]
    pub project_id: String,
    /// The object as the API serves it; `status` is kept current by every change.
    #[serde(skip)]
    pub pool: Pool,
    /// Shared with the copies of this pool and with what the store holds:
    /// a change copies the chunk of the list it touches ([`NodeList`]), and
    /// [`PoolState::node_mut`] the node.
    pub nodes: NodeList,
    pub scopes: Vec<ScopeState>,
    pub created_ms: i64,
    /// Creation finished once; from then on new nodes do not make the pool `Creating`.
    pub became_running: bool,
    /// When deletion was asked for.
    pub deletion_ms: Option<i64>,
    pub timing: TimingProfile,
    /// Counts allocated private addresses, so a removed node's address is not reused at once.
    pub ip_seq: u32,
    /// A yearly/monthly pool whose order is not paid yet: no nodes until it is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_payment: bool,
    /// The last creation or scaling failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// The faults whose selectors match the pool's labels, as of the last change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<ActiveFault>,
    /// Orders still in progress (pending or processing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<PoolOrder>,
    /// Phase and node counts as last recorded in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "observed")]
    pub last_recorded: Option<LastRecorded>,
    /// Node jobs (reboot, reset, migrate, resize): running ones and the last finished.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<Job>,
    /// Scheduled events (maintenance) announced for the pool's nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenances: Vec<Maintenance>,
    /// Nodes a fault kept from arriving, until their orders have said so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unprovisioned: Vec<String>,
    /// Plugins installed or upgraded through the API (default ones are derived).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<Plugin>,
    /// Workloads declared on the pool: queued, running and finished.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<Workload>,
    /// Allocatable amounts per node flavor, for placing workloads in steps.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flavor_capacity: BTreeMap<String, Amounts>,
    /// Events and order changes not yet written; the store writes them with
    /// the pool, in the same transaction.
    #[serde(skip)]
    pub pending: Pending,
    /// Optimistic-concurrency version; the store checks and bumps it on every write.
    #[serde(skip)]
    pub version: i64,
    /// What was worked out of the current node list ([`summary`]).
    #[serde(skip)]
    pub summary: summary::SummaryMemo,
    /// Set by the store.
    #[serde(skip)]
    pub stored: StoredNodes,
    /// The nodes this write adds, changes or removes, as served, for
    /// watchers ([`PoolState::stage_node_feed`]); the store writes them with the pool.
    #[serde(skip)]
    pub node_feed: NodeFeed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub flavor: String,
    /// Its node pool: the `spec.resources[].nodePool` it was created for.
    #[serde(default)]
    pub node_pool: String,
    pub az: String,
    pub phase: NodePhase,
    pub created_ms: i64,
    /// When the node's current stage ends (`Creating` → `Available`, `Deleting` → gone).
    pub due_ms: Option<i64>,
    pub private_ip: String,
    /// What a node carries beyond its lifecycle: locks, labels, tags, OS, driver.
    #[serde(default, flatten)]
    pub extra: NodeExtra,
}

impl Node {
    /// Where the node comes in lists: by creation time, then name.
    pub fn listing_key(&self) -> (i64, &str) {
        (self.created_ms, &self.name)
    }
}

/// The parts of a node that day-2 operations change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeExtra {
    /// `batch-lock` with `actions: ["delete"]`: the node cannot be removed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_locked: bool,
    /// Drained: no new workloads are scheduled on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unschedulable: bool,
    /// The OS image name, once a reset chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Labels set by operations (HA redundancy, logical sub-pool, batch).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// A driver version other than the flavor's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_version: Option<String>,
    /// A driver upgrade in progress: the version it goes to, and when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_upgrade: Option<(String, i64)>,
    /// What the current `Checking` stage does when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<NodeWork>,
}

/// The work behind a node's `Checking` phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeWork {
    Reboot,
    /// Re-imaging, to this OS if one was given.
    Reset(Option<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodePhase {
    Creating,
    Available,
    Abnormal,
    Deleting,
    /// Not ready while it reboots or is re-imaged: counted with the abnormal
    /// nodes, but a planned stage, so it does not make the pool `Abnormal`.
    Checking,
}

impl NodePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            NodePhase::Creating => "Creating",
            NodePhase::Available => "Available",
            NodePhase::Abnormal => "Abnormal",
            NodePhase::Deleting => "Deleting",
            NodePhase::Checking => "Checking",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    Creation,
    Scaling,
}

/// A fault in effect on one pool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ActiveFault {
    pub id: String,
    #[serde(flatten)]
    pub effect: FaultEffect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeState {
    pub scope_type: String,
    pub state: ScopePhase,
    pub due_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScopePhase {
    Enabling,
    Enabled,
    Disabling,
    Disabled,
}

impl ScopePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopePhase::Enabling => "Enabling",
            ScopePhase::Enabled => "Enabled",
            ScopePhase::Disabling => "Disabling",
            ScopePhase::Disabled => "Disabled",
        }
    }
}

/// `status.phase` of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PoolPhase {
    Creating,
    Waiting,
    Running,
    Abnormal,
    Error,
    CreationFailed,
    ScalingFailed,
    Deleting,
}

impl PoolPhase {
    pub const ALL: [PoolPhase; 8] = [
        PoolPhase::Creating,
        PoolPhase::Waiting,
        PoolPhase::Running,
        PoolPhase::Abnormal,
        PoolPhase::Error,
        PoolPhase::CreationFailed,
        PoolPhase::ScalingFailed,
        PoolPhase::Deleting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PoolPhase::Creating => "Creating",
            PoolPhase::Waiting => "Waiting",
            PoolPhase::Running => "Running",
            PoolPhase::Abnormal => "Abnormal",
            PoolPhase::Error => "Error",
            PoolPhase::CreationFailed => "CreationFailed",
            PoolPhase::ScalingFailed => "ScalingFailed",
            PoolPhase::Deleting => "Deleting",
        }
    }

    pub fn parse(s: &str) -> Option<PoolPhase> {
        PoolPhase::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The `status` filter of ListPools: a coarser vocabulary than the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Creating,
    Created,
    Failed,
}

impl StatusFilter {
    /// `None` for an empty value (every pool); an error names the accepted values.
    pub fn parse(s: &str) -> Result<Option<StatusFilter>, crate::DomainError> {
        match s {
            "" => Ok(None),
            "creating" => Ok(Some(StatusFilter::Creating)),
            "created" => Ok(Some(StatusFilter::Created)),
            "failed" => Ok(Some(StatusFilter::Failed)),
            other => Err(crate::DomainError::invalid(format!(
                "invalid status {other:?}: use creating, created or failed"
            ))),
        }
    }

    pub fn phases(self) -> &'static [PoolPhase] {
        match self {
            StatusFilter::Creating => &[PoolPhase::Creating, PoolPhase::Waiting],
            StatusFilter::Created => &[
                PoolPhase::Running,
                PoolPhase::Abnormal,
                PoolPhase::Error,
                PoolPhase::ScalingFailed,
                PoolPhase::Deleting,
            ],
            StatusFilter::Failed => &[PoolPhase::CreationFailed],
        }
    }
}

/// What the domain needs to know about the deployment it runs in.
pub struct Env<'a> {
    pub catalog: &'a Catalog,
    pub region: &'a str,
    pub domain_id: &'a str,
    /// The server's timing profile; a pool's annotation may override it.
    pub timing: TimingProfile,
}

impl PoolState {
    pub fn name(&self) -> &str {
        &self.pool.metadata.name
    }

    pub fn display_name(&self) -> &str {
        self.pool
            .metadata
            .labels
            .get(respool_api_types::keys::NAME)
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn workspace_id(&self) -> &str {
        self.pool
            .metadata
            .labels
            .get(respool_api_types::keys::WORKSPACE_ID)
            .map(String::as_str)
            .unwrap_or(DEFAULT_WORKSPACE)
    }

    pub fn parent(&self) -> Option<&str> {
        self.pool.status.parent.as_deref()
    }

    /// Derived from the nodes and a few flags, so it cannot disagree with them.
    pub fn phase(&self) -> PoolPhase {
        let failed = |k: FailureKind| self.failure.is_some_and(|f| f.kind == k);
        if self.deletion_ms.is_some() {
            PoolPhase::Deleting
        } else if failed(FailureKind::Creation) {
            PoolPhase::CreationFailed
        } else if self.awaiting_payment {
            PoolPhase::Waiting
        } else if !self.became_running {
            PoolPhase::Creating
        } else if self.node_summary().any_abnormal() {
            PoolPhase::Abnormal
        } else if failed(FailureKind::Scaling) {
            PoolPhase::ScalingFailed
        } else {
            PoolPhase::Running
        }
    }
}
