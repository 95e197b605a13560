//! What the service says about pools besides the pools themselves: tags
//! (`/v1/{project_id}/pools/.../tags`), counts by state
//! (`/v2/{project_id}/statistics/pools`) and metrics
//! (`/v2/{project_id}/pools/{pool_name}/monitor`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One tag as a request carries it (`value` singular).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The body of `POST .../tags/create`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TagRequest {
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// One tag to delete: the key, and optionally the value it must have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TagDeletion {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// The body of `DELETE .../tags/delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TagDeletionRequest {
    #[serde(default)]
    pub tags: Vec<TagDeletion>,
}

/// A key with its values (`values` plural), as answers carry tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PoolTag {
    pub key: String,
    pub values: Vec<String>,
}

/// Every tag answer: `{"tags": [{"key", "values"}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PoolTagList {
    pub tags: Vec<PoolTag>,
}

/// `GET /v2/{project_id}/statistics/pools` answers this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolStatistics {
    pub statistics: PoolStatisticsBody,
    /// Go's `time.String()`: `2025-03-27 11:48:55.446172146 +0000 UTC`.
    pub operation_time: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PoolStatisticsBody {
    pub status: PoolStatusCounts,
}

/// Pools per state, in the vocabulary of ListPools' `status` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PoolStatusCounts {
    pub created: i64,
    pub creating: i64,
    pub failed: i64,
    pub pending: i64,
    pub deleting: i64,
}

/// `GET /v2/{project_id}/pools/{pool_name}/monitor` answers this.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolMonitor {
    pub metrics: Vec<PoolMonitorMetrics>,
}

/// One metric and its series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolMonitorMetrics {
    pub metric: PoolMonitorMetric,
    pub data_points: Vec<PoolMonitorDataPoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolMonitorMetric {
    pub dimensions: Vec<MetricDimension>,
    /// `cpuUsage`, `memUsedRate`, `gpuUtil`, `npuUtil`, ...
    pub metric_name: String,
    /// `PAAS.CONTAINER`, `PAAS.NODE`, `PAAS.SLA`, `PAAS.AGGR` or `CUSTOMMETRICS`.
    pub namespace: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MetricDimension {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PoolMonitorDataPoint {
    /// Epoch milliseconds: the start of the period.
    pub timestamp: i64,
    /// `Percent` or `Megabytes`.
    pub unit: String,
    pub statistics: Vec<MetricStatistic>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricStatistic {
    /// `maximum`, `minimum`, `sum`, `average` or `sampleCount`.
    pub statistic: String,
    /// `-1` when there is no data.
    pub value: f64,
}
