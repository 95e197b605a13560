//! Connections to the SQLite file: how each is set up, and the idle readers.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;

/// Readers kept open between requests; more are opened when all are busy.
const MAX_IDLE_READERS: usize = 16;

/// Opens a connection to an existing, migrated file.
pub(super) fn open(path: &Path, writer: bool) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Another process writing the same file (the CLI) holds the lock briefly.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // FULL: a commit that was answered survives power loss, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    if !writer {
        conn.pragma_update(None, "query_only", true)?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Read-only connections, used on the calling thread. In WAL mode a reader
/// sees every committed transaction and never waits for the writer.
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub fn new(path: PathBuf) -> Self {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle reader. Reads run inline rather than on a
    /// thread of their own: on a file in the page cache they cost a few
    /// microseconds, less than any hand-off between threads.
    pub fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open(&self.path, false)?,
        };
        let out = read(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }
}
