//! `/v1/{project_id}/networks`: list (paged), show, create, patch, delete, wait.

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::Method;
use respool_api_types::{keys, Network, NetworkList, NetworkSpec, ObjectMeta};
use serde_json::Value;

use crate::flavors::selector_query;
use crate::paging::PageOptions;
use crate::{Client, Error, WaitOptions};

/// `status.phase` of a network that can be used.
pub const NETWORK_ACTIVE: &str = "Active";
/// `status.phase` of a network that will not become usable by itself.
pub const NETWORK_ABNORMAL: &str = "Abnormal";

/// The query of `GET /v1/{project_id}/networks`; `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListNetworks {
    /// `labelSelector`, Kubernetes syntax.
    pub label_selector: Option<String>,
    /// `workspaceId`: only networks of this workspace (absent: every workspace).
    pub workspace_id: Option<String>,
}

impl ListNetworks {
    fn query(&self) -> Vec<(&'static str, &str)> {
        let mut q = selector_query(self.label_selector.as_deref());
        if let Some(w) = self.workspace_id.as_deref().filter(|w| !w.is_empty()) {
            q.push(("workspaceId", w));
        }
        q
    }
}

impl Client {
    /// One page of `GET /v1/{project_id}/networks` (`limit` 0–500, `continue`
    /// from the previous page's `metadata.continue`).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// use respool_client::{ListNetworks, PageOptions};
    ///
    /// let page = client
    ///     .list_networks_page(&ListNetworks::default(), &PageOptions { limit: Some(2), continue_token: None })
    ///     .await?;
    /// println!("{} networks, {:?} more", page.items.len(), page.metadata.remaining_item_count);
    /// # Ok(()) }
    /// ```
    pub async fn list_networks_page(
        &self,
        filter: &ListNetworks,
        options: &PageOptions,
    ) -> Result<NetworkList, Error> {
        self.get_page(&self.path("v1", &["networks"]), &filter.query(), options)
            .await
    }

    /// Every network that matches, following `metadata.continue` page after page.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// for n in client.list_networks(&Default::default(), None).await? {
    ///     println!("{} {} {}", n.metadata.name, n.spec.cidr, n.status.phase);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_networks(
        &self,
        filter: &ListNetworks,
        page_size: Option<u32>,
    ) -> Result<Vec<Network>, Error> {
        self.get_all::<NetworkList>(&self.path("v1", &["networks"]), &filter.query(), page_size)
            .await
    }

    /// `GET /v1/{project_id}/networks/{network_name}`.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// let n = client.get_network("net-demo-0123456789abcdef0123456789abcdef").await?;
    /// println!("{} is {}", n.metadata.name, n.status.phase);
    /// # Ok(()) }
    /// ```
    pub async fn get_network(&self, name: &str) -> Result<Network, Error> {
        self.get(&self.path("v1", &["networks", name]), &[]).await
    }

    /// The network called `name`, or, if there is none, the one whose
    /// generated name is `{name}-{project_id}` (a network is named after its
    /// display name and project, as a pool is). A 404 for both is the first 404.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// let n = client.find_network("net-demo").await?;
    /// assert!(n.metadata.name.starts_with("net-demo-"));
    /// # Ok(()) }
    /// ```
    pub async fn find_network(&self, name: &str) -> Result<Network, Error> {
        let suffix = format!("-{}", self.project_id());
        match self.get_network(name).await {
            Err(e) if e.is_not_found() && !name.ends_with(&suffix) => {
                match self.get_network(&format!("{name}{suffix}")).await {
                    Err(e2) if e2.is_not_found() => Err(e),
                    other => other,
                }
            }
            other => other,
        }
    }

    /// `POST /v1/{project_id}/networks`. The answer is the new network, with
    /// no phase yet; it is `Creating`, then `Active` (see [`Client::wait_network`]).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// use respool_client::NewNetwork;
    ///
    /// let created = client
    ///     .create_network(&NewNetwork::new("net-demo", "192.168.0.0/16").build())
    ///     .await?;
    /// println!("created {}", created.metadata.name);
    /// # Ok(()) }
    /// ```
    pub async fn create_network(&self, network: &Network) -> Result<Network, Error> {
        let mut body = serde_json::to_value(network)
            .map_err(|e| Error::Config(format!("cannot encode the network: {e}")))?;
        if let Some(o) = body.as_object_mut() {
            o.remove("status");
        }
        self.send(
            Method::POST,
            &self.path("v1", &["networks"]),
            &[],
            Some(&body),
        )
        .await
    }

    /// `PATCH /v1/{project_id}/networks/{network_name}` with a JSON merge patch;
    /// the service lets `metadata.annotations` and `spec.connection` change.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, name: &str) -> Result<(), respool_client::Error> {
    /// let patched = client
    ///     .patch_network(name, &serde_json::json!({"metadata": {"annotations": {"owner": "ml"}}}))
    ///     .await?;
    /// assert_eq!(patched.metadata.annotations["owner"], "ml");
    /// # Ok(()) }
    /// ```
    pub async fn patch_network(&self, name: &str, patch: &Value) -> Result<Network, Error> {
        self.send(
            Method::PATCH,
            &self.path("v1", &["networks", name]),
            &[],
            Some(patch),
        )
        .await
    }

    /// `DELETE /v1/{project_id}/networks/{network_name}`: the network as it
    /// was. The service refuses (400) while a pool uses the network.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, name: &str) -> Result<(), respool_client::Error> {
    /// let gone = client.delete_network(name).await?;
    /// println!("deleted {}", gone.metadata.name);
    /// # Ok(()) }
    /// ```
    pub async fn delete_network(&self, name: &str) -> Result<Network, Error> {
        self.send(
            Method::DELETE,
            &self.path("v1", &["networks", name]),
            &[],
            None::<&()>,
        )
        .await
    }

    /// Polls the network until it is `Active`; calls `on_read` after every
    /// read. Fails with [`Error::WaitFailed`] if it turns `Abnormal`, with the
    /// API's 404 if it disappears, and with [`Error::WaitTimeout`] when time
    /// runs out.
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client, name: &str) -> Result<(), respool_client::Error> {
    /// use respool_client::WaitOptions;
    ///
    /// let n = client
    ///     .wait_network(name, &WaitOptions::default(), |n| eprintln!("{}", n.status.phase))
    ///     .await?;
    /// assert_eq!(n.status.phase, "Active");
    /// # Ok(()) }
    /// ```
    pub async fn wait_network(
        &self,
        name: &str,
        options: &WaitOptions,
        mut on_read: impl FnMut(&Network),
    ) -> Result<Network, Error> {
        let started = Instant::now();
        loop {
            let network = self.get_network(name).await?;
            on_read(&network);
            match network.status.phase.as_str() {
                NETWORK_ACTIVE => return Ok(network),
                NETWORK_ABNORMAL => {
                    return Err(Error::WaitFailed {
                        kind: "network",
                        name: name.to_owned(),
                        phase: network.status.phase,
                        message: None,
                    })
                }
                _ => {}
            }
            let elapsed = started.elapsed();
            if elapsed >= options.timeout {
                let last = network.status.phase;
                return Err(Error::WaitTimeout {
                    kind: "network",
                    name: name.to_owned(),
                    condition: format!("become {NETWORK_ACTIVE}"),
                    waited: elapsed,
                    last: if last.is_empty() {
                        "Pending".into()
                    } else {
                        last
                    },
                });
            }
            tokio::time::sleep(options.interval.min(options.timeout - elapsed)).await;
        }
    }
}

/// Builds the body of a network create request.
///
/// ```
/// let n = respool_client::NewNetwork::new("net-demo", "192.168.0.0/16")
///     .workspace("0")
///     .label("team", "ml")
///     .build();
/// assert_eq!(n.metadata.labels["os.modelarts/name"], "net-demo");
/// assert_eq!(n.spec.cidr, "192.168.0.0/16");
/// assert_eq!((n.api_version.as_str(), n.kind.as_str()), ("v1", "Network"));
/// ```
#[derive(Debug, Clone)]
pub struct NewNetwork {
    display_name: String,
    cidr: String,
    workspace: Option<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

impl NewNetwork {
    /// A network with this display name (`os.modelarts/name`) and address
    /// block (inside `172.16.0.0/12` or `192.168.0.0/16`, /16 to /24).
    pub fn new(display_name: impl Into<String>, cidr: impl Into<String>) -> NewNetwork {
        NewNetwork {
            display_name: display_name.into(),
            cidr: cidr.into(),
            workspace: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }

    /// The workspace id (`os.modelarts/workspace.id`); the service's default is `0`.
    pub fn workspace(mut self, id: impl Into<String>) -> NewNetwork {
        self.workspace = Some(id.into());
        self
    }

    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> NewNetwork {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> NewNetwork {
        self.annotations.insert(key.into(), value.into());
        self
    }

    /// `os.modelarts/description`.
    pub fn description(self, text: impl Into<String>) -> NewNetwork {
        self.annotation(keys::DESCRIPTION, text)
    }

    pub fn build(self) -> Network {
        let mut labels = self.labels;
        labels.insert(keys::NAME.into(), self.display_name);
        if let Some(w) = self.workspace {
            labels.insert(keys::WORKSPACE_ID.into(), w);
        }
        Network {
            api_version: "v1".into(),
            kind: "Network".into(),
            metadata: ObjectMeta {
                labels,
                annotations: self.annotations,
                resource_version: None,
                ..ObjectMeta::default()
            },
            spec: NetworkSpec {
                cidr: self.cidr,
                ..NetworkSpec::default()
            },
            status: Default::default(),
        }
    }
}
