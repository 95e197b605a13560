//! Workloads, their statistics and a pool's runtime metrics as the API shows them.

use std::collections::BTreeMap;

use respool_api_types as api;

use super::workloads::{add, consumes, quantities, status_of, Amounts, Workload};
use super::{NodePhase, PoolState, WORKLOAD_STATUSES, WORKLOAD_TYPES};
use crate::flavors::Catalog;

pub const WORKLOAD_KIND: &str = "Workload";
pub const WORKLOAD_LIST_KIND: &str = "WorkloadList";
pub const METRICS_LIST_KIND: &str = "PoolMetricsList";

/// The Kubernetes object behind each job type.
fn gvk(kind: &str) -> &'static str {
    match kind {
        "train" => "batch.volcano.sh/v1alpha1, Kind=Job",
        "notebook" => "apps/v1, Kind=StatefulSet",
        _ => "apps/v1, Kind=Deployment",
    }
}

/// Filters of `list_workloads`.
#[derive(Debug, Default)]
pub struct WorkloadFilter<'a> {
    pub host_ips: Vec<&'a str>,
    pub kind: Option<&'a str>,
    pub status: Option<&'a str>,
    /// `create_time` order: ascending when true; newest first otherwise.
    pub ascend: bool,
}

impl PoolState {
    pub fn workload_view(&self, w: &Workload, now: i64) -> api::Workload {
        let status = status_of(w, now).to_owned();
        let host = self.workload_host(w);
        let requirement = quantities(&w.requests);
        let running = self.workload_running_ms(w, now);
        let started = w
            .placed
            .as_ref()
            .map(|p| p.at_ms + w.pending_ms)
            .filter(|s| *s <= now);
        // Time waited: from creation until it first ran (or until now).
        let waited = match started {
            Some(s) => (s - w.created_ms - w.ran_ms).max(0),
            None if w.finished.is_some() => 0,
            None => (now - w.created_ms - w.ran_ms).max(0),
        };
        api::Workload {
            api_version: "v1".into(),
            kind: WORKLOAD_KIND.into(),
            workload_type: w.kind.clone(),
            namespace: "default".into(),
            name: w.name.clone(),
            job_name: w.job_name.clone(),
            uid: w.uid.clone(),
            job_uuid: w.uid.clone(),
            flavor: w.flavor.clone(),
            status,
            user_name: w.user_name.clone(),
            resource_requirement: requirement.clone(),
            priority: w.priority.clone(),
            running_duration: running / 1000,
            pending_duration: waited / 1000,
            pending_position: self.queue_position(w) as i64,
            create_time: w.created_ms,
            gvk: gvk(&w.kind).into(),
            host_ips: host.map(|n| n.private_ip.clone()).unwrap_or_default(),
            nodes: host
                .map(|n| api::WorkloadNode {
                    host_ip: n.private_ip.clone(),
                    npu_topology_placement: None,
                    resource_requirement: requirement.clone(),
                })
                .into_iter()
                .collect(),
        }
    }

    /// The workloads that pass `f`, sorted by creation time.
    pub fn workload_list(&self, f: &WorkloadFilter, now: i64) -> Vec<api::Workload> {
        let mut items: Vec<&Workload> = self
            .workloads
            .iter()
            .filter(|w| f.kind.is_none_or(|k| w.kind == k))
            .filter(|w| f.status.is_none_or(|s| status_of(w, now) == s))
            .filter(|w| {
                f.host_ips.is_empty()
                    || self
                        .workload_host(w)
                        .is_some_and(|n| f.host_ips.contains(&n.private_ip.as_str()))
            })
            .collect();
        items.sort_by(|a, b| (a.created_ms, &a.name).cmp(&(b.created_ms, &b.name)));
        if !f.ascend {
            items.reverse();
        }
        items.iter().map(|w| self.workload_view(w, now)).collect()
    }

    pub fn workload_statistics(&self, now: i64) -> api::WorkloadStatistics {
        let items: Vec<api::WorkloadTypeStatistics> = WORKLOAD_TYPES
            .iter()
            .map(|t| {
                let mut status: BTreeMap<String, i64> = WORKLOAD_STATUSES
                    .iter()
                    .map(|s| (s.to_string(), 0))
                    .collect();
                let mut total = 0;
                for w in self.workloads.iter().filter(|w| w.kind == *t) {
                    *status.entry(status_of(w, now).to_owned()).or_default() += 1;
                    total += 1;
                }
                api::WorkloadTypeStatistics {
                    workload_type: t.to_string(),
                    total,
                    status,
                }
            })
            .collect();
        api::WorkloadStatistics {
            statistics: api::WorkloadStatisticsBody {
                total: items.iter().map(|i| i.total).sum(),
                items,
            },
        }
    }

    /// The pool's allocation as runtime metrics: what its workloads hold,
    /// what its ready nodes offer, and what is left.
    pub fn runtime_metrics(&self, catalog: &Catalog, now: i64) -> api::PoolMetricsItem {
        let timestamp = crate::time::rfc3339(now);
        let mut capacity = Amounts::new();
        let mut max_node = Amounts::new();
        let mut all = Amounts::new();
        let mut all_max = Amounts::new();
        let mut allocated = Amounts::new();
        let mut available = Amounts::new();
        let mut max_free = Amounts::new();
        let widest = |into: &mut Amounts, a: &Amounts| {
            for (k, v) in a {
                let e = into.entry(k.clone()).or_default();
                *e = (*e).max(*v);
            }
        };
        for n in self.nodes.iter() {
            let cap = self.node_capacity(n, Some(catalog));
            add(&mut all, &cap);
            widest(&mut all_max, &cap);
            add(&mut allocated, &self.node_allocated(n));
            if n.phase == NodePhase::Available {
                let free = self.node_free(n, Some(catalog));
                add(&mut capacity, &cap);
                widest(&mut max_node, &cap);
                add(&mut available, &free);
                widest(&mut max_free, &free);
            }
        }
        let counts = |pred: &dyn Fn(&Workload) -> bool| {
            let mut c = api::WorkloadCounts::default();
            for w in self.workloads.iter().filter(|w| pred(w)) {
                match w.kind.as_str() {
                    "train" => c.train += 1,
                    "infer" => c.infer += 1,
                    "notebook" => c.notebook += 1,
                    _ => c.x_infer += 1,
                }
                c.sum += 1;
            }
            c
        };
        let running = counts(&|w| consumes(w));
        let queued = counts(&|w| w.placed.is_none() && w.finished.is_none());
        let window = "1m".to_string();
        let mut labels = BTreeMap::new();
        labels.insert(
            respool_api_types::keys::NAME.to_owned(),
            self.display_name().to_owned(),
        );
        labels.insert(
            respool_api_types::keys::WORKSPACE_ID.to_owned(),
            self.workspace_id().to_owned(),
        );
        api::PoolMetricsItem {
            metadata: api::MetricsMetadata {
                name: self.name().to_owned(),
                labels,
            },
            table: api::MetricsTable {
                allocated: api::MetricsAllocated {
                    value: quantities(&allocated),
                    timestamp: timestamp.clone(),
                    window: window.clone(),
                },
                capacity: api::MetricsCapacity {
                    value: quantities(&capacity),
                    max_value: quantities(&max_node),
                    all_value: quantities(&all),
                    all_max_value: quantities(&all_max),
                    timestamp: timestamp.clone(),
                    window: window.clone(),
                },
                available: api::MetricsAvailable {
                    value: quantities(&available),
                    max_value: quantities(&max_free),
                    timestamp: timestamp.clone(),
                    window: window.clone(),
                },
                workload: api::MetricsWorkload {
                    allocated: running,
                    queue: queued,
                    timestamp,
                    window,
                },
            },
        }
    }
}
