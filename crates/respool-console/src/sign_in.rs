//! Signing in (an IAM user's password, or an access key and its secret key)
//! and out. The checks are those of `POST /v3/auth/tokens`: the same store
//! records, the same password hash, the same project rule.

use std::sync::LazyLock;

use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use respool_core::identity::{hash_password, is_valid_project_id, verify_password};
use respool_core::time::wall_ms;
use subtle::ConstantTimeEq;

use crate::extract::{cookies, read_form, refused, Fields, Posted, CSRF_FIELD, SIGN_IN};
use crate::pages::{layout, Section};
use crate::session::{self, Principal, Session};
use crate::Console;

/// Checked when the user name is unknown, so that an answer takes as long
/// whether or not the user exists.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("respool-console-decoy"));

/// What the form sent, kept to fill the form again after a refusal.
#[derive(Default)]
struct Attempt {
    method: String,
    project: String,
    name: String,
}

/// `GET /console/sign-in`
pub async fn form(State(console): State<Console>, headers: HeaderMap) -> Response {
    let (nonce, set_cookie) = match cookies(&headers, session::SIGN_IN_COOKIE).next() {
        Some(n) => (n.to_owned(), None),
        None => {
            let (n, header) = session::new_sign_in_cookie();
            (n, Some(header))
        }
    };
    let page = page(&console, &nonce, &Attempt::default(), None);
    match set_cookie {
        Some(c) => ([(SET_COOKIE, c)], page).into_response(),
        None => page.into_response(),
    }
}

/// `POST /console/sign-in`
pub async fn submit(State(console): State<Console>, req: Request) -> Response {
    let nonce = cookies(req.headers(), session::SIGN_IN_COOKIE)
        .next()
        .unwrap_or_default()
        .to_owned();
    let fields = match read_form(req.into_body()).await {
        Ok(f) => f,
        Err(refusal) => return refusal,
    };
    if !session::sign_in_ok(console.secret(), &nonce, fields.get(CSRF_FIELD)) {
        return refused(
            StatusCode::FORBIDDEN,
            "This sign-in form is out of date or did not come from this console: open the sign-in page again.",
        );
    }
    let attempt = Attempt {
        method: fields.text("method").to_owned(),
        project: fields.text("project").to_owned(),
        name: fields.text("name").to_owned(),
    };
    match check(&console, &attempt, &fields).await {
        Ok(session) => {
            let now = wall_ms();
            let mut res = Redirect::to("/console/pools").into_response();
            let headers = res.headers_mut();
            headers.append(SET_COOKIE, session.set_cookie(console.secret(), now));
            res
        }
        Err((status, message)) => {
            let page = page(&console, &nonce, &attempt, Some(message));
            (status, page).into_response()
        }
    }
}

/// The session the form proves, or why not.
async fn check(
    console: &Console,
    attempt: &Attempt,
    fields: &Fields,
) -> Result<Session, (StatusCode, &'static str)> {
    let store = console.app.store.as_ref();
    let unavailable = (
        StatusCode::OK,
        "The identity could not be checked: the database did not answer. Try again.",
    );
    let (principal, domain_id, may_use) = match attempt.method.as_str() {
        "password" => {
            let user = store
                .get_user(&attempt.name)
                .await
                .map_err(|_| unavailable)?;
            let hash = user
                .as_ref()
                .map_or_else(|| DECOY_HASH.clone(), |u| u.password_hash.clone());
            let password = fields.get("password").unwrap_or_default().to_owned();
            // PBKDF2 keeps a core busy for a while: off the async workers.
            let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .unwrap_or(false);
            match user {
                Some(u) if matches => (Principal::User(u.name), u.domain_id, u.project_ids),
                _ => {
                    return Err((
                        StatusCode::UNAUTHORIZED,
                        "The user name or password is wrong.",
                    ))
                }
            }
        }
        "access-key" => {
            let credential = store
                .get_credential(&attempt.name)
                .await
                .map_err(|_| unavailable)?;
            let secret = fields.get("secret").unwrap_or_default().as_bytes();
            match credential {
                Some(c)
                    if bool::from(c.secret_key.as_bytes().ct_eq(secret))
                        && !c.is_expired(wall_ms()) =>
                {
                    (
                        Principal::AccessKey(c.access_key),
                        c.domain_id,
                        c.project_ids,
                    )
                }
                _ => {
                    return Err((
                        StatusCode::UNAUTHORIZED,
                        "The access key or secret key is wrong.",
                    ))
                }
            }
        }
        _ => return Err((StatusCode::BAD_REQUEST, "Choose how to sign in.")),
    };
    if !is_valid_project_id(&attempt.project) {
        return Err((
            StatusCode::BAD_REQUEST,
            "The project id is not valid: use the project id of your credentials.",
        ));
    }
    if !may_use.contains(&attempt.project) {
        return Err((
            StatusCode::FORBIDDEN,
            "These credentials may not use that project.",
        ));
    }
    Ok(Session::new(
        principal,
        domain_id,
        attempt.project.clone(),
        wall_ms(),
    ))
}

/// `POST /console/sign-out`: the cookie goes, and the session id is
/// remembered as signed out until it would have expired.
pub async fn sign_out(State(console): State<Console>, posted: Posted) -> Response {
    console.signed_out.insert(&posted.session, wall_ms());
    let mut res = Redirect::to(SIGN_IN).into_response();
    res.headers_mut()
        .insert(SET_COOKIE, session::clear_cookie());
    res
}

fn page(console: &Console, nonce: &str, attempt: &Attempt, error: Option<&str>) -> Markup {
    let token = session::sign_in_token(console.secret(), nonce);
    let main = html! {
        h1 { "Sign in" }
        @if let Some(e) = error {
            p class="alert" role="alert" { (e) }
        }
        div class="columns" {
            section aria-labelledby="with-password" {
                h2 id="with-password" { "With a user name and password" }
                p class="hint" { "Users are made with " code { "respool users create" } "." }
                form method="post" action=(SIGN_IN) class="stacked" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    input type="hidden" name="method" value="password";
                    (project_field("user-project", attempt))
                    label for="user-name" { "User name" }
                    input id="user-name" name="name" autocomplete="username" required
                        value=(if attempt.method == "password" { attempt.name.as_str() } else { "" });
                    label for="user-password" { "Password" }
                    input id="user-password" name="password" type="password" autocomplete="current-password" required;
                    button type="submit" { "Sign in" }
                }
            }
            section aria-labelledby="with-key" {
                h2 id="with-key" { "With an access key" }
                p class="hint" { "The key " code { "respool serve" } " printed, or one of " code { "respool credentials list" } "." }
                form method="post" action=(SIGN_IN) class="stacked" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    input type="hidden" name="method" value="access-key";
                    (project_field("key-project", attempt))
                    label for="key-name" { "Access key" }
                    input id="key-name" name="name" autocomplete="username" required
                        value=(if attempt.method == "access-key" { attempt.name.as_str() } else { "" });
                    label for="key-secret" { "Secret key" }
                    input id="key-secret" name="secret" type="password" autocomplete="current-password" required;
                    button type="submit" { "Sign in" }
                }
            }
        }
    };
    layout(console, None, Section::None, "Sign in", main)
}

fn project_field(id: &str, attempt: &Attempt) -> Markup {
    html! {
        label for=(id) { "Project id" }
        input id=(id) name="project" required autocomplete="off" spellcheck="false"
            pattern="[A-Za-z0-9_-]+" value=(attempt.project);
    }
}
