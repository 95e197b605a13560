//! The ModelArts resource-pool objects exactly as they travel on the wire.
//!
//! Field names, casing and dotted label keys follow the live API (not the SDK
//! models where the two disagree: `status.resources.*` are arrays). These
//! types carry no behaviour; `respool-core` gives them meaning.

mod capacity;
mod event;
mod flavor;
mod meta;
mod monitoring;
mod network;
mod node;
mod node_ops;
mod node_pool;
mod order;
mod plugin;
mod pool;
mod tags;
mod workspace;
mod workspace_auth;

pub use capacity::{
    MetricValue, MetricsAllocated, MetricsAvailable, MetricsCapacity, MetricsMetadata,
    MetricsTable, MetricsWorkload, NetworkIpAvailability, OsQuotaResource, OsQuotaResources,
    OsQuotas, PoolMetricsItem, PoolMetricsList, SubnetIpAvailability, Workload, WorkloadCounts,
    WorkloadList, WorkloadNode, WorkloadStatistics, WorkloadStatisticsBody, WorkloadTypeStatistics,
    WorkspaceQuota, WorkspaceQuotaChange, WorkspaceQuotaList, WorkspaceQuotaUpdate,
};
pub use event::{Event, EventList, EventMeta};
pub use flavor::{
    FlavorVolume, ResourceFlavor, ResourceFlavorList, ResourceFlavorSpec, ResourceFlavorStatus,
    ResourceFlavorXpu,
};
pub use meta::{ErrorBody, ListMeta, ObjectMeta};
pub use monitoring::{
    MetricDimension, MetricStatistic, PoolMonitor, PoolMonitorDataPoint, PoolMonitorMetric,
    PoolMonitorMetrics, PoolStatistics, PoolStatisticsBody, PoolStatusCounts,
};
pub use network::{
    Network, NetworkConnection, NetworkConnectionStatus, NetworkList, NetworkSpec, NetworkStatus,
    NetworkSubnet, PeerConnection, PeerConnectionStatus, SfsTurboConnection, SfsTurboStatus,
};
pub use node::{
    Node, NodeDeletion, NodeDriver, NodeList, NodeOs, NodeResult, NodeSpec, NodeStatus, NodeVolume,
};
pub use node_ops::{
    BindNodeItem, BindRequest, CreatingStep, EventAccept, JobAnswer, MigrateRequest,
    MigrateResourceSpec, NodeDriverUpdate, NodeLockRequest, NodeNames, NodeResults, NodeTag,
    NodeUpdateAnswer, NodeUpdateRequest, PoolJob, PoolJobList, RebootAnswer, RedeployConfig,
    ResetNodeConfig, ResetRequest, ResizeAnswer, ResizeNodes, ResizeParams, ResizeRequest,
    RollingConfig, ScheduledEvent, ScheduledEventList,
};
pub use node_pool::{
    NodePool, NodePoolBuckets, NodePoolList, NodePoolMeta, NodePoolSpec, NodePoolStatus,
};
pub use order::{
    Order, OrderFlavorCount, OrderIdAnswer, OrderIdRequest, OrderItem, OrderItemList, OrderList,
};
pub use plugin::{
    AffinityOs, DockerLvmConfig, NameMeta, NodeConfig, NodeConfigChoices, NodeConfigChoicesSpec,
    NodeConfigSpec, NodeConfigStatus, NodeConfigTemplate, NodeConfigTemplateSpec, Plugin,
    PluginList, PluginMeta, PluginRequest, PluginSpec, PluginStatus, PluginTemplate,
    PluginTemplateDetail, PluginTemplateDetailSpec, PluginTemplateList, PluginTemplateMeta,
    PluginTemplateRef, PluginTemplateSpec, PluginTemplateVersion,
};
pub use pool::{
    AzCount, DriverState, FlavorCount, NetworkRef, Pool, PoolCluster, PoolDriverStatus, PoolList,
    PoolResource, PoolSpec, PoolStatus, ScopeStatus, StatusResources,
};
pub use tags::{PoolTag, PoolTagList, Tag, TagDeletion, TagDeletionRequest, TagRequest};
pub use workspace::{
    Workspace, WorkspaceCreate, WorkspaceGrant, WorkspaceList, WorkspaceRef, WorkspaceUpdate,
};

pub use workspace_auth::{
    AuthCause, AuthCheck, AuthRequest, AuthResult, AuthResults, UserList, UserName,
};

/// Label and annotation keys the service itself reads or fills in.
pub mod keys {
    pub const NAME: &str = "os.modelarts/name";
    pub const WORKSPACE_ID: &str = "os.modelarts/workspace.id";
    pub const RESOURCE_ID: &str = "os.modelarts/resource.id";
    pub const TENANT_DOMAIN_ID: &str = "os.modelarts/tenant.domain.id";
    pub const TENANT_PROJECT_ID: &str = "os.modelarts/tenant.project.id";
    pub const NODE_PREFIX: &str = "os.modelarts/node.prefix";
    pub const ORDER_NAME: &str = "os.modelarts/order.name";
    pub const REGION: &str = "os.modelarts/region";
    pub const POOL_BIZ: &str = "os.modelarts.pool/biz";
    pub const CREATE_FROM: &str = "os.modelarts/create-from";
    pub const DESCRIPTION: &str = "os.modelarts/description";
    pub const BILLING_MODE: &str = "os.modelarts/billing.mode";
    pub const SUBPOOLS_COUNT: &str = "os.modelarts.pool/subpools.count";
    pub const TENANT_DOMAIN_NAME: &str = "os.modelarts/tenant.domain.name";
    pub const FLAVOR_RESOURCE_IDS: &str = "os.modelarts/flavor.resource.ids";
    pub const ENTERPRISE_PROJECT_ID: &str = "os.modelarts/enterprise.project.id";
    pub const ORDER_ID: &str = "os.modelarts/order.id";
    pub const PERIOD_NUM: &str = "os.modelarts/period.num";
    pub const PERIOD_TYPE: &str = "os.modelarts/period.type";
    pub const AUTO_RENEW: &str = "os.modelarts/auto.renew";
    pub const AUTO_PAY: &str = "os.modelarts/auto.pay";
    /// respool's own: overrides the server's timing profile for one pool.
    pub const TIMING: &str = "respool.io/timing";
    /// A pool's tags, as the JSON text of an array of `{"key", "value"}`.
    pub const TMS_TAGS: &str = "os.modelarts/tms.tags";
    /// Flavor label: supported job types joined by `.`, e.g. `Train.Infer`.
    pub const FLAVOR_SCOPE: &str = "os.modelarts/scope";
    /// Flavor label: `"true"` for bare-metal flavors.
    pub const FLAVOR_BAREMETAL: &str = "os.modelarts.flavor/baremetal";
    /// Flavor label: `"true"` for flavors with local disks.
    pub const FLAVOR_LOCALDISK: &str = "os.modelarts.flavor/localdisk";
    /// Which images suit the flavor: a JSON object of its CPU architecture and card type.
    pub const FLAVOR_IMAGE_FILTER: &str = "os.modelarts.flavor/image.filter";
}
