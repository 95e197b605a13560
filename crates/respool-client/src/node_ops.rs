//! The node day-2 operations (`POST /v2/{project_id}/pools/{pool}/nodes/batch-*`),
//! the jobs they start (`/v2/{project_id}/jobs`) and scheduled events
//! (`/v1/{project_id}/scheduled-events`).

use reqwest::Method;
use respool_api_types::{
    BindRequest, EventAccept, JobAnswer, MigrateRequest, NodeLockRequest, NodeNames, NodeResults,
    NodeUpdateAnswer, NodeUpdateRequest, PoolJob, PoolJobList, RebootAnswer, ResetRequest,
    ResizeAnswer, ResizeRequest, ScheduledEvent, ScheduledEventList,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Client, Error};

/// The query of `GET /v2/{project_id}/jobs`; `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListJobs {
    /// `type`: `RebootNode`, `ResetNode` or `MigrateNode`.
    pub job_type: Option<String>,
    /// `name` (with `resource=pools`): only jobs of this pool (its `metadata.name`).
    pub pool: Option<String>,
    /// `since`: only jobs started at or after this instant (epoch milliseconds).
    pub since_ms: Option<i64>,
    /// `until`: only jobs started at or before this instant (epoch milliseconds).
    pub until_ms: Option<i64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The query of `GET /v1/{project_id}/scheduled-events`; `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListScheduledEvents {
    /// `state`: comma-separated (`inquiring,scheduled,...`).
    pub state: Option<String>,
    /// `type`: comma-separated (`node_reboot`, `node_redeploy`, `system-maintenance`).
    pub event_type: Option<String>,
    /// `poolName`: the pool's `metadata.name`.
    pub pool: Option<String>,
    /// `nodeName`.
    pub node: Option<String>,
    /// `workspaceId`.
    pub workspace_id: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

impl Client {
    async fn batch<T: DeserializeOwned>(
        &self,
        pool: &str,
        action: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<T, Error> {
        let op = format!("batch-{action}");
        self.send(
            Method::POST,
            &self.path("v2", &["pools", pool, "nodes", &op]),
            &[],
            Some(body),
        )
        .await
    }

    /// `POST .../nodes/batch-lock`: the nodes' `actions` (only `delete`) are
    /// locked. The answer says per node `success` or `failed` (no such node).
    pub async fn lock_nodes(&self, pool: &str, nodes: &[String]) -> Result<NodeResults, Error> {
        self.batch(pool, "lock", &lock_body(nodes)).await
    }

    /// `POST .../nodes/batch-unlock`: the opposite of [`Client::lock_nodes`].
    pub async fn unlock_nodes(&self, pool: &str, nodes: &[String]) -> Result<NodeResults, Error> {
        self.batch(pool, "unlock", &lock_body(nodes)).await
    }

    /// `POST .../nodes/batch-reboot`: the nodes are `Checking` until they are
    /// back; the answer names the job that tracks them ([`Client::wait_job`]).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, pool: &str) -> Result<(), respool_client::Error> {
    /// let answer = client.reboot_nodes(pool, &["node-a".into()]).await?;
    /// client.wait_job(&answer.job_id, std::time::Duration::from_secs(900)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn reboot_nodes(&self, pool: &str, nodes: &[String]) -> Result<RebootAnswer, Error> {
        self.batch(
            pool,
            "reboot",
            &NodeNames {
                node_names: nodes.to_vec(),
            },
        )
        .await
    }

    /// `POST .../nodes/batch-reset`: re-images the nodes, never more than
    /// `rollingConfig` allows at once; returns the job's id.
    pub async fn reset_nodes(
        &self,
        pool: &str,
        request: &ResetRequest,
    ) -> Result<JobAnswer, Error> {
        self.batch(pool, "reset", request).await
    }

    /// `POST .../nodes/batch-drain`: the nodes become unschedulable (at most 10).
    pub async fn drain_nodes(&self, pool: &str, nodes: &[String]) -> Result<NodeResults, Error> {
        self.batch(
            pool,
            "drain",
            &NodeNames {
                node_names: nodes.to_vec(),
            },
        )
        .await
    }

    /// `POST .../nodes/batch-update`: HA redundancy, tags or the driver.
    pub async fn update_nodes(
        &self,
        pool: &str,
        request: &NodeUpdateRequest,
    ) -> Result<NodeUpdateAnswer, Error> {
        self.batch(pool, "update", request).await
    }

    /// `POST .../nodes/batch-bind`: the nodes join a logical sub-pool (quota).
    pub async fn bind_nodes(
        &self,
        pool: &str,
        request: &BindRequest,
    ) -> Result<NodeResults, Error> {
        self.batch(pool, "bind", request).await
    }

    /// `POST .../nodes/batch-resize`: a hyper-instance batch changes its step;
    /// the answer names the order that tracks it.
    pub async fn resize_nodes(
        &self,
        pool: &str,
        request: &ResizeRequest,
    ) -> Result<ResizeAnswer, Error> {
        self.batch(pool, "resize", request).await
    }

    /// `POST .../nodes/batch-migrate`: the nodes leave `pool` for
    /// `toPoolName`; returns the job's id.
    pub async fn migrate_nodes(
        &self,
        pool: &str,
        request: &MigrateRequest,
    ) -> Result<JobAnswer, Error> {
        self.batch(pool, "migrate", request).await
    }

    /// `GET /v2/{project_id}/jobs/{job_id}`.
    pub async fn get_job(&self, job_id: &str) -> Result<PoolJob, Error> {
        self.get(&self.path("v2", &["jobs", job_id]), &[]).await
    }

    /// `GET /v2/{project_id}/jobs`, newest first: `count` is every match.
    pub async fn list_jobs(&self, options: &ListJobs) -> Result<PoolJobList, Error> {
        let numbers: Vec<(&str, String)> = [
            ("since", options.since_ms.map(|n| n.to_string())),
            ("until", options.until_ms.map(|n| n.to_string())),
            ("limit", options.limit.map(|n| n.to_string())),
            ("offset", options.offset.map(|n| n.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(t) = options.job_type.as_deref().filter(|t| !t.is_empty()) {
            q.push(("type", t));
        }
        if let Some(p) = options.pool.as_deref().filter(|p| !p.is_empty()) {
            q.push(("resource", "pools"));
            q.push(("name", p));
        }
        q.extend(numbers.iter().map(|(k, v)| (*k, v.as_str())));
        self.get(&self.path("v2", &["jobs"]), &q).await
    }

    /// `GET /v1/{project_id}/scheduled-events`, newest first.
    pub async fn list_scheduled_events(
        &self,
        options: &ListScheduledEvents,
    ) -> Result<ScheduledEventList, Error> {
        let numbers: Vec<(&str, String)> = [
            ("limit", options.limit.map(|n| n.to_string())),
            ("offset", options.offset.map(|n| n.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let mut q: Vec<(&str, &str)> = Vec::new();
        for (key, value) in [
            ("state", &options.state),
            ("type", &options.event_type),
            ("poolName", &options.pool),
            ("nodeName", &options.node),
            ("workspaceId", &options.workspace_id),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                q.push((key, v));
            }
        }
        q.extend(numbers.iter().map(|(k, v)| (*k, v.as_str())));
        self.get(&self.path("v1", &["scheduled-events"]), &q).await
    }

    /// `POST /v1/{project_id}/scheduled-events/{event_id}/accept`: the event
    /// is `scheduled` for `notBefore` (now when absent); returns it.
    pub async fn accept_scheduled_event(
        &self,
        event_id: &str,
        accept: &EventAccept,
    ) -> Result<ScheduledEvent, Error> {
        self.send(
            Method::POST,
            &self.path("v1", &["scheduled-events", event_id, "accept"]),
            &[],
            Some(accept),
        )
        .await
    }
}

fn lock_body(nodes: &[String]) -> NodeLockRequest {
    NodeLockRequest {
        node_names: nodes.to_vec(),
        actions: vec!["delete".into()],
    }
}
