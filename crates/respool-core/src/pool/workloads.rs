//! Workloads declared on a pool: what they ask for, where they run, and what
//! is left on each node. respool runs no jobs; a workload is a reservation of
//! node capacity that moves through statuses on the virtual clock.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Node, NodePhase, PoolState};
use crate::flavors::Catalog;
use crate::DomainError;

/// The job types the API knows, in the order statistics list them.
pub const WORKLOAD_TYPES: [&str; 4] = ["train", "infer", "notebook", "x-infer"];
/// The statuses the API knows, in the order statistics list them.
pub const WORKLOAD_STATUSES: [&str; 9] = [
    "Queue",
    "Pending",
    "Abnormal",
    "Terminating",
    "Creating",
    "Running",
    "Completed",
    "Terminated",
    "Failed",
];
/// The most workloads one pool keeps (finished ones included).
pub const MAX_WORKLOADS: usize = 1000;

/// Resource amounts in integral units: `cpu` in millicores, `memory` in MiB,
/// any other key (an accelerator's resource name) in cards.
pub type Amounts = BTreeMap<String, u64>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub name: String,
    pub uid: String,
    pub kind: String,
    pub job_name: String,
    pub flavor: String,
    pub user_name: String,
    pub priority: String,
    pub requests: Amounts,
    /// Only this node may run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    pub created_ms: i64,
    /// How long it stays `Pending` once placed, then `Running`.
    pub pending_ms: i64,
    /// How long it runs; `None`: until deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_ms: Option<i64>,
    /// `Completed`, `Failed` or `Terminated` once it has run.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed: Option<Placement>,
    /// The final status and when it was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<(String, i64)>,
    /// Time spent running before it was last sent back to the queue.
    #[serde(default)]
    pub ran_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub node: String,
    pub at_ms: i64,
}

/// What the admin API declares.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadSpec {
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub job_name: Option<String>,
    #[serde(default)]
    pub flavor: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    /// Kubernetes quantities: `cpu` `"2"`/`"500m"`, `memory` `"4Gi"`, accelerators `"1"`.
    #[serde(default)]
    pub resources: BTreeMap<String, String>,
    #[serde(default)]
    pub node_name: Option<String>,
    #[serde(default)]
    pub pending_seconds: Option<f64>,
    #[serde(default)]
    pub running_seconds: Option<f64>,
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A workload's status at `now`.
pub fn status_of(w: &Workload, now: i64) -> &str {
    if let Some((s, _)) = &w.finished {
        return s;
    }
    match &w.placed {
        None => "Queue",
        Some(p) if now < p.at_ms + w.pending_ms => "Pending",
        Some(_) => "Running",
    }
}

/// Whether it holds node capacity.
pub fn consumes(w: &Workload) -> bool {
    w.finished.is_none() && w.placed.is_some()
}

/// Parses a CPU quantity into millicores.
pub fn parse_cpu(q: &str) -> Option<u64> {
    if let Some(m) = q.strip_suffix('m') {
        return m.parse().ok();
    }
    let v: f64 = q.parse().ok()?;
    (0.0..1e9).contains(&v).then(|| (v * 1000.0).round() as u64)
}

/// Parses a memory quantity into MiB (rounded up).
pub fn parse_memory(q: &str) -> Option<u64> {
    let units: [(&str, f64); 8] = [
        ("Ki", 1.0 / 1024.0),
        ("Mi", 1.0),
        ("Gi", 1024.0),
        ("Ti", 1024.0 * 1024.0),
        ("K", 1e3 / 1048576.0),
        ("M", 1e6 / 1048576.0),
        ("G", 1e9 / 1048576.0),
        ("T", 1e12 / 1048576.0),
    ];
    let (num, factor) = units
        .iter()
        .find_map(|(u, f)| q.strip_suffix(u).map(|n| (n, *f)))
        .unwrap_or((q, 1.0 / 1048576.0));
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0 && v * factor < 1e12).then(|| (v * factor).ceil() as u64)
}

/// A node resource map (`"3920m"`, `"13622Mi"`, `"1"`) as amounts.
pub fn amounts_of(resources: &BTreeMap<String, String>) -> Amounts {
    resources
        .iter()
        .filter_map(|(k, v)| {
            let n = match k.as_str() {
                "cpu" => parse_cpu(v),
                "memory" => parse_memory(v),
                _ => v.parse().ok(),
            };
            n.map(|n| (k.clone(), n))
        })
        .collect()
}

/// Amounts as Kubernetes quantities.
pub fn quantities(a: &Amounts) -> BTreeMap<String, String> {
    a.iter()
        .map(|(k, v)| {
            let q = match k.as_str() {
                "cpu" => format!("{v}m"),
                "memory" => format!("{v}Mi"),
                _ => v.to_string(),
            };
            (k.clone(), q)
        })
        .collect()
}

/// Whether `need` fits in `free`.
pub fn fits(need: &Amounts, free: &Amounts) -> bool {
    need.iter()
        .all(|(k, v)| *v == 0 || free.get(k).is_some_and(|f| f >= v))
}

pub(crate) fn add(into: &mut Amounts, more: &Amounts) {
    for (k, v) in more {
        *into.entry(k.clone()).or_default() += v;
    }
}

pub(crate) fn subtract(free: &mut Amounts, used: &Amounts) {
    for (k, v) in used {
        if let Some(f) = free.get_mut(k) {
            *f = f.saturating_sub(*v);
        }
    }
}

fn seconds(field: &str, s: Option<f64>) -> Result<Option<i64>, DomainError> {
    match s {
        None => Ok(None),
        Some(v) if v.is_finite() && (0.0..=3.0e8).contains(&v) => Ok(Some((v * 1000.0) as i64)),
        Some(_) => Err(DomainError::invalid(format!(
            "{field} must be a number of seconds from 0 to 300000000"
        ))),
    }
}

impl Workload {
    pub fn from_spec(
        spec: WorkloadSpec,
        pool: &PoolState,
        now: i64,
    ) -> Result<Workload, DomainError> {
        validate_name(&spec.name)?;
        let kind = spec.kind.unwrap_or_else(|| "train".into());
        if !WORKLOAD_TYPES.contains(&kind.as_str()) {
            return Err(DomainError::invalid(format!(
                "type {kind:?}: use train, infer, notebook or x-infer"
            )));
        }
        let outcome = spec.outcome.unwrap_or_else(|| "Completed".into());
        if !["Completed", "Failed", "Terminated"].contains(&outcome.as_str()) {
            return Err(DomainError::invalid(format!(
                "outcome {outcome:?}: use Completed, Failed or Terminated"
            )));
        }
        let mut requests = Amounts::new();
        for (k, v) in &spec.resources {
            let n = match k.as_str() {
                "cpu" => parse_cpu(v),
                "memory" => parse_memory(v),
                _ if k.contains('/') => v.parse().ok(),
                _ => {
                    return Err(DomainError::invalid(format!(
                        "resources.{k}: use cpu, memory or an accelerator's resource name such as nvidia.com/gpu"
                    )))
                }
            };
            let Some(n) = n else {
                return Err(DomainError::invalid(format!(
                    "resources.{k}: {v:?} is not a quantity"
                )));
            };
            if n > 0 {
                requests.insert(k.clone(), n);
            }
        }
        if requests.is_empty() {
            return Err(DomainError::invalid(
                "resources must request some cpu, memory or accelerators",
            ));
        }
        if let Some(n) = &spec.node_name {
            if pool.node(n).is_none() {
                return Err(DomainError::invalid(format!(
                    "nodeName: {n:?} is not a node of pool \"{}\"",
                    pool.name()
                )));
            }
        }
        let uid = {
            let d = Sha256::new()
                .chain_update(pool.name())
                .chain_update([0])
                .chain_update(&spec.name)
                .chain_update(now.to_be_bytes())
                .finalize();
            crate::identity::uuid_from_digest(&d)
        };
        let flavor = spec.flavor.unwrap_or_else(|| {
            pool.pool
                .spec
                .resources
                .first()
                .map(|r| r.flavor.clone())
                .unwrap_or_default()
        });
        Ok(Workload {
            job_name: spec.job_name.unwrap_or_else(|| spec.name.clone()),
            name: spec.name,
            uid,
            kind,
            flavor,
            user_name: spec.user_name.unwrap_or_default(),
            priority: spec.priority.unwrap_or_else(|| "1".into()),
            requests,
            node_name: spec.node_name,
            created_ms: now,
            pending_ms: seconds("pendingSeconds", spec.pending_seconds)?.unwrap_or(0),
            running_ms: seconds("runningSeconds", spec.running_seconds)?,
            outcome,
            placed: None,
            finished: None,
            ran_ms: 0,
        })
    }

    /// When it finishes. Leaving `Pending` changes nothing stored (the
    /// status follows from the clock), so it is no stage of its own.
    fn due(&self) -> Option<i64> {
        if self.finished.is_some() {
            return None;
        }
        self.end_ms()
    }

    fn end_ms(&self) -> Option<i64> {
        let p = self.placed.as_ref()?;
        self.running_ms
            .map(|r| p.at_ms + self.pending_ms + (r - self.ran_ms).max(0))
    }
}

/// 1 to 63 lower-case letters, digits and `-`, starting with a letter.
fn validate_name(name: &str) -> Result<(), DomainError> {
    let ok = (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "name {name:?}: use 1 to 63 lower-case letters, digits and -, starting with a letter"
        )))
    }
}

/// Whether the node can take new workloads.
fn schedulable(n: &Node) -> bool {
    n.phase == NodePhase::Available && !n.extra.unschedulable
}

impl PoolState {
    /// A node's allocatable amounts: from the catalog when there is one,
    /// else from what the pool last learnt of the flavor (the lifecycle steps
    /// without a catalog), else from the built-in catalog.
    pub fn node_capacity(&self, n: &Node, catalog: Option<&Catalog>) -> Amounts {
        if let Some(f) = catalog.and_then(|c| c.get(&n.flavor)) {
            return amounts_of(&f.node_resources());
        }
        if let Some(a) = self.flavor_capacity.get(&n.flavor) {
            return a.clone();
        }
        Catalog::builtin()
            .get(&n.flavor)
            .map(|f| amounts_of(&f.node_resources()))
            .unwrap_or_default()
    }

    /// Remembers the capacity of the nodes' flavors, for steps without a catalog.
    fn learn_capacity(&mut self, catalog: &Catalog) {
        for n in self.nodes.iter() {
            if let Some(f) = catalog.get(&n.flavor) {
                if !self.flavor_capacity.contains_key(&n.flavor) {
                    self.flavor_capacity
                        .insert(n.flavor.clone(), amounts_of(&f.node_resources()));
                }
            }
        }
    }

    /// What the workloads placed on `n` hold.
    pub fn node_allocated(&self, n: &Node) -> Amounts {
        let mut out = Amounts::new();
        for (node, requests) in self.placed_requests() {
            if node == n.name {
                add(&mut out, requests);
            }
        }
        out
    }

    /// What placed workloads hold, by node: [`PoolState::node_allocated`]
    /// of every node at once.
    pub(crate) fn allocated_by_node(&self) -> HashMap<&str, Amounts> {
        let mut out: HashMap<&str, Amounts> = HashMap::new();
        for (node, requests) in self.placed_requests() {
            add(out.entry(node).or_default(), requests);
        }
        out
    }

    /// Each placed workload that holds its node: the node and its requests.
    fn placed_requests(&self) -> impl Iterator<Item = (&str, &Amounts)> {
        self.workloads
            .iter()
            .filter(|w| consumes(w))
            .filter_map(|w| Some((w.placed.as_ref()?.node.as_str(), &w.requests)))
    }

    /// A node's allocatable amounts less what its workloads hold.
    pub fn node_free(&self, n: &Node, catalog: Option<&Catalog>) -> Amounts {
        let mut free = self.node_capacity(n, catalog);
        subtract(&mut free, &self.node_allocated(n));
        free
    }

    pub fn workload(&self, name: &str) -> Option<&Workload> {
        self.workloads.iter().find(|w| w.name == name)
    }

    /// Declares a workload; it is placed at once if it fits.
    pub fn add_workload(
        &mut self,
        spec: WorkloadSpec,
        catalog: &Catalog,
        now: i64,
    ) -> Result<Workload, DomainError> {
        if self.deletion_ms.is_some() {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is being deleted",
                self.name()
            )));
        }
        if self.workload(&spec.name).is_some() {
            return Err(DomainError::invalid(format!(
                "workload {:?} already exists in pool \"{}\"",
                spec.name,
                self.name()
            )));
        }
        if self.workloads.len() >= MAX_WORKLOADS {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" already has {MAX_WORKLOADS} workloads",
                self.name()
            )));
        }
        let w = Workload::from_spec(spec, self, now)?;
        let name = w.name.clone();
        self.workloads.push(w);
        self.schedule_workloads(Some(catalog), now);
        Ok(self.workload(&name).cloned().expect("just added"))
    }

    /// Removes a workload, freeing what it held; queued ones may then start.
    pub fn delete_workload(&mut self, name: &str, catalog: &Catalog, now: i64) -> Option<Workload> {
        let i = self.workloads.iter().position(|w| w.name == name)?;
        let w = self.workloads.remove(i);
        self.schedule_workloads(Some(catalog), now);
        Some(w)
    }

    /// Sends workloads whose node is gone back to the queue, then places
    /// queued ones, oldest first, each on the first node (in listing order)
    /// it fits on. A workload that fits nowhere waits without blocking
    /// smaller ones behind it.
    pub fn schedule_workloads(&mut self, catalog: Option<&Catalog>, now: i64) {
        if let Some(c) = catalog {
            self.learn_capacity(c);
        }
        self.requeue_orphans(now);
        let mut order: Vec<usize> = (0..self.workloads.len())
            .filter(|i| {
                let w = &self.workloads[*i];
                w.placed.is_none() && w.finished.is_none()
            })
            .collect();
        order.sort_by(|a, b| {
            let (a, b) = (&self.workloads[*a], &self.workloads[*b]);
            (a.created_ms, &a.name).cmp(&(b.created_ms, &b.name))
        });
        if order.is_empty() {
            return;
        }
        let mut nodes: Vec<&Node> = self
            .nodes
            .iter()
            .map(|n| &**n)
            .filter(|n| schedulable(n))
            .collect();
        nodes.sort_by_key(|n| n.listing_key());
        let mut free: Vec<(String, Amounts)> = nodes
            .iter()
            .map(|n| (n.name.clone(), self.node_free(n, catalog)))
            .collect();
        for i in order {
            let w = &self.workloads[i];
            let slot = free.iter_mut().find(|(node, f)| {
                w.node_name.as_ref().is_none_or(|want| want == node) && fits(&w.requests, f)
            });
            if let Some((node, f)) = slot {
                subtract(f, &w.requests);
                let node = node.clone();
                self.workloads[i].placed = Some(Placement { node, at_ms: now });
            }
        }
    }

    /// A workload whose node has left the pool, or no longer runs, goes back
    /// to the queue, keeping the time it already ran.
    fn requeue_orphans(&mut self, now: i64) {
        let present: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| n.phase != NodePhase::Deleting)
            .map(|n| n.name.clone())
            .collect();
        for w in &mut self.workloads {
            if w.finished.is_some() {
                continue;
            }
            if let Some(p) = &w.placed {
                if !present.contains(&p.node) {
                    let started = p.at_ms + w.pending_ms;
                    w.ran_ms += (now - started).max(0);
                    w.placed = None;
                }
            }
        }
    }

    pub(crate) fn next_workload_due(&self) -> Option<i64> {
        self.workloads.iter().filter_map(Workload::due).min()
    }

    /// Ends the workload stages due at `t`, then lets queued ones in.
    pub(crate) fn advance_workloads(&mut self, t: i64) {
        if self.workloads.is_empty() {
            return;
        }
        for w in &mut self.workloads {
            if w.finished.is_none() && w.end_ms().is_some_and(|e| e <= t) {
                w.finished = Some((w.outcome.clone(), t));
            }
        }
        self.schedule_workloads(None, t);
    }

    /// How long it has run by `now`, in ms.
    pub fn workload_running_ms(&self, w: &Workload, now: i64) -> i64 {
        let Some(p) = &w.placed else {
            return w.ran_ms;
        };
        let start = p.at_ms + w.pending_ms;
        let until = w.finished.as_ref().map_or(now, |(_, t)| *t);
        w.ran_ms + (until - start).max(0)
    }

    /// Position in the queue (1 first), 0 when not queued.
    pub fn queue_position(&self, w: &Workload) -> usize {
        if w.placed.is_some() || w.finished.is_some() {
            return 0;
        }
        1 + self
            .workloads
            .iter()
            .filter(|o| o.placed.is_none() && o.finished.is_none())
            .filter(|o| (o.created_ms, &o.name) < (w.created_ms, &w.name))
            .count()
    }

    /// The host address of the node a workload runs on.
    pub fn workload_host(&self, w: &Workload) -> Option<&Node> {
        if !consumes(w) {
            return None;
        }
        let p = w.placed.as_ref()?;
        self.node(&p.node)
    }
}
