//! Events (`/v1/{project_id}/events`): what happened to a pool, one event per
//! change of its phase or of its node counts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ListMeta;

/// One event (`apiVersion: v1`, `kind: Event`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub api_version: String,
    pub kind: String,
    pub metadata: EventMeta,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// RFC 3339, second precision, UTC.
    pub first_timestamp: String,
    pub last_timestamp: String,
    pub count: i64,
    /// `PoolStatusChange` or `PoolResourcesStatusChange`.
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventMeta {
    pub name: String,
    pub creation_timestamp: String,
}

/// `GET /v1/{project_id}/events` answers this (`apiVersion: v1`, `kind: EventList`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventList {
    pub kind: String,
    pub api_version: String,
    pub metadata: ListMeta,
    pub items: Vec<Event>,
}
