//! The arithmetic behind quotas and address availability: what a project,
//! a workspace and a network may still take.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// `-1`: no limit.
pub const UNLIMITED: i64 = -1;

/// A project-level (OS) quota: its type as `/v1/{project_id}/quotas` names it.
pub struct OsQuota {
    pub kind: &'static str,
    pub default: i64,
}

/// Pools, networks and nodes of a project (nodes: no limit unless one is set).
pub const OS_QUOTAS: [OsQuota; 3] = [
    OsQuota {
        kind: "pool",
        default: 1000,
    },
    OsQuota {
        kind: "network",
        default: 1000,
    },
    OsQuota {
        kind: "node",
        default: UNLIMITED,
    },
];

/// A workspace quota item as the workspace quota calls describe it.
pub struct WorkspaceQuotaItem {
    pub resource: &'static str,
    pub name_en: &'static str,
    pub name_cn: &'static str,
    pub unit_en: &'static str,
    pub unit_cn: &'static str,
    pub min: i64,
    pub max: i64,
    /// Whether respool counts and enforces it.
    pub enforced: bool,
}

pub const POOL_RESOURCE: &str = "modelarts.pool";
pub const NODE_RESOURCE: &str = "modelarts.pool.node";

pub const WORKSPACE_QUOTAS: [WorkspaceQuotaItem; 3] = [
    WorkspaceQuotaItem {
        resource: POOL_RESOURCE,
        name_en: "Dedicated resource pools",
        name_cn: "专属资源池",
        unit_en: "pool",
        unit_cn: "个",
        min: UNLIMITED,
        max: 1000,
        enforced: true,
    },
    WorkspaceQuotaItem {
        resource: NODE_RESOURCE,
        name_en: "Nodes of dedicated resource pools",
        name_cn: "专属资源池节点",
        unit_en: "node",
        unit_cn: "个",
        min: UNLIMITED,
        max: 10000,
        enforced: true,
    },
    WorkspaceQuotaItem {
        resource: "exemlProject.gpu_duration",
        name_en: "ExeML training duration",
        name_cn: "自动学习训练时长",
        unit_en: "minute",
        unit_cn: "分钟",
        min: UNLIMITED,
        max: 60000,
        enforced: false,
    },
];

/// A quota value that was set, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaSetting {
    pub quota: i64,
    pub update_ms: i64,
}

/// Quotas set on one scope (a project's OS quotas or one workspace), by
/// resource; a resource not listed has its default.
pub type QuotaSettings = BTreeMap<String, QuotaSetting>;

/// Checks a workspace quota change: a known resource, and `-1` or a value
/// from the item's minimum to its maximum.
pub fn validate_workspace_quota(resource: &str, quota: i64) -> Result<(), DomainError> {
    let Some(item) = WORKSPACE_QUOTAS.iter().find(|q| q.resource == resource) else {
        let known: Vec<&str> = WORKSPACE_QUOTAS.iter().map(|q| q.resource).collect();
        return Err(DomainError::invalid(format!(
            "quotas.resource {resource:?} is not a quota of the workspace: use {}",
            known.join(", ")
        )));
    };
    if quota == UNLIMITED {
        return Ok(());
    }
    let min = item.min.max(0);
    if quota < min || quota > item.max {
        return Err(DomainError::invalid(format!(
            "quotas.quota of {resource}: {quota} is outside [{min}, {}]; use -1 for no limit",
            item.max
        )));
    }
    Ok(())
}

/// Checks an OS quota limit set through the admin API.
pub fn validate_os_quota(kind: &str, quota: i64) -> Result<(), DomainError> {
    if !OS_QUOTAS.iter().any(|q| q.kind == kind) {
        return Err(DomainError::invalid(format!(
            "{kind:?} is not an OS quota: use pool, network or node"
        )));
    }
    if quota < UNLIMITED {
        return Err(DomainError::invalid(format!(
            "{kind}: {quota} is not a quota; use a count, or -1 for no limit"
        )));
    }
    Ok(())
}

/// The limit in force: the setting, else the default.
pub fn limit(settings: &QuotaSettings, resource: &str, default: i64) -> i64 {
    settings.get(resource).map_or(default, |s| s.quota)
}

/// What is left under `limit` once `used` is taken; `None` without a limit.
/// Never negative: a limit lowered below what is used leaves nothing.
pub fn remaining(limit: i64, used: u64) -> Option<u64> {
    (limit != UNLIMITED).then(|| (limit.max(0) as u64).saturating_sub(used))
}

/// Whether growing from `before` to `after` stays within `limit` given what
/// others already use. Not growing is always allowed, even over the limit.
pub fn allows(limit: i64, others: u64, before: u64, after: u64) -> bool {
    after <= before || remaining(limit, others).is_none_or(|left| after <= left)
}

/// Addresses a subnet reserves: its first (gateway) and its last two.
pub const RESERVED_ADDRESSES: u64 = 3;

/// How many addresses a CIDR block spans.
pub fn cidr_size(cidr: &str) -> Option<u64> {
    let (addr, prefix) = cidr.split_once('/')?;
    addr.parse::<Ipv4Addr>().ok()?;
    if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let p: u32 = prefix.parse().ok()?;
    (p <= 32).then(|| 1u64 << (32 - p))
}

/// Addresses nodes may take in the block: all but the reserved ones.
pub fn usable_ips(cidr: &str) -> u64 {
    cidr_size(cidr).map_or(0, |n| n.saturating_sub(RESERVED_ADDRESSES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(cidr_size("192.168.0.0/16"), Some(65536));
        assert_eq!(usable_ips("192.168.0.0/24"), 253);
        assert_eq!(usable_ips("192.168.0.0/32"), 0);
        assert_eq!(cidr_size("nope"), None);
    }

    #[test]
    fn quota_bounds() {
        assert!(validate_workspace_quota(POOL_RESOURCE, -1).is_ok());
        assert!(validate_workspace_quota(POOL_RESOURCE, 0).is_ok());
        assert!(validate_workspace_quota(POOL_RESOURCE, 1000).is_ok());
        assert!(validate_workspace_quota(POOL_RESOURCE, 1001).is_err());
        assert!(validate_workspace_quota(POOL_RESOURCE, -2).is_err());
        assert!(validate_workspace_quota("nope", 1).is_err());
        assert!(allows(2, 1, 0, 1));
        assert!(!allows(2, 2, 0, 1));
        assert!(allows(1, 5, 3, 2));
        assert!(allows(UNLIMITED, 1 << 40, 0, 1 << 40));
    }
}
