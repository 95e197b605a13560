//! A node view is encoded straight from its pool, not through
//! `respool_api_types::Node`: whatever a node carries, its encoding must be
//! exactly what that type encodes (the same fields, order, omissions and
//! sorted, unique keys), and what it shows must follow the node and its pool.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use respool_api_types::{Node as ApiNode, Pool};
use respool_core::flavors::Catalog;
use respool_core::pool::{NodePhase, PoolState, WorkloadSpec};
use respool_core::timing::TimingProfile;
use serde_json::json;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const START: i64 = 1_700_000_000_000;
const GPU: &str = "modelarts.bm.gpu.a100.8";
const CPU: &str = "modelarts.vm.cpu.8ud";
/// Label keys a node may carry: its own, one its node pool sets, ones the
/// service sets, and the two that change how it is shown.
const LABEL_KEYS: [&str; 6] = [
    "team",
    "os.modelarts.node/nodepool",
    "os.modelarts/resource.id",
    "zone",
    "os.modelarts.node/ha.redundant.effect",
    "os.modelarts.node/batch.uid",
];

#[derive(Debug, Clone)]
struct Extra {
    phase: u8,
    locked: bool,
    unschedulable: bool,
    os: Option<String>,
    labels: Vec<(usize, String)>,
    tags: Vec<(String, String)>,
    driver_version: Option<String>,
    upgrading: bool,
    workload_cpu_m: Option<u64>,
}

fn extra() -> impl Strategy<Value = Extra> {
    (
        (0u8..5, any::<bool>(), any::<bool>()),
        proptest::option::of("[a-zA-Z \"\\\\é/]{0,12}"),
        proptest::collection::vec((0usize..LABEL_KEYS.len(), "[a-z0-9\"<>]{0,6}"), 0..4),
        proptest::collection::vec(("[a-z]{1,4}", "[a-z0-9]{0,4}"), 0..3),
        (proptest::option::of("[0-9.]{1,6}"), any::<bool>()),
        proptest::option::of(1u64..4000),
    )
        .prop_map(
            |((phase, locked, unschedulable), os, labels, tags, (driver_version, upgrading), w)| {
                Extra {
                    phase,
                    locked,
                    unschedulable,
                    os,
                    labels,
                    tags,
                    driver_version,
                    upgrading,
                    workload_cpu_m: w,
                }
            },
        )
}

fn pool(catalog: &Catalog, billing: bool, network: bool) -> PoolState {
    let annotations = json!({"respool.io/timing": "manual"});
    let spec = json!({
        "type": "Dedicate", "scope": ["Train"], "network": {"name": "n"},
        "resources": [
            {"flavor": GPU, "count": 3, "nodePool": "gpus",
             "labels": {"team": "vision", "os.modelarts.node/nodepool": "spoofed"},
             "tags": [{"key": "cost", "value": "a"}, {"key": "app", "value": "b"}],
             "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}],
             "extendParams": {"dockerBaseSize": "50"},
             "os": {"name": "Ubuntu 22.04"}},
            {"flavor": CPU, "count": 3}
        ]
    });
    let body: Pool = serde_json::from_value(json!({
        "metadata": {"labels": {"os.modelarts/name": "view-pool"}, "annotations": annotations},
        "spec": spec,
    }))
    .unwrap();
    let env = common::env(catalog, TimingProfile::Manual);
    let mut pool = PoolState::create(PROJECT, body, &env, START).unwrap();
    pool.step(START + 3_600_000);
    if !network {
        // As a pool stored before pools named their network shows.
        pool.pool.spec.network = None;
    }
    if !billing {
        pool.pool
            .metadata
            .annotations
            .remove("os.modelarts/billing.mode");
    }
    pool
}

/// `doc` decoded as the API type and encoded again.
fn as_api_type(doc: &[u8]) -> (ApiNode, Vec<u8>) {
    let node: ApiNode = serde_json::from_slice(doc).unwrap();
    let again = serde_json::to_vec(&node).unwrap();
    (node, again)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_node_view_encodes_as_the_api_type(
        extras in proptest::collection::vec(extra(), 6),
        billing in any::<bool>(),
        network in any::<bool>(),
    ) {
        let catalog = Catalog::builtin();
        let mut pool = pool(&catalog, billing, network);
        let now = START + 3_600_000;
        prop_assert_eq!(pool.nodes.len(), 6);
        for (i, e) in extras.iter().enumerate() {
            if let Some(cpu) = e.workload_cpu_m {
                let spec = WorkloadSpec {
                    name: format!("w{i}"),
                    resources: [("cpu".to_string(), format!("{cpu}m"))].into_iter().collect(),
                    node_name: Some(pool.nodes[i].name.clone()),
                    ..Default::default()
                };
                pool.add_workload(spec, &catalog, now).unwrap();
            }
        }
        for (i, e) in extras.iter().enumerate() {
            let n = Arc::make_mut(&mut pool.nodes_mut()[i]);
            n.phase = [NodePhase::Creating, NodePhase::Available, NodePhase::Abnormal,
                       NodePhase::Deleting, NodePhase::Checking][e.phase as usize];
            n.extra.delete_locked = e.locked;
            n.extra.unschedulable = e.unschedulable;
            n.extra.os = e.os.clone();
            for (k, v) in &e.labels {
                n.extra.labels.insert(LABEL_KEYS[*k].to_owned(), v.clone());
            }
            n.extra.tags = e.tags.iter().cloned().collect();
            n.extra.driver_version = e.driver_version.clone();
            n.extra.driver_upgrade = e.upgrading.then(|| ("9.9".to_owned(), now + 1));
        }
        let mut views = pool.node_views(&catalog);
        for (n, e) in pool.nodes.iter().zip(&extras) {
            let doc = serde_json::to_vec(&views.view(n)).unwrap();
            let (shown, again) = as_api_type(&doc);
            prop_assert_eq!(String::from_utf8_lossy(&doc), String::from_utf8_lossy(&again));
            // sonic-rs, which encodes pages, writes the same bytes.
            prop_assert_eq!(&sonic_rs::to_vec(&views.view(n)).unwrap(), &doc);

            let labels = &shown.metadata.labels;
            let own = |key: &str| n.extra.labels.get(key).map(String::as_str);
            // The node's own labels win; the HA effect is an annotation instead.
            for (k, v) in &n.extra.labels {
                if k == "os.modelarts.node/ha.redundant.effect" {
                    prop_assert_eq!(shown.metadata.annotations.get(k), Some(v));
                    prop_assert!(!labels.contains_key(k));
                } else {
                    prop_assert_eq!(labels.get(k), Some(v));
                }
            }
            if own("os.modelarts.node/nodepool").is_none() {
                prop_assert_eq!(labels.get("os.modelarts.node/nodepool"), Some(&n.node_pool));
            }
            if own("os.modelarts.node/batch.uid").is_some() {
                prop_assert_eq!(labels.get("os.modelarts.node/batch.type").map(String::as_str), Some("hyperinstance"));
            }
            prop_assert!(labels.contains_key("os.modelarts.node/underlying.instance.id"));
            let lock = shown.metadata.annotations.get("os.modelarts/lock.actions").map(String::as_str);
            prop_assert_eq!(lock, e.locked.then_some("delete"));
            let billing_mode = shown.metadata.annotations.get("os.modelarts/billing.mode").map(String::as_str);
            prop_assert_eq!(billing_mode, billing.then_some("0"));
            prop_assert_eq!(shown.spec.host_network.is_some(), network);
            prop_assert_eq!(shown.spec.unschedulable, e.unschedulable);
            prop_assert_eq!(&shown.status.phase, n.phase.as_str());
            let gpu = n.flavor == GPU;
            prop_assert_eq!(shown.spec.taints.len(), usize::from(gpu));
            let default_os = if gpu { "Ubuntu 22.04" } else { "EulerOS 2.9 64bit" };
            prop_assert_eq!(&shown.spec.os.as_ref().unwrap().name, e.os.as_deref().unwrap_or(default_os));
            prop_assert_eq!(shown.status.driver.is_some(), gpu);
            if let Some(d) = &shown.status.driver {
                let phase = match (n.phase, e.upgrading) {
                    (NodePhase::Creating, _) => "Pending",
                    (_, true) => "Upgrading",
                    _ => "Running",
                };
                prop_assert_eq!(&d.phase, phase);
                if let Some(v) = &e.driver_version {
                    prop_assert_eq!(&d.version, v);
                }
            }
            let tags: Vec<BTreeMap<String, String>> = shown
                .metadata
                .annotations
                .get("os.modelarts/tms.tags")
                .map(|t| serde_json::from_str(t).unwrap())
                .unwrap_or_default();
            let mut want: BTreeMap<String, String> = if gpu {
                [("app", "b"), ("cost", "a")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
            } else {
                BTreeMap::new()
            };
            want.extend(n.extra.tags.clone());
            let got: BTreeMap<String, String> =
                tags.iter().map(|t| (t["key"].clone(), t["value"].clone())).collect();
            prop_assert_eq!(got, want);
            let free = respool_core::pool::amounts_of(&shown.status.available_resources);
            let mut expect = pool.node_capacity(n, Some(&catalog));
            for (k, v) in pool.node_allocated(n) {
                let f = expect.get_mut(&k).unwrap();
                *f = f.saturating_sub(v);
            }
            prop_assert_eq!(free, expect);
        }
        // A list encodes as an array of the same views.
        let docs: Vec<serde_json::Value> = pool
            .nodes
            .iter()
            .map(|n| serde_json::to_value(pool.node_views(&catalog).view(n)).unwrap())
            .collect();
        let list = pool.node_views(&catalog).list(pool.nodes.iter().map(|n| &**n));
        prop_assert_eq!(list.len(), 6);
        prop_assert_eq!(serde_json::to_value(&list).unwrap(), serde_json::Value::Array(docs));
    }
}
