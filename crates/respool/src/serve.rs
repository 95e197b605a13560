//! `respool serve`: open the store, make sure someone can sign in, serve.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use respool_core::flavors::Catalog;
use respool_core::identity::{random_id, Credential};
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_server::ratelimit::RateLimit;
use respool_server::{AppState, LineFormat, RequestLines, Settings};
use respool_store::{PostgresStore, SqliteStore, Store, StoreError};

use crate::cli::{ServeArgs, StoreArgs};
use crate::seed::{self, Seed};

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Kept to the end: dropping it flushes what the log writer still holds.
    let _log_writer = init_logging(&args.log_format)?;
    let store = open_store(&args.store, true).await?;
    let seed = args.seed.as_deref().map(Seed::load).transpose()?;
    let seeded_credentials = match &seed {
        Some(seed) => seed::apply_credentials(seed, store.as_ref()).await?,
        None => 0,
    };
    let domain_id = ensure_credential(&args, store.as_ref()).await?;
    let settings = Settings {
        region: args.region.clone(),
        timing: args.timing,
        auth: args.auth,
        default_domain_id: domain_id,
        admin_token: std::env::var("RESPOOL_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
        require_networks: !args.lenient_networks,
        watch_poll: Duration::from_millis(args.watch_poll_ms.max(1)),
    };
    store.set_feed_history(args.watch_history);
    let rate_limit = match (args.rate_limit, args.timing) {
        (Some(0), _) => None,
        (Some(n), _) => Some(RateLimit::per_second(n)),
        (None, TimingProfile::Realistic) => Some(RateLimit::per_second(20)),
        (None, _) => None,
    };
    let catalog = load_catalog(args.flavors.as_deref())?;
    if let (Some(seed), Some(path)) = (&seed, &args.seed) {
        let own_project = match &args.project_id {
            Some(p) => Some(p.clone()),
            None => store
                .list_credentials()
                .await?
                .first()
                .and_then(|c| c.project_ids.first().cloned()),
        };
        let applied = seed::apply(seed, store.clone(), catalog.clone(), &settings, own_project)
            .await
            .with_context(|| format!("seed file {}", path.display()))?;
        tracing::info!(
            file = %path.display(),
            credentials = seeded_credentials,
            networks = applied.networks,
            workspaces = applied.workspaces,
            pools = applied.pools,
            faults = applied.faults,
            "seed applied (objects created; the rest existed)"
        );
    }
    let mut app = AppState::new(store, catalog, settings)
        .await?
        .with_rate_limit(rate_limit);
    if args.no_list_cache {
        app = app.without_list_cache();
    }
    let tick = match args.timing {
        TimingProfile::Immediate | TimingProfile::Fast => Duration::from_millis(100),
        TimingProfile::Realistic | TimingProfile::Manual => Duration::from_secs(1),
    };
    tokio::spawn(respool_server::reconciler::run(app.clone(), tick));

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        timing = %args.timing,
        auth = ?args.auth,
        "respool serving"
    );
    let feed = app.feed.clone();
    let shutdown = async move {
        shutdown_signal().await;
        // Watches end first, so their connections can close in the drain.
        feed.stop();
    };
    let router = respool_server::router_with(app.clone(), respool_console::routes(app));
    respool_server::listener::serve(listener, router, shutdown).await;
    // The last requests' log records are written before the writer flushes.
    respool_server::flush_request_log(std::time::Duration::from_secs(2));
    Ok(())
}

/// The built-in flavor catalog, extended with the flavors of `file`.
fn load_catalog(file: Option<&Path>) -> anyhow::Result<Catalog> {
    let mut catalog = Catalog::builtin();
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the flavors file {}", path.display()))?;
        let extra = Catalog::from_json(&text)
            .with_context(|| format!("invalid flavors file {}", path.display()))?;
        tracing::info!(file = %path.display(), flavors = extra.len(), "extra resource flavors loaded");
        catalog.extend(extra);
    }
    Ok(catalog)
}

/// The store `args` name; `to_serve` when this process serves it (a SQLite
/// file is served by one process: see [`SqliteStore::open_to_serve`]).
pub async fn open_store(args: &StoreArgs, to_serve: bool) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create data dir {}", args.data_dir.display()))?;
    let url = match &args.database {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", args.data_dir.join("respool.db").display()),
    };
    let store: Arc<dyn Store> = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Arc::new(
            PostgresStore::open(&url)
                .await
                .with_context(|| format!("cannot open database {}", redact(&url)))?,
        )
    } else {
        let store = match to_serve {
            true => SqliteStore::open_to_serve(&url).await,
            false => SqliteStore::open(&url).await,
        };
        Arc::new(store.with_context(|| format!("cannot open database {url}"))?)
    };
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Makes sure a credential exists; returns the domain id of new pools when auth is off.
async fn ensure_credential(args: &ServeArgs, store: &dyn Store) -> anyhow::Result<String> {
    if let (Some(ak), Some(sk)) = (&args.access_key, &args.secret_key) {
        let project = args
            .project_id
            .clone()
            .context("RESPOOL_PROJECT_ID is required with RESPOOL_ACCESS_KEY")?;
        let domain = args.domain_id.clone().unwrap_or_else(random_id);
        let wanted = Credential {
            access_key: ak.clone(),
            secret_key: sk.clone(),
            domain_id: domain,
            project_ids: vec![project],
            security_token: None,
            expires_ms: None,
            created_ms: wall_ms(),
        };
        match store.get_credential(ak).await? {
            Some(c)
                if c.secret_key == wanted.secret_key
                    && c.project_ids.contains(&wanted.project_ids[0]) =>
            {
                return Ok(c.domain_id)
            }
            Some(_) => {
                store.revoke_credential(ak).await?;
                store.insert_credential(&wanted).await?;
            }
            None => store.insert_credential(&wanted).await?,
        }
        return Ok(wanted.domain_id);
    }
    let existing = store.list_credentials().await?;
    if let Some(first) = existing.first() {
        return Ok(first.domain_id.clone());
    }
    let project = args.project_id.clone().unwrap_or_else(random_id);
    let domain = args.domain_id.clone().unwrap_or_else(random_id);
    let credential = Credential::generate(&domain, vec![project.clone()], wall_ms());
    match store.insert_credential(&credential).await {
        Ok(()) => {}
        // Another replica generated one at the same moment: use the store's.
        Err(StoreError::AlreadyExists) => return Ok(domain),
        Err(e) => return Err(e.into()),
    }
    let endpoint = format!("http://{}", args.listen);
    write_credentials_file(&args.store.data_dir, &credential, &endpoint)?;
    println!(
        "{}",
        first_start_message(&credential, &endpoint, &args.store.data_dir)
    );
    Ok(domain)
}

fn write_credentials_file(dir: &Path, c: &Credential, endpoint: &str) -> anyhow::Result<()> {
    let path = dir.join("credentials.json");
    let body = serde_json::json!({
        "ak": c.access_key,
        "sk": c.secret_key,
        "project_id": c.project_ids[0],
        "domain_id": c.domain_id,
        "endpoint": endpoint,
    });
    let text = serde_json::to_string_pretty(&body)? + "\n";
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn first_start_message(c: &Credential, endpoint: &str, dir: &Path) -> String {
    format!(
        r#"respool: created a credential (saved in {creds})
  access key  {ak}
  secret key  {sk}
  project id  {pid}
  domain id   {did}

Use it with the official Python SDK:

  from huaweicloudsdkcore.auth.credentials import BasicCredentials
  from huaweicloudsdkmodelarts.v1 import ModelArtsClient, ListPoolsRequest
  client = (ModelArtsClient.new_builder()
            .with_credentials(BasicCredentials("{ak}", "{sk}", "{pid}"))
            .with_endpoints(["{endpoint}"])
            .build())
  print(client.list_pools(ListPoolsRequest()))
"#,
        creds = dir.join("credentials.json").display(),
        ak = c.access_key,
        sk = c.secret_key,
        pid = c.project_ids[0],
        did = c.domain_id,
    )
}

/// Records queued for the log writer before new ones are dropped.
const LOG_QUEUE: usize = 64 * 1024;

/// Bytes of log lines gathered before a write to standard error: at most
/// what a pipe takes in one piece, so lines written from two threads never
/// cut into each other.
const LOG_BUFFER: usize = 4096;

/// Bytes of request lines gathered before a write when standard error is a
/// file. Linux makes each write to a file whole, even against another
/// thread's, so the pipe's limit does not apply; at 4 KB a busy server's
/// log cost a system call every 25 requests.
const FILE_LOG_BUFFER: usize = 64 * 1024;

fn stderr_is_a_file() -> bool {
    use std::os::fd::AsFd;
    let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .is_ok_and(|m| m.file_type().is_file())
}

/// Logs go to standard error from a thread of their own: a request hands its
/// record to a bounded queue and moves on; under overload records are
/// dropped and counted (`respool_log_records_dropped_total`), never waited for.
/// That thread writes the lines queued at once in one go (it flushes when
/// the queue is empty), not one system call a line. Request lines, already
/// made off the request path by a thread of their own, are written by that
/// thread in the same format, without a second hand-off.
fn init_logging(format: &str) -> anyhow::Result<tracing_appender::non_blocking::WorkerGuard> {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE)
        .lossy(true)
        .thread_name("respool-log")
        .finish(std::io::BufWriter::with_capacity(
            LOG_BUFFER,
            std::io::stderr(),
        ));
    let dropped = writer.error_counter();
    respool_server::count_dropped_log_records(move || dropped.dropped_lines() as u64);
    let format = match format {
        "json" => LineFormat::Json,
        "text" => LineFormat::Text,
        other => bail!("unknown log format {other:?}: use text or json"),
    };
    // A terminal gets request lines in colour, through the subscriber.
    if !std::io::stderr().is_terminal() {
        respool_server::write_request_lines_with(RequestLines {
            format,
            out: Box::new(std::io::BufWriter::with_capacity(
                if stderr_is_a_file() {
                    FILE_LOG_BUFFER
                } else {
                    LOG_BUFFER
                },
                std::io::stderr(),
            )),
        });
    }
    tracing_subscriber::util::SubscriberInitExt::try_init(log_subscriber(format, writer))?;
    Ok(guard)
}

/// The log's subscriber, in `format`, writing to `writer`.
fn log_subscriber<W>(format: LineFormat, writer: W) -> tracing::Dispatch
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_env("RESPOOL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours for a terminal only: a log file gets plain lines.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    match format {
        LineFormat::Json => builder.json().finish().into(),
        LineFormat::Text => builder.finish().into(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
