use thiserror::Error;

/// Why the domain refused a request. The HTTP edge maps each to a ModelArts code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// The request is malformed or breaks a rule (400 `ModelArts.50004000`).
    #[error("{0}")]
    Invalid(String),
    /// A pool with this display name exists in the project (409).
    #[error("Pool already exists.")]
    PoolExists,
}

impl DomainError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        DomainError::Invalid(msg.into())
    }
}
