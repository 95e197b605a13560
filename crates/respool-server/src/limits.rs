//! Bounds on what one request may ask of the server: URL and header sizes,
//! and time.

use std::time::Duration;

use axum::extract::Request;

use crate::error::ApiError;

pub const MAX_URI: usize = 8 * 1024;
pub const MAX_HEADERS_BYTES: usize = 32 * 1024;
pub const MAX_HEADERS: usize = 100;
/// A request that takes longer is answered 503 and its work abandoned.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Refuses a request whose URI or headers are larger than the limits.
pub fn check(req: &Request) -> Result<(), ApiError> {
    // The length of the URI as written out (`scheme://authority` and the
    // path and query), without writing it out on every request.
    let uri = req.uri();
    let uri_len = uri.scheme_str().map_or(0, |s| s.len() + "://".len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI {
        return Err(ApiError::UriTooLong(MAX_URI));
    }
    let headers = req.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADERS_BYTES {
        return Err(ApiError::HeadersTooLarge(MAX_HEADERS, MAX_HEADERS_BYTES));
    }
    Ok(())
}
