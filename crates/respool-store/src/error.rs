use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("already exists")]
    AlreadyExists,
    /// The object changed since it was read (optimistic concurrency).
    #[error("the object has been modified; read it again and retry")]
    Conflict,
    /// The database cannot be reached or answered with an error.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored row does not decode: a bug or a foreign write, never client input.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::AlreadyExists,
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}
