//! The signed load generator: `connections` workers, each with its own
//! keep-alive connection, sending requests signed by `respool-client` (every
//! request signed afresh, as an SDK does) for a bounded time and count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rand::{Rng, SeedableRng};
use respool_client::{Client, Config, Method};
use serde_json::json;

use crate::fixtures::{pool_request, project_id};
use crate::stats::Latencies;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Op {
    /// `GET /v2/{project}/pools` (with `--query` pairs).
    List,
    /// `POST /v2/{project}/pools`, each with a new name.
    Create,
    /// `GET /healthz`.
    Healthz,
    /// Writers in projects of their own (worker `w` in the `w + 1`-th of
    /// `fixtures::project_id`): each creates a pool, then scales it by a
    /// node and back, and so on.
    Write,
}

pub struct LoadArgs {
    pub label: String,
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    pub project: String,
    pub op: Op,
    pub query: Vec<(String, String)>,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub max_requests: u64,
    /// Spread lists over this many seeded projects (see `fixtures::project_id`).
    pub projects: usize,
}

#[derive(Default)]
struct Shared {
    issued: AtomicU64,
    /// Successful answers, the unmeasured ones included.
    ok: AtomicU64,
    errors: AtomicU64,
    bytes: AtomicU64,
    first_error: Mutex<Option<String>>,
    latencies: Mutex<Vec<u32>>,
}

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    let client_for = |project: &str| {
        let mut config = Config::new(&args.endpoint, &args.access_key, &args.secret_key, project);
        config.timeout = Duration::from_secs(30);
        Client::new(config).context("client")
    };
    let client = client_for(&args.project)?;
    let clients = (0..args.connections.max(1))
        .map(|w| match args.op {
            Op::Write => client_for(&project_id(&args.project, w + 1)),
            _ => Ok(client.clone()),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let args = Arc::new(args);
    let shared = Arc::new(Shared::default());
    let run_id: String = {
        let mut rng = rand::thread_rng();
        (0..4).map(|_| rng.gen_range(b'a'..=b'z') as char).collect()
    };
    let start = Instant::now();
    let measure_from = start + args.warmup;
    let end = measure_from + args.duration;
    let mut workers = Vec::new();
    for (w, client) in clients.into_iter().enumerate() {
        let (args, shared, run_id) = (args.clone(), shared.clone(), run_id.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut seq = 0u64;
            let mut last_created = None;
            let mut rng = rand::rngs::StdRng::seed_from_u64(w as u64);
            let query: Vec<(&str, &str)> = args
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            while Instant::now() < end
                && shared.issued.fetch_add(1, Ordering::Relaxed) < args.max_requests
            {
                let (method, path, body) = match args.op {
                    Op::Healthz => (Method::GET, "/healthz".to_owned(), None),
                    Op::List => {
                        let p = if args.projects > 1 {
                            project_id(&args.project, rng.gen_range(0..args.projects))
                        } else {
                            args.project.clone()
                        };
                        (Method::GET, format!("/v2/{p}/pools"), None)
                    }
                    Op::Write => {
                        seq += 1;
                        let project = project_id(&args.project, w + 1);
                        match (&last_created, seq % 3) {
                            (Some(name), 1 | 2) => {
                                let count = 2 + seq % 3;
                                let body = json!({"spec": {"resources": [
                                    {"flavor": crate::fixtures::FLAVOR, "count": count}
                                ]}});
                                (
                                    Method::PATCH,
                                    format!("/v2/{project}/pools/{name}"),
                                    Some(serde_json::to_vec(&body).expect("encode")),
                                )
                            }
                            _ => {
                                let display = format!("w{run_id}-{w}-{seq}");
                                let body =
                                    serde_json::to_vec(&pool_request(&display, seq as usize))
                                        .expect("encode");
                                last_created = None;
                                (Method::POST, format!("/v2/{project}/pools"), Some(body))
                            }
                        }
                    }
                    Op::Create => {
                        seq += 1;
                        let name = format!("c{run_id}-{w}-{seq}");
                        let body =
                            serde_json::to_vec(&pool_request(&name, seq as usize)).expect("encode");
                        (
                            Method::POST,
                            format!("/v2/{}/pools", args.project),
                            Some(body),
                        )
                    }
                };
                let creating = args.op == Op::Write && method == Method::POST;
                let sent = Instant::now();
                let outcome = client.send_raw(method, &path, &query, body).await;
                let done = Instant::now();
                let failure = match outcome {
                    Ok(r) if (200..300).contains(&r.status) => {
                        if creating {
                            last_created = created_name(&r.body);
                        }
                        shared.ok.fetch_add(1, Ordering::Relaxed);
                        shared
                            .bytes
                            .fetch_add(r.body.len() as u64, Ordering::Relaxed);
                        None
                    }
                    Ok(r) => Some(format!(
                        "{} {path}: {}",
                        r.status,
                        String::from_utf8_lossy(&r.body)
                    )),
                    Err(e) => Some(format!("{path}: {e}")),
                };
                if let Some(f) = failure {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    shared.first_error.lock().unwrap().get_or_insert(f);
                    continue;
                }
                if sent >= measure_from && done <= end {
                    latencies
                        .push(done.duration_since(sent).as_micros().min(u32::MAX as u128) as u32);
                }
            }
            shared.latencies.lock().unwrap().extend(latencies);
        }));
    }
    for w in workers {
        w.await.context("worker")?;
    }
    let window = end
        .min(Instant::now())
        .saturating_duration_since(measure_from);
    let latencies = Latencies::new(std::mem::take(&mut *shared.latencies.lock().unwrap()));
    let n = latencies.len();
    let errors = shared.errors.load(Ordering::Relaxed);
    let report = json!({
        "label": args.label,
        "op": format!("{:?}", args.op).to_lowercase(),
        "connections": args.connections,
        "seconds": round(window.as_secs_f64(), 3),
        "requests": n,
        "errors": errors,
        "ok_total": shared.ok.load(Ordering::Relaxed),
        "rps": round(n as f64 / window.as_secs_f64().max(1e-9), 1),
        "p50_ms": round(latencies.quantile_ms(0.50), 3),
        "p90_ms": round(latencies.quantile_ms(0.90), 3),
        "p99_ms": round(latencies.quantile_ms(0.99), 3),
        "max_ms": round(latencies.quantile_ms(1.0), 3),
        "avg_body_bytes": shared.bytes.load(Ordering::Relaxed) / shared.ok.load(Ordering::Relaxed).max(1),
    });
    println!("{report}");
    if errors > 0 {
        bail!(
            "{errors} requests failed; the first: {}",
            shared
                .first_error
                .lock()
                .unwrap()
                .clone()
                .unwrap_or_default()
        );
    }
    if n == 0 {
        bail!("no request completed inside the measured window");
    }
    Ok(())
}

pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// `metadata.name` of a created pool.
fn created_name(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v["metadata"]["name"].as_str().map(str::to_owned)
}
