//! The one writer: a thread that owns the writing connection and commits
//! whatever writes queued while it was busy in one transaction, so that many
//! concurrent writes share one `fsync` (group commit). Each write runs in a
//! savepoint of its own, so a write that fails leaves the others untouched,
//! and no write is answered before the transaction holding it has committed.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::StoreError;

/// Writes committed together at most; a bound on how long the first waits.
const MAX_BATCH: usize = 256;

/// One queued write: runs in the open transaction and hands back what
/// answers its caller once the transaction has ended.
type Job = Box<dyn FnOnce(&Batch) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// The transaction being filled, and the first failure that spoils it whole.
struct Batch<'c> {
    conn: &'c Connection,
    broken: RefCell<Option<StoreError>>,
}

#[derive(Clone)]
pub(super) struct Writer {
    queue: mpsc::Sender<Job>,
    ended: Arc<AtomicU64>,
}

impl Writer {
    pub fn start(conn: Connection) -> Result<Self, StoreError> {
        let (queue, jobs) = mpsc::channel();
        let ended = Arc::new(AtomicU64::new(0));
        let count = ended.clone();
        std::thread::Builder::new()
            .name("respool-sqlite-writer".into())
            .spawn(move || run(&conn, &jobs, &count))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer: {e}")))?;
        Ok(Writer { queue, ended })
    }

    /// How many transactions have ended (committed or not); counted before
    /// any write of one is answered.
    pub fn transactions_ended(&self) -> u64 {
        self.ended.load(Ordering::Acquire)
    }

    /// Runs `work` in the writer's transaction; answers once it has committed.
    pub async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |batch| {
            let result = batch.run(work);
            Box::new(move |ended| {
                let _ = answer.send(ended.and(result));
            })
        });
        self.queue.send(job).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite writer has stopped".into())
}

fn run(conn: &Connection, jobs: &mpsc::Receiver<Job>, ended_count: &AtomicU64) {
    while let Ok(first) = jobs.recv() {
        let mut queued = vec![first];
        while queued.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => queued.push(job),
                Err(_) => break,
            }
        }
        let batch = Batch {
            conn,
            broken: RefCell::new(None),
        };
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            batch.spoil(e.into());
        }
        let replies: Vec<Reply> = queued.into_iter().map(|job| job(&batch)).collect();
        let ended = match batch.broken.take() {
            Some(e) => Err(e),
            None => conn.execute_batch("COMMIT").map_err(StoreError::from),
        };
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        ended_count.fetch_add(1, Ordering::Release);
        for reply in replies {
            reply(ended.clone());
        }
    }
}

impl Batch<'_> {
    fn spoil(&self, e: StoreError) {
        self.broken.borrow_mut().get_or_insert(e);
    }

    fn run<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if let Some(e) = self.broken.borrow().as_ref() {
            return Err(e.clone());
        }
        if let Err(e) = self.conn.execute_batch("SAVEPOINT write") {
            let e = StoreError::from(e);
            self.spoil(e.clone());
            return Err(e);
        }
        let result = catch_unwind(AssertUnwindSafe(|| work(self.conn)))
            .unwrap_or_else(|_| Err(StoreError::Corrupt("a write panicked".into())));
        let end = if result.is_ok() {
            "RELEASE write"
        } else {
            "ROLLBACK TO write; RELEASE write"
        };
        // A statement error can end the whole transaction (SQLITE_FULL, I/O):
        // then nothing of this batch may be answered as written.
        if let Err(e) = self.conn.execute_batch(end) {
            self.spoil(e.into());
        } else if self.conn.is_autocommit() {
            self.spoil(StoreError::Unavailable(
                "the transaction was rolled back".into(),
            ));
        }
        result
    }
}
