//! Orders (`/v1/{project_id}/orders`): one per pool create, scaling, node
//! deletion and delete, followed until it succeeds or fails.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AzCount;

/// One order as `GET /v1/{project_id}/orders` lists it. Times are epoch
/// milliseconds as integers; `0` when the order has not started or ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub creation_timestamp: i64,
    pub begin_timestamp: i64,
    pub end_timestamp: i64,
    /// `order.<display name>-<5 random>`; the pool's `os.modelarts/order.name`.
    pub order_name: String,
    /// e.g. `CS2611271530WNW2R`.
    pub order_id: String,
    /// The pool's `metadata.name`.
    pub resource_name: String,
    /// The pool's display name (`os.modelarts/name`).
    pub resource_display_name: String,
    pub workspace_id: String,
    /// Nodes per flavor before the order; empty for a new pool.
    pub init_count: Vec<OrderFlavorCount>,
    /// Nodes per flavor the order asks for; empty for a delete.
    pub spec_count: Vec<OrderFlavorCount>,
    /// Nodes per flavor when the order ended; empty until then.
    pub result_count: Vec<OrderFlavorCount>,
    /// `apply` (create), `modify` (scaling, node deletion) or `delete`.
    pub operation: String,
    /// `pending` (unpaid), `processing`, `successed` or `failed`.
    pub phase: String,
    /// Why the order failed; only on failed orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
}

/// Nodes of one flavor, as an order counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderFlavorCount {
    pub flavor: String,
    pub count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub azs: Vec<AzCount>,
}

/// `GET /v1/{project_id}/orders` answers this: the orders that match (all of
/// them in `count`, one page of them in `items`), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderList {
    pub count: u64,
    pub items: Vec<Order>,
}

/// One resource an order acts on, as `GET /v1/{project_id}/orders/{order_name}`
/// lists it. Times are epoch milliseconds as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    /// The pool's or the node's `metadata.name`.
    pub resource_name: String,
    /// `createPool`, `deletePool`, `createNode` or `deleteNode`.
    pub action: String,
    /// `processing`, `succeed` or `failed`.
    pub status: String,
    pub begin_timestamp: String,
    pub update_timestamp: String,
    /// Why the action failed; empty otherwise.
    #[serde(default)]
    pub message: String,
}

/// `GET /v1/{project_id}/orders/{order_name}` answers this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderItemList {
    pub count: u64,
    pub items: Vec<OrderItem>,
}

/// The body of `POST /v2/{project_id}/pools/{name}/orderid` (optional; the
/// query's `actionType` says the same).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderIdRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
}

/// The answer of `POST .../orderid`: the new order's id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderIdAnswer {
    pub id: String,
}
