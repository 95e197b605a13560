//! Waiting for a pool to reach a phase, or to be gone, with progress reports.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use respool_api_types::{FlavorCount, Pool, PoolJob};

use crate::{Client, Error};

/// Phases a pool does not leave by itself: a wait for anything else ends there.
pub const FAILURE_PHASES: [&str; 3] = ["CreationFailed", "ScalingFailed", "Error"];

/// What to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitFor {
    /// `status.phase` equals this. For `Running`, every node of `spec.resources`
    /// must also be available and none creating or deleting, so that a wait
    /// after a scale ends when the scale has.
    Phase(String),
    /// The pool no longer exists (the server answers 404).
    Deleted,
}

impl WaitFor {
    /// `phase=Running`.
    pub fn running() -> WaitFor {
        WaitFor::Phase("Running".into())
    }
}

impl FromStr for WaitFor {
    type Err = String;

    /// `phase=<Phase>` or `delete` (kubectl's `--for` syntax).
    fn from_str(s: &str) -> Result<WaitFor, String> {
        if s == "delete" || s == "deleted" {
            return Ok(WaitFor::Deleted);
        }
        match s.split_once('=') {
            Some(("phase", p)) if !p.is_empty() => Ok(WaitFor::Phase(p.to_owned())),
            _ => Err(format!(
                "invalid condition {s:?}: use phase=<Phase> (e.g. phase=Running) or delete"
            )),
        }
    }
}

impl fmt::Display for WaitFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitFor::Phase(p) => write!(f, "become {p}"),
            WaitFor::Deleted => f.write_str("be deleted"),
        }
    }
}

/// How long and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    pub timeout: Duration,
    /// Time between two reads of the pool.
    pub interval: Duration,
}

impl Default for WaitOptions {
    /// 20 minutes, polling every half second.
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(20 * 60),
            interval: Duration::from_millis(500),
        }
    }
}

/// A pool's progress as one wait step sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// `status.phase`; empty before the service has set one, `Deleted` once gone.
    pub phase: String,
    pub message: Option<String>,
    /// Nodes asked for in `spec.resources`.
    pub target: i64,
    pub available: i64,
    pub creating: i64,
    pub abnormal: i64,
    pub deleting: i64,
    pub elapsed: Duration,
}

impl Progress {
    /// Node counts of a pool, summed over its flavors.
    pub fn of(pool: &Pool) -> Progress {
        let sum = |b: &[FlavorCount]| b.iter().map(|f| f.count).sum::<i64>();
        let r = &pool.status.resources;
        Progress {
            phase: pool.status.phase.clone(),
            message: pool.status.message.clone(),
            target: pool.spec.resources.iter().map(|r| r.count).sum(),
            available: sum(&r.available),
            creating: sum(&r.creating),
            abnormal: sum(&r.abnormal),
            deleting: sum(&r.deleting),
            elapsed: Duration::ZERO,
        }
    }

    /// Every node asked for is available, and nothing is on its way in or out.
    pub fn settled(&self) -> bool {
        self.available == self.target && self.creating == 0 && self.deleting == 0
    }

    /// Nodes that still exist in any state.
    pub fn nodes(&self) -> i64 {
        self.available + self.creating + self.abnormal + self.deleting
    }
}

impl fmt::Display for Progress {
    /// `Creating, 1/3 nodes available (2 creating)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = if self.phase.is_empty() {
            "Pending"
        } else {
            &self.phase
        };
        write!(
            f,
            "{phase}, {}/{} nodes available",
            self.available, self.target
        )?;
        let extra: Vec<String> = [
            ("creating", self.creating),
            ("abnormal", self.abnormal),
            ("deleting", self.deleting),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

impl Client {
    /// Polls the pool until `condition` holds; calls `on_progress` after every
    /// read. Returns the pool as last seen (`None` once deleted).
    ///
    /// Fails with [`Error::WaitFailed`] when the pool reaches one of
    /// [`FAILURE_PHASES`] it was not waited for, with the API's 404
    /// [`Error::Api`] if it disappears while a phase is awaited, and with
    /// [`Error::WaitTimeout`] when time runs out.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, name: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::{WaitFor, WaitOptions};
    ///
    /// client
    ///     .wait_pool(name, &WaitFor::running(), &WaitOptions::default(), |p| {
    ///         eprintln!("{p}");
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_pool(
        &self,
        name: &str,
        condition: &WaitFor,
        options: &WaitOptions,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<Option<Pool>, Error> {
        let started = Instant::now();
        loop {
            let last = match self.get_pool(name).await {
                Ok(pool) => {
                    let mut p = Progress::of(&pool);
                    p.elapsed = started.elapsed();
                    on_progress(&p);
                    match condition {
                        WaitFor::Phase(want)
                            if *want == p.phase && (want != "Running" || p.settled()) =>
                        {
                            return Ok(Some(pool));
                        }
                        _ if FAILURE_PHASES.contains(&p.phase.as_str()) => {
                            return Err(Error::WaitFailed {
                                kind: "pool",
                                name: name.to_owned(),
                                phase: p.phase,
                                message: p.message,
                            });
                        }
                        _ => {}
                    }
                    p
                }
                Err(e) if e.is_not_found() && *condition == WaitFor::Deleted => {
                    let p = Progress {
                        phase: "Deleted".into(),
                        elapsed: started.elapsed(),
                        ..Progress::default()
                    };
                    on_progress(&p);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            let elapsed = started.elapsed();
            if elapsed >= options.timeout {
                return Err(Error::WaitTimeout {
                    kind: "pool",
                    name: name.to_owned(),
                    condition: condition.to_string(),
                    waited: elapsed,
                    last: last.to_string(),
                });
            }
            tokio::time::sleep(options.interval.min(options.timeout - elapsed)).await;
        }
    }
}

impl Client {
    /// Polls a node job every half second until it is `Success` (returns
    /// it) or `Failed` ([`Error::WaitFailed`] with the job's message), or
    /// `timeout` passes ([`Error::WaitTimeout`]).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, job_id: &str) -> Result<(), respool_client::Error> {
    /// let job = client.wait_job(job_id, std::time::Duration::from_secs(600)).await?;
    /// println!("{} {} {}", job.job_id, job.job_type, job.phase);
    /// # Ok(()) }
    /// ```
    pub async fn wait_job(&self, job_id: &str, timeout: Duration) -> Result<PoolJob, Error> {
        let options = WaitOptions {
            timeout,
            ..WaitOptions::default()
        };
        self.wait_job_with(job_id, &options, |_, _| {}).await
    }

    /// [`Client::wait_job`] with its own interval, calling `on_progress` with
    /// the job and the time waited after every read.
    pub async fn wait_job_with(
        &self,
        job_id: &str,
        options: &WaitOptions,
        mut on_progress: impl FnMut(&PoolJob, Duration),
    ) -> Result<PoolJob, Error> {
        let started = Instant::now();
        loop {
            let job = self.get_job(job_id).await?;
            on_progress(&job, started.elapsed());
            let last = format!("{} {}", job.job_type, job.phase);
            if let Some(done) = job_verdict(job, started.elapsed(), options.timeout, last) {
                return done;
            }
            let elapsed = started.elapsed();
            tokio::time::sleep(
                options
                    .interval
                    .min(options.timeout.saturating_sub(elapsed)),
            )
            .await;
        }
    }
}

/// What one read of a job says of a wait for it that has run `elapsed` of
/// `timeout`: `Some` once the wait is over (the job on `Success`, an error on
/// `Failed` or when time is up, `last` saying where it stood), `None` to poll again.
pub fn job_verdict(
    job: PoolJob,
    elapsed: Duration,
    timeout: Duration,
    last: String,
) -> Option<Result<PoolJob, Error>> {
    match job.phase.as_str() {
        JOB_SUCCESS => Some(Ok(job)),
        JOB_FAILED => Some(Err(Error::WaitFailed {
            kind: "job",
            name: job.job_id,
            phase: job.phase,
            message: Some(job.message).filter(|m| !m.is_empty()),
        })),
        _ if elapsed >= timeout => Some(Err(Error::WaitTimeout {
            kind: "job",
            name: job.job_id,
            condition: format!("become {JOB_SUCCESS}"),
            waited: elapsed,
            last,
        })),
        _ => None,
    }
}

/// The phase of a node job that ended well.
pub const JOB_SUCCESS: &str = "Success";
/// The phase of a node job that ended badly.
pub const JOB_FAILED: &str = "Failed";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse() {
        assert_eq!("phase=Running".parse(), Ok(WaitFor::running()));
        assert_eq!("delete".parse(), Ok(WaitFor::Deleted));
        assert!("phase=".parse::<WaitFor>().is_err());
        assert!("Running".parse::<WaitFor>().is_err());
    }

    #[test]
    fn progress_reads_the_status_buckets() {
        let pool: Pool = serde_json::from_value(serde_json::json!({
            "spec": {"resources": [{"flavor": "a", "count": 2}, {"flavor": "b", "count": 1}]},
            "status": {"phase": "Creating", "resources": {
                "available": [{"flavor": "a", "count": 1, "azs": []}],
                "creating": [{"flavor": "a", "count": 1, "azs": []}, {"flavor": "b", "count": 1, "azs": []}]
            }}
        }))
        .unwrap();
        let p = Progress::of(&pool);
        assert_eq!((p.target, p.available, p.creating), (3, 1, 2));
        assert!(!p.settled());
        assert_eq!(p.to_string(), "Creating, 1/3 nodes available (2 creating)");
    }
}
