//! IAM tokens: `POST /v3/auth/tokens` issues them, the signature layer
//! accepts them as `X-Auth-Token`. A token is self-contained and MACed with
//! a secret kept in the store, so every replica can check it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use respool_core::identity::verify_password;
use respool_core::time::wall_ms;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::JsonBody;

/// How long a token lives, as IAM issues them.
const LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;
const PREFIX: &str = "MIIrespool";

/// What a token proves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub project_id: String,
    pub domain_id: String,
    pub user: String,
    pub access_key: Option<String>,
    pub expires_ms: i64,
}

pub fn issue(secret: &[u8], claims: &Claims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
    format!("{PREFIX}.{payload}.{}", mac(secret, &payload))
}

pub async fn verify(app: &AppState, token: &str) -> Result<Claims, &'static str> {
    let rest = token
        .strip_prefix(PREFIX)
        .and_then(|r| r.strip_prefix('.'))
        .ok_or("not a token")?;
    let (payload, tag) = rest.split_once('.').ok_or("not a token")?;
    let expected = mac(&app.token_secret, payload);
    if !constant_time_eq(expected.as_bytes(), tag.as_bytes()) {
        return Err("signature mismatch");
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| "not a token")?;
    let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| "not a token")?;
    if claims.expires_ms <= wall_ms() {
        return Err("the token has expired");
    }
    // A token issued to an access key dies with it.
    if let Some(ak) = &claims.access_key {
        let live = app
            .store
            .get_credential(ak)
            .await
            .map_err(|_| "database unavailable")?;
        if live.is_none() {
            return Err("the access key was revoked");
        }
    }
    Ok(claims)
}

fn mac(secret: &[u8], payload: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    m.update(payload.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Deserialize)]
pub struct TokenRequest {
    auth: AuthBody,
}

#[derive(Deserialize)]
struct AuthBody {
    identity: Identity,
    scope: Option<Scope>,
}

#[derive(Deserialize)]
struct Identity {
    methods: Vec<String>,
    hw_ak_sk: Option<AkSk>,
    password: Option<PasswordMethod>,
}

#[derive(Deserialize)]
struct AkSk {
    access: Key,
    secret: Key,
}

#[derive(Deserialize)]
struct Key {
    key: String,
}

#[derive(Deserialize)]
struct PasswordMethod {
    user: PasswordUser,
}

#[derive(Deserialize)]
struct PasswordUser {
    name: String,
    password: String,
}

#[derive(Deserialize)]
struct Scope {
    project: Option<ProjectScope>,
}

#[derive(Deserialize)]
struct ProjectScope {
    id: Option<String>,
    name: Option<String>,
}

/// Who proved themselves, and which projects they may scope a token to.
struct Principal {
    user: String,
    domain_id: String,
    access_key: Option<String>,
    project_ids: Vec<String>,
}

/// `POST /v3/auth/tokens`
pub async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Response, ApiError> {
    let identity = req.auth.identity;
    let method = identity
        .methods
        .first()
        .map(String::as_str)
        .unwrap_or_default();
    let principal = match method {
        "hw_ak_sk" => {
            let aksk = identity
                .hw_ak_sk
                .ok_or_else(|| ApiError::bad_request("auth.identity.hw_ak_sk is required"))?;
            let credential = app.store.get_credential(&aksk.access.key).await?;
            match credential {
                Some(c)
                    if constant_time_eq(c.secret_key.as_bytes(), aksk.secret.key.as_bytes())
                        && !c.is_expired(wall_ms()) =>
                {
                    Principal {
                        user: c.access_key.clone(),
                        domain_id: c.domain_id,
                        access_key: Some(c.access_key),
                        project_ids: c.project_ids,
                    }
                }
                _ => {
                    return Err(ApiError::Unauthenticated(
                        "the access key or secret key is wrong".into(),
                    ))
                }
            }
        }
        "password" => {
            let p = identity
                .password
                .ok_or_else(|| ApiError::bad_request("auth.identity.password is required"))?;
            match app.store.get_user(&p.user.name).await? {
                Some(u) if verify_password(&p.user.password, &u.password_hash) => Principal {
                    user: u.name,
                    domain_id: u.domain_id,
                    access_key: None,
                    project_ids: u.project_ids,
                },
                _ => {
                    return Err(ApiError::Unauthenticated(
                        "the user name or password is wrong".into(),
                    ))
                }
            }
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "unsupported identity method {other:?}: use hw_ak_sk or password"
            )))
        }
    };
    let scope = req.auth.scope.and_then(|s| s.project);
    let project_id = match scope {
        Some(ProjectScope { id: Some(id), .. }) => id,
        // A project's name is its region's name; the principal's first project lives there.
        Some(ProjectScope {
            name: Some(name), ..
        }) if name == app.settings.region => {
            principal.project_ids.first().cloned().unwrap_or_default()
        }
        Some(ProjectScope {
            name: Some(name), ..
        }) => {
            return Err(ApiError::bad_request(format!(
                "unknown project name {name:?}"
            )));
        }
        _ => {
            return Err(ApiError::bad_request(
                "auth.scope.project.id or .name is required",
            ))
        }
    };
    if !principal.project_ids.contains(&project_id) {
        return Err(ApiError::Forbidden(format!(
            "no access to project {project_id:?}"
        )));
    }
    let now = wall_ms();
    let claims = Claims {
        project_id: project_id.clone(),
        domain_id: principal.domain_id.clone(),
        user: principal.user.clone(),
        access_key: principal.access_key,
        expires_ms: now + LIFETIME_MS,
    };
    let token = issue(&app.token_secret, &claims);
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let region = &app.settings.region;
    let body = json!({
        "token": {
            "methods": [method],
            "expires_at": iam_time(claims.expires_ms),
            "issued_at": iam_time(now),
            "user": {
                "id": principal.user,
                "name": principal.user,
                "domain": {"id": principal.domain_id, "name": principal.domain_id},
            },
            "project": {
                "id": project_id,
                "name": region,
                "domain": {"id": principal.domain_id, "name": principal.domain_id},
            },
            "roles": [{"id": "0", "name": "te_admin"}],
            "catalog": [{
                "type": "modelarts",
                "id": "modelarts",
                "name": "modelarts",
                "endpoints": [{
                    "id": "modelarts-public",
                    "interface": "public",
                    "region": region,
                    "region_id": region,
                    "url": format!("http://{host}"),
                }],
            }],
        }
    });
    Ok((
        StatusCode::CREATED,
        [("X-Subject-Token", token)],
        Json(body),
    )
        .into_response())
}

/// IAM's timestamp form: `2026-11-28T15:00:00.000000Z`.
fn iam_time(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}
