//! The lifecycle as a state machine: random sequences of creates, payments,
//! scaling, label changes, node and pool deletions, node locks, reboots and
//! rolling resets, faults switched on and off, clock advances and restarts
//! (a JSON round trip, as the store does), applied the way the server
//! applies them. After every operation the invariants hold: among them, a
//! locked node is never deleted and a reset never has more nodes
//! unavailable than its `maxUnavailable`.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proptest::prelude::*;
use respool_api_types::Pool;
use respool_core::fault_rules::{Fault, FaultEffect};
use respool_core::flavors::Catalog;
use respool_core::pool::{
    Env, JobKind, JobPhase, NodePhase, PoolPhase, PoolState, Record, ResetPlan, Rolling,
    StepOutcome,
};
use respool_core::timing::TimingProfile;
use serde_json::json;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const FLAVORS: [&str; 2] = ["modelarts.vm.cpu.4ud", "modelarts.vm.cpu.8ud"];
const START: i64 = 1_700_000_000_000;

#[derive(Debug, Clone)]
enum Op {
    Create {
        slot: usize,
        count: i64,
        prepaid: bool,
        chaos: Option<&'static str>,
        timing: TimingProfile,
    },
    Pay(usize),
    Scale {
        slot: usize,
        counts: [i64; 2],
    },
    Label {
        slot: usize,
        chaos: Option<&'static str>,
    },
    DeleteNodes {
        slot: usize,
        picks: Vec<usize>,
    },
    DeletePool(usize),
    FaultOn {
        selector: &'static str,
        effect: FaultEffect,
    },
    FaultOff(usize),
    Lock {
        slot: usize,
        picks: Vec<usize>,
        locked: bool,
    },
    Reboot {
        slot: usize,
        picks: Vec<usize>,
    },
    Reset {
        slot: usize,
        picks: Vec<usize>,
        max_unavailable: u32,
    },
    Advance(i64),
    Restart,
}

const SLOTS: usize = 4;

fn effect() -> impl Strategy<Value = FaultEffect> {
    prop_oneof![
        Just(FaultEffect::CreationFails),
        (1u32..4).prop_map(|count| FaultEffect::NodesAbnormal { count }),
        Just(FaultEffect::ScalingFails),
        Just(FaultEffect::DeleteStuck),
        (1u32..3).prop_map(|count| FaultEffect::NodesFail { count }),
    ]
}

fn chaos() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![Just(None), Just(Some("a")), Just(Some("b"))]
}

fn op() -> impl Strategy<Value = Op> {
    let slot = 0..SLOTS;
    prop_oneof![
        3 => (slot.clone(), 1i64..4, prop::bool::weighted(0.2), chaos(), prop_oneof![
                Just(TimingProfile::Manual),
                Just(TimingProfile::Fast),
                Just(TimingProfile::Immediate),
            ])
            .prop_map(|(slot, count, prepaid, chaos, timing)| Op::Create { slot, count, prepaid, chaos, timing }),
        1 => slot.clone().prop_map(Op::Pay),
        3 => (slot.clone(), [0i64..5, 0i64..3]).prop_map(|(slot, counts)| Op::Scale { slot, counts }),
        1 => (slot.clone(), chaos()).prop_map(|(slot, chaos)| Op::Label { slot, chaos }),
        2 => (slot.clone(), prop::collection::vec(0usize..8, 1..4))
            .prop_map(|(slot, picks)| Op::DeleteNodes { slot, picks }),
        1 => slot.clone().prop_map(Op::DeletePool),
        2 => (prop_oneof![Just("chaos=a"), Just("chaos=b"), Just("")], effect())
            .prop_map(|(selector, effect)| Op::FaultOn { selector, effect }),
        2 => (0usize..4).prop_map(Op::FaultOff),
        5 => prop_oneof![
                Just(0i64),
                0i64..5_000,
                0i64..1_000_000,
                Just(3 * 24 * 3600 * 1000),
            ].prop_map(Op::Advance),
        2 => (slot.clone(), prop::collection::vec(0usize..8, 1..4), prop::bool::weighted(0.7))
            .prop_map(|(slot, picks, locked)| Op::Lock { slot, picks, locked }),
        1 => (slot.clone(), prop::collection::vec(0usize..8, 1..4))
            .prop_map(|(slot, picks)| Op::Reboot { slot, picks }),
        1 => (slot.clone(), prop::collection::vec(0usize..8, 1..5), 1u32..3)
            .prop_map(|(slot, picks, max_unavailable)| Op::Reset { slot, picks, max_unavailable }),
        1 => Just(Op::Restart),
    ]
}

/// Phase changes the live service can show, each possibly skipping
/// intermediate phases when stages take no time.
fn edges() -> HashMap<PoolPhase, Vec<PoolPhase>> {
    use PoolPhase::*;
    HashMap::from([
        (Waiting, vec![Creating, Deleting]),
        (Creating, vec![Running, Abnormal, CreationFailed, Deleting]),
        (Running, vec![Abnormal, ScalingFailed, Deleting]),
        (Abnormal, vec![Running, ScalingFailed, Deleting]),
        (ScalingFailed, vec![Running, Abnormal, Deleting]),
        (CreationFailed, vec![Deleting]),
        (Deleting, vec![]),
        (Error, vec![]),
    ])
}

fn reachable(from: PoolPhase, to: PoolPhase) -> bool {
    let edges = edges();
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(p) = stack.pop() {
        if p == to {
            return true;
        }
        if seen.insert(p.as_str()) {
            stack.extend(edges[&p].iter().copied());
        }
    }
    false
}

struct World {
    catalog: Catalog,
    now: i64,
    pools: Vec<Option<PoolState>>,
    last_phase: Vec<Option<PoolPhase>>,
    /// What each slot's pool has recorded (events, order changes), in order.
    logs: Vec<Vec<Record>>,
    /// Pools whose deletion finished, kept to check they stay gone.
    ghosts: Vec<PoolState>,
    faults: Vec<Fault>,
    /// Nodes locked against deletion, per slot, as of the last check.
    locked: Vec<BTreeSet<String>>,
}

/// The names of the picked nodes of a pool (a name it lacks when none is picked).
fn picked(p: &PoolState, picks: &[usize]) -> Vec<String> {
    let mut names: Vec<String> = picks
        .iter()
        .filter_map(|&i| p.nodes.get(i).map(|n| n.name.clone()))
        .collect();
    if names.is_empty() {
        names.push("os-node-created-nope0".into());
    }
    names
}

impl World {
    fn new() -> World {
        World {
            catalog: Catalog::builtin(),
            now: START,
            pools: vec![None; SLOTS],
            last_phase: vec![None; SLOTS],
            logs: vec![Vec::new(); SLOTS],
            ghosts: Vec::new(),
            faults: Vec::new(),
            locked: vec![BTreeSet::new(); SLOTS],
        }
    }

    fn env(&self) -> Env<'_> {
        common::env(&self.catalog, TimingProfile::Manual)
    }

    /// What the server's `modify_pool` does: catch up, change, take on the
    /// faults that match now, catch up again; a finished deletion removes it.
    fn modify(
        &mut self,
        slot: usize,
        change: impl FnOnce(&mut PoolState, &Env, i64) -> Result<(), String>,
    ) {
        let Some(mut pool) = self.pools[slot].take() else {
            return;
        };
        let now = self.now;
        if pool.step(now) == StepOutcome::Gone {
            self.bury(slot, pool);
            return;
        }
        let before = pool.clone();
        let catalog = Catalog::builtin();
        let env = common::env(&catalog, TimingProfile::Manual);
        if change(&mut pool, &env, now).is_err() {
            assert_eq!(pool, before, "a refused change leaves the pool alone");
        }
        pool.apply_faults(&self.faults, now);
        if pool.step(now) == StepOutcome::Gone {
            self.bury(slot, pool);
            return;
        }
        self.pools[slot] = Some(pool);
    }

    fn bury(&mut self, slot: usize, mut pool: PoolState) {
        self.locked[slot].clear();
        self.logs[slot].extend(pool.pending.take());
        check_records(&self.logs[slot], None);
        assert!(pool.orders.is_empty(), "a deleted pool ends all its orders");
        self.logs[slot].clear();
        if let Some(prev) = self.last_phase[slot] {
            assert!(
                reachable(prev, PoolPhase::Deleting) || prev == PoolPhase::CreationFailed,
                "{prev:?} cannot end"
            );
        }
        self.ghosts.push(pool);
        self.last_phase[slot] = None;
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Create {
                slot,
                count,
                prepaid,
                chaos,
                timing,
            } => {
                if self.pools[*slot].is_some() {
                    return;
                }
                let mut labels = json!({"os.modelarts/name": format!("pool-slot{slot}")});
                if let Some(c) = chaos {
                    labels["chaos"] = json!(c);
                }
                let mut annotations = json!({"respool.io/timing": timing.as_str()});
                if *prepaid {
                    annotations["os.modelarts/billing.mode"] = json!("1");
                }
                let body: Pool = serde_json::from_value(json!({
                    "metadata": {"labels": labels, "annotations": annotations},
                    "spec": {"type": "Dedicate", "scope": ["Train", "Infer"],
                             "resources": [{"flavor": FLAVORS[0], "count": count}],
                             "network": {"name": "n"}}
                }))
                .unwrap();
                let now = self.now;
                let mut pool = PoolState::create(PROJECT, body, &self.env(), now).unwrap();
                pool.apply_faults(&self.faults, now);
                self.logs[*slot].clear();
                if pool.step(now) == StepOutcome::Gone {
                    self.bury(*slot, pool);
                    return;
                }
                self.pools[*slot] = Some(pool);
            }
            Op::Pay(slot) => self.modify(*slot, |p, env, now| {
                p.pay(env, now).map_err(|e| e.to_string())
            }),
            Op::Scale { slot, counts } => {
                let resources: Vec<_> = FLAVORS
                    .iter()
                    .zip(counts)
                    .filter(|(_, c)| **c > 0)
                    .map(|(f, c)| json!({"flavor": f, "count": c}))
                    .collect();
                let patch = json!({"spec": {"resources": resources}});
                self.modify(*slot, |p, env, now| {
                    p.patch(&patch, env, now).map_err(|e| e.to_string())
                })
            }
            Op::Label { slot, chaos } => {
                let patch = json!({"metadata": {"labels": {"chaos": chaos}}});
                self.modify(*slot, |p, env, now| {
                    p.patch(&patch, env, now).map_err(|e| e.to_string())
                })
            }
            Op::DeleteNodes { slot, picks } => self.modify(*slot, |p, _, now| {
                let mut names: Vec<String> = picks
                    .iter()
                    .filter_map(|&i| p.nodes.get(i).map(|n| n.name.clone()))
                    .collect();
                if names.is_empty() {
                    names.push("os-node-created-nope0".into());
                }
                p.delete_nodes(&names, now)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
            Op::DeletePool(slot) => self.modify(*slot, |p, _, now| {
                if p.deletion_ms.is_none() {
                    p.delete(now);
                }
                Ok(())
            }),
            Op::FaultOn { selector, effect } => {
                self.faults
                    .push(Fault::new(selector, *effect, self.now).unwrap());
                self.spread();
            }
            Op::FaultOff(i) => {
                if *i < self.faults.len() {
                    self.faults.remove(*i);
                    self.spread();
                }
            }
            Op::Advance(ms) => {
                self.now += ms;
                for slot in 0..SLOTS {
                    if let Some(mut p) = self.pools[slot].take() {
                        match p.step(self.now) {
                            StepOutcome::Gone => self.bury(slot, p),
                            _ => self.pools[slot] = Some(p),
                        }
                    }
                }
            }
            Op::Lock {
                slot,
                picks,
                locked,
            } => {
                let locked = *locked;
                if !locked {
                    if let Some(p) = &self.pools[*slot] {
                        for n in picked(p, picks) {
                            self.locked[*slot].remove(&n);
                        }
                    }
                }
                self.modify(*slot, |p, _, _| {
                    let names = picked(p, picks);
                    p.set_delete_lock(&names, &["delete".into()], locked)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
            }
            Op::Reboot { slot, picks } => self.modify(*slot, |p, _, now| {
                let names = picked(p, picks);
                p.reboot_nodes(&names, now)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
            Op::Reset {
                slot,
                picks,
                max_unavailable,
            } => self.modify(*slot, |p, _, now| {
                let names = picked(p, picks);
                let plan = ResetPlan {
                    rolling: Rolling::ByNumber(*max_unavailable),
                    os: Some("EulerOS 2.10 64bit".into()),
                };
                p.reset_nodes(&names, &plan, now)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
            Op::Restart => {
                for p in self.pools.iter_mut().flatten() {
                    *p = reload(p);
                }
            }
        }
    }

    /// What the admin API does after a fault change: every outdated pool
    /// takes on its faults through `modify`.
    fn spread(&mut self) {
        for slot in 0..SLOTS {
            if self.pools[slot]
                .as_ref()
                .is_some_and(|p| p.faults_outdated(&self.faults))
            {
                self.modify(slot, |_, _, _| Ok(()));
            }
        }
    }

    fn check(&mut self) {
        for slot in 0..SLOTS {
            let Some(p) = &mut self.pools[slot] else {
                continue;
            };
            // What the store would write with the pool.
            self.logs[slot].extend(p.pending.take());
            let p = &*p;
            check_records(&self.logs[slot], Some(p));
            check_pool(p, self.now);
            check_locks_and_jobs(p, &self.locked[slot]);
            self.locked[slot] = p
                .nodes
                .iter()
                .filter(|n| n.extra.delete_locked)
                .map(|n| n.name.clone())
                .collect();
            let phase = p.phase();
            if let Some(prev) = self.last_phase[slot] {
                assert!(reachable(prev, phase), "illegal: {prev:?} -> {phase:?}");
            }
            self.last_phase[slot] = Some(phase);
            assert_eq!(&reload(p), p, "a restart loses nothing");
        }
        for g in &mut self.ghosts {
            assert_eq!(g.step(self.now), StepOutcome::Gone, "gone stays gone");
        }
    }
}

/// The store's round trip: the served document and the state, apart.
fn reload(p: &PoolState) -> PoolState {
    let doc = serde_json::to_string(&p.pool).unwrap();
    let state = serde_json::to_string(p).unwrap();
    let mut back: PoolState = serde_json::from_str(&state).unwrap();
    back.pool = serde_json::from_str(&doc).unwrap();
    back.project_id = p.project_id.clone();
    back.version = p.version;
    back
}

/// Events and orders tell the pool's story without gaps or repeats: each
/// change starts where the one before ended, the last ends where the pool is
/// (or, for a deleted pool, with no nodes), and an order that ended is never
/// written again.
fn check_records(log: &[Record], pool: Option<&PoolState>) {
    fn between<'a>(message: &'a str, from: &str, to: &str) -> (&'a str, &'a str) {
        let rest = &message[message.find(from).unwrap() + from.len()..];
        let (a, rest) = rest.split_once(" to ").unwrap();
        let b = rest.split([',', '.']).next().unwrap();
        let _ = to;
        (a, b)
    }
    let mut phase: Option<String> = None;
    let mut counts = "0/0/0/0".to_owned();
    let mut last_at = i64::MIN;
    let mut ended: BTreeSet<String> = BTreeSet::new();
    let mut latest: BTreeMap<String, respool_core::pool::PoolOrder> = BTreeMap::new();
    for r in log {
        match r {
            Record::Event { at_ms, event } => {
                assert!(*at_ms >= last_at, "events are recorded in time order");
                last_at = *at_ms;
                if event.reason == "PoolStatusChange" {
                    let (a, b) = between(&event.message, "from ", " to ");
                    assert_ne!(a, b, "{}", event.message);
                    if let Some(prev) = &phase {
                        assert_eq!(prev, a, "status changes chain: {}", event.message);
                    }
                    phase = Some(b.to_owned());
                } else {
                    let (a, b) = between(&event.message, "count from ", " to ");
                    assert_eq!(a, counts, "count changes chain: {}", event.message);
                    assert_ne!(a, b, "{}", event.message);
                    counts = b.to_owned();
                }
            }
            Record::Order(o) => {
                let name = &o.order.order_name;
                assert!(!ended.contains(name), "order {name} written after it ended");
                if matches!(o.order.phase.as_str(), "successed" | "failed") {
                    ended.insert(name.clone());
                    assert_eq!(
                        o.order.phase == "failed",
                        o.order.fail_reason.is_some(),
                        "failed orders say why"
                    );
                    assert!(o.items.iter().all(|i| i.status != "processing"));
                }
                latest.insert(name.clone(), o.clone());
            }
        }
    }
    let Some(p) = pool else {
        assert_eq!(counts, "0/0/0/0", "a deleted pool ends with no nodes");
        return;
    };
    if let Some(phase) = phase {
        assert_eq!(
            phase,
            p.phase().as_str(),
            "the last status event is the phase"
        );
    }
    let c = |ph: NodePhase| p.nodes.iter().filter(|n| n.phase == ph).count();
    let now = format!(
        "{}/{}/{}/{}",
        c(NodePhase::Available),
        c(NodePhase::Abnormal) + c(NodePhase::Checking),
        c(NodePhase::Creating),
        c(NodePhase::Deleting)
    );
    assert_eq!(counts, now, "the last count event is the nodes");
    for o in &p.orders {
        assert!(matches!(o.order.phase.as_str(), "pending" | "processing"));
        assert_eq!(
            latest.get(&o.order.order_name),
            Some(o),
            "open orders are written as they stand"
        );
    }
    if let Some(label) = p.pool.metadata.labels.get("os.modelarts/order.name") {
        assert!(
            latest.contains_key(label),
            "the order label names a written order"
        );
    }
}

/// A node locked at the last check is still there and not going, unless
/// the whole pool is (its deletion, or its creation failing, takes every
/// node); a rolling reset never has more nodes down than it allows.
fn check_locks_and_jobs(p: &PoolState, locked_before: &BTreeSet<String>) {
    let whole_pool_goes = p.deletion_ms.is_some() || p.phase() == PoolPhase::CreationFailed;
    if !whole_pool_goes {
        for name in locked_before {
            let n = p.node(name);
            assert!(
                n.is_some_and(|n| n.phase != NodePhase::Deleting),
                "locked node {name} was deleted"
            );
        }
    }
    for job in p.jobs.iter().filter(|j| j.phase == JobPhase::Running) {
        let down = job
            .nodes
            .iter()
            .filter(|n| p.node(n).is_some_and(|n| n.phase == NodePhase::Checking))
            .count();
        if job.kind == JobKind::Reset {
            assert!(
                down <= job.max_unavailable,
                "reset {} has {down} nodes down, more than {}",
                job.id,
                job.max_unavailable
            );
        }
    }
}

fn check_pool(p: &PoolState, now: i64) {
    // No node name twice.
    let names: BTreeSet<&str> = p.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names.len(), p.nodes.len(), "duplicate node names");

    // Buckets count the nodes, per phase, flavor and AZ.
    let status = &p.pool.status.resources;
    for (bucket, phases) in [
        (&status.creating, &[NodePhase::Creating][..]),
        (&status.available, &[NodePhase::Available][..]),
        // Rebooting and re-imaged nodes are not ready: they count as abnormal.
        (
            &status.abnormal,
            &[NodePhase::Abnormal, NodePhase::Checking][..],
        ),
        (&status.deleting, &[NodePhase::Deleting][..]),
    ] {
        let mut want: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for n in p.nodes.iter().filter(|n| phases.contains(&n.phase)) {
            *want.entry((n.flavor.as_str(), n.az.as_str())).or_default() += 1;
        }
        let mut got: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for f in bucket {
            assert!(f.count > 0, "empty entries are left out");
            assert_eq!(
                f.azs.iter().map(|a| a.count).sum::<i64>(),
                f.count,
                "azs add up"
            );
            for a in &f.azs {
                *got.entry((f.flavor.as_str(), a.az.as_str())).or_default() += a.count;
            }
        }
        assert_eq!(got, want, "{phases:?} bucket");
    }

    // The status shows the derived phase.
    assert_eq!(p.pool.status.phase, p.phase().as_str());

    // Nothing that is due is left undone.
    if let Some(due) = p.next_due() {
        assert!(due > now, "next_due {due} is not after now {now}");
    }

    // Where nodes follow the spec, they match it exactly.
    if matches!(
        p.phase(),
        PoolPhase::Creating | PoolPhase::Running | PoolPhase::Abnormal | PoolPhase::ScalingFailed
    ) {
        let mut live: BTreeMap<&str, i64> = BTreeMap::new();
        for n in p.nodes.iter().filter(|n| n.phase != NodePhase::Deleting) {
            *live.entry(n.flavor.as_str()).or_default() += 1;
        }
        let spec: BTreeMap<&str, i64> = p
            .pool
            .spec
            .resources
            .iter()
            .map(|r| (r.flavor.as_str(), r.count))
            .collect();
        assert_eq!(live, spec, "nodes follow the spec");
    }
    match p.phase() {
        PoolPhase::Waiting | PoolPhase::CreationFailed => {
            assert!(p.nodes.is_empty(), "no nodes without a running order")
        }
        PoolPhase::Abnormal => assert!(p.nodes.iter().any(|n| n.phase == NodePhase::Abnormal)),
        PoolPhase::Running | PoolPhase::ScalingFailed => {
            assert!(!p.nodes.iter().any(|n| n.phase == NodePhase::Abnormal))
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_through_any_sequence(ops in prop::collection::vec(op(), 1..60)) {
        let mut w = World::new();
        for op in &ops {
            w.apply(op);
            w.check();
        }
    }
}
