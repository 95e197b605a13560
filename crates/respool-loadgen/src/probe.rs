//! One-off measurements: a big list against its in-process encoding, the
//! time from start to a healthy server, and counting what a project holds.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use respool_api_types::PoolList;
use respool_client::{Client, Config, Method};
use serde_json::json;

use crate::load::round;
use crate::stats::median_ms;

pub fn client(endpoint: &str, ak: &str, sk: &str, project: &str) -> anyhow::Result<Client> {
    let mut config = Config::new(endpoint, ak, sk, project);
    config.timeout = Duration::from_secs(60);
    Client::new(config).context("client")
}

/// The 10,000-pool target: a list's time as the client sees it (sequential,
/// one connection, the whole body read) and as the server recorded it (the
/// admin request log, when a token is given), against serde_json encoding
/// the same pools from memory in this process.
pub async fn encode(
    client: &Client,
    samples: usize,
    query: &[(String, String)],
    admin_token: Option<&str>,
) -> anyhow::Result<()> {
    let path = client.path("v2", &["pools"]);
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut served = Vec::with_capacity(samples);
    let mut body = Vec::new();
    // One unmeasured request first: connection and caches.
    for i in 0..=samples {
        let t = Instant::now();
        let r = client.send_raw(Method::GET, &path, &query, None).await?;
        let took = t.elapsed();
        if r.status != 200 {
            bail!(
                "list answered {}: {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            );
        }
        if i > 0 {
            served.push(took);
        }
        body = r.body;
    }
    let list: PoolList = serde_json::from_slice(&body).context("decode the list")?;
    let mut encoded = Vec::with_capacity(samples);
    let mut size = 0;
    for _ in 0..=samples {
        let t = Instant::now();
        size = std::hint::black_box(serde_json::to_vec(&list)?).len();
        encoded.push(t.elapsed());
    }
    encoded.remove(0);
    let recorded = match admin_token {
        Some(token) => Some(recorded_ms(client.endpoint(), token, &path, samples).await?),
        None => None,
    };
    let served_ms = median_ms(served);
    let encode_ms = median_ms(encoded);
    println!(
        "{}",
        json!({
            "items": list.items.len(),
            "bytes": body.len(),
            "reencoded_bytes": size,
            "samples": samples,
            "client_ms_p50": round(served_ms, 3),
            "server_recorded_ms_p50": recorded.map(|r| round(r, 3)),
            "serde_encode_ms_p50": round(encode_ms, 3),
            "client_ratio": round(served_ms / encode_ms, 2),
            "server_ratio": recorded.map(|r| round(r / encode_ms, 2)),
        })
    );
    Ok(())
}

/// The server's last requests, newest last, from `GET /_respool/requests`.
pub async fn request_log(endpoint: &str, token: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    let mut log: serde_json::Value = http
        .get(format!("{endpoint}/_respool/requests?limit=1000"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()
        .context("the admin request log (is RESPOOL_ADMIN_TOKEN the server's?)")?
        .json()
        .await?;
    match log["items"].take() {
        serde_json::Value::Array(items) => Ok(items),
        _ => bail!("the request log has no items"),
    }
}

/// Median server-side duration of the last `n` requests to `path`.
async fn recorded_ms(endpoint: &str, token: &str, path: &str, n: usize) -> anyhow::Result<f64> {
    let mut ms: Vec<f64> = request_log(endpoint, token)
        .await?
        .iter()
        .filter(|r| r["path"] == path && r["status"] == 200)
        .filter_map(|r| r["durationMs"].as_f64())
        .collect();
    ms = ms.split_off(ms.len().saturating_sub(n));
    if ms.is_empty() {
        bail!("the request log holds no list of {path}");
    }
    ms.sort_by(f64::total_cmp);
    Ok(ms[ms.len() / 2])
}

/// Polls `/healthz` every millisecond until it answers 200; prints the time
/// since `since_ns` (Unix nanoseconds, taken just before the server was started).
/// Gives up at once when the process `pid` (the server) is gone.
pub async fn wait_healthy(
    endpoint: &str,
    since_ns: u128,
    timeout: Duration,
    pid: Option<u32>,
) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{endpoint}/healthz")).send().await {
            if r.status().is_success() {
                let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
                let ms = now.saturating_sub(since_ns) as f64 / 1e6;
                println!("{}", json!({ "start_to_healthz_ms": round(ms, 1) }));
                return Ok(());
            }
        }
        if let Some(pid) = pid {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                bail!("the server (pid {pid}) exited before answering {endpoint}/healthz");
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    bail!("{endpoint}/healthz did not answer within {timeout:?}")
}

/// How many pools the client's project lists.
pub async fn count(client: &Client) -> anyhow::Result<()> {
    let r = client
        .send_raw(Method::GET, &client.path("v2", &["pools"]), &[], None)
        .await?;
    if r.status != 200 {
        bail!(
            "list answered {}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
    }
    let list: PoolList = serde_json::from_slice(&r.body).context("decode the list")?;
    println!("{}", json!({ "pools": list.items.len() }));
    Ok(())
}
