//! Pool tags (`/v1/{project_id}/pools/.../tags`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One tag as a request carries it (`value` singular).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The body of `POST .../tags/create`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TagRequest {
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// One tag to delete: the key, and optionally the value it must have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TagDeletion {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// The body of `DELETE .../tags/delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TagDeletionRequest {
    #[serde(default)]
    pub tags: Vec<TagDeletion>,
}

/// A key with its values (`values` plural), as answers carry tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PoolTag {
    pub key: String,
    pub values: Vec<String>,
}

/// Every tag answer: `{"tags": [{"key", "values"}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PoolTagList {
    pub tags: Vec<PoolTag>,
}
