//! Creating a pool: validation and the labels the service fills in.

use std::collections::BTreeSet;

use rand::Rng;
use respool_api_types::{keys, Pool, PoolCluster, PoolSpec, PoolStatus};

use super::node_pools::{name_node_pools, validate_node_pools};
use super::records::{LastRecorded, Operation};
use super::{Env, PoolState, API_VERSION, DEFAULT_WORKSPACE, KIND};
use crate::{validate, DomainError};

pub const SCOPES: [&str; 3] = ["Train", "Infer", "Notebook"];
pub const POOL_TYPES: [&str; 2] = ["Dedicate", "Logical"];

impl PoolState {
    /// Validates a create request and builds the new pool, its nodes `Creating`.
    pub fn create(
        project_id: &str,
        req: Pool,
        env: &Env,
        now_ms: i64,
    ) -> Result<Self, DomainError> {
        validate::type_meta(&req.api_version, &req.kind, API_VERSION, KIND)?;
        let mut metadata = req.metadata;
        let display = validate::display_name_label("pool", &metadata.labels)?;
        validate::labels_and_annotations(&metadata.labels, &metadata.annotations)?;
        let description = metadata
            .annotations
            .entry(keys::DESCRIPTION.into())
            .or_default();
        validate::description(description)?;
        let mut spec = req.spec;
        name_node_pools(&mut spec);
        spec.control_mode.get_or_insert(0);
        validate_spec(&spec, env)?;

        let timing = match metadata.annotations.get(keys::TIMING) {
            Some(t) => t.parse().map_err(DomainError::Invalid)?,
            None => env.timing,
        };
        let name = format!("{display}-{project_id}");
        let spec_is_dedicate = spec.pool_type == "Dedicate";
        let labels = &mut metadata.labels;
        labels
            .entry(keys::WORKSPACE_ID.into())
            .or_insert_with(|| DEFAULT_WORKSPACE.into());
        labels.insert(
            keys::RESOURCE_ID.into(),
            format!("maos-{display}-{}", random_suffix(5)),
        );
        labels.insert(keys::TENANT_PROJECT_ID.into(), project_id.into());
        labels.insert(keys::TENANT_DOMAIN_ID.into(), env.domain_id.into());
        labels.insert(keys::REGION.into(), env.region.into());
        labels.insert(keys::POOL_BIZ.into(), "private".into());
        labels
            .entry(keys::ENTERPRISE_PROJECT_ID.into())
            .or_insert_with(|| "0".into());
        labels.insert(keys::CREATE_FROM.into(), CREATED_FROM.into());
        let annotations = &mut metadata.annotations;
        let billing = annotations
            .entry(keys::BILLING_MODE.into())
            .or_insert_with(|| "0".into())
            .clone();
        if billing != "0" && billing != "1" {
            return Err(DomainError::invalid(format!(
                "invalid metadata.annotations[{}] {billing:?}: use \"0\" (pay-per-use) or \"1\" (yearly/monthly)",
                keys::BILLING_MODE
            )));
        }
        // A yearly/monthly pool waits for its order to be paid, unless it pays itself.
        let awaiting_payment = billing == "1"
            && !matches!(
                annotations.get(keys::AUTO_PAY).map(String::as_str),
                Some("true" | "1")
            );
        annotations.insert(keys::SUBPOOLS_COUNT.into(), "0".into());
        annotations.insert(keys::TENANT_DOMAIN_NAME.into(), env.domain_id.into());
        if billing == "1" {
            // A yearly/monthly purchase: one month, not renewed, unless asked.
            annotations
                .entry(keys::PERIOD_NUM.into())
                .or_insert_with(|| "1".into());
            annotations
                .entry(keys::PERIOD_TYPE.into())
                .or_insert_with(|| "2".into());
            annotations
                .entry(keys::AUTO_RENEW.into())
                .or_insert_with(|| "0".into());
        }
        metadata.name = name.clone();
        metadata.creation_timestamp = Some(crate::time::rfc3339(now_ms));
        metadata.deletion_timestamp = None;

        let mut state = PoolState {
            project_id: project_id.into(),
            pool: Pool {
                api_version: API_VERSION.into(),
                kind: KIND.into(),
                metadata,
                spec,
                status: PoolStatus {
                    clusters: (spec_is_dedicate).then(|| cluster(&display)),
                    root: Some(name),
                    ..PoolStatus::default()
                },
            },
            nodes: Default::default(),
            scopes: Vec::new(),
            created_ms: now_ms,
            became_running: false,
            deletion_ms: None,
            timing,
            ip_seq: 0,
            awaiting_payment,
            failure: None,
            faults: Vec::new(),
            orders: Vec::new(),
            last_recorded: None,
            jobs: Vec::new(),
            maintenances: Vec::new(),
            unprovisioned: Vec::new(),
            plugins: Vec::new(),
            workloads: Vec::new(),
            flavor_capacity: Default::default(),
            pending: Default::default(),
            node_feed: Default::default(),
            version: 0,
            summary: Default::default(),
            stored: Default::default(),
        };
        // Events start from a pool with no nodes yet.
        state.last_recorded = Some(LastRecorded {
            phase: state.phase(),
            counts: [0; 4],
        });
        let before = state.node_marks();
        state.converge(env, now_ms);
        state.open_order(Operation::Apply, Vec::new(), &before, now_ms);
        state.record(now_ms, false);
        Ok(state)
    }
}

/// Keys and values of labels follow Kubernetes rules; annotation keys too.
/// The rules a pool spec must keep, on create and after every patch.
pub(super) fn validate_spec(spec: &PoolSpec, env: &Env) -> Result<(), DomainError> {
    if !POOL_TYPES.contains(&spec.pool_type.as_str()) {
        return Err(DomainError::invalid(format!(
            "invalid spec.type {:?}: use Dedicate or Logical",
            spec.pool_type
        )));
    }
    if spec.scope.is_empty() {
        return Err(DomainError::invalid(
            "spec.scope must name at least one of Train, Infer, Notebook",
        ));
    }
    super::plugins::validate_driver_spec(spec.driver.as_ref())?;
    let mut seen = BTreeSet::new();
    for s in &spec.scope {
        if !SCOPES.contains(&s.as_str()) {
            return Err(DomainError::invalid(format!(
                "invalid spec.scope {s:?}: use Train, Infer or Notebook"
            )));
        }
        if !seen.insert(s) {
            return Err(DomainError::invalid(format!(
                "spec.scope names {s:?} twice"
            )));
        }
    }
    if spec.resources.is_empty() {
        return Err(DomainError::invalid(
            "spec.resources must have at least one flavor",
        ));
    }
    validate_node_pools(spec)?;
    for (i, r) in spec.resources.iter().enumerate() {
        let Some(flavor) = env.catalog.get(&r.flavor) else {
            return Err(DomainError::invalid(format!(
                "spec.resources[{i}].flavor {:?} is not a known resource flavor",
                r.flavor
            )));
        };
        if r.count < 1 {
            return Err(DomainError::invalid(format!(
                "spec.resources[{i}].count must be at least 1"
            )));
        }
        if r.count > MAX_NODES_PER_FLAVOR {
            return Err(DomainError::invalid(format!(
                "spec.resources[{i}].count must be at most {MAX_NODES_PER_FLAVOR}"
            )));
        }
        if let Some(max) = r.max_count {
            // A logical pool may grow elastically up to maxCount, never below count.
            if max < r.count {
                return Err(DomainError::invalid(format!(
                    "spec.resources[{i}].maxCount must be at least count"
                )));
            }
            if spec.pool_type == "Dedicate" && max != r.count {
                return Err(DomainError::invalid(format!(
                    "spec.resources[{i}].maxCount must equal count in a Dedicate pool"
                )));
            }
        }
        if let Some(azs) = &r.azs {
            let mut sum = 0;
            for a in azs {
                let suffix = a.az.strip_prefix(env.region).unwrap_or("");
                if suffix.is_empty() || !flavor.az_phase.contains_key(suffix) {
                    return Err(DomainError::invalid(format!(
                        "spec.resources[{i}].azs: {:?} is not an availability zone of {:?} in region {:?}",
                        a.az, r.flavor, env.region
                    )));
                }
                if a.count < 0 {
                    return Err(DomainError::invalid(format!(
                        "spec.resources[{i}].azs: count of {:?} must not be negative",
                        a.az
                    )));
                }
                sum += a.count;
            }
            if sum != r.count {
                return Err(DomainError::invalid(format!(
                    "spec.resources[{i}].azs add up to {sum}, not count {}",
                    r.count
                )));
            }
        }
    }
    if let Some(mode) = spec.control_mode {
        if !(0..32).contains(&mode) {
            return Err(DomainError::invalid(format!(
                "invalid spec.controlMode {mode}: use a sum of 1, 2, 4, 8 and 16 (0 for none)"
            )));
        }
    }
    if spec.pool_type == "Dedicate" {
        let named = spec.network.as_ref().is_some_and(|n| {
            n.name.as_deref().is_some_and(|s| !s.is_empty()) || n.vpc_id.is_some()
        });
        if !named {
            return Err(DomainError::invalid(
                "spec.network.name is required for a Dedicate pool",
            ));
        }
    }
    Ok(())
}

impl PoolState {
    /// `os.modelarts/flavor.resource.ids`: the billing resource of each
    /// flavor the pool has had, as a JSON object; a new flavor gets one.
    pub(super) fn note_flavor_resource_ids(&mut self) {
        let annotations = &mut self.pool.metadata.annotations;
        let mut ids: std::collections::BTreeMap<String, String> = annotations
            .get(keys::FLAVOR_RESOURCE_IDS)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let before = ids.len();
        for r in &self.pool.spec.resources {
            ids.entry(r.flavor.clone()).or_insert_with(|| {
                let short = r.flavor.strip_prefix("modelarts.").unwrap_or(&r.flavor);
                let n: u64 = rand::thread_rng().gen_range(1_000_000_000..10_000_000_000);
                format!("maos.{short}.{n}")
            });
        }
        if ids.len() != before || !annotations.contains_key(keys::FLAVOR_RESOURCE_IDS) {
            let json = serde_json::to_string(&ids).expect("a map of strings serializes");
            annotations.insert(keys::FLAVOR_RESOURCE_IDS.into(), json);
        }
    }
}

/// What `os.modelarts/create-from` says of a pool made through this API
/// (the live service writes `console` or `admin-console` for its consoles).
const CREATED_FROM: &str = "api";

/// The CCE cluster a physical pool runs on.
fn cluster(display: &str) -> PoolCluster {
    PoolCluster {
        name: format!("cluster-{display}-{}", random_suffix(5)),
        cluster_flavor: "cce.s2.small".into(),
        cluster_type: "VirtualMachine".into(),
        version: "v1.28".into(),
    }
}

/// A bound that keeps one pool's node list a size a single row can hold.
pub const MAX_NODES_PER_FLAVOR: i64 = 500;

pub(super) fn random_suffix(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}
