//! Calls for tests of node operations and the jobs they start.

use serde_json::Value;

use crate::{Response, TestServer, PROJECT};

impl TestServer {
    pub async fn batch(&self, pool: &str, action: &str, body: Value) -> Response {
        self.call(
            "POST",
            &format!("{}/batch-{action}", self.nodes_path(pool)),
            &[],
            Some(&body),
        )
        .await
    }

    /// A running pool of `count` nodes; its name and its nodes' names.
    pub async fn running_pool_nodes(&self, display: &str, count: i64) -> (String, Vec<String>) {
        let name = self.running_pool(display, count).await;
        (name.clone(), self.node_names(&name).await)
    }

    pub async fn node_names(&self, pool: &str) -> Vec<String> {
        self.nodes(pool)
            .await
            .iter()
            .map(|n| n["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn node(&self, pool: &str, node: &str) -> Value {
        let r = self
            .call(
                "GET",
                &format!("{}/{node}", self.nodes_path(pool)),
                &[],
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    pub async fn job(&self, id: &str) -> Value {
        let r = self
            .call("GET", &format!("/v2/{PROJECT}/jobs/{id}"), &[], None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    pub async fn phases(&self, pool: &str) -> Vec<String> {
        self.nodes(pool)
            .await
            .iter()
            .map(|n| n["status"]["phase"].as_str().unwrap().to_owned())
            .collect()
    }
}
