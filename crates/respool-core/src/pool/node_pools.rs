//! Node pools. Each entry of `spec.resources` is one, named by its
//! `nodePool` (`<flavor>-default` when the request names none, as the live
//! service names it), so one flavor may appear in several. A node pool call
//! is a pool patch of its entry: it scales exactly as a pool PATCH does,
//! with the same checks, orders, events and phases.

use respool_api_types as api;
use respool_api_types::{keys, PoolResource, PoolSpec};
use serde_json::{json, Value};

use super::{Env, PoolState, API_VERSION};
use crate::merge_patch::merge_patch;
use crate::{validate, DomainError};

pub const NODE_POOL_KIND: &str = "NodePool";
pub const NODE_POOL_LIST_KIND: &str = "NodePoolList";
const DEFAULT_SUFFIX: &str = "-default";
const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// The node pool of an entry that names none.
pub fn default_node_pool(flavor: &str) -> String {
    format!("{flavor}{DEFAULT_SUFFIX}")
}

/// The node pool an entry names; every stored entry names one.
pub(crate) fn pool_of(r: &PoolResource) -> &str {
    r.node_pool.as_deref().unwrap_or_default()
}

/// Names the node pool of every entry that names none (an empty name too).
pub(crate) fn name_node_pools(spec: &mut PoolSpec) {
    for r in &mut spec.resources {
        if r.node_pool.as_deref().is_none_or(str::is_empty) {
            r.node_pool = Some(default_node_pool(&r.flavor));
        }
    }
}

/// A name a user chose: 2-50 lowercase letters, digits and `-`, starting
/// with a letter, ending with neither `-` nor `-default`.
fn check_name(name: &str) -> Result<(), DomainError> {
    let bad = |why: &str| DomainError::invalid(format!("invalid nodepool name {name:?}: {why}"));
    if !(2..=50).contains(&name.len()) {
        return Err(bad("use 2 to 50 characters"));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(bad("start with a lowercase letter"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad("use lowercase letters, digits and '-'"));
    }
    if name.ends_with('-') || name.ends_with(DEFAULT_SUFFIX) {
        return Err(bad("it must not end with '-' or '-default'"));
    }
    Ok(())
}

/// The node-pool rules of `spec.resources`: each names a valid node pool,
/// none twice, and its taints and labels are well formed.
pub(crate) fn validate_node_pools(spec: &PoolSpec) -> Result<(), DomainError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in spec.resources.iter().enumerate() {
        let name = pool_of(r);
        if name != default_node_pool(&r.flavor) {
            check_name(name)?;
        }
        if !seen.insert(name) {
            return Err(DomainError::invalid(format!(
                "spec.resources[{i}].nodePool {name:?} appears twice"
            )));
        }
        validate_entry(i, r)?;
    }
    Ok(())
}

fn validate_entry(i: usize, r: &PoolResource) -> Result<(), DomainError> {
    if let Some(taints) = r.extra.get("taints") {
        let Some(taints) = taints.as_array() else {
            return Err(DomainError::invalid(format!(
                "spec.resources[{i}].taints must be an array"
            )));
        };
        for (j, t) in taints.iter().enumerate() {
            let key = t.get("key").and_then(Value::as_str).unwrap_or_default();
            let effect = t.get("effect").and_then(Value::as_str).unwrap_or_default();
            if key.is_empty() {
                return Err(DomainError::invalid(format!(
                    "spec.resources[{i}].taints[{j}].key is required"
                )));
            }
            if !TAINT_EFFECTS.contains(&effect) {
                return Err(DomainError::invalid(format!(
                    "spec.resources[{i}].taints[{j}].effect {effect:?}: use NoSchedule, PreferNoSchedule or NoExecute"
                )));
            }
        }
    }
    if let Some(tags) = r.extra.get("tags") {
        let tags: Vec<api::NodeTag> = serde_json::from_value(tags.clone()).map_err(|_| {
            DomainError::invalid(format!(
                "spec.resources[{i}].tags must be an array of {{key, value}}"
            ))
        })?;
        for (j, t) in tags.iter().enumerate() {
            if t.key.is_empty()
                || t.key.starts_with("CCE-")
                || t.key.starts_with("__type_baremetal")
            {
                return Err(DomainError::invalid(format!(
                    "spec.resources[{i}].tags[{j}].key {:?}: a key is required and must not start with CCE- or __type_baremetal",
                    t.key
                )));
            }
        }
    }
    if let Some(labels) = r.extra.get("labels") {
        let labels: std::collections::BTreeMap<String, String> =
            serde_json::from_value(labels.clone()).map_err(|_| {
                DomainError::invalid(format!(
                    "spec.resources[{i}].labels must map strings to strings"
                ))
            })?;
        validate::labels_and_annotations(&labels, &Default::default())
            .map_err(|e| DomainError::invalid(format!("spec.resources[{i}].labels: {e}")))?;
    }
    Ok(())
}

impl PoolState {
    /// Fills in what a pool stored before node pools existed lacks.
    pub fn upgrade_stored(&mut self) {
        name_node_pools(&mut self.pool.spec);
        for i in 0..self.nodes.len() {
            if self.nodes[i].node_pool.is_empty() {
                let mut n = self.node_at_mut(i);
                n.node_pool = default_node_pool(&n.flavor);
            }
        }
    }

    /// The `spec.resources` entry of a node pool.
    pub fn node_pool_entry(&self, name: &str) -> Option<&PoolResource> {
        self.pool.spec.resources.iter().find(|r| pool_of(r) == name)
    }

    /// A node pool as `GET .../nodepools/{name}` shows it, with its counts.
    pub fn node_pool(&self, name: &str) -> Option<api::NodePool> {
        let r = self.node_pool_entry(name)?;
        let [creating, available, abnormal, deleting] = self.node_pool_buckets(name, &r.flavor);
        let mut view = node_pool_object(r, Default::default());
        view.status = Some(api::NodePoolStatus {
            resources: api::NodePoolBuckets {
                creating,
                available,
                abnormal,
                deleting,
            },
        });
        Some(view)
    }

    pub fn node_pools(&self) -> api::NodePoolList {
        api::NodePoolList {
            api_version: API_VERSION.into(),
            kind: NODE_POOL_LIST_KIND.into(),
            items: self
                .pool
                .spec
                .resources
                .iter()
                .filter_map(|r| self.node_pool(pool_of(r)))
                .collect(),
        }
    }

    /// Adds a node pool to the pool; its nodes start `Creating`. Answers
    /// the node pool as created, without status.
    pub fn create_node_pool(
        &mut self,
        req: api::NodePool,
        env: &Env,
        now_ms: i64,
    ) -> Result<api::NodePool, DomainError> {
        validate::type_meta(&req.api_version, &req.kind, API_VERSION, NODE_POOL_KIND)?;
        let mut entry = req.spec.resources;
        let name = match (req.metadata.name.as_str(), entry.node_pool.as_deref()) {
            ("", None | Some("")) => default_node_pool(&entry.flavor),
            ("", Some(n)) => n.to_owned(),
            (n, None | Some("")) => n.to_owned(),
            (n, Some(other)) if n != other => {
                return Err(DomainError::invalid(format!(
                    "spec.resources.nodePool {other:?} must be the node pool's name {n:?}"
                )))
            }
            (n, Some(_)) => n.to_owned(),
        };
        if name != default_node_pool(&entry.flavor) {
            check_name(&name)?;
        }
        if self.node_pool_entry(&name).is_some() {
            return Err(DomainError::invalid(format!(
                "node pool {name:?} already exists in pool \"{}\"",
                self.name()
            )));
        }
        entry.node_pool = Some(name);
        let mut resources = self.pool.spec.resources.clone();
        resources.push(entry.clone());
        self.patch_resources(resources, env, now_ms)?;
        let stored = self.node_pool_entry(pool_of(&entry)).unwrap_or(&entry);
        Ok(node_pool_object(stored, req.metadata.annotations))
    }

    /// Applies a merge patch of `{spec: {resources: {...}}}` to one node
    /// pool; its flavor and name stay. Answers it without status.
    pub fn patch_node_pool(
        &mut self,
        name: &str,
        patch: &Value,
        env: &Env,
        now_ms: i64,
    ) -> Result<api::NodePool, DomainError> {
        if !patch.is_object() {
            return Err(DomainError::invalid("the patch must be a JSON object"));
        }
        let Some(i) = self.entry_index(name) else {
            return Err(DomainError::invalid(format!(
                "node pool {name:?} not found"
            )));
        };
        let old = self.pool.spec.resources[i].clone();
        let mut doc = serde_json::to_value(&old).expect("a resource serializes");
        match patch.pointer("/spec/resources") {
            None | Some(Value::Null) => {}
            Some(p @ Value::Object(_)) => merge_patch(&mut doc, p),
            Some(_) => {
                return Err(DomainError::invalid(
                    "spec.resources of a node pool is one object, not an array",
                ))
            }
        }
        let next: PoolResource = serde_path_to_error::deserialize(doc).map_err(|e| {
            DomainError::invalid(format!(
                "invalid patch at spec.resources.{}: {}",
                e.path(),
                e.inner()
            ))
        })?;
        if next.flavor != old.flavor {
            return Err(DomainError::invalid(
                "spec.resources.flavor of a node pool is immutable",
            ));
        }
        if next.node_pool.as_deref().is_some_and(|n| n != name) {
            return Err(DomainError::invalid(
                "spec.resources.nodePool of a node pool is immutable",
            ));
        }
        let mut resources = self.pool.spec.resources.clone();
        resources[i] = PoolResource {
            node_pool: Some(name.into()),
            ..next
        };
        self.patch_resources(resources, env, now_ms)?;
        let annotations = patch
            .pointer("/metadata/annotations")
            .and_then(|a| serde_json::from_value(a.clone()).ok())
            .unwrap_or_default();
        Ok(node_pool_object(&self.pool.spec.resources[i], annotations))
    }

    /// Removes a node pool and, in time, its nodes. A yearly/monthly pool's
    /// node pools are bought with it and stay; a pool keeps at least one.
    pub fn delete_node_pool(
        &mut self,
        name: &str,
        env: &Env,
        now_ms: i64,
    ) -> Result<api::NodePool, DomainError> {
        let Some(answer) = self.node_pool(name) else {
            return Err(DomainError::invalid(format!(
                "node pool {name:?} not found"
            )));
        };
        if self
            .pool
            .metadata
            .annotations
            .get(keys::BILLING_MODE)
            .map(String::as_str)
            == Some("1")
        {
            return Err(DomainError::invalid(format!(
                "node pool {name:?} belongs to a yearly/monthly pool and cannot be deleted"
            )));
        }
        if self.pool.spec.resources.len() == 1 {
            return Err(DomainError::invalid(format!(
                "node pool {name:?} is the pool's last: delete the pool instead"
            )));
        }
        let resources = self
            .pool
            .spec
            .resources
            .iter()
            .filter(|r| pool_of(r) != name)
            .cloned()
            .collect();
        self.patch_resources(resources, env, now_ms)?;
        Ok(answer)
    }

    fn entry_index(&self, name: &str) -> Option<usize> {
        self.pool
            .spec
            .resources
            .iter()
            .position(|r| pool_of(r) == name)
    }

    fn patch_resources(
        &mut self,
        resources: Vec<PoolResource>,
        env: &Env,
        now_ms: i64,
    ) -> Result<(), DomainError> {
        self.patch(&json!({ "spec": { "resources": resources } }), env, now_ms)
    }
}

fn node_pool_object(
    r: &PoolResource,
    annotations: std::collections::BTreeMap<String, String>,
) -> api::NodePool {
    api::NodePool {
        api_version: API_VERSION.into(),
        kind: NODE_POOL_KIND.into(),
        metadata: api::NodePoolMeta {
            name: pool_of(r).into(),
            annotations,
        },
        spec: api::NodePoolSpec {
            resources: r.clone(),
        },
        status: None,
    }
}
