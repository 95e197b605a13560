//! Pool tags (`/v1/{project_id}/pools/.../tags`).

use reqwest::Method;
use respool_api_types::{PoolTagList, Tag, TagDeletion, TagDeletionRequest, TagRequest};

use crate::{Client, Error};

impl Client {
    /// One page of `GET /v1/{project_id}/pools/tags`: every tag key of the
    /// project's pools with its values (`offset`, `limit` up to 1000).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// let page = client.list_project_pool_tags_page(Some(0), Some(100)).await?;
    /// println!("{} keys", page.tags.len());
    /// # Ok(()) }
    /// ```
    pub async fn list_project_pool_tags_page(
        &self,
        offset: Option<u32>,
        limit: Option<u32>,
    ) -> Result<PoolTagList, Error> {
        let offset = offset.map(|n| n.to_string());
        let limit = limit.map(|n| n.to_string());
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(o) = &offset {
            q.push(("offset", o));
        }
        if let Some(l) = &limit {
            q.push(("limit", l));
        }
        self.get(&self.path("v1", &["pools", "tags"]), &q).await
    }

    /// Every tag key of the project's pools with its values, page after page.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// for t in client.list_project_pool_tags().await?.tags {
    ///     println!("{}: {}", t.key, t.values.join(", "));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_project_pool_tags(&self) -> Result<PoolTagList, Error> {
        const PAGE: u32 = 1000;
        let mut all = PoolTagList::default();
        loop {
            let page = self
                .list_project_pool_tags_page(Some(all.tags.len() as u32), Some(PAGE))
                .await?;
            let got = page.tags.len();
            all.tags.extend(page.tags);
            if got < PAGE as usize {
                return Ok(all);
            }
        }
    }

    /// `GET /v1/{project_id}/pools/{pool_name}/tags`.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, pool: &str) -> Result<(), respool_client::Error> {
    /// for t in client.get_pool_tags(pool).await?.tags {
    ///     println!("{}={}", t.key, t.values.join(","));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_pool_tags(&self, pool: &str) -> Result<PoolTagList, Error> {
        self.get(&self.path("v1", &["pools", pool, "tags"]), &[])
            .await
    }

    /// `POST /v1/{project_id}/pools/{pool_name}/tags/create`: adds tags; a key
    /// the pool has already gets the new value. Answers the pool's tags.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, pool: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::types::Tag;
    ///
    /// let tags = client
    ///     .add_pool_tags(pool, &[Tag { key: "team".into(), value: "ml".into() }])
    ///     .await?;
    /// assert!(tags.tags.iter().any(|t| t.key == "team"));
    /// # Ok(()) }
    /// ```
    pub async fn add_pool_tags(&self, pool: &str, tags: &[Tag]) -> Result<PoolTagList, Error> {
        self.send(
            Method::POST,
            &self.path("v1", &["pools", pool, "tags", "create"]),
            &[],
            Some(&TagRequest {
                tags: tags.to_vec(),
            }),
        )
        .await
    }

    /// `DELETE /v1/{project_id}/pools/{pool_name}/tags/delete` (with a body):
    /// removes tags by key, or by key and value. Answers the tags left.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, pool: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::types::TagDeletion;
    ///
    /// let left = client
    ///     .remove_pool_tags(pool, &[TagDeletion { key: "team".into(), value: None }])
    ///     .await?;
    /// assert!(left.tags.iter().all(|t| t.key != "team"));
    /// # Ok(()) }
    /// ```
    pub async fn remove_pool_tags(
        &self,
        pool: &str,
        tags: &[TagDeletion],
    ) -> Result<PoolTagList, Error> {
        self.send(
            Method::DELETE,
            &self.path("v1", &["pools", pool, "tags", "delete"]),
            &[],
            Some(&TagDeletionRequest {
                tags: tags.to_vec(),
            }),
        )
        .await
    }
}
