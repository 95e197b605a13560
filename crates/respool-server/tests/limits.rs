//! Abuse at the connection level: oversized requests, slow clients, many
//! connections. Every refusal is a ModelArts-shaped 4xx.

use std::time::{Duration, Instant};

use respool_core::timing::TimingProfile;
use respool_testkit::{TestServer, PROJECT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn an_overlong_uri_is_414() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let long = "a".repeat(9 * 1024);
    let r = s
        .raw(s.http.get(format!(
            "{}/v2/{PROJECT}/pools?labelSelector={long}",
            s.base
        )))
        .await;
    r.assert_error(414, "ModelArts.50004140");
}

#[tokio::test]
async fn oversized_or_too_many_headers_are_431() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let mut req = s.http.get(format!("{}/healthz", s.base));
    for i in 0..120 {
        req = req.header(format!("x-filler-{i}"), "v");
    }
    s.raw(req).await.assert_error(431, "ModelArts.50004310");
    let req = s
        .http
        .get(format!("{}/healthz", s.base))
        .header("x-big", "v".repeat(40 * 1024));
    s.raw(req).await.assert_error(431, "ModelArts.50004310");
}

async fn raw_get(addr: &str) -> String {
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn slow_clients_do_not_starve_others_and_are_cut_off() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    // Fifty clients that start a request and never finish its headers.
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut c = TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(c);
    }
    let started = Instant::now();
    for _ in 0..20 {
        assert!(raw_get(&addr).await.starts_with("HTTP/1.1 200"));
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "others were starved: {:?}",
        started.elapsed()
    );
    // The server hangs up on them once the header deadline passes.
    let mut c = slow.pop().unwrap();
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(15), c.read(&mut buf)).await;
    match read {
        Ok(Ok(_)) | Ok(Err(_)) => {} // closed (0 bytes), a 408, or reset
        Err(_) => panic!("a slow client held its connection past the header deadline"),
    }
}

#[tokio::test]
async fn a_thousand_keep_alive_connections_are_held_and_served() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut conns = Vec::new();
    for _ in 0..1000 {
        conns.push(TcpStream::connect(&addr).await.unwrap());
    }
    // Every connection serves a request and stays open for a second one.
    for round in 0..2 {
        for c in conns.iter_mut() {
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
        }
        for (i, c) in conns.iter_mut().enumerate() {
            let mut buf = vec![0u8; 512];
            let n = tokio::time::timeout(Duration::from_secs(20), c.read(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("connection {i} round {round} got no answer"))
                .unwrap();
            let head = String::from_utf8_lossy(&buf[..n]);
            assert!(
                head.starts_with("HTTP/1.1 200"),
                "connection {i} round {round}: {head}"
            );
        }
    }
}
