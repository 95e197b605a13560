//! SDK-HMAC-SHA256 on arbitrary requests: the canonicalizers, the canonical
//! request and `verify` never panic; `canonical_uri` and `canonical_query`
//! are idempotent; and what `sign` signs, `verify` accepts.
//!
//! Input (text head, raw body), seeded from real SDK requests:
//!
//! ```text
//! <secret key>
//! <METHOD> <path>[?<query>]
//! <Name>: <value>          (any number of header lines)
//!
//! <body bytes>
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;
use respool_sign::{
    canonical_query, canonical_request, canonical_uri, encode_query, parse_authorization, sign,
    verify, ClientRequest, RequestParts, SignError, HEADER_CONTENT_SHA256,
};

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let secret = lines.next().unwrap_or_default();
    let request_line = lines.next().unwrap_or_default();
    let (method, target) = request_line.split_once(' ').unwrap_or((request_line, ""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers: Vec<(&str, &str)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap_or((l, ""));
            (n, v.strip_prefix(' ').unwrap_or(v))
        })
        .collect();

    // The canonical forms are fixed points of themselves.
    let uri = canonical_uri(path);
    assert!(uri.ends_with('/'), "{path:?} -> {uri:?}");
    assert_eq!(
        canonical_uri(&uri),
        uri,
        "canonical_uri({path:?}) is not idempotent"
    );
    let cq = canonical_query(query);
    assert_eq!(
        canonical_query(&cq),
        cq,
        "canonical_query({query:?}) is not idempotent"
    );

    let parts = RequestParts {
        method,
        path,
        query,
        headers: &headers,
        body,
    };
    // Arbitrary signed-header lists, valid or not.
    let names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let _ = canonical_request(&parts, &names);

    // The request's own Authorization header, as the server would check it.
    let auth_value = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| *v);
    if let Some(Ok(auth)) = auth_value.map(parse_authorization) {
        let _ = canonical_request(&parts, &auth.signed_headers);
        let _ = verify(&parts, &auth, secret.as_bytes());
    }

    // Sign the same request as a client would, then verify it as the server.
    let pairs: Vec<(String, String)> = if query.is_empty() {
        Vec::new()
    } else {
        query
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let dec = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
                (dec(k), dec(v))
            })
            .collect()
    };
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let unsigned: Vec<(&str, &str)> = headers
        .iter()
        .copied()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
        .collect();
    let client = ClientRequest {
        method,
        path,
        query: &pairs,
        headers: &unsigned,
        body,
    };
    let Ok(authorization) = sign(&client, "HPUAFUZZAK0000000001", secret.as_bytes()) else {
        return;
    };
    let auth = parse_authorization(&authorization)
        .unwrap_or_else(|e| panic!("sign produced {authorization:?}, which does not parse: {e}"));
    let sent_query = encode_query(&pairs);
    let sent = RequestParts {
        method,
        path,
        query: &sent_query,
        headers: &unsigned,
        body,
    };
    match verify(&sent, &auth, secret.as_bytes()) {
        Ok(_) => {}
        // A claimed body hash that is not the body's is refused by design.
        Err(SignError::PayloadHashMismatch)
            if !body.is_empty()
                && unsigned
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(HEADER_CONTENT_SHA256)) => {}
        Err(e) => panic!("sign/verify disagree on {method:?} {target:?}: {e:?}"),
    }
});
