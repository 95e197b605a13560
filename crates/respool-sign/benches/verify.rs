//! SDK-HMAC-SHA256: verifying (and signing) a request as the official SDK
//! sends it. Verification is what the server does on every API call.
//!
//! `cargo bench -p respool-sign --bench verify`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use respool_sign::{encode_query, parse_authorization, sign, verify, ClientRequest, RequestParts};

const AK: &str = "BENCHACCESSKEY000001";
const SK: &[u8] = b"BenchSecretKey00000000000000000000000000";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const DATE: &str = "20250102T030405Z";

/// The headers the SDK sends and signs on every call.
fn sdk_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Content-Type", "application/json"),
        ("Host", "127.0.0.1:8787"),
        ("User-Agent", "huaweicloud-usdk-python/3.0"),
        ("X-Project-Id", PROJECT),
        ("X-Sdk-Date", DATE),
    ]
}

struct Case {
    method: &'static str,
    path: String,
    query: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
}

fn cases() -> Vec<(&'static str, Case)> {
    let create = serde_json::json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": "demo", "os.modelarts/workspace.id": "0"}},
        "spec": {"type": "Dedicate", "scope": ["Train", "Infer"],
                 "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}],
                 "network": {"name": "network-demo"}}
    });
    vec![
        (
            "list",
            Case {
                method: "GET",
                path: format!("/v2/{PROJECT}/pools"),
                query: vec![],
                body: vec![],
            },
        ),
        (
            "list_selector",
            Case {
                method: "GET",
                path: format!("/v2/{PROJECT}/pools"),
                query: vec![
                    ("labelSelector", "env in (prod,staging),tier!=free"),
                    ("status", "created"),
                ],
                body: vec![],
            },
        ),
        (
            "create_with_body",
            Case {
                method: "POST",
                path: format!("/v2/{PROJECT}/pools"),
                query: vec![],
                body: serde_json::to_vec(&create).expect("encode"),
            },
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sign");
    for (name, case) in cases() {
        let headers = sdk_headers();
        let client = ClientRequest {
            method: case.method,
            path: &case.path,
            query: &case.query,
            headers: &headers,
            body: &case.body,
        };
        let authorization = sign(&client, AK, SK).expect("sign");
        // The server sees the headers as received, Authorization among them.
        let mut received = headers.clone();
        received.push(("Authorization", &authorization));
        received.push(("Accept", "*/*"));
        received.push(("Content-Length", "0"));
        let query = encode_query(&case.query);
        let parts = RequestParts {
            method: case.method,
            path: &case.path,
            query: &query,
            headers: &received,
            body: &case.body,
        };
        // What the server does: parse the header, then verify.
        g.bench_function(format!("verify/{name}"), |b| {
            b.iter(|| {
                let auth = parse_authorization(black_box(&authorization)).expect("parse");
                verify(black_box(&parts), &auth, SK).expect("valid signature")
            })
        });
        g.bench_function(format!("sign/{name}"), |b| {
            b.iter(|| sign(black_box(&client), AK, SK).expect("sign"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
