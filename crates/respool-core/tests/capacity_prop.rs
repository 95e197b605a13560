//! The capacity arithmetic as properties: random workloads, deletions,
//! scales, clock advances and restarts (a JSON round trip) on one pool never
//! allocate more than a node offers, a node's `availableResources` is its
//! allocatable less what its workloads hold, and a queued workload fits on
//! no node that could take it. Quota checks never go negative and address
//! counts follow the CIDR.

mod common;

use proptest::prelude::*;
use respool_api_types::Pool;
use respool_core::capacity::{allows, remaining, usable_ips, UNLIMITED};
use respool_core::flavors::Catalog;
use respool_core::pool::{
    amounts_of, consumes, fits, Amounts, NodePhase, PoolState, StepOutcome, WorkloadSpec,
};
use respool_core::timing::TimingProfile;
use serde_json::json;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const START: i64 = 1_700_000_000_000;

#[derive(Debug, Clone)]
enum Op {
    Add {
        cpu_m: u64,
        mem_mi: u64,
        run_s: Option<u32>,
        pending_s: u32,
        pin: Option<usize>,
    },
    Delete(usize),
    Scale(i64),
    Advance(u32),
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..5000, 0u64..20000, proptest::option::of(0u32..2000), 0u32..300,
              proptest::option::weighted(0.2, 0usize..4))
            .prop_map(|(cpu_m, mem_mi, run_s, pending_s, pin)| Op::Add { cpu_m, mem_mi, run_s, pending_s, pin }),
        1 => (0usize..20).prop_map(Op::Delete),
        1 => (1i64..5).prop_map(Op::Scale),
        2 => (0u32..1500).prop_map(Op::Advance),
        1 => Just(Op::Restart),
    ]
}

fn check(pool: &PoolState, catalog: &Catalog, now: i64) {
    for n in pool.nodes.iter() {
        let cap = pool.node_capacity(n, Some(catalog));
        let used = pool.node_allocated(n);
        for (k, v) in &used {
            assert!(
                cap.get(k).is_some_and(|c| v <= c),
                "node {} holds {v} {k} of {:?}",
                n.name,
                cap.get(k)
            );
        }
        let doc = serde_json::to_vec(&pool.node_views(catalog).view(n)).unwrap();
        let view: respool_api_types::Node = serde_json::from_slice(&doc).unwrap();
        let shown = amounts_of(&view.status.available_resources);
        let mut expect: Amounts = cap.clone();
        for (k, v) in &used {
            *expect.get_mut(k).unwrap() -= v;
        }
        assert_eq!(shown, expect, "availableResources of {}", n.name);
    }
    for w in &pool.workloads {
        if consumes(w) {
            let node = &w.placed.as_ref().unwrap().node;
            assert!(
                pool.node(node).is_some(),
                "{} runs on a node that is gone",
                w.name
            );
        }
        let queued = w.placed.is_none() && w.finished.is_none();
        if queued {
            for n in pool.nodes.iter() {
                let open = n.phase == NodePhase::Available && !n.extra.unschedulable;
                let allowed = w.node_name.as_ref().is_none_or(|p| *p == n.name);
                if open && allowed {
                    assert!(
                        !fits(&w.requests, &pool.node_free(n, Some(catalog))),
                        "{} waits although it fits on {} at {now}",
                        w.name,
                        n.name
                    );
                }
            }
        }
    }
    let m = pool.runtime_metrics(catalog, now);
    let alloc = amounts_of(&m.table.allocated.value);
    let all = amounts_of(&m.table.capacity.all_value);
    for (k, v) in &alloc {
        assert!(
            all.get(k).is_some_and(|c| v <= c),
            "allocated {v} {k} over capacity"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn allocations_never_exceed_capacity(count in 1i64..4, ops in proptest::collection::vec(op(), 1..40)) {
        let catalog = Catalog::builtin();
        let body: Pool = serde_json::from_value(json!({
            "metadata": {"labels": {"os.modelarts/name": "prop-pool"},
                         "annotations": {"respool.io/timing": "manual"}},
            "spec": {"type": "Dedicate", "scope": ["Train"],
                     "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": count}],
                     "network": {"name": "n"}}
        })).unwrap();
        let mut now = START;
        let mut pool = PoolState::create(PROJECT, body, &common::env(&catalog, TimingProfile::Manual), now).unwrap();
        pool.step(now + 3_600_000);
        now += 3_600_000;
        let mut seq = 0;
        for op in ops {
            match op {
                Op::Add { cpu_m, mem_mi, run_s, pending_s, pin } => {
                    seq += 1;
                    let node_name = pin.and_then(|i| pool.nodes.get(i)).map(|n| n.name.clone());
                    let spec = WorkloadSpec {
                        name: format!("w{seq}"),
                        resources: [("cpu".to_string(), format!("{cpu_m}m")), ("memory".to_string(), format!("{mem_mi}Mi"))]
                            .into_iter().collect(),
                        running_seconds: run_s.map(f64::from),
                        pending_seconds: Some(f64::from(pending_s)),
                        node_name,
                        ..Default::default()
                    };
                    let _ = pool.add_workload(spec, &catalog, now);
                }
                Op::Delete(i) => {
                    if let Some(name) = pool.workloads.get(i).map(|w| w.name.clone()) {
                        pool.delete_workload(&name, &catalog, now);
                    }
                }
                Op::Scale(n) => {
                    let _ = pool.patch(&json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": n}]}}), &common::env(&catalog, TimingProfile::Manual), now);
                }
                Op::Advance(s) => {
                    now += i64::from(s) * 1000;
                    if pool.step(now) == StepOutcome::Gone {
                        return Ok(());
                    }
                }
                Op::Restart => {
                    let doc = serde_json::to_string(&pool).unwrap();
                    let mut back: PoolState = serde_json::from_str(&doc).unwrap();
                    back.pool = pool.pool.clone();
                    back.project_id = pool.project_id.clone();
                    prop_assert_eq!(&back.workloads, &pool.workloads);
                    pool = back;
                }
            }
            check(&pool, &catalog, now);
        }
    }

    #[test]
    fn quota_checks_never_go_negative(limit in -1i64..50, others in 0u64..80, before in 0u64..40, after in 0u64..40) {
        let ok = allows(limit, others, before, after);
        if limit == UNLIMITED {
            prop_assert!(ok);
            prop_assert!(remaining(limit, others).is_none());
        } else {
            let left = remaining(limit, others).unwrap();
            prop_assert!(left <= limit as u64);
            prop_assert_eq!(left, (limit as u64).saturating_sub(others));
            prop_assert_eq!(ok, after <= before || others + after <= limit as u64);
        }
    }

    #[test]
    fn addresses_follow_the_cidr(prefix in 16u32..=24, third in 0u32..256, held in proptest::collection::vec(0u64..100, 0..8)) {
        let base = if prefix <= 16 { 0 } else { third & (0xff << (24 - prefix)) & 0xff };
        let cidr = format!("192.168.{base}.0/{prefix}");
        let total = usable_ips(&cidr);
        prop_assert_eq!(total, (1u64 << (32 - prefix)) - 3);
        let used: u64 = held.iter().sum();
        // What a pre-flight lets one more pool take is exactly what is left.
        let left = total.saturating_sub(used);
        prop_assert!(allows(total as i64, used, 0, left) || used > total);
        prop_assert!(!allows(total as i64, used, 0, left + 1));
    }
}
