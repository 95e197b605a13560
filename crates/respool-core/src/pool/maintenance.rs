//! Scheduled events: maintenance announced for a pool's nodes. An event
//! waits in `inquiring` for the user to accept it (or for its deadline,
//! when the service schedules it itself), is `scheduled` until its
//! `notBefore`, `executing` while the node reboots or is redeployed, then
//! `completed`; `canceled` if the node leaves first, `failed` if it leaves
//! while the work runs.

use respool_api_types as api;
use serde::{Deserialize, Serialize};

use super::{NodePhase, NodeWork, PoolState};
use crate::time::rfc3339;
use crate::DomainError;

/// The event types respool can raise, and what executing each does.
pub const MAINTENANCE_TYPES: [&str; 3] = ["system-maintenance", "node_reboot", "node_redeploy"];
/// Finished events a pool keeps.
const FINISHED_KEPT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventState {
    Inquiring,
    Scheduled,
    Executing,
    Completed,
    Failed,
    Canceled,
}

impl EventState {
    pub const ALL: [EventState; 6] = [
        EventState::Inquiring,
        EventState::Scheduled,
        EventState::Executing,
        EventState::Completed,
        EventState::Failed,
        EventState::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Inquiring => "inquiring",
            EventState::Scheduled => "scheduled",
            EventState::Executing => "executing",
            EventState::Completed => "completed",
            EventState::Failed => "failed",
            EventState::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<EventState> {
        EventState::ALL.into_iter().find(|e| e.as_str() == s)
    }

    fn finished(self) -> bool {
        matches!(
            self,
            EventState::Completed | EventState::Failed | EventState::Canceled
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    pub id: String,
    pub event_type: String,
    pub node: String,
    pub state: EventState,
    pub description: String,
    pub publish_ms: i64,
    /// Until when the user may accept; then the service schedules it itself.
    pub deadline_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_ms: Option<i64>,
    /// `HARD` or `SOFT`, as accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redeploy: Vec<String>,
}

/// What the admin API announces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceNotice {
    /// One of [`MAINTENANCE_TYPES`].
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub description: Option<String>,
    /// How many nodes of each matched pool (the oldest first); all when absent.
    #[serde(default)]
    pub nodes: Option<usize>,
    /// Seconds the user has to accept; the profile's default when absent.
    #[serde(default)]
    pub accept_within_seconds: Option<i64>,
}

impl MaintenanceNotice {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !MAINTENANCE_TYPES.contains(&self.event_type.as_str()) {
            return Err(DomainError::invalid(format!(
                "invalid type {:?}: use one of {}",
                self.event_type,
                MAINTENANCE_TYPES.join(", ")
            )));
        }
        if self.accept_within_seconds.is_some_and(|s| s < 0) {
            return Err(DomainError::invalid(
                "acceptWithinSeconds must not be negative",
            ));
        }
        Ok(())
    }
}

impl PoolState {
    /// Raises one event per chosen node. Returns their ids.
    pub fn announce_maintenance(&mut self, notice: &MaintenanceNotice, now_ms: i64) -> Vec<String> {
        let within = notice
            .accept_within_seconds
            .map(|s| s.saturating_mul(1000))
            .unwrap_or(self.timing.durations().event_accept);
        let mut nodes: Vec<(i64, String)> = self
            .nodes
            .iter()
            .filter(|n| !matches!(n.phase, NodePhase::Creating | NodePhase::Deleting))
            .map(|n| (n.created_ms, n.name.clone()))
            .collect();
        nodes.sort();
        nodes.truncate(notice.nodes.unwrap_or(usize::MAX));
        let description = notice.description.clone().unwrap_or_else(|| {
            match notice.event_type.as_str() {
                "node_reboot" => "The node needs a reboot to recover from a hardware fault.",
                "node_redeploy" => "The node will be redeployed on healthy hardware.",
                _ => "Planned maintenance of the node's host.",
            }
            .into()
        });
        let mut ids = Vec::new();
        for (_, node) in nodes {
            let id = uuid::Uuid::new_v4().to_string();
            self.maintenances.push(Maintenance {
                id: id.clone(),
                event_type: notice.event_type.clone(),
                node,
                state: EventState::Inquiring,
                description: description.clone(),
                publish_ms: now_ms,
                deadline_ms: now_ms.saturating_add(within),
                not_before_ms: None,
                start_ms: None,
                finish_ms: None,
                redeploy: Vec::new(),
            });
            ids.push(id);
        }
        self.advance_maintenances(now_ms);
        ids
    }

    pub fn maintenance(&self, id: &str) -> Option<&Maintenance> {
        self.maintenances.iter().find(|m| m.id == id)
    }

    /// `POST .../scheduled-events/{id}/accept`: schedules the event for
    /// `not_before` (now, if that has passed).
    pub fn accept_maintenance(
        &mut self,
        id: &str,
        not_before_ms: Option<i64>,
        redeploy: Option<&str>,
        now_ms: i64,
    ) -> Result<(), DomainError> {
        if let Some(r) = redeploy {
            if !matches!(r, "HARD" | "SOFT") {
                return Err(DomainError::invalid(format!(
                    "invalid redeployConfig.type {r:?}: use HARD or SOFT"
                )));
            }
        }
        let Some(m) = self.maintenances.iter_mut().find(|m| m.id == id) else {
            return Err(DomainError::invalid(format!(
                "scheduled event {id:?} not found"
            )));
        };
        if m.state != EventState::Inquiring {
            return Err(DomainError::invalid(format!(
                "scheduled event {id:?} is {}: only an inquiring event can be accepted",
                m.state.as_str()
            )));
        }
        m.state = EventState::Scheduled;
        m.not_before_ms = Some(not_before_ms.unwrap_or(now_ms).max(now_ms));
        m.redeploy = redeploy.map(|r| vec![r.to_owned()]).unwrap_or_default();
        self.advance_maintenances(now_ms);
        Ok(())
    }

    /// When an event moves on by itself next.
    pub(crate) fn next_maintenance_due(&self) -> Option<i64> {
        self.maintenances
            .iter()
            .filter_map(|m| match m.state {
                EventState::Inquiring => Some(m.deadline_ms),
                EventState::Scheduled => m.not_before_ms,
                _ => None,
            })
            .min()
    }

    /// Moves every event on at `t`.
    pub(crate) fn advance_maintenances(&mut self, t: i64) {
        for i in 0..self.maintenances.len() {
            let m = self.maintenances[i].clone();
            let node = self
                .node(&m.node)
                .map(|n| (n.phase, n.extra.work.is_some()));
            let leaving = node.is_none_or(|(p, _)| p == NodePhase::Deleting);
            let next = match m.state {
                EventState::Inquiring | EventState::Scheduled if leaving => {
                    Some(EventState::Canceled)
                }
                EventState::Executing if leaving => Some(EventState::Failed),
                EventState::Inquiring if m.deadline_ms <= t => Some(EventState::Executing),
                EventState::Scheduled if m.not_before_ms.is_some_and(|nb| nb <= t) => {
                    Some(EventState::Executing)
                }
                EventState::Executing
                    if node.is_some_and(|(p, busy)| p != NodePhase::Checking || !busy) =>
                {
                    Some(EventState::Completed)
                }
                _ => None,
            };
            let Some(next) = next else { continue };
            if next == EventState::Executing {
                let work = if m.event_type == "node_reboot" {
                    NodeWork::Reboot
                } else {
                    NodeWork::Reset(None)
                };
                self.start_node_work(&m.node, work, t);
            }
            let m = &mut self.maintenances[i];
            m.state = next;
            if next == EventState::Executing {
                m.start_ms = Some(t);
            }
            if next.finished() {
                m.finish_ms = Some(t);
            }
        }
        let finished = self
            .maintenances
            .iter()
            .filter(|m| m.state.finished())
            .count();
        let mut drop = finished.saturating_sub(FINISHED_KEPT);
        self.maintenances.retain(|m| {
            if drop > 0 && m.state.finished() {
                drop -= 1;
                false
            } else {
                true
            }
        });
    }

    /// An event as `GET /v1/{project_id}/scheduled-events` lists it.
    pub fn maintenance_view(&self, m: &Maintenance) -> api::ScheduledEvent {
        let instance = self.node(&m.node).map(|n| self.instance_id(n));
        let progress = match m.state {
            EventState::Completed => "100",
            EventState::Executing => "50",
            _ => "0",
        };
        api::ScheduledEvent {
            id: m.id.clone(),
            catalog: "maintenance".into(),
            event_type: m.event_type.clone(),
            description: m.description.clone(),
            state: m.state.as_str().into(),
            instance_type: "node".into(),
            instance_id: m.node.clone(),
            node_name: m.node.clone(),
            pool_name: self.name().into(),
            pool_display_name: self.display_name().into(),
            publish_time: rfc3339(m.publish_ms),
            start_time: m.start_ms.map(rfc3339),
            finish_time: m.finish_ms.map(rfc3339),
            not_before: m
                .not_before_ms
                .map(rfc3339)
                .or((m.state == EventState::Inquiring).then(|| rfc3339(m.deadline_ms))),
            probe_msg: None,
            job_progress: progress.into(),
            redeploy_type: m.redeploy.clone(),
            under_lying_instance_id: instance,
        }
    }
}
