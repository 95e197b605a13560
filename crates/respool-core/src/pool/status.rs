//! `status` as the API shows it, derived from nodes and job types.

use std::collections::{BTreeMap, HashMap};

use respool_api_types::{
    AzCount, DriverState, FlavorCount, PoolDriverStatus, ScopeStatus, StatusResources,
};

use crate::flavors::{AcceleratorKind, Catalog};

use super::node_pools::pool_of;
use super::{FailureKind, PoolState};

pub(crate) const GPU_DRIVER_VERSION: &str = "535.54.03";
pub(crate) const NPU_DRIVER_VERSION: &str = "7.1.0.9.220-23.0.6";
pub(crate) const CREATION_FAILED: &str =
    "Failed to create the pool: the resources could not be provisioned.";
pub(crate) const SCALING_FAILED: &str =
    "Failed to scale the pool: the new nodes could not be provisioned.";

impl PoolState {
    pub(crate) fn refresh_status(&mut self) {
        let phase = self.phase();
        let resources = self.buckets();
        let scope = self
            .scopes
            .iter()
            .map(|s| ScopeStatus {
                scope_type: s.scope_type.clone(),
                state: s.state.as_str().into(),
            })
            .collect();
        let driver_state = self.driver_state();
        let message = self.failure.map(|f| match f.kind {
            FailureKind::Creation => CREATION_FAILED.to_owned(),
            FailureKind::Scaling => SCALING_FAILED.to_owned(),
        });
        let summary = self.node_summary();
        let upgrading = summary.upgrading();
        let upgraded = summary.driver_version.clone();
        let status = &mut self.pool.status;
        status.phase = phase.as_str().into();
        status.message = message;
        status.resources = resources;
        status.scope = scope;
        if let Some(d) = &mut status.driver {
            for s in [&mut d.gpu, &mut d.npu].into_iter().flatten() {
                s.state = if upgrading { "Upgrading" } else { driver_state }.into();
                // A pool has one accelerator kind; its nodes' driver is the pool's.
                if let Some(v) = &upgraded {
                    s.version = v.clone();
                }
            }
        }
    }

    /// Node counts per state and node pool, in spec order, with per-AZ
    /// counts, from the node summary.
    fn buckets(&self) -> StatusResources {
        let mut pools: Vec<(&str, &str)> = self
            .pool
            .spec
            .resources
            .iter()
            .map(|r| (pool_of(r), r.flavor.as_str()))
            .collect();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, (p, _)) in pools.iter().enumerate() {
            index.entry(*p).or_insert(i);
        }
        // Per node pool, per bucket (creating, available, abnormal, deleting): nodes per AZ.
        let mut counts: Vec<[BTreeMap<&str, i64>; 4]> = vec![Default::default(); pools.len()];
        let summary = self.node_summary();
        for g in &summary.groups {
            // Node pools the spec no longer names come after its own, by name.
            let i = *index.entry(&g.node_pool).or_insert_with(|| {
                pools.push((&g.node_pool, &g.flavor));
                counts.push(Default::default());
                pools.len() - 1
            });
            g.add_to(&mut counts[i]);
        }
        let bucket = |b: usize| -> Vec<FlavorCount> {
            pools
                .iter()
                .zip(&counts)
                .filter_map(|((p, f), c)| flavor_count(p, f, &c[b]))
                .collect()
        };
        StatusResources {
            creating: bucket(0),
            available: bucket(1),
            abnormal: bucket(2),
            deleting: bucket(3),
        }
    }

    /// A node pool's nodes per bucket (creating, available, abnormal,
    /// deleting) as `status.resources` objects; `None` where there are none.
    pub(crate) fn node_pool_buckets(
        &self,
        node_pool: &str,
        flavor: &str,
    ) -> [Option<FlavorCount>; 4] {
        let summary = self.node_summary();
        let mut counts: [BTreeMap<&str, i64>; 4] = Default::default();
        for g in summary.groups.iter().filter(|g| g.node_pool == node_pool) {
            g.add_to(&mut counts);
        }
        counts.map(|azs| flavor_count(node_pool, flavor, &azs))
    }

    /// GPU and NPU pools report their driver; it runs once the pool does.
    pub(crate) fn refresh_driver(&mut self, catalog: &Catalog) {
        let has = |kind: AcceleratorKind| {
            self.pool
                .spec
                .resources
                .iter()
                .any(|r| catalog.get(&r.flavor).is_some_and(|f| f.kind == kind))
        };
        let state = |version: &str| DriverState {
            version: version.into(),
            state: String::new(),
        };
        let gpu =
            has(AcceleratorKind::Gpu).then(|| state(&self.driver_default(AcceleratorKind::Gpu)));
        let npu =
            has(AcceleratorKind::Npu).then(|| state(&self.driver_default(AcceleratorKind::Npu)));
        self.pool.status.driver =
            (gpu.is_some() || npu.is_some()).then_some(PoolDriverStatus { gpu, npu });
    }

    /// Clients that wait for the driver stop at `Running` or `Abnormal`.
    fn driver_state(&self) -> &'static str {
        if self.became_running {
            "Running"
        } else if self.failure.is_some() {
            "Abnormal"
        } else {
            "Creating"
        }
    }
}

/// A status bucket entry; `None` when no node is in it.
fn flavor_count(node_pool: &str, flavor: &str, azs: &BTreeMap<&str, i64>) -> Option<FlavorCount> {
    let count: i64 = azs.values().sum();
    (count > 0).then(|| FlavorCount {
        flavor: flavor.into(),
        count,
        max_count: Some(count),
        azs: azs
            .iter()
            .map(|(az, count)| AzCount {
                az: (*az).into(),
                count: *count,
            })
            .collect(),
        node_pool: Some(node_pool.into()),
    })
}
