//! An answer read whole.

use serde_json::Value;

pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
    pub text: String,
}

impl Response {
    pub async fn from(r: reqwest::Response) -> Response {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    /// Asserts a ModelArts-shaped error with this status and code, and a request id.
    pub fn assert_error(&self, status: u16, code: &str) -> &str {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(self.body["error_code"], code, "body: {}", self.text);
        assert!(self.headers.contains_key("x-request-id"), "no X-Request-Id");
        self.body["error_msg"]
            .as_str()
            .expect("error_msg is a string")
    }
}
