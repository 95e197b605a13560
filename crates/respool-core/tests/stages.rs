//! Golden fixtures for the lifecycle stages: for each stage in
//! [`STAGES`], `tests/stages/<stage>.json` holds a pool just before the
//! stage is due, the instant, and the pool after that one stage alone ran.
//! The test runs the stage on the stored input and compares with the
//! stored output. `RESPOOL_BLESS=1` rebuilds the fixtures from the
//! scenarios below (new inputs, new outputs); review the diff.

mod common;

use std::path::PathBuf;

use respool_api_types::Pool;
use respool_core::fault_rules::{Fault, FaultEffect};
use respool_core::flavors::Catalog;
use respool_core::pool::ActiveFault;
use respool_core::pool::{
    Flow, MaintenanceNotice, NodePhase, PoolState, StepOutcome, WorkloadSpec, STAGES,
};
use respool_core::timing::TimingProfile;
use serde_json::{json, Value};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const START: i64 = 1_700_000_000_000;
const CREATE: i64 = 12 * 60 * 1000;

/// A pool of `count` nodes, created at [`START`], not stepped.
fn created(catalog: &Catalog, flavor: &str, count: i64) -> PoolState {
    let body: Pool = serde_json::from_value(json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": "stage"}},
        "spec": {"type": "Dedicate", "scope": ["Train"],
                 "resources": [{"flavor": flavor, "count": count}],
                 "network": {"name": "n"}}
    }))
    .unwrap();
    PoolState::create(
        PROJECT,
        body,
        &common::env(catalog, TimingProfile::Manual),
        START,
    )
    .unwrap()
}

/// A pool of `count` CPU nodes, every stage of its creation over.
fn running(catalog: &Catalog, count: i64) -> (PoolState, i64) {
    let mut p = created(catalog, "modelarts.vm.cpu.8ud", count);
    let now = START + CREATE + 3600 * 1000;
    assert_eq!(p.step(now), StepOutcome::Changed);
    assert!(p.next_due().is_none(), "a running pool has nothing due");
    (p, now)
}

fn with_faults(p: &mut PoolState, effect: FaultEffect, now: i64) {
    let fault = Fault::new("", effect, now).unwrap();
    p.apply_faults(&[fault], now);
}

/// The pool just before the stage, and the instant it is due.
fn scenario(stage: &str) -> (PoolState, i64) {
    let catalog = Catalog::builtin();
    let due = |p: &PoolState| p.next_due().expect("something is due");
    match stage {
        "node-deleted" => {
            let (mut p, now) = running(&catalog, 2);
            p.delete(now);
            let t = due(&p);
            (p, t)
        }
        "pool-gone" => {
            // The nodes are gone; the pool's own deletion ends later.
            let (mut p, now) = running(&catalog, 2);
            p.delete(now);
            let nodes_gone = due(&p);
            p.step(nodes_gone);
            let t = due(&p);
            (p, t)
        }
        "node-created" => {
            let mut p = created(&catalog, "modelarts.vm.cpu.8ud", 3);
            with_faults(&mut p, FaultEffect::NodesFail { count: 1 }, START);
            let t = due(&p);
            (p, t)
        }
        "node-available" => {
            let (mut p, now) = running(&catalog, 2);
            let name = p.nodes[0].name.clone();
            p.reboot_nodes(&[name], now).unwrap();
            let t = due(&p);
            (p, t)
        }
        "driver-upgraded" => {
            let (mut p, now) = running(&catalog, 2);
            std::sync::Arc::make_mut(&mut p.nodes_mut()[1])
                .extra
                .driver_upgrade = Some(("2.1.0".into(), now + 60_000));
            (p, now + 60_000)
        }
        "jobs" => {
            let (mut p, now) = running(&catalog, 2);
            let names: Vec<String> = p.nodes.iter().map(|n| n.name.clone()).collect();
            p.reboot_nodes(&names, now).unwrap();
            // The rebooted nodes are back; the job sees that next.
            let t = due(&p);
            p.apply_stage("node-available", t).unwrap();
            (p, t)
        }
        "maintenances" => {
            let (mut p, now) = running(&catalog, 2);
            let notice: MaintenanceNotice = serde_json::from_value(json!({
                "type": "HostMaintenance", "nodes": 1, "acceptWithinSeconds": 60
            }))
            .unwrap();
            p.announce_maintenance(&notice, now);
            let t = due(&p);
            (p, t)
        }
        "plugins" => {
            let (mut p, now) = running(&catalog, 2);
            let template =
                serde_json::from_value(json!({"name": "kube-prometheus-stack"})).unwrap();
            p.install_plugin(
                &template,
                &common::env(&catalog, TimingProfile::Manual),
                now,
            )
            .unwrap();
            let t = due(&p);
            (p, t)
        }
        "workloads" => {
            let (mut p, now) = running(&catalog, 1);
            let spec: WorkloadSpec = serde_json::from_value(json!({
                "name": "train-1", "resources": {"cpu": "1"}, "runningSeconds": 30
            }))
            .unwrap();
            p.add_workload(spec, &catalog, now).unwrap();
            let t = due(&p);
            (p, t)
        }
        "scopes" => {
            let mut p = created(&catalog, "modelarts.vm.cpu.8ud", 1);
            p.step(START + CREATE);
            let t = due(&p);
            (p, t)
        }
        "pool-running" => {
            let mut p = created(&catalog, "modelarts.vm.cpu.8ud", 2);
            let t = due(&p);
            p.apply_stage("node-available", t).unwrap();
            (p, t)
        }
        "faults-settled" => {
            // A nodes-abnormal fault the pool has taken on but that has not acted yet.
            let (mut p, now) = running(&catalog, 3);
            p.faults = vec![ActiveFault {
                id: "f1".into(),
                effect: FaultEffect::NodesAbnormal { count: 2 },
            }];
            (p, now + 1)
        }
        "empty-pool-deleted" => {
            let (mut p, now) = running(&catalog, 1);
            p.nodes_mut().retain(|n| n.phase == NodePhase::Creating);
            (p, now + 1)
        }
        other => panic!("stage {other:?} has no scenario: add one"),
    }
}

fn snapshot(p: &PoolState) -> Value {
    json!({"pool": p.pool, "state": p})
}

fn restore(v: &Value) -> PoolState {
    let mut p: PoolState = serde_json::from_value(v["state"].clone()).unwrap();
    p.pool = serde_json::from_value(v["pool"].clone()).unwrap();
    p.project_id = PROJECT.into();
    p
}

fn fixture(stage: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/stages")
        .join(format!("{stage}.json"))
}

fn run(stage: &str, before: &Value, t: i64) -> Value {
    let mut p = restore(before);
    let flow = p.apply_stage(stage, t).expect("the stage exists");
    let mut after = snapshot(&p);
    after["flow"] = json!(match flow {
        Flow::Next => "next",
        Flow::Stop => "stop",
    });
    after
}

#[test]
fn every_stage_matches_its_golden_fixture() {
    let bless = std::env::var_os("RESPOOL_BLESS").is_some();
    let mut failed = Vec::new();
    for stage in STAGES {
        let path = fixture(stage.name);
        if bless {
            let (p, t) = scenario(stage.name);
            let before = snapshot(&p);
            let after = run(stage.name, &before, t);
            assert!(
                before["state"] != after["state"] || after["flow"] == "stop",
                "{}: the scenario must give the stage something to do",
                stage.name
            );
            let doc = json!({"stage": stage.name, "what": stage.what, "t": t, "before": before, "after": after});
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing: run with RESPOOL_BLESS=1", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        let t = doc["t"].as_i64().unwrap();
        let got = run(stage.name, &doc["before"], t);
        if got != doc["after"] {
            failed.push(stage.name);
        }
    }
    assert!(
        failed.is_empty(),
        "stages whose output changed: {failed:?} (RESPOOL_BLESS=1 refreshes, then review the diff)"
    );
}

#[test]
fn every_fixture_names_a_stage() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/stages");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stage = name.trim_end_matches(".json");
        assert!(
            STAGES.iter().any(|s| s.name == stage),
            "{name} names no stage"
        );
    }
}
