use thiserror::Error;

#[derive(Debug, Clone, Error)]
pub enum StoreError {
    #[error("already exists")]
    AlreadyExists,
    /// The object changed since it was read (optimistic concurrency).
    #[error("the object has been modified; read it again and retry")]
    Conflict,
    /// The database cannot be reached or answered with an error.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored row does not decode, or the database refused a statement: a
    /// bug or a foreign write, never client input.
    #[error("storage error: {0}")]
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
            sqlx::Error::Database(db) if !is_outage(db.code().as_deref()) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error() {
            Some(f)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::AlreadyExists
            }
            Some(f)
                if matches!(
                    f.code,
                    DatabaseBusy
                        | DatabaseLocked
                        | SystemIoFailure
                        | DiskFull
                        | CannotOpen
                        | OutOfMemory
                        | ReadOnly
                        | FileLockingProtocolFailed
                ) =>
            {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Corrupt(e.to_string()),
        }
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// Transient failures, as opposed to errors in what was asked: SQLSTATE
/// classes 08 (connection), 40 (transaction rollback), 53 (resources) and 57
/// (operator intervention), and SQLite's busy and locked result codes.
fn is_outage(code: Option<&str>) -> bool {
    let Some(code) = code else { return true };
    let sqlstate = ["08", "40", "53", "57"]
        .iter()
        .any(|class| code.starts_with(class));
    let sqlite_busy =
        code.len() <= 4 && code.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6));
    sqlstate || sqlite_busy
}
