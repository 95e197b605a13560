//! Updating a pool with a JSON merge patch.

use std::collections::BTreeMap;

use respool_api_types::{keys, Pool, PoolResource};
use serde_json::Value;

use super::create::validate_spec;
use super::node_pools::{name_node_pools, pool_of};
use super::records::Operation;
use super::{Env, PoolPhase, PoolState};
use crate::merge_patch::merge_patch;
use crate::{validate, DomainError};

/// Labels the service owns; a patch may not change them.
const SYSTEM_LABELS: [&str; 7] = [
    keys::NAME,
    keys::ORDER_NAME,
    keys::RESOURCE_ID,
    keys::TENANT_PROJECT_ID,
    keys::TENANT_DOMAIN_ID,
    keys::REGION,
    keys::POOL_BIZ,
];

impl PoolState {
    /// Applies a merge patch (RFC 7386) to the pool's metadata and spec.
    /// `status` in the patch is ignored, as Kubernetes ignores it on the main resource.
    pub fn patch(&mut self, patch: &Value, env: &Env, now_ms: i64) -> Result<(), DomainError> {
        if !patch.is_object() {
            return Err(DomainError::invalid("the patch must be a JSON object"));
        }
        if self.deletion_ms.is_some() {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is being deleted and cannot be changed",
                self.name()
            )));
        }
        let mut current = self.pool.clone();
        current.status = Default::default();
        let mut doc = serde_json::to_value(&current).expect("a pool serializes");
        merge_patch(&mut doc, patch);
        let mut next: Pool = serde_path_to_error::deserialize(doc).map_err(|e| {
            DomainError::invalid(format!("invalid patch at {}: {}", e.path(), e.inner()))
        })?;
        next.status = self.pool.status.clone();
        name_node_pools(&mut next.spec);
        // A physical pool's elastic amount is its count. Clients send back a
        // stale maxCount with a new count (the Terraform provider sends the
        // one in its state, 0 when the pool showed none): they scale as asked.
        if next.spec.pool_type == "Dedicate" {
            for r in &mut next.spec.resources {
                if r.max_count.is_some_and(|m| m != r.count) {
                    r.max_count = Some(r.count);
                }
            }
        }

        check_immutable(&self.pool, &next)?;
        self.check_control_mode(&next)?;
        validate::labels_and_annotations(&next.metadata.labels, &next.metadata.annotations)?;
        if let Some(d) = next.metadata.annotations.get(keys::DESCRIPTION) {
            validate::description(d)?;
        }
        validate_spec(&next.spec, env)?;

        let old_ws = self.pool.metadata.labels.get(keys::WORKSPACE_ID);
        let new_ws = next.metadata.labels.get(keys::WORKSPACE_ID);
        if old_ws != new_ws {
            let mut same = next.clone();
            match old_ws {
                Some(w) => same
                    .metadata
                    .labels
                    .insert(keys::WORKSPACE_ID.into(), w.clone()),
                None => same.metadata.labels.remove(keys::WORKSPACE_ID),
            };
            if same != self.pool {
                return Err(DomainError::invalid(
                    "a workspace change cannot be combined with other changes",
                ));
            }
        }

        // The live API compares scopes as sets and resources by node pool:
        // sending them back in another order changes nothing.
        let scaling = !same_resources(&next.spec.resources, &self.pool.spec.resources)
            || !same_scope(&next.spec.scope, &self.pool.spec.scope);
        if scaling
            && !matches!(
                self.phase(),
                PoolPhase::Running | PoolPhase::Abnormal | PoolPhase::ScalingFailed
            )
        {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is {}: resources and job types can change only while it is Running",
                self.name(),
                self.phase().as_str()
            )));
        }
        let counts = |p: &Pool| -> BTreeMap<String, i64> {
            p.spec
                .resources
                .iter()
                .map(|r| (pool_of(r).to_owned(), r.count))
                .collect()
        };
        let resized = counts(&next) != counts(&self.pool);
        if resized {
            self.check_locked_scale_down(&next.spec.resources)?;
        }
        let (before, init) = (self.node_marks(), self.spec_counts());
        let drivers = self.driver_defaults();
        self.pool = next;
        if scaling {
            // A new attempt: the last failure no longer describes the pool.
            self.failure = None;
        }
        self.converge(env, now_ms);
        self.follow_driver_spec(drivers, env, now_ms);
        if resized {
            self.open_order(Operation::Modify, init, &before, now_ms);
        }
        self.record(now_ms, false);
        Ok(())
    }
}

fn same_scope(a: &[String], b: &[String]) -> bool {
    let set = |s: &[String]| s.iter().cloned().collect::<std::collections::BTreeSet<_>>();
    set(a) == set(b)
}

fn same_resources(a: &[PoolResource], b: &[PoolResource]) -> bool {
    let by_pool = |rs: &[PoolResource]| -> BTreeMap<String, PoolResource> {
        rs.iter()
            .map(|r| (pool_of(r).to_owned(), r.clone()))
            .collect()
    };
    a.len() == b.len() && by_pool(a) == by_pool(b)
}

fn check_immutable(old: &Pool, new: &Pool) -> Result<(), DomainError> {
    let immutable = |field: &str| DomainError::invalid(format!("{field} is immutable"));
    if new.api_version != old.api_version || new.kind != old.kind {
        return Err(immutable("apiVersion/kind"));
    }
    if new.metadata.name != old.metadata.name {
        return Err(immutable("metadata.name"));
    }
    if new.metadata.creation_timestamp != old.metadata.creation_timestamp {
        return Err(immutable("metadata.creationTimestamp"));
    }
    for key in SYSTEM_LABELS {
        if new.metadata.labels.get(key) != old.metadata.labels.get(key) {
            return Err(immutable(&format!("metadata.labels[{key}]")));
        }
    }
    if new.metadata.annotations.get(keys::BILLING_MODE)
        != old.metadata.annotations.get(keys::BILLING_MODE)
    {
        return Err(immutable(&format!(
            "metadata.annotations[{}]",
            keys::BILLING_MODE
        )));
    }
    if new.spec.pool_type != old.spec.pool_type {
        return Err(immutable("spec.type"));
    }
    if new.spec.network != old.spec.network {
        return Err(immutable("spec.network"));
    }
    if new.spec.extra != old.spec.extra {
        let key = new
            .spec
            .extra
            .keys()
            .chain(old.spec.extra.keys())
            .find(|k| new.spec.extra.get(*k) != old.spec.extra.get(*k))
            .cloned()
            .unwrap_or_default();
        return Err(immutable(&format!("spec.{key}")));
    }
    Ok(())
}
