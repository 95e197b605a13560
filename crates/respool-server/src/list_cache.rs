//! Answers to plain pool lists, kept while the store has seen no write since
//! and no listed pool's stage has ended: most lists ask again what the last
//! one answered, and reading it again costs a read transaction and a copy of
//! every pool. Only a store that sees every write to its data
//! ([`respool_store::Store::writes_seen`]) has its lists kept.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;

/// Bytes of answers kept at most, over all lists.
const KEPT_BYTES: usize = 16 << 20;
/// A longer answer is not kept: a list that big is rare, and reading it
/// costs about what it costs to send.
const LARGEST_KEPT: usize = 256 << 10;

#[derive(Default)]
pub(crate) struct ListCache(Mutex<Kept>);

#[derive(Default)]
struct Kept {
    lists: HashMap<ListKey, Entry>,
    bytes: usize,
}

/// What a plain list asks: a project's pools in one workspace, under one
/// parent (if any).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct ListKey {
    pub project_id: String,
    pub workspace_id: String,
    pub parent: Option<String>,
}

struct Entry {
    /// [`respool_store::Store::writes_seen`] before the answer was read.
    writes: u64,
    /// The earliest time a listed pool's stage ends: the answer is out of
    /// date then, as the pool must be stepped first.
    until_ms: Option<i64>,
    body: Bytes,
}

impl ListCache {
    /// The answer kept for `key`, if the store has seen no write since it
    /// was read (`writes`) and it is not out of date at `now`.
    pub fn get(&self, key: &ListKey, writes: u64, now: i64) -> Option<Bytes> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let e = kept.lists.get(key)?;
        (e.writes == writes && e.until_ms.is_none_or(|t| now < t)).then(|| e.body.clone())
    }

    /// Keeps `body`, read after the store had seen `writes` writes.
    pub fn put(&self, key: ListKey, writes: u64, until_ms: Option<i64>, body: Bytes) {
        if body.len() > LARGEST_KEPT {
            return;
        }
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = kept.lists.remove(&key) {
            kept.bytes -= old.body.len();
        }
        // Out of room: start over. Lists asked again are kept again at once.
        if kept.bytes + body.len() > KEPT_BYTES {
            *kept = Kept::default();
        }
        kept.bytes += body.len();
        let entry = Entry {
            writes,
            until_ms,
            body,
        };
        kept.lists.insert(key, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(project: &str) -> ListKey {
        ListKey {
            project_id: project.into(),
            workspace_id: "0".into(),
            parent: None,
        }
    }

    #[test]
    fn an_answer_is_kept_until_a_write_or_a_stage_ends() {
        let cache = ListCache::default();
        cache.put(key("p"), 7, Some(1000), Bytes::from_static(b"[1]"));
        assert_eq!(cache.get(&key("p"), 7, 999).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(cache.get(&key("p"), 8, 999), None, "a write since");
        assert_eq!(cache.get(&key("p"), 7, 1000), None, "a stage ended");
        assert_eq!(cache.get(&key("q"), 7, 999), None, "another project");
        cache.put(key("p"), 8, None, Bytes::from_static(b"[2]"));
        assert_eq!(
            cache.get(&key("p"), 8, i64::MAX).as_deref(),
            Some(&b"[2]"[..])
        );
    }

    #[test]
    fn what_is_kept_stays_within_its_bounds() {
        let cache = ListCache::default();
        cache.put(
            key("big"),
            1,
            None,
            Bytes::from(vec![b' '; LARGEST_KEPT + 1]),
        );
        assert_eq!(cache.get(&key("big"), 1, 0), None);
        let body = Bytes::from(vec![b' '; LARGEST_KEPT]);
        for i in 0..2 * KEPT_BYTES / LARGEST_KEPT {
            cache.put(key(&i.to_string()), 1, None, body.clone());
            let kept = cache.0.lock().unwrap();
            assert!(kept.bytes <= KEPT_BYTES);
            assert_eq!(
                kept.bytes,
                kept.lists.values().map(|e| e.body.len()).sum::<usize>()
            );
        }
    }
}
