//! The plugin-template catalog (`plugin_templates.json`, embedded at compile
//! time): which plugins a pool may install, their versions and the typed
//! inputs each version takes. Also the node-configuration catalog.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flavors::{AcceleratorKind, Flavor};
use crate::DomainError;

const BUILTIN_JSON: &str = include_str!("plugin_templates.json");

/// When the catalog's versions were published (`creationTimestamp`).
pub const TEMPLATE_CREATED: &str = "2024-05-29T14:24:33Z";

/// One plugin template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginTemplate {
    pub name: String,
    /// `gpuDriver`, `npuDriver`, `ccePlugin` or `helm`.
    #[serde(rename = "type")]
    pub kind: String,
    pub optional: bool,
    pub description: String,
    /// The accelerator a pool needs for it: `gpu` or `npu`.
    #[serde(default)]
    pub requires: Option<String>,
    /// A driver template: the accelerator whose node drivers it installs.
    #[serde(default)]
    pub driver: Option<String>,
    /// Installed with every pool that meets `requires`.
    #[serde(default)]
    pub default: bool,
    /// Installed with every pool that has one of these job types.
    #[serde(default)]
    pub default_for_scopes: Vec<String>,
    /// Newest first: the first is what a default install runs.
    pub versions: Vec<TemplateVersion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateVersion {
    pub version: String,
    pub detail: String,
    pub inputs: BTreeMap<String, InputSpec>,
}

/// One input a version takes, and its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    #[serde(rename = "type")]
    pub kind: InputType,
    pub default: Value,
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputType {
    String,
    Integer,
    Boolean,
    Enum,
}

/// Every template, in catalog order.
pub fn templates() -> &'static [PluginTemplate] {
    static CATALOG: OnceLock<Vec<PluginTemplate>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        serde_json::from_str(BUILTIN_JSON).expect("the built-in plugin catalog parses")
    })
}

pub fn template(name: &str) -> Option<&'static PluginTemplate> {
    templates().iter().find(|t| t.name == name)
}

impl PluginTemplate {
    pub fn version(&self, v: &str) -> Option<&TemplateVersion> {
        self.versions.iter().find(|x| x.version == v)
    }

    pub fn latest(&self) -> &TemplateVersion {
        &self.versions[0]
    }

    /// The accelerator this template needs, if any.
    pub fn required_kind(&self) -> Option<AcceleratorKind> {
        kind_of(self.requires.as_deref())
    }

    pub fn driver_kind(&self) -> Option<AcceleratorKind> {
        kind_of(self.driver.as_deref())
    }

    /// Whether a pool with these accelerators can install it.
    pub fn fits(&self, kinds: &[AcceleratorKind]) -> bool {
        self.required_kind().is_none_or(|k| kinds.contains(&k))
    }

    /// Whether a pool gets it installed when it is created.
    pub fn installed_by_default(&self, kinds: &[AcceleratorKind], scopes: &[String]) -> bool {
        self.fits(kinds)
            && (self.default || self.default_for_scopes.iter().any(|s| scopes.contains(s)))
    }
}

fn kind_of(s: Option<&str>) -> Option<AcceleratorKind> {
    match s {
        Some("gpu") => Some(AcceleratorKind::Gpu),
        Some("npu") => Some(AcceleratorKind::Npu),
        _ => None,
    }
}

impl TemplateVersion {
    /// Every input with its default: what an install without inputs runs with.
    pub fn defaults(&self) -> BTreeMap<String, Value> {
        self.inputs
            .iter()
            .map(|(k, s)| (k.clone(), s.default.clone()))
            .collect()
    }

    /// The inputs a request gives, checked against the version and filled up
    /// with defaults; an error names the field.
    pub fn resolve(
        &self,
        given: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, DomainError> {
        let mut out = self.defaults();
        for (k, v) in given {
            let field = format!("spec.template.inputs.{k}");
            let Some(spec) = self.inputs.get(k) else {
                let known: Vec<&str> = self.inputs.keys().map(String::as_str).collect();
                return Err(DomainError::invalid(if known.is_empty() {
                    format!("{field}: version {} takes no inputs", self.version)
                } else {
                    format!(
                        "{field}: unknown input of version {}: use {}",
                        self.version,
                        known.join(", ")
                    )
                }));
            };
            spec.check(&field, v)?;
            out.insert(k.clone(), v.clone());
        }
        Ok(out)
    }
}

impl InputSpec {
    fn check(&self, field: &str, v: &Value) -> Result<(), DomainError> {
        let bad = |want: &str| DomainError::invalid(format!("{field}: must be {want}, got {v}"));
        match self.kind {
            InputType::String => v.as_str().map(|_| ()).ok_or_else(|| bad("a string")),
            InputType::Boolean => v.as_bool().map(|_| ()).ok_or_else(|| bad("true or false")),
            InputType::Enum => match v.as_str() {
                Some(s) if self.values.iter().any(|x| x == s) => Ok(()),
                _ => Err(bad(&format!("one of {}", self.values.join(", ")))),
            },
            InputType::Integer => {
                let range = match (self.min, self.max) {
                    (Some(lo), Some(hi)) => format!("an integer from {lo} to {hi}"),
                    _ => "an integer".to_owned(),
                };
                match v.as_i64() {
                    Some(n)
                        if self.min.is_none_or(|lo| n >= lo)
                            && self.max.is_none_or(|hi| n <= hi) =>
                    {
                        Ok(())
                    }
                    _ => Err(bad(&range)),
                }
            }
        }
    }
}

/// The node-customization items a pool's nodes support, with their values
/// (the first is the default).
pub const NODE_CONFIG_ITEMS: [(&str, &[&str]); 3] = [
    ("cpu_manager", &["none", "static"]),
    ("drop_cache", &["disable", "enable"]),
    ("transparent_hugepage", &["madvise", "always", "never"]),
];

/// `configs` with every item at its default: `{"cpu_manager": {"mode": "none"}, ...}`.
pub fn default_node_configs() -> Value {
    let mut m = serde_json::Map::new();
    for (item, values) in NODE_CONFIG_ITEMS {
        m.insert(item.into(), serde_json::json!({"mode": values[0]}));
    }
    Value::Object(m)
}

/// `configs` of the node-config template: every item with its allowed modes and default.
pub fn node_config_choices() -> Value {
    let mut m = serde_json::Map::new();
    for (item, values) in NODE_CONFIG_ITEMS {
        m.insert(
            item.into(),
            serde_json::json!({"mode": values[0], "options": values}),
        );
    }
    Value::Object(m)
}

/// The built-in OS images a flavor's nodes may run: (name, preferred, eos).
pub fn os_images(flavor: &Flavor) -> Vec<(&'static str, bool, bool)> {
    if flavor.cpu_arch == "arm64" {
        vec![
            ("EulerOS 2.10 64bit for Arm", true, false),
            ("Huawei Cloud EulerOS 2.0 64bit for Arm", false, false),
            ("EulerOS 2.8 64bit for Arm", false, true),
        ]
    } else {
        vec![
            ("EulerOS 2.9 64bit", true, false),
            ("Huawei Cloud EulerOS 2.0 64bit", false, false),
            ("Ubuntu 20.04 server 64bit", false, false),
            ("EulerOS 2.5 64bit", false, true),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_and_every_default_fits_its_type() {
        assert!(templates().len() >= 8);
        for t in templates() {
            assert!(!t.versions.is_empty(), "{}", t.name);
            for v in &t.versions {
                for (k, s) in &v.inputs {
                    s.check(k, &s.default).unwrap();
                }
            }
        }
        assert!(template("gpu-driver").unwrap().driver_kind() == Some(AcceleratorKind::Gpu));
    }

    #[test]
    fn inputs_are_typed() {
        let v = template("volcano").unwrap().latest();
        let ok: BTreeMap<String, Value> = [("replicas".to_owned(), Value::from(3))].into();
        assert_eq!(v.resolve(&ok).unwrap()["replicas"], 3);
        let big: BTreeMap<String, Value> = [("replicas".to_owned(), Value::from(9))].into();
        let e = v.resolve(&big).unwrap_err().to_string();
        assert!(e.contains("spec.template.inputs.replicas"), "{e}");
        let unknown: BTreeMap<String, Value> = [("nope".to_owned(), Value::from(1))].into();
        assert!(v.resolve(&unknown).is_err());
    }
}
