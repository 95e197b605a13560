//! Command-line grammar.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use respool_core::timing::TimingProfile;
use respool_server::AuthMode;

#[derive(Parser)]
#[command(
    name = "respool",
    version,
    about = "A self-hostable ModelArts resource-pool API",
    after_long_help = crate::exit::HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the API server.
    Serve(ServeArgs),
    /// Manage AK/SK credentials in the store.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// Manage users who obtain tokens with a password.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Resource pools: list, get, create, scale, delete, wait, tags.
    Pool(PoolArgs),
    /// Nodes of a pool: list, get, delete, lock, unlock, reboot, reset, drain, update, migrate, bind.
    Node(NodeArgs),
    /// Node pools of a pool: list, get, create, scale, delete, nodes.
    #[command(visible_alias = "np")]
    Nodepool(NodePoolArgs),
    /// Node jobs (reboot, reset, migrate): show, wait, list.
    Job(JobArgs),
    /// Plugins of a pool (list, install, upgrade) and plugin templates.
    Plugin(PluginArgs),
    /// Scheduled events (maintenance announced for nodes): list, accept.
    Event(EventArgs),
    /// Resource flavors: the node types pools can be made of.
    #[command(visible_alias = "flavors")]
    Flavor(FlavorArgs),
    /// Networks: create, list, get, delete.
    Network(NetworkArgs),
    /// Workspaces: list, get, create, delete.
    Workspace(WorkspaceArgs),
    /// How many pools are in each state (created, creating, pending, failed, deleting).
    Stats(StatsArgs),
    /// What happened to a pool: one event per change of its phase or node counts.
    Events(EventsArgs),
    /// Orders: one per pool create, scaling, node deletion and delete.
    Orders(OrdersArgs),
    /// The pool and nodes one order acts on.
    Order(OrderArgs),
    /// Workloads of a pool: list, stats, metrics, add, delete.
    Workload(crate::cmd::capacity::WorkloadArgs),
    /// Quotas: the project's, a workspace's; set them.
    Quota(crate::cmd::capacity::QuotaArgs),
    /// Start a throwaway server and walk a pool through its life, step by step.
    Demo(DemoArgs),
    /// Print a shell completion script (e.g. `source <(respool completions bash)`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where the data lives; shared by every command that opens the store.
#[derive(Args, Clone)]
pub struct StoreArgs {
    /// Directory for the SQLite database and credentials.json.
    #[arg(long, env = "RESPOOL_DATA_DIR", default_value = "./respool-data")]
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://FILE`); default: a SQLite file in the data dir.
    #[arg(long, env = "RESPOOL_DATABASE_URL")]
    pub database: Option<String>,
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "RESPOOL_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// How long lifecycle stages take: immediate, fast, realistic or manual.
    #[arg(long, env = "RESPOOL_TIMING", default_value = "fast")]
    pub timing: TimingProfile,
    /// Request authentication: enforce, log or off.
    #[arg(long, env = "RESPOOL_AUTH", default_value = "enforce")]
    pub auth: AuthMode,
    /// Region name; it is also the name of every project.
    #[arg(long, env = "RESPOOL_REGION", default_value = "local-1")]
    pub region: String,
    /// Log format: text or json.
    #[arg(long, env = "RESPOOL_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Requests per second allowed to each access key (bursts of twice that);
    /// 0 turns throttling off. Default: 20 with realistic timing, else off.
    #[arg(long, env = "RESPOOL_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// A JSON file of extra resource flavors (same format as the built-in
    /// catalog); a flavor with a built-in name replaces the built-in one.
    #[arg(long, env = "RESPOOL_FLAVORS", value_name = "FILE")]
    pub flavors: Option<PathBuf>,
    /// Accept Dedicate pools whose spec.network.name names no network of the
    /// project (by default they are refused, as ModelArts refuses them).
    #[arg(long, env = "RESPOOL_LENIENT_NETWORKS", value_parser = clap::builder::BoolishValueParser::new())]
    pub lenient_networks: bool,
    /// Read every pool list from the store rather than answer a list again
    /// while nothing was written (for measuring the store's reads).
    #[arg(long, env = "RESPOOL_NO_LIST_CACHE", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_list_cache: bool,
    /// How often, in milliseconds, watchers look for changes other replicas
    /// made (this replica's own are seen at once).
    #[arg(
        long,
        env = "RESPOOL_WATCH_POLL_MS",
        default_value_t = 100,
        value_name = "MS"
    )]
    pub watch_poll_ms: u64,
    /// How many writes of each project the change feed keeps; a watch that
    /// resumes from before them is answered 410 and lists again.
    #[arg(long, env = "RESPOOL_WATCH_HISTORY", default_value_t = respool_store::DEFAULT_HISTORY, value_name = "WRITES")]
    pub watch_history: i64,
    /// A scenario applied at start (YAML or JSON: credentials, networks,
    /// workspaces, pools, faults); what already exists is kept as it is.
    #[arg(long, env = "RESPOOL_SEED", value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Access key to ensure at start (with RESPOOL_SECRET_KEY and RESPOOL_PROJECT_ID).
    #[arg(long, env = "RESPOOL_ACCESS_KEY", hide_env_values = true)]
    pub access_key: Option<String>,
    #[arg(long, env = "RESPOOL_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    #[arg(long, env = "RESPOOL_PROJECT_ID")]
    pub project_id: Option<String>,
    #[arg(long, env = "RESPOOL_DOMAIN_ID")]
    pub domain_id: Option<String>,
}

#[derive(Subcommand)]
pub enum CredentialsCommand {
    /// Create a new AK/SK pair and print it.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// Project the pair may use (repeat for several).
        #[arg(long = "project", required = true)]
        projects: Vec<String>,
        #[arg(long)]
        domain: Option<String>,
        /// Make it temporary: it expires after this many seconds and needs a security token.
        #[arg(long)]
        expires_in: Option<u64>,
    },
    /// List access keys (secrets are not shown).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Delete an access key; requests signed with it fail from now on.
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        access_key: String,
    },
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create a user who can obtain tokens with `password`.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        name: String,
        #[arg(long, env = "RESPOOL_USER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long = "project", required = true)]
        projects: Vec<String>,
        #[arg(long)]
        domain: Option<String>,
    },
}

// ------------------------------------------------------------------ API client commands

/// Where the API is and who calls it. Each setting comes from its flag, else the
/// environment, else `<data-dir>/credentials.json` (written by `respool serve`).
#[derive(Args, Clone, Default)]
pub struct ConnArgs {
    /// API endpoint [env: RESPOOL_ENDPOINT] (default: credentials.json's, else
    /// http://127.0.0.1:8787). Without a scheme it means https://, as in the SDKs.
    #[arg(long, global = true, value_name = "URL", help_heading = "Connection")]
    pub endpoint: Option<String>,
    /// Access key [env: HUAWEICLOUD_SDK_AK].
    #[arg(long, global = true, value_name = "AK", help_heading = "Connection")]
    pub ak: Option<String>,
    /// Secret key [env: HUAWEICLOUD_SDK_SK].
    #[arg(long, global = true, value_name = "SK", help_heading = "Connection")]
    pub sk: Option<String>,
    /// Project id [env: HUAWEICLOUD_SDK_PROJECT_ID].
    #[arg(long, global = true, value_name = "ID", help_heading = "Connection")]
    pub project_id: Option<String>,
    /// Where to find credentials.json [env: RESPOOL_DATA_DIR] [default: ./respool-data].
    #[arg(long, global = true, value_name = "DIR", help_heading = "Connection")]
    pub data_dir: Option<PathBuf>,
}

/// How to print objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Columns, kubectl style.
    Table,
    /// More columns.
    Wide,
    /// The API's JSON.
    Json,
    /// The API's object as YAML.
    Yaml,
}

/// `--wait` and how long.
#[derive(Args, Clone, Debug)]
pub struct WaitArgs {
    /// Wait until the change has taken effect, showing progress.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long (e.g. 90s, 20m, 1h30m).
    #[arg(long, default_value = "20m", value_parser = crate::output::parse_duration)]
    pub timeout: std::time::Duration,
    /// Time between two looks at the pool.
    #[arg(long, default_value = "500ms", value_parser = crate::output::parse_duration, hide = true)]
    pub interval: std::time::Duration,
}

#[derive(Args)]
pub struct PoolArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: PoolCommand,
}

#[derive(Subcommand)]
pub enum PoolCommand {
    /// List pools: name, display name, type, phase, flavors (available/total nodes), scopes, age.
    #[command(visible_alias = "ls")]
    List {
        /// Workspace id (the API's default is 0).
        #[arg(long)]
        workspace: Option<String>,
        /// Label selector, e.g. `os.modelarts/name=demo` or `team in (a,b),!legacy`.
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// Only pools being created, created, or whose creation failed.
        #[arg(long, value_parser = ["creating", "created", "failed"])]
        status: Option<String>,
        /// After the list, print every change as it happens (until interrupted).
        #[arg(short, long, conflicts_with = "status")]
        watch: bool,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Show one pool. NAME is its name or its display name.
    Get {
        name: String,
        /// Then print every change of the pool as it happens (until interrupted).
        #[arg(short, long)]
        watch: bool,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Create a pool from a file (-f) or from flags.
    Create(CreateArgs),
    /// Set the node count of one flavor of a pool.
    Scale {
        name: String,
        /// The flavor to scale; may be left out when the pool has only one.
        #[arg(long)]
        flavor: Option<String>,
        /// The new node count.
        #[arg(long)]
        count: i64,
        #[command(flatten)]
        wait: WaitArgs,
        /// Print the pool instead of a message.
        #[arg(short, long, value_enum)]
        output: Option<Format>,
    },
    /// Delete pools.
    Delete {
        #[arg(required = true)]
        names: Vec<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Tags of a pool (KEY, VALUE); without POOL, every tag of the project's pools.
    Tags {
        pool: Option<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Add tags to a pool, or give keys it has a new value.
    Tag {
        pool: String,
        /// KEY=VALUE (an empty value is allowed: KEY=).
        #[arg(required = true, value_name = "KEY=VALUE", value_parser = key_value)]
        tags: Vec<(String, String)>,
        /// Print the pool's tags instead of a message.
        #[arg(short, long, value_enum)]
        output: Option<Format>,
    },
    /// Remove tags from a pool: KEY removes the key, KEY=VALUE only with that value.
    Untag {
        pool: String,
        #[arg(required = true, value_name = "KEY[=VALUE]")]
        keys: Vec<String>,
        /// Print the tags left instead of a message.
        #[arg(short, long, value_enum)]
        output: Option<Format>,
    },
    /// Wait for a pool to reach a phase, or to be deleted.
    Wait {
        name: String,
        /// `phase=<Phase>` (phase=Running also waits for every node) or `delete`.
        #[arg(long = "for", default_value = "phase=Running")]
        condition: respool_client::WaitFor,
        #[arg(long, default_value = "20m", value_parser = crate::output::parse_duration)]
        timeout: std::time::Duration,
        #[arg(long, default_value = "500ms", value_parser = crate::output::parse_duration, hide = true)]
        interval: std::time::Duration,
    },
}

#[derive(Args)]
pub struct CreateArgs {
    /// A Pool object as YAML or JSON (`-` reads standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE", conflicts_with_all = ["name", "flavors", "counts", "scope", "network", "pool_type", "workspace", "labels", "description"])]
    pub file: Option<PathBuf>,
    /// Display name (os.modelarts/name): 4-32 lowercase letters, digits or '-'.
    #[arg(long, required_unless_present = "file")]
    pub name: Option<String>,
    /// Flavor of the nodes; repeat for several flavors.
    #[arg(
        long = "flavor",
        value_name = "FLAVOR",
        required_unless_present = "file"
    )]
    pub flavors: Vec<String>,
    /// Node count: one per --flavor, or one for all [default: 1].
    #[arg(long = "count", value_name = "N")]
    pub counts: Vec<i64>,
    /// Job types: Train, Infer, Notebook (repeat or separate with commas) [default: Train].
    #[arg(long, value_delimiter = ',')]
    pub scope: Vec<String>,
    /// Network name (spec.network.name); a Dedicate pool needs one.
    #[arg(long)]
    pub network: Option<String>,
    /// Dedicate or Logical.
    #[arg(long = "type", default_value = "Dedicate")]
    pub pool_type: String,
    /// Workspace id [default: 0].
    #[arg(long)]
    pub workspace: Option<String>,
    /// Extra label KEY=VALUE; repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Description (os.modelarts/description).
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Print the pool instead of a message.
    #[arg(short, long, value_enum)]
    pub output: Option<Format>,
}

#[derive(Args)]
pub struct NodeArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: NodeCommand,
}

#[derive(Args)]
pub struct NodePoolArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: NodePoolCommand,
}

#[derive(Subcommand)]
pub enum NodePoolCommand {
    /// List the node pools of a pool, with their node counts.
    #[command(visible_alias = "ls")]
    List {
        pool: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Show one node pool.
    Get {
        pool: String,
        node_pool: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Add a node pool to a running pool.
    Create {
        pool: String,
        node_pool: String,
        #[arg(long)]
        flavor: String,
        #[arg(long, default_value_t = 1)]
        count: i64,
        /// A Kubernetes label its nodes carry (repeatable).
        #[arg(long = "label", value_name = "KEY=VALUE")]
        labels: Vec<String>,
        /// A taint its nodes carry (repeatable): `key=value:NoSchedule`.
        #[arg(long = "taint", value_name = "KEY=VALUE:EFFECT")]
        taints: Vec<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Set a node pool's node count.
    Scale {
        pool: String,
        node_pool: String,
        count: i64,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Delete a node pool and its nodes.
    Delete {
        pool: String,
        node_pool: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// List the nodes of a node pool (every page).
    Nodes {
        pool: String,
        node_pool: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
}

#[derive(Args)]
pub struct PluginArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: PluginCommand,
}

#[derive(Subcommand)]
pub enum PluginCommand {
    /// List a pool's plugins with their phase and version.
    #[command(visible_alias = "ls")]
    List {
        pool: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Install a plugin on a pool.
    Install(PluginInstallArgs),
    /// Upgrade (or reconfigure) a plugin a pool has.
    Upgrade(PluginInstallArgs),
    /// List plugin templates, optionally those a pool can install.
    Templates {
        /// Only templates this pool can install.
        #[arg(long)]
        pool: Option<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Show one plugin template with its versions and inputs.
    Template {
        name: String,
        #[arg(short, long, value_enum, default_value = "yaml")]
        output: Format,
    },
}

#[derive(Args)]
pub struct PluginInstallArgs {
    pub pool: String,
    /// The template, e.g. `volcano` or `gpu-driver`.
    pub template: String,
    /// The version; the newest when left out.
    #[arg(long)]
    pub version: Option<String>,
    /// An input of the template (repeatable); the value is JSON, or a string.
    #[arg(long = "input", value_name = "KEY=VALUE")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Subcommand)]
pub enum NodeCommand {
    /// List the nodes of a pool (every page).
    #[command(visible_alias = "ls")]
    List {
        pool: String,
        /// Nodes per request (the API's limit, 1-500).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
        page_size: Option<u32>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Show one node.
    Get {
        pool: String,
        node: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Delete nodes of a pool; the pool's node count shrinks to match.
    Delete {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Lock nodes against deletion (batch delete and scale-down leave them).
    Lock {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
    },
    /// Unlock nodes locked with `node lock`.
    Unlock {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
    },
    /// Reboot nodes; they are Checking until back. Prints the job's id.
    Reboot {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Reset (re-image) nodes, a few at a time. Prints the job's id.
    Reset {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
        /// How many may be reset at once: by number or by percent of NODES.
        #[arg(long, default_value = "RollingByNumber", value_parser = ["RollingByNumber", "RollingByPercent"])]
        strategy: String,
        /// Nodes (or percent) down at once.
        #[arg(long, default_value_t = 1)]
        max_unavailable: i64,
        /// The OS to install (the node keeps its own without it).
        #[arg(long, value_name = "NAME")]
        os: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Drain nodes: no new workloads are scheduled on them (at most 10).
    Drain {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
    },
    /// Update nodes: HA redundancy, tags or the accelerator driver (one change per call).
    Update(NodeUpdateArgs),
    /// Move nodes to another pool. Prints the job's id.
    Migrate {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
        /// The pool the nodes join (its name or display name).
        #[arg(long, value_name = "POOL")]
        to: String,
        /// The flavor the nodes have in the target pool.
        #[arg(long)]
        flavor: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Bind nodes to a logical sub-pool (quota).
    Bind {
        pool: String,
        #[arg(required = true)]
        nodes: Vec<String>,
        /// The quota (logical sub-pool) the nodes serve.
        #[arg(long, value_name = "NAME")]
        quota: String,
        /// Drain the nodes as they are bound.
        #[arg(long)]
        drain: bool,
    },
}

impl NodeCommand {
    /// The pool the command is about.
    pub fn pool(&self) -> &str {
        match self {
            NodeCommand::List { pool, .. }
            | NodeCommand::Get { pool, .. }
            | NodeCommand::Delete { pool, .. }
            | NodeCommand::Lock { pool, .. }
            | NodeCommand::Unlock { pool, .. }
            | NodeCommand::Reboot { pool, .. }
            | NodeCommand::Reset { pool, .. }
            | NodeCommand::Drain { pool, .. }
            | NodeCommand::Migrate { pool, .. }
            | NodeCommand::Bind { pool, .. } => pool,
            NodeCommand::Update(args) => &args.pool,
        }
    }
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["ha_open", "ha_close", "tags", "untag", "driver"])))]
pub struct NodeUpdateArgs {
    pub pool: String,
    #[arg(required = true)]
    pub nodes: Vec<String>,
    /// Turn HA redundancy on.
    #[arg(long, conflicts_with_all = ["ha_close", "tags", "untag", "driver"])]
    pub ha_open: bool,
    /// With --ha-open: what the taint does to workloads.
    #[arg(long, conflicts_with_all = ["ha_close", "tags", "untag", "driver"], value_parser = ["NoSchedule", "NoExecute"])]
    pub ha_effect: Option<String>,
    /// Turn HA redundancy off.
    #[arg(long, conflicts_with_all = ["tags", "untag", "driver"])]
    pub ha_close: bool,
    /// Add a tag KEY=VALUE; repeatable.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value, conflicts_with_all = ["untag", "driver"])]
    pub tags: Vec<(String, String)>,
    /// Remove a tag by key; repeatable.
    #[arg(long, value_name = "KEY", conflicts_with = "driver")]
    pub untag: Vec<String>,
    /// Upgrade the accelerator driver to this version.
    #[arg(long, value_name = "VERSION")]
    pub driver: Option<String>,
    /// With --driver: upgrade at once (force) or when the node is idle.
    #[arg(long, requires = "driver", value_parser = ["force", "idle"])]
    pub driver_strategy: Option<String>,
}

#[derive(Args)]
pub struct JobArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: JobCommand,
}

#[derive(Subcommand)]
pub enum JobCommand {
    /// Show one job.
    Show {
        job_id: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Wait for a job to succeed, showing its pool's progress; a failed job fails the command.
    Wait {
        job_id: String,
        #[arg(long, default_value = "20m", value_parser = crate::output::parse_duration)]
        timeout: std::time::Duration,
        #[arg(long, default_value = "500ms", value_parser = crate::output::parse_duration, hide = true)]
        interval: std::time::Duration,
    },
    /// List jobs, newest first.
    #[command(visible_alias = "ls")]
    List {
        /// Only the jobs of this pool (its name or display name).
        #[arg(long)]
        pool: Option<String>,
        /// Only jobs of this type.
        #[arg(long = "type", value_parser = ["RebootNode", "ResetNode", "MigrateNode"])]
        job_type: Option<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
}

#[derive(Args)]
pub struct EventArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: EventCommand,
}

#[derive(Subcommand)]
pub enum EventCommand {
    /// List scheduled events, newest first.
    #[command(visible_alias = "ls")]
    List {
        /// Only the events of this pool (its name or display name).
        #[arg(long)]
        pool: Option<String>,
        /// Only events in these states (comma-separated: inquiring, scheduled, executing, ...).
        #[arg(long)]
        state: Option<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Accept an event: it runs at --not-before (RFC 3339), or now.
    Accept {
        event_id: String,
        #[arg(long, value_name = "TIME")]
        not_before: Option<String>,
        /// For a redeploy: HARD or SOFT.
        #[arg(long, value_parser = ["HARD", "SOFT"])]
        redeploy: Option<String>,
    },
}

#[derive(Args)]
pub struct FlavorArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: FlavorCommand,
}

#[derive(Subcommand)]
pub enum FlavorCommand {
    /// List flavors: name, type, arch, CPU, memory, accelerator, scopes, AZs in stock.
    #[command(visible_alias = "ls")]
    List {
        /// Label selector, e.g. `os.modelarts.flavor/baremetal=true`.
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// Flavors per request (the API's limit, 1-500).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
        page_size: Option<u32>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
}

#[derive(Args)]
pub struct NetworkArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: NetworkCommand,
}

#[derive(Subcommand)]
pub enum NetworkCommand {
    /// Create a network; it is Creating, then Active.
    Create {
        /// Display name (os.modelarts/name): 4-32 lowercase letters, digits or '-'.
        #[arg(long)]
        name: String,
        /// Address block inside 172.16.0.0/12 or 192.168.0.0/16, /16 to /24.
        #[arg(long)]
        cidr: String,
        /// Workspace id [default: 0].
        #[arg(long)]
        workspace: Option<String>,
        /// Extra label KEY=VALUE; repeatable.
        #[arg(long = "label", value_name = "KEY=VALUE", value_parser = key_value)]
        labels: Vec<(String, String)>,
        /// Description (os.modelarts/description).
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
        /// Print the network instead of a message.
        #[arg(short, long, value_enum)]
        output: Option<Format>,
    },
    /// List networks (every page): name, display name, CIDR, phase, age.
    #[command(visible_alias = "ls")]
    List {
        /// Label selector, e.g. `os.modelarts/name=net-demo`.
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// Only networks of this workspace.
        #[arg(long)]
        workspace: Option<String>,
        /// Networks per request (the API's limit, 1-500).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
        page_size: Option<u32>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Show one network. NAME is its name or its display name.
    Get {
        name: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Delete networks (refused while a pool uses one).
    Delete {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// The network's addresses: usable, held by nodes, free.
    Ips {
        name: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
}

#[derive(Args)]
pub struct WorkspaceArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: WorkspaceCommand,
}

#[derive(Subcommand)]
pub enum WorkspaceCommand {
    /// List workspaces (every page): id, name, status, auth type, owner, age.
    #[command(visible_alias = "ls")]
    List {
        /// Only workspaces whose name contains this (case-insensitive).
        #[arg(long)]
        name: Option<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Show one workspace. WORKSPACE is its id or its name.
    Get {
        workspace: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Create a workspace; prints its id.
    Create {
        /// 4-64 letters, digits, '-' or '_'; unique in the project.
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// Print the workspace instead of a message.
        #[arg(short, long, value_enum)]
        output: Option<Format>,
    },
    /// Delete workspaces (refused for 0 and while pools are in one). WORKSPACE is an id or a name.
    Delete {
        #[arg(required = true, value_name = "WORKSPACE")]
        workspaces: Vec<String>,
    },
}

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Workspace id or name (the API's default is 0).
    #[arg(long)]
    pub workspace: Option<String>,
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The pool: its name or its display name (a deleted pool's events stay).
    pub pool: String,
    /// Only Normal or only Warning events.
    #[arg(long = "type", value_parser = ["Normal", "Warning"])]
    pub event_type: Option<String>,
    /// Events per request (the API's limit, 1-500).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub page_size: Option<u32>,
    /// After the events so far, print each new one as it happens (until interrupted).
    #[arg(short, long)]
    pub follow: bool,
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args)]
pub struct OrdersArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Only the orders of this pool (its name or its display name).
    pub pool: Option<String>,
    /// Only orders in this phase.
    #[arg(long, value_parser = ["pending", "processing", "successed", "partialSuccessed", "failed"])]
    pub phase: Option<String>,
    /// Only orders of pools in this workspace (id).
    #[arg(long)]
    pub workspace: Option<String>,
    /// Orders per request (the API's limit, 1-500).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub page_size: Option<u32>,
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args)]
pub struct OrderArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The order's name (`orderName`, e.g. order.demo-ab12c; the pool's os.modelarts/order.name).
    pub order: String,
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

/// `KEY=VALUE`, split at the first `=`.
pub fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("invalid {s:?}: use KEY=VALUE")),
    }
}

#[derive(Args)]
pub struct DemoArgs {
    /// How fast the demo server moves pools along: immediate or fast.
    #[arg(long, default_value = "fast")]
    pub timing: TimingProfile,
}
