//! Calls for tests of node pools.

use serde_json::Value;

use crate::{Response, TestServer};

impl TestServer {
    pub fn node_pools_path(&self, pool: &str) -> String {
        format!("{}/{pool}/nodepools", self.pools_path())
    }

    pub async fn node_pool_call(
        &self,
        method: &str,
        pool: &str,
        np: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let path = match np {
            Some(np) => format!("{}/{np}", self.node_pools_path(pool)),
            None => self.node_pools_path(pool),
        };
        self.call(method, &path, &[], body).await
    }

    pub async fn node_pool(&self, pool: &str, np: &str) -> Value {
        let r = self.node_pool_call("GET", pool, Some(np), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    pub async fn node_pool_nodes(&self, pool: &str, np: &str, query: &[(&str, &str)]) -> Response {
        let path = format!("{}/{np}/nodes", self.node_pools_path(pool));
        self.call("GET", &path, query, None).await
    }
}
