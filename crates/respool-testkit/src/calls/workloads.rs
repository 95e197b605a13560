//! Calls for tests of declared workloads and the capacity they use.

use serde_json::Value;

use crate::{TestServer, PROJECT};

impl TestServer {
    pub async fn add_workload(&self, pool: &str, body: Value) -> crate::Response {
        self.admin(
            "POST",
            &format!("/_respool/pools/{PROJECT}/{pool}/workloads"),
            Some(&body),
        )
        .await
    }

    pub async fn workloads(&self, pool: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let r = self
            .call(
                "GET",
                &format!("/v2/{PROJECT}/pools/{pool}/workloads"),
                query,
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["kind"], "WorkloadList");
        r.body["items"].as_array().unwrap().clone()
    }

    pub async fn workload(&self, pool: &str, name: &str) -> Value {
        self.workloads(pool, &[])
            .await
            .into_iter()
            .find(|w| w["name"] == name)
            .unwrap_or_else(|| panic!("no workload {name}"))
    }

    pub async fn metrics_of(&self, pool: &str) -> Value {
        let r = self
            .call(
                "GET",
                &format!("/v2/{PROJECT}/metrics/runtime/pools"),
                &[],
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["kind"], "PoolMetricsList");
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["metadata"]["name"] == pool)
            .cloned()
            .expect("the pool's metrics")
    }

    pub async fn stats(&self, pool: &str) -> Value {
        let r = self
            .call(
                "GET",
                &format!("/v2/{PROJECT}/statistics/pools/{pool}/workloads"),
                &[],
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["statistics"].clone()
    }
}
