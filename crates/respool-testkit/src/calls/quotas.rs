//! Calls for tests of quotas and network address availability.

use serde_json::{json, Value};

use crate::{TestServer, PROJECT};

impl TestServer {
    pub async fn os_quotas(&self) -> Value {
        let r = self
            .call("GET", &format!("/v1/{PROJECT}/quotas"), &[], None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    pub async fn ws_quotas(&self, ws: &str) -> crate::Response {
        self.call(
            "GET",
            &format!("/v1/{PROJECT}/workspaces/{ws}/quotas"),
            &[],
            None,
        )
        .await
    }

    pub async fn set_ws_quotas(&self, ws: &str, quotas: Value) -> crate::Response {
        self.call(
            "PUT",
            &format!("/v1/{PROJECT}/workspaces/{ws}/quotas"),
            &[],
            Some(&json!({ "quotas": quotas })),
        )
        .await
    }

    pub async fn ips(&self, network: &str, query: &[(&str, &str)]) -> crate::Response {
        self.call(
            "GET",
            &format!("/v1/{PROJECT}/networks/{network}/network-ip-availabilities"),
            query,
            None,
        )
        .await
    }
}
