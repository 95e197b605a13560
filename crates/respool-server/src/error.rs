//! The one error type of the HTTP edge, and its mapping to ModelArts and API
//! gateway error codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use respool_api_types::ErrorBody;
use respool_core::DomainError;
use respool_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `ModelArts.50004000`.
    #[error("Bad request. {0}")]
    BadRequest(String),
    /// 401 `APIGW.0301`: who is calling could not be established.
    #[error("Incorrect IAM authentication information: {0}")]
    Unauthenticated(String),
    /// 403 `APIGW.0302`: the caller may not act on this project.
    #[error("The IAM user is forbidden in the currently selected project: {0}")]
    Forbidden(String),
    /// 404 `APIGW.0101`: no such API.
    #[error("The API does not exist or has not been published in the environment.")]
    NoRoute,
    /// 404 with the resource's own code.
    #[error("{noun} \"{1}\" not found", noun = .0.noun())]
    NotFound(Missing, String),
    /// 404 `APIGW.0101`: the path exists, not with this method. The gateway
    /// publishes each method of a path as its own API, so this is a missing API.
    #[error("The API does not exist.")]
    NoSuchMethod,
    /// 409 `ModelArts.50015000`.
    #[error("Pool already exists.")]
    PoolExists,
    /// 400 `ModelArts.7005`: no such workspace in the project (400, not 404,
    /// as the live service answers).
    #[error("workspace:{0} not existed")]
    WorkspaceNotFound(String),
    /// 404 `ModelArts.50025001`, worded as the API reference has it.
    #[error("Network not exist.")]
    NetworkNotFound(String),
    /// 409 `ModelArts.50025000`: a network with this display name exists.
    #[error("Network already exists.")]
    NetworkExists,
    /// 409: a concurrent writer won; the client should read again and retry.
    #[error("Operation cannot be fulfilled on pool \"{0}\": the object has been modified; please apply your changes to the latest version and try again")]
    Conflict(String),
    #[error("Request body too large: the limit is {0} bytes.")]
    PayloadTooLarge(usize),
    #[error("Request URI too long: the limit is {0} bytes.")]
    UriTooLong(usize),
    #[error("Request headers too large: the limits are {0} headers and {1} bytes.")]
    HeadersTooLarge(usize, usize),
    /// 429 `APIGW.0308`: the caller's request rate is over its limit.
    #[error("The throttling threshold has been reached: policy user over ratelimit, limit:{0}, time:1 second")]
    Throttled(f64),
    /// 503: the request took longer than the server allows.
    #[error("Service unavailable: the request timed out.")]
    Timeout,
    /// 503: the database does not answer.
    #[error("Service unavailable: the database cannot be reached.")]
    Unavailable,
    /// 500: a bug; never caused by client input.
    #[error("internal error")]
    Internal(String),
    /// 410: a watch asked to resume from writes the change feed no longer keeps.
    #[error("too old resource version: {0} (the change feed keeps the writes after {1}); list again and watch from its resourceVersion")]
    Expired(i64, i64),
    /// 400 `ModelArts.0116`, worded as the error-code table has it.
    #[error("The expected {0} exceeds the quota limit.")]
    QuotaExceeded(String),
}

impl ApiError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }

    pub fn pool_not_found(name: &str) -> Self {
        ApiError::NotFound(Missing::Pool, name.to_owned())
    }

    pub fn not_found(what: Missing, name: impl Into<String>) -> Self {
        ApiError::NotFound(what, name.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::WorkspaceNotFound(_) => StatusCode::BAD_REQUEST,
            ApiError::NetworkNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::NetworkExists => StatusCode::CONFLICT,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NoRoute | ApiError::NoSuchMethod | ApiError::NotFound(..) => {
                StatusCode::NOT_FOUND
            }
            ApiError::PoolExists | ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(..) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::QuotaExceeded(_) => StatusCode::BAD_REQUEST,
            ApiError::Expired(..) => StatusCode::GONE,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "ModelArts.50004000",
            ApiError::Unauthenticated(_) => "APIGW.0301",
            ApiError::Forbidden(_) => "APIGW.0302",
            ApiError::NoRoute | ApiError::NoSuchMethod => "APIGW.0101",
            ApiError::NotFound(what, _) => what.code(),
            ApiError::PoolExists => "ModelArts.50015000",
            ApiError::WorkspaceNotFound(_) => "ModelArts.7005",
            ApiError::NetworkNotFound(_) => "ModelArts.50025001",
            ApiError::NetworkExists => "ModelArts.50025000",
            ApiError::Conflict(_) => "ModelArts.50004090",
            ApiError::PayloadTooLarge(_) => "ModelArts.50004130",
            ApiError::UriTooLong(_) => "ModelArts.50004140",
            ApiError::HeadersTooLarge(..) => "ModelArts.50004310",
            ApiError::Timeout => "ModelArts.50005000",
            ApiError::Throttled(_) => "APIGW.0308",
            ApiError::Unavailable | ApiError::Internal(_) => "ModelArts.50005000",
            ApiError::QuotaExceeded(_) => "ModelArts.0116",
            ApiError::Expired(..) => "ModelArts.50004100",
        }
    }

    pub fn body(&self) -> ErrorBody {
        let error_msg = match self {
            // Internal details go to the log, not to the client.
            ApiError::Internal(_) => "internal error".to_owned(),
            other => other.to_string(),
        };
        ErrorBody {
            error_code: self.code().to_owned(),
            error_msg,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            ApiError::Unavailable => tracing::warn!("database unavailable"),
            _ => {}
        }
        (self.status(), axum::Json(self.body())).into_response()
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(msg) => ApiError::BadRequest(msg),
            DomainError::PoolExists => ApiError::PoolExists,
        }
    }
}

/// What a 404 did not find: each kind has the service's own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Pool,
    Node,
    NodePool,
    Order,
    Job,
    ScheduledEvent,
    /// An admin-API fault rule.
    Fault,
    PluginTemplate,
    NodeConfigTemplate,
    /// A workload declared through the admin API.
    Workload,
}

impl Missing {
    fn noun(self) -> &'static str {
        match self {
            Missing::Pool => "pool",
            Missing::Node => "node",
            Missing::NodePool => "node pool",
            Missing::Order => "order",
            Missing::Job => "job",
            Missing::ScheduledEvent => "scheduled event",
            Missing::Fault => "fault",
            Missing::PluginTemplate => "plugin template",
            Missing::NodeConfigTemplate => "node config template",
            Missing::Workload => "workload",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Missing::Pool | Missing::Node | Missing::NodePool | Missing::Order => {
                "ModelArts.50015001"
            }
            Missing::Job | Missing::ScheduledEvent => "ModelArts.50004040",
            Missing::Fault => "RESPOOL.0404",
            Missing::PluginTemplate | Missing::NodeConfigTemplate => "ModelArts.50005101",
            Missing::Workload => "ModelArts.50015001",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}
