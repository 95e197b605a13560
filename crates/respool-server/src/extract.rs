//! Request decoding that fails with ModelArts errors saying what and where.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body accepted.
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON body decoded into `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        check_content_type(&req)?;
        let bytes = body_bytes(req).await?;
        decode_json(&bytes).map(JsonBody)
    }
}

/// A JSON body decoded into `T`, or `None` when the request has none.
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        check_content_type(&req)?;
        let bytes = body_bytes(req).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(None));
        }
        decode_json(&bytes).map(|b| OptionalJsonBody(Some(b)))
    }
}

/// Only JSON media types (or none) are bodies this API reads.
fn check_content_type(req: &Request) -> Result<(), ApiError> {
    let Some(ct) = req.headers().get(CONTENT_TYPE) else {
        return Ok(());
    };
    let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or_default().trim();
    if essence == "application/json"
        || essence == "application/merge-patch+json"
        || essence.is_empty()
    {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "unsupported Content-Type {essence:?}: send application/json or application/merge-patch+json"
        )))
    }
}

pub async fn body_bytes(req: Request) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(MAX_BODY))
}

/// Decodes JSON, naming the field path and the line and column of a mistake.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty; a JSON object is required",
        ));
    }
    // Every body this API reads is a JSON object. Serde's derived structs also
    // accept an array of their fields in order (`[null, null]`); refuse that.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::bad_request(
            "invalid JSON body: expected a JSON object, found an array",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let place = if path.is_empty() || path == "." {
            String::new()
        } else {
            format!(" at {path}")
        };
        ApiError::bad_request(format!("invalid JSON body{place}: {inner}"))
    })
}

/// Query parameters decoded into `T`; unknown parameters are ignored.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(QueryParams)
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))
    }
}

/// Path parameters decoded into `T`.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParams(p.0))
            .map_err(|e| ApiError::bad_request(format!("invalid path: {}", e.body_text())))
    }
}

/// The `labelSelector` query parameter; absent or empty selects everything.
pub fn label_selector(raw: Option<&str>) -> Result<respool_core::selector::Selector, ApiError> {
    respool_core::selector::Selector::parse(raw.unwrap_or_default())
        .map_err(|e| ApiError::bad_request(format!("invalid labelSelector: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Two {
        a: Option<String>,
        b: Option<u32>,
    }

    fn message(r: Result<Two, ApiError>) -> String {
        match r {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    /// Found by fuzzing the API: `PUT /v1/{p}/workspaces/0` with the body
    /// `[null, null]` was accepted as a struct given as a sequence.
    #[test]
    fn arrays_are_not_objects() {
        for body in ["[null, null]", " \n[]", "[\"x\", 1]"] {
            let m = message(decode_json(body.as_bytes()));
            assert!(m.contains("expected a JSON object"), "{body}: {m}");
        }
        assert!(decode_json::<Two>(br#"{"a":"x","b":1}"#).is_ok());
        assert!(decode_json::<serde_json::Value>(b"[1]").is_err());
    }

    #[test]
    fn other_non_objects_are_400s() {
        for body in [
            "",
            "  ",
            "null",
            "1",
            "\"s\"",
            "{",
            "{\"b\":-1}",
            "\u{feff}{}",
        ] {
            message(decode_json(body.as_bytes()));
        }
    }
}
