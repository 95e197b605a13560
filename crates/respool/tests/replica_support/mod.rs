//! Real `respool serve` processes (the test kit's [`Process`]) spoken to
//! with signed HTTP, for the replica, crash and durability tests.

#![allow(dead_code)] // each test binary uses part of it

use std::path::Path;

use respool_testkit::{respool_bin, signed_request, Creds, Process};
use serde_json::Value;

/// Starts `respool serve` on `dir`; its pools name networks they never
/// create, so it checks none.
pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
    Process::start(respool_bin!(), dir, &lenient(args), env)
}

/// Like [`start`], with the server's log (stderr) readable from `child.stderr`.
pub fn start_logging(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
    Process::start_logging(respool_bin!(), dir, &lenient(args), env)
}

/// Like [`start`], with the server's log (stderr) written to the file `log`.
pub fn start_logging_to(dir: &Path, args: &[&str], env: &[(&str, &str)], log: &Path) -> Process {
    Process::start_logging_to(respool_bin!(), dir, &lenient(args), env, log)
}

fn lenient<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--lenient-networks"];
    all.extend_from_slice(args);
    all
}

/// A signed request, as the SDK sends it; `(status, body)`, or `None` when
/// no answer came (connection refused or reset).
pub async fn try_call(
    http: &reqwest::Client,
    base: &str,
    c: &Creds,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let req = signed_request(http, base, &c.ak, &c.sk, method, path, query, body, &[]);
    let r = req.send().await.ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().await.unwrap_or(Value::Null)))
}

pub async fn call(
    http: &reqwest::Client,
    base: &str,
    c: &Creds,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    try_call(http, base, c, method, path, &[], body)
        .await
        .expect("the server answers")
}
