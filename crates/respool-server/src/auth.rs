//! The signature layer: establishes who is calling (AK/SK signature or IAM
//! token) and that they may act on the project in the path, before any
//! handler runs.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderMap;
use respool_core::identity::is_valid_project_id;
use respool_core::time::wall_ms;
use respool_sign::{parse_authorization, verify_with, RequestParts, SignError, SigningKey};

use crate::app::{AppState, AuthMode};
use crate::error::ApiError;
use crate::extract::body_bytes;
use crate::tokens;

/// How far `X-Sdk-Date` may be from the server's clock, as the API gateway allows.
const DATE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// The authenticated caller, for handlers.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who is calling, for throttling: the access key, the token's user, or `anonymous`.
    pub principal: Arc<str>,
    pub domain_id: Arc<str>,
    /// The IAM user of a password token; `None` for the account's own keys.
    pub user: Option<Arc<str>>,
}

/// A secret key used to verify requests with unknown access keys, so that
/// their answers take as long as those of known keys.
static DECOY_KEY: std::sync::LazyLock<SigningKey> =
    std::sync::LazyLock::new(|| SigningKey::new(b"respool-decoy-secret-key-0000000000000000"));

/// Who is calling: the request, carrying its [`Caller`], or why it is refused.
pub(crate) async fn authenticate(app: &AppState, req: Request) -> Result<Request, ApiError> {
    let path = req.uri().path().to_owned();
    let Some(project_id) = api_project(&path) else {
        // Not a project-scoped API (health, OpenAPI, IAM): nothing to check here.
        return Ok(req);
    };
    if !is_valid_project_id(&project_id) {
        return Err(ApiError::bad_request(format!(
            "invalid project_id {project_id:?} in the path: use the project id of your credentials"
        )));
    }
    // A request built inside this process (the console's call to the API)
    // carries its caller already. Extensions cannot come from the wire, so
    // no client can claim one; the project was checked when that caller
    // signed in.
    if let Some(caller) = req.extensions().get::<Caller>() {
        throttle(app, caller)?;
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let body = body_bytes(Request::new(body)).await?;
    let outcome = match app.settings.auth {
        AuthMode::Off => Ok(anonymous(app)),
        _ => identify(app, &parts, &body, &project_id).await,
    };
    let caller = match (outcome, app.settings.auth) {
        (Ok(caller), _) => caller,
        (Err(failure), AuthMode::Log) => {
            tracing::info!(
                method = %parts.method,
                path = %parts.uri.path(),
                reason = %failure.error,
                "authentication failed; serving anyway (--auth log)"
            );
            if let Some((canonical_request, string_to_sign)) = failure.debug {
                let canonical_request = redact_tokens(&canonical_request);
                tracing::debug!(%canonical_request, %string_to_sign, "what the server computed");
            }
            anonymous(app)
        }
        (Err(failure), _) => return Err(failure.error),
    };
    throttle(app, &caller)?;
    let mut req = Request::from_parts(parts, Body::from(body));
    req.extensions_mut().insert(caller);
    Ok(req)
}

fn throttle(app: &AppState, caller: &Caller) -> Result<(), ApiError> {
    match &app.rate_limiter {
        Some(limiter) if !limiter.allow(&caller.principal) => {
            Err(ApiError::Throttled(limiter.limit().per_second))
        }
        _ => Ok(()),
    }
}

/// A refusal, with what the server computed when a signature did not match.
struct Failure {
    error: ApiError,
    debug: Option<(String, String)>,
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure { error, debug: None }
    }
}

fn anonymous(app: &AppState) -> Caller {
    Caller {
        principal: "anonymous".into(),
        domain_id: app.settings.default_domain_id.as_str().into(),
        user: None,
    }
}

fn unauthenticated(reason: impl Into<String>) -> Failure {
    ApiError::Unauthenticated(reason.into()).into()
}

async fn identify(
    app: &AppState,
    parts: &axum::http::request::Parts,
    body: &[u8],
    project_id: &str,
) -> Result<Caller, Failure> {
    let headers = &parts.headers;
    if let Some(claimed) = single_header(headers, "x-project-id")? {
        if claimed != project_id {
            return Err(ApiError::Forbidden(format!(
                "X-Project-Id {claimed:?} does not match the project in the path"
            ))
            .into());
        }
    }
    if let Some(token) = single_header(headers, "x-auth-token")? {
        let claims = tokens::verify(app, token)
            .await
            .map_err(|e| unauthenticated(format!("invalid token: {e}")))?;
        if claims.project_id != project_id {
            return Err(
                ApiError::Forbidden("the token is scoped to another project".into()).into(),
            );
        }
        let user = claims
            .access_key
            .is_none()
            .then(|| claims.user.as_str().into());
        return Ok(Caller {
            principal: claims.access_key.unwrap_or(claims.user).into(),
            domain_id: claims.domain_id.into(),
            user,
        });
    }
    let Some(authorization) = single_header(headers, "authorization")? else {
        return Err(unauthenticated(
            "no credentials: sign the request with SDK-HMAC-SHA256 or send X-Auth-Token",
        ));
    };
    let auth = parse_authorization(authorization).map_err(|e| unauthenticated(e.to_string()))?;
    // Host need not be signed: the golangsdk (Terraform) never signs it, as
    // Go keeps Host out of the header map it signs; the API gateway accepts that.
    for required in ["x-sdk-date"] {
        if !auth.signed_headers.contains(&required) {
            return Err(unauthenticated(format!(
                "the signature must cover the {required} header"
            )));
        }
    }
    let credential = app
        .credentials
        .get(app.store.as_ref(), auth.access_key)
        .await
        .map_err(ApiError::from)?;
    let now = wall_ms();
    let key = credential.as_ref().map_or(&*DECOY_KEY, |c| &c.key);
    // Values are UTF-8 on the wire when they are not ASCII (the SDK signs them so).
    let values: Vec<(&str, std::borrow::Cow<'_, str>)> = headers
        .iter()
        .map(|(k, v)| {
            let value = std::str::from_utf8(v.as_bytes()).map_or_else(
                |_| String::from_utf8_lossy(v.as_bytes()),
                std::borrow::Cow::Borrowed,
            );
            (k.as_str(), value)
        })
        .collect();
    let header_list: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    let request = RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers: &header_list,
        body,
    };
    let verified = verify_with(&request, &auth, key);
    let Some(known) = credential else {
        return Err(unauthenticated("unknown access key"));
    };
    let credential = &known.credential;
    let verified = verified.map_err(|e| match e {
        SignError::SignatureMismatch {
            canonical_request,
            string_to_sign,
        } => Failure {
            error: ApiError::Unauthenticated(
                "verify aksk signature fail: signature mismatch".into(),
            ),
            debug: Some((canonical_request, string_to_sign)),
        },
        other => unauthenticated(other.to_string()),
    })?;
    // `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (what the SDKs send for a body
    // that is not application/json, such as merge-patch+json) leaves the body
    // out of the signature; the gateway accepts it, and so does respool.
    if (verified.sdk_date * 1000 - now).abs() > DATE_WINDOW_MS {
        return Err(unauthenticated(
            "X-Sdk-Date is out of range: it must be within 15 minutes of the server time",
        ));
    }
    if credential.is_expired(now) {
        return Err(unauthenticated("the credential has expired"));
    }
    if let Some(expected) = &credential.security_token {
        let sent = single_header(headers, "x-security-token")?;
        if sent != Some(expected.as_str()) || !auth.signed_headers.contains(&"x-security-token") {
            return Err(unauthenticated(
                "temporary credentials need their signed X-Security-Token",
            ));
        }
    }
    if !credential.may_use(project_id) {
        return Err(ApiError::Forbidden(format!(
            "the access key may not use project {project_id:?}"
        ))
        .into());
    }
    Ok(Caller {
        principal: known.access_key.clone(),
        domain_id: known.domain_id.clone(),
        user: None,
    })
}

/// The canonical request with the values of token headers blanked: they
/// are credentials, and logs are not the place for them.
fn redact_tokens(canonical_request: &str) -> String {
    canonical_request
        .lines()
        .map(|line| match line.split_once(':') {
            Some((name, _)) if name == "x-security-token" || name == "x-auth-token" => {
                format!("{name}:<redacted>")
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A header that may appear at most once, as text.
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Failure> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(unauthenticated(format!(
            "header {name} appears more than once"
        )));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| unauthenticated(format!("header {name} is not visible ASCII")))
}

/// The project of a `/v1/{project_id}/...` or `/v2/{project_id}/...` path.
pub fn api_project(path: &str) -> Option<String> {
    let rest = path
        .strip_prefix("/v1/")
        .or_else(|| path.strip_prefix("/v2/"))?;
    let raw = rest.split('/').next()?;
    Some(
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_values_never_reach_the_log() {
        let canonical = "GET\n/v2/p/pools/\n\nhost:h\nx-auth-token:tok123\nx-security-token:sts456\nx-sdk-date:d\n";
        let shown = redact_tokens(canonical);
        assert!(
            !shown.contains("tok123") && !shown.contains("sts456"),
            "{shown}"
        );
        assert!(shown.contains("host:h") && shown.contains("x-security-token:<redacted>"));
    }

    #[test]
    fn project_of_api_paths() {
        assert_eq!(api_project("/v2/abc/pools").as_deref(), Some("abc"));
        assert_eq!(api_project("/v1/abc").as_deref(), Some("abc"));
        assert_eq!(
            api_project("/v2/%7Bproject_id%7D/pools").as_deref(),
            Some("{project_id}")
        );
        assert_eq!(api_project("/healthz"), None);
        assert_eq!(api_project("/v3/auth/tokens"), None);
    }
}
