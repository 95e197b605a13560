//! The server's virtual clock, persisted so that a restart (or another
//! replica) sees the same time.

use std::sync::{Arc, RwLock};

use respool_core::time::{wall_ms, ClockState};
use respool_core::timing::TimingProfile;
use respool_store::{Store, StoreError};

const SETTING: &str = "clock";

#[derive(Clone)]
pub struct Clock {
    state: Arc<RwLock<ClockState>>,
}

impl Clock {
    /// Loads the stored clock; the `manual` profile freezes it, the others let it run.
    pub async fn load(store: &dyn Store, timing: TimingProfile) -> Result<Clock, StoreError> {
        let stored: Option<ClockState> = store
            .get_setting(SETTING)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok());
        let wall = wall_ms();
        let mut state = stored.unwrap_or_default();
        let now = state.now(wall);
        match (timing, state.frozen_at_ms) {
            (TimingProfile::Manual, None) => state = ClockState::frozen(now),
            (TimingProfile::Manual, Some(_)) => {}
            (_, Some(t)) => {
                state = ClockState {
                    offset_ms: t - wall,
                    frozen_at_ms: None,
                }
            }
            (_, None) => {}
        }
        let clock = Clock {
            state: Arc::new(RwLock::new(state)),
        };
        clock.save(store).await?;
        Ok(clock)
    }

    pub fn now(&self) -> i64 {
        self.state.read().expect("clock lock").now(wall_ms())
    }

    pub fn snapshot(&self) -> ClockState {
        *self.state.read().expect("clock lock")
    }

    /// Moves virtual time forward by `ms` and stores the new clock.
    pub async fn advance(&self, store: &dyn Store, ms: i64) -> Result<i64, StoreError> {
        {
            let mut s = self.state.write().expect("clock lock");
            s.advance(ms);
        }
        self.save(store).await?;
        Ok(self.now())
    }

    /// Adopts the stored clock if it is ahead: another replica advanced it.
    /// Time never moves backward here.
    pub async fn sync(&self, store: &dyn Store) -> Result<(), StoreError> {
        let Some(stored) = store
            .get_setting(SETTING)
            .await?
            .and_then(|s| serde_json::from_str::<ClockState>(&s).ok())
        else {
            return Ok(());
        };
        let wall = wall_ms();
        let mut s = self.state.write().expect("clock lock");
        let ahead = stored.now(wall) - s.now(wall);
        if ahead > 0 {
            s.advance(ahead);
        }
        Ok(())
    }

    async fn save(&self, store: &dyn Store) -> Result<(), StoreError> {
        let text = serde_json::to_string(&self.snapshot())?;
        store.put_setting(SETTING, &text).await
    }
}
