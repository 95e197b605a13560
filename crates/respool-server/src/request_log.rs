//! What is kept of each answered request: a line in the log, written by a
//! thread of its own, and the last [`RequestLog::CAPACITY`] API requests in
//! memory, for `GET /_respool/requests`.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::http::{HeaderValue, Method};

/// One answered request, as the edge layer saw it.
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

/// How long the log thread sleeps between two batches. At 100k requests a
/// second a batch is 1,000 records, a sixteenth of [`LOG_QUEUE`].
const LOG_PAUSE: Duration = Duration::from_millis(10);

/// Records handed to the log thread and not yet taken, and how many were
/// ever handed over or dropped.
struct Queue {
    waiting: Vec<Arc<Exchange>>,
    queued: u64,
    dropped: u64,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    waiting: Vec::new(),
    queued: 0,
    dropped: 0,
});

/// Records the log thread has written.
static LOG_WRITTEN: AtomicU64 = AtomicU64::new(0);

fn queue() -> MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where the log thread writes request lines itself, and in which of the
/// log's formats. Without one, request lines go through the global
/// subscriber.
pub struct RequestLines {
    pub format: LineFormat,
    pub out: Box<dyn Write + Send>,
}

/// The log's two formats, as `tracing_subscriber`'s `fmt` writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineFormat {
    Text,
    Json,
}

static LINES: Mutex<Option<RequestLines>> = Mutex::new(None);

/// Has the log thread write request lines to `lines`; set before the first
/// request. The global subscriber hands each line to a writer thread, which
/// must be woken for it, and formats it through field visitors: a wasted
/// hop, and ~1 µs a line, for lines made off the request path already.
pub fn write_request_lines_with(lines: RequestLines) {
    *LINES.lock().unwrap_or_else(PoisonError::into_inner) = Some(lines);
}

/// The request path puts each record in a bounded queue and moves on; a
/// thread of its own takes the whole queue every [`LOG_PAUSE`], then
/// formats, writes and flushes it. Taking it whole, rather than a record at
/// a time from a channel, costs the thread one lock a batch instead of a
/// handshake a record; sleeping rather than waiting spares the request
/// path a wake-up (a system call) each time.
static WRITER: LazyLock<bool> = LazyLock::new(|| {
    std::thread::Builder::new()
        .name("respool-request-log".into())
        .spawn(|| {
            let mut lines = LINES.lock().unwrap_or_else(PoisonError::into_inner).take();
            let mut line = LineWriter::default();
            let mut batch = Vec::new();
            loop {
                std::thread::sleep(LOG_PAUSE);
                std::mem::swap(&mut batch, &mut queue().waiting);
                if batch.is_empty() {
                    continue;
                }
                for e in &batch {
                    match &mut lines {
                        // Standard error gone: there is nowhere to say so.
                        Some(l) => _ = l.out.write_all(line.format(e, l.format)),
                        None => log_event(e),
                    }
                }
                if let Some(l) = &mut lines {
                    _ = l.out.flush();
                }
                LOG_WRITTEN.fetch_add(batch.len() as u64, Ordering::Release);
                batch.clear();
            }
        })
        .is_ok()
});

/// A request's line, through the global subscriber.
fn log_event(e: &Exchange) {
    tracing::info!(
        request_id = e.id.to_str().unwrap_or_default(),
        method = %e.method,
        path = %e.path,
        status = e.status,
        micros = e.micros,
        "request"
    );
}

const TARGET: &str = module_path!();

/// Writes request lines byte by byte, as the log's subscriber would, into
/// one buffer reused for every line. The date and time to the second is
/// worked out once a second.
#[derive(Default)]
struct LineWriter {
    buf: Vec<u8>,
    second: Option<(u64, String)>,
}

impl LineWriter {
    fn format(&mut self, e: &Exchange, format: LineFormat) -> &[u8] {
        let since =
            e.at.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
        let (secs, micros) = (since.as_secs(), since.subsec_micros());
        if self.second.as_ref().is_none_or(|(s, _)| *s != secs) {
            let t = chrono::DateTime::<chrono::Utc>::from(
                SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            );
            self.second = Some((secs, t.format("%Y-%m-%dT%H:%M:%S").to_string()));
        }
        let second = self.second.as_ref().map_or("", |(_, s)| s.as_str());
        let mut n = itoa::Buffer::new();
        let b = &mut self.buf;
        b.clear();
        let json = format == LineFormat::Json;
        b.extend_from_slice(if json { b"{\"timestamp\":\"" } else { b"" });
        b.extend_from_slice(second.as_bytes());
        b.push(b'.');
        let sub = n.format(1_000_000 + micros);
        b.extend_from_slice(&sub.as_bytes()[1..]);
        let id = e.id.as_bytes();
        if json {
            b.extend_from_slice(
                b"Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"request\",\"request_id\":",
            );
            json_string(b, id);
            b.extend_from_slice(b",\"method\":");
            json_string(b, e.method.as_str().as_bytes());
            b.extend_from_slice(b",\"path\":");
            json_string(b, e.path.as_bytes());
            b.extend_from_slice(b",\"status\":");
            b.extend_from_slice(n.format(e.status).as_bytes());
            b.extend_from_slice(b",\"micros\":");
            b.extend_from_slice(n.format(e.micros).as_bytes());
            b.extend_from_slice(b"},\"target\":\"");
            b.extend_from_slice(TARGET.as_bytes());
            b.extend_from_slice(b"\"}\n");
        } else {
            b.extend_from_slice(b"Z  INFO ");
            b.extend_from_slice(TARGET.as_bytes());
            b.extend_from_slice(b": request request_id=");
            // A `&str` field is written as its `Debug`: quoted.
            json_string(b, id);
            b.extend_from_slice(b" method=");
            b.extend_from_slice(e.method.as_str().as_bytes());
            b.extend_from_slice(b" path=");
            b.extend_from_slice(e.path.as_bytes());
            b.extend_from_slice(b" status=");
            b.extend_from_slice(n.format(e.status).as_bytes());
            b.extend_from_slice(b" micros=");
            b.extend_from_slice(n.format(e.micros).as_bytes());
            b.push(b'\n');
        }
        b
    }
}

/// `s` as a JSON string. Request ids are printable ASCII (header values
/// the edge made or accepted) and paths are URI paths, so only quotes and
/// backslashes can need escaping; anything else below a space is escaped
/// too, to be safe.
fn json_string(b: &mut Vec<u8>, s: &[u8]) {
    b.push(b'"');
    for &c in s {
        match c {
            b'"' | b'\\' => b.extend_from_slice(&[b'\\', c]),
            0..0x20 => {
                b.extend_from_slice(b"\\u00");
                b.extend_from_slice(&[HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            }
            _ => b.push(c),
        }
    }
    b.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether the log wants request lines; with it off, none is built.
pub(crate) fn logging() -> bool {
    tracing::enabled!(tracing::Level::INFO)
}

/// Hands `e` to the log thread, or counts it dropped if that is behind.
pub(crate) fn write(e: Arc<Exchange>) {
    let running = *WRITER;
    let mut q = queue();
    if running && q.waiting.len() < LOG_QUEUE {
        q.waiting.push(e);
        q.queued += 1;
    } else {
        q.dropped += 1;
    }
}

/// Request-log records dropped because the log thread could not keep up.
pub fn dropped_log_records() -> u64 {
    queue().dropped
}

/// Waits (up to `limit`) until every queued request-log record is written:
/// at shutdown, so the last requests are in the log.
pub fn flush_request_log(limit: Duration) {
    let until = Instant::now() + limit;
    while LOG_WRITTEN.load(Ordering::Acquire) < queue().queued && Instant::now() < until {
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
    ring: Arc<Mutex<VecDeque<Arc<Exchange>>>>,
}

impl RequestLog {
    pub const CAPACITY: usize = 1000;

    pub(crate) fn push(&self, e: Arc<Exchange>) {
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
            .map(|e| RequestRecord::from(&**e))
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
            log.push(Arc::new(exchange(i)));
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

    /// What `tracing_subscriber` writes for `e` in `format`.
    fn subscriber_line(e: &Exchange, format: LineFormat) -> String {
        #[derive(Clone, Default)]
        struct Captured(Arc<Mutex<Vec<u8>>>);
        impl Write for Captured {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().write(b)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let out = Captured::default();
        let writer = out.clone();
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone());
        let dispatch: tracing::Dispatch = match format {
            LineFormat::Json => builder.json().finish().into(),
            LineFormat::Text => builder.finish().into(),
        };
        tracing::dispatcher::with_default(&dispatch, || log_event(e));
        let line = out.0.lock().unwrap().clone();
        String::from_utf8(line).unwrap()
    }

    #[test]
    fn request_lines_are_what_the_log_subscriber_writes() {
        let mut e = exchange(3);
        e.path = "/v2/p/pools/a\"b\\c".into();
        let mut lines = LineWriter::default();
        for format in [LineFormat::Text, LineFormat::Json] {
            let ours = String::from_utf8(lines.format(&e, format).to_vec()).unwrap();
            let theirs = subscriber_line(&e, format);
            // The subscriber stamps the time it writes; ours is the answer's.
            let stamp = "2023-11-14T22:13:20.123000Z";
            let at = ours.find(stamp).unwrap();
            assert_eq!(at, if format == LineFormat::Json { 14 } else { 0 });
            let after = at + stamp.len();
            assert_eq!(
                (&ours[..at], &ours[after..]),
                (&theirs[..at], &theirs[after..])
            );
        }
    }

    #[test]
    fn a_record_is_written_out_when_read() {
        let log = RequestLog::default();
        log.push(Arc::new(exchange(7)));
        let r = &log.recent(1)[0];
        assert_eq!(r.time, "2023-11-14T22:13:20.123Z");
        assert_eq!(r.request_id.as_deref(), Some("abc"));
        assert_eq!((r.method.as_str(), r.duration_ms), ("GET", 1.5));
    }
}
