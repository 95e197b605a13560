//! Counts of pools by state (`/v2/{project_id}/statistics/pools`) and a
//! pool's metrics (`/v2/{project_id}/pools/{pool_name}/monitor`).

use respool_api_types::{PoolMonitor, PoolStatistics};

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
}
