//! What a console handler takes from a request: the signed-in session, a
//! posted form whose CSRF token is right, and whether only the page's live
//! part is asked for.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use respool_core::time::wall_ms;

use crate::session::{self, Principal, Session};
use crate::Console;

/// The most a console form may send.
const FORM_LIMIT: usize = 64 * 1024;

pub const SIGN_IN: &str = "/console/sign-in";

/// Where a request without a valid session goes.
pub fn to_sign_in() -> Response {
    Redirect::to(SIGN_IN).into_response()
}

impl FromRequestParts<Console> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Console) -> Result<Self, Response> {
        match console.session_of(&parts.headers).await {
            Some(s) => Ok(s),
            None => Err(to_sign_in()),
        }
    }
}

/// The values of every `Cookie` header named `name`.
pub fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(move |h| session::cookie_value(h, name))
}

impl Console {
    /// The session of a request, if it is sealed by this server, unexpired,
    /// not signed out, and its principal may still use its project.
    pub async fn session_of(&self, headers: &HeaderMap) -> Option<Session> {
        let now = wall_ms();
        let session =
            cookies(headers, session::COOKIE).find_map(|v| Session::unseal(v, self.secret()))?;
        if session.expires_ms <= now || self.signed_out.contains(&session) {
            return None;
        }
        self.still_allowed(&session, now).await.then_some(session)
    }

    /// A revoked access key or a removed user ends its sessions, as it ends
    /// its tokens.
    async fn still_allowed(&self, session: &Session, now: i64) -> bool {
        let store = self.app.store.as_ref();
        match &session.principal {
            Principal::AccessKey(ak) => match store.get_credential(ak).await {
                Ok(Some(c)) => !c.is_expired(now) && c.may_use(&session.project_id),
                _ => false,
            },
            Principal::User(name) => match store.get_user(name).await {
                Ok(Some(u)) => u.project_ids.contains(&session.project_id),
                _ => false,
            },
        }
    }
}

/// A posted form's fields, in order; a name may repeat (checkboxes).
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Option<Fields> {
        serde_urlencoded::from_bytes(body).ok().map(Fields)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The field's value, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default().trim()
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A posted form of a signed-in session whose CSRF token is right.
pub struct Posted {
    pub session: Session,
    pub fields: Fields,
}

/// The field every console form carries its CSRF token in.
pub const CSRF_FIELD: &str = "csrf";

impl FromRequest<Console> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, console: &Console) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, console).await?;
        let fields = read_form(body).await?;
        if !session.csrf_ok(console.secret(), fields.get(CSRF_FIELD)) {
            return Err(refused(
                StatusCode::FORBIDDEN,
                "This form is out of date or did not come from this console: reload the page and try again.",
            ));
        }
        Ok(Posted { session, fields })
    }
}

/// A form's fields, read within [`FORM_LIMIT`].
pub async fn read_form(body: axum::body::Body) -> Result<Fields, Response> {
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| refused(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."))?;
    Fields::parse(&bytes)
        .ok_or_else(|| refused(StatusCode::BAD_REQUEST, "The form could not be read."))
}

/// A plain-text refusal of the console's own.
pub fn refused(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

/// `fragment=1`: only the page's live part is asked for.
pub struct Fragment(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Fragment {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        Ok(Fragment(
            pairs.iter().any(|(k, v)| k == "fragment" && v == "1"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_all_kept() {
        let f = Fields::parse(b"node=a&node=b&action=lock&csrf=x").unwrap();
        assert_eq!(f.all("node").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(f.get("action"), Some("lock"));
        assert_eq!(f.text("missing"), "");
    }
}
