//! `/v1/{project_id}/resourceflavors`: the flavor catalog (paged).

use respool_api_types::{ResourceFlavor, ResourceFlavorList};

use crate::paging::PageOptions;
use crate::{Client, Error};

impl Client {
    /// One page of `GET /v1/{project_id}/resourceflavors` (`labelSelector`,
    /// `limit` 0–500, `continue` from the previous page's `metadata.continue`).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// use respool_client::PageOptions;
    ///
    /// let first = client
    ///     .list_flavors_page(None, &PageOptions { limit: Some(10), continue_token: None })
    ///     .await?;
    /// println!("{} flavors, more: {:?}", first.items.len(), first.metadata.continue_token);
    /// # Ok(()) }
    /// ```
    pub async fn list_flavors_page(
        &self,
        label_selector: Option<&str>,
        options: &PageOptions,
    ) -> Result<ResourceFlavorList, Error> {
        let q = selector_query(label_selector);
        self.get_page(&self.path("v1", &["resourceflavors"]), &q, options)
            .await
    }

    /// Every flavor that matches `label_selector` (all of them with `None`),
    /// following `metadata.continue` page after page; `page_size` is the
    /// `limit` of each request (`None`: the server's default, 500).
    ///
    /// ```no_run
    /// # async fn demo(client: respool_client::Client) -> Result<(), respool_client::Error> {
    /// for f in client.list_flavors(Some("os.modelarts/scope in (Train.Infer.Notebook)"), None).await? {
    ///     println!("{} {} vCPU {}", f.metadata.name, f.spec.cpu, f.spec.memory);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_flavors(
        &self,
        label_selector: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<Vec<ResourceFlavor>, Error> {
        let q = selector_query(label_selector);
        self.get_all::<ResourceFlavorList>(&self.path("v1", &["resourceflavors"]), &q, page_size)
            .await
    }
}

/// `labelSelector`, when one is given.
pub(crate) fn selector_query(label_selector: Option<&str>) -> Vec<(&'static str, &str)> {
    label_selector
        .filter(|s| !s.is_empty())
        .map(|s| ("labelSelector", s))
        .into_iter()
        .collect()
}
