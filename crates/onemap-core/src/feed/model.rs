//! The live picture's nouns: incidents, units and their statuses, with newtype ids and times
//! in epoch milliseconds (`*_ms`). Plain data with serde derives; the rules that change them
//! live in the lifecycle module, the wire format in the wire module.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::coord::LonLat;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A patrol unit, e.g. `U-001`.
    UnitId
);
string_id!(
    /// An incident, e.g. `I-000042` (assigned by the server).
    IncidentId
);
string_id!(
    /// A client's id for one command; a repeat of it is answered, not applied again.
    RequestId
);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Theft,
    Robbery,
    Assault,
    Dispute,
    TrafficAccident,
    Fire,
    Medical,
    Suspicious,
    Other,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Theft,
        Category::Robbery,
        Category::Assault,
        Category::Dispute,
        Category::TrafficAccident,
        Category::Fire,
        Category::Medical,
        Category::Suspicious,
        Category::Other,
    ];

    /// The name on the wire (`traffic_accident`).
    pub fn wire_name(self) -> &'static str {
        match self {
            Category::Theft => "theft",
            Category::Robbery => "robbery",
            Category::Assault => "assault",
            Category::Dispute => "dispute",
            Category::TrafficAccident => "traffic_accident",
            Category::Fire => "fire",
            Category::Medical => "medical",
            Category::Suspicious => "suspicious",
            Category::Other => "other",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    New,
    Dispatched,
    EnRoute,
    OnScene,
    Cleared,
    Cancelled,
}

impl IncidentStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, IncidentStatus::Cleared | IncidentStatus::Cancelled)
    }

    /// Whether an incident may move from `self` to `next`: forward along
    /// new → dispatched → en route → on scene → cleared (skipping steps is allowed: a unit
    /// may report on scene without having reported en route), cancelled from any open
    /// status, and back to new when its last unit is stood down.
    pub fn can_become(self, next: IncidentStatus) -> bool {
        use IncidentStatus::*;
        if !self.is_open() || self == next {
            return false;
        }
        match next {
            New => true,
            Cancelled => true,
            Dispatched => self == New,
            EnRoute => matches!(self, Dispatched),
            OnScene => matches!(self, Dispatched | EnRoute),
            Cleared => matches!(self, Dispatched | EnRoute | OnScene),
        }
    }

    /// The protocol's name (`en_route`), for messages.
    pub fn name(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Dispatched => "dispatched",
            IncidentStatus::EnRoute => "en_route",
            IncidentStatus::OnScene => "on_scene",
            IncidentStatus::Cleared => "cleared",
            IncidentStatus::Cancelled => "cancelled",
        }
    }
}

/// When an incident first reached each status, epoch milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentTimes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatched_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en_route_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_scene_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleared_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at_ms: Option<i64>,
}

impl IncidentTimes {
    fn slot(&mut self, status: IncidentStatus) -> Option<&mut Option<i64>> {
        match status {
            IncidentStatus::New => None,
            IncidentStatus::Dispatched => Some(&mut self.dispatched_at_ms),
            IncidentStatus::EnRoute => Some(&mut self.en_route_at_ms),
            IncidentStatus::OnScene => Some(&mut self.on_scene_at_ms),
            IncidentStatus::Cleared => Some(&mut self.cleared_at_ms),
            IncidentStatus::Cancelled => Some(&mut self.cancelled_at_ms),
        }
    }

    /// When the incident closed (cleared or cancelled), if it has.
    pub fn closed_at_ms(&self) -> Option<i64> {
        match (self.cleared_at_ms, self.cancelled_at_ms) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    PatrolCar,
    Motorbike,
    FootPatrol,
    EbikeVolunteer,
    Drone,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [
        UnitKind::PatrolCar,
        UnitKind::Motorbike,
        UnitKind::FootPatrol,
        UnitKind::EbikeVolunteer,
        UnitKind::Drone,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Seconds from the call to rolling, by default: a car crew gets in and starts, a
    /// motorbike is quicker, a foot patrol walks off at once, a volunteer unlocks a bike, a
    /// drone is readied.
    pub fn default_turnout_s(self) -> f32 {
        match self {
            UnitKind::PatrolCar => 30.0,
            UnitKind::Motorbike => 20.0,
            UnitKind::FootPatrol => 0.0,
            UnitKind::EbikeVolunteer => 15.0,
            UnitKind::Drone => 60.0,
        }
    }

    /// How the unit travels on the road network (drones are routed as cars for now).
    pub fn travel_mode(self) -> crate::routing::Mode {
        use crate::routing::Mode;
        match self {
            UnitKind::PatrolCar | UnitKind::Drone => Mode::Car,
            UnitKind::Motorbike => Mode::Motorbike,
            UnitKind::FootPatrol => Mode::Foot,
            UnitKind::EbikeVolunteer => Mode::EBike,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Available,
    Dispatched,
    EnRoute,
    OnScene,
    OffDuty,
}

impl UnitStatus {
    pub const ALL: [UnitStatus; 5] = [
        UnitStatus::Available,
        UnitStatus::Dispatched,
        UnitStatus::EnRoute,
        UnitStatus::OnScene,
        UnitStatus::OffDuty,
    ];

    pub fn name(self) -> &'static str {
        match self {
            UnitStatus::Available => "available",
            UnitStatus::Dispatched => "dispatched",
            UnitStatus::EnRoute => "en_route",
            UnitStatus::OnScene => "on_scene",
            UnitStatus::OffDuty => "off_duty",
        }
    }
}

/// A position as `[lon, lat]`, as in GeoJSON.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position(pub [f64; 2]);

impl Position {
    pub fn lonlat(self) -> LonLat {
        LonLat::new(self.0[0], self.0[1])
    }

    /// Both coordinates finite and inside WGS84.
    pub fn is_valid(self) -> bool {
        self.lonlat().is_valid()
    }
}

impl From<LonLat> for Position {
    fn from(p: LonLat) -> Self {
        Position([p.lon, p.lat])
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub id: IncidentId,
    pub category: Category,
    /// 1 (most urgent) to 4.
    pub priority: u8,
    pub location: Position,
    pub address: String,
    pub reported_at_ms: i64,
    pub status: IncidentStatus,
    #[serde(default)]
    pub assigned_units: Vec<UnitId>,
    /// When each status was first reached (stamped by the rules as they are applied).
    #[serde(default)]
    pub times: IncidentTimes,
    /// The caller's callback number: the only personal datum an incident carries. Never sent
    /// to wall or viewer sessions (`policy::redact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
    /// Notes for dispatch; a private note is not sent to wall or viewer sessions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Who acknowledged it first, and when (the `acknowledge` command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Acknowledged>,
    /// Calls about it: 1, and one more for each call linked to it as a duplicate.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub calls: u32,
}

/// The first acknowledgement of an incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledged {
    pub by: String,
    pub at_ms: i64,
}

/// A note on an incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    /// Dispatch only: removed from what wall and viewer sessions receive.
    #[serde(default)]
    pub private: bool,
    /// Who wrote it and when (stamped by the server; empty and 0 for notes given with a call).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub at_ms: i64,
}

impl Note {
    /// A note as a producer gives it (the server stamps who and when).
    pub fn new(text: impl Into<String>, private: bool) -> Note {
        Note {
            text: text.into(),
            private,
            by: String::new(),
            at_ms: 0,
        }
    }
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

fn one() -> u32 {
    1
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

impl Incident {
    /// Stamp a new version of an incident: keep the times already known (`prev`) and record
    /// `at_ms` for a status reached for the first time. Earlier times are never moved, so
    /// call-to-dispatch is the first dispatch even after a reassignment.
    pub fn stamp(&mut self, prev: Option<&Incident>, at_ms: i64) {
        if let Some(p) = prev {
            let t = &mut self.times;
            for (mine, theirs) in [
                (&mut t.dispatched_at_ms, p.times.dispatched_at_ms),
                (&mut t.en_route_at_ms, p.times.en_route_at_ms),
                (&mut t.on_scene_at_ms, p.times.on_scene_at_ms),
                (&mut t.cleared_at_ms, p.times.cleared_at_ms),
                (&mut t.cancelled_at_ms, p.times.cancelled_at_ms),
            ] {
                if mine.is_none() {
                    *mine = theirs;
                }
            }
        }
        let changed = prev.is_none_or(|p| p.status != self.status);
        if changed
            && let Some(slot) = self.times.slot(self.status)
            && slot.is_none()
        {
            *slot = Some(at_ms);
        }
        // A unit on scene was dispatched, at the latest when it arrived.
        if self.times.on_scene_at_ms.is_some() && self.times.dispatched_at_ms.is_none() {
            self.times.dispatched_at_ms = self.times.on_scene_at_ms;
        }
    }

    /// Seconds from the call to the first dispatch.
    pub fn call_to_dispatch_s(&self) -> Option<f64> {
        self.times
            .dispatched_at_ms
            .map(|t| (t - self.reported_at_ms) as f64 / 1000.0)
    }

    /// Seconds from the first dispatch to the first unit on scene.
    pub fn dispatch_to_arrival_s(&self) -> Option<f64> {
        Some((self.times.on_scene_at_ms? - self.times.dispatched_at_ms?) as f64 / 1000.0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub id: UnitId,
    pub call_sign: String,
    pub kind: UnitKind,
    pub status: UnitStatus,
    /// When the unit entered its status.
    #[serde(default)]
    pub status_since_ms: i64,
    /// The incident the unit is working, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    pub position: Position,
    /// Degrees clockwise from north.
    pub heading_deg: f64,
    pub speed_kmh: f64,
    /// When the position was fixed.
    pub fix_at_ms: i64,
    /// Until when the fix holds, if its source said (a CoT `stale`); else 30 s after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_at_ms: Option<i64>,
    /// A move-up: the post this available unit was sent to stand by at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted: Option<Posting>,
    /// The patrol it was given, and how far it has got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol: Option<Box<Patrol>>,
}

/// How long a fix is taken as current when its source gave no `stale_at_ms`.
pub const FIX_HOLDS_MS: i64 = 30_000;

impl Unit {
    /// Whether the unit's fix no longer holds at `now_ms`: past its `stale_at_ms`, or older
    /// than [`FIX_HOLDS_MS`] without one. Consoles grey it.
    pub fn fix_is_stale(&self, now_ms: i64) -> bool {
        match self.stale_at_ms {
            Some(s) => now_ms > s,
            None => now_ms - self.fix_at_ms > FIX_HOLDS_MS,
        }
    }
}

/// A post a unit stands by at (a move-up).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Posting {
    pub post: String,
    pub position: Position,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitPosition {
    pub id: UnitId,
    pub position: Position,
    pub heading_deg: f64,
    pub speed_kmh: f64,
    pub fix_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_at_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitStatusChange {
    pub id: UnitId,
    pub status: UnitStatus,
    /// The incident the unit is working, if any.
    #[serde(default)]
    pub incident_id: Option<IncidentId>,
    /// A move-up: the post to stand by at (any other status change ends a move-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<Posting>,
}

/// One line of the server's audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub id: i64,
    pub ts_ms: i64,
    /// Who acted: the client's name and address, or `server` / `simulator`.
    pub client: String,
    /// `recommendation`, `acknowledge`, a command's kind (`dispatch`, `set_unit_status`, …),
    /// or `result` (a command's outcome).
    pub action: String,
    #[serde(default)]
    pub incident_id: Option<IncidentId>,
    #[serde(default)]
    pub unit_id: Option<UnitId>,
    /// For results: whether the command succeeded.
    #[serde(default)]
    pub ok: Option<bool>,
    /// The command's body as JSON, the ranked list shown, or the result's message.
    pub detail: String,
}

/// One unit of a recommendation as shown to a commander.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShownUnit {
    pub unit_id: UnitId,
    pub eta_s: f64,
}

/// A role, as stored with an identity and sent in `welcome`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads the audit log; manages identities (with the `token` tool on the server).
    Admin,
    /// Dispatches and changes status.
    Commander,
    /// Creates incidents.
    CallTaker,
    /// Planning and patrol assignments; no dispatch.
    Planner,
    /// Read only, redacted: the briefing-room display.
    Wall,
    /// Read only, redacted.
    Viewer,
    /// Reports positions and status for its own units only.
    Device,
    /// Reports for any unit (bridges such as TAK).
    Gateway,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Commander,
        Role::CallTaker,
        Role::Planner,
        Role::Wall,
        Role::Viewer,
        Role::Device,
        Role::Gateway,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Commander => "commander",
            Role::CallTaker => "call_taker",
            Role::Planner => "planner",
            Role::Wall => "wall",
            Role::Viewer => "viewer",
            Role::Device => "device",
            Role::Gateway => "gateway",
        }
    }

    pub fn parse(text: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                format!("unknown role \"{text}\" (one of {})", names.join(", "))
            })
    }

    /// Whether what this role receives is redacted ([`redact`]).
    pub fn redacted(self) -> bool {
        matches!(self, Role::Wall | Role::Viewer)
    }

    /// Messages per second (sustained) and burst for one identity of this role, across all
    /// its sessions. Bridges and devices report positions; people press keys.
    pub fn rate(self) -> (f64, f64) {
        match self {
            Role::Gateway => (500.0, 1000.0),
            Role::Device => (20.0, 60.0),
            _ => (20.0, 60.0),
        }
    }

    /// Its column in the policy table.
    pub(super) fn column(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One stop of a patrol: where (a point on the road) and how long to stay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatrolStop {
    pub at: Position,
    #[serde(default)]
    pub dwell_s: f64,
}

/// The route as assigned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatrolPlan {
    pub route_id: String,
    pub name: String,
    /// How the unit travels it (`car`, `motorbike`, `ebike`, `foot`): consoles lay it on the
    /// roads the same way from the stops.
    pub mode: String,
    #[serde(default)]
    pub closed: bool,
    pub stops: Vec<PatrolStop>,
}

/// A unit's patrol and how far it has got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patrol {
    pub plan: PatrolPlan,
    pub assigned_at_ms: i64,
    /// Who assigned it.
    pub by: String,
    /// The stop the unit makes for next (`stops.len()`: an open route is done).
    pub next: usize,
    /// When the unit reached `next` and began its dwell, if it is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_at_ms: Option<i64>,
    /// When the lap under way began (the assignment, or the last lap's end).
    pub lap_started_ms: i64,
    pub laps: u32,
    /// Stops skipped so far, and the last one skipped.
    pub missed: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_missed: Option<usize>,
}

/// The event: a unit's patrol as it now stands (`None`: it has none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitPatrol {
    pub id: UnitId,
    #[serde(default)]
    pub patrol: Option<Patrol>,
}
