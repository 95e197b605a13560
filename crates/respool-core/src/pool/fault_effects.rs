//! How injected faults act on a pool. The pool keeps the faults that match
//! its labels ([`PoolState::faults`]), so every step, wherever it runs, sees
//! the same ones; the server refreshes them when faults or labels change.

use crate::fault_rules::{Fault, FaultEffect};

use super::{ActiveFault, NodePhase, PoolState};

impl PoolState {
    /// Takes on the faults among `all` that match the pool's labels. Returns
    /// whether that changed anything; the effects start (or stop) at `now_ms`.
    pub fn apply_faults(&mut self, all: &[Fault], now_ms: i64) -> bool {
        let active = matching(all, &self.pool.metadata.labels);
        if active == self.faults {
            return false;
        }
        self.faults = active;
        self.settle_faults(now_ms);
        self.refresh_status();
        self.record(now_ms, false);
        true
    }

    /// Whether [`PoolState::apply_faults`] would change anything.
    pub fn faults_outdated(&self, all: &[Fault]) -> bool {
        matching(all, &self.pool.metadata.labels) != self.faults
    }

    pub(crate) fn has_fault(&self, effect: FaultEffect) -> bool {
        self.faults.iter().any(|f| f.effect == effect)
    }

    /// Deletion was asked for, and a fault holds it in `Deleting`.
    pub(crate) fn deletion_stuck(&self) -> bool {
        self.deletion_ms.is_some() && self.has_fault(FaultEffect::DeleteStuck)
    }

    /// How many nodes the `nodes-abnormal` faults hold broken.
    fn abnormal_target(&self) -> usize {
        self.faults
            .iter()
            .filter_map(|f| match f.effect {
                FaultEffect::NodesAbnormal { count } => Some(count),
                _ => None,
            })
            .max()
            .unwrap_or(0) as usize
    }

    /// How many of the nodes finishing creation together the `nodes-fail` faults lose.
    pub(crate) fn failing_nodes(&self) -> usize {
        self.faults
            .iter()
            .filter_map(|f| match f.effect {
                FaultEffect::NodesFail { count } => Some(count),
                _ => None,
            })
            .max()
            .unwrap_or(0) as usize
    }

    /// Keeps exactly as many nodes broken as the faults ask (or as many as
    /// there are): breaks the oldest available nodes, or lets the surplus
    /// recover after a while.
    pub(crate) fn settle_faults(&mut self, now_ms: i64) {
        let target = self.abnormal_target();
        if target == 0 && !self.node_summary().any_abnormal() {
            // Nothing is broken and nothing should be: the common case, without a sort.
            return;
        }
        let order: Vec<usize> = self.listing_order().iter().map(|&i| i as usize).collect();
        let held: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| {
                self.nodes[i].phase == NodePhase::Abnormal && self.nodes[i].due_ms.is_none()
            })
            .collect();
        if held.len() > target {
            let recover = now_ms + self.timing.durations().scope_enable;
            for &i in held.iter().skip(target) {
                self.node_at_mut(i).due_ms = Some(recover);
            }
            return;
        }
        let mut need = target - held.len();
        // Nodes on their way back break again first, then healthy ones.
        for &i in &order {
            if need == 0 {
                break;
            }
            let n = &self.nodes[i];
            if n.phase == NodePhase::Abnormal && n.due_ms.is_some() {
                self.node_at_mut(i).due_ms = None;
                need -= 1;
            }
        }
        for &i in &order {
            if need == 0 {
                break;
            }
            if self.nodes[i].phase == NodePhase::Available {
                let mut n = self.node_at_mut(i);
                n.phase = NodePhase::Abnormal;
                n.due_ms = None;
                need -= 1;
            }
        }
    }
}

fn matching(
    all: &[Fault],
    labels: &std::collections::BTreeMap<String, String>,
) -> Vec<ActiveFault> {
    let mut out: Vec<ActiveFault> = all
        .iter()
        .filter(|f| f.matches(labels))
        .map(|f| ActiveFault {
            id: f.id.clone(),
            effect: f.effect,
        })
        .collect();
    out.sort();
    out
}
