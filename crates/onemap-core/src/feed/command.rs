//! The commands, their bodies, and why one may be refused ([`Refusal`]). Plain data: what a
//! command does is decided by the lifecycle's `decide`, how it travels is the wire's.

use serde::{Deserialize, Serialize};

use super::model::{
    Category, IncidentId, IncidentStatus, Note, PatrolPlan, Position, Posting, UnitId, UnitKind,
    UnitStatus,
};

/// Give `unit_id` this patrol, or (`patrol: null`) end its patrol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignPatrol {
    pub unit_id: UnitId,
    #[serde(default)]
    pub patrol: Option<PatrolPlan>,
}

/// Send a unit; `rank` is its place in the recommendation the commander chose from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispatch {
    pub incident_id: IncidentId,
    pub unit_id: UnitId,
    #[serde(default)]
    pub rank: Option<u32>,
}

/// A unit's status: `available`/`off_duty` (from a console or the field) release it from its
/// incidents; `en_route`/`on_scene` (from the field) move its incident along.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetUnitStatus {
    pub unit_id: UnitId,
    pub status: UnitStatus,
}

/// Arrived (on scene), cleared or cancelled; clearing or cancelling frees its units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetIncidentStatus {
    pub incident_id: IncidentId,
    pub status: IncidentStatus,
}

/// Stand `from_unit` down and send `to_unit` instead, at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reassign {
    pub incident_id: IncidentId,
    pub from_unit: UnitId,
    pub to_unit: UnitId,
}

/// Send an available unit to stand by at a post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveUp {
    pub unit_id: UnitId,
    pub post: Posting,
}

/// A unit starts its shift.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOn {
    pub unit_id: UnitId,
    pub call_sign: String,
    pub kind: UnitKind,
    pub position: Position,
    /// When `position` was fixed (default: now), so that a gateway's next report, fixed a
    /// moment later, is not older than it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_at_ms: Option<i64>,
    /// Until when the fix holds (a CoT event's `stale`); consoles grey the unit after it.
    /// Without it, a fix is taken as current for 30 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_at_ms: Option<i64>,
}

/// A unit ends its shift and leaves the picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    pub unit_id: UnitId,
}

/// A position fix from a unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportPosition {
    pub unit_id: UnitId,
    pub position: Position,
    /// Degrees clockwise from north.
    pub heading_deg: f64,
    pub speed_kmh: f64,
    pub fix_at_ms: i64,
    /// Until when the fix holds (a CoT event's `stale`); see [`SignOn`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_at_ms: Option<i64>,
}

/// A new call; the server assigns its id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIncident {
    pub category: Category,
    pub priority: u8,
    pub location: Position,
    pub address: String,
    /// When the call came in (default: now).
    #[serde(default)]
    pub reported_at_ms: Option<i64>,
    /// The caller's callback number (digits, `+`, spaces and dashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// A console has seen a new incident: who and when is recorded on the incident, for every
/// console (it stops pulsing everywhere). Acknowledging again changes nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    pub incident_id: IncidentId,
}

/// Correct what the call-taker learned later: each field given replaces the incident's; at
/// least one must be given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateIncident {
    pub incident_id: IncidentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// A line on the incident's timeline; a private one is kept from wall and viewer sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddNote {
    pub incident_id: IncidentId,
    pub text: String,
    #[serde(default)]
    pub private: bool,
}

/// Another call about an open incident (a duplicate the call-taker recognised): the incident
/// counts it and keeps its words as a note instead of a second incident being opened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkCall {
    pub incident_id: IncidentId,
    #[serde(default)]
    pub text: String,
    /// The second caller's callback number, kept as a private note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
}

macro_rules! define_command {
    ($($variant:ident($body:ty) = $kind:literal,)*) => {
        /// Everything that changes the live picture. On the wire each is its own `kind`.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Command {
            $($variant($body),)*
        }

        impl Command {
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Command::$variant(_) => $kind,)*
                }
            }

            /// Every command kind, in one list (the policy tables and tests iterate it).
            pub const KINDS: &'static [&'static str] = &[$($kind,)*];

            /// The command's body as JSON, as it travels (for the audit log).
            pub fn body_json(&self) -> String {
                let json = match self {
                    $(Command::$variant(b) => serde_json::to_string(b),)*
                };
                json.unwrap_or_default()
            }
        }
    };
}

with_commands!(define_command);

impl Command {
    /// The incident and the unit a command is about (for the audit log and the console).
    pub fn subject(&self) -> (Option<&IncidentId>, Option<&UnitId>) {
        match self {
            Command::Dispatch(c) => (Some(&c.incident_id), Some(&c.unit_id)),
            Command::SetUnitStatus(c) => (None, Some(&c.unit_id)),
            Command::SetIncidentStatus(c) => (Some(&c.incident_id), None),
            Command::Reassign(c) => (Some(&c.incident_id), Some(&c.to_unit)),
            Command::MoveUp(c) => (None, Some(&c.unit_id)),
            Command::SignOn(c) => (None, Some(&c.unit_id)),
            Command::SignOff(c) => (None, Some(&c.unit_id)),
            Command::ReportPosition(c) => (None, Some(&c.unit_id)),
            Command::CreateIncident(_) => (None, None),
            Command::Acknowledge(c) => (Some(&c.incident_id), None),
            Command::UpdateIncident(c) => (Some(&c.incident_id), None),
            Command::AddNote(c) => (Some(&c.incident_id), None),
            Command::LinkCall(c) => (Some(&c.incident_id), None),
            Command::AssignPatrol(c) => (None, Some(&c.unit_id)),
        }
    }
}

/// Why a command was not carried out. Serialised with a `code` (consoles word it in their own
/// language); [`std::fmt::Display`] gives the English message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case", deny_unknown_fields)]
pub enum Refusal {
    #[error("expired: its deadline passed {} ms before the server received it", now_ms - not_after_ms)]
    Expired { not_after_ms: i64, now_ms: i64 },
    #[error("a command needs request_id and not_after")]
    MissingDeadline,
    #[error("no incident {incident_id}")]
    UnknownIncident { incident_id: IncidentId },
    #[error("no unit {unit_id}")]
    UnknownUnit { unit_id: UnitId },
    #[error("conflict: unit {unit_id} is not available ({})", status.name())]
    UnitNotAvailable { unit_id: UnitId, status: UnitStatus },
    #[error("incident {incident_id} is {}", status.name())]
    IncidentClosed {
        incident_id: IncidentId,
        status: IncidentStatus,
    },
    #[error("incident {incident_id} cannot go from {} to {}", from.name(), to.name())]
    BadTransition {
        incident_id: IncidentId,
        from: IncidentStatus,
        to: IncidentStatus,
    },
    #[error("unit {unit_id} cannot go from {} to {}", from.name(), to.name())]
    BadUnitTransition {
        unit_id: UnitId,
        from: UnitStatus,
        to: UnitStatus,
    },
    #[error("{unit_id} is not assigned to {incident_id}")]
    NotAssigned {
        incident_id: IncidentId,
        unit_id: UnitId,
    },
    /// A unit reports faster than the server accepts (`per_second` a second at most).
    #[error("unit {unit_id} reports more than {per_second} positions a second")]
    TooFrequent { unit_id: UnitId, per_second: u32 },
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The sender's role may not send this (`policy`).
    #[error("forbidden: role {role} may not {kind}{}", if reason.is_empty() { String::new() } else { format!(" ({reason})") })]
    Forbidden {
        role: String,
        kind: String,
        #[serde(default)]
        reason: String,
    },
}

pub(super) fn invalid(field: &str, reason: impl Into<String>) -> Refusal {
    Refusal::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}
