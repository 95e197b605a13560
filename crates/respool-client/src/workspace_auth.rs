//! `POST /v1/{project_id}/workspaces/{workspace_id}/auth` and
//! `GET /v1/{project_id}/workspaces/users/list`.

use reqwest::Method;
use respool_api_types::{AuthCheck, AuthResults, UserList};

use crate::{Client, Error};

impl Client {
    /// Asks whether the caller may take each action in the workspace.
    pub async fn validate_authorization(
        &self,
        workspace_id: &str,
        checks: &AuthCheck,
    ) -> Result<AuthResults, Error> {
        self.send(
            Method::POST,
            &self.path("v1", &["workspaces", workspace_id, "auth"]),
            &[],
            Some(checks),
        )
        .await
    }

    /// The names of the account's IAM users.
    pub async fn list_users(&self) -> Result<Vec<String>, Error> {
        let list: UserList = self
            .get(&self.path("v1", &["workspaces", "users", "list"]), &[])
            .await?;
        Ok(list.users.into_iter().map(|u| u.user_name).collect())
    }
}
