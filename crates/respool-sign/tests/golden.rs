//! Requests signed by the official Python SDK's own `Signer.sign()`, recorded here with their signatures:
//! vectors A, B and the three C edge vectors, both signed with `sign` and verified with
//! `verify`.

use respool_sign::{
    canonical_query, canonical_request, canonical_uri, parse_authorization, parse_sdk_date, sign,
    signature, string_to_sign, verify, ClientRequest, RequestParts, SignError, ALGORITHM,
    EMPTY_PAYLOAD_SHA256,
};

const AK: &str = "HPUAEXAMPLEAK0000001";
const SK: &[u8] = b"ExampleSecretKey0000000000000000000000000";
const PID: &str = "0123456789abcdef0123456789abcdef";
const DATE: &str = "20240102T030405Z";
const UA: &str = "huaweicloud-usdk-python/3.0; test-agent";
const HOST: &str = "127.0.0.1:18080";
const SIGNED: &str = "content-type;host;user-agent;x-project-id;x-sdk-date";

/// The headers the Signer saw in §4.4 (Host is added by the signer itself).
fn sdk_headers(content_type: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("Content-Type", content_type),
        ("User-Agent", UA),
        ("X-Project-Id", PID),
        ("X-Sdk-Date", DATE),
        ("Host", HOST),
    ]
}

/// What a server receives: the signed headers (in wire order, odd case) plus the unsigned
/// ones `requests` adds and the Authorization header itself.
fn wire_headers<'a>(
    signed: &[(&'a str, &'a str)],
    authorization: &'a str,
    body: &[u8],
    content_length: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut h = vec![
        ("accept-encoding", "gzip, deflate"),
        ("Accept", "*/*"),
        ("Connection", "keep-alive"),
    ];
    for (n, v) in signed {
        h.push((n, v));
    }
    h.push(("Authorization", authorization));
    if !body.is_empty() {
        h.push(("Content-Length", content_length));
    }
    h
}

struct Vector {
    method: &'static str,
    path: String,
    query_pairs: Vec<(&'static str, &'static str)>,
    wire_query: &'static str,
    extra_headers: Vec<(&'static str, &'static str)>,
    content_type: &'static str,
    body: &'static [u8],
    signed_headers: &'static str,
    signature: &'static str,
}

fn vectors() -> Vec<(&'static str, Vector)> {
    let pools = format!("/v2/{PID}/pools");
    vec![
        (
            "A",
            Vector {
                method: "GET",
                path: pools.clone(),
                query_pairs: vec![
                    ("workspaceId", "0"),
                    ("labelSelector", "os.modelarts/name=my pool"),
                    ("status", "created"),
                ],
                wire_query: "labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created&workspaceId=0",
                extra_headers: vec![],
                content_type: "application/json",
                body: b"",
                signed_headers: SIGNED,
                signature: "40c1a3aee62df247f8f2ed8faf7a8cd2575c6ce153e29cee6b6c9b1eac45b62a",
            },
        ),
        (
            "B",
            Vector {
                method: "POST",
                path: pools.clone(),
                query_pairs: vec![],
                wire_query: "",
                extra_headers: vec![],
                content_type: "application/json",
                body: br#"{"apiVersion": "v2", "kind": "Pool", "metadata": {"labels": {"os.modelarts/name": "p1"}}}"#,
                signed_headers: SIGNED,
                signature: "e80fe2aaa6afbc07d1c3412f9fea45ffc6832702bb3e6479d9db429af6010909",
            },
        ),
        (
            "C1 pool name `a b/c`",
            Vector {
                method: "GET",
                path: format!("{pools}/a%20b%2Fc"),
                query_pairs: vec![],
                wire_query: "",
                extra_headers: vec![],
                content_type: "application/json",
                body: b"",
                signed_headers: SIGNED,
                signature: "3d1882b962e6ec0a7afceb4b0330c81809613dbbe6fa75af25dcf1b8d56b8c02",
            },
        ),
        (
            "C2 labelSelector `名=ü~*+`",
            Vector {
                method: "GET",
                path: pools.clone(),
                query_pairs: vec![("labelSelector", "名=ü~*+")],
                wire_query: "labelSelector=%E5%90%8D%3D%C3%BC~%2A%2B",
                extra_headers: vec![],
                content_type: "application/json",
                body: b"",
                signed_headers: SIGNED,
                signature: "b875085ad1ed7401ae3714cba80ee42062b659951df9b54e988b4a00e4805885",
            },
        ),
        (
            "C3 text/plain UNSIGNED-PAYLOAD",
            Vector {
                method: "POST",
                path: pools,
                query_pairs: vec![],
                wire_query: "",
                extra_headers: vec![("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")],
                content_type: "text/plain",
                body: b"raw-text",
                signed_headers: "content-type;host;user-agent;x-project-id;x-sdk-content-sha256;x-sdk-date",
                signature: "0870aecc4acff8bb6293e7704ff097a13a399909dfb0b460ac87fd932ac7c0a0",
            },
        ),
    ]
}

fn expected_authorization(v: &Vector) -> String {
    format!(
        "SDK-HMAC-SHA256 Access={AK}, SignedHeaders={}, Signature={}",
        v.signed_headers, v.signature
    )
}

#[test]
fn sign_reproduces_the_sdk_signatures() {
    for (name, v) in vectors() {
        let mut headers = sdk_headers(v.content_type);
        headers.extend(v.extra_headers.iter().copied());
        let auth = sign(
            &ClientRequest {
                method: v.method,
                path: &v.path,
                query: &v.query_pairs,
                headers: &headers,
                body: v.body,
            },
            AK,
            SK,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(auth, expected_authorization(&v), "vector {name}");
        assert_eq!(
            respool_sign::encode_query(&v.query_pairs),
            v.wire_query,
            "wire query of vector {name}"
        );
    }
}

#[test]
fn verify_accepts_the_sdk_signatures() {
    for (name, v) in vectors() {
        let authorization = expected_authorization(&v);
        let auth = parse_authorization(&authorization).unwrap();
        let mut signed = sdk_headers(v.content_type);
        signed.extend(v.extra_headers.iter().copied());
        let len = v.body.len().to_string();
        let headers = wire_headers(&signed, &authorization, v.body, &len);
        let parts = RequestParts {
            method: v.method,
            path: &v.path,
            query: v.wire_query,
            headers: &headers,
            body: v.body,
        };
        let verified = verify(&parts, &auth, SK).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.sdk_date, parse_sdk_date(DATE).unwrap());
        assert_eq!(verified.unsigned_payload, name.starts_with("C3"), "{name}");

        // and a wrong key, or a wrong signature, does not verify
        assert!(matches!(
            verify(&parts, &auth, b"ExampleSecretKey0000000000000000000000001"),
            Err(SignError::SignatureMismatch { .. })
        ));
        let mut bad_sig = v.signature.to_owned().into_bytes();
        bad_sig[63] = if bad_sig[63] == b'0' { b'1' } else { b'0' };
        let bad_sig = String::from_utf8(bad_sig).unwrap();
        let bad = respool_sign::AuthorizationHeader {
            signature: &bad_sig,
            ..auth.clone()
        };
        assert!(matches!(
            verify(&parts, &bad, SK),
            Err(SignError::SignatureMismatch { .. })
        ));
    }
}

const CANONICAL_A: &str = "GET
/v2/0123456789abcdef0123456789abcdef/pools/
labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created&workspaceId=0
content-type:application/json
host:127.0.0.1:18080
user-agent:huaweicloud-usdk-python/3.0; test-agent
x-project-id:0123456789abcdef0123456789abcdef
x-sdk-date:20240102T030405Z

content-type;host;user-agent;x-project-id;x-sdk-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const STRING_TO_SIGN_A: &str = "SDK-HMAC-SHA256
20240102T030405Z
084860f7b16e447af0546d22ee83a06f7251cffaeb5cc92490291aad5183f180";

#[test]
fn canonical_request_of_a_is_exactly_as_printed() {
    let headers = sdk_headers("application/json");
    let path = format!("/v2/{PID}/pools");
    let parts = RequestParts {
        method: "GET",
        path: &path,
        query: "labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created&workspaceId=0",
        headers: &headers,
        body: b"",
    };
    let names: Vec<&str> = SIGNED.split(';').collect();
    let creq = canonical_request(&parts, &names).unwrap();
    assert_eq!(creq, CANONICAL_A);
    let sts = string_to_sign(DATE, &creq);
    assert_eq!(sts, STRING_TO_SIGN_A);
    assert_eq!(
        signature(SK, &sts),
        "40c1a3aee62df247f8f2ed8faf7a8cd2575c6ce153e29cee6b6c9b1eac45b62a"
    );
    assert!(creq.ends_with(EMPTY_PAYLOAD_SHA256));
    assert!(sts.starts_with(ALGORITHM));

    // verify hands the same text back for logging
    let authorization = format!(
        "SDK-HMAC-SHA256 Access={AK}, SignedHeaders={SIGNED}, Signature=40c1a3aee62df247f8f2ed8faf7a8cd2575c6ce153e29cee6b6c9b1eac45b62a"
    );
    let verified = verify(&parts, &parse_authorization(&authorization).unwrap(), SK).unwrap();
    assert_eq!(verified.canonical_request, CANONICAL_A);
    assert_eq!(verified.string_to_sign, STRING_TO_SIGN_A);
}

#[test]
fn b_payload_hash_and_string_to_sign() {
    let headers = sdk_headers("application/json");
    let path = format!("/v2/{PID}/pools");
    let body: &[u8] =
        br#"{"apiVersion": "v2", "kind": "Pool", "metadata": {"labels": {"os.modelarts/name": "p1"}}}"#;
    assert_eq!(body.len(), 89);
    let parts = RequestParts {
        method: "POST",
        path: &path,
        query: "",
        headers: &headers,
        body,
    };
    let names: Vec<&str> = SIGNED.split(';').collect();
    let creq = canonical_request(&parts, &names).unwrap();
    let expected = CANONICAL_A
        .replacen("GET", "POST", 1)
        .replace(
            "labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created&workspaceId=0",
            "",
        )
        .replace(
            EMPTY_PAYLOAD_SHA256,
            "daeea95ca7925fddbed4e93129121338c386f40be724241a244649182da2b434",
        );
    assert_eq!(creq, expected);
    assert_eq!(
        string_to_sign(DATE, &creq),
        "SDK-HMAC-SHA256\n20240102T030405Z\ne2131421f848033ee47862b86030c66ad32f553b8586b0350d41e73aaa7743eb"
    );
}

#[test]
fn c_vectors_canonical_forms() {
    assert_eq!(
        canonical_uri(&format!("/v2/{PID}/pools/a%20b%2Fc")),
        format!("/v2/{PID}/pools/a%20b/c/")
    );
    assert_eq!(
        canonical_query("labelSelector=%E5%90%8D%3D%C3%BC~%2A%2B"),
        "labelSelector=%E5%90%8D%3D%C3%BC~%2A%2B"
    );
}

#[test]
fn claimed_payload_hash_must_match_the_body() {
    // The SDK trusts any X-Sdk-Content-Sha256 literally; verify only accepts
    // UNSIGNED-PAYLOAD (flagged) or the real hash.
    let body: &[u8] = b"{\"a\":1}";
    let real = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(body))
    };
    let path = format!("/v2/{PID}/pools");
    for (claimed, ok) in [(real.as_str(), true), (EMPTY_PAYLOAD_SHA256, false)] {
        let mut headers = sdk_headers("application/json");
        headers.push(("X-Sdk-Content-Sha256", claimed));
        let auth = sign(
            &ClientRequest {
                method: "POST",
                path: &path,
                query: &[],
                headers: &headers,
                body,
            },
            AK,
            SK,
        )
        .unwrap();
        let parts = RequestParts {
            method: "POST",
            path: &path,
            query: "",
            headers: &headers,
            body,
        };
        let res = verify(&parts, &parse_authorization(&auth).unwrap(), SK);
        if ok {
            assert!(!res.unwrap().unsigned_payload);
        } else {
            assert_eq!(res, Err(SignError::PayloadHashMismatch));
        }
    }
}

#[test]
fn sign_errors() {
    let path = "/v2/p/pools";
    let req = |headers: &'static [(&'static str, &'static str)]| ClientRequest {
        method: "GET",
        path,
        query: &[],
        headers,
        body: b"",
    };
    assert_eq!(
        sign(&req(&[("X-Sdk-Date", DATE)]), AK, SK),
        Err(SignError::MissingSignedHeader("host".into()))
    );
    assert_eq!(
        sign(&req(&[("Host", HOST)]), AK, SK),
        Err(SignError::MissingDate)
    );
    assert_eq!(
        sign(
            &req(&[("Host", HOST), ("X-Sdk-Date", "2024-01-02")]),
            AK,
            SK
        ),
        Err(SignError::BadDate)
    );
    assert_eq!(
        sign(
            &req(&[("Host", HOST), ("host", HOST), ("X-Sdk-Date", DATE)]),
            AK,
            SK
        ),
        Err(SignError::DuplicateHeader("host".into()))
    );
    assert_eq!(
        sign(&req(&[("Host", HOST), ("X-Sdk-Date", DATE)]), "A K", SK),
        Err(SignError::InvalidAccessKey)
    );
    // names with '_' are sent but not signed, like the SDK
    let auth = sign(
        &req(&[("Host", HOST), ("X_Custom", "v"), ("X-Sdk-Date", DATE)]),
        AK,
        SK,
    )
    .unwrap();
    assert_eq!(
        parse_authorization(&auth).unwrap().signed_headers,
        vec!["host", "x-sdk-date"]
    );
}

#[test]
fn verify_step_errors() {
    let path = format!("/v2/{PID}/pools");
    let auth_value = format!(
        "SDK-HMAC-SHA256 Access={AK}, SignedHeaders={SIGNED}, Signature=40c1a3aee62df247f8f2ed8faf7a8cd2575c6ce153e29cee6b6c9b1eac45b62a"
    );
    let auth = parse_authorization(&auth_value).unwrap();
    let query = "labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created&workspaceId=0";
    let run = |headers: &[(&str, &str)]| {
        verify(
            &RequestParts {
                method: "GET",
                path: &path,
                query,
                headers,
                body: b"",
            },
            &auth,
            SK,
        )
    };
    let mut h = sdk_headers("application/json");
    assert!(run(&h).is_ok());
    h.retain(|(n, _)| *n != "X-Project-Id");
    assert_eq!(
        run(&h),
        Err(SignError::MissingSignedHeader("x-project-id".into()))
    );
    let mut h = sdk_headers("application/json");
    h.retain(|(n, _)| *n != "X-Sdk-Date");
    assert_eq!(run(&h), Err(SignError::MissingDate));
    let mut h = sdk_headers("application/json");
    h.push(("x-sdk-date", DATE));
    assert_eq!(
        run(&h),
        Err(SignError::DuplicateHeader("x-sdk-date".into()))
    );
    let mut h = sdk_headers("application/json");
    h[3].1 = "20240102T030405";
    assert_eq!(run(&h), Err(SignError::BadDate));
    let mut h = sdk_headers("application/json");
    h.push(("X-Project-Id", PID));
    assert_eq!(
        run(&h),
        Err(SignError::DuplicateHeader("x-project-id".into()))
    );
    // surrounding whitespace of a received value is ignored, inner whitespace is not
    let mut h = sdk_headers("application/json");
    h[1].1 = "  huaweicloud-usdk-python/3.0; test-agent\t";
    assert!(run(&h).is_ok());
    h[1].1 = "huaweicloud-usdk-python/3.0;  test-agent";
    assert!(matches!(run(&h), Err(SignError::SignatureMismatch { .. })));
    // header names are matched case-insensitively
    let h: Vec<(String, &str)> = sdk_headers("application/json")
        .into_iter()
        .map(|(n, v)| (n.to_ascii_uppercase(), v))
        .collect();
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    assert!(run(&h).is_ok());
    // the error message of a mismatch does not leak the canonical request
    let mut h = sdk_headers("application/json");
    h[0].1 = "application/xml";
    let err = run(&h).unwrap_err();
    assert_eq!(err.to_string(), "signature does not match");
    match err {
        SignError::SignatureMismatch {
            canonical_request, ..
        } => assert!(canonical_request.contains("content-type:application/xml\n")),
        other => panic!("{other:?}"),
    }
}
