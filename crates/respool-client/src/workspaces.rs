//! `/v1/{project_id}/workspaces`: snake_case objects, offset paging.

use reqwest::Method;
use respool_api_types::{Workspace, WorkspaceCreate, WorkspaceList, WorkspaceRef, WorkspaceUpdate};

use crate::{Client, Error};

/// The query of `GET /v1/{project_id}/workspaces`; `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListWorkspaces {
    /// How many matching workspaces to skip.
    pub offset: Option<u32>,
    /// Page size, 1–1000 (the service's default is 1000).
    pub limit: Option<u32>,
    /// `name`, `update_time` or `status` (the service's default: `name`).
    pub sort_by: Option<String>,
    /// `asc` or `desc` (the service's default: `desc`).
    pub order: Option<String>,
    /// Only workspaces whose name contains this (case-insensitive).
    pub name: Option<String>,
}

impl Client {
    /// One page of `GET /v1/{project_id}/workspaces`: `count` workspaces of
    /// `total_count` that match. The default workspace `"0"` always exists.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// use respool_client::ListWorkspaces;
    ///
    /// let page = client
    ///     .list_workspaces(&ListWorkspaces { limit: Some(10), ..Default::default() })
    ///     .await?;
    /// println!("{} of {}", page.count, page.total_count);
    /// # Ok(()) }
    /// ```
    pub async fn list_workspaces(&self, options: &ListWorkspaces) -> Result<WorkspaceList, Error> {
        let offset = options.offset.map(|n| n.to_string());
        let limit = options.limit.map(|n| n.to_string());
        let mut q: Vec<(&str, &str)> = Vec::new();
        for (key, value) in [
            ("offset", offset.as_deref()),
            ("limit", limit.as_deref()),
            ("sort_by", options.sort_by.as_deref()),
            ("order", options.order.as_deref()),
            ("name", options.name.as_deref()),
        ] {
            if let Some(v) = value {
                q.push((key, v));
            }
        }
        self.get(&self.path("v1", &["workspaces"]), &q).await
    }

    /// Every workspace that matches, page after page by `offset` (`limit` of
    /// `options` is the page size; its `offset` is where to start).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// for w in client.list_all_workspaces(&Default::default()).await? {
    ///     println!("{} {} {}", w.id, w.name, w.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_all_workspaces(
        &self,
        options: &ListWorkspaces,
    ) -> Result<Vec<Workspace>, Error> {
        let mut options = options.clone();
        let mut offset = options.offset.unwrap_or(0);
        let mut all = Vec::new();
        loop {
            options.offset = Some(offset);
            let page = self.list_workspaces(&options).await?;
            let got = page.workspaces.len() as u32;
            all.extend(page.workspaces);
            offset += got;
            if got == 0 || u64::from(offset) >= page.total_count {
                return Ok(all);
            }
        }
    }

    /// `GET /v1/{project_id}/workspaces/{workspace_id}`. An unknown id is the
    /// service's 400 `ModelArts.7005` (not a 404).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// let default = client.get_workspace("0").await?;
    /// println!("{} owned by {}", default.name, default.owner);
    /// # Ok(()) }
    /// ```
    pub async fn get_workspace(&self, id: &str) -> Result<Workspace, Error> {
        self.get(&self.path("v1", &["workspaces", id]), &[]).await
    }

    /// `POST /v1/{project_id}/workspaces`: the new workspace, with its id.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// use respool_client::types::WorkspaceCreate;
    ///
    /// let w = client
    ///     .create_workspace(&WorkspaceCreate {
    ///         name: "team-a".into(),
    ///         description: Some("training of team A".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// println!("workspace {} is {}", w.id, w.status);
    /// # Ok(()) }
    /// ```
    pub async fn create_workspace(&self, workspace: &WorkspaceCreate) -> Result<Workspace, Error> {
        self.send(
            Method::POST,
            &self.path("v1", &["workspaces"]),
            &[],
            Some(workspace),
        )
        .await
    }

    /// `PUT /v1/{project_id}/workspaces/{workspace_id}`: `None` fields stay as they are.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, id: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::types::WorkspaceUpdate;
    ///
    /// let r = client
    ///     .update_workspace(id, &WorkspaceUpdate { description: Some("renamed".into()), ..Default::default() })
    ///     .await?;
    /// assert_eq!(r.workspace_id, id);
    /// # Ok(()) }
    /// ```
    pub async fn update_workspace(
        &self,
        id: &str,
        update: &WorkspaceUpdate,
    ) -> Result<WorkspaceRef, Error> {
        self.send(
            Method::PUT,
            &self.path("v1", &["workspaces", id]),
            &[],
            Some(update),
        )
        .await
    }

    /// `DELETE /v1/{project_id}/workspaces/{workspace_id}`. Refused (400) for
    /// `"0"` and while pools are in the workspace.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, id: &str) -> Result<(), respool_client::Error> {
    /// client.delete_workspace(id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_workspace(&self, id: &str) -> Result<WorkspaceRef, Error> {
        self.send(
            Method::DELETE,
            &self.path("v1", &["workspaces", id]),
            &[],
            None::<&()>,
        )
        .await
    }
}
