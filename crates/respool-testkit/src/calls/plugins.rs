//! Calls for tests of plugins and drivers.

use serde_json::{json, Value};

use crate::{Response, TestServer, PROJECT};

impl TestServer {
    pub fn plugins_path(&self, pool: &str) -> String {
        format!("/v2/{PROJECT}/pools/{pool}/plugins")
    }

    pub async fn install(&self, pool: &str, template: Value) -> Response {
        let body = json!({"apiVersion": "v2", "kind": "Plugin", "spec": {"template": template}});
        self.call("POST", &self.plugins_path(pool), &[], Some(&body))
            .await
    }

    pub async fn plugins(&self, pool: &str) -> Vec<Value> {
        let r = self.call("GET", &self.plugins_path(pool), &[], None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["kind"], "PluginList");
        r.body["items"].as_array().unwrap().clone()
    }

    pub async fn plugin(&self, pool: &str, name: &str) -> Option<Value> {
        self.plugins(pool)
            .await
            .into_iter()
            .find(|p| p["metadata"]["name"] == name)
    }
    pub async fn drivers(&self, pool: &str) -> Vec<Value> {
        self.nodes(pool)
            .await
            .iter()
            .map(|n| n["status"]["driver"].clone())
            .collect()
    }
}
