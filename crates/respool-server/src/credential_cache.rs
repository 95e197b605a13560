//! Credentials as recently read from the store, so that a signed request
//! does not read the store every time. An entry is trusted for [`FRESH_FOR`]:
//! a key revoked or created elsewhere (the CLI, another replica) is seen by
//! every server within that. Unknown keys are remembered too, so a known key
//! answers no faster than an unknown one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use respool_core::identity::Credential;
use respool_sign::SigningKey;
use respool_store::{Store, StoreError};

/// How long a lookup is trusted.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// Keys remembered at most; a flood of made-up keys cannot grow memory.
const MAX_KEYS: usize = 10_000;

/// A stored credential with its secret made ready to verify with, and the
/// names a [`crate::auth::Caller`] shares.
pub struct Known {
    pub credential: Credential,
    pub key: SigningKey,
    pub access_key: Arc<str>,
    pub domain_id: Arc<str>,
}

type Entries = HashMap<String, (Instant, Option<Arc<Known>>)>;

#[derive(Default)]
pub struct CredentialCache {
    entries: Mutex<Entries>,
}

impl CredentialCache {
    /// The credential of `access_key`, from the store when the last lookup
    /// is older than [`FRESH_FOR`].
    pub async fn get(
        &self,
        store: &dyn Store,
        access_key: &str,
    ) -> Result<Option<Arc<Known>>, StoreError> {
        if let Some((at, found)) = self.lock().get(access_key) {
            if at.elapsed() < FRESH_FOR {
                return Ok(found.clone());
            }
        }
        let found = store.get_credential(access_key).await?.map(|credential| {
            Arc::new(Known {
                key: SigningKey::new(credential.secret_key.as_bytes()),
                access_key: credential.access_key.as_str().into(),
                domain_id: credential.domain_id.as_str().into(),
                credential,
            })
        });
        let mut entries = self.lock();
        if entries.len() >= MAX_KEYS {
            entries.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_KEYS {
                entries.clear();
            }
        }
        entries.insert(access_key.to_owned(), (Instant::now(), found.clone()));
        Ok(found)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
