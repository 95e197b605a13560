//! Requests signed as the official Python SDK signs them.

use respool_sign::{encode_query, format_sdk_date, sign, ClientRequest};
use serde_json::Value;

/// Who signs: an access key, its secret and the project it calls.
#[derive(Debug, Clone)]
pub struct Creds {
    pub ak: String,
    pub sk: String,
    pub project: String,
}

impl Creds {
    /// The test credential ([`crate::AK`] on [`crate::PROJECT`]).
    pub fn test() -> Creds {
        Creds {
            ak: crate::AK.into(),
            sk: crate::SK.into(),
            project: crate::PROJECT.into(),
        }
    }

    /// The variables that give `respool serve` this credential.
    pub fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("RESPOOL_ACCESS_KEY", self.ak.as_str()),
            ("RESPOOL_SECRET_KEY", self.sk.as_str()),
            ("RESPOOL_PROJECT_ID", self.project.as_str()),
            ("RESPOOL_DOMAIN_ID", crate::DOMAIN),
        ]
    }

    pub fn pools(&self) -> String {
        format!("/v2/{}/pools", self.project)
    }
}

/// A request to `base` signed with SDK-HMAC-SHA256 over the SDK's headers
/// (`Content-Type`, `Host`, `User-Agent`, `X-Sdk-Date`) and `extra_headers`.
#[allow(clippy::too_many_arguments)]
pub fn signed_request(
    http: &reqwest::Client,
    base: &str,
    ak: &str,
    sk: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
    extra_headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let host = base.trim_start_matches("http://").to_owned();
    let date = format_sdk_date(respool_core::time::wall_ms() / 1000);
    let body_bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut headers: Vec<(&str, &str)> = vec![
        ("Content-Type", "application/json"),
        ("Host", &host),
        ("User-Agent", "respool-tests"),
        ("X-Sdk-Date", &date),
    ];
    headers.extend_from_slice(extra_headers);
    let authorization = sign(
        &ClientRequest {
            method,
            path,
            query,
            headers: &headers,
            body: &body_bytes,
        },
        ak,
        sk.as_bytes(),
    )
    .expect("sign");
    let q = encode_query(query);
    let url = if q.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    };
    let mut req = http
        .request(method.parse().unwrap(), url)
        .header("Authorization", authorization)
        .body(body_bytes);
    // The HTTP client sets Host itself.
    for (k, v) in headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
    {
        req = req.header(*k, *v);
    }
    req
}
