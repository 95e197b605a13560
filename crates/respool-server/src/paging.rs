//! Kubernetes-style paging: `limit` and `continue` in, `metadata.continue`
//! and `metadata.remainingItemCount` out. A token is opaque to clients: the
//! position after the last item of the page, with the kind of list it
//! belongs to, as base64url-encoded JSON. A token that does not decode, or
//! belongs to another list, is a 400.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use respool_api_types::ListMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The largest (and default) page of every paged list.
pub const MAX_PAGE: usize = 500;

/// `limit`: 1 to 500; 0 or absent means 500.
pub fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw.filter(|s| !s.is_empty()) else {
        return Ok(MAX_PAGE);
    };
    match raw.parse::<usize>() {
        Ok(0) => Ok(MAX_PAGE),
        Ok(n) if n <= MAX_PAGE => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "invalid limit {raw:?}: use an integer from 0 to {MAX_PAGE}"
        ))),
    }
}

#[derive(Serialize, Deserialize)]
struct Token<T> {
    /// Which list the token belongs to.
    k: String,
    /// The position of the last item served.
    a: T,
}

/// The token that continues list `kind` after `after`.
pub fn encode<T: Serialize>(kind: &str, after: &T) -> String {
    let token = Token {
        k: kind.to_owned(),
        a: after,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).expect("a cursor serializes"))
}

/// The position a `continue` parameter of list `kind` names; `None` when
/// the parameter is absent or empty (the first page).
pub fn decode<T: DeserializeOwned>(kind: &str, token: Option<&str>) -> Result<Option<T>, ApiError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Token<T>>(&bytes).ok())
        .filter(|t| t.k == kind)
        .map(|t| Some(t.a))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid continue token: use metadata.continue of the previous page unchanged",
            )
        })
}

/// The list metadata of a page: a token and the count of items after the
/// page when there are any, nothing on the last page.
pub fn list_meta<T: Serialize>(kind: &str, next: Option<&T>, remaining: usize) -> ListMeta {
    match next {
        Some(after) if remaining > 0 => ListMeta {
            continue_token: Some(encode(kind, after)),
            remaining_item_count: Some(remaining as u64),
        },
        _ => ListMeta::default(),
    }
}

/// One page of a list already filtered and sorted by `key`: up to `limit`
/// items after `after`, with the metadata that leads to the next page.
pub fn page<T, K>(
    kind: &str,
    items: Vec<T>,
    key: impl Fn(&T) -> K,
    after: Option<&K>,
    limit: usize,
) -> (Vec<T>, ListMeta)
where
    K: Ord + Serialize,
{
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|item| after.is_none_or(|a| key(item) > *a))
        .collect();
    let remaining = rest.len().saturating_sub(limit);
    rest.truncate(limit);
    let next = rest.last().map(&key);
    let meta = list_meta(kind, next.as_ref(), remaining);
    (rest, meta)
}

/// An optional numeric query parameter; empty counts as absent.
pub(crate) fn number<T: std::str::FromStr>(
    what: &str,
    raw: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            ApiError::bad_request(format!("invalid {what} {s:?}: use a non-negative integer"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let t = encode("nodes", &(42_i64, "os-node-created-abcde"));
        let back: Option<(i64, String)> = decode("nodes", Some(&t)).unwrap();
        assert_eq!(back, Some((42, "os-node-created-abcde".to_owned())));
        assert_eq!(decode::<String>("nodes", None).unwrap(), None);
        assert_eq!(decode::<String>("nodes", Some("")).unwrap(), None);
        assert!(decode::<String>("nodes", Some("not a token!")).is_err());
        assert!(decode::<String>("nodes", Some(&URL_SAFE_NO_PAD.encode(b"{}"))).is_err());
        // A token of another list is refused.
        assert!(decode::<(i64, String)>("networks", Some(&t)).is_err());
        // A token of the right list but the wrong shape too.
        assert!(decode::<String>("nodes", Some(&t)).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).unwrap(), 500);
        assert_eq!(parse_limit(Some("")).unwrap(), 500);
        assert_eq!(parse_limit(Some("0")).unwrap(), 500);
        assert_eq!(parse_limit(Some("7")).unwrap(), 7);
        assert_eq!(parse_limit(Some("500")).unwrap(), 500);
        assert!(parse_limit(Some("501")).is_err());
        assert!(parse_limit(Some("-1")).is_err());
        assert!(parse_limit(Some("x")).is_err());
    }

    #[test]
    fn pages_walk_the_whole_list() {
        let items: Vec<u32> = (1..=7).collect();
        let (first, meta) = page("n", items.clone(), |i| *i, None, 3);
        assert_eq!(first, [1, 2, 3]);
        assert_eq!(meta.remaining_item_count, Some(4));
        let after: Option<u32> = decode("n", meta.continue_token.as_deref()).unwrap();
        let (second, meta) = page("n", items.clone(), |i| *i, after.as_ref(), 3);
        assert_eq!(second, [4, 5, 6]);
        let after: Option<u32> = decode("n", meta.continue_token.as_deref()).unwrap();
        let (last, meta) = page("n", items, |i| *i, after.as_ref(), 3);
        assert_eq!(last, [7]);
        assert_eq!(meta, ListMeta::default());
    }
}
