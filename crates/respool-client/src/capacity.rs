//! Capacity: a pool's workloads and their statistics, runtime metrics,
//! quotas and a network's free addresses; and, through respool's admin API
//! (a bearer token, not a signature), declaring workloads and setting OS quotas.

use reqwest::Method;
use respool_api_types::{
    NetworkIpAvailability, OsQuotas, PoolMetricsList, Workload, WorkloadList, WorkloadStatistics,
    WorkspaceQuota, WorkspaceQuotaChange, WorkspaceQuotaList, WorkspaceQuotaUpdate,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Client, Error};

/// Filters of [`Client::list_workloads`].
#[derive(Debug, Clone, Default)]
pub struct WorkloadQuery {
    pub workload_type: Option<String>,
    pub status: Option<String>,
    pub host_ips: Vec<String>,
}

impl Client {
    /// Every workload of a pool (`GET .../pools/{pool}/workloads`, 500 a page).
    pub async fn list_workloads(
        &self,
        pool: &str,
        query: &WorkloadQuery,
    ) -> Result<Vec<Workload>, Error> {
        const PAGE: usize = 500;
        let path = self.path("v2", &["pools", pool, "workloads"]);
        let limit = PAGE.to_string();
        let mut all = Vec::new();
        loop {
            let offset = all.len().to_string();
            let mut q: Vec<(&str, &str)> = vec![("limit", &limit), ("offset", &offset)];
            if let Some(t) = &query.workload_type {
                q.push(("type", t));
            }
            if let Some(s) = &query.status {
                q.push(("status", s));
            }
            for ip in &query.host_ips {
                q.push(("hostip", ip));
            }
            let page: WorkloadList = self.get(&path, &q).await?;
            let n = page.items.len();
            all.extend(page.items);
            // A host filter answers everything at once.
            if n < PAGE || !query.host_ips.is_empty() {
                return Ok(all);
            }
        }
    }

    /// `GET /v2/{project_id}/statistics/pools/{pool}/workloads`.
    pub async fn workload_statistics(&self, pool: &str) -> Result<WorkloadStatistics, Error> {
        self.get(
            &self.path("v2", &["statistics", "pools", pool, "workloads"]),
            &[],
        )
        .await
    }

    /// `GET /v2/{project_id}/metrics/runtime/pools`: every pool's allocation.
    pub async fn runtime_metrics(&self) -> Result<PoolMetricsList, Error> {
        self.get(&self.path("v2", &["metrics", "runtime", "pools"]), &[])
            .await
    }

    /// `GET /v1/{project_id}/quotas`.
    pub async fn os_quotas(&self) -> Result<OsQuotas, Error> {
        self.get(&self.path("v1", &["quotas"]), &[]).await
    }

    /// `GET /v1/{project_id}/workspaces/{id}/quotas`.
    pub async fn workspace_quotas(&self, workspace: &str) -> Result<Vec<WorkspaceQuota>, Error> {
        let list: WorkspaceQuotaList = self
            .get(&self.path("v1", &["workspaces", workspace, "quotas"]), &[])
            .await?;
        Ok(list.quotas)
    }

    /// `PUT /v1/{project_id}/workspaces/{id}/quotas`: sets the listed
    /// quotas (`-1`: no limit); answers them.
    pub async fn update_workspace_quotas(
        &self,
        workspace: &str,
        quotas: &[(&str, i64)],
    ) -> Result<Vec<WorkspaceQuota>, Error> {
        let body = WorkspaceQuotaUpdate {
            quotas: quotas
                .iter()
                .map(|(resource, quota)| WorkspaceQuotaChange {
                    resource: (*resource).to_owned(),
                    quota: *quota,
                })
                .collect(),
        };
        let list: WorkspaceQuotaList = self
            .send(
                Method::PUT,
                &self.path("v1", &["workspaces", workspace, "quotas"]),
                &[],
                Some(&body),
            )
            .await?;
        Ok(list.quotas)
    }

    /// `GET /v1/{project_id}/networks/{name}/network-ip-availabilities`.
    pub async fn network_ips(&self, network: &str) -> Result<NetworkIpAvailability, Error> {
        self.get(
            &self.path("v1", &["networks", network, "network-ip-availabilities"]),
            &[],
        )
        .await
    }

    /// Declares a workload on a pool through the admin API
    /// (`POST /_respool/pools/{project}/{pool}/workloads`); `spec` holds
    /// `name`, `type`, `resources`, `nodeName`, `pendingSeconds`,
    /// `runningSeconds`, `outcome`.
    pub async fn add_workload(
        &self,
        admin_token: &str,
        pool: &str,
        spec: &Value,
    ) -> Result<Workload, Error> {
        let path = format!("/_respool/pools/{}/{pool}/workloads", self.project_id());
        self.admin(Method::POST, &path, admin_token, Some(spec))
            .await
    }

    /// Removes a declared workload through the admin API.
    pub async fn delete_workload(
        &self,
        admin_token: &str,
        pool: &str,
        name: &str,
    ) -> Result<Workload, Error> {
        let path = format!(
            "/_respool/pools/{}/{pool}/workloads/{name}",
            self.project_id()
        );
        self.admin(Method::DELETE, &path, admin_token, None).await
    }

    /// Sets the project's OS quotas (`pool`, `network`, `node`; `-1`: no
    /// limit) through the admin API.
    pub async fn set_os_quotas(
        &self,
        admin_token: &str,
        quotas: &[(&str, i64)],
    ) -> Result<OsQuotas, Error> {
        let body: serde_json::Map<String, Value> = quotas
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect();
        let path = format!("/_respool/quotas/{}", self.project_id());
        self.admin(Method::PUT, &path, admin_token, Some(&Value::Object(body)))
            .await
    }

    async fn admin<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Result<T, Error> {
        let endpoint = self.endpoint().to_owned();
        let loopback = ["://127.", "://localhost", "://[::1]"]
            .iter()
            .any(|p| endpoint.contains(p));
        let mut builder = reqwest::Client::builder().timeout(self.config().timeout);
        if loopback {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let mut req = http
            .request(method.clone(), format!("{endpoint}{path}"))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let connect = |source| Error::Connect {
            endpoint: endpoint.clone(),
            source,
        };
        let res = req.send().await.map_err(connect)?;
        let status = res.status().as_u16();
        let request_id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = res.bytes().await.map_err(connect)?;
        if !(200..300).contains(&status) {
            return Err(Error::from_response(status, request_id, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            method: method.to_string(),
            path: path.to_owned(),
            status,
            message: e.to_string(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}
