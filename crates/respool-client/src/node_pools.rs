//! `/v2/{project_id}/pools/{pool_name}/nodepools`: a pool's node pools,
//! each one entry of its `spec.resources`.

use reqwest::Method;
use respool_api_types::{Node, NodeList, NodePool, NodePoolList};
use serde_json::{json, Value};

use crate::{Client, Error};

impl Client {
    /// `GET .../nodepools`: every node pool of the pool, with its counts.
    pub async fn list_node_pools(&self, pool: &str) -> Result<NodePoolList, Error> {
        self.get(&self.path("v2", &["pools", pool, "nodepools"]), &[])
            .await
    }

    /// `POST .../nodepools`: adds a node pool; its nodes start `Creating`.
    pub async fn create_node_pool(&self, pool: &str, body: &NodePool) -> Result<NodePool, Error> {
        self.send(
            Method::POST,
            &self.path("v2", &["pools", pool, "nodepools"]),
            &[],
            Some(body),
        )
        .await
    }

    /// `GET .../nodepools/{nodepool_name}`.
    pub async fn get_node_pool(&self, pool: &str, node_pool: &str) -> Result<NodePool, Error> {
        self.get(
            &self.path("v2", &["pools", pool, "nodepools", node_pool]),
            &[],
        )
        .await
    }

    /// `PATCH .../nodepools/{nodepool_name}` with a merge patch of
    /// `{spec: {resources: {...}}}`.
    pub async fn patch_node_pool(
        &self,
        pool: &str,
        node_pool: &str,
        patch: &Value,
    ) -> Result<NodePool, Error> {
        self.send(
            Method::PATCH,
            &self.path("v2", &["pools", pool, "nodepools", node_pool]),
            &[],
            Some(patch),
        )
        .await
    }

    /// Sets a node pool's node count.
    pub async fn scale_node_pool(
        &self,
        pool: &str,
        node_pool: &str,
        count: i64,
    ) -> Result<NodePool, Error> {
        let patch = json!({"spec": {"resources": {"count": count}}});
        self.patch_node_pool(pool, node_pool, &patch).await
    }

    /// `DELETE .../nodepools/{nodepool_name}`: answers it as it was; its
    /// nodes are deleted in time.
    pub async fn delete_node_pool(&self, pool: &str, node_pool: &str) -> Result<NodePool, Error> {
        self.send(
            Method::DELETE,
            &self.path("v2", &["pools", pool, "nodepools", node_pool]),
            &[],
            None::<&()>,
        )
        .await
    }

    /// Every node of a node pool, following `metadata.continue`.
    pub async fn list_node_pool_nodes(
        &self,
        pool: &str,
        node_pool: &str,
        page_size: Option<u32>,
    ) -> Result<Vec<Node>, Error> {
        self.get_all::<NodeList>(
            &self.path("v2", &["pools", pool, "nodepools", node_pool, "nodes"]),
            &[],
            page_size,
        )
        .await
    }
}
