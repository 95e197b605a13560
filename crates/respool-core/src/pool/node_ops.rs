//! Day-2 node operations: lock, unlock, reboot, reset, drain, update, bind,
//! resize and migrate. Each checks every named node first, then changes the
//! pool in one step, so a refused call changes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use respool_api_types as api;
use serde::{Deserialize, Serialize};

use super::jobs::JobKind;
use super::node_pools::{default_node_pool, pool_of};
use super::records::Operation;
use super::{Env, Node, NodePhase, NodeWork, PoolPhase, PoolState};
use crate::DomainError;

/// `batch-drain` takes at most this many nodes.
pub const MAX_DRAIN_NODES: usize = 10;
/// `batch-resize` takes at most this many batches.
pub const MAX_RESIZE_BATCHES: usize = 50;
/// Any other node batch takes at most this many nodes.
const MAX_BATCH_NODES: usize = 500;

pub(crate) const LABEL_HA_REDUNDANT: &str = "os.modelarts.node/ha.redundant.enabled";
pub(crate) const ANNOTATION_HA_EFFECT: &str = "os.modelarts.node/ha.redundant.effect";
pub(crate) const LABEL_ELASTIC_QUOTA: &str = "os.modelarts.node/elastic.quota";
pub(crate) const LABEL_BATCH_UID: &str = "os.modelarts.node/batch.uid";
pub(crate) const LABEL_BATCH_COUNT: &str = "os.modelarts.node/batch.count";

/// `rollingConfig` of a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rolling {
    ByNumber(u32),
    ByPercent(u32),
}

impl Rolling {
    pub fn parse(strategy: &str, max_unavailable: i64) -> Result<Rolling, DomainError> {
        let n = u32::try_from(max_unavailable).ok().filter(|n| *n >= 1);
        match (strategy, n) {
            ("RollingByNumber", Some(n)) => Ok(Rolling::ByNumber(n)),
            ("RollingByPercent", Some(n)) if n <= 100 => Ok(Rolling::ByPercent(n)),
            ("RollingByNumber" | "RollingByPercent", _) => Err(DomainError::invalid(format!(
                "invalid rollingConfig.maxUnavailable {max_unavailable}: use a number of nodes of at least 1, or a percentage from 1 to 100"
            ))),
            (other, _) => Err(DomainError::invalid(format!(
                "invalid rollingConfig.strategy {other:?}: use RollingByNumber or RollingByPercent"
            ))),
        }
    }

    /// How many of `total` nodes may be unavailable at once (at least one).
    fn limit(self, total: usize) -> usize {
        match self {
            Rolling::ByNumber(n) => n as usize,
            Rolling::ByPercent(p) => (total * p as usize) / 100,
        }
        .max(1)
    }
}

/// What a reset does.
pub struct ResetPlan {
    pub rolling: Rolling,
    /// `nodeConfig.os`: the image the nodes get; `None` keeps theirs.
    pub os: Option<String>,
}

/// `action` of a batch update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateAction {
    OpenHaRedundant { effect: String },
    CloseHaRedundant,
    CreateTags(Vec<(String, String)>),
    DeleteTags(Vec<(String, String)>),
    Driver(DriverUpgrade),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverUpgrade {
    pub version: String,
    /// `force` or `idle`; respool runs no workloads, so both start at once.
    pub strategy: String,
}

impl UpdateAction {
    pub fn parse(
        action: Option<&str>,
        ha_effect: Option<&str>,
        tags: Vec<(String, String)>,
        driver: Option<DriverUpgrade>,
    ) -> Result<UpdateAction, DomainError> {
        match (action, driver) {
            (None | Some(""), Some(d)) => {
                if d.version.trim().is_empty() {
                    return Err(DomainError::invalid("driver.version must not be empty"));
                }
                if !matches!(d.strategy.as_str(), "force" | "idle") {
                    return Err(DomainError::invalid(format!(
                        "invalid driver.updateStrategy {:?}: use force or idle",
                        d.strategy
                    )));
                }
                Ok(UpdateAction::Driver(d))
            }
            (Some("openHaRedundant"), _) => {
                let effect = ha_effect.unwrap_or("NoSchedule");
                if !matches!(effect, "NoSchedule" | "NoExecute") {
                    return Err(DomainError::invalid(format!(
                        "invalid haRedundantEffect {effect:?}: use NoSchedule or NoExecute"
                    )));
                }
                Ok(UpdateAction::OpenHaRedundant {
                    effect: effect.into(),
                })
            }
            (Some("closeHaRedundant"), _) => Ok(UpdateAction::CloseHaRedundant),
            (Some(a @ ("createTags" | "deleteTags")), _) => {
                if tags.is_empty() {
                    return Err(DomainError::invalid(format!("{a} needs at least one tag")));
                }
                if let Some((k, _)) = tags.iter().find(|(k, _)| k.trim().is_empty()) {
                    return Err(DomainError::invalid(format!("invalid tag key {k:?}")));
                }
                Ok(if a == "createTags" {
                    UpdateAction::CreateTags(tags)
                } else {
                    UpdateAction::DeleteTags(tags)
                })
            }
            (Some(other), _) => Err(DomainError::invalid(format!(
                "invalid action {other:?}: use openHaRedundant, closeHaRedundant, createTags or deleteTags, or give driver"
            ))),
            (None, None) => Err(DomainError::invalid("give action or driver")),
        }
    }
}

/// The outcome of a batch update, as the API answers it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeUpdate {
    pub success: Vec<String>,
    pub failed: Vec<String>,
}

/// One node of a `batch-bind`.
pub struct BindNode {
    pub name: String,
    pub quota_name: String,
}

/// One batch of a `batch-resize`.
pub struct ResizeBatch {
    pub batch_uid: String,
    pub delete_node_names: Vec<String>,
}

impl ResizeBatch {
    /// The nodes to delete, each once.
    fn deleted(&self) -> std::collections::BTreeSet<&str> {
        self.delete_node_names.iter().map(String::as_str).collect()
    }
}

/// The names, once each, in the order given.
pub(crate) fn unique(names: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .filter(|n| seen.insert(n.as_str()))
        .cloned()
        .collect()
}

/// A batch names from 1 to `max` nodes.
fn check_batch_size(names: &[String], max: usize) -> Result<(), DomainError> {
    if names.is_empty() {
        return Err(DomainError::invalid(
            "nodeNames must name at least one node",
        ));
    }
    if names.len() > max {
        return Err(DomainError::invalid(format!(
            "at most {max} nodes can be given at once, got {}",
            names.len()
        )));
    }
    Ok(())
}

impl PoolState {
    /// Nodes may leave the pool (deleted or migrated) if none is locked
    /// against deletion and at least one other node stays.
    pub(crate) fn check_removable(&self, wanted: &[String]) -> Result<(), DomainError> {
        if let Some(n) = wanted
            .iter()
            .find(|n| self.node(n).is_some_and(|n| n.extra.delete_locked))
        {
            return Err(DomainError::invalid(format!(
                "node {n:?} is locked against deletion: unlock it first (batch-unlock)"
            )));
        }
        let leaving: std::collections::HashSet<&str> = wanted.iter().map(String::as_str).collect();
        let left = self
            .nodes
            .iter()
            .filter(|n| n.phase != NodePhase::Deleting && !leaving.contains(n.name.as_str()))
            .count();
        if left == 0 {
            return Err(DomainError::invalid(format!(
                "at least one node must remain in pool \"{}\"",
                self.name()
            )));
        }
        Ok(())
    }

    /// Day-2 operations need a pool that runs.
    fn check_operable(&self) -> Result<(), DomainError> {
        let phase = self.phase();
        if matches!(
            phase,
            PoolPhase::Running | PoolPhase::Abnormal | PoolPhase::ScalingFailed
        ) {
            Ok(())
        } else {
            Err(DomainError::invalid(format!(
                "pool \"{}\" is {}: nodes can be operated on only while it is Running",
                self.name(),
                phase.as_str()
            )))
        }
    }

    /// The named nodes, once each, in the order given; every one must exist
    /// and be in one of `phases`.
    fn checked_nodes(
        &self,
        names: &[String],
        max: usize,
        phases: &[NodePhase],
        what: &str,
    ) -> Result<Vec<String>, DomainError> {
        let wanted = unique(names);
        check_batch_size(&wanted, max)?;
        let queued: std::collections::HashMap<&str, &str> = self
            .jobs
            .iter()
            .flat_map(|j| j.queued.iter().map(|n| (n.as_str(), j.id.as_str())))
            .collect();
        for name in &wanted {
            let Some(n) = self.node(name) else {
                return Err(DomainError::invalid(format!(
                    "node {name:?} not found in pool \"{}\"",
                    self.name()
                )));
            };
            if !phases.contains(&n.phase) {
                return Err(DomainError::invalid(format!(
                    "node {name:?} is {}: it cannot be {what}",
                    n.phase.as_str()
                )));
            }
            // A node waiting its turn in a rolling reset belongs to that job.
            if let Some(job) = queued.get(name.as_str()) {
                return Err(DomainError::invalid(format!(
                    "node {name:?} waits in job {job}: it cannot be {what} until that job reaches it"
                )));
            }
        }
        Ok(wanted)
    }

    /// `batch-lock` / `batch-unlock`: per node `success`, or `failed` for a
    /// name the pool does not have or a node being created or deleted.
    pub fn set_delete_lock(
        &mut self,
        names: &[String],
        actions: &[String],
        locked: bool,
    ) -> Result<Vec<api::NodeResult>, DomainError> {
        check_batch_size(names, MAX_BATCH_NODES)?;
        if actions.is_empty() {
            return Err(DomainError::invalid(
                "actions must name at least one action",
            ));
        }
        if let Some(a) = actions.iter().find(|a| a.as_str() != "delete") {
            return Err(DomainError::invalid(format!(
                "invalid action {a:?}: the only lockable action is delete"
            )));
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let ok = match self.node_mut(name) {
                // A node still being built, or on its way out, has nothing to lock yet.
                Some(mut n) if !matches!(n.phase, NodePhase::Creating | NodePhase::Deleting) => {
                    n.extra.delete_locked = locked;
                    true
                }
                _ => false,
            };
            out.push(api::NodeResult {
                name: name.clone(),
                status: if ok { "success" } else { "failed" }.into(),
            });
        }
        Ok(out)
    }

    /// `batch-reboot`: every node goes `Checking` now and is back after the
    /// profile's reboot time. Returns the job that tracks it.
    pub fn reboot_nodes(&mut self, names: &[String], now_ms: i64) -> Result<String, DomainError> {
        self.check_operable()?;
        let wanted = self.checked_nodes(
            names,
            MAX_BATCH_NODES,
            &[NodePhase::Available, NodePhase::Abnormal],
            "rebooted",
        )?;
        let limit = wanted.len();
        let job = self.start_job(JobKind::Reboot, wanted, limit, None, now_ms);
        self.refresh_status();
        self.record(now_ms, false);
        Ok(job)
    }

    /// `batch-reset`: re-images the nodes, never more than the rolling
    /// limit at once. Returns the job that tracks it.
    pub fn reset_nodes(
        &mut self,
        names: &[String],
        plan: &ResetPlan,
        now_ms: i64,
    ) -> Result<String, DomainError> {
        self.check_operable()?;
        let wanted = self.checked_nodes(
            names,
            MAX_BATCH_NODES,
            &[NodePhase::Available, NodePhase::Abnormal],
            "reset",
        )?;
        if let Some(os) = &plan.os {
            if os.trim().is_empty() || os.len() > 128 {
                return Err(DomainError::invalid(format!(
                    "invalid nodeConfig.os {os:?}"
                )));
            }
        }
        let limit = plan.rolling.limit(wanted.len());
        let job = self.start_job(JobKind::Reset, wanted, limit, plan.os.clone(), now_ms);
        self.refresh_status();
        self.record(now_ms, false);
        Ok(job)
    }

    /// Puts a node of a job into `Checking` until `now + duration`.
    pub(crate) fn start_node_work(&mut self, name: &str, work: NodeWork, now_ms: i64) {
        let d = self.timing.durations();
        let due = now_ms
            + match work {
                NodeWork::Reboot => d.node_reboot,
                NodeWork::Reset(_) => d.node_reset,
            };
        if let Some(mut n) = self.node_mut(name) {
            n.phase = NodePhase::Checking;
            n.due_ms = Some(due);
            n.extra.work = Some(work);
        }
    }

    /// `batch-drain`: the nodes stay, but take no new workloads.
    pub fn drain_nodes(&mut self, names: &[String]) -> Result<Vec<String>, DomainError> {
        self.check_operable()?;
        let wanted = self.checked_nodes(
            names,
            MAX_DRAIN_NODES,
            &[
                NodePhase::Available,
                NodePhase::Abnormal,
                NodePhase::Checking,
            ],
            "drained",
        )?;
        for name in &wanted {
            if let Some(mut n) = self.node_mut(name) {
                n.extra.unschedulable = true;
            }
        }
        Ok(wanted)
    }

    /// `batch-update`: HA redundancy, node tags or a driver upgrade. A node
    /// the pool does not have, or one being created or deleted, fails alone.
    pub fn update_nodes(
        &mut self,
        names: &[String],
        action: &UpdateAction,
        now_ms: i64,
    ) -> Result<NodeUpdate, DomainError> {
        self.check_operable()?;
        check_batch_size(names, MAX_BATCH_NODES)?;
        let upgrade_due = now_ms + self.timing.durations().driver_upgrade;
        let mut out = NodeUpdate::default();
        for name in names {
            let Some(mut n) = self
                .node_mut(name)
                .filter(|n| !matches!(n.phase, NodePhase::Creating | NodePhase::Deleting))
            else {
                out.failed.push(name.clone());
                continue;
            };
            let x = &mut n.extra;
            match action {
                UpdateAction::OpenHaRedundant { effect } => {
                    x.labels.insert(LABEL_HA_REDUNDANT.into(), "true".into());
                    x.labels.insert(ANNOTATION_HA_EFFECT.into(), effect.clone());
                }
                UpdateAction::CloseHaRedundant => {
                    x.labels.remove(LABEL_HA_REDUNDANT);
                    x.labels.remove(ANNOTATION_HA_EFFECT);
                }
                UpdateAction::CreateTags(tags) => {
                    for (k, v) in tags {
                        x.tags.insert(k.clone(), v.clone());
                    }
                }
                UpdateAction::DeleteTags(tags) => {
                    for (k, _) in tags {
                        x.tags.remove(k);
                    }
                }
                UpdateAction::Driver(d) => {
                    x.driver_upgrade = Some((d.version.clone(), upgrade_due));
                }
            }
            out.success.push(name.clone());
        }
        if matches!(action, UpdateAction::Driver(_)) && !out.success.is_empty() {
            self.refresh_status();
        }
        Ok(out)
    }

    /// `batch-bind`: binds nodes to a logical sub-pool (`elastic.quota`).
    pub fn bind_nodes(
        &mut self,
        nodes: &[BindNode],
        drain: bool,
    ) -> Result<Vec<api::NodeResult>, DomainError> {
        self.check_operable()?;
        let names: Vec<String> = nodes.iter().map(|b| b.name.clone()).collect();
        self.checked_nodes(
            &names,
            MAX_BATCH_NODES,
            &[
                NodePhase::Available,
                NodePhase::Abnormal,
                NodePhase::Checking,
            ],
            "bound",
        )?;
        if let Some(b) = nodes.iter().find(|b| b.quota_name.trim().is_empty()) {
            return Err(DomainError::invalid(format!(
                "node {:?}: quotaName must not be empty",
                b.name
            )));
        }
        let mut out = Vec::with_capacity(nodes.len());
        for b in nodes {
            if let Some(mut n) = self.node_mut(&b.name) {
                n.extra
                    .labels
                    .insert(LABEL_ELASTIC_QUOTA.into(), b.quota_name.clone());
                // Workloads of the old sub-pool are evicted first; none run
                // here, so the node is schedulable again under its new quota.
                if drain {
                    n.extra.unschedulable = false;
                }
            }
            out.push(api::NodeResult {
                name: b.name.clone(),
                status: "success".into(),
            });
        }
        Ok(out)
    }

    /// Takes the named nodes out of this pool for `batch-migrate`: they go
    /// `Deleting` until the migration time has passed, the spec follows, and
    /// a job tracks it. Returns the job and the nodes as they leave.
    pub fn migrate_out(
        &mut self,
        names: &[String],
        target: &str,
        now_ms: i64,
    ) -> Result<(String, Vec<Node>), DomainError> {
        self.check_operable()?;
        if target == self.name() {
            return Err(DomainError::invalid(
                "toPoolName must name another pool than the source",
            ));
        }
        let wanted = self.checked_nodes(
            names,
            MAX_BATCH_NODES,
            &[NodePhase::Available, NodePhase::Abnormal],
            "migrated",
        )?;
        self.check_removable(&wanted)?;
        let (before, init) = (self.node_marks(), self.spec_counts());
        let due = now_ms + self.timing.durations().node_migrate;
        let mut moved = Vec::with_capacity(wanted.len());
        for name in &wanted {
            let Some(i) = self.nodes.iter().position(|n| &n.name == name) else {
                continue;
            };
            moved.push(Node::clone(&self.nodes[i]));
            self.delete_node_from_spec(i, due);
        }
        let job = self.start_job(JobKind::Migrate, wanted, 0, Some(target.into()), now_ms);
        self.refresh_status();
        self.open_order(Operation::Modify, init, &before, now_ms);
        self.record(now_ms, false);
        Ok((job, moved))
    }

    /// Receives migrated nodes: they join as `Creating` with their names,
    /// the flavor `resourceSpec.flavor` names (theirs if none), and are
    /// ready after the migration time.
    pub fn migrate_in(
        &mut self,
        nodes: &[Node],
        flavor: Option<&str>,
        env: &Env,
        now_ms: i64,
    ) -> Result<(), DomainError> {
        self.check_operable()?;
        if let Some(f) = flavor {
            if env.catalog.get(f).is_none() {
                return Err(DomainError::invalid(format!(
                    "resourceSpec.flavor {f:?} is not a flavor of the catalog"
                )));
            }
        }
        if let Some(n) = nodes.iter().find(|n| self.node(&n.name).is_some()) {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" already has a node named {:?}",
                self.name(),
                n.name
            )));
        }
        let (before, init) = (self.node_marks(), self.spec_counts());
        let due = now_ms + self.timing.durations().node_migrate;
        for n in nodes {
            let flavor = flavor.unwrap_or(&n.flavor).to_owned();
            // They join the first node pool of their flavor, else its default one.
            let pool = self
                .pool
                .spec
                .resources
                .iter()
                .find(|r| r.flavor == flavor)
                .map(|r| pool_of(r).to_owned())
                .unwrap_or_else(|| default_node_pool(&flavor));
            self.spec_add_node(&pool, &flavor, &n.az);
            self.ip_seq += 1;
            self.nodes_mut().push(Arc::new(Node {
                name: n.name.clone(),
                flavor,
                node_pool: pool,
                az: n.az.clone(),
                phase: NodePhase::Creating,
                created_ms: now_ms,
                due_ms: Some(due),
                private_ip: n.private_ip.clone(),
                extra: super::NodeExtra {
                    os: n.extra.os.clone(),
                    tags: n.extra.tags.clone(),
                    ..Default::default()
                },
            }));
        }
        self.refresh_driver(env.catalog);
        self.refresh_status();
        self.open_order(Operation::Modify, init, &before, now_ms);
        self.record(now_ms, false);
        Ok(())
    }

    /// Adds one node of `node_pool` (of `flavor`) in `az` to `spec.resources`.
    fn spec_add_node(&mut self, node_pool: &str, flavor: &str, az: &str) {
        let resources = &mut self.pool.spec.resources;
        let r = match resources.iter().position(|r| pool_of(r) == node_pool) {
            Some(i) => &mut resources[i],
            None => {
                resources.push(api::PoolResource {
                    flavor: flavor.into(),
                    node_pool: Some(node_pool.into()),
                    count: 0,
                    ..Default::default()
                });
                resources.last_mut().expect("just pushed")
            }
        };
        r.count += 1;
        if let Some(max) = &mut r.max_count {
            *max = (*max).max(r.count);
        }
        if let Some(azs) = &mut r.azs {
            match azs.iter_mut().find(|a| a.az == az) {
                Some(a) => a.count += 1,
                None => azs.push(api::AzCount {
                    az: az.into(),
                    count: 1,
                }),
            }
        }
    }

    /// `batch-resize`: changes the step of hyper-instance batches. Each
    /// batch loses the nodes named in it and is then brought to the target
    /// step with new nodes. Returns the order that tracks it.
    pub fn resize_batches(
        &mut self,
        batches: &[ResizeBatch],
        source: (&str, u32),
        target: (&str, u32),
        env: &Env,
        now_ms: i64,
    ) -> Result<String, DomainError> {
        self.check_operable()?;
        if batches.is_empty() || batches.len() > MAX_RESIZE_BATCHES {
            return Err(DomainError::invalid(format!(
                "nodes must give from 1 to {MAX_RESIZE_BATCHES} batches, got {}",
                batches.len()
            )));
        }
        let (flavor, from) = source;
        if target.0 != flavor {
            return Err(DomainError::invalid(
                "source.flavor and target.flavor must be the same: a resize changes the step only",
            ));
        }
        let steps = env
            .catalog
            .get(flavor)
            .map(|f| f.creating_steps.clone())
            .unwrap_or_default();
        if steps.is_empty() {
            return Err(DomainError::invalid(format!(
                "flavor {flavor:?} is not a hyper-instance flavor: it has no creating steps"
            )));
        }
        let to = target.1;
        for step in [from, to] {
            if !steps.contains(&step) {
                return Err(DomainError::invalid(format!(
                    "step {step} is not a creating step of {flavor:?}: use one of {steps:?}"
                )));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(b) = batches.iter().find(|b| !seen.insert(b.batch_uid.as_str())) {
            return Err(DomainError::invalid(format!(
                "batch {:?} is named twice",
                b.batch_uid
            )));
        }
        for b in batches {
            let members: Vec<&Node> = self
                .nodes
                .iter()
                .map(|n| &**n)
                .filter(|n| {
                    n.phase != NodePhase::Deleting
                        && n.extra.labels.get(LABEL_BATCH_UID) == Some(&b.batch_uid)
                })
                .collect();
            if members.is_empty() {
                return Err(DomainError::invalid(format!(
                    "batch {:?} not found in pool \"{}\"",
                    b.batch_uid,
                    self.name()
                )));
            }
            if members.len() != from as usize {
                return Err(DomainError::invalid(format!(
                    "batch {:?} has {} nodes, not the source step {from}",
                    b.batch_uid,
                    members.len()
                )));
            }
            for name in b.deleted() {
                match members.iter().find(|n| n.name == name) {
                    None => {
                        return Err(DomainError::invalid(format!(
                            "node {name:?} is not in batch {:?}",
                            b.batch_uid
                        )))
                    }
                    Some(n) if n.extra.delete_locked => {
                        return Err(DomainError::invalid(format!(
                            "node {name:?} is locked against deletion"
                        )))
                    }
                    Some(_) => {}
                }
            }
            let kept = members.len() - b.deleted().len();
            if kept > to as usize {
                return Err(DomainError::invalid(format!(
                    "batch {:?} keeps {kept} nodes, more than the target step {to}: name more nodes to delete",
                    b.batch_uid
                )));
            }
        }
        let (before, init) = (self.node_marks(), self.spec_counts());
        let d = self.timing.durations();
        for b in batches {
            // The batch's AZ and node pool, taken before any of its nodes go.
            let (az, pool) = self
                .nodes
                .iter()
                .find(|n| {
                    n.phase != NodePhase::Deleting
                        && n.extra.labels.get(LABEL_BATCH_UID) == Some(&b.batch_uid)
                })
                .map(|n| (n.az.clone(), n.node_pool.clone()))
                .expect("checked above: the batch has nodes");
            for name in b.deleted() {
                if let Some(i) = self.node_position(name) {
                    self.delete_node_from_spec(i, now_ms + d.node_delete);
                }
            }
            let keep: Vec<usize> = (0..self.nodes.len())
                .filter(|&i| {
                    let n = &self.nodes[i];
                    n.phase != NodePhase::Deleting
                        && n.extra.labels.get(LABEL_BATCH_UID) == Some(&b.batch_uid)
                })
                .collect();
            for &i in &keep {
                self.node_at_mut(i)
                    .extra
                    .labels
                    .insert(LABEL_BATCH_COUNT.into(), to.to_string());
            }
            for _ in keep.len()..to as usize {
                self.spec_add_node(&pool, flavor, &az);
                let name = self.add_node(flavor, &pool, az.clone(), now_ms, now_ms + d.node_create);
                if let Some(mut n) = self.node_mut(&name) {
                    n.extra
                        .labels
                        .insert(LABEL_BATCH_UID.into(), b.batch_uid.clone());
                    n.extra
                        .labels
                        .insert(LABEL_BATCH_COUNT.into(), to.to_string());
                }
            }
        }
        self.refresh_status();
        let order = self.open_order(Operation::Modify, init, &before, now_ms);
        self.record(now_ms, false);
        Ok(order)
    }

    /// Groups the new nodes of a hyper-instance node pool into batches of
    /// its flavor's first creating step, each with its own `batch.uid`.
    pub(crate) fn assign_batches(&mut self, env: &Env, flavor: &str, node_pool: &str) {
        let Some(step) = env
            .catalog
            .get(flavor)
            .and_then(|f| f.creating_steps.first().copied())
        else {
            return;
        };
        let loose: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| {
                let n = &self.nodes[i];
                n.node_pool == node_pool && !n.extra.labels.contains_key(LABEL_BATCH_UID)
            })
            .collect();
        for chunk in loose.chunks(step as usize) {
            let uid = uuid::Uuid::new_v4().to_string();
            for &i in chunk {
                let labels = &mut self.node_at_mut(i).extra.labels;
                labels.insert(LABEL_BATCH_UID.into(), uid.clone());
                labels.insert(LABEL_BATCH_COUNT.into(), step.to_string());
            }
        }
    }

    /// Refuses a spec whose scale-down could only be met by removing a
    /// locked node; otherwise the scale-down picks unlocked nodes.
    pub(crate) fn check_locked_scale_down(
        &self,
        resources: &[api::PoolResource],
    ) -> Result<(), DomainError> {
        if !self.node_summary().any_locked() {
            return Ok(());
        }
        // Locked live nodes by node pool, in one pass.
        let mut locked: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for n in self.nodes.iter() {
            if n.extra.delete_locked && n.phase != NodePhase::Deleting {
                locked.entry(&n.node_pool).or_default().push(&n.name);
            }
        }
        for (pool, names) in locked {
            let want = resources
                .iter()
                .find(|r| pool_of(r) == pool)
                .map_or(0, |r| r.count.max(0) as usize);
            if want < names.len() {
                return Err(DomainError::invalid(format!(
                    "cannot scale node pool {pool:?} down to {want}: {} of its nodes are locked against deletion ({}); unlock them first",
                    names.len(),
                    names.join(", ")
                )));
            }
        }
        Ok(())
    }
}
