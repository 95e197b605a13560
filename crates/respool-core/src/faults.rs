//! Injected faults: rules an operator sets through the admin API to make the
//! pools whose labels match behave as broken pools of the live service do.
//! A fault is data; the lifecycle (see `pool::faults`) gives it effect.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::selector::Selector;
use crate::DomainError;

/// What a fault does to the pools it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "kebab-case")]
pub enum FaultEffect {
    /// Creation ends in `CreationFailed` instead of `Running`.
    CreationFails,
    /// Up to `count` available nodes turn `Abnormal` until the fault is removed.
    NodesAbnormal { count: u32 },
    /// Nodes added by a scale-up fail; the pool turns `ScalingFailed`.
    ScalingFails,
    /// Deletion stays in `Deleting` until the fault is removed.
    DeleteStuck,
    /// Up to `count` of the nodes that finish creating at one time never
    /// arrive; the others do, and their order ends `partialSuccessed`.
    NodesFail { count: u32 },
}

impl FaultEffect {
    pub const NAMES: [&'static str; 5] = [
        "creation-fails",
        "nodes-abnormal",
        "scaling-fails",
        "delete-stuck",
        "nodes-fail",
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultEffect::CreationFails => "creation-fails",
            FaultEffect::NodesAbnormal { .. } => "nodes-abnormal",
            FaultEffect::ScalingFails => "scaling-fails",
            FaultEffect::DeleteStuck => "delete-stuck",
            FaultEffect::NodesFail { .. } => "nodes-fail",
        }
    }

    pub fn count(self) -> Option<u32> {
        match self {
            FaultEffect::NodesAbnormal { count } | FaultEffect::NodesFail { count } => Some(count),
            _ => None,
        }
    }

    /// Builds an effect from its name and optional count, as requests and rows carry them.
    pub fn from_parts(name: &str, count: Option<i64>) -> Result<FaultEffect, DomainError> {
        let effect = match name {
            "creation-fails" => FaultEffect::CreationFails,
            "scaling-fails" => FaultEffect::ScalingFails,
            "delete-stuck" => FaultEffect::DeleteStuck,
            "nodes-abnormal" | "nodes-fail" => {
                let count = count.unwrap_or(1);
                if !(1..=i64::from(MAX_ABNORMAL)).contains(&count) {
                    return Err(DomainError::invalid(format!(
                        "count must be between 1 and {MAX_ABNORMAL}"
                    )));
                }
                let count = count as u32;
                return Ok(if name == "nodes-fail" {
                    FaultEffect::NodesFail { count }
                } else {
                    FaultEffect::NodesAbnormal { count }
                });
            }
            other => {
                return Err(DomainError::invalid(format!(
                    "unknown effect {other:?}: use {}",
                    FaultEffect::NAMES.join(", ")
                )))
            }
        };
        if count.is_some() {
            return Err(DomainError::invalid(format!(
                "count applies only to nodes-abnormal and nodes-fail, not to {name}"
            )));
        }
        Ok(effect)
    }
}

/// More nodes than one pool can hold.
const MAX_ABNORMAL: u32 = 100_000;

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub id: String,
    /// Kubernetes label selector over the pool's `metadata.labels`; empty matches every pool.
    pub label_selector: String,
    #[serde(flatten)]
    pub effect: FaultEffect,
    pub created_ms: i64,
}

impl Fault {
    /// A new fault with a fresh id; the selector must parse.
    pub fn new(
        label_selector: &str,
        effect: FaultEffect,
        now_ms: i64,
    ) -> Result<Fault, DomainError> {
        Selector::parse(label_selector)
            .map_err(|e| DomainError::invalid(format!("invalid labelSelector: {e}")))?;
        Ok(Fault {
            id: new_id(),
            label_selector: label_selector.to_owned(),
            effect,
            created_ms: now_ms,
        })
    }

    /// Whether the fault applies to a pool with these labels. A selector
    /// that no longer parses (a foreign write) matches nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        Selector::parse(&self.label_selector).is_ok_and(|s| s.matches(labels))
    }
}

/// `fault-` and 11 base-36 digits of a strictly increasing microsecond
/// count: ids sort in the order faults were made, even within one instant
/// of the (possibly frozen) virtual clock.
fn new_id() -> String {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let wall = chrono::Utc::now().timestamp_micros();
    let prev = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(wall.max(last + 1))
        })
        .expect("the update always succeeds");
    let mut n = wall.max(prev + 1) as u64;
    let mut digits = [b'0'; 11];
    for d in digits.iter_mut().rev() {
        *d = b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize];
        n /= 36;
    }
    format!("fault-{}", String::from_utf8_lossy(&digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_parse_and_name_round_trip() {
        for name in FaultEffect::NAMES {
            let e = FaultEffect::from_parts(name, None).unwrap();
            assert_eq!(e.name(), name);
        }
        assert_eq!(
            FaultEffect::from_parts("nodes-abnormal", Some(3)).unwrap(),
            FaultEffect::NodesAbnormal { count: 3 }
        );
        assert!(FaultEffect::from_parts("nodes-abnormal", Some(0)).is_err());
        assert!(FaultEffect::from_parts("delete-stuck", Some(1)).is_err());
        assert!(FaultEffect::from_parts("meteor", None).is_err());
    }

    #[test]
    fn selector_decides_matching() {
        let f = Fault::new("team=a", FaultEffect::DeleteStuck, 0).unwrap();
        let mut labels = BTreeMap::new();
        assert!(!f.matches(&labels));
        labels.insert("team".to_owned(), "a".to_owned());
        assert!(f.matches(&labels));
        assert!(Fault::new("team in (", FaultEffect::DeleteStuck, 0).is_err());
        assert!(Fault::new("", FaultEffect::DeleteStuck, 0)
            .unwrap()
            .matches(&BTreeMap::new()));
    }

    #[test]
    fn ids_sort_in_creation_order() {
        let ids: Vec<String> = (0..50).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert_eq!(ids[0].len(), "fault-".len() + 11);
    }

    #[test]
    fn serializes_flat() {
        let f = Fault {
            id: "fault-x".into(),
            label_selector: "a=b".into(),
            effect: FaultEffect::NodesAbnormal { count: 2 },
            created_ms: 5,
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["effect"], "nodes-abnormal");
        assert_eq!(v["count"], 2);
        assert_eq!(serde_json::from_value::<Fault>(v).unwrap(), f);
    }
}
