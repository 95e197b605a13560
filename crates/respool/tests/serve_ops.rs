//! Operating one process: JSON logs and a graceful SIGTERM.

mod replica_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use replica_support::{start_logging, start_logging_to};
use serde_json::Value;

fn sigterm(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_cleanly_with_json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_logging(
        dir.path(),
        &[
            "--auth",
            "off",
            "--timing",
            "immediate",
            "--log-format",
            "json",
        ],
        &[("RESPOOL_LOG", "info")],
    );
    let body = r#"{"metadata":{"labels":{"os.modelarts/name":"pool-inflight"}},"spec":{"type":"Dedicate","scope":["Train"],"resources":[{"flavor":"modelarts.vm.cpu.4ud","count":1}],"network":{"name":"n1"}}}"#;
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        conn,
        "POST /v2/p1/pools HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (first, rest) = body.split_at(40);
    conn.write_all(first.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    // The request is half sent when the signal comes.
    sigterm(server.child.id());
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("pool-inflight-p1"));

    let status = server.child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    // New connections are refused once it has stopped.
    assert!(TcpStream::connect(("127.0.0.1", server.port)).is_err());

    let log = BufReader::new(server.child.stderr.take().unwrap());
    let mut posts = 0;
    for line in log.lines() {
        let line = line.unwrap();
        if line.trim().is_empty() {
            continue;
        }
        let entry: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if entry["fields"]["message"] == "request" && entry["fields"]["method"] == "POST" {
            posts += 1;
            assert_eq!(entry["fields"]["path"], "/v2/p1/pools");
            assert_eq!(entry["fields"]["status"], 200);
            assert!(entry["fields"]["request_id"]
                .as_str()
                .is_some_and(|id| id.len() == 32));
        }
    }
    assert_eq!(posts, 1, "the POST is logged once");
}

#[test]
fn sigterm_ends_open_watches_and_the_process_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = replica_support::start(dir.path(), &["--auth", "off"], &[]);
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        conn,
        "GET /v2/p1/pools?watch=true HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    .unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    // Headers, then the chunked stream's first event: the initial bookmark.
    while !line.contains("BOOKMARK") {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the stream ended early"
        );
    }

    let asked = std::time::Instant::now();
    sigterm(server.child.id());
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    // A chunked answer that ends cleanly ends with the last, empty chunk.
    assert!(rest.ends_with("0\r\n\r\n"), "{rest:?}");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "the watch did not hold up shutdown"
    );
}

/// A SQLite file is served by one process: a second server of the same data
/// directory stops at start and says why; once the first is gone, it serves.
#[test]
fn a_second_server_of_one_sqlite_file_stops_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = replica_support::start(dir.path(), &["--auth", "off"], &[]);
    let second = Command::new(respool_testkit::respool_bin!())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("RESPOOL_LOG", "warn")
        .output()
        .unwrap();
    assert!(!second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(said.contains("another process serves"), "{said}");

    first.kill();
    let again = replica_support::start(dir.path(), &["--auth", "off"], &[]);
    assert_eq!(respool_testkit::healthz_status(again.port), Some(200));
}

/// A log on a file is written in large pieces (see `serve.rs`), alongside
/// the lines of the log's other thread: every request's line must be there,
/// whole, once the server has stopped.
#[test]
fn a_log_file_holds_every_request_line_whole() {
    const THREADS: usize = 4;
    const EACH: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut server = start_logging_to(
        dir.path(),
        &["--auth", "off", "--log-format", "json"],
        &[("RESPOOL_LOG", "info")],
        &log,
    );
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let port = server.port;
            s.spawn(move || {
                for i in 0..EACH {
                    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    write!(
                        conn,
                        "GET /v2/p{t}n{i}/pools HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    )
                    .unwrap();
                    let mut answer = String::new();
                    conn.read_to_string(&mut answer).unwrap();
                    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
                }
            });
        }
    });
    sigterm(server.child.id());
    assert!(server.child.wait().unwrap().success());

    let text = std::fs::read_to_string(&log).unwrap();
    let mut seen = std::collections::HashSet::new();
    for line in text.lines() {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let path = entry["fields"]["path"].as_str().unwrap_or_default();
        if entry["fields"]["message"] == "request" && path.starts_with("/v2/") {
            assert_eq!(entry["fields"]["status"], 200, "{line}");
            assert!(seen.insert(path.to_owned()), "logged twice: {line}");
        }
    }
    assert_eq!(seen.len(), THREADS * EACH, "a line per request");
    assert!(text.len() > 64 * 1024, "more than one write's worth");
}
