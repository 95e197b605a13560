//! `POST /v2/{project_id}/pools/{pool_name}/orderid`: billing changes.

use reqwest::Method;
use respool_api_types::{OrderIdAnswer, OrderIdRequest};

use crate::{Client, Error};

impl Client {
    /// Opens the order that turns a pay-per-use pool yearly/monthly once
    /// paid (`actionType=toPeriod`); returns the order's id.
    pub async fn order_to_period(&self, pool: &str) -> Result<String, Error> {
        let answer: OrderIdAnswer = self
            .send(
                Method::POST,
                &self.path("v2", &["pools", pool, "orderid"]),
                &[("actionType", "toPeriod")],
                Some(&OrderIdRequest {
                    action_type: Some("toPeriod".into()),
                }),
            )
            .await?;
        Ok(answer.id)
    }
}
