//! Pool plugins: installs and upgrades that move `Pending`/`Updating` →
//! `Running` on the pool's clock, and the driver templates, which upgrade
//! the nodes' drivers through `batch-update`'s per-node upgrade.

use std::collections::BTreeMap;

use respool_api_types as api;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::node_ops::{DriverUpgrade, UpdateAction};
use super::status::{GPU_DRIVER_VERSION, NPU_DRIVER_VERSION};
use super::{Env, NodePhase, PoolState, API_VERSION};
use crate::flavors::{AcceleratorKind, Catalog};
use crate::plugins::{self as catalog, PluginTemplate, TEMPLATE_CREATED};
use crate::time::rfc3339;
use crate::DomainError;

pub const PLUGIN_KIND: &str = "Plugin";
pub const PLUGIN_LIST_KIND: &str = "PluginList";

/// A plugin installed or upgraded through the API. Plugins a pool gets by
/// default are derived (see [`PoolState::plugin_views`]) until one is upgraded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plugin {
    pub name: String,
    pub version: String,
    pub inputs: BTreeMap<String, Value>,
    pub phase: PluginPhase,
    pub created_ms: i64,
    /// When `Pending` or `Updating` ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<i64>,
    /// During an upgrade: the version still running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PluginPhase {
    Pending,
    Running,
    Updating,
}

impl PluginPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginPhase::Pending => "Pending",
            PluginPhase::Running => "Running",
            PluginPhase::Updating => "Updating",
        }
    }
}

fn kind_key(kind: AcceleratorKind) -> &'static str {
    match kind {
        AcceleratorKind::Npu => "npuVersion",
        _ => "gpuVersion",
    }
}

/// `spec.driver` of a create or patch: versions the driver templates offer,
/// `updateStrategy` `force` or `idle`.
pub(super) fn validate_driver_spec(driver: Option<&Value>) -> Result<(), DomainError> {
    let Some(d) = driver.filter(|d| !d.is_null()) else {
        return Ok(());
    };
    let Some(d) = d.as_object() else {
        return Err(DomainError::invalid("spec.driver must be an object"));
    };
    for (key, template) in [("gpuVersion", "gpu-driver"), ("npuVersion", "npu-driver")] {
        let Some(v) = d.get(key).filter(|v| !v.is_null()) else {
            continue;
        };
        let t = catalog::template(template).expect("driver templates are in the catalog");
        match v.as_str() {
            Some(s) if t.version(s).is_some() => {}
            _ => {
                return Err(DomainError::invalid(format!(
                    "spec.driver.{key}: {v} is not a version of {template}: use one of {}",
                    versions(t)
                )))
            }
        }
    }
    if let Some(s) = d.get("updateStrategy").filter(|v| !v.is_null()) {
        if !matches!(s.as_str(), Some("force" | "idle")) {
            return Err(DomainError::invalid(format!(
                "spec.driver.updateStrategy: {s} is not force or idle"
            )));
        }
    }
    Ok(())
}

fn versions(t: &PluginTemplate) -> String {
    let v: Vec<&str> = t.versions.iter().map(|v| v.version.as_str()).collect();
    v.join(", ")
}

impl PoolState {
    /// The accelerator kinds of the pool's flavors.
    fn accelerators(&self, catalog: &Catalog) -> Vec<AcceleratorKind> {
        let mut kinds: Vec<AcceleratorKind> = self
            .pool
            .spec
            .resources
            .iter()
            .filter_map(|r| catalog.get(&r.flavor).map(|f| f.kind))
            .collect();
        kinds.dedup();
        kinds
    }

    /// The driver version nodes of `kind` get: `spec.driver`'s, else the default.
    pub(crate) fn driver_default(&self, kind: AcceleratorKind) -> String {
        self.pool
            .spec
            .driver
            .as_ref()
            .and_then(|d| d.get(kind_key(kind)))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                match kind {
                    AcceleratorKind::Npu => NPU_DRIVER_VERSION,
                    _ => GPU_DRIVER_VERSION,
                }
                .to_owned()
            })
    }

    /// Both defaults, taken before a patch changes `spec.driver`.
    pub(crate) fn driver_defaults(&self) -> [String; 2] {
        [
            self.driver_default(AcceleratorKind::Gpu),
            self.driver_default(AcceleratorKind::Npu),
        ]
    }

    /// After a patch: every kind whose `spec.driver` version changed is
    /// rolled out to the nodes that run, if the pool runs.
    pub(crate) fn follow_driver_spec(&mut self, before: [String; 2], env: &Env, now_ms: i64) {
        let kinds = [AcceleratorKind::Gpu, AcceleratorKind::Npu];
        for (kind, old) in kinds.into_iter().zip(before) {
            let new = self.driver_default(kind);
            if new != old {
                let strategy = self.driver_strategy();
                // A pool that does not run yet simply builds its nodes with the new version.
                let _ = self.roll_driver(kind, &old, &new, &strategy, env.catalog, now_ms);
                let template = match kind {
                    AcceleratorKind::Npu => "npu-driver",
                    _ => "gpu-driver",
                };
                let due = now_ms + self.timing.durations().driver_upgrade;
                if let Some(p) = self.plugins.iter_mut().find(|p| p.name == template) {
                    p.from = Some(std::mem::replace(&mut p.version, new.clone()));
                    p.phase = PluginPhase::Updating;
                    p.due_ms = Some(due);
                }
            }
        }
    }

    fn driver_strategy(&self) -> String {
        self.pool
            .spec
            .driver
            .as_ref()
            .and_then(|d| d.get("updateStrategy"))
            .and_then(Value::as_str)
            .unwrap_or("idle")
            .to_owned()
    }

    /// Upgrades the running nodes of `kind` from `old` to `version` with
    /// `batch-update`'s driver action. Nodes still being created get the
    /// new version when they are built.
    fn roll_driver(
        &mut self,
        kind: AcceleratorKind,
        old: &str,
        version: &str,
        strategy: &str,
        catalog: &Catalog,
        now_ms: i64,
    ) -> Result<(), DomainError> {
        let names: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| catalog.get(&n.flavor).is_some_and(|f| f.kind == kind))
            .filter(|n| !matches!(n.phase, NodePhase::Creating | NodePhase::Deleting))
            .filter(|n| n.extra.driver_version.as_deref().unwrap_or(old) != version)
            .map(|n| n.name.clone())
            .collect();
        if names.is_empty() {
            return Ok(());
        }
        let action = UpdateAction::Driver(DriverUpgrade {
            version: version.into(),
            strategy: strategy.into(),
        });
        let mut probe = self.clone();
        probe.update_nodes(&names, &action, now_ms)?;
        // The nodes keep the version they run until their upgrade ends.
        for i in 0..self.nodes.len() {
            let n = &self.nodes[i];
            if names.contains(&n.name) && n.extra.driver_version.is_none() {
                self.node_at_mut(i).extra.driver_version = Some(old.to_owned());
            }
        }
        self.update_nodes(&names, &action, now_ms)?;
        Ok(())
    }

    /// CreatePoolPlugin: installs the template, or upgrades (or reconfigures)
    /// it when the pool has it. Returns the plugin as it now is.
    pub fn install_plugin(
        &mut self,
        req: &api::PluginTemplateRef,
        env: &Env,
        now_ms: i64,
    ) -> Result<api::Plugin, DomainError> {
        if self.deletion_ms.is_some() {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is being deleted: plugins cannot be installed",
                self.name()
            )));
        }
        let name = req.name.trim();
        if name.is_empty() {
            return Err(DomainError::invalid("spec.template.name must not be empty"));
        }
        let Some(t) = catalog::template(name) else {
            let known: Vec<&str> = catalog::templates()
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            return Err(DomainError::invalid(format!(
                "spec.template.name: no plugin template {name:?}: use one of {}",
                known.join(", ")
            )));
        };
        let kinds = self.accelerators(env.catalog);
        if !t.fits(&kinds) {
            return Err(DomainError::invalid(format!(
                "spec.template.name: {name} needs a pool with {} nodes; pool \"{}\" has none",
                t.requires.as_deref().unwrap_or_default().to_uppercase(),
                self.name()
            )));
        }
        let version = match req.version.as_deref().map(str::trim) {
            None | Some("") => t.latest(),
            Some(v) => t.version(v).ok_or_else(|| {
                DomainError::invalid(format!(
                    "spec.template.version: {v:?} is not a version of {name}: use one of {}",
                    versions(t)
                ))
            })?,
        };
        let inputs = version.resolve(&req.inputs.clone().unwrap_or_default())?;
        let current = self.plugin_state(t, &kinds);
        if let Some(p) = &current {
            if p.phase != PluginPhase::Running {
                return Err(DomainError::invalid(format!(
                    "plugin {name} is {}: wait until it is Running",
                    p.phase.as_str()
                )));
            }
            if p.version == version.version && p.inputs == inputs {
                // Asking for what runs changes nothing.
                return Ok(self.plugin_view(p));
            }
        }
        let d = self.timing.durations();
        let duration = match (t.driver_kind(), &current) {
            (Some(_), _) => d.driver_upgrade,
            (None, None) => d.plugin_install,
            (None, Some(_)) => d.plugin_upgrade,
        };
        if let Some(kind) = t.driver_kind() {
            let old = self.driver_default(kind);
            let strategy = inputs
                .get("updateStrategy")
                .and_then(Value::as_str)
                .unwrap_or("idle")
                .to_owned();
            self.roll_driver(kind, &old, &version.version, &strategy, env.catalog, now_ms)?;
            self.set_driver_spec(kind, &version.version);
            self.refresh_driver(env.catalog);
        }
        let plugin = match current {
            Some(p) => Plugin {
                from: Some(p.version.clone()),
                version: version.version.clone(),
                inputs,
                phase: PluginPhase::Updating,
                due_ms: Some(now_ms + duration),
                ..p
            },
            None => Plugin {
                name: name.to_owned(),
                version: version.version.clone(),
                inputs,
                phase: PluginPhase::Pending,
                created_ms: now_ms,
                due_ms: Some(now_ms + duration),
                from: None,
            },
        };
        let view = self.plugin_view(&plugin);
        self.plugins.retain(|p| p.name != plugin.name);
        self.plugins.push(plugin);
        self.refresh_status();
        self.record(now_ms, false);
        Ok(view)
    }

    fn set_driver_spec(&mut self, kind: AcceleratorKind, version: &str) {
        let mut d = match self.pool.spec.driver.take() {
            Some(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        d.insert(kind_key(kind).into(), Value::from(version));
        self.pool.spec.driver = Some(Value::Object(d));
    }

    /// The pool's instance of a template: stored, or installed by default.
    fn plugin_state(&self, t: &PluginTemplate, kinds: &[AcceleratorKind]) -> Option<Plugin> {
        if let Some(p) = self.plugins.iter().find(|p| p.name == t.name) {
            return Some(p.clone());
        }
        if !t.installed_by_default(kinds, &self.pool.spec.scope) {
            return None;
        }
        let v = t.latest();
        Some(Plugin {
            name: t.name.clone(),
            version: v.version.clone(),
            inputs: v.defaults(),
            // Default plugins come up with the pool.
            phase: if self.became_running {
                PluginPhase::Running
            } else {
                PluginPhase::Pending
            },
            created_ms: self.created_ms,
            due_ms: None,
            from: None,
        })
    }

    /// ListPoolPlugins: default plugins, then those installed, in catalog order.
    pub fn plugin_views(&self, catalog: &Catalog) -> Vec<api::Plugin> {
        let kinds = self.accelerators(catalog);
        catalog::templates()
            .iter()
            .filter_map(|t| self.plugin_state(t, &kinds))
            .map(|p| self.plugin_view(&p))
            .collect()
    }

    fn plugin_view(&self, p: &Plugin) -> api::Plugin {
        let failed = self.failure.is_some() && !self.became_running;
        api::Plugin {
            api_version: API_VERSION.into(),
            kind: PLUGIN_KIND.into(),
            metadata: api::PluginMeta {
                name: p.name.clone(),
                creation_timestamp: rfc3339(p.created_ms),
            },
            spec: api::PluginSpec {
                template: api::PluginTemplateRef {
                    name: p.name.clone(),
                    version: Some(p.version.clone()),
                    inputs: Some(p.inputs.clone()),
                },
            },
            status: api::PluginStatus {
                phase: if failed { "Abnormal" } else { p.phase.as_str() }.into(),
                version: p.from.clone().unwrap_or_else(|| p.version.clone()),
                reason: failed.then(|| "the pool's nodes could not be created".to_owned()),
                values: serde_json::to_string(&p.inputs).expect("inputs serialize"),
                resources: Vec::new(),
            },
        }
    }

    pub(crate) fn next_plugin_due(&self) -> Option<i64> {
        self.plugins.iter().filter_map(|p| p.due_ms).min()
    }

    /// Ends every install and upgrade due by `t`.
    pub(crate) fn advance_plugins(&mut self, t: i64) {
        for p in &mut self.plugins {
            if p.due_ms.is_some_and(|d| d <= t) {
                p.due_ms = None;
                p.from = None;
                p.phase = PluginPhase::Running;
            }
        }
    }

    /// ShowPoolNodeConfig: every item at its default; respool offers no call to change them.
    pub fn node_config_view(&self) -> api::NodeConfig {
        api::NodeConfig {
            api_version: API_VERSION.into(),
            kind: "NodeConfig".into(),
            metadata: api::NameMeta {
                name: "node-config".into(),
            },
            spec: api::NodeConfigSpec {
                configs: catalog::default_node_configs(),
            },
            status: api::NodeConfigStatus {
                phase: if self.became_running {
                    "Running"
                } else {
                    "Pending"
                }
                .into(),
            },
        }
    }
}

/// Which templates a pool (its accelerators) can install; all without one.
pub fn templates_for(pool: Option<&PoolState>, catalog: &Catalog) -> Vec<&'static PluginTemplate> {
    let kinds = pool.map(|p| p.accelerators(catalog));
    catalog::templates()
        .iter()
        .filter(|t| kinds.as_deref().is_none_or(|k| t.fits(k)))
        .collect()
}

fn version_view(v: &crate::plugins::TemplateVersion) -> api::PluginTemplateVersion {
    api::PluginTemplateVersion {
        version: v.version.clone(),
        creation_timestamp: TEMPLATE_CREATED.into(),
        inputs: serde_json::to_value(&v.inputs).expect("inputs serialize"),
        description: v.detail.clone(),
        detail: v.detail.clone(),
    }
}

fn template_meta(t: &PluginTemplate) -> api::PluginTemplateMeta {
    let mut annotations = BTreeMap::new();
    if let Some(r) = &t.requires {
        annotations.insert("os.modelarts/plugin.accelerator".to_owned(), r.clone());
    }
    api::PluginTemplateMeta {
        name: t.name.clone(),
        annotations,
    }
}

/// A template as the v2 list shows it.
pub fn template_view(t: &PluginTemplate) -> api::PluginTemplate {
    api::PluginTemplate {
        api_version: API_VERSION.into(),
        kind: "PluginTemplate".into(),
        metadata: template_meta(t),
        spec: api::PluginTemplateSpec {
            optional: t.optional,
            template_type: t.kind.clone(),
            description: t.description.clone(),
            versions: t.versions.iter().map(version_view).collect(),
        },
    }
}

/// A template as the v1 show answers it.
pub fn template_detail(t: &PluginTemplate) -> api::PluginTemplateDetail {
    api::PluginTemplateDetail {
        api_version: "v1".into(),
        kind: "PluginTemplate".into(),
        metadata: template_meta(t),
        spec: api::PluginTemplateDetailSpec {
            template_type: t.kind.clone(),
            description: t.description.clone(),
            versions: t
                .versions
                .iter()
                .map(|v| (v.version.clone(), version_view(v)))
                .collect(),
        },
    }
}

/// ShowPoolNodeConfigTemplate.
pub fn node_config_choices() -> api::NodeConfigChoices {
    api::NodeConfigChoices {
        api_version: API_VERSION.into(),
        kind: "NodeConfigTemplate".into(),
        metadata: api::NameMeta {
            name: "node-config-template".into(),
        },
        spec: api::NodeConfigChoicesSpec {
            templates: vec![api::NodeConfigSpec {
                configs: catalog::node_config_choices(),
            }],
        },
    }
}

/// ShowNodeConfigTemplate: the template of a flavor, by the flavor's name.
pub fn node_config_template(catalog: &Catalog, name: &str) -> Option<api::NodeConfigTemplate> {
    let f = catalog.get(name)?;
    let local = f.local_disk;
    Some(api::NodeConfigTemplate {
        api_version: "v1".into(),
        kind: "NodeConfigTemplate".into(),
        metadata: api::NameMeta { name: name.into() },
        spec: api::NodeConfigTemplateSpec {
            docker_base_size: 50,
            docker_lvm_config: api::DockerLvmConfig {
                docker_thin_pool: 90,
                kubernetes_lv: 10,
                docker_disk_type: if local { "ssd" } else { "evs" }.into(),
                lv_type: if f.data_volumes.len() > 1 {
                    "striped"
                } else {
                    "linear"
                }
                .into(),
            },
            os_list: crate::plugins::os_images(f)
                .into_iter()
                .map(|(os, preferred, eos)| api::AffinityOs {
                    name: os.into(),
                    // Bare-metal flavors name an image; VMs pick theirs by name.
                    image_id: if f.baremetal {
                        image_id(name, os)
                    } else {
                        String::new()
                    },
                    preferred,
                    eos,
                    offline: false,
                })
                .collect(),
        },
    })
}

/// A stable image id for a flavor's OS.
fn image_id(flavor: &str, os: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::identity::uuid_from_digest(&Sha256::digest(format!("{flavor}/{os}").as_bytes()))
}
