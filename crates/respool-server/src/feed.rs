//! Each project's change feed as this replica's watchers read it: one task
//! per watched project reads the store's new changes (at once after a write
//! of this replica, and every `watch_poll` for those of other replicas)
//! and hands each write's changes to every watcher of the project.
//!
//! Write numbers are contiguous within a project (a write that does not
//! commit gives its number back), so a watcher that sees a number skipped
//! knows it missed something and reads it from the store itself: no change
//! is lost or repeated, whatever the order of the tasks.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use respool_core::pool::Change;
use respool_store::{ChangeRow, FeedCursor, FeedHead, FeedKind, Store, StoreError};
use tokio::sync::{broadcast, watch, Notify};

/// Rows one read of the store takes at most.
const PAGE: u32 = 1000;
/// Writes a slow watcher may fall behind before it reads from the store.
const BACKLOG: usize = 256;

/// One change, ready for every watcher: what it filters on, and its line.
#[derive(Debug)]
pub struct Item {
    pub kind: FeedKind,
    pub pool: String,
    pub change: Change,
    /// A pool's labels (what label selectors and workspaces match).
    pub labels: BTreeMap<String, String>,
    /// `{"type":…,"object":…}`, the object with its `resourceVersion`.
    pub line: String,
}

/// Every change of one write.
#[derive(Debug)]
pub struct Batch {
    pub seq: i64,
    /// The feed's floor when it was read: a watcher behind it has lost
    /// writes (a reset) and must list again.
    pub floor: i64,
    pub items: Vec<Item>,
}

/// Groups rows (in feed order) into one batch per write.
pub fn batches(rows: Vec<ChangeRow>, floor: i64) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for row in rows {
        let seq = row.cursor.seq;
        let item = Item::of(row);
        match out.last_mut() {
            Some(b) if b.seq == seq => b.items.push(item),
            _ => out.push(Batch {
                seq,
                floor,
                items: vec![item],
            }),
        }
    }
    out
}

impl Item {
    fn of(row: ChangeRow) -> Item {
        let labels = match row.kind {
            FeedKind::Pool => pool_labels(&row.doc),
            FeedKind::Node | FeedKind::Event => BTreeMap::new(),
        };
        let object = with_resource_version(&row.doc, row.cursor.seq);
        Item {
            kind: row.kind,
            pool: row.pool,
            change: row.change,
            labels,
            line: event_line(row.change.as_str(), &object),
        }
    }
}

/// `{"type":"…","object":…}`.
pub fn event_line(kind: &str, object: &str) -> String {
    let mut line = String::with_capacity(object.len() + 32);
    line.push_str(r#"{"type":""#);
    line.push_str(kind);
    line.push_str(r#"","object":"#);
    line.push_str(object);
    line.push('}');
    line
}

fn pool_labels(doc: &str) -> BTreeMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(default)]
        labels: BTreeMap<String, String>,
    }
    #[derive(serde::Deserialize)]
    struct Object {
        metadata: Meta,
    }
    serde_json::from_str::<Object>(doc)
        .map(|o| o.metadata.labels)
        .unwrap_or_default()
}

/// The object with `metadata.resourceVersion` set to `seq`. Pools are stored
/// with theirs; nodes and events are stored without, and every object the
/// API serves has `metadata` as its first object-valued member after the
/// short `apiVersion` and `kind` strings, so the first `"metadata":{` is it.
pub fn with_resource_version(doc: &str, seq: i64) -> String {
    const KEY: &str = r#""metadata":{"#;
    if doc.contains(r#""resourceVersion":"#) {
        return doc.to_owned();
    }
    match doc.find(KEY) {
        Some(at) => {
            let split = at + KEY.len();
            let empty = doc[split..].starts_with('}');
            format!(
                r#"{}"resourceVersion":"{seq}"{}{}"#,
                &doc[..split],
                if empty { "" } else { "," },
                &doc[split..]
            )
        }
        None => doc.to_owned(),
    }
}

/// The feeds of the projects this replica's watchers follow.
#[derive(Clone)]
pub struct FeedHub(Arc<Hub>);

struct Hub {
    store: Arc<dyn Store>,
    poll: Duration,
    projects: Mutex<HashMap<String, Weak<ProjectFeed>>>,
    stopping: watch::Sender<bool>,
}

/// One project's feed: its reader task and the watchers it hands batches to.
pub struct ProjectFeed {
    tx: broadcast::Sender<Arc<Batch>>,
    wake: Notify,
}

/// A watcher's hold on its project's feed; the feed's task ends with the last.
pub struct Subscription {
    _feed: Arc<ProjectFeed>,
    pub rx: broadcast::Receiver<Arc<Batch>>,
    pub stopping: watch::Receiver<bool>,
}

impl FeedHub {
    pub fn new(store: Arc<dyn Store>, poll: Duration) -> FeedHub {
        FeedHub(Arc::new(Hub {
            store,
            poll,
            projects: Mutex::default(),
            stopping: watch::channel(false).0,
        }))
    }

    fn projects(&self) -> std::sync::MutexGuard<'_, HashMap<String, Weak<ProjectFeed>>> {
        self.0.projects.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Follows `project_id`'s feed from now on.
    pub fn subscribe(&self, project_id: &str) -> Subscription {
        let mut projects = self.projects();
        let feed = match projects.get(project_id).and_then(Weak::upgrade) {
            Some(feed) => feed,
            None => {
                let feed = Arc::new(ProjectFeed {
                    tx: broadcast::channel(BACKLOG).0,
                    wake: Notify::new(),
                });
                projects.retain(|_, f| f.strong_count() > 0);
                projects.insert(project_id.to_owned(), Arc::downgrade(&feed));
                tokio::spawn(read_feed(
                    self.0.store.clone(),
                    project_id.to_owned(),
                    Arc::downgrade(&feed),
                    self.0.poll,
                    self.0.stopping.subscribe(),
                ));
                feed
            }
        };
        Subscription {
            rx: feed.tx.subscribe(),
            _feed: feed,
            stopping: self.0.stopping.subscribe(),
        }
    }

    /// After a write of this replica: its project's watchers look at once.
    pub fn wake(&self, project_id: &str) {
        if let Some(feed) = self.projects().get(project_id).and_then(Weak::upgrade) {
            feed.wake.notify_one();
        }
    }

    /// Ends every watch (at shutdown), so connections can close.
    pub fn stop(&self) {
        self.0.stopping.send_replace(true);
    }
}

/// Reads a project's new changes until its last watcher leaves or the
/// server stops, and hands them on.
async fn read_feed(
    store: Arc<dyn Store>,
    project_id: String,
    feed: Weak<ProjectFeed>,
    poll: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    if *stopping.borrow() {
        return;
    }
    let mut cursor = match store.feed_head(&project_id).await {
        Ok(head) => FeedCursor::after_write(head.seq),
        Err(e) => {
            tracing::warn!(error = %e, project_id, "cannot read the change feed");
            FeedCursor::default()
        }
    };
    loop {
        let Some(f) = feed.upgrade() else { return };
        match read_new(store.as_ref(), &project_id, cursor).await {
            // Trimmed past what was read (a reset): watchers list again.
            Ok((_, head)) if head.floor > cursor.seq => {
                cursor = FeedCursor::after_write(head.seq);
                let _ = f.tx.send(Arc::new(Batch {
                    seq: head.seq,
                    floor: head.floor,
                    items: Vec::new(),
                }));
            }
            Ok((rows, head)) => {
                if let Some(last) = rows.last() {
                    cursor = FeedCursor::after_write(last.cursor.seq);
                }
                for batch in batches(rows, head.floor) {
                    // No watcher now is fine: each reads what it missed itself.
                    let _ = f.tx.send(Arc::new(batch));
                }
            }
            Err(e) => tracing::warn!(error = %e, project_id, "cannot read the change feed"),
        }
        // Held while waiting: a watcher that comes meanwhile joins this task.
        tokio::select! {
            _ = f.wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stopping.changed() => return,
        }
    }
}

/// Every whole write after `cursor` the store has now, and the feed's head
/// as read after them.
pub async fn read_new(
    store: &dyn Store,
    project_id: &str,
    mut cursor: FeedCursor,
) -> Result<(Vec<ChangeRow>, FeedHead), StoreError> {
    let mut rows = Vec::new();
    loop {
        let page = store.changes_after(project_id, cursor, PAGE).await?;
        let full = page.changes.len() == PAGE as usize;
        if let Some(last) = page.changes.last() {
            cursor = last.cursor;
        }
        rows.extend(page.changes);
        if !full {
            return Ok((rows, page.head));
        }
    }
}
