//! `respool demo`: a throwaway server on a temporary database, and a pool
//! walked through its life with the very commands a person would type.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use respool_core::flavors::Catalog;
use respool_core::identity::{random_id, Credential};
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_server::{AppState, AuthMode, Settings};

use crate::cli::{Cli, Command, DemoArgs, StoreArgs};

const DISPLAY: &str = "demo-pool";
const FLAVOR: &str = "modelarts.vm.cpu.4ud";
const NETWORK: &str = "network-demo";

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    crate::progress::notes_to_stdout();
    let dir = tempfile::Builder::new()
        .prefix("respool-demo-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let store = crate::serve::open_store(
        &StoreArgs {
            data_dir: dir.path().to_owned(),
            database: None,
        },
        true,
    )
    .await?;
    let project = random_id();
    let domain = random_id();
    let credential = Credential::generate(&domain, vec![project.clone()], wall_ms());
    store.insert_credential(&credential).await?;
    let settings = Settings {
        region: "local-1".into(),
        timing: args.timing,
        auth: AuthMode::Enforce,
        default_domain_id: domain,
        admin_token: None,
        require_networks: false,
        watch_poll: respool_server::DEFAULT_WATCH_POLL,
    };
    let app = AppState::new(store, Catalog::builtin(), settings).await?;
    let reconciler = tokio::spawn(respool_server::reconciler::run(
        app.clone(),
        Duration::from_millis(100),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on 127.0.0.1")?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, respool_server::router(app)).await;
    });

    let demo = Demo {
        connection: vec![
            "--endpoint".into(),
            endpoint.clone(),
            "--ak".into(),
            credential.access_key.clone(),
            "--sk".into(),
            credential.secret_key.clone(),
            "--project-id".into(),
            project.clone(),
        ],
    };
    let result = demo
        .walk(&endpoint, &credential, &project, args.timing)
        .await;
    server.abort();
    reconciler.abort();
    result?;
    println!(
        "\n==> Done in {:.1}s. The temporary server is gone.",
        started.elapsed().as_secs_f64()
    );
    print!("{}", epilogue(&project));
    Ok(())
}

struct Demo {
    /// Flags that point the commands at the demo server (not shown).
    connection: Vec<String>,
}

impl Demo {
    async fn walk(
        &self,
        endpoint: &str,
        c: &Credential,
        project: &str,
        timing: TimingProfile,
    ) -> anyhow::Result<()> {
        println!("respool demo: a pool's life on a throwaway server, step by step.\n");
        println!("==> Started respool on {endpoint} (temporary SQLite database, timing {timing})");
        println!("    access key  {}", c.access_key);
        println!("    secret key  {}", c.secret_key);
        println!("    project id  {project}");
        println!("    To follow along from another terminal while it runs:");
        println!(
            "      export RESPOOL_ENDPOINT={endpoint} HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={} HUAWEICLOUD_SDK_PROJECT_ID={project}",
            c.access_key, c.secret_key
        );

        self.step(
            "1. Create a pool of 2 CPU nodes and wait until it is Running",
            &[
                "pool",
                "create",
                "--name",
                DISPLAY,
                "--flavor",
                FLAVOR,
                "--count",
                "2",
                "--scope",
                "Train,Infer",
                "--network",
                NETWORK,
                "--wait",
            ],
        )
        .await?;
        self.step(
            "2. Scale it to 3 nodes and wait for the new node",
            &["pool", "scale", DISPLAY, "--count", "3", "--wait"],
        )
        .await?;
        self.step(
            "3. List pools as the API returns them (GET /v2/{project_id}/pools, JSON)",
            &["pool", "list", "-o", "json"],
        )
        .await?;
        self.step("4. The same list as a table", &["pool", "list"])
            .await?;
        self.step(
            "5. Delete the pool and wait until it is gone",
            &["pool", "delete", DISPLAY, "--wait"],
        )
        .await?;
        self.step("6. Nothing is left", &["pool", "list"]).await?;
        Ok(())
    }

    /// Prints the command, then runs it exactly as `respool` would.
    async fn step(&self, title: &str, argv: &[&str]) -> anyhow::Result<()> {
        println!("\n==> {title}");
        println!("    $ respool {}", shell_words(argv));
        let mut full: Vec<String> = vec!["respool".into()];
        full.extend(argv.iter().map(|s| s.to_string()));
        full.extend(self.connection.iter().cloned());
        let cli = Cli::try_parse_from(&full).context("the demo built an invalid command")?;
        match cli.command {
            Command::Pool(args) => crate::cmd::pool::run(args).await,
            Command::Node(args) => crate::cmd::node::run(args).await,
            _ => anyhow::bail!("the demo only runs pool and node commands"),
        }
        .with_context(|| format!("demo step failed: respool {}", shell_words(argv)))
    }
}

fn shell_words(argv: &[&str]) -> String {
    argv.iter()
        .map(|a| {
            if a.chars().any(|c| c.is_whitespace() || "{}$'\"".contains(c)) {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn epilogue(project: &str) -> String {
    format!(
        r#"
Do it yourself:
  1. Start a server that keeps its data (it writes ./respool-data/credentials.json,
     which every `respool pool ...` command reads):
       respool serve --timing fast
  2. In another terminal, the same steps:
       respool pool create --name {DISPLAY} --flavor {FLAVOR} --count 2 --scope Train,Infer --network {NETWORK} --wait
       respool pool scale {DISPLAY} --count 3 --wait
       respool pool list -o json          # or -o yaml, -o wide, -l os.modelarts/name={DISPLAY}, --status created
       respool node list {DISPLAY}
       respool pool delete {DISPLAY} --wait
     Or from a file: respool pool get {DISPLAY} -o yaml > pool.yaml; respool pool create -f pool.yaml
  3. With curl: requests must be signed (SDK-HMAC-SHA256), so for plain curl start a
     server without authentication:
       respool serve --auth off &
       curl -s http://127.0.0.1:8787/v2/{project}/pools
  4. With the official Python SDK (pip install huaweicloudsdkmodelarts):
       from huaweicloudsdkcore.auth.credentials import BasicCredentials
       from huaweicloudsdkmodelarts.v1 import ModelArtsClient, ListPoolsRequest
       client = (ModelArtsClient.new_builder()
                 .with_credentials(BasicCredentials(AK, SK, PROJECT_ID))   # from credentials.json
                 .with_endpoints(["http://127.0.0.1:8787"]).build())
       print(client.list_pools(ListPoolsRequest()))
  5. From Rust: the respool-client crate (Client::new(Config::from_env()?)?.list_pools(..)).
"#
    )
}
