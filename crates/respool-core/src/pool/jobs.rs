//! Node jobs: what `batch-reboot`, `batch-reset` and `batch-migrate` start
//! and `GET /v2/{project_id}/jobs/{job_id}` reports. A job lives in its
//! pool's state, so it is written with the pool and survives a restart.

use respool_api_types as api;
use serde::{Deserialize, Serialize};

use super::{NodePhase, NodeWork, PoolState};

pub const JOB_KIND: &str = "Job";
pub const JOB_LIST_KIND: &str = "JobList";
/// Finished jobs a pool keeps for `GET .../jobs/{job_id}`.
const FINISHED_KEPT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    Reboot,
    Reset,
    Migrate,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Reboot => "RebootNode",
            JobKind::Reset => "ResetNode",
            JobKind::Migrate => "MigrateNode",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobPhase {
    Running,
    Success,
    Failed,
}

impl JobPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            JobPhase::Running => "Running",
            JobPhase::Success => "Success",
            JobPhase::Failed => "Failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub phase: JobPhase,
    /// Every node the job is about.
    pub nodes: Vec<String>,
    /// Nodes not started yet (a rolling reset).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queued: Vec<String>,
    /// How many nodes may be unavailable at once.
    pub max_unavailable: usize,
    /// The OS a reset installs, or the pool a migration goes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub start_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl PoolState {
    /// Starts a job on `nodes`, `limit` of them at once (0: all of them,
    /// with no node work of their own, as a migration). Returns its id.
    pub(crate) fn start_job(
        &mut self,
        kind: JobKind,
        nodes: Vec<String>,
        limit: usize,
        target: Option<String>,
        now_ms: i64,
    ) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let queued = if limit == 0 {
            Vec::new()
        } else {
            nodes.clone()
        };
        self.jobs.push(Job {
            id: id.clone(),
            kind,
            phase: JobPhase::Running,
            nodes,
            queued,
            max_unavailable: limit,
            target,
            start_ms: now_ms,
            end_ms: None,
            message: String::new(),
        });
        self.advance_jobs(now_ms);
        id
    }

    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// Moves every running job on at `t`: starts queued nodes while fewer
    /// than its limit are busy, and ends a job whose nodes are all done.
    pub(crate) fn advance_jobs(&mut self, t: i64) {
        for j in 0..self.jobs.len() {
            if self.jobs[j].phase != JobPhase::Running {
                continue;
            }
            let job = self.jobs[j].clone();
            let gone: Vec<&String> = job
                .nodes
                .iter()
                .filter(|n| {
                    job.kind != JobKind::Migrate
                        && self.node(n).is_none_or(|n| n.phase == NodePhase::Deleting)
                })
                .collect();
            if !gone.is_empty() {
                let names: Vec<&str> = gone.iter().map(|s| s.as_str()).collect();
                self.finish_job(
                    j,
                    JobPhase::Failed,
                    t,
                    format!(
                        "node {} was removed before the job finished",
                        names.join(", ")
                    ),
                );
                continue;
            }
            let busy = |s: &PoolState| {
                job.nodes
                    .iter()
                    .filter(|n| {
                        s.node(n).is_some_and(|n| match job.kind {
                            JobKind::Migrate => n.phase == NodePhase::Deleting,
                            _ => n.phase == NodePhase::Checking && n.extra.work.is_some(),
                        })
                    })
                    .count()
            };
            let mut running = busy(self);
            let mut queued = job.queued.clone();
            while running < job.max_unavailable && !queued.is_empty() {
                let name = queued.remove(0);
                let work = match job.kind {
                    JobKind::Reset => NodeWork::Reset(job.target.clone()),
                    _ => NodeWork::Reboot,
                };
                self.start_node_work(&name, work, t);
                running += 1;
            }
            self.jobs[j].queued = queued;
            if running == 0 && self.jobs[j].queued.is_empty() {
                self.finish_job(j, JobPhase::Success, t, String::new());
            }
        }
        self.forget_old_jobs();
    }

    fn finish_job(&mut self, j: usize, phase: JobPhase, t: i64, message: String) {
        let job = &mut self.jobs[j];
        job.phase = phase;
        job.end_ms = Some(t);
        job.queued.clear();
        job.message = message;
    }

    fn forget_old_jobs(&mut self) {
        let finished = self
            .jobs
            .iter()
            .filter(|j| j.phase != JobPhase::Running)
            .count();
        let mut drop = finished.saturating_sub(FINISHED_KEPT);
        self.jobs.retain(|j| {
            if drop > 0 && j.phase != JobPhase::Running {
                drop -= 1;
                false
            } else {
                true
            }
        });
    }

    /// A job as `GET /v2/{project_id}/jobs/{job_id}` shows it.
    pub fn job_view(&self, job: &Job) -> api::PoolJob {
        let involved: Vec<serde_json::Value> = job
            .nodes
            .iter()
            .map(|n| serde_json::json!({"kind": "Node", "name": n, "pool": self.name()}))
            .collect();
        let mut inputs = serde_json::json!({"nodeNames": job.nodes});
        match job.kind {
            JobKind::Reset => {
                inputs["maxUnavailable"] = job.max_unavailable.into();
                if let Some(os) = &job.target {
                    inputs["os"] = os.clone().into();
                }
            }
            JobKind::Migrate => {
                inputs["toPoolName"] = job.target.clone().unwrap_or_default().into();
            }
            JobKind::Reboot => {}
        }
        let done = job
            .nodes
            .len()
            .saturating_sub(job.queued.len())
            .saturating_sub(
                job.nodes
                    .iter()
                    .filter(|n| {
                        self.node(n).is_some_and(|n| {
                            n.phase == NodePhase::Checking && n.extra.work.is_some()
                        })
                    })
                    .count(),
            );
        let conditions = serde_json::json!([{
            "type": "Progress",
            "status": job.phase.as_str(),
            "message": format!("{done}/{} nodes done", job.nodes.len()),
        }]);
        api::PoolJob {
            job_id: job.id.clone(),
            job_name: format!("{}-{}", job.kind.as_str(), &job.id[..8]),
            job_type: job.kind.as_str().into(),
            phase: job.phase.as_str().into(),
            start_timestamp: job.start_ms,
            end_timestamp: job.end_ms,
            involved_objects: serde_json::Value::Array(involved).to_string(),
            inputs: inputs.to_string(),
            suspend: false,
            conditions: conditions.to_string(),
            message: job.message.clone(),
        }
    }
}
