//! Pool plugins and their templates, and node configuration.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use respool_api_types::{
    NodeConfig, NodeConfigChoices, NodeConfigTemplate, Plugin, PluginList, PluginRequest,
    PluginSpec, PluginTemplateDetail, PluginTemplateList, PluginTemplateRef,
};
use serde_json::Value;

use crate::{Client, Error};

/// The phase a plugin settles in once installed or upgraded.
pub const PLUGIN_RUNNING: &str = "Running";

impl Client {
    /// `GET /v2/{project_id}/plugintemplates`, optionally only one template
    /// or only those `pool` can install.
    pub async fn list_plugin_templates(
        &self,
        template: Option<&str>,
        pool: Option<&str>,
    ) -> Result<PluginTemplateList, Error> {
        let mut query = Vec::new();
        if let Some(t) = template {
            query.push(("templateName", t));
        }
        if let Some(p) = pool {
            query.push(("poolName", p));
        }
        self.get(&self.path("v2", &["plugintemplates"]), &query)
            .await
    }

    /// `GET /v1/{project_id}/plugintemplates/{name}`: versions by version.
    pub async fn get_plugin_template(&self, name: &str) -> Result<PluginTemplateDetail, Error> {
        self.get(&self.path("v1", &["plugintemplates", name]), &[])
            .await
    }

    /// `GET .../pools/{pool}/plugins`.
    pub async fn list_plugins(&self, pool: &str) -> Result<PluginList, Error> {
        self.get(&self.path("v2", &["pools", pool, "plugins"]), &[])
            .await
    }

    /// `POST .../pools/{pool}/plugins`: installs the template, or upgrades it
    /// when the pool has it (`version` `None`: the newest).
    pub async fn install_plugin(
        &self,
        pool: &str,
        template: &str,
        version: Option<&str>,
        inputs: Option<BTreeMap<String, Value>>,
    ) -> Result<Plugin, Error> {
        let body = PluginRequest {
            api_version: Some("v2".into()),
            kind: Some("Plugin".into()),
            spec: PluginSpec {
                template: PluginTemplateRef {
                    name: template.into(),
                    version: version.map(str::to_owned),
                    inputs,
                },
            },
        };
        self.send(
            Method::POST,
            &self.path("v2", &["pools", pool, "plugins"]),
            &[],
            Some(&body),
        )
        .await
    }

    /// Polls the pool's plugins until `name` is `Running`.
    pub async fn wait_plugin(
        &self,
        pool: &str,
        name: &str,
        timeout: Duration,
        interval: Duration,
    ) -> Result<Plugin, Error> {
        let started = Instant::now();
        loop {
            let list = self.list_plugins(pool).await?;
            let found = list.items.into_iter().find(|p| p.metadata.name == name);
            let last = found
                .as_ref()
                .map_or("not installed".to_owned(), |p| p.status.phase.clone());
            match found {
                Some(p) if p.status.phase == PLUGIN_RUNNING => return Ok(p),
                Some(p) if p.status.phase == "Abnormal" => {
                    return Err(Error::WaitFailed {
                        kind: "plugin",
                        name: name.into(),
                        phase: p.status.phase,
                        message: p.status.reason,
                    })
                }
                _ => {}
            }
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Err(Error::WaitTimeout {
                    kind: "plugin",
                    name: name.into(),
                    condition: format!("become {PLUGIN_RUNNING}"),
                    waited: elapsed,
                    last,
                });
            }
            tokio::time::sleep(interval.min(timeout - elapsed)).await;
        }
    }

    /// `GET .../pools/{pool}/node-config`.
    pub async fn get_node_config(&self, pool: &str) -> Result<NodeConfig, Error> {
        self.get(&self.path("v2", &["pools", pool, "node-config"]), &[])
            .await
    }

    /// `GET .../pools/{pool}/node-config-template`.
    pub async fn get_node_config_choices(&self, pool: &str) -> Result<NodeConfigChoices, Error> {
        self.get(
            &self.path("v2", &["pools", pool, "node-config-template"]),
            &[],
        )
        .await
    }

    /// `GET /v1/{project_id}/nodeconfigtemplates/{flavor}`.
    pub async fn get_node_config_template(
        &self,
        flavor: &str,
    ) -> Result<NodeConfigTemplate, Error> {
        self.get(&self.path("v1", &["nodeconfigtemplates", flavor]), &[])
            .await
    }
}
