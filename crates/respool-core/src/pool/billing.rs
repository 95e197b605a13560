//! Billing: turning a pay-per-use pool yearly/monthly (`POST .../orderid`
//! with `actionType=toPeriod`). The order waits, `pending`, until it is
//! paid (the admin API's pay call); then the pool is yearly/monthly.

use respool_api_types::keys;

use super::control::CONVERSION_RESTRICTED;
use super::history::{Operation, ACTION_TO_PERIOD, ORDER_PENDING, ORDER_PROCESSING};
use super::{PoolPhase, PoolState};
use crate::DomainError;

impl PoolState {
    pub fn is_yearly_monthly(&self) -> bool {
        self.pool
            .metadata
            .annotations
            .get(keys::BILLING_MODE)
            .is_some_and(|m| m == "1")
    }

    /// Opens the order that turns the pool yearly/monthly once paid, and
    /// answers its id; asked again while unpaid, the same order's.
    pub fn order_to_period(&mut self, now_ms: i64) -> Result<String, DomainError> {
        if let Some(id) = self
            .unpaid_conversion()
            .map(|i| self.orders[i].order.order_id.clone())
        {
            return Ok(id);
        }
        if self.is_yearly_monthly() {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is already yearly/monthly",
                self.name()
            )));
        }
        if self
            .pool
            .spec
            .control_mode
            .is_some_and(|m| m & CONVERSION_RESTRICTED != 0)
        {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" may not change to yearly/monthly: spec.controlMode restricts it",
                self.name()
            )));
        }
        let phase = self.phase();
        if !matches!(phase, PoolPhase::Running | PoolPhase::Abnormal) {
            return Err(DomainError::invalid(format!(
                "pool \"{}\" is {}: its billing can change only while it is Running",
                self.name(),
                phase.as_str()
            )));
        }
        let (before, init) = (self.node_marks(), self.spec_counts());
        self.open_order(Operation::ToPeriod, init, &before, now_ms);
        let id = self
            .orders
            .last()
            .map(|o| o.order.order_id.clone())
            .unwrap_or_default();
        self.record(now_ms, false);
        Ok(id)
    }

    /// Pays an unpaid conversion order: the pool is yearly/monthly from now.
    /// False if there is none.
    pub(crate) fn pay_conversion(&mut self, now_ms: i64) -> bool {
        let Some(i) = self.unpaid_conversion() else {
            return false;
        };
        let o = &mut self.orders[i];
        o.order.phase = ORDER_PROCESSING.into();
        o.order.begin_timestamp = now_ms;
        self.pool
            .metadata
            .annotations
            .insert(keys::BILLING_MODE.into(), "1".into());
        self.record(now_ms, false);
        true
    }

    fn unpaid_conversion(&self) -> Option<usize> {
        self.orders.iter().position(|o| {
            o.order.phase == ORDER_PENDING && o.items.iter().any(|it| it.action == ACTION_TO_PERIOD)
        })
    }
}
