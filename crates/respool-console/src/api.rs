//! Calls to the API from inside the process: a request to the same router
//! the wire reaches, carrying the session's `Caller` in its extensions (the
//! signature layer takes it as proven), so the API's validation, answers
//! and errors are the console's.

use axum::body::Body;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use axum::http::{Method, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use respool_api_types::ErrorBody;
use respool_server::AppState;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt;

use crate::session::Session;

/// The most an answer may hold; far above any list the pages show.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// What a path segment keeps as it is (RFC 3986 unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An API call that did not succeed, as the API put it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    /// The API's `error_msg`.
    pub message: String,
}

impl Failure {
    /// The status a page showing this failure answers with: the API's, when
    /// it was the request's fault; otherwise the page itself was served.
    pub fn page_status(&self) -> StatusCode {
        if self.status.is_client_error() {
            self.status
        } else {
            StatusCode::OK
        }
    }
}

/// The API router, as the wire reaches it.
#[derive(Clone)]
pub struct Api {
    router: Router,
    admin_token: Option<String>,
}

impl Api {
    pub fn new(app: &AppState) -> Api {
        Api {
            router: respool_server::router(app.clone()),
            admin_token: app.settings.admin_token.clone(),
        }
    }

    /// Whether the server has an admin API.
    pub fn has_admin(&self) -> bool {
        self.admin_token.is_some()
    }

    /// `GET` an object of the session's project, decoded as `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        session: &Session,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Failure> {
        let req = request(Method::GET, path, query, None);
        decode(self.as_caller(session, req).await).await
    }

    /// A change (`POST`, `PATCH`, `DELETE`) with a JSON body.
    pub async fn send(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let req = request(method, path, &[], body);
        decode(self.as_caller(session, req).await).await
    }

    /// A call to the admin API, with the server's admin token.
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let Some(token) = &self.admin_token else {
            return Err(Failure {
                status: StatusCode::NOT_FOUND,
                message: "this server has no admin API: start it with RESPOOL_ADMIN_TOKEN".into(),
            });
        };
        let mut req = request(method, path, query, body);
        let bearer = format!("Bearer {token}").parse().map_err(|_| Failure {
            status: StatusCode::BAD_REQUEST,
            message: "the admin token is not a valid header value".into(),
        })?;
        req.headers_mut().insert(AUTHORIZATION, bearer);
        decode(self.call(req).await).await
    }

    /// A watch of the API (`watch=true`): its event stream, as it comes.
    pub async fn watch(
        &self,
        session: &Session,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Body, Failure> {
        let mut query = query.to_vec();
        query.push(("watch", "true"));
        let mut req = request(Method::GET, path, &query, None);
        req.headers_mut()
            .insert(ACCEPT, "text/event-stream".parse().expect("a valid header"));
        let res = self.as_caller(session, req).await;
        if !res.status().is_success() {
            return Err(failure(res).await);
        }
        let streams = res
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !streams {
            return Err(Failure {
                status: StatusCode::NOT_FOUND,
                message: format!("the API has no change feed at {path}"),
            });
        }
        Ok(res.into_body())
    }

    async fn as_caller(&self, session: &Session, mut req: Request<Body>) -> Response {
        req.extensions_mut().insert(session.caller());
        self.call(req).await
    }

    async fn call(&self, req: Request<Body>) -> Response {
        match self.router.clone().oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        }
    }
}

/// `/{version}/{project_id}/{segments...}`, each segment escaped.
pub fn project_path(session: &Session, version: &str, segments: &[&str]) -> String {
    let mut path = format!("/{version}/{}", encode(&session.project_id));
    for s in segments {
        path.push('/');
        path.push_str(&encode(s));
    }
    path
}

/// `/_respool/{segments...}`, each segment escaped.
pub fn admin_path(segments: &[&str]) -> String {
    let mut path = String::from("/_respool");
    for s in segments {
        path.push('/');
        path.push_str(&encode(s));
    }
    path
}

/// A path segment, escaped.
pub fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

fn request(
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Request<Body> {
    let uri = if query.is_empty() {
        path.to_owned()
    } else {
        let q = serde_urlencoded::to_string(query).expect("pairs of text encode");
        format!("{path}?{q}")
    };
    let mut builder = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(v) => {
            builder = builder.header(CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(v).expect("JSON values serialize"))
        }
        None => Body::empty(),
    };
    builder.body(body).expect("escaped paths make valid URIs")
}

async fn decode<T: DeserializeOwned>(res: Response) -> Result<T, Failure> {
    if !res.status().is_success() {
        return Err(failure(res).await);
    }
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), MAX_ANSWER)
        .await
        .map_err(|e| Failure {
            status: StatusCode::BAD_GATEWAY,
            message: format!("the API's answer could not be read: {e}"),
        })?;
    serde_json::from_slice(&bytes).map_err(|e| Failure {
        status,
        message: format!("the API's answer is not what the console expects: {e}"),
    })
}

async fn failure(res: Response) -> Failure {
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), MAX_ANSWER)
        .await
        .unwrap_or_default();
    let message = match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(e) => e.error_msg,
        Err(_) => status
            .canonical_reason()
            .unwrap_or("the API refused the request")
            .to_owned(),
    };
    Failure { status, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Principal;

    #[test]
    fn path_segments_are_escaped() {
        let s = Session::new(Principal::User("u".into()), "d".into(), "p1".into(), 0);
        assert_eq!(
            project_path(&s, "v2", &["pools", "a/b?c", "nodes"]),
            "/v2/p1/pools/a%2Fb%3Fc/nodes"
        );
        assert_eq!(admin_path(&["faults", "x y"]), "/_respool/faults/x%20y");
    }
}
