//! Counts of pools by state (`/v2/{project_id}/statistics/pools`) and a
//! pool's metrics (`/v2/{project_id}/pools/{pool_name}/monitor`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
