//! Timing profiles: how long each lifecycle stage takes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimingProfile {
    /// Every stage completes at once.
    Immediate,
    /// Seconds: for scripts and CI.
    Fast,
    /// Minutes, as measured on the live service.
    Realistic,
    /// Realistic durations on a clock that only the admin API moves.
    Manual,
}

/// Stage durations in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durations {
    /// A node from `Creating` to `Available`.
    pub node_create: i64,
    /// A node from `Deleting` to gone.
    pub node_delete: i64,
    /// A job type from `Enabling` to `Enabled` once the pool runs.
    pub scope_enable: i64,
    /// A job type from `Disabling` to `Disabled`.
    pub scope_disable: i64,
    /// A pool from `Deleting` to gone.
    pub pool_delete: i64,
    /// A rebooted node is `Checking` this long before it is `Available` again.
    pub node_reboot: i64,
    /// A reset (re-imaged) node is `Checking` this long.
    pub node_reset: i64,
    /// A node's driver is `Upgrading` this long.
    pub driver_upgrade: i64,
    /// A migrated node leaves its pool and joins the other in this time.
    pub node_migrate: i64,
    /// A plugin is `Pending` this long after it is installed.
    pub plugin_install: i64,
    /// A plugin is `Updating` this long after it is upgraded.
    pub plugin_upgrade: i64,
    /// How long a scheduled event waits for `accept` before the service schedules it itself.
    pub event_accept: i64,
}

impl TimingProfile {
    pub const ALL: [TimingProfile; 4] = [
        TimingProfile::Immediate,
        TimingProfile::Fast,
        TimingProfile::Realistic,
        TimingProfile::Manual,
    ];

    pub fn durations(self) -> Durations {
        const S: i64 = 1_000;
        match self {
            TimingProfile::Immediate => Durations {
                node_create: 0,
                node_delete: 0,
                scope_enable: 0,
                scope_disable: 0,
                pool_delete: 0,
                node_reboot: 0,
                node_reset: 0,
                driver_upgrade: 0,
                node_migrate: 0,
                event_accept: 0,
                plugin_install: 0,
                plugin_upgrade: 0,
            },
            TimingProfile::Fast => Durations {
                node_create: 2 * S,
                node_delete: S,
                scope_enable: S,
                scope_disable: S,
                pool_delete: 2 * S,
                node_reboot: S,
                node_reset: 2 * S,
                driver_upgrade: 2 * S,
                node_migrate: 2 * S,
                event_accept: 5 * S,
                plugin_install: 2 * S,
                plugin_upgrade: 2 * S,
            },
            // Terraform's CPU pool runs took 18-21 minutes for create, scale and delete together.
            TimingProfile::Realistic | TimingProfile::Manual => Durations {
                node_create: 12 * 60 * S,
                node_delete: 3 * 60 * S,
                scope_enable: 60 * S,
                scope_disable: 30 * S,
                pool_delete: 4 * 60 * S,
                node_reboot: 5 * 60 * S,
                node_reset: 10 * 60 * S,
                driver_upgrade: 8 * 60 * S,
                node_migrate: 10 * 60 * S,
                event_accept: 72 * 3600 * S,
                plugin_install: 3 * 60 * S,
                plugin_upgrade: 2 * 60 * S,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TimingProfile::Immediate => "immediate",
            TimingProfile::Fast => "fast",
            TimingProfile::Realistic => "realistic",
            TimingProfile::Manual => "manual",
        }
    }
}

impl fmt::Display for TimingProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TimingProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimingProfile::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                format!("unknown timing profile {s:?}: use immediate, fast, realistic or manual")
            })
    }
}
