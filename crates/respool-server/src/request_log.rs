//! What is kept of each answered request: a line in the log, written by a
//! thread of its own, and the last [`RequestLog::CAPACITY`] API requests in
//! memory, for `GET /_respool/requests`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TryRecvError};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::http::{HeaderValue, Method};

/// One answered request, as the edge layer saw it.
#[derive(Clone)]
pub(crate) struct Exchange {
    pub at: SystemTime,
    pub id: HeaderValue,
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub access_key: Option<String>,
    pub micros: u64,
}

/// Records waiting for the log thread before new ones are dropped.
const LOG_QUEUE: usize = 16 * 1024;

static LOG_DROPPED: AtomicU64 = AtomicU64::new(0);
static LOG_QUEUED: AtomicU64 = AtomicU64::new(0);
static LOG_WRITTEN: AtomicU64 = AtomicU64::new(0);

/// How long the log thread sleeps between two looks at its queue.
const LOG_PAUSE: Duration = Duration::from_millis(2);

/// Where the log thread writes request lines itself: a subscriber of the
/// log's format over a buffered writer of its own, and how to flush that.
/// Without one, request lines go through the global subscriber.
pub struct RequestLines {
    pub dispatch: tracing::Dispatch,
    pub flush: Box<dyn Fn() + Send + Sync>,
}

static LINES: OnceLock<RequestLines> = OnceLock::new();

/// Has the log thread write request lines through `lines`; set before the
/// first request. The global subscriber hands each line to a writer thread,
/// which must be woken for it: a wasted hop for lines that are already
/// written off the request path.
pub fn write_request_lines_with(lines: RequestLines) {
    let _ = LINES.set(lines);
}

/// The request path hands each record to a bounded queue and moves on; a
/// thread of its own formats and writes them. It looks at the queue every
/// [`LOG_PAUSE`] rather than waiting on it: a waiting thread would have to
/// be woken for every request, a system call and a switch on the request
/// path each time. What it wrote is flushed whenever the queue is empty.
static WRITER: LazyLock<Option<SyncSender<Exchange>>> = LazyLock::new(|| {
    let (tx, rx) = sync_channel::<Exchange>(LOG_QUEUE);
    std::thread::Builder::new()
        .name("respool-request-log".into())
        .spawn(move || {
            let lines = LINES.get();
            let _default = lines.map(|l| tracing::dispatcher::set_default(&l.dispatch));
            let mut unflushed = 0;
            loop {
                match rx.try_recv() {
                    Ok(e) => {
                        tracing::info!(
                            request_id = e.id.to_str().unwrap_or_default(),
                            method = %e.method,
                            path = %e.path,
                            status = e.status,
                            micros = e.micros,
                            "request"
                        );
                        unflushed += 1;
                    }
                    Err(TryRecvError::Empty) => {
                        if unflushed > 0 {
                            if let Some(l) = lines {
                                (l.flush)();
                            }
                            LOG_WRITTEN.fetch_add(unflushed, Ordering::Release);
                            unflushed = 0;
                        }
                        std::thread::sleep(LOG_PAUSE)
                    }
                    Err(TryRecvError::Disconnected) => return,
                }
            }
        })
        .ok()
        .map(|_| tx)
});

/// Whether the log wants request lines; with it off, none is built.
pub(crate) fn logging() -> bool {
    tracing::enabled!(tracing::Level::INFO)
}

/// Hands `e` to the log thread, or counts it dropped if that is behind.
pub(crate) fn write(e: Exchange) {
    let sent = WRITER.as_ref().is_some_and(|tx| tx.try_send(e).is_ok());
    if sent {
        LOG_QUEUED.fetch_add(1, Ordering::Release);
    } else {
        LOG_DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Request-log records dropped because the log thread could not keep up.
pub fn dropped_log_records() -> u64 {
    LOG_DROPPED.load(Ordering::Relaxed)
}

/// Waits (up to `limit`) until every queued request-log record is written:
/// at shutdown, so the last requests are in the log.
pub fn flush_request_log(limit: Duration) {
    let until = Instant::now() + limit;
    while LOG_WRITTEN.load(Ordering::Acquire) < LOG_QUEUED.load(Ordering::Acquire)
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One served request, as `GET /_respool/requests` shows it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub time: String,
    pub request_id: Option<String>,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub access_key: Option<String>,
    pub duration_ms: f64,
}

impl From<&Exchange> for RequestRecord {
    fn from(e: &Exchange) -> Self {
        RequestRecord {
            time: chrono::DateTime::<chrono::Utc>::from(e.at)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            request_id: e.id.to_str().ok().map(str::to_owned),
            method: e.method.to_string(),
            path: e.path.clone(),
            status: e.status,
            access_key: e.access_key.clone(),
            duration_ms: e.micros as f64 / 1e3,
        }
    }
}

/// The last [`RequestLog::CAPACITY`] API requests, in memory only. They are
/// kept as seen and written out only when asked for.
#[derive(Clone, Default)]
pub struct RequestLog {
    ring: Arc<Mutex<VecDeque<Exchange>>>,
}

impl RequestLog {
    pub const CAPACITY: usize = 1000;

    pub(crate) fn push(&self, e: Exchange) {
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        if ring.len() == Self::CAPACITY {
            ring.pop_front();
        }
        ring.push_back(e);
    }

    /// The newest `limit` records, oldest first.
    pub fn recent(&self, limit: usize) -> Vec<RequestRecord> {
        let ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        ring.iter()
            .skip(ring.len().saturating_sub(limit))
            .map(RequestRecord::from)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(i: usize) -> Exchange {
        Exchange {
            at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
            id: HeaderValue::from_static("abc"),
            method: Method::GET,
            path: format!("/{i}"),
            status: 200,
            access_key: None,
            micros: 1500,
        }
    }

    #[test]
    fn the_request_log_keeps_only_the_newest() {
        let log = RequestLog::default();
        for i in 0..RequestLog::CAPACITY + 5 {
            log.push(exchange(i));
        }
        let all = log.recent(usize::MAX);
        assert_eq!(all.len(), RequestLog::CAPACITY);
        assert_eq!(all[0].path, "/5");
        let last = log.recent(2);
        assert_eq!(
            last.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
            vec![
                format!("/{}", RequestLog::CAPACITY + 3),
                format!("/{}", RequestLog::CAPACITY + 4)
            ]
        );
    }

    #[test]
    fn a_record_is_written_out_when_read() {
        let log = RequestLog::default();
        log.push(exchange(7));
        let r = &log.recent(1)[0];
        assert_eq!(r.time, "2023-11-14T22:13:20.123Z");
        assert_eq!(r.request_id.as_deref(), Some("abc"));
        assert_eq!((r.method.as_str(), r.duration_ms), ("GET", 1.5));
    }
}
