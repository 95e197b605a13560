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
    about = "A self-hostable ModelArts resource-pool API"
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
