//! The resource-flavor catalog: which node flavors a pool may ask for, what
//! they are made of, and where they are sold.
//!
//! Pools are validated against the catalog (a `spec.resources[].flavor` must
//! name a flavor that exists and is not sold out in the chosen AZ), and
//! simulated nodes take their allocatable resources from it
//! ([`Flavor::node_resources`]).
//!
//! The built-in catalog is `flavors.json`, embedded at compile time. Operators
//! can add or override flavors with a file in the same format
//! ([`Catalog::from_json`] + [`Catalog::extend`]): a JSON array of [`Flavor`]
//! objects with snake_case field names, for example
//!
//! ```json
//! [{"name": "modelarts.vm.cpu.4ud", "kind": "cpu", "cpu_arch": "x86", "cpu": 4,
//!   "memory_gi": 16, "root_volume": {"volume_type": "SSD", "size_gi": 100},
//!   "data_volumes": [{"volume_type": "SSD", "size_gi": 200}], "billing_modes": [0, 1],
//!   "job_flavors": [], "scopes": ["Train", "Infer", "Notebook"],
//!   "az_phase": {"a": "normal", "b": "soldout"}, "pool_type": "Dedicate"}]
//! ```
//!
//! Availability zones are stored as suffixes (`"a"`, `"b"`, …) because the
//! region is configurable: in region `local-1` suffix `"a"` is AZ `local-1a`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The embedded built-in catalog.
const BUILTIN_JSON: &str = include_str!("flavors.json");

/// CPU architectures a flavor may have (`spec.cpuArch` on the wire).
pub const CPU_ARCHES: [&str; 2] = ["x86", "arm64"];
/// Job types a flavor may serve (`os.modelarts/scope`, joined by `.`).
pub const SCOPES: [&str; 3] = ["Train", "Infer", "Notebook"];
/// Billing modes: 0 pay-per-use, 1 package (prepaid).
pub const BILLING_MODES: [u8; 2] = [0, 1];
/// Disk types a root or data volume may have.
pub const VOLUME_TYPES: [&str; 4] = ["SSD", "GPSSD", "SAS", "SATA"];
/// Pool types a flavor may belong to (`spec.type`).
pub const POOL_TYPES: [&str; 2] = ["Dedicate", "Logical"];
/// Per-AZ capacity phase: the flavor can be ordered.
pub const PHASE_NORMAL: &str = "normal";
/// Per-AZ capacity phase: no capacity left.
pub const PHASE_SOLDOUT: &str = "soldout";

/// Why a flavor catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FlavorError {
    /// The text is not JSON, or not a JSON array of flavor objects.
    #[error("flavor catalog is not a valid JSON array of flavors: {0}")]
    Parse(#[from] serde_json::Error),
    /// One entry parsed but makes no sense (unknown arch, empty scopes, …).
    #[error("flavor catalog entry {entry}: {reason}")]
    Invalid {
        /// `"<name>"`, or `#<index>` when the entry has no usable name.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two entries of the same file share a name.
    #[error("flavor catalog lists flavor \"{0}\" more than once")]
    Duplicate(String),
}

/// What kind of accelerator, if any, a flavor carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AcceleratorKind {
    /// CPU only.
    Cpu,
    /// NVIDIA GPUs (`spec.gpu` on the wire).
    Gpu,
    /// Ascend NPUs (`spec.npu` on the wire).
    Npu,
}

impl AcceleratorKind {
    /// `"cpu"`, `"gpu"` or `"npu"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AcceleratorKind::Cpu => "cpu",
            AcceleratorKind::Gpu => "gpu",
            AcceleratorKind::Npu => "npu",
        }
    }
}

/// The accelerator cards of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accelerator {
    /// Card model, e.g. `nvidia-t4`, `ascend-snt9b`.
    pub r#type: String,
    /// Cards per node.
    pub count: u32,
    /// Memory per card, e.g. `16Gi`.
    pub memory: String,
    /// The Kubernetes extended resource a node reports, e.g. `nvidia.com/gpu`.
    pub resource_name: String,
}

/// A root or data disk of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// `SSD`, `GPSSD`, `SAS` or `SATA`.
    pub volume_type: String,
    /// Size in GiB.
    pub size_gi: u32,
}

impl Volume {
    /// The size as the API spells it, e.g. `"500Gi"`.
    pub fn size(&self) -> String {
        format!("{}Gi", self.size_gi)
    }
}

fn default_pool_type() -> String {
    "Dedicate".to_string()
}

/// One node flavor of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flavor {
    /// Flavor ID, e.g. `modelarts.vm.cpu.8ud`.
    pub name: String,
    /// CPU-only, GPU or NPU.
    pub kind: AcceleratorKind,
    /// `x86` or `arm64`.
    pub cpu_arch: String,
    /// vCPUs per node.
    pub cpu: u32,
    /// Memory per node in GiB.
    pub memory_gi: u32,
    /// The accelerator cards; present exactly when `kind` is not `Cpu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<Accelerator>,
    /// A bare-metal server rather than a VM.
    #[serde(default)]
    pub baremetal: bool,
    /// Boots from / stores on local disks.
    #[serde(default)]
    pub local_disk: bool,
    /// The system disk.
    pub root_volume: Volume,
    /// Data disks.
    #[serde(default)]
    pub data_volumes: Vec<Volume>,
    /// Supported billing modes: 0 pay-per-use, 1 package.
    pub billing_modes: Vec<u8>,
    /// Training-job flavors that run on this node flavor.
    #[serde(default)]
    pub job_flavors: Vec<String>,
    /// Job types: `Train`, `Infer`, `Notebook`.
    pub scopes: Vec<String>,
    /// Capacity per AZ suffix (`"a"` → `"normal"` | `"soldout"`). AZs not
    /// listed do not offer the flavor at all.
    pub az_phase: BTreeMap<String, String>,
    /// `Dedicate` (can create nodes) or `Logical`.
    #[serde(default = "default_pool_type")]
    pub pool_type: String,
    /// Hyper-instance flavors: the node counts a batch of nodes may have
    /// (`spec.creatingSteps`, type `hyperinstance`). Empty for ordinary flavors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creating_steps: Vec<u32>,
}

/// The full AZ name of `suffix` in `region`: `("local-1", "a")` → `"local-1a"`.
pub fn az_name(region: &str, suffix: &str) -> String {
    format!("{region}{suffix}")
}

/// The suffix of a full AZ name in `region`: `("local-1", "local-1b")` →
/// `Some("b")`. `None` when `az` is not an AZ of `region`.
pub fn az_suffix<'a>(region: &str, az: &'a str) -> Option<&'a str> {
    az.strip_prefix(region)
        .filter(|s| !s.is_empty() && is_az_suffix(s))
}

fn is_az_suffix(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 8
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// CPU the node keeps for itself, in millicores (Kubernetes/CCE-style tiers):
/// 6% of the first core, 1% of the second, 0.5% of the third and fourth and
/// 0.25% of every further core.
fn cpu_reserve_millis(cores: u32) -> u64 {
    let cores = u64::from(cores);
    // In tenths of a millicore, so the 0.25% tier stays exact.
    let tenths = 600 * cores.min(1)
        + 100 * cores.saturating_sub(1).min(1)
        + 50 * cores.saturating_sub(2).min(2)
        + 25 * cores.saturating_sub(4);
    tenths / 10
}

/// Memory the node keeps for itself, in MiB (GKE-style tiers): 25% of the
/// first 4 GiB, 20% of the next 4 GiB, 10% of the next 8 GiB, 6% of the next
/// 112 GiB and 2% of the rest, plus a 100 MiB eviction threshold.
fn memory_reserve_mi(memory_gi: u32) -> u64 {
    let mi = u64::from(memory_gi) * 1024;
    let tiers: [(u64, u64); 5] = [
        (4 * 1024, 25),
        (4 * 1024, 20),
        (8 * 1024, 10),
        (112 * 1024, 6),
        (u64::MAX, 2),
    ];
    let mut left = mi;
    let mut hundredths = 0u64;
    for (width, percent) in tiers {
        let take = left.min(width);
        hundredths += take * percent;
        left -= take;
    }
    hundredths / 100 + 100
}

impl Flavor {
    /// vCPUs a node of this flavor offers to pods, in millicores.
    pub fn allocatable_cpu_millis(&self) -> u64 {
        (u64::from(self.cpu) * 1000).saturating_sub(cpu_reserve_millis(self.cpu))
    }

    /// Memory a node of this flavor offers to pods, in MiB.
    pub fn allocatable_memory_mi(&self) -> u64 {
        (u64::from(self.memory_gi) * 1024).saturating_sub(memory_reserve_mi(self.memory_gi))
    }

    /// What a node of this flavor reports as allocatable, Kubernetes-style:
    /// `cpu` in millicores minus a system reserve (`"3920m"` for 4 cores),
    /// `memory` in Mi minus a reserve (`"6249Mi"` for 8 GiB, `"13622Mi"` for
    /// 16 GiB), and the accelerator's extended resource name mapped to the
    /// card count (`"nvidia.com/gpu": "1"`).
    pub fn node_resources(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        out.insert(
            "cpu".to_string(),
            format!("{}m", self.allocatable_cpu_millis()),
        );
        out.insert(
            "memory".to_string(),
            format!("{}Mi", self.allocatable_memory_mi()),
        );
        if let Some(acc) = &self.accelerator {
            out.insert(acc.resource_name.clone(), acc.count.to_string());
        }
        out
    }

    /// Whether the flavor can be ordered in the AZ with this suffix (listed
    /// there and not sold out).
    pub fn is_available_in(&self, az_suffix: &str) -> bool {
        self.az_phase.get(az_suffix).map(String::as_str) == Some(PHASE_NORMAL)
    }

    /// Whether the flavor serves this job type (`Train`, `Infer`, `Notebook`).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The `os.modelarts/scope` label value: scopes joined by `.`.
    pub fn scope_label(&self) -> String {
        self.scopes.join(".")
    }

    /// `spec.flavorBootType`: `LocalDisk` or `Volume`.
    pub fn flavor_boot_type(&self) -> &'static str {
        if self.local_disk {
            "LocalDisk"
        } else {
            "Volume"
        }
    }

    /// `status.phase` with full AZ names of `region`.
    pub fn phase_in_region(&self, region: &str) -> BTreeMap<String, String> {
        self.az_phase
            .iter()
            .map(|(suffix, phase)| (az_name(region, suffix), phase.clone()))
            .collect()
    }

    /// Checks that the entry makes sense; the error says what is wrong.
    pub fn validate(&self) -> Result<(), FlavorError> {
        self.check().map_err(|reason| FlavorError::Invalid {
            entry: format!("\"{}\"", self.name),
            reason,
        })
    }

    fn check(&self) -> Result<(), String> {
        check_name(&self.name)?;
        if !CPU_ARCHES.contains(&self.cpu_arch.as_str()) {
            return Err(format!(
                "cpu_arch \"{}\" is not one of {CPU_ARCHES:?}",
                self.cpu_arch
            ));
        }
        if self.cpu == 0 {
            return Err("cpu must be at least 1".into());
        }
        if self.memory_gi == 0 {
            return Err("memory_gi must be at least 1".into());
        }
        match (self.kind, &self.accelerator) {
            (AcceleratorKind::Cpu, None) => {}
            (AcceleratorKind::Cpu, Some(_)) => {
                return Err("kind \"cpu\" must not have an accelerator".into())
            }
            (kind, None) => return Err(format!("kind \"{}\" needs an accelerator", kind.as_str())),
            (_, Some(acc)) => check_accelerator(acc)?,
        }
        check_volume("root_volume", &self.root_volume)?;
        for (i, v) in self.data_volumes.iter().enumerate() {
            check_volume(&format!("data_volumes[{i}]"), v)?;
        }
        if self.billing_modes.is_empty() {
            return Err("billing_modes is empty".into());
        }
        let mut seen = BTreeSet::new();
        for mode in &self.billing_modes {
            if !BILLING_MODES.contains(mode) {
                return Err(format!(
                    "billing mode {mode} is not one of {BILLING_MODES:?} (0 pay-per-use, 1 package)"
                ));
            }
            if !seen.insert(*mode) {
                return Err(format!("billing mode {mode} is listed twice"));
            }
        }
        if self.scopes.is_empty() {
            return Err("scopes is empty".into());
        }
        let mut seen = BTreeSet::new();
        for scope in &self.scopes {
            if !SCOPES.contains(&scope.as_str()) {
                return Err(format!("scope \"{scope}\" is not one of {SCOPES:?}"));
            }
            if !seen.insert(scope.as_str()) {
                return Err(format!("scope \"{scope}\" is listed twice"));
            }
        }
        if self.job_flavors.iter().any(|j| j.trim().is_empty()) {
            return Err("job_flavors has an empty entry".into());
        }
        if self.az_phase.is_empty() {
            return Err("az_phase is empty (the flavor would be sold nowhere)".into());
        }
        for (suffix, phase) in &self.az_phase {
            if !is_az_suffix(suffix) {
                return Err(format!(
                    "az_phase key \"{suffix}\" is not an AZ suffix (1-8 lowercase letters or digits, e.g. \"a\")"
                ));
            }
            if phase != PHASE_NORMAL && phase != PHASE_SOLDOUT {
                return Err(format!(
                    "az_phase[\"{suffix}\"] is \"{phase}\", expected \"{PHASE_NORMAL}\" or \"{PHASE_SOLDOUT}\""
                ));
            }
        }
        if !POOL_TYPES.contains(&self.pool_type.as_str()) {
            return Err(format!(
                "pool_type \"{}\" is not one of {POOL_TYPES:?}",
                self.pool_type
            ));
        }
        Ok(())
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name is empty".into());
    }
    if name.len() > 128 {
        return Err("name is longer than 128 characters".into());
    }
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    let edges_ok = name
        .bytes()
        .next()
        .zip(name.bytes().last())
        .is_some_and(|(a, z)| a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric());
    if !ok || !edges_ok {
        return Err(format!(
            "name \"{name}\" must be lowercase letters, digits, '.', '-' or '_', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

fn check_accelerator(acc: &Accelerator) -> Result<(), String> {
    if acc.r#type.trim().is_empty() {
        return Err("accelerator.type is empty".into());
    }
    if acc.count == 0 {
        return Err("accelerator.count must be at least 1".into());
    }
    let digits = acc
        .memory
        .strip_suffix("Gi")
        .or_else(|| acc.memory.strip_suffix("Mi"));
    if !digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!(
            "accelerator.memory \"{}\" is not a quantity like \"16Gi\"",
            acc.memory
        ));
    }
    let rn = &acc.resource_name;
    let valid_rn = rn
        .split_once('/')
        .is_some_and(|(domain, res)| domain.contains('.') && !res.is_empty() && !res.contains('/'));
    if !valid_rn {
        return Err(format!(
            "accelerator.resource_name \"{rn}\" is not an extended resource name like \"nvidia.com/gpu\""
        ));
    }
    Ok(())
}

fn check_volume(field: &str, v: &Volume) -> Result<(), String> {
    if !VOLUME_TYPES.contains(&v.volume_type.as_str()) {
        return Err(format!(
            "{field}.volume_type \"{}\" is not one of {VOLUME_TYPES:?}",
            v.volume_type
        ));
    }
    if v.size_gi == 0 {
        return Err(format!("{field}.size_gi must be at least 1"));
    }
    Ok(())
}

/// A set of flavors, kept sorted by name with unique names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    flavors: Vec<Flavor>,
}

impl Catalog {
    /// A catalog of these flavors; a later entry replaces an earlier one of
    /// the same name. No validation (use [`Catalog::from_json`] or
    /// [`Flavor::validate`]).
    pub fn new(flavors: Vec<Flavor>) -> Catalog {
        let mut catalog = Catalog::default();
        catalog.extend(flavors);
        catalog
    }

    /// The built-in catalog (`flavors.json`, embedded at compile time).
    ///
    /// # Panics
    /// If the embedded JSON is invalid, which the crate's tests rule out.
    pub fn builtin() -> Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN
            .get_or_init(|| match Catalog::from_json(BUILTIN_JSON) {
                Ok(flavors) => Catalog::new(flavors),
                Err(e) => panic!("the built-in flavors.json is invalid: {e}"),
            })
            .clone()
    }

    /// Parses and validates a catalog file (a JSON array of flavors), e.g.
    /// the one given with `--flavors FILE`. Names must be unique in the file.
    pub fn from_json(text: &str) -> Result<Vec<Flavor>, FlavorError> {
        let flavors: Vec<Flavor> = serde_json::from_str(text)?;
        let mut names = BTreeSet::new();
        for (i, flavor) in flavors.iter().enumerate() {
            flavor.check().map_err(|reason| FlavorError::Invalid {
                entry: if flavor.name.is_empty() {
                    format!("#{i}")
                } else {
                    format!("#{i} \"{}\"", flavor.name)
                },
                reason,
            })?;
            if !names.insert(flavor.name.as_str()) {
                return Err(FlavorError::Duplicate(flavor.name.clone()));
            }
        }
        Ok(flavors)
    }

    /// Adds flavors; each replaces an existing flavor of the same name (and
    /// later entries of `extra` replace earlier ones).
    pub fn extend(&mut self, extra: Vec<Flavor>) {
        for flavor in extra {
            match self
                .flavors
                .binary_search_by(|f| f.name.as_str().cmp(flavor.name.as_str()))
            {
                Ok(i) => self.flavors[i] = flavor,
                Err(i) => self.flavors.insert(i, flavor),
            }
        }
    }

    /// The flavor with this name.
    pub fn get(&self, name: &str) -> Option<&Flavor> {
        self.flavors
            .binary_search_by(|f| f.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.flavors[i])
    }

    /// All flavors, sorted by name.
    pub fn all(&self) -> &[Flavor] {
        &self.flavors
    }

    /// Number of flavors.
    pub fn len(&self) -> usize {
        self.flavors.len()
    }

    /// Whether the catalog has no flavors.
    pub fn is_empty(&self) -> bool {
        self.flavors.is_empty()
    }

    /// Every AZ some flavor is listed in (sold out or not), as full names of
    /// `region`, sorted: `["local-1a", "local-1b", "local-1c"]` for `local-1`.
    pub fn azs(&self, region: &str) -> Vec<String> {
        let suffixes: BTreeSet<&str> = self
            .flavors
            .iter()
            .flat_map(|f| f.az_phase.keys().map(String::as_str))
            .collect();
        suffixes.into_iter().map(|s| az_name(region, s)).collect()
    }
}
