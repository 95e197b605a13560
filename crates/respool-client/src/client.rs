//! The signing HTTP core every endpoint method goes through.

use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use respool_sign::{encode_path_segment, encode_query, format_sdk_date, sign, ClientRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::paging::{Page, PageOptions};
use crate::{Config, Error};

/// A client of one respool (or ModelArts) endpoint, for one project.
///
/// Cheap to clone: clones share the connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), respool_client::Error> {
/// use respool_client::{Client, Config, ListPools};
///
/// let client = Client::new(Config::from_env()?)?;
/// for pool in client.list_pools(&ListPools::default()).await?.items {
///     println!("{} {}", pool.metadata.name, pool.status.phase);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    /// `scheme://authority`, without a trailing slash.
    origin: String,
    /// The `Host` header: `host[:port]`, the port only when not the scheme's default.
    host: String,
}

/// A raw answer: status, request id and body, before any decoding.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub request_id: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Client {
    /// Checks the endpoint and builds the HTTP client. Proxy variables are
    /// honoured, except for loopback endpoints, which are always reached directly.
    pub fn new(config: Config) -> Result<Client, Error> {
        let raw = config.endpoint.trim();
        // The SDK rewrites an endpoint without a scheme to https://.
        let with_scheme = if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("https://{raw}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|e| Error::Config(format!("invalid endpoint {raw:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "invalid endpoint {raw:?}: the scheme must be http or https"
            )));
        }
        let host_str = url
            .host_str()
            .ok_or_else(|| Error::Config(format!("invalid endpoint {raw:?}: no host")))?;
        let host = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_owned(),
        };
        let origin = format!("{}://{host}", url.scheme());
        if config.project_id.is_empty() {
            return Err(Error::Config("the project id is empty".into()));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(std::time::Duration::from_secs(10)))
            // The SDK does not follow redirects either.
            .redirect(reqwest::redirect::Policy::none());
        let bare = host_str.trim_start_matches('[').trim_end_matches(']');
        let loopback = bare.eq_ignore_ascii_case("localhost")
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_loopback());
        if loopback {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            inner: Arc::new(Inner {
                config,
                origin,
                host,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// `scheme://host[:port]` that requests go to.
    pub fn endpoint(&self) -> &str {
        &self.inner.origin
    }

    pub fn project_id(&self) -> &str {
        &self.inner.config.project_id
    }

    /// `/{version}/{project_id}/{segments...}`, each segment percent-encoded as
    /// the SDK encodes path parameters (`a b/c` → `a%20b%2Fc`). Literal segments
    /// such as `pools` pass through unchanged.
    ///
    /// ```
    /// # let client = respool_client::Client::new(respool_client::Config::new(
    /// #     "http://127.0.0.1:1", "AK", "SK", "p1")).unwrap();
    /// assert_eq!(client.path("v2", &["pools", "a b"]), "/v2/p1/pools/a%20b");
    /// ```
    pub fn path(&self, version: &str, segments: &[&str]) -> String {
        let mut out = format!(
            "/{version}/{}",
            encode_path_segment(&self.inner.config.project_id)
        );
        for s in segments {
            out.push('/');
            out.push_str(&encode_path_segment(s));
        }
        out
    }

    /// Sends one signed request and returns the answer whatever its status.
    ///
    /// The headers are those the official SDK sends and signs: `Content-Type:
    /// application/json` (on every request, as the SDK does), `Host`,
    /// `User-Agent`, `X-Project-Id`, `X-Sdk-Date`, and `X-Security-Token` with
    /// temporary credentials. `path` is already encoded (see [`Client::path`]);
    /// `query` holds decoded pairs.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<RawResponse, Error> {
        let response = self
            .signed(method, path, query, body)?
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let request_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?
            .to_vec();
        Ok(RawResponse {
            status,
            request_id,
            headers,
            body,
        })
    }

    /// Sends a signed request with an optional JSON body; a 2xx answer is
    /// decoded into `T` (an empty body reads as `{}`), anything else becomes
    /// [`Error::Api`]. Each endpoint method is one call of this.
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, Error> {
        let bytes = match body {
            Some(b) => Some(
                serde_json::to_vec(b)
                    .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?,
            ),
            None => None,
        };
        let method_name = method.to_string();
        let raw = self.send_raw(method, path, query, bytes).await?;
        if !(200..300).contains(&raw.status) {
            return Err(Error::from_response(raw.status, raw.request_id, &raw.body));
        }
        let text: &[u8] = if raw.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &raw.body
        };
        serde_json::from_slice(text).map_err(|e| Error::Decode {
            method: method_name,
            path: path.to_owned(),
            status: raw.status,
            message: e.to_string(),
            body: String::from_utf8_lossy(&raw.body).into_owned(),
        })
    }

    /// `GET` decoded into `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        self.send(Method::GET, path, query, None::<&()>).await
    }

    /// Every item of a list that pages with `limit` and `continue`
    /// (`metadata.continue` in the answer), fetched page after page.
    ///
    /// `limit` is the page size asked for (`None`: the server's default).
    /// Stops when a page has no token, and fails with [`Error::Decode`] if the
    /// server hands back the token it was just given (it would never end).
    pub async fn get_all<L: Page>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        limit: Option<u32>,
    ) -> Result<Vec<L::Item>, Error> {
        let mut items = Vec::new();
        let mut options = PageOptions {
            limit,
            continue_token: None,
        };
        loop {
            let page: L = self.get_page(path, query, &options).await?;
            let next = page.continue_token().map(str::to_owned);
            items.extend(page.into_items());
            match next {
                None => return Ok(items),
                Some(t) if options.continue_token.as_deref() == Some(t.as_str()) => {
                    return Err(Error::Decode {
                        method: "GET".into(),
                        path: path.to_owned(),
                        status: 200,
                        message: format!("the server returned the same continue token {t:?} twice"),
                        body: String::new(),
                    })
                }
                Some(t) => options.continue_token = Some(t),
            }
        }
    }

    /// One page of a `limit`/`continue` list.
    pub async fn get_page<L: Page>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        options: &PageOptions,
    ) -> Result<L, Error> {
        let limit = options.limit.map(|l| l.to_string());
        let mut q: Vec<(&str, &str)> = query.to_vec();
        if let Some(l) = &limit {
            q.push(("limit", l));
        }
        if let Some(t) = options.continue_token.as_deref().filter(|t| !t.is_empty()) {
            q.push(("continue", t));
        }
        self.get(path, &q).await
    }

    /// A request signed as the official SDK signs it, ready to send.
    pub(crate) fn signed(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let config = &self.inner.config;
        let body = body.unwrap_or_default();
        let date = format_sdk_date(chrono::Utc::now().timestamp());
        let mut headers: Vec<(&str, &str)> = vec![
            ("Content-Type", "application/json"),
            ("Host", &self.inner.host),
            ("User-Agent", &config.user_agent),
            ("X-Project-Id", &config.project_id),
            ("X-Sdk-Date", &date),
        ];
        if let Some(token) = &config.security_token {
            headers.push(("X-Security-Token", token));
        }
        let authorization = sign(
            &ClientRequest {
                method: method.as_str(),
                path,
                query,
                headers: &headers,
                body: &body,
            },
            &config.access_key,
            config.secret_key.as_bytes(),
        )?;
        let q = encode_query(query);
        let url = if q.is_empty() {
            format!("{}{path}", self.inner.origin)
        } else {
            format!("{}{path}?{q}", self.inner.origin)
        };
        let mut map = HeaderMap::new();
        for (k, v) in headers
            .iter()
            .chain([&("Authorization", authorization.as_str())])
        {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| Error::Config(format!("invalid header name {k:?}: {e}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|e| Error::Config(format!("invalid value of header {k}: {e}")))?;
            map.insert(name, value);
        }
        Ok(self.http.request(method, url).headers(map).body(body))
    }

    pub(crate) fn transport_error(&self, e: reqwest::Error) -> Error {
        let endpoint = self.inner.origin.clone();
        if e.is_timeout() {
            Error::Timeout {
                endpoint,
                timeout: self.inner.config.timeout,
            }
        } else if e.is_connect() || e.is_request() {
            Error::Connect {
                endpoint,
                source: e,
            }
        } else {
            Error::Http(e)
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.origin)
            .field("config", &self.inner.config)
            .finish()
    }
}
