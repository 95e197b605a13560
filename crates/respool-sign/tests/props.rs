//! Property tests: whatever `sign` signs, `verify` accepts; any single mutation is rejected;
//! the parsers and canonicalisers never panic.

use proptest::prelude::*;
use respool_sign::{
    canonical_query, canonical_uri, encode_path_segment, encode_query, format_sdk_date,
    parse_authorization, parse_sdk_date, sign, verify, AuthorizationHeader, ClientRequest,
    RequestParts, SignError, Verified,
};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/// 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
const MIN_DATE: i64 = -62_135_596_800;
const MAX_DATE: i64 = 253_402_300_799;

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    /// Host and X-Sdk-Date first, then extras with distinct names.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    access_key: String,
    secret_key: Vec<u8>,
}

impl Case {
    fn date_index(&self) -> usize {
        1
    }
}

fn header_value() -> impl Strategy<Value = String> {
    // what an HTTP stack hands over: visible ASCII, spaces and tabs, sometimes non-ASCII
    prop_oneof![
        4 => "[ \t!-~]{0,24}",
        1 => "[ a-zé池ü\u{3000}]{0,8}",
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let segment = prop_oneof![
        3 => "[a-z0-9-]{1,12}",
        1 => any::<String>(),
    ];
    (
        prop::sample::select(&METHODS[..]),
        prop::collection::vec(segment, 0..5),
        any::<bool>(),
        prop::collection::vec((any::<String>(), any::<String>()), 0..5),
        prop::collection::vec(("[a-z][a-z0-9_-]{0,15}", header_value()), 0..5),
        "[a-z0-9.-]{1,20}(:[0-9]{1,5})?",
        MIN_DATE..=MAX_DATE,
        prop::collection::vec(any::<u8>(), 0..64),
        "[A-Z0-9]{1,24}",
        prop::collection::vec(any::<u8>(), 1..48),
    )
        .prop_map(
            |(method, segs, trailing, query, extra, host, date, body, ak, sk)| {
                let mut path: String = segs
                    .iter()
                    .map(|s| format!("/{}", encode_path_segment(s)))
                    .collect();
                if trailing || path.is_empty() {
                    path.push('/');
                }
                let mut headers = vec![
                    ("Host".to_owned(), host),
                    ("X-Sdk-Date".to_owned(), format_sdk_date(date)),
                ];
                for (n, v) in extra {
                    if !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(&n))
                        && n != "x-sdk-content-sha256"
                    {
                        headers.push((n, v));
                    }
                }
                Case {
                    method,
                    path,
                    query,
                    headers,
                    body,
                    access_key: ak,
                    secret_key: sk,
                }
            },
        )
}

fn sign_case(c: &Case) -> String {
    let pairs: Vec<(&str, &str)> = c
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let headers: Vec<(&str, &str)> = c
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    sign(
        &ClientRequest {
            method: c.method,
            path: &c.path,
            query: &pairs,
            headers: &headers,
            body: &c.body,
        },
        &c.access_key,
        &c.secret_key,
    )
    .expect("sign")
}

/// Verifies `c` as a server would receive it: the wire query, the headers in reverse order
/// and upper-cased names, plus unsigned transport headers and the Authorization header.
fn verify_case(c: &Case, authorization: &str) -> Result<Verified, SignError> {
    let pairs: Vec<(&str, &str)> = c
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let wire_query = encode_query(&pairs);
    let upper: Vec<(String, &str)> = c
        .headers
        .iter()
        .rev()
        .map(|(n, v)| (n.to_ascii_uppercase(), v.as_str()))
        .collect();
    let mut headers: Vec<(&str, &str)> = upper.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    headers.push(("Accept", "*/*"));
    headers.push(("Authorization", authorization));
    let auth = parse_authorization(authorization).expect("sign output parses");
    verify(
        &RequestParts {
            method: c.method,
            path: &c.path,
            query: &wire_query,
            headers: &headers,
            body: &c.body,
        },
        &auth,
        &c.secret_key,
    )
}

#[derive(Debug, Clone)]
enum Mutation {
    Method(usize),
    Path,
    QueryValue(usize),
    Header(usize),
    BodyByte(usize, u8),
    Date(i64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (1..METHODS.len()).prop_map(Mutation::Method),
        Just(Mutation::Path),
        any::<usize>().prop_map(Mutation::QueryValue),
        any::<usize>().prop_map(Mutation::Header),
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::BodyByte(i, x)),
        prop_oneof![-1_000_000i64..=-1, 1..=1_000_000i64].prop_map(Mutation::Date),
    ]
}

fn apply(c: &Case, m: &Mutation) -> Case {
    let mut c = c.clone();
    match *m {
        Mutation::Method(k) => {
            let i = METHODS.iter().position(|x| *x == c.method).unwrap();
            c.method = METHODS[(i + k) % METHODS.len()];
        }
        Mutation::Path => c.path.push('x'),
        Mutation::QueryValue(i) => {
            if c.query.is_empty() {
                c.query.push(("k".into(), "v".into()));
            } else {
                let n = c.query.len();
                c.query[i % n].1.push('x');
            }
        }
        Mutation::Header(i) => {
            // any signed header other than the date (which has its own mutation)
            let signed: Vec<usize> = (0..c.headers.len())
                .filter(|&j| j != c.date_index() && !c.headers[j].0.contains('_'))
                .collect();
            let j = signed[i % signed.len()];
            c.headers[j].1.push('x');
        }
        Mutation::BodyByte(i, x) => {
            if c.body.is_empty() {
                c.body.push(x);
            } else {
                let n = c.body.len();
                c.body[i % n] ^= x;
            }
        }
        Mutation::Date(delta) => {
            let d = c.date_index();
            let t = parse_sdk_date(&c.headers[d].1).unwrap();
            let t = if (MIN_DATE..=MAX_DATE).contains(&(t + delta)) {
                t + delta
            } else {
                t - delta
            };
            c.headers[d].1 = format_sdk_date(t);
        }
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn signed_requests_verify(c in case()) {
        let authorization = sign_case(&c);
        let v = verify_case(&c, &authorization);
        prop_assert!(v.is_ok(), "{:?}", v);
        let v = v.unwrap();
        prop_assert_eq!(Ok(v.sdk_date), parse_sdk_date(&c.headers[1].1));
        prop_assert!(!v.unsigned_payload);
        // the header round-trips through the parser
        let parsed = parse_authorization(&authorization).unwrap();
        prop_assert_eq!(parsed.to_string(), authorization.clone());
        prop_assert_eq!(parsed.access_key, c.access_key.as_str());
        let mut names: Vec<String> = c.headers.iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| !n.contains('_'))
            .collect();
        names.sort();
        prop_assert_eq!(parsed.signed_headers, names);
    }

    #[test]
    fn any_single_mutation_fails(c in case(), m in mutation()) {
        let authorization = sign_case(&c);
        let mutated = apply(&c, &m);
        match verify_case(&mutated, &authorization) {
            Err(SignError::SignatureMismatch { .. }) => {}
            other => prop_assert!(false, "{:?} was not rejected: {:?}", m, other),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parse_authorization_never_panics(s in any::<String>()) {
        let _ = parse_authorization(&s);
    }

    #[test]
    fn parse_authorization_never_panics_near_valid(
        access in "[ -~]{0,40}",
        signed in "[ -~]{0,80}",
        sig in "[0-9a-fA-F ,]{60,68}",
        sep1 in "[ ,]{0,3}",
        sep2 in "[ ,]{0,3}",
    ) {
        let v = format!("SDK-HMAC-SHA256 Access={access}{sep1}SignedHeaders={signed}{sep2}Signature={sig}");
        if let Ok(a) = parse_authorization(&v) {
            // whatever parses is well-formed and re-parses to the same thing
            prop_assert_eq!(a.signature.len(), 64);
            prop_assert!(!a.signed_headers.is_empty() && a.signed_headers.len() <= 64);
            let again = a.to_string();
            prop_assert_eq!(parse_authorization(&again), Ok(a));
        }
    }

    #[test]
    fn canonicalisers_never_panic_and_are_idempotent(s in any::<String>()) {
        let u = canonical_uri(&s);
        prop_assert!(u.ends_with('/'));
        prop_assert_eq!(canonical_uri(&u), u.clone());
        let q = canonical_query(&s);
        prop_assert_eq!(canonical_query(&q), q.clone());
    }

    #[test]
    fn canonicalisers_handle_percent_soup(s in "[%0-9a-fA-F/&=+~ .]{0,40}") {
        let u = canonical_uri(&s);
        prop_assert_eq!(canonical_uri(&u), u);
        let q = canonical_query(&s);
        prop_assert_eq!(canonical_query(&q), q);
    }

    #[test]
    fn wire_query_is_canonical_and_order_free(
        pairs in prop::collection::vec((any::<String>(), any::<String>()), 0..6)
    ) {
        let p: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let wire = encode_query(&p);
        prop_assert_eq!(canonical_query(&wire), wire.clone());
        let mut rev = p.clone();
        rev.reverse();
        prop_assert_eq!(encode_query(&rev), wire);
    }

    #[test]
    fn dates_round_trip(t in MIN_DATE..=MAX_DATE) {
        let s = format_sdk_date(t);
        prop_assert_eq!(s.len(), 16);
        prop_assert_eq!(parse_sdk_date(&s), Ok(t));
    }

    #[test]
    fn parse_sdk_date_never_panics(s in any::<String>(), d in "[0-9TZ]{14,18}") {
        let _ = parse_sdk_date(&s);
        if let Ok(t) = parse_sdk_date(&d) {
            prop_assert_eq!(format_sdk_date(t), d);
        }
    }

    #[test]
    fn format_sdk_date_never_panics(t in any::<i64>()) {
        let _ = format_sdk_date(t);
    }
}

#[test]
fn display_of_a_built_header() {
    let h = AuthorizationHeader {
        access_key: "AK",
        signed_headers: vec!["host", "x-sdk-date"],
        signature: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    };
    assert_eq!(parse_authorization(&h.to_string()), Ok(h));
}
