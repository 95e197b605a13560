//! Orders and events of a pool, and paying for yearly/monthly ones.

use crate::{Response, TestServer, PROJECT};

impl TestServer {
    pub async fn order_id(&self, pool: &str, query: &[(&str, &str)]) -> Response {
        let path = format!("{}/{pool}/orderid", self.pools_path());
        self.call("POST", &path, query, None).await
    }

    pub async fn pay(&self, pool: &str) -> Response {
        self.admin(
            "POST",
            &format!("/_respool/pools/{PROJECT}/{pool}/pay"),
            None,
        )
        .await
    }

    pub async fn orders_of(&self, pool: &str) -> Vec<serde_json::Value> {
        let r = self
            .call(
                "GET",
                &format!("/v1/{PROJECT}/orders"),
                &[("involvedName", pool)],
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["items"].as_array().unwrap().clone()
    }

    /// The events of a pool (`GET /v1/{project_id}/events?resource=pools&name=`).
    pub async fn events_of(&self, pool: &str) -> Response {
        self.call(
            "GET",
            &format!("/v1/{PROJECT}/events"),
            &[("resource", "pools"), ("name", pool)],
            None,
        )
        .await
    }
}
