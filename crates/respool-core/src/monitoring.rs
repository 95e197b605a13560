//! What respool reports about pools besides the pools: counts by state and
//! monitoring series. The series are made up, but deterministically: the same
//! pool, metric and minute always give the same sample, there is data only
//! while the pool has nodes up, and accelerator metrics only for accelerator
//! flavors.

use respool_api_types::{
    keys, MetricDimension, MetricStatistic, PoolMonitor, PoolMonitorDataPoint, PoolMonitorMetric,
    PoolMonitorMetrics, PoolStatusCounts,
};

use crate::flavors::{AcceleratorKind, Catalog};
use crate::pool::{NodePhase, PoolPhase, PoolState};
use crate::DomainError;

/// Counts per stored phase → counts in the statistics vocabulary: `created`
/// (Running, Abnormal, Error, ScalingFailed), `creating`, `pending`
/// (Waiting: an unpaid order), `failed` (CreationFailed) and `deleting`.
pub fn status_counts<'a>(by_phase: impl IntoIterator<Item = (&'a str, i64)>) -> PoolStatusCounts {
    let mut c = PoolStatusCounts::default();
    for (phase, n) in by_phase {
        let bucket = match PoolPhase::parse(phase) {
            Some(PoolPhase::Creating) => &mut c.creating,
            Some(PoolPhase::Waiting) => &mut c.pending,
            Some(
                PoolPhase::Running
                | PoolPhase::Abnormal
                | PoolPhase::Error
                | PoolPhase::ScalingFailed,
            ) => &mut c.created,
            Some(PoolPhase::CreationFailed) => &mut c.failed,
            Some(PoolPhase::Deleting) => &mut c.deleting,
            None => continue,
        };
        *bucket += n;
    }
    c
}

/// Periods a monitor query may ask for, in seconds.
pub const PERIODS: [i64; 4] = [60, 300, 900, 3600];
/// Statistics a monitor query may ask for.
pub const STATISTICS: [&str; 5] = ["maximum", "minimum", "sum", "average", "sampleCount"];
/// The most data points one answer may have per metric.
pub const MAX_POINTS: i64 = 1440;
const MINUTE_MS: i64 = 60_000;

/// A validated monitor query: the window, the granularity, the statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorQuery {
    pub start_ms: i64,
    pub end_ms: i64,
    pub period_s: i64,
    pub statistics: Vec<String>,
}

impl MonitorQuery {
    /// From the raw parameters: `time_range` `start.end.minutes` (default
    /// `-1.-1.60`: the last hour), `statistics` (default `maximum`; several
    /// may be given, comma-separated) and `period` in seconds (default 60).
    pub fn parse(
        time_range: Option<&str>,
        statistics: Option<&str>,
        period: Option<&str>,
        now_ms: i64,
    ) -> Result<MonitorQuery, DomainError> {
        let period_s = match period.filter(|p| !p.is_empty()) {
            None => 60,
            Some(p) => p
                .parse::<i64>()
                .ok()
                .filter(|p| PERIODS.contains(p))
                .ok_or_else(|| {
                    DomainError::invalid(format!("invalid period {p:?}: use 60, 300, 900 or 3600"))
                })?,
        };
        let statistics: Vec<String> = match statistics.filter(|s| !s.is_empty()) {
            None => vec!["maximum".into()],
            Some(s) => s
                .split(',')
                .map(|x| {
                    let x = x.trim();
                    if STATISTICS.contains(&x) {
                        Ok(x.to_owned())
                    } else {
                        Err(DomainError::invalid(format!(
                            "invalid statistics {x:?}: use maximum, minimum, sum, average or sampleCount"
                        )))
                    }
                })
                .collect::<Result<_, _>>()?,
        };
        let raw = time_range.filter(|t| !t.is_empty()).unwrap_or("-1.-1.60");
        let bad = |why: &str| {
            DomainError::invalid(format!(
                "invalid time_range {raw:?}: {why}; use startMs.endMs.durationMinutes, with -1 for now or for start/end derived from the duration, e.g. -1.-1.60"
            ))
        };
        let parts: Vec<&str> = raw.split('.').collect();
        let [start, end, minutes] = parts[..] else {
            return Err(bad("it needs three parts"));
        };
        let int = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| bad("the parts must be integers"))
        };
        let (start, end, minutes) = (int(start)?, int(end)?, int(minutes)?);
        if start < -1 || end < -1 {
            return Err(bad("start and end must be -1 or epoch milliseconds"));
        }
        let span = minutes
            .checked_mul(MINUTE_MS)
            .filter(|_| minutes >= 1)
            .ok_or_else(|| bad("the duration must be at least one minute"))?;
        let (start_ms, end_ms) = match (start, end) {
            (-1, -1) => (now_ms - span, now_ms),
            (-1, e) => (e - span, e),
            (s, -1) => (s, (s + span).min(now_ms)),
            (s, e) => (s, e),
        };
        if end_ms <= start_ms {
            return Err(bad("the window is empty (end before start)"));
        }
        let period_ms = period_s * 1000;
        let points = (end_ms - start_ms + period_ms - 1) / period_ms;
        if points > MAX_POINTS {
            return Err(bad(&format!(
                "{points} points of {period_s} s: at most {MAX_POINTS} (duration * 60 / period <= 1440)"
            )));
        }
        Ok(MonitorQuery {
            start_ms,
            end_ms,
            period_s,
            statistics,
        })
    }
}

/// The metrics of a pool: CPU and memory, plus GPU or NPU utilisation when
/// the pool has such flavors.
pub fn metric_names(pool: &PoolState, catalog: &Catalog) -> Vec<&'static str> {
    let has = |kind: AcceleratorKind| {
        pool.pool
            .spec
            .resources
            .iter()
            .map(|r| r.flavor.as_str())
            .chain(pool.nodes.iter().map(|n| n.flavor.as_str()))
            .any(|f| catalog.get(f).is_some_and(|f| f.kind == kind))
    };
    let mut names = vec!["cpuUsage", "memUsedRate"];
    if has(AcceleratorKind::Gpu) {
        names.push("gpuUtil");
    }
    if has(AcceleratorKind::Npu) {
        names.push("npuUtil");
    }
    names
}

/// The pool's series over the query's window, one data point per period,
/// up to `now_ms`.
pub fn monitor(pool: &PoolState, catalog: &Catalog, q: &MonitorQuery, now_ms: i64) -> PoolMonitor {
    let cluster = pool
        .pool
        .metadata
        .labels
        .get(keys::RESOURCE_ID)
        .cloned()
        .unwrap_or_else(|| pool.name().to_owned());
    let node_create = pool.timing.durations().node_create;
    // When each node that is (or was) up came up.
    let up_since: Vec<i64> = pool
        .nodes
        .iter()
        .filter(|n| n.phase != NodePhase::Creating)
        .map(|n| n.created_ms + node_create)
        .collect();
    let period_ms = q.period_s * 1000;
    let first = q.start_ms.div_euclid(period_ms) * period_ms;
    let metrics = metric_names(pool, catalog)
        .into_iter()
        .map(|name| {
            let seed = fnv(&format!("{}/{name}", pool.name()));
            let mut points = Vec::new();
            let mut t = first;
            while t < q.end_ms && t <= now_ms {
                let mut samples = Vec::new();
                let mut m = t;
                while m < t + period_ms && m <= now_ms {
                    let nodes = up_since.iter().filter(|u| **u <= m).count();
                    if nodes > 0 && m >= pool.created_ms {
                        samples.push(sample(name, seed, m, nodes));
                    }
                    m += MINUTE_MS;
                }
                points.push(PoolMonitorDataPoint {
                    timestamp: t,
                    unit: "Percent".into(),
                    statistics: q
                        .statistics
                        .iter()
                        .map(|s| MetricStatistic {
                            statistic: s.clone(),
                            value: aggregate(s, &samples),
                        })
                        .collect(),
                });
                t += period_ms;
            }
            PoolMonitorMetrics {
                metric: PoolMonitorMetric {
                    dimensions: vec![MetricDimension {
                        name: "clusterId".into(),
                        value: cluster.clone(),
                    }],
                    metric_name: name.into(),
                    namespace: "PAAS.AGGR".into(),
                },
                data_points: points,
            }
        })
        .collect();
    PoolMonitor { metrics }
}

fn aggregate(statistic: &str, samples: &[f64]) -> f64 {
    if statistic == "sampleCount" {
        return samples.len() as f64;
    }
    if samples.is_empty() {
        return -1.0;
    }
    let sum: f64 = samples.iter().sum();
    let v = match statistic {
        "minimum" => samples.iter().copied().fold(f64::INFINITY, f64::min),
        "sum" => sum,
        "average" => sum / samples.len() as f64,
        _ => samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    };
    (v * 100.0).round() / 100.0
}

/// One sample in percent: a daily wave around a metric's typical level, a
/// little noise, and a load that falls as nodes are added.
fn sample(metric: &str, seed: u64, at_ms: i64, nodes: usize) -> f64 {
    let (base, swing) = match metric {
        "cpuUsage" => (35.0, 20.0),
        "memUsedRate" => (45.0, 15.0),
        _ => (60.0, 30.0),
    };
    let minute = at_ms.div_euclid(MINUTE_MS);
    let day = 24.0 * 60.0;
    let phase = (seed % 1440) as f64;
    let wave = (std::f64::consts::TAU * ((minute as f64 + phase) % day) / day).sin();
    let noise = unit(seed ^ (minute as u64)) * 2.0 - 1.0;
    let spread = 1.0 / (nodes as f64).sqrt();
    (base + swing * wave * spread + 5.0 * noise).clamp(0.5, 99.5)
}

/// 64-bit FNV-1a.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A number in [0, 1) from `x` (splitmix64).
fn unit(x: u64) -> f64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_list_vocabulary() {
        let c = status_counts([
            ("Running", 3),
            ("Abnormal", 1),
            ("Creating", 2),
            ("Waiting", 4),
            ("CreationFailed", 5),
            ("Deleting", 6),
            ("ScalingFailed", 1),
            ("Nonsense", 9),
        ]);
        assert_eq!(
            c,
            PoolStatusCounts {
                created: 5,
                creating: 2,
                failed: 5,
                pending: 4,
                deleting: 6
            }
        );
    }

    #[test]
    fn queries() {
        let now = 10 * 3_600_000;
        let q = MonitorQuery::parse(None, None, None, now).unwrap();
        assert_eq!(
            (q.start_ms, q.end_ms, q.period_s),
            (now - 3_600_000, now, 60)
        );
        assert_eq!(q.statistics, ["maximum"]);
        let q = MonitorQuery::parse(
            Some("1000.-1.10"),
            Some("average,sampleCount"),
            Some("300"),
            now,
        )
        .unwrap();
        assert_eq!((q.start_ms, q.end_ms), (1000, 1000 + 600_000));
        assert_eq!(q.statistics.len(), 2);
        let q = MonitorQuery::parse(Some("-1.7200000.60"), None, None, now).unwrap();
        assert_eq!((q.start_ms, q.end_ms), (3_600_000, 7_200_000));
        // 1440 points of 60 s is the most; 1441 is too many.
        assert!(MonitorQuery::parse(Some("-1.-1.1440"), None, Some("60"), now).is_ok());
        assert!(MonitorQuery::parse(Some("-1.-1.1441"), None, Some("60"), now).is_err());
        assert!(MonitorQuery::parse(Some("-1.-1.86400"), None, Some("3600"), now).is_ok());
        for bad in [
            "",
            "x",
            "-1.-1",
            "1.2.3.4",
            "a.b.c",
            "-2.-1.60",
            "-1.-1.0",
            "5000.4000.1",
        ] {
            if bad.is_empty() {
                continue;
            }
            assert!(
                MonitorQuery::parse(Some(bad), None, None, now).is_err(),
                "{bad}"
            );
        }
        assert!(MonitorQuery::parse(None, Some("median"), None, now).is_err());
        assert!(MonitorQuery::parse(None, None, Some("61"), now).is_err());
        assert!(MonitorQuery::parse(None, None, Some("abc"), now).is_err());
    }

    #[test]
    fn aggregates() {
        let s = [10.0, 30.0, 20.0];
        assert_eq!(aggregate("maximum", &s), 30.0);
        assert_eq!(aggregate("minimum", &s), 10.0);
        assert_eq!(aggregate("sum", &s), 60.0);
        assert_eq!(aggregate("average", &s), 20.0);
        assert_eq!(aggregate("sampleCount", &s), 3.0);
        assert_eq!(aggregate("maximum", &[]), -1.0);
        assert_eq!(aggregate("sampleCount", &[]), 0.0);
    }

    #[test]
    fn samples_are_deterministic_and_plausible() {
        for m in 0..2000 {
            let a = sample("cpuUsage", 7, m * MINUTE_MS, 2);
            assert_eq!(a, sample("cpuUsage", 7, m * MINUTE_MS, 2));
            assert!((0.5..=99.5).contains(&a));
        }
    }
}
