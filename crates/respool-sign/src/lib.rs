//! `SDK-HMAC-SHA256` request signing and verification, byte-for-byte as the official
//! Huawei Cloud Python SDK (`huaweicloudsdkcore` 3.1.219, `signer/signer.py`) does it.
//!
//! This is the only place in respool that knows the algorithm: the server verifies with
//! [`parse_authorization`] + [`verify`], the Rust client signs with [`sign`].
//! Everything here is a pure function over borrowed strings and bytes; there are no
//! HTTP framework types, no clock and no key store. The date window (15 minutes) and the
//! access-key lookup are the caller's job.
//!
//! The recipe, as the official SDKs' signers (`huaweicloudsdkcore.signer.Signer`) apply it:
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
//! Signature        = hex(hmac_sha256(SK, StringToSign))
//! Authorization    = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=h1;h2, Signature=hex"
//! ```

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The only algorithm this crate speaks.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The signing-time header (`%Y%m%dT%H%M%SZ`, UTC).
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// When present on a request with a body, its literal value replaces the payload hash.
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
/// The value the SDK puts in [`HEADER_CONTENT_SHA256`] for non-JSON bodies.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// Upper bound on the number of names in `SignedHeaders`.
pub const MAX_SIGNED_HEADERS: usize = 64;
/// Upper bound on the length in bytes of the `SignedHeaders` value.
pub const MAX_SIGNED_HEADERS_LEN: usize = 4096;
/// Upper bound on the length in bytes of the access key.
pub const MAX_ACCESS_KEY_LEN: usize = 256;

/// Everything that can go wrong while parsing, signing or verifying.
///
/// The messages are safe to show to a client; [`SignError::SignatureMismatch`] carries the
/// server's canonical request and string-to-sign for debug logging only (its message does
/// not include them).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(&'static str),
    #[error("unsupported authorization algorithm {0:?}, expected SDK-HMAC-SHA256")]
    UnsupportedAlgorithm(String),
    #[error("header {0:?} is listed in SignedHeaders but missing from the request")]
    MissingSignedHeader(String),
    #[error("header {0:?} appears more than once")]
    DuplicateHeader(String),
    #[error("missing X-Sdk-Date header")]
    MissingDate,
    #[error("X-Sdk-Date is not a valid %Y%m%dT%H%M%SZ UTC timestamp")]
    BadDate,
    #[error("invalid access key (must be 1..=256 visible ASCII characters, no ',')")]
    InvalidAccessKey,
    #[error("X-Sdk-Content-Sha256 does not match the SHA-256 of the body")]
    PayloadHashMismatch,
    #[error("signature does not match")]
    SignatureMismatch {
        /// What the verifier computed; log it, never send it.
        canonical_request: String,
        /// What the verifier computed; log it, never send it.
        string_to_sign: String,
    },
}

/// A request as seen on the wire, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// The method as received; it is upper-cased for signing, as the SDK does.
    pub method: &'a str,
    /// Raw path, still percent-encoded, without the query.
    pub path: &'a str,
    /// Raw query string without the `?`; may be empty.
    pub query: &'a str,
    /// Header name (any case) and value as received, in any order.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes exactly as received.
    pub body: &'a [u8],
}

impl<'a> RequestParts<'a> {
    /// The value of the single header called `name` (ASCII case-insensitive).
    /// `Ok(None)` if absent, [`SignError::DuplicateHeader`] if present more than once.
    pub fn header(&self, name: &str) -> Result<Option<&'a str>, SignError> {
        find_header(self.headers, name)
    }
}

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader<'a> {
    pub access_key: &'a str,
    /// Lower-case header names, in the order given.
    pub signed_headers: Vec<&'a str>,
    /// 64 lower-case hex digits.
    pub signature: &'a str,
}

impl fmt::Display for AuthorizationHeader<'_> {
    /// The header value exactly as the SDK formats it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
            self.access_key,
            self.signed_headers.join(";"),
            self.signature
        )
    }
}

/// What a successful [`verify`] learnt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `X-Sdk-Date` as Unix seconds, for the caller's clock-skew check.
    pub sdk_date: i64,
    /// The request carried `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` and a body, so the body
    /// is **not** covered by the signature. The official SDK only does this for content
    /// types other than `application/json*` / `application/bson*`.
    pub unsigned_payload: bool,
    /// For debug logging.
    pub canonical_request: String,
    /// For debug logging.
    pub string_to_sign: String,
}

// ------------------------------------------------------------------------------ parsing

fn is_token_lower(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*'
        | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~')
}

fn valid_access_key(ak: &str) -> bool {
    !ak.is_empty()
        && ak.len() <= MAX_ACCESS_KEY_LEN
        && ak.bytes().all(|b| b.is_ascii_graphic() && b != b',')
}

fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Parses `SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<h1;h2;…>, Signature=<64 hex>`.
///
/// Strict: the three parameters must appear in this order, names are case-sensitive, the
/// signed header names must be non-empty lower-case HTTP tokens without duplicates
/// (at most [`MAX_SIGNED_HEADERS`] of them, [`MAX_SIGNED_HEADERS_LEN`] bytes in all), the
/// signature exactly 64 lower-case hex digits. Tolerant of extra spaces after the
/// algorithm and after each comma (the SDK sends exactly one).
pub fn parse_authorization(value: &str) -> Result<AuthorizationHeader<'_>, SignError> {
    use SignError::MalformedAuthorization as Bad;
    const MAX_LEN: usize = MAX_SIGNED_HEADERS_LEN + MAX_ACCESS_KEY_LEN + 256;

    let Some((algorithm, params)) = value.split_once(' ') else {
        return Err(if value == ALGORITHM {
            Bad("no parameters after the algorithm")
        } else {
            SignError::UnsupportedAlgorithm(truncate(value, 32))
        });
    };
    if algorithm != ALGORITHM {
        return Err(SignError::UnsupportedAlgorithm(truncate(algorithm, 32)));
    }
    if value.len() > MAX_LEN {
        return Err(Bad("header too long"));
    }
    let mut parts = params.trim_start_matches(' ').splitn(3, ',');
    let mut next = |prefix: &'static str, missing: &'static str| {
        parts
            .next()
            .map(|p| p.trim_start_matches(' '))
            .and_then(|p| p.strip_prefix(prefix))
            .ok_or(Bad(missing))
    };
    let access_key = next("Access=", "expected Access=<ak> first")?;
    let signed = next("SignedHeaders=", "expected SignedHeaders=<names> second")?;
    let signature = next("Signature=", "expected Signature=<hex> third")?;

    if !valid_access_key(access_key) {
        return Err(Bad(
            "Access must be 1..=256 visible ASCII characters without ','",
        ));
    }
    if signed.len() > MAX_SIGNED_HEADERS_LEN {
        return Err(Bad("SignedHeaders longer than 4096 bytes"));
    }
    let mut signed_headers: Vec<&str> = Vec::new();
    for name in signed.split(';') {
        if signed_headers.len() == MAX_SIGNED_HEADERS {
            return Err(Bad("more than 64 SignedHeaders"));
        }
        if name.is_empty() || !name.bytes().all(is_token_lower) {
            return Err(Bad(
                "SignedHeaders must be ';'-separated lower-case header names",
            ));
        }
        if signed_headers.contains(&name) {
            return Err(Bad("duplicate name in SignedHeaders"));
        }
        signed_headers.push(name);
    }
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(Bad("Signature must be 64 lower-case hex digits"));
    }
    Ok(AuthorizationHeader {
        access_key,
        signed_headers,
        signature,
    })
}

// ------------------------------------------------------------------------ canonical form

/// Everything but the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~` is escaped,
/// as Python's `quote(s, safe="~")` does.
const ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `s` (as UTF-8) with the unreserved set and upper-case hex.
/// This is `quote(s, safe="")` / `quote(s, safe="~")` in Python, which is also how the SDK
/// substitutes a path parameter such as a pool name (`a b/c` -> `a%20b%2Fc`).
pub fn encode_path_segment(s: &str) -> String {
    utf8_percent_encode(s, ESCAPE).to_string()
}

/// Python's `unquote`: `%XX` decoded (invalid escapes left as is, no `+` -> space),
/// invalid UTF-8 replaced by U+FFFD.
fn unquote(s: &str) -> Cow<'_, str> {
    percent_decode_str(s).decode_utf8_lossy()
}

/// Python's `str.strip()` with no arguments.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// The canonical URI: percent-decode all of the raw path (`%2F` too), split on `/`,
/// re-encode each segment with the unreserved set, join, and ensure a trailing `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    // Nothing to decode or escape (the usual API path): the path is its own
    // canonical form.
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/');
    if raw_path.bytes().all(plain) {
        let mut out = String::with_capacity(raw_path.len() + 1);
        out.push_str(raw_path);
        if !out.ends_with('/') {
            out.push('/');
        }
        return out;
    }
    canonical_uri_decoded(raw_path)
}

/// [`canonical_uri`] the long way: decode, split, re-encode.
fn canonical_uri_decoded(raw_path: &str) -> String {
    let decoded = unquote(raw_path);
    let mut out = String::with_capacity(decoded.len() + 1);
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.extend(utf8_percent_encode(segment, ESCAPE));
    }
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

fn encode_sorted_pairs(mut pairs: Vec<(&str, &str)>) -> String {
    pairs.sort_unstable();
    let mut out = String::new();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, ESCAPE));
        out.push('=');
        out.extend(utf8_percent_encode(v, ESCAPE));
    }
    out
}

/// The canonical query string of a raw (wire) query: split on `&`, each part on the first
/// `=` (none means an empty value), percent-decode (no `+` -> space), sort by (key, value),
/// re-encode both with the unreserved set, join with `&`. An empty query gives `""`.
pub fn canonical_query(raw_query: &str) -> String {
    if raw_query.is_empty() {
        return String::new();
    }
    let decoded: Vec<(String, String)> = raw_query
        .split('&')
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (unquote(k).into_owned(), unquote(v).into_owned())
        })
        .collect();
    encode_sorted_pairs(
        decoded
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    )
}

/// The query string the SDK puts on the wire for these (decoded) pairs: sorted by
/// (key, value), percent-encoded with the unreserved set (`%20`, `%2F`, `%2B`, …).
/// It equals its own canonical form. Repeat a key for a list parameter; render booleans
/// as `true`/`false`. Use it as `path + "?" + encode_query(pairs)` (no `?` when empty).
pub fn encode_query(pairs: &[(&str, &str)]) -> String {
    encode_sorted_pairs(pairs.to_vec())
}

fn find_header<'a>(headers: &[(&str, &'a str)], name: &str) -> Result<Option<&'a str>, SignError> {
    let mut found = None;
    for (n, v) in headers {
        if n.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(SignError::DuplicateHeader(name.to_ascii_lowercase()));
            }
            found = Some(*v);
        }
    }
    Ok(found)
}

/// Lower-case hex, appended to `out` (a signature is checked on every request).
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

fn sha256_hex(data: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &Sha256::digest(data));
    out
}

/// The payload hash exactly as the SDK computes it.
fn payload_hash<'a>(headers: &[(&str, &'a str)], body: &[u8]) -> Result<Cow<'a, str>, SignError> {
    if body.is_empty() {
        return Ok(Cow::Borrowed(EMPTY_PAYLOAD_SHA256));
    }
    match find_header(headers, HEADER_CONTENT_SHA256)? {
        Some(v) if !v.is_empty() => Ok(Cow::Borrowed(v)),
        _ => Ok(Cow::Owned(sha256_hex(body))),
    }
}

fn assemble(
    method: &str,
    uri: &str,
    query: &str,
    headers: &[(&str, &str)],
    signed_headers: &[&str],
    payload_hash: &str,
) -> Result<String, SignError> {
    let mut out = String::with_capacity(
        256 + uri.len() + query.len() + headers.iter().map(|(_, v)| v.len() + 32).sum::<usize>(),
    );
    out.extend(method.chars().map(|c| c.to_ascii_uppercase()));
    out.push('\n');
    out.push_str(uri);
    out.push('\n');
    out.push_str(query);
    out.push('\n');
    for (i, name) in signed_headers.iter().enumerate() {
        let value = find_header(headers, name)?
            .ok_or_else(|| SignError::MissingSignedHeader(name.to_string()))?;
        if i > 0 {
            out.push('\n');
        }
        out.push_str(name);
        out.push(':');
        out.push_str(py_strip(value));
    }
    // Python: '\n'.join(lines) + "\n", then the format adds another '\n'.
    out.push_str("\n\n");
    for (i, name) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    out.push_str(payload_hash);
    Ok(out)
}

/// The canonical request of a received request, for the given signed header names (used
/// verbatim, in the order given, as names in the canonical headers).
///
/// A signed header missing from the request is [`SignError::MissingSignedHeader`]; one
/// present more than once is [`SignError::DuplicateHeader`]. Values are trimmed as Python's
/// `str.strip()` does. With a non-empty body, a non-empty `X-Sdk-Content-Sha256` header is
/// used verbatim as the payload hash (this function does not check it; [`verify`] does).
pub fn canonical_request(
    parts: &RequestParts<'_>,
    signed_headers: &[&str],
) -> Result<String, SignError> {
    assemble(
        parts.method,
        &canonical_uri(parts.path),
        &canonical_query(parts.query),
        parts.headers,
        signed_headers,
        &payload_hash(parts.headers, parts.body)?,
    )
}

/// `"SDK-HMAC-SHA256\n" + sdk_date + "\n" + hex(sha256(canonical_request))`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + sdk_date.len() + 66);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(sdk_date);
    out.push('\n');
    push_hex(&mut out, &Sha256::digest(canonical_request.as_bytes()));
    out
}

/// Lower-case hex HMAC-SHA256 of `string_to_sign` keyed with the secret key bytes (the
/// SK's UTF-8 bytes; there is no key derivation).
pub fn signature(secret_key: &[u8], string_to_sign: &str) -> String {
    signature_with(&SigningKey::new(secret_key), string_to_sign)
}

/// A secret key ready to sign with: the HMAC key schedule is computed once,
/// for a verifier that checks many requests of one key.
#[derive(Clone)]
pub struct SigningKey(Hmac<Sha256>);

impl SigningKey {
    pub fn new(secret_key: &[u8]) -> Self {
        SigningKey(Hmac::new_from_slice(secret_key).expect("HMAC takes any key length"))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

/// [`signature`] with a prepared key.
pub fn signature_with(key: &SigningKey, string_to_sign: &str) -> String {
    let mut mac = key.0.clone();
    mac.update(string_to_sign.as_bytes());
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &mac.finalize().into_bytes());
    out
}

// -------------------------------------------------------------------------- verification

/// Verifies a received request against its parsed `Authorization` header and the secret
/// key looked up for `auth.access_key`.
///
/// Steps, each with its own error: `X-Sdk-Date` present once and well-formed
/// ([`SignError::MissingDate`], [`SignError::BadDate`]); the canonical request
/// ([`SignError::MissingSignedHeader`], [`SignError::DuplicateHeader`]); an
/// `X-Sdk-Content-Sha256` other than `UNSIGNED-PAYLOAD` must equal the body's hash
/// ([`SignError::PayloadHashMismatch`]; the SDK itself would trust any value, which would
/// leave the body unauthenticated); finally the constant-time signature comparison
/// ([`SignError::SignatureMismatch`]). Clock skew and replay policy are the caller's.
pub fn verify(
    parts: &RequestParts<'_>,
    auth: &AuthorizationHeader<'_>,
    secret_key: &[u8],
) -> Result<Verified, SignError> {
    verify_with(parts, auth, &SigningKey::new(secret_key))
}

/// [`verify`] with a prepared key.
pub fn verify_with(
    parts: &RequestParts<'_>,
    auth: &AuthorizationHeader<'_>,
    key: &SigningKey,
) -> Result<Verified, SignError> {
    let date =
        py_strip(find_header(parts.headers, HEADER_SDK_DATE)?.ok_or(SignError::MissingDate)?);
    let sdk_date = parse_sdk_date(date)?;

    let mut unsigned_payload = false;
    if !parts.body.is_empty() {
        if let Some(claimed) = find_header(parts.headers, HEADER_CONTENT_SHA256)? {
            if claimed == UNSIGNED_PAYLOAD {
                unsigned_payload = true;
            } else if !claimed.is_empty() && claimed != sha256_hex(parts.body) {
                return Err(SignError::PayloadHashMismatch);
            }
        }
    }

    let canonical_request = canonical_request(parts, &auth.signed_headers)?;
    let string_to_sign = string_to_sign(date, &canonical_request);
    let expected = signature_with(key, &string_to_sign);
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(Verified {
            sdk_date,
            unsigned_payload,
            canonical_request,
            string_to_sign,
        })
    } else {
        Err(SignError::SignatureMismatch {
            canonical_request,
            string_to_sign,
        })
    }
}

// ------------------------------------------------------------------------------- signing

/// A request about to be sent, for [`sign`].
#[derive(Debug, Clone, Copy)]
pub struct ClientRequest<'a> {
    pub method: &'a str,
    /// The path exactly as it will be sent (already percent-encoded, e.g. built with
    /// [`encode_path_segment`]), without the query.
    pub path: &'a str,
    /// Decoded query pairs, in any order; send them as [`encode_query`]`(query)`.
    pub query: &'a [(&'a str, &'a str)],
    /// Every header that will be sent and should be signed. Must include `Host` (the
    /// `host[:port]` the server will see) and `X-Sdk-Date`. Names containing `_` are left
    /// unsigned, like the SDK does. `X-Sdk-Content-Sha256` is not added for you: the SDK
    /// adds `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for non-JSON content types; pass it
    /// here (and send it) if you want that.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Signs like the Python SDK: signed headers are all given header names without `_`,
/// lower-cased and sorted; returns the `Authorization` header value.
///
/// Errors: an invalid access key, a header given twice (any case), a missing `Host`
/// ([`SignError::MissingSignedHeader`]) or `X-Sdk-Date` ([`SignError::MissingDate`]), a
/// malformed date, or more headers than a verifier accepts.
pub fn sign(
    request: &ClientRequest<'_>,
    access_key: &str,
    secret_key: &[u8],
) -> Result<String, SignError> {
    if !valid_access_key(access_key) {
        return Err(SignError::InvalidAccessKey);
    }
    let mut names: Vec<String> = Vec::with_capacity(request.headers.len());
    for (name, _) in request.headers {
        let lower = name.to_ascii_lowercase();
        if names.contains(&lower) {
            return Err(SignError::DuplicateHeader(lower));
        }
        names.push(lower);
    }
    if !names.iter().any(|n| n == "host") {
        return Err(SignError::MissingSignedHeader("host".to_owned()));
    }
    let date =
        py_strip(find_header(request.headers, HEADER_SDK_DATE)?.ok_or(SignError::MissingDate)?);
    parse_sdk_date(date)?;

    names.retain(|n| !n.contains('_'));
    names.sort_unstable();
    let signed: Vec<&str> = names.iter().map(String::as_str).collect();
    if signed.len() > MAX_SIGNED_HEADERS || signed.join(";").len() > MAX_SIGNED_HEADERS_LEN {
        return Err(SignError::MalformedAuthorization(
            "too many signed headers for a verifier to accept",
        ));
    }
    if let Some(bad) = signed
        .iter()
        .find(|n| n.is_empty() || !n.bytes().all(is_token_lower))
    {
        return Err(SignError::MalformedAuthorization(if bad.is_empty() {
            "empty header name"
        } else {
            "header name is not an HTTP token"
        }));
    }

    let canonical_request = assemble(
        request.method,
        &canonical_uri(request.path),
        &encode_query(request.query),
        request.headers,
        &signed,
        &payload_hash(request.headers, request.body)?,
    )?;
    let sig = signature(secret_key, &string_to_sign(date, &canonical_request));
    Ok(AuthorizationHeader {
        access_key,
        signed_headers: signed,
        signature: &sig,
    }
    .to_string())
}

// ---------------------------------------------------------------------------------- dates

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats Unix seconds as `%Y%m%dT%H%M%SZ` in UTC, e.g. `20240102T030405Z`.
/// Only years 0001..=9999 round-trip through [`parse_sdk_date`].
pub fn format_sdk_date(unix_seconds: i64) -> String {
    let (days, secs) = (
        unix_seconds.div_euclid(86_400),
        unix_seconds.rem_euclid(86_400),
    );
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses a strict `%Y%m%dT%H%M%SZ` UTC timestamp (exactly 16 characters, year
/// 0001..=9999, real calendar dates, seconds 00..=59) into Unix seconds.
pub fn parse_sdk_date(s: &str) -> Result<i64, SignError> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(SignError::BadDate);
    }
    let num = |range: std::ops::Range<usize>| -> Result<i64, SignError> {
        b[range].iter().try_fold(0i64, |acc, &c| {
            if c.is_ascii_digit() {
                Ok(acc * 10 + i64::from(c - b'0'))
            } else {
                Err(SignError::BadDate)
            }
        })
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if y < 1 || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err(SignError::BadDate);
    }
    if h > 23 || mi > 59 || sec > 59 {
        return Err(SignError::BadDate);
    }
    Ok(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_known_values() {
        assert_eq!(format_sdk_date(0), "19700101T000000Z");
        assert_eq!(format_sdk_date(1_704_164_645), "20240102T030405Z");
        assert_eq!(parse_sdk_date("20240102T030405Z"), Ok(1_704_164_645));
        assert_eq!(parse_sdk_date("20000229T235959Z"), Ok(951_868_799));
        assert_eq!(format_sdk_date(-1), "19691231T235959Z");
        assert_eq!(parse_sdk_date("00010101T000000Z"), Ok(-62_135_596_800));
        assert_eq!(format_sdk_date(253_402_300_799), "99991231T235959Z");
        for bad in [
            "",
            "20240102T030405",
            "20240102t030405Z",
            "20240102 030405Z",
            "2024010203040Z5",
            "20240230T000000Z",
            "19000229T000000Z",
            "20241301T000000Z",
            "20240100T000000Z",
            "20240102T240000Z",
            "20240102T236000Z",
            "20240102T230060Z",
            "00000101T000000Z",
            "+0240102T030405Z",
            "20240102T030405Z ",
            "２0240102T030405Z",
        ] {
            assert_eq!(parse_sdk_date(bad), Err(SignError::BadDate), "{bad:?}");
        }
        assert_eq!(parse_sdk_date("20240229T000000Z"), Ok(1_709_164_800));
    }

    #[test]
    fn canonical_uri_matches_python() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/v2/p/pools"), "/v2/p/pools/");
        assert_eq!(canonical_uri("/v2/p/pools/"), "/v2/p/pools/");
        assert_eq!(
            canonical_uri("/v2/p/pools/a%20b%2Fc"),
            "/v2/p/pools/a%20b/c/"
        );
        assert_eq!(canonical_uri("/a%2fb"), "/a/b/");
        assert_eq!(canonical_uri("/x%zz%4"), "/x%25zz%254/");
        assert_eq!(
            canonical_uri("/%7Bproject_id%7D/~a"),
            "/%7Bproject_id%7D/~a/"
        );
        assert_eq!(canonical_uri("/名/+"), "/%E5%90%8D/%2B/");
        assert_eq!(canonical_uri("/%C3"), "/%EF%BF%BD/");
        assert_eq!(canonical_uri("//a//"), "//a//");
    }

    #[test]
    fn canonical_query_matches_python() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1"), "a=1&b=2");
        assert_eq!(canonical_query("a=2&a=1&a"), "a=&a=1&a=2");
        assert_eq!(canonical_query("a=x+y"), "a=x%2By");
        assert_eq!(canonical_query("a=b=c"), "a=b%3Dc");
        assert_eq!(canonical_query("k=%7e%2a"), "k=~%2A");
        assert_eq!(canonical_query("&"), "=&=");
        assert_eq!(
            canonical_query("labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created"),
            "labelSelector=os.modelarts%2Fname%3Dmy%20pool&status=created"
        );
        // sorted on the decoded strings, by code point (== UTF-8 byte order)
        assert_eq!(canonical_query("k=%C3%BC&k=z&k=~"), "k=z&k=~&k=%C3%BC");
    }

    #[test]
    fn encode_helpers() {
        assert_eq!(encode_path_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(encode_path_segment("-_.~"), "-_.~");
        assert_eq!(
            encode_query(&[("limit", "2"), ("continue", "tok en/=")]),
            "continue=tok%20en%2F%3D&limit=2"
        );
        assert_eq!(encode_query(&[]), "");
    }

    #[test]
    fn python_strip_semantics() {
        assert_eq!(py_strip(" \t\x1c a b \u{3000}\x1f"), "a b");
    }

    #[test]
    fn parse_authorization_accepts_and_rejects() {
        let sig = "a".repeat(64);
        let ok =
            format!("SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature={sig}");
        let a = parse_authorization(&ok).unwrap();
        assert_eq!(a.access_key, "AK1");
        assert_eq!(a.signed_headers, vec!["host", "x-sdk-date"]);
        assert_eq!(a.signature, sig);
        assert_eq!(a.to_string(), ok);
        let spaced = format!("SDK-HMAC-SHA256   Access=AK1,SignedHeaders=host,    Signature={sig}");
        assert_eq!(parse_authorization(&spaced).unwrap().access_key, "AK1");

        let bad = |v: &str| match parse_authorization(v) {
            Err(SignError::MalformedAuthorization(_)) => {}
            other => panic!("{v:?} gave {other:?}"),
        };
        bad("SDK-HMAC-SHA256");
        bad("SDK-HMAC-SHA256 ");
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK1, Signature={sig}, SignedHeaders=host"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=A K, SignedHeaders=host, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK , SignedHeaders=host, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;host, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 access=AK, SignedHeaders=host, Signature={sig}"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={sig} "
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={sig}, X=1"
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={}",
            "A".repeat(64)
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={}",
            "a".repeat(63)
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={}",
            "a".repeat(65)
        ));
        bad(&format!(
            "SDK-HMAC-SHA256 Access={}, SignedHeaders=host, Signature={sig}",
            "k".repeat(257)
        ));
        let many: Vec<String> = (0..65).map(|i| format!("h{i}")).collect();
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders={}, Signature={sig}",
            many.join(";")
        ));
        let exactly64 = &many[..64].join(";");
        assert!(parse_authorization(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders={exactly64}, Signature={sig}"
        ))
        .is_ok());
        bad(&format!(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders={}, Signature={sig}",
            "h".repeat(4097)
        ));
        assert!(matches!(
            parse_authorization("Bearer abc"),
            Err(SignError::UnsupportedAlgorithm(a)) if a == "Bearer"
        ));
        assert!(matches!(
            parse_authorization("SDK-HMAC-SM3 Access=AK"),
            Err(SignError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            parse_authorization("SDK-HMAC-SHA256X Access=AK"),
            Err(SignError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            parse_authorization(""),
            Err(SignError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn plain_paths_take_the_short_way_to_the_same_form() {
        for path in [
            "",
            "/",
            "/v2/abc/pools",
            "/v2/abc/pools/",
            "a.b-c_d~e/f",
            "//x//",
        ] {
            assert_eq!(canonical_uri(path), canonical_uri_decoded(path), "{path:?}");
        }
    }

    #[test]
    fn canonical_request_errors() {
        let headers = [
            ("Host", "h"),
            ("host", "h2"),
            ("X-Sdk-Date", "20240102T030405Z"),
        ];
        let parts = RequestParts {
            method: "get",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            canonical_request(&parts, &["x-missing"]),
            Err(SignError::MissingSignedHeader("x-missing".into()))
        );
        assert_eq!(
            canonical_request(&parts, &["host"]),
            Err(SignError::DuplicateHeader("host".into()))
        );
        assert_eq!(
            canonical_request(&parts, &["x-sdk-date"]).unwrap(),
            format!("GET\n/\n\nx-sdk-date:20240102T030405Z\n\nx-sdk-date\n{EMPTY_PAYLOAD_SHA256}")
        );
    }
}
