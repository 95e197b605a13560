//! The one error type of the client, and how an error answer is read.

use std::time::Duration;

use serde_json::Value;

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error status. `error_code` and `error_msg`
    /// are read from the body exactly as the official SDK reads them (see
    /// [`Error::from_response`]); `request_id` is the `X-Request-Id` header.
    #[error("{error_code}: {error_msg} (HTTP {status}{})", request_id.as_deref().map(|id| format!(", request id {id}")).unwrap_or_default())]
    Api {
        status: u16,
        error_code: String,
        error_msg: String,
        request_id: Option<String>,
    },
    /// No connection could be made, or it broke before an answer arrived.
    #[error("cannot reach {endpoint}: {source}")]
    Connect {
        endpoint: String,
        #[source]
        source: reqwest::Error,
    },
    /// The request took longer than [`Config::timeout`](crate::Config::timeout).
    #[error("no answer from {endpoint} within {timeout:?}")]
    Timeout { endpoint: String, timeout: Duration },
    /// A success answer whose body is not what the API promises.
    #[error("unexpected answer to {method} {path} (HTTP {status}): {message}")]
    Decode {
        method: String,
        path: String,
        status: u16,
        message: String,
        body: String,
    },
    /// The request could not be signed (e.g. an access key with a comma in it).
    #[error("cannot sign the request: {0}")]
    Sign(#[from] respool_sign::SignError),
    /// Missing or invalid settings.
    #[error("{0}")]
    Config(String),
    /// A wait ended because the resource reached a phase it does not leave by itself.
    #[error("{kind} \"{name}\" is {phase}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    WaitFailed {
        kind: &'static str,
        name: String,
        phase: String,
        message: Option<String>,
    },
    /// A wait ran out of time.
    #[error("timed out after {waited:?} waiting for {kind} \"{name}\" to {condition} (last seen: {last})")]
    WaitTimeout {
        kind: &'static str,
        name: String,
        condition: String,
        waited: Duration,
        /// What the resource looked like last, e.g. `Creating, 1/3 nodes available`.
        last: String,
    },
    /// Any other transport failure.
    #[error("HTTP error: {0}")]
    Http(#[source] reqwest::Error),
}

impl Error {
    /// The HTTP status of an [`Error::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `error_code` of an [`Error::Api`], e.g. `ModelArts.50015001`.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api { error_code, .. } => Some(error_code),
            _ => None,
        }
    }

    /// The `error_msg` of an [`Error::Api`].
    pub fn error_msg(&self) -> Option<&str> {
        match self {
            Error::Api { error_msg, .. } => Some(error_msg),
            _ => None,
        }
    }

    /// The `X-Request-Id` of an [`Error::Api`], to quote in a bug report.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The service said 404: no such resource (or no such API).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Reads an error answer as `huaweicloudsdkcore` does: the first complete
    /// pair of `error_code`+`error_msg`, `errorCode`+`errorMsg` or
    /// `code`+`message` in the JSON object, else the same search in each nested
    /// object (so `{"error":{"code":..,"message":..}}` works); failing that, the
    /// status as the code and the raw body as the message.
    ///
    /// ```
    /// let e = respool_client::Error::from_response(
    ///     404,
    ///     Some("req-1".into()),
    ///     br#"{"error_code":"ModelArts.50015001","error_msg":"pool not found"}"#,
    /// );
    /// assert_eq!(e.error_code(), Some("ModelArts.50015001"));
    /// assert_eq!(e.request_id(), Some("req-1"));
    /// ```
    pub fn from_response(status: u16, request_id: Option<String>, body: &[u8]) -> Error {
        let text = String::from_utf8_lossy(body).into_owned();
        let found = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| find_error_pair(&v));
        let (error_code, error_msg) = found.unwrap_or_else(|| (status.to_string(), text));
        Error::Api {
            status,
            error_code,
            error_msg,
            request_id,
        }
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn find_error_pair(v: &Value) -> Option<(String, String)> {
    let obj = v.as_object()?;
    for (code, msg) in [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ] {
        if let (Some(c), Some(m)) = (
            obj.get(code).and_then(scalar_text),
            obj.get(msg).and_then(scalar_text),
        ) {
            return Some((c, m));
        }
    }
    obj.values()
        .filter(|v| v.is_object())
        .find_map(find_error_pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(body: &str) -> (String, String) {
        match Error::from_response(418, None, body.as_bytes()) {
            Error::Api {
                error_code,
                error_msg,
                ..
            } => (error_code, error_msg),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_bodies_are_read_like_the_sdk() {
        let p = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            pair(r#"{"error_code":"ModelArts.1","error_msg":"m"}"#),
            p("ModelArts.1", "m")
        );
        assert_eq!(pair(r#"{"errorCode":"E","errorMsg":"m"}"#), p("E", "m"));
        assert_eq!(
            pair(r#"{"error":{"code":"APIGW.0301","message":"bad"}}"#),
            p("APIGW.0301", "bad")
        );
        // An incomplete first pair does not win over a complete later one.
        assert_eq!(
            pair(r#"{"error_code":"X","errorCode":"Y","errorMsg":"z"}"#),
            p("Y", "z")
        );
        assert_eq!(pair("plain text"), p("418", "plain text"));
        assert_eq!(pair(r#"{"unrelated":1}"#), p("418", r#"{"unrelated":1}"#));
        assert_eq!(pair(""), p("418", ""));
    }

    #[test]
    fn display_names_code_message_status_and_request_id() {
        let e = Error::from_response(
            404,
            Some("abc".into()),
            br#"{"error_code":"ModelArts.50015001","error_msg":"pool \"x\" not found"}"#,
        );
        assert_eq!(
            e.to_string(),
            r#"ModelArts.50015001: pool "x" not found (HTTP 404, request id abc)"#
        );
        assert!(e.is_not_found());
        assert_eq!(e.error_msg(), Some("pool \"x\" not found"));
    }
}
