//! What a pool records as it changes: orders (one per create, scaling, node
//! batch-delete and delete request, followed until they succeed or fail) and
//! events (one per change of the phase, one per change of the node counts).
//!
//! The domain computes the records; the store writes them in the same
//! transaction as the pool. A change that loses the version race is written
//! with none of its records, and the winner's records were computed from the
//! same starting state, so every transition is recorded exactly once however
//! many replicas step the pool.
//!
//! Transitions are found by comparing what was last recorded
//! ([`PoolState::last_recorded`]) with the pool now, after every stage a step
//! applies (at the stage's own time) and after every request.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::Rng;
use respool_api_types as api;
use respool_api_types::keys;
use serde::{Deserialize, Serialize};

use super::create::random_suffix;
use super::status::{CREATION_FAILED, SCALING_FAILED};
use super::{node_changes, Failure, FailureKind, NodeList, NodePhase, PoolPhase, PoolState};
use crate::time::rfc3339;

pub const EVENT_API_VERSION: &str = "v1";
pub const EVENT_KIND: &str = "Event";
pub const EVENT_LIST_KIND: &str = "EventList";
pub const REASON_STATUS: &str = "PoolStatusChange";
pub const REASON_RESOURCES: &str = "PoolResourcesStatusChange";
/// The `resource` of every event a pool records.
pub const EVENT_RESOURCE: &str = "pools";

/// Order phases (`phase` of an order).
pub const ORDER_PENDING: &str = "pending";
pub const ORDER_PROCESSING: &str = "processing";
pub const ORDER_SUCCESSED: &str = "successed";
pub const ORDER_FAILED: &str = "failed";
/// Some of the order's nodes arrived, some did not.
pub const ORDER_PARTIAL: &str = "partialSuccessed";
/// Item statuses (`status` of an order's item).
pub const ITEM_PROCESSING: &str = "processing";
pub const ITEM_SUCCEED: &str = "succeed";
pub const ITEM_FAILED: &str = "failed";

const POOL_DELETED_EARLY: &str = "The pool was deleted before it was created.";
const POOL_DELETED_UNPAID: &str = "The pool was deleted before the order was paid.";
/// The order item of a change to yearly/monthly billing.
pub(crate) const ACTION_TO_PERIOD: &str = "toPeriod";
const NODE_NOT_PROVISIONED: &str = "The node could not be provisioned: insufficient resources.";
const NODE_REMOVED_EARLY: &str = "The node was removed before it was created.";

/// An order the pool still follows, with the resources it acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolOrder {
    pub order: api::Order,
    pub items: Vec<api::OrderItem>,
}

/// Something the store writes with the pool.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An order as it now stands; it replaces what was written of it before.
    Order(PoolOrder),
    /// A new event of the pool, which happened at `at_ms`.
    Event { at_ms: i64, event: api::Event },
}

/// Records computed since the pool was read, in the order they happened.
///
/// They are what the pool has yet to write, not part of what it is: two
/// states that differ only in their pending records are equal.
#[derive(Debug, Clone, Default)]
pub struct Pending(Vec<Record>);

impl PartialEq for Pending {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Pending {
    pub fn records(&self) -> &[Record] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Hands the records over (after they were written), leaving none.
    pub fn take(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.0)
    }

    /// Orders are written whole: only their latest version needs writing.
    fn push_order(&mut self, order: &PoolOrder) {
        let name = &order.order.order_name;
        match self
            .0
            .iter_mut()
            .find(|r| matches!(r, Record::Order(o) if &o.order.order_name == name))
        {
            Some(slot) => *slot = Record::Order(order.clone()),
            None => self.0.push(Record::Order(order.clone())),
        }
    }

    fn push_event(&mut self, at_ms: i64, event: api::Event) {
        self.0.push(Record::Event { at_ms, event });
    }
}

/// What was last recorded of the pool: its phase and its node counts
/// (available, abnormal, creating, deleting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRecorded {
    pub phase: PoolPhase,
    pub counts: [i64; 4],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Apply,
    Modify,
    Delete,
    /// Pay-per-use to yearly/monthly: a modify that waits for payment.
    ToPeriod,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "apply",
            Operation::Modify | Operation::ToPeriod => "modify",
            Operation::Delete => "delete",
        }
    }
}

/// The nodes before a change, to tell what it did to them: shared, not copied.
pub(crate) type NodeMarks = NodeList;

impl PoolState {
    pub(crate) fn node_marks(&self) -> NodeMarks {
        self.nodes.clone()
    }

    /// Node counts per flavor as `spec.resources` asks for them.
    pub(crate) fn spec_counts(&self) -> Vec<api::OrderFlavorCount> {
        self.pool
            .spec
            .resources
            .iter()
            .map(|r| api::OrderFlavorCount {
                flavor: r.flavor.clone(),
                count: r.count,
                max_count: r.max_count,
                azs: r.azs.clone().unwrap_or_default(),
            })
            .collect()
    }

    /// Nodes per flavor that are not on their way out, per AZ too.
    fn live_counts(&self) -> Vec<api::OrderFlavorCount> {
        let summary = self.node_summary();
        let mut per: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
        for g in &summary.groups {
            for (az, c) in &g.azs {
                let live: i64 = c[..3].iter().sum();
                if live > 0 {
                    *per.entry(&g.flavor).or_default().entry(az).or_default() += live;
                }
            }
        }
        per.into_iter()
            .map(|(flavor, azs)| {
                let count = azs.values().sum();
                api::OrderFlavorCount {
                    flavor: flavor.into(),
                    count,
                    max_count: Some(count),
                    azs: azs
                        .into_iter()
                        .map(|(az, count)| api::AzCount {
                            az: az.into(),
                            count,
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// Opens an order for a request served at `now_ms`, naming the nodes the
    /// request created or started deleting (compared with `before`). The
    /// order becomes the pool's `os.modelarts/order.name`; its name is returned.
    pub(crate) fn open_order(
        &mut self,
        operation: Operation,
        init_count: Vec<api::OrderFlavorCount>,
        before: &NodeMarks,
        now_ms: i64,
    ) -> String {
        let display = self.display_name().to_owned();
        let name = loop {
            let name = format!("order.{display}-{}", random_suffix(5));
            if !self.orders.iter().any(|o| o.order.order_name == name) {
                break name;
            }
        };
        // A yearly/monthly pool's creation waits for payment.
        let unpaid = (operation == Operation::Apply && self.awaiting_payment)
            || operation == Operation::ToPeriod;
        let mut items = Vec::new();
        match operation {
            Operation::Apply => items.push(item(self.name(), "createPool", now_ms)),
            Operation::Delete => items.push(item(self.name(), "deletePool", now_ms)),
            Operation::ToPeriod => items.push(item(self.name(), ACTION_TO_PERIOD, now_ms)),
            Operation::Modify => {}
        }
        items.extend(self.node_items(before, now_ms));
        let order = PoolOrder {
            order: api::Order {
                creation_timestamp: now_ms,
                begin_timestamp: if unpaid { 0 } else { now_ms },
                end_timestamp: 0,
                order_name: name.clone(),
                order_id: order_id(now_ms),
                resource_name: self.name().to_owned(),
                resource_display_name: display,
                workspace_id: self.workspace_id().to_owned(),
                init_count,
                spec_count: match operation {
                    Operation::Delete => Vec::new(),
                    _ => self.spec_counts(),
                },
                result_count: Vec::new(),
                operation: operation.as_str().into(),
                phase: if unpaid {
                    ORDER_PENDING
                } else {
                    ORDER_PROCESSING
                }
                .into(),
                fail_reason: None,
            },
            items,
        };
        self.pool
            .metadata
            .labels
            .insert(keys::ORDER_NAME.into(), name.clone());
        // The order a purchase or billing change is paid through.
        if matches!(operation, Operation::Apply | Operation::ToPeriod) {
            self.pool
                .metadata
                .annotations
                .insert(keys::ORDER_ID.into(), order.order.order_id.clone());
        }
        self.pending.push_order(&order);
        self.orders.push(order);
        name
    }

    /// The order waiting for payment starts now, with the nodes just added.
    pub(crate) fn start_unpaid_order(&mut self, before: &NodeMarks, now_ms: i64) {
        let items = self.node_items(before, now_ms);
        if let Some(o) = self
            .orders
            .iter_mut()
            .find(|o| o.order.phase == ORDER_PENDING)
        {
            o.order.phase = ORDER_PROCESSING.into();
            o.order.begin_timestamp = now_ms;
            o.items.extend(items);
            let o = o.clone();
            self.pending.push_order(&o);
        }
    }

    fn node_items(&self, before: &NodeMarks, now_ms: i64) -> Vec<api::OrderItem> {
        let mut items = Vec::new();
        for (was, n) in node_changes(before, &self.nodes).changed {
            match was {
                None => items.push(item(&n.name, "createNode", now_ms)),
                Some(was) if was.phase != NodePhase::Deleting && n.phase == NodePhase::Deleting => {
                    items.push(item(&n.name, "deleteNode", now_ms))
                }
                _ => {}
            }
        }
        items
    }

    /// Records what changed since the last record, as of `at_ms`: events for
    /// a new phase or new node counts, and the progress of open orders.
    /// `gone` says the pool's deletion has just finished.
    pub(crate) fn record(&mut self, at_ms: i64, gone: bool) {
        self.record_events(at_ms, gone);
        self.settle_orders(at_ms, gone);
    }

    /// Nodes available, abnormal (or checking), creating and deleting.
    fn counts(&self) -> [i64; 4] {
        let [creating, available, abnormal, deleting] = self.node_summary().totals();
        [available, abnormal, creating, deleting]
    }

    fn record_events(&mut self, at_ms: i64, gone: bool) {
        let phase = self.phase();
        let counts = if gone { [0; 4] } else { self.counts() };
        let Some(seen) = self.last_recorded else {
            // A pool stored before events existed: start from here, silently.
            self.last_recorded = Some(LastRecorded { phase, counts });
            return;
        };
        if counts != seen.counts {
            let f = |c: [i64; 4]| format!("{}/{}/{}/{}", c[0], c[1], c[2], c[3]);
            let message = format!(
                "Pool resources status changed, available/abnormal/creating/deleting count from {} to {}, timestamp: {}.",
                f(seen.counts),
                f(counts),
                at_ms.div_euclid(1000)
            );
            let warning = counts[1] > seen.counts[1];
            let event = self.event(at_ms, warning, REASON_RESOURCES, message);
            self.pending.push_event(at_ms, event);
        }
        let phase = if gone { seen.phase } else { phase };
        if phase != seen.phase {
            let warning = matches!(
                phase,
                PoolPhase::Abnormal
                    | PoolPhase::Error
                    | PoolPhase::CreationFailed
                    | PoolPhase::ScalingFailed
            );
            let (from, to) = (seen.phase.as_str(), phase.as_str());
            let message = if warning {
                let details = self.failure_message().unwrap_or_default();
                format!(
                    "Pool status changed, from {from} to {to}, details: {}.",
                    details.trim_end_matches('.')
                )
            } else {
                format!("Pool status changed, from {from} to {to}.")
            };
            let event = self.event(at_ms, warning, REASON_STATUS, message);
            self.pending.push_event(at_ms, event);
        }
        self.last_recorded = Some(LastRecorded { phase, counts });
    }

    fn failure_message(&self) -> Option<&'static str> {
        self.failure.map(|f| match f.kind {
            FailureKind::Creation => CREATION_FAILED,
            FailureKind::Scaling => SCALING_FAILED,
        })
    }

    fn event(&self, at_ms: i64, warning: bool, reason: &str, message: String) -> api::Event {
        let ts = rfc3339(at_ms);
        api::Event {
            api_version: EVENT_API_VERSION.into(),
            kind: EVENT_KIND.into(),
            metadata: api::EventMeta {
                name: format!("{}.{:016x}", self.name(), rand::random::<u64>()),
                creation_timestamp: ts.clone(),
            },
            event_type: if warning { "Warning" } else { "Normal" }.into(),
            first_timestamp: ts.clone(),
            last_timestamp: ts,
            count: 1,
            reason: reason.into(),
            message,
        }
    }

    /// Moves every open order on: items whose resource is done succeed or
    /// fail, and an order whose items are all done ends.
    fn settle_orders(&mut self, at_ms: i64, gone: bool) {
        let orders = std::mem::take(&mut self.orders);
        let mut open = Vec::with_capacity(orders.len());
        for mut o in orders {
            let mut changed = false;
            for it in o.items.iter_mut().filter(|it| it.status == ITEM_PROCESSING) {
                if let Some((status, message)) = self.outcome(it, gone) {
                    it.status = status.into();
                    it.message = message.into();
                    it.update_timestamp = at_ms.to_string();
                    changed = true;
                }
            }
            if o.items.iter().all(|it| it.status != ITEM_PROCESSING) {
                let failed: Vec<&api::OrderItem> = o
                    .items
                    .iter()
                    .filter(|it| it.status == ITEM_FAILED)
                    .collect();
                let partial = !failed.is_empty() && failed.len() < o.items.len();
                o.order.phase = match (failed.is_empty(), partial) {
                    (true, _) => ORDER_SUCCESSED,
                    (false, true) => ORDER_PARTIAL,
                    (false, false) => ORDER_FAILED,
                }
                .into();
                o.order.fail_reason = failed.first().map(|it| {
                    if partial {
                        format!(
                            "{} of {} failed: {}",
                            failed.len(),
                            o.items.len(),
                            it.message
                        )
                    } else {
                        it.message.clone()
                    }
                });
                o.order.end_timestamp = at_ms;
                o.order.result_count = if gone { Vec::new() } else { self.live_counts() };
                self.pending.push_order(&o);
            } else {
                if changed {
                    self.pending.push_order(&o);
                }
                open.push(o);
            }
        }
        self.orders = open;
        // Once no open order waits on them, lost nodes need not be remembered.
        let waiting: Vec<&str> = self
            .orders
            .iter()
            .flat_map(|o| o.items.iter())
            .filter(|it| it.status == ITEM_PROCESSING)
            .map(|it| it.resource_name.as_str())
            .collect();
        let keep: Vec<String> = self
            .unprovisioned
            .iter()
            .filter(|n| waiting.contains(&n.as_str()))
            .cloned()
            .collect();
        self.unprovisioned = keep;
    }

    /// How an item in progress ended, if it has: its status and message.
    fn outcome(&self, it: &api::OrderItem, gone: bool) -> Option<(&'static str, &'static str)> {
        let failed_creation = matches!(
            self.failure,
            Some(Failure {
                kind: FailureKind::Creation,
                ..
            })
        );
        match it.action.as_str() {
            "createPool" if failed_creation => Some((ITEM_FAILED, CREATION_FAILED)),
            "createPool" if self.became_running => Some((ITEM_SUCCEED, "")),
            "createPool" if gone || self.deletion_ms.is_some() => {
                Some((ITEM_FAILED, POOL_DELETED_EARLY))
            }
            "deletePool" if gone => Some((ITEM_SUCCEED, "")),
            ACTION_TO_PERIOD if self.is_yearly_monthly() => Some((ITEM_SUCCEED, "")),
            ACTION_TO_PERIOD if gone || self.deletion_ms.is_some() => {
                Some((ITEM_FAILED, POOL_DELETED_UNPAID))
            }
            "createNode" if self.unprovisioned.contains(&it.resource_name) => {
                Some((ITEM_FAILED, NODE_NOT_PROVISIONED))
            }
            "createNode" => match self.node(&it.resource_name).map(|n| n.phase) {
                Some(NodePhase::Creating) => None,
                Some(NodePhase::Available | NodePhase::Abnormal | NodePhase::Checking) => {
                    Some((ITEM_SUCCEED, ""))
                }
                // Gone (or going) before it was ever ready.
                _ => Some((
                    ITEM_FAILED,
                    self.failure_message().unwrap_or(NODE_REMOVED_EARLY),
                )),
            },
            "deleteNode" if gone || self.node(&it.resource_name).is_none() => {
                Some((ITEM_SUCCEED, ""))
            }
            _ => None,
        }
    }
}

fn item(resource: &str, action: &str, now_ms: i64) -> api::OrderItem {
    api::OrderItem {
        resource_name: resource.into(),
        action: action.into(),
        status: ITEM_PROCESSING.into(),
        begin_timestamp: now_ms.to_string(),
        update_timestamp: now_ms.to_string(),
        message: String::new(),
    }
}

/// `CS` + the order's time as `yyMMddHHmm` + five random capitals and
/// digits, like `CS2304191748WNW2R`.
fn order_id(now_ms: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let at = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let mut rng = rand::thread_rng();
    let tail: String = (0..5)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("CS{}{tail}", at.format("%y%m%d%H%M"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fault_rules::{Fault, FaultEffect};
    use crate::flavors::Catalog;
    use crate::pool::{Env, StepOutcome};
    use crate::timing::TimingProfile;

    const T0: i64 = 1_672_366_000_000;
    const NODE_CREATE: i64 = 12 * 60 * 1000;

    pub(crate) fn create(count: i64, prepaid: bool, faults: &[Fault]) -> PoolState {
        let catalog = Catalog::builtin();
        let env = Env {
            catalog: &catalog,
            region: "local-1",
            domain_id: "d",
            timing: TimingProfile::Manual,
        };
        let mut annotations = serde_json::json!({});
        if prepaid {
            annotations["os.modelarts/billing.mode"] = "1".into();
        }
        let body: api::Pool = serde_json::from_value(serde_json::json!({
            "metadata": {"labels": {"os.modelarts/name": "pool-hist"}, "annotations": annotations},
            "spec": {"type": "Dedicate", "scope": ["Train"], "network": {"name": "n"},
                     "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": count}]}
        }))
        .unwrap();
        let mut p = PoolState::create("p", body, &env, T0).unwrap();
        p.apply_faults(faults, T0);
        p
    }

    fn events(p: &mut PoolState) -> Vec<(String, String)> {
        p.pending
            .take()
            .into_iter()
            .filter_map(|r| match r {
                Record::Event { event, .. } => Some((event.event_type, event.message)),
                Record::Order(_) => None,
            })
            .collect()
    }

    fn order(p: &PoolState) -> Option<&PoolOrder> {
        p.orders.first()
    }

    #[test]
    fn creation_is_an_order_that_succeeds_when_the_pool_runs() {
        let mut p = create(2, false, &[]);
        let name = p.pool.metadata.labels[keys::ORDER_NAME].clone();
        assert!(
            name.starts_with("order.pool-hist-") && name.len() == "order.pool-hist-".len() + 5,
            "{name}"
        );
        let o = order(&p).unwrap();
        assert_eq!(o.order.order_name, name);
        assert_eq!(
            (o.order.operation.as_str(), o.order.phase.as_str()),
            ("apply", "processing")
        );
        assert_eq!(o.order.begin_timestamp, T0);
        assert_eq!(o.order.spec_count[0].count, 2);
        assert!(o.order.init_count.is_empty());
        let actions: Vec<&str> = o.items.iter().map(|i| i.action.as_str()).collect();
        assert_eq!(actions, ["createPool", "createNode", "createNode"]);
        assert_eq!(o.items[0].resource_name, p.name());
        assert_eq!(
            events(&mut p),
            [(
                "Normal".to_owned(),
                "Pool resources status changed, available/abnormal/creating/deleting count from 0/0/0/0 to 0/0/2/0, timestamp: 1672366000.".to_owned()
            )]
        );

        assert_eq!(p.step(T0 + NODE_CREATE - 1), StepOutcome::Unchanged);
        p.step(T0 + NODE_CREATE);
        assert!(p.orders.is_empty(), "the order ended");
        let ended: Vec<PoolOrder> = p
            .pending
            .records()
            .iter()
            .filter_map(|r| match r {
                Record::Order(o) => Some(o.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(ended.len(), 1);
        let o = &ended[0].order;
        assert_eq!(o.phase, "successed");
        assert_eq!(o.end_timestamp, T0 + NODE_CREATE);
        assert_eq!(o.result_count[0].count, 2);
        assert!(ended[0].items.iter().all(|i| i.status == "succeed"));
        assert_eq!(
            events(&mut p),
            [
                ("Normal".to_owned(), "Pool resources status changed, available/abnormal/creating/deleting count from 0/0/2/0 to 2/0/0/0, timestamp: 1672366720.".to_owned()),
                ("Normal".to_owned(), "Pool status changed, from Creating to Running.".to_owned()),
            ]
        );
    }

    #[test]
    fn broken_nodes_are_warnings_in_the_documented_words() {
        let mut p = create(1, false, &[]);
        p.step(T0 + NODE_CREATE);
        p.pending.take();
        let fault = Fault::new("", FaultEffect::NodesAbnormal { count: 1 }, T0).unwrap();
        let at = T0 + NODE_CREATE + 1_000;
        p.apply_faults(&[fault], at);
        assert_eq!(
            events(&mut p),
            [
                ("Warning".to_owned(), format!("Pool resources status changed, available/abnormal/creating/deleting count from 1/0/0/0 to 0/1/0/0, timestamp: {}.", at / 1000)),
                ("Warning".to_owned(), "Pool status changed, from Running to Abnormal, details: .".to_owned()),
            ]
        );
        // Nothing changed: nothing recorded.
        p.apply_faults(&[], at);
        p.pending.take();
        p.record(at + 1, false);
        assert!(p.pending.is_empty());
    }

    #[test]
    fn failed_creation_fails_its_order_with_the_reason() {
        let fault = Fault::new("", FaultEffect::CreationFails, T0).unwrap();
        let mut p = create(1, false, &[fault]);
        p.step(T0 + NODE_CREATE);
        let failed = p
            .pending
            .records()
            .iter()
            .find_map(|r| match r {
                Record::Order(o) if o.order.phase == "failed" => Some(o.clone()),
                _ => None,
            })
            .expect("the order failed");
        assert_eq!(failed.order.fail_reason.as_deref(), Some(CREATION_FAILED));
        assert!(failed.items.iter().all(|i| i.status == "failed"));
        let evs = events(&mut p);
        assert!(evs.contains(&(
            "Warning".to_owned(),
            "Pool status changed, from Creating to CreationFailed, details: Failed to create the pool: the resources could not be provisioned.".to_owned()
        )), "{evs:?}");
    }

    #[test]
    fn an_unpaid_order_is_pending_until_paid() {
        let mut p = create(1, true, &[]);
        let o = order(&p).unwrap();
        assert_eq!(
            (o.order.phase.as_str(), o.order.begin_timestamp),
            ("pending", 0)
        );
        assert_eq!(o.items.len(), 1, "no nodes yet");
        let catalog = Catalog::builtin();
        let env = Env {
            catalog: &catalog,
            region: "local-1",
            domain_id: "d",
            timing: TimingProfile::Manual,
        };
        p.pay(&env, T0 + 5).unwrap();
        let o = order(&p).unwrap();
        assert_eq!(
            (o.order.phase.as_str(), o.order.begin_timestamp),
            ("processing", T0 + 5)
        );
        assert_eq!(o.items.len(), 2);
    }

    #[test]
    fn deletion_is_an_order_that_succeeds_when_the_pool_is_gone() {
        let mut p = create(1, false, &[]);
        p.step(T0 + NODE_CREATE);
        let answer = p.delete(T0 + NODE_CREATE + 1);
        let name = answer.metadata.labels[keys::ORDER_NAME].clone();
        let o = order(&p).unwrap();
        assert_eq!(
            (o.order.order_name.as_str(), o.order.operation.as_str()),
            (name.as_str(), "delete")
        );
        let actions: Vec<&str> = o.items.iter().map(|i| i.action.as_str()).collect();
        assert_eq!(actions, ["deletePool", "deleteNode"]);
        // Asking again changes nothing.
        assert_eq!(
            p.delete(T0 + NODE_CREATE + 2).metadata.labels[keys::ORDER_NAME],
            name
        );
        assert_eq!(p.orders.len(), 1);
        p.pending.take();
        assert_eq!(p.step(T0 + 3_600_000), StepOutcome::Gone);
        let last = p.pending.take();
        assert!(last.iter().any(|r| matches!(r, Record::Order(o) if o.order.phase == "successed" && o.order.order_name == name)));
        assert!(last.iter().any(
            |r| matches!(r, Record::Event { event, .. } if event.message.contains("to 0/0/0/0"))
        ));
    }

    #[test]
    fn order_ids_look_like_the_live_ones() {
        // 2023-04-19T17:48:00Z
        let id = order_id(1_681_926_480_000);
        assert_eq!(id.len(), 17, "{id}");
        assert!(id.starts_with("CS2304191748"), "{id}");
        assert!(id[12..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }
}
