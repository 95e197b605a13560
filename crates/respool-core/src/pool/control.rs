//! `spec.controlMode`: a bit mask of what the service restricts on a pool.
//! 0 is unrestricted; 1 restricts the change to yearly/monthly (see
//! `billing.rs`), 2 flavor changes, 4 the job types (services), 8 freezes
//! the pool, 16 freezes it for public security and forbids deleting it.

use std::collections::BTreeSet;

use respool_api_types::Pool;

use super::node_pools::pool_of;
use super::PoolState;
use crate::DomainError;

pub(crate) const CONVERSION_RESTRICTED: i64 = 1;
const FLAVOR_CHANGE_RESTRICTED: i64 = 2;
const SERVICE_RESTRICTED: i64 = 4;
const FROZEN: i64 = 8;
const SECURITY_FROZEN: i64 = 16;

impl PoolState {
    fn control_mode(&self) -> i64 {
        self.pool.spec.control_mode.unwrap_or(0)
    }

    /// Refuses a patch whose changes the pool's control mode restricts. A
    /// change of `controlMode` alone is always accepted: it is how the mode
    /// is set and lifted.
    pub(crate) fn check_control_mode(&self, next: &Pool) -> Result<(), DomainError> {
        let mode = self.control_mode();
        let mut same = next.clone();
        same.spec.control_mode = self.pool.spec.control_mode;
        if mode == 0 || same == self.pool {
            return Ok(());
        }
        let refuse = |what: &str| {
            Err(DomainError::invalid(format!(
                "pool \"{}\" is {what} (spec.controlMode {mode})",
                self.name()
            )))
        };
        if mode & (FROZEN | SECURITY_FROZEN) != 0 {
            return refuse("frozen: it cannot be changed");
        }
        let flavors = |p: &Pool| -> BTreeSet<(String, String)> {
            p.spec
                .resources
                .iter()
                .map(|r| (pool_of(r).to_owned(), r.flavor.clone()))
                .collect()
        };
        if mode & FLAVOR_CHANGE_RESTRICTED != 0 && flavors(next) != flavors(&self.pool) {
            return refuse("restricted: its flavors cannot change");
        }
        let scopes = |p: &Pool| -> BTreeSet<String> { p.spec.scope.iter().cloned().collect() };
        if mode & SERVICE_RESTRICTED != 0 && scopes(next) != scopes(&self.pool) {
            return refuse("restricted: its job types cannot change");
        }
        Ok(())
    }

    /// A pool frozen for public security cannot be deleted.
    pub fn check_deletable(&self) -> Result<(), DomainError> {
        if self.control_mode() & SECURITY_FROZEN != 0 {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is frozen for public security and cannot be deleted (spec.controlMode {})",
                self.name(),
                self.control_mode()
            )));
        }
        Ok(())
    }
}
