//! Lists that page Kubernetes-style: `limit` and `continue` in the query,
//! `metadata.continue` and `metadata.remainingItemCount` in the answer.

use respool_api_types::ListMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOptions {
    /// Page size (`limit`); `None` leaves it to the server (500 on ModelArts).
    pub limit: Option<u32>,
    /// `metadata.continue` of the previous page; `None` starts at the beginning.
    pub continue_token: Option<String>,
}

/// A list answer that may continue on another page.
///
/// Implement it for a new list type to get [`Client::get_all`](crate::Client::get_all)
/// and [`Client::get_page`](crate::Client::get_page) for free; [`List`] already does.
pub trait Page: DeserializeOwned {
    type Item;
    /// The token of the next page; `None` (or empty on the wire) on the last page.
    fn continue_token(&self) -> Option<&str>;
    fn into_items(self) -> Vec<Self::Item>;
}

/// A generic `*List` object: `apiVersion`, `kind`, paging `metadata`, `items`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ListMeta,
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

/// Implements [`Page`] for a typed `*List` of the wire types (its paging
/// metadata in `metadata`, its objects in `items`).
macro_rules! typed_list {
    ($($list:ty => $item:ty),* $(,)?) => {$(
        impl Page for $list {
            type Item = $item;

            fn continue_token(&self) -> Option<&str> {
                self.metadata
                    .continue_token
                    .as_deref()
                    .filter(|t| !t.is_empty())
            }

            fn into_items(self) -> Vec<$item> {
                self.items
            }
        }
    )*};
}

typed_list! {
    respool_api_types::NodeList => respool_api_types::Node,
    respool_api_types::ResourceFlavorList => respool_api_types::ResourceFlavor,
    respool_api_types::NetworkList => respool_api_types::Network,
    respool_api_types::EventList => respool_api_types::Event,
}

impl<T: DeserializeOwned> Page for List<T> {
    type Item = T;

    fn continue_token(&self) -> Option<&str> {
        self.metadata
            .continue_token
            .as_deref()
            .filter(|t| !t.is_empty())
    }

    fn into_items(self) -> Vec<T> {
        self.items
    }
}
