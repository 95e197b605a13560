//! Console sessions and CSRF tokens.
//!
//! A session is a cookie the server MACs with `app.token_secret` (the key of
//! IAM tokens, shared by replicas through the store), so every replica
//! accepts it without a session table. The CSRF token of its forms is
//! derived from it by MAC as well.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use respool_server::Caller;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The session cookie.
pub const COOKIE: &str = "respool_console";
/// The cookie that ties a sign-in form to the browser that asked for it.
pub const SIGN_IN_COOKIE: &str = "respool_console_sign_in";
/// How long a session lasts.
pub const LIFETIME_MS: i64 = 8 * 60 * 60 * 1000;

/// What each MAC is for: a value made for one purpose is no good for another
/// (nor is an IAM token, whose MAC covers its payload alone).
#[derive(Clone, Copy)]
enum Purpose {
    Session,
    Csrf,
    SignIn,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Session => b"respool-console-session\0",
            Purpose::Csrf => b"respool-console-csrf\0",
            Purpose::SignIn => b"respool-console-sign-in\0",
        }
    }
}

fn mac(secret: &[u8], purpose: Purpose, data: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    m.update(purpose.label());
    m.update(data);
    hex::encode(m.finalize().into_bytes())
}

fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum Principal {
    /// An IAM user, with a password.
    User(String),
    /// An access key, with its secret key.
    AccessKey(String),
}

impl Principal {
    pub fn name(&self) -> &str {
        match self {
            Principal::User(n) | Principal::AccessKey(n) => n,
        }
    }
}

/// A signed-in console user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Random; names the session when it is signed out.
    pub id: String,
    pub domain_id: String,
    pub principal: Principal,
    pub project_id: String,
    /// Wall-clock milliseconds (not the virtual clock).
    pub expires_ms: i64,
    /// The admin token was entered in this session. The token itself is
    /// never in the cookie.
    #[serde(default)]
    pub admin: bool,
}

impl Session {
    pub fn new(principal: Principal, domain_id: String, project_id: String, now_ms: i64) -> Self {
        Session {
            id: random_hex(),
            domain_id,
            principal,
            project_id,
            expires_ms: now_ms + LIFETIME_MS,
            admin: false,
        }
    }

    /// The caller the API's handlers see, as a token of this principal gives.
    pub fn caller(&self) -> Caller {
        let name = self.principal.name();
        Caller {
            principal: name.into(),
            domain_id: self.domain_id.as_str().into(),
            user: match &self.principal {
                Principal::User(n) => Some(n.as_str().into()),
                Principal::AccessKey(_) => None,
            },
        }
    }

    /// The cookie's value: the session and its MAC.
    pub fn seal(&self, secret: &[u8]) -> String {
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a session serializes"));
        let tag = mac(secret, Purpose::Session, payload.as_bytes());
        format!("{payload}.{tag}")
    }

    /// The session a cookie value holds, if the MAC is right. Expiry and
    /// sign-out are checked by the caller.
    pub fn unseal(value: &str, secret: &[u8]) -> Option<Session> {
        let (payload, tag) = value.split_once('.')?;
        if !same(&mac(secret, Purpose::Session, payload.as_bytes()), tag) {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The token every form of this session carries.
    pub fn csrf_token(&self, secret: &[u8]) -> String {
        mac(secret, Purpose::Csrf, self.id.as_bytes())
    }

    pub fn csrf_ok(&self, secret: &[u8], sent: Option<&str>) -> bool {
        sent.is_some_and(|t| same(&self.csrf_token(secret), t))
    }

    /// `Set-Cookie` for this session, valid until it expires.
    pub fn set_cookie(&self, secret: &[u8], now_ms: i64) -> HeaderValue {
        let max_age = ((self.expires_ms - now_ms) / 1000).max(0);
        cookie_header(COOKIE, &self.seal(secret), max_age)
    }
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie() -> HeaderValue {
    cookie_header(COOKIE, "", 0)
}

/// A sign-in form's token, bound to the random value of the browser's
/// sign-in cookie: a page of another site cannot sign a browser in.
pub fn sign_in_token(secret: &[u8], nonce: &str) -> String {
    mac(secret, Purpose::SignIn, nonce.as_bytes())
}

pub fn sign_in_ok(secret: &[u8], nonce: &str, sent: Option<&str>) -> bool {
    !nonce.is_empty() && sent.is_some_and(|t| same(&sign_in_token(secret, nonce), t))
}

/// `Set-Cookie` for a new sign-in cookie, and its value.
pub fn new_sign_in_cookie() -> (String, HeaderValue) {
    let nonce = random_hex();
    let header = cookie_header(SIGN_IN_COOKIE, &nonce, 3600);
    (nonce, header)
}

/// HttpOnly (scripts cannot read it), SameSite=Strict (no other site's page
/// sends it), and only under `/console`. Not `Secure`: respool is usually
/// served over plain HTTP on a loopback address.
fn cookie_header(name: &str, value: &str, max_age_s: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_s}"
    ))
    .expect("cookie values are base64url, hex and dots")
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// Sessions signed out before they expired, by id, until they expire.
/// In memory: another replica, or this one after a restart, still accepts
/// such a cookie until its expiry; the browser that signed out no longer
/// has it.
#[derive(Default)]
pub struct SignedOut(Mutex<HashMap<String, i64>>);

impl SignedOut {
    pub fn insert(&self, session: &Session, now_ms: i64) {
        let mut ids = self.0.lock().expect("signed-out lock");
        ids.retain(|_, expires| *expires > now_ms);
        ids.insert(session.id.clone(), session.expires_ms);
    }

    pub fn contains(&self, session: &Session) -> bool {
        self.0
            .lock()
            .expect("signed-out lock")
            .contains_key(&session.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(
            Principal::User("alice".into()),
            "d".into(),
            "p".into(),
            1_000,
        )
    }

    #[test]
    fn a_sealed_session_opens_with_its_key_only() {
        let s = session();
        let sealed = s.seal(b"key");
        assert_eq!(Session::unseal(&sealed, b"key"), Some(s));
        assert_eq!(Session::unseal(&sealed, b"other"), None);
    }

    #[test]
    fn a_changed_session_does_not_open() {
        let sealed = session().seal(b"key");
        let (payload, tag) = sealed.split_once('.').unwrap();
        let mut forged = session();
        forged.admin = true;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_ne!(forged_payload, payload);
        assert_eq!(
            Session::unseal(&format!("{forged_payload}.{tag}"), b"key"),
            None
        );
    }

    #[test]
    fn a_csrf_token_belongs_to_one_session() {
        let (a, b) = (session(), session());
        let token = a.csrf_token(b"key");
        assert!(a.csrf_ok(b"key", Some(&token)));
        assert!(!b.csrf_ok(b"key", Some(&token)));
        assert!(!a.csrf_ok(b"key", None));
        // Made for one purpose, a MAC is no good for another.
        assert!(!sign_in_ok(b"key", &a.id, Some(&token)));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let header = "a=1; respool_console=x.y; b=2";
        assert_eq!(cookie_value(header, COOKIE), Some("x.y"));
        assert_eq!(cookie_value(header, "c"), None);
    }
}
