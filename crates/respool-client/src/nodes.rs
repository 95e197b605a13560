//! `/v2/{project_id}/pools/{pool_name}/nodes`: list (paged), show, batch-delete.

use reqwest::Method;
use respool_api_types::{Node, NodeDeletion, NodeList, NodeResult};
use serde_json::Value;

use crate::paging::PageOptions;
use crate::{Client, Error};

impl Client {
    /// One page of `GET /v2/{project_id}/pools/{pool_name}/nodes`
    /// (`limit` 0–500, `continue` from the previous page's `metadata.continue`).
    pub async fn list_nodes_page(
        &self,
        pool: &str,
        options: &PageOptions,
    ) -> Result<NodeList, Error> {
        self.get_page(&self.path("v2", &["pools", pool, "nodes"]), &[], options)
            .await
    }

    /// Every node of a pool, following `metadata.continue` page after page.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// for node in client.list_nodes("demo-0123456789abcdef0123456789abcdef", None).await? {
    ///     println!("{} {} {}", node.metadata.name, node.status.phase, node.status.private_ip);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_nodes(&self, pool: &str, page_size: Option<u32>) -> Result<Vec<Node>, Error> {
        self.get_all::<NodeList>(&self.path("v2", &["pools", pool, "nodes"]), &[], page_size)
            .await
    }

    /// `GET /v2/{project_id}/pools/{pool_name}/nodes/{node_name}`.
    pub async fn get_node(&self, pool: &str, node: &str) -> Result<Node, Error> {
        self.get(&self.path("v2", &["pools", pool, "nodes", node]), &[])
            .await
    }

    /// `POST /v2/{project_id}/pools/{pool_name}/nodes/batch-delete`: the nodes
    /// start `Deleting`, and the pool's `spec.resources` shrinks to match.
    /// Returns the outcome per node when the server reports one (the official
    /// SDK ignores the answer; an answer that is not a list gives an empty one).
    pub async fn delete_nodes(
        &self,
        pool: &str,
        nodes: &[String],
    ) -> Result<Vec<NodeResult>, Error> {
        let answer: Value = self
            .send(
                Method::POST,
                &self.path("v2", &["pools", pool, "nodes", "batch-delete"]),
                &[],
                Some(&NodeDeletion {
                    delete_node_names: nodes.to_vec(),
                }),
            )
            .await?;
        Ok(serde_json::from_value(answer).unwrap_or_default())
    }
}
