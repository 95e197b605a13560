//! The lifecycle: nodes follow `spec.resources`, job types follow
//! `spec.scope`, and timers move each stage on. The pool's phase is derived
//! from its nodes (see [`PoolState::phase`]), so it cannot disagree with them.

use std::collections::HashMap;
use std::sync::Arc;

use super::create::random_suffix;
use super::node_pools::pool_of;
use super::nodes::first_in_order;
use super::records::Operation;
use super::{
    Env, Failure, FailureKind, Node, NodePhase, NodeWork, PoolState, ScopePhase, ScopeState,
};
use crate::fault_rules::FaultEffect;
use crate::time::rfc3339;

/// How long a failed creation stays listed (under `status=failed`): three days.
pub const FAILED_RETENTION_MS: i64 = 3 * 24 * 3600 * 1000;

/// What a lifecycle step left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// Nothing was due.
    Unchanged,
    Changed,
    /// Deletion finished: the pool no longer exists.
    Gone,
}

/// Whether the stages after this one run at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Next,
    /// The pool is gone or failed: nothing later applies.
    Stop,
}

/// One lifecycle stage: what is due at an instant and what it becomes.
pub struct Stage {
    pub name: &'static str,
    pub what: &'static str,
    apply: fn(&mut PoolState, i64) -> Flow,
}

/// The stages, in the order they end when several are due at once
/// (each has a golden fixture under `tests/stages/`).
pub const STAGES: &[Stage] = &[
    Stage {
        name: "pool-gone",
        what: "a deletion whose time is over, or a failed creation kept three days: the pool and its nodes are gone",
        apply: PoolState::stage_gone,
    },
    Stage {
        name: "node-deleted",
        what: "Deleting nodes due now are removed (not while a delete-stuck fault holds them)",
        apply: PoolState::stage_node_deleted,
    },
    Stage {
        name: "node-created",
        what: "Creating nodes due now arrive, unless creation-fails, scaling-fails or nodes-fail keeps them away",
        apply: PoolState::stage_node_created,
    },
    Stage {
        name: "node-available",
        what: "Creating, Abnormal and Checking nodes due now become Available; a reset's OS takes effect",
        apply: PoolState::stage_node_available,
    },
    Stage {
        name: "driver-upgraded",
        what: "a node's driver upgrade due now ends: the node carries the new version",
        apply: PoolState::stage_driver_upgraded,
    },
    Stage {
        name: "jobs",
        what: "node jobs (reboot, reset, migrate, resize) move to their next batch or finish",
        apply: PoolState::stage_jobs,
    },
    Stage {
        name: "maintenances",
        what: "scheduled events due now start or end",
        apply: PoolState::stage_maintenances,
    },
    Stage {
        name: "plugins",
        what: "Pending and Updating plugins due now become Running",
        apply: PoolState::stage_plugins,
    },
    Stage {
        name: "workloads",
        what: "workloads due now start, finish, or leave the queue when they fit",
        apply: PoolState::stage_workloads,
    },
    Stage {
        name: "scopes",
        what: "job types Enabling become Enabled, Disabling become Disabled",
        apply: PoolState::stage_scopes,
    },
    Stage {
        name: "pool-running",
        what: "a pool whose nodes have all left Creating is running; its job types start enabling",
        apply: PoolState::stage_pool_running,
    },
    Stage {
        name: "faults-settled",
        what: "faults take effect on the nodes as they are now (nodes-abnormal, recovery)",
        apply: PoolState::stage_faults_settled,
    },
    Stage {
        name: "empty-pool-deleted",
        what: "a running pool left without nodes is deleted",
        apply: PoolState::stage_empty_pool_deleted,
    },
];

impl PoolState {
    /// Brings nodes and scopes in line with the spec as of `now_ms`: adds
    /// `Creating` nodes, sends surplus nodes to `Deleting`, starts enabling or
    /// disabling job types. Then refreshes `status`.
    pub(crate) fn converge(&mut self, env: &Env, now_ms: i64) {
        if !self.awaiting_payment && self.failure.is_none_or(|f| f.kind != FailureKind::Creation) {
            self.converge_nodes(env, now_ms);
        }
        self.converge_scopes(now_ms);
        self.note_flavor_resource_ids();
        self.settle_faults(now_ms);
        self.refresh_driver(env.catalog);
        self.refresh_status();
    }

    fn converge_nodes(&mut self, env: &Env, now_ms: i64) {
        if self.nodes_as_specified() {
            return;
        }
        let d = self.timing.durations();
        let resources = self.pool.spec.resources.clone();
        // A node pool named twice counts for its last entry.
        let entry: HashMap<&str, usize> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (pool_of(r), i))
            .collect();
        let mut live = self.live_by_node_pool();
        for (i, r) in resources.iter().enumerate() {
            let pool = pool_of(r);
            let have = if entry[pool] == i {
                live.remove(pool).unwrap_or(0)
            } else {
                0
            };
            let want = r.count.max(0);
            if have < want {
                let azs = self.placement(env, r, (want - have) as usize);
                for az in azs {
                    self.add_node(&r.flavor, pool, az, now_ms, now_ms + d.node_create);
                }
                self.assign_batches(env, &r.flavor, pool);
            } else if have > want {
                // Locked nodes stay; the patch refused a spec that needs them gone.
                let unlocked = self.live_in(pool, |n| !n.extra.delete_locked);
                let surplus = (have - want) as usize;
                for i in self.first_to_remove(unlocked, surplus) {
                    self.start_node_deletion(i, now_ms + d.node_delete);
                }
            }
        }
        // Node pools dropped from the spec lose all their nodes.
        for pool in live.into_keys().filter(|p| !entry.contains_key(p.as_str())) {
            for i in self.live_in(&pool, |_| true) {
                self.start_node_deletion(i, now_ms + d.node_delete);
            }
        }
    }

    /// Live nodes (not on their way out) per node pool, from the summary.
    fn live_by_node_pool(&self) -> HashMap<String, i64> {
        let mut live: HashMap<String, i64> = HashMap::new();
        for g in &self.node_summary().groups {
            *live.entry(g.node_pool.clone()).or_default() += g.live();
        }
        live.retain(|_, n| *n > 0);
        live
    }

    /// Positions of the live nodes of `node_pool` that `also` picks: only
    /// the chunks of the list that hold that node pool are read.
    fn live_in(&self, node_pool: &str, also: impl Fn(&Node) -> bool) -> Vec<usize> {
        (self.nodes.in_node_pool(node_pool))
            .filter(|&i| {
                let n = &self.nodes[i];
                n.node_pool == node_pool && n.phase != NodePhase::Deleting && also(n)
            })
            .collect()
    }

    /// Whether each node pool of the spec (each named once) has as many
    /// live nodes as it asks for, and no other node pool has any: what a
    /// walk of the nodes would find, read from the node summary.
    fn nodes_as_specified(&self) -> bool {
        let mut live = self.live_by_node_pool();
        let spec_met = self
            .pool
            .spec
            .resources
            .iter()
            .all(|r| live.remove(pool_of(r)).unwrap_or(0) == r.count.max(0));
        spec_met && live.values().all(|n| *n == 0)
    }

    fn converge_scopes(&mut self, now_ms: i64) {
        let d = self.timing.durations();
        let wanted = self.pool.spec.scope.clone();
        for s in &wanted {
            match self.scopes.iter_mut().find(|x| &x.scope_type == s) {
                Some(x) if matches!(x.state, ScopePhase::Disabling | ScopePhase::Disabled) => {
                    x.state = ScopePhase::Enabling;
                    x.due_ms = self.became_running.then_some(now_ms + d.scope_enable);
                }
                Some(_) => {}
                None => self.scopes.push(ScopeState {
                    scope_type: s.clone(),
                    state: ScopePhase::Enabling,
                    due_ms: self.became_running.then_some(now_ms + d.scope_enable),
                }),
            }
        }
        for x in &mut self.scopes {
            if !wanted.contains(&x.scope_type)
                && matches!(x.state, ScopePhase::Enabling | ScopePhase::Enabled)
            {
                x.state = ScopePhase::Disabling;
                x.due_ms = Some(now_ms + d.scope_disable);
            }
        }
    }

    /// Deletes the pool, answering as the live service does: the pool as it
    /// was, stamped with `deletionTimestamp`.
    pub fn delete(&mut self, now_ms: i64) -> respool_api_types::Pool {
        let mut answer = self.pool.clone();
        if self.deletion_ms.is_none() {
            let (before, init) = (self.node_marks(), self.spec_counts());
            self.start_deletion(now_ms);
            let order = self.open_order(Operation::Delete, init, &before, now_ms);
            answer
                .metadata
                .labels
                .insert(respool_api_types::keys::ORDER_NAME.into(), order);
            self.record(now_ms, false);
        }
        answer.metadata.deletion_timestamp = self.deletion_ms.map(rfc3339);
        answer
    }

    /// Starts deleting the pool: every node goes `Deleting`.
    pub fn start_deletion(&mut self, now_ms: i64) {
        if self.deletion_ms.is_some() {
            return;
        }
        let d = self.timing.durations();
        self.deletion_ms = Some(now_ms);
        for i in 0..self.nodes.len() {
            if self.nodes[i].phase != NodePhase::Deleting {
                self.start_node_deletion(i, now_ms + d.node_delete);
            }
        }
        self.refresh_status();
    }

    /// The earliest instant at which something will change by itself.
    pub fn next_due(&self) -> Option<i64> {
        let nodes = self.node_summary().next_due(self.deletion_stuck());
        let scopes = self.scopes.iter().filter_map(|s| s.due_ms);
        nodes
            .into_iter()
            .chain(scopes)
            .chain(self.next_plugin_due())
            .chain(self.next_maintenance_due())
            .chain(self.next_workload_due())
            .chain(self.gone_at())
            .min()
    }

    /// Applies, in time order, every stage that ends at or before `now_ms`.
    pub fn step(&mut self, now_ms: i64) -> StepOutcome {
        let mut changed = false;
        while let Some(t) = self.next_due().filter(|t| *t <= now_ms) {
            self.apply_due(t);
            changed = true;
            if self.gone_at().is_some_and(|g| g <= t) && self.nodes.is_empty() {
                self.record(t, true);
                return StepOutcome::Gone;
            }
            // Each stage is recorded at its own time, however late the step.
            self.record(t, false);
        }
        if changed {
            self.refresh_status();
            StepOutcome::Changed
        } else {
            StepOutcome::Unchanged
        }
    }

    /// When the pool disappears: a deleted pool once its deletion ends (every
    /// node's deletion ends by then, because no profile deletes a node slower
    /// than a pool); a failed creation once its record has been kept long enough.
    fn gone_at(&self) -> Option<i64> {
        match (self.deletion_ms, self.failure) {
            (Some(_), _) if self.deletion_stuck() => None,
            (Some(t), _) => Some(t + self.timing.durations().pool_delete),
            (
                None,
                Some(Failure {
                    kind: FailureKind::Creation,
                    at_ms,
                }),
            ) => Some(at_ms + FAILED_RETENTION_MS),
            _ => None,
        }
    }

    /// Ends every stage due exactly at `t`, in the order of [`STAGES`].
    fn apply_due(&mut self, t: i64) {
        for stage in STAGES {
            if (stage.apply)(self, t) == Flow::Stop {
                return;
            }
        }
    }

    /// Runs one stage by name, alone (for its golden fixture).
    pub fn apply_stage(&mut self, name: &str, t: i64) -> Option<Flow> {
        STAGES
            .iter()
            .find(|s| s.name == name)
            .map(|s| (s.apply)(self, t))
    }

    fn stage_gone(&mut self, t: i64) -> Flow {
        if self.gone_at().is_some_and(|g| g <= t) {
            // Deletion is over, whatever any node was still doing.
            self.nodes_mut().clear();
            return Flow::Stop;
        }
        Flow::Next
    }

    fn stage_node_deleted(&mut self, t: i64) -> Flow {
        if !self.deletion_stuck() && self.stage_ends_at(t) {
            let gone = self.due_at(t, |n| n.phase == NodePhase::Deleting);
            self.nodes_mut().remove_all(&gone);
        }
        Flow::Next
    }

    /// Positions of the nodes whose own stage ends at `t` that `also` picks:
    /// only the chunks of the list where a stage ends by then are read.
    fn due_at(&self, t: i64, also: impl Fn(&Node) -> bool) -> Vec<usize> {
        (self.nodes.due_by(t))
            .filter(|&i| self.nodes[i].due_ms == Some(t) && also(&self.nodes[i]))
            .collect()
    }

    fn stage_node_created(&mut self, t: i64) -> Flow {
        let creating = |n: &Node| n.phase == NodePhase::Creating;
        let created = if self.stage_ends_at(t) {
            self.due_at(t, creating)
        } else {
            Vec::new()
        };
        if created.is_empty() {
            return Flow::Next;
        }
        if !self.became_running && self.has_fault(FaultEffect::CreationFails) {
            self.fail_creation(t);
            return Flow::Stop;
        }
        if self.became_running && self.has_fault(FaultEffect::ScalingFails) {
            // The new nodes never arrive, and the spec follows the nodes that exist.
            let failed: Vec<(String, String)> = (created.iter())
                .map(|&i| (self.nodes[i].node_pool.clone(), self.nodes[i].az.clone()))
                .collect();
            self.nodes_mut().remove_all(&created);
            for (pool, az) in failed {
                self.spec_drop_node(&pool, &az);
            }
            self.failure = Some(Failure {
                kind: FailureKind::Scaling,
                at_ms: t,
            });
        }
        self.lose_created_nodes(t);
        if !self.became_running && self.nodes.is_empty() {
            self.fail_creation(t);
            return Flow::Stop;
        }
        Flow::Next
    }

    fn stage_node_available(&mut self, t: i64) -> Flow {
        if !self.stage_ends_at(t) {
            return Flow::Next;
        }
        let ready = self.due_at(t, |n| {
            matches!(
                n.phase,
                NodePhase::Creating | NodePhase::Abnormal | NodePhase::Checking
            )
        });
        for i in ready {
            let mut n = self.node_at_mut(i);
            n.phase = NodePhase::Available;
            n.due_ms = None;
            if let Some(NodeWork::Reset(Some(os))) = n.extra.work.take() {
                n.extra.os = Some(os);
            }
        }
        Flow::Next
    }

    /// Whether some node's own stage ends at `t`: the node stages skip
    /// their walk otherwise.
    fn stage_ends_at(&self, t: i64) -> bool {
        self.node_summary().stage_ends_at(t)
    }

    fn stage_driver_upgraded(&mut self, t: i64) -> Flow {
        if !self.node_summary().upgrading() {
            return Flow::Next;
        }
        let due: Vec<usize> = self.nodes.due_by(t).collect();
        for i in due {
            let n = &self.nodes[i];
            if n.extra
                .driver_upgrade
                .as_ref()
                .is_some_and(|(_, due)| *due <= t)
            {
                let mut n = self.node_at_mut(i);
                n.extra.driver_version = n.extra.driver_upgrade.take().map(|(version, _)| version);
            }
        }
        Flow::Next
    }

    fn stage_jobs(&mut self, t: i64) -> Flow {
        self.advance_jobs(t);
        Flow::Next
    }

    fn stage_maintenances(&mut self, t: i64) -> Flow {
        self.advance_maintenances(t);
        Flow::Next
    }

    fn stage_plugins(&mut self, t: i64) -> Flow {
        self.advance_plugins(t);
        Flow::Next
    }

    fn stage_workloads(&mut self, t: i64) -> Flow {
        self.advance_workloads(t);
        Flow::Next
    }

    fn stage_scopes(&mut self, t: i64) -> Flow {
        for s in &mut self.scopes {
            if s.due_ms == Some(t) {
                s.due_ms = None;
                s.state = match s.state {
                    ScopePhase::Enabling => ScopePhase::Enabled,
                    ScopePhase::Disabling => ScopePhase::Disabled,
                    other => other,
                };
            }
        }
        Flow::Next
    }

    fn stage_pool_running(&mut self, t: i64) -> Flow {
        if !self.became_running
            && self.deletion_ms.is_none()
            && !self.nodes.is_empty()
            && self.nodes.iter().all(|n| n.phase != NodePhase::Creating)
        {
            self.became_running = true;
            let enable = self.timing.durations().scope_enable;
            for s in &mut self.scopes {
                if s.state == ScopePhase::Enabling {
                    s.due_ms = Some(t + enable);
                }
            }
        }
        Flow::Next
    }

    fn stage_faults_settled(&mut self, t: i64) -> Flow {
        self.settle_faults(t);
        Flow::Next
    }

    fn stage_empty_pool_deleted(&mut self, t: i64) -> Flow {
        if self.became_running && self.deletion_ms.is_none() && self.nodes.is_empty() {
            self.start_deletion(t);
        }
        Flow::Next
    }

    /// A `nodes-fail` fault: some of the nodes finishing creation at `t`
    /// never arrive; the spec follows, and their order items fail.
    fn lose_created_nodes(&mut self, t: i64) {
        let lose = self.failing_nodes();
        if lose == 0 {
            return;
        }
        let mut created = self.due_at(t, |n| n.phase == NodePhase::Creating);
        created.sort_by(|&a, &b| self.nodes[a].name.cmp(&self.nodes[b].name));
        created.truncate(lose);
        // Highest index first, so the others stay where they are.
        created.sort_unstable_by(|a, b| b.cmp(a));
        for i in created {
            let n = self.nodes_mut().remove(i);
            self.unprovisioned.push(n.name.clone());
            self.spec_drop_node(&n.node_pool, &n.az);
        }
    }

    /// Creation failed at `t`: what was being built is gone, the record stays.
    fn fail_creation(&mut self, t: i64) {
        self.nodes_mut().clear();
        self.failure = Some(Failure {
            kind: FailureKind::Creation,
            at_ms: t,
        });
        for s in &mut self.scopes {
            s.due_ms = None;
        }
    }

    /// Takes one node of `node_pool` in `az` out of `spec.resources`, dropping
    /// the node pool when none is left: the spec follows removed nodes.
    pub(crate) fn spec_drop_node(&mut self, node_pool: &str, az: &str) {
        let resources = &mut self.pool.spec.resources;
        let Some(i) = resources.iter().position(|r| pool_of(r) == node_pool) else {
            return;
        };
        let r = &mut resources[i];
        r.count -= 1;
        if let Some(max) = &mut r.max_count {
            *max = (*max - 1).max(r.count);
        }
        if let Some(azs) = &mut r.azs {
            match azs.iter_mut().find(|a| a.az == az && a.count > 0) {
                Some(a) => a.count -= 1,
                // A node placed outside the listed AZs: take it from the largest.
                None => {
                    if let Some(a) = azs.iter_mut().max_by_key(|a| a.count) {
                        a.count = (a.count - 1).max(0);
                    }
                }
            }
        }
        if r.count <= 0 {
            resources.remove(i);
        }
    }

    /// Adds a `Creating` node; returns its name (`{node.prefix}-created-xxxxx`).
    pub(crate) fn add_node(
        &mut self,
        flavor: &str,
        node_pool: &str,
        az: String,
        now_ms: i64,
        due_ms: i64,
    ) -> String {
        self.ip_seq += 1;
        let seq = self.ip_seq;
        let prefix = self
            .pool
            .metadata
            .labels
            .get(respool_api_types::keys::NODE_PREFIX)
            .filter(|p| !p.is_empty())
            .cloned()
            .unwrap_or_else(|| "os-node".into());
        let name = loop {
            let name = format!("{prefix}-created-{}", random_suffix(5));
            if self.node_position(&name).is_none() {
                break name;
            }
        };
        self.nodes_mut().push(Arc::new(Node {
            name: name.clone(),
            flavor: flavor.into(),
            node_pool: node_pool.into(),
            az,
            phase: NodePhase::Creating,
            created_ms: now_ms,
            due_ms: Some(due_ms),
            private_ip: format!("192.168.{}.{}", seq / 250, seq % 250 + 2),
            extra: Default::default(),
        }));
        name
    }

    fn start_node_deletion(&mut self, i: usize, due_ms: i64) {
        let mut n = self.node_at_mut(i);
        n.phase = NodePhase::Deleting;
        n.due_ms = Some(due_ms);
    }

    /// Starts deleting the node at `i`, and the spec follows: one node
    /// fewer in its node pool.
    pub(crate) fn delete_node_from_spec(&mut self, i: usize, due_ms: i64) {
        let (pool, az) = (self.nodes[i].node_pool.clone(), self.nodes[i].az.clone());
        self.start_node_deletion(i, due_ms);
        self.spec_drop_node(&pool, &az);
    }

    /// The `n` nodes among `idx` that go first on scale-down: unfinished,
    /// then broken, then the newest. Picked without sorting them all: a
    /// scale-down by one in a node pool of 500 sorts nothing.
    fn first_to_remove(&self, mut idx: Vec<usize>, n: usize) -> Vec<usize> {
        let rank = |p: NodePhase| match p {
            NodePhase::Creating => 0,
            NodePhase::Abnormal => 1,
            _ => 2,
        };
        let order = |&a: &usize, &b: &usize| {
            let (a, b) = (&self.nodes[a], &self.nodes[b]);
            (rank(a.phase), std::cmp::Reverse(a.created_ms), &a.name).cmp(&(
                rank(b.phase),
                std::cmp::Reverse(b.created_ms),
                &b.name,
            ))
        };
        let n = first_in_order(&mut idx, n, order).len();
        idx.truncate(n);
        idx
    }

    /// AZs for `extra` new nodes: as `azs` asks, else the flavor's first AZ in stock.
    fn placement(
        &self,
        env: &Env,
        r: &respool_api_types::PoolResource,
        extra: usize,
    ) -> Vec<String> {
        if let Some(azs) = &r.azs {
            let mut out = Vec::new();
            for a in azs {
                let have = self
                    .nodes
                    .iter()
                    .filter(|n| {
                        n.node_pool == pool_of(r) && n.az == a.az && n.phase != NodePhase::Deleting
                    })
                    .count() as i64;
                for _ in have..a.count {
                    out.push(a.az.clone());
                }
            }
            out.truncate(extra);
            if out.len() == extra {
                return out;
            }
        }
        let az = env
            .catalog
            .get(&r.flavor)
            .and_then(|f| f.az_phase.iter().find(|(_, p)| p.as_str() == "normal"))
            .map(|(suffix, _)| format!("{}{}", env.region, suffix))
            .unwrap_or_else(|| format!("{}a", env.region));
        vec![az; extra]
    }
}
