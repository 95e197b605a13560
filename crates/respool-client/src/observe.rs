//! What the service says about pools besides the pools: counts by state
//! (`/v2/{project_id}/statistics/pools`), metrics
//! (`/v2/{project_id}/pools/{pool_name}/monitor`) and tags
//! (`/v1/{project_id}/pools/.../tags`).

use reqwest::Method;
use respool_api_types::{
    PoolMonitor, PoolStatistics, PoolTagList, Tag, TagDeletion, TagDeletionRequest, TagRequest,
};

use crate::{Client, Error};

/// The query of `GET /v2/{project_id}/pools/{pool_name}/monitor`; `None`
/// fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitorQuery {
    /// `start.end.minutes` in epoch milliseconds, `-1` for "now"
    /// (the service's default: `-1.-1.60`, the last hour).
    pub time_range: Option<String>,
    /// Comma-separated: `maximum`, `minimum`, `sum`, `average`, `sampleCount`.
    pub statistics: Option<String>,
    /// Seconds per data point: 60, 300, 900 or 3600.
    pub period: Option<u32>,
}

impl Client {
    /// `GET /v2/{project_id}/statistics/pools`: pools per state in a workspace
    /// (`None`: the service's default, `0`).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// let s = client.pool_statistics(None).await?;
    /// println!("{} created, {} creating", s.statistics.status.created, s.statistics.status.creating);
    /// # Ok(()) }
    /// ```
    pub async fn pool_statistics(
        &self,
        workspace_id: Option<&str>,
    ) -> Result<PoolStatistics, Error> {
        let q: Vec<(&str, &str)> = workspace_id
            .filter(|w| !w.is_empty())
            .map(|w| ("workspaceId", w))
            .into_iter()
            .collect();
        self.get(&self.path("v2", &["statistics", "pools"]), &q)
            .await
    }

    /// `GET /v2/{project_id}/pools/{pool_name}/monitor`: metric series of a pool.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, pool: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::MonitorQuery;
    ///
    /// let m = client
    ///     .pool_monitor(pool, &MonitorQuery { period: Some(300), ..Default::default() })
    ///     .await?;
    /// for series in &m.metrics {
    ///     println!("{}: {} points", series.metric.metric_name, series.data_points.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn pool_monitor(
        &self,
        pool: &str,
        query: &MonitorQuery,
    ) -> Result<PoolMonitor, Error> {
        let period = query.period.map(|p| p.to_string());
        let mut q: Vec<(&str, &str)> = Vec::new();
        for (key, value) in [
            ("time_range", query.time_range.as_deref()),
            ("statistics", query.statistics.as_deref()),
            ("period", period.as_deref()),
        ] {
            if let Some(v) = value {
                q.push((key, v));
            }
        }
        self.get(&self.path("v2", &["pools", pool, "monitor"]), &q)
            .await
    }

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
