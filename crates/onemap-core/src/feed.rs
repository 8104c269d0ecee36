//! The live feed protocol (version 1) and the state it describes. See `docs/protocol.md`.
//!
//! Every message is a JSON envelope `{v, seq, ts, kind, body}`. The server's events carry a
//! strictly increasing `seq` (gaps allowed: heartbeats and per-client replies use numbers too);
//! client messages carry `seq: 0`. [`FeedState`] applies server events in order and is what
//! both the server (authoritative) and the console (mirror) hold, so "the same incident set"
//! is a comparison of two `FeedState`s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::coord::LonLat;

pub const PROTOCOL_VERSION: u32 = 1;
/// Largest client message the server accepts, bytes.
pub const MAX_CLIENT_MESSAGE: usize = 16 * 1024;

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

    /// Whether a commander may move an incident from `self` to `next`: forward along
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
}

/// When an incident first reached each status, milliseconds since the Unix epoch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentTimes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatched_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en_route_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_scene_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleared_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<i64>,
}

impl IncidentTimes {
    fn slot(&mut self, status: IncidentStatus) -> Option<&mut Option<i64>> {
        match status {
            IncidentStatus::New => None,
            IncidentStatus::Dispatched => Some(&mut self.dispatched_at),
            IncidentStatus::EnRoute => Some(&mut self.en_route_at),
            IncidentStatus::OnScene => Some(&mut self.on_scene_at),
            IncidentStatus::Cleared => Some(&mut self.cleared_at),
            IncidentStatus::Cancelled => Some(&mut self.cancelled_at),
        }
    }

    fn fill_from(&mut self, older: &IncidentTimes) {
        for (mine, theirs) in [
            (&mut self.dispatched_at, older.dispatched_at),
            (&mut self.en_route_at, older.en_route_at),
            (&mut self.on_scene_at, older.on_scene_at),
            (&mut self.cleared_at, older.cleared_at),
            (&mut self.cancelled_at, older.cancelled_at),
        ] {
            if mine.is_none() {
                *mine = theirs;
            }
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

/// A position as `[lon, lat]`, as in GeoJSON.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position(pub [f64; 2]);

impl Position {
    pub fn lonlat(self) -> LonLat {
        LonLat::new(self.0[0], self.0[1])
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
    pub id: String,
    pub category: Category,
    /// 1 (most urgent) to 4.
    pub priority: u8,
    pub location: Position,
    pub address: String,
    /// Milliseconds since the Unix epoch.
    pub reported_at: i64,
    pub status: IncidentStatus,
    #[serde(default)]
    pub assigned_units: Vec<String>,
    /// When each status was first reached (stamped by the server).
    #[serde(default)]
    pub times: IncidentTimes,
}

impl Incident {
    /// Stamp a new version of an incident: keep the times already known (`prev`) and record
    /// `at_ms` for a status reached for the first time. Earlier times are never moved, so
    /// call-to-dispatch is the first dispatch even after a reassignment.
    pub fn stamp(&mut self, prev: Option<&Incident>, at_ms: i64) {
        if let Some(p) = prev {
            self.times.fill_from(&p.times);
        }
        let changed = prev.is_none_or(|p| p.status != self.status);
        if changed
            && let Some(slot) = self.times.slot(self.status)
            && slot.is_none()
        {
            *slot = Some(at_ms);
        }
        // A unit on scene was dispatched, at the latest when it arrived.
        if self.times.on_scene_at.is_some() && self.times.dispatched_at.is_none() {
            self.times.dispatched_at = self.times.on_scene_at;
        }
    }

    /// Seconds from the call to the first dispatch.
    pub fn call_to_dispatch_s(&self) -> Option<f64> {
        self.times
            .dispatched_at
            .map(|t| (t - self.reported_at) as f64 / 1000.0)
    }

    /// Seconds from the first dispatch to the first unit on scene.
    pub fn dispatch_to_arrival_s(&self) -> Option<f64> {
        Some((self.times.on_scene_at? - self.times.dispatched_at?) as f64 / 1000.0)
    }
}

/// Median and 90th percentile of a set of durations, seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Durations {
    pub count: usize,
    pub median_s: f64,
    pub p90_s: f64,
}

impl Durations {
    pub fn of(mut values: Vec<f64>) -> Durations {
        values.retain(|v| v.is_finite());
        if values.is_empty() {
            return Durations::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        Durations {
            count: values.len(),
            median_s: at(0.5),
            p90_s: at(0.9),
        }
    }
}

/// Response-time figures over a set of incidents.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ResponseStats {
    pub incidents: usize,
    pub call_to_dispatch: Durations,
    pub dispatch_to_arrival: Durations,
}

impl ResponseStats {
    pub fn of<'a>(incidents: impl IntoIterator<Item = &'a Incident>) -> ResponseStats {
        let (mut c2d, mut d2a, mut n) = (Vec::new(), Vec::new(), 0);
        for i in incidents {
            n += 1;
            c2d.extend(i.call_to_dispatch_s());
            d2a.extend(i.dispatch_to_arrival_s());
        }
        ResponseStats {
            incidents: n,
            call_to_dispatch: Durations::of(c2d),
            dispatch_to_arrival: Durations::of(d2a),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub id: String,
    pub call_sign: String,
    pub kind: UnitKind,
    pub status: UnitStatus,
    pub position: Position,
    /// Degrees clockwise from north.
    pub heading_deg: f64,
    pub speed_kmh: f64,
    /// Milliseconds since the Unix epoch.
    pub fix_at: i64,
    /// A move-up: the post this available unit was sent to stand by at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted: Option<Posting>,
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
    pub id: String,
    pub position: Position,
    pub heading_deg: f64,
    pub speed_kmh: f64,
    pub fix_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitStatusChange {
    pub id: String,
    pub status: UnitStatus,
    /// The incident the unit is working, if any.
    #[serde(default)]
    pub incident_id: Option<String>,
    /// A move-up: the post to stand by at (any other status change ends a move-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<Posting>,
}

/// One line of the server's audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub ts: i64,
    /// The console that acted (its hello name), or `server`.
    pub client: String,
    /// `recommendation`, `acknowledge`, `dispatch`, `set_unit_status`, `set_incident_status`,
    /// `reassign`, `move_up`, or `result` (a command's outcome).
    pub action: String,
    #[serde(default)]
    pub incident_id: Option<String>,
    #[serde(default)]
    pub unit_id: Option<String>,
    /// For results: whether the command succeeded.
    #[serde(default)]
    pub ok: Option<bool>,
    /// Free text or JSON: the ranked list shown, the command's message.
    pub detail: String,
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    pub request_id: String,
    pub entries: Vec<AuditEntry>,
}

/// One unit of a recommendation as shown to a commander.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShownUnit {
    pub unit_id: String,
    pub eta_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub incidents: Vec<Incident>,
    pub units: Vec<Unit>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandResult {
    pub request_id: String,
    pub ok: bool,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Machine-readable: `malformed`, `unknown_kind`, `bad_body`, `too_large`, `binary`,
    /// `rate_limited`, `too_slow`, `unsupported_version`.
    pub code: String,
    pub message: String,
}

/// What the server sends.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerEvent {
    Snapshot(Snapshot),
    IncidentCreated(Incident),
    IncidentUpdated(Incident),
    UnitPosition(UnitPosition),
    UnitStatus(UnitStatusChange),
    /// A unit joins the feed (start of shift), with its full record.
    UnitJoined(Unit),
    /// A unit leaves the feed (end of shift, removed).
    UnitRemoved {
        id: String,
    },
    CommandResult(CommandResult),
    /// An answer to an audit query (to the asking client only).
    AuditPage(AuditPage),
    Heartbeat,
    Error(ErrorBody),
}

impl ServerEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ServerEvent::Snapshot(_) => "snapshot",
            ServerEvent::IncidentCreated(_) => "incident_created",
            ServerEvent::IncidentUpdated(_) => "incident_updated",
            ServerEvent::UnitPosition(_) => "unit_position",
            ServerEvent::UnitStatus(_) => "unit_status",
            ServerEvent::UnitJoined(_) => "unit_joined",
            ServerEvent::UnitRemoved { .. } => "unit_removed",
            ServerEvent::CommandResult(_) => "command_result",
            ServerEvent::AuditPage(_) => "audit_page",
            ServerEvent::Heartbeat => "heartbeat",
            ServerEvent::Error(_) => "error",
        }
    }

    /// Events that change the shared state: logged, replayed, never dropped.
    pub fn is_state(&self) -> bool {
        matches!(
            self,
            ServerEvent::IncidentCreated(_)
                | ServerEvent::IncidentUpdated(_)
                | ServerEvent::UnitPosition(_)
                | ServerEvent::UnitStatus(_)
                | ServerEvent::UnitJoined(_)
                | ServerEvent::UnitRemoved { .. }
        )
    }

    /// Events a slow client may have coalesced (only the newest per unit matters).
    pub fn coalesce_key(&self) -> Option<&str> {
        match self {
            ServerEvent::UnitPosition(p) => Some(&p.id),
            _ => None,
        }
    }

    fn body(&self) -> Value {
        let v = match self {
            ServerEvent::Snapshot(b) => serde_json::to_value(b),
            ServerEvent::IncidentCreated(b) | ServerEvent::IncidentUpdated(b) => {
                serde_json::to_value(b)
            }
            ServerEvent::UnitPosition(b) => serde_json::to_value(b),
            ServerEvent::UnitStatus(b) => serde_json::to_value(b),
            ServerEvent::UnitJoined(b) => serde_json::to_value(b),
            ServerEvent::UnitRemoved { id } => Ok(serde_json::json!({ "id": id })),
            ServerEvent::CommandResult(b) => serde_json::to_value(b),
            ServerEvent::AuditPage(b) => serde_json::to_value(b),
            ServerEvent::Heartbeat => Ok(serde_json::json!({})),
            ServerEvent::Error(b) => serde_json::to_value(b),
        };
        v.unwrap_or(Value::Null)
    }
}

/// What a client sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClientMessage {
    /// First message: the last `seq` seen (0 for none) and a name for the logs.
    Hello {
        last_seq: u64,
        client: String,
    },
    /// Send a unit; `rank` is its place in the recommendation the commander chose from.
    Dispatch {
        request_id: String,
        incident_id: String,
        unit_id: String,
        rank: Option<u32>,
    },
    SetUnitStatus {
        request_id: String,
        unit_id: String,
        status: UnitStatus,
    },
    /// Arrived (on scene), cleared or cancelled; clearing or cancelling frees its units.
    SetIncidentStatus {
        request_id: String,
        incident_id: String,
        status: IncidentStatus,
    },
    /// Stand `from_unit` down and send `to_unit` instead, at once.
    Reassign {
        request_id: String,
        incident_id: String,
        from_unit: String,
        to_unit: String,
    },
    /// Send an available unit to stand by at a post.
    MoveUp {
        request_id: String,
        unit_id: String,
        post: Posting,
    },
    /// For the audit log: a recommendation shown, or an incident acknowledged.
    Audit {
        action: String,
        incident_id: Option<String>,
        units: Vec<ShownUnit>,
    },
    /// The newest `limit` audit entries (before `before_id`, if given).
    AuditQuery {
        request_id: String,
        before_id: Option<i64>,
        limit: u32,
    },
    Ping,
}

impl ClientMessage {
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMessage::Hello { .. } => "hello",
            ClientMessage::Dispatch { .. } => "dispatch",
            ClientMessage::SetUnitStatus { .. } => "set_unit_status",
            ClientMessage::SetIncidentStatus { .. } => "set_incident_status",
            ClientMessage::Reassign { .. } => "reassign",
            ClientMessage::MoveUp { .. } => "move_up",
            ClientMessage::Audit { .. } => "audit",
            ClientMessage::AuditQuery { .. } => "audit_query",
            ClientMessage::Ping => "ping",
        }
    }

    /// For a command (a message answered by `command_result`): its request id, and the
    /// incident and unit it is about. `None` for other messages.
    pub fn command_ids(&self) -> Option<(&str, Option<&str>, Option<&str>)> {
        Some(match self {
            ClientMessage::Dispatch {
                request_id,
                incident_id,
                unit_id,
                ..
            } => (request_id, Some(incident_id), Some(unit_id)),
            ClientMessage::SetUnitStatus {
                request_id,
                unit_id,
                ..
            }
            | ClientMessage::MoveUp {
                request_id,
                unit_id,
                ..
            } => (request_id, None, Some(unit_id)),
            ClientMessage::SetIncidentStatus {
                request_id,
                incident_id,
                ..
            } => (request_id, Some(incident_id), None),
            ClientMessage::Reassign {
                request_id,
                incident_id,
                to_unit,
                ..
            } => (request_id, Some(incident_id), Some(to_unit)),
            _ => return None,
        })
        .map(|(r, i, u)| (r.as_str(), i.map(String::as_str), u.map(String::as_str)))
    }
}

/// A message that cannot be used, with a code for the error event.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ProtocolError {
    pub code: &'static str,
    pub message: String,
}

fn perr(code: &'static str, message: impl Into<String>) -> ProtocolError {
    ProtocolError {
        code,
        message: message.into(),
    }
}

#[derive(Deserialize)]
struct RawEnvelope {
    v: u32,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    ts: i64,
    kind: String,
    #[serde(default)]
    body: Value,
}

/// A server event in its envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    pub seq: u64,
    pub ts: i64,
    pub event: ServerEvent,
}

impl Envelope {
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "v": PROTOCOL_VERSION,
            "seq": self.seq,
            "ts": self.ts,
            "kind": self.event.kind(),
            "body": self.event.body(),
        })
        .to_string()
    }
}

fn raw(text: &str) -> Result<RawEnvelope, ProtocolError> {
    let raw: RawEnvelope = serde_json::from_str(text)
        .map_err(|e| perr("malformed", format!("not a v1 envelope: {e}")))?;
    if raw.v != PROTOCOL_VERSION {
        return Err(perr(
            "unsupported_version",
            format!(
                "protocol version {} (this server speaks {PROTOCOL_VERSION})",
                raw.v
            ),
        ));
    }
    Ok(raw)
}

fn body<T: serde::de::DeserializeOwned>(kind: &str, body: Value) -> Result<T, ProtocolError> {
    serde_json::from_value(body).map_err(|e| perr("bad_body", format!("{kind}: {e}")))
}

/// Parse a client message; the error says what is wrong.
pub fn parse_client(text: &str) -> Result<ClientMessage, ProtocolError> {
    if text.len() > MAX_CLIENT_MESSAGE {
        return Err(perr(
            "too_large",
            format!("{} bytes; the limit is {MAX_CLIENT_MESSAGE}", text.len()),
        ));
    }
    let raw = raw(text)?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Hello {
        last_seq: u64,
        #[serde(default)]
        client: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Dispatch {
        request_id: String,
        incident_id: String,
        unit_id: String,
        #[serde(default)]
        rank: Option<u32>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SetIncident {
        request_id: String,
        incident_id: String,
        status: IncidentStatus,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Reassign {
        request_id: String,
        incident_id: String,
        from_unit: String,
        to_unit: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct MoveUp {
        request_id: String,
        unit_id: String,
        post: Posting,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Audit {
        action: String,
        #[serde(default)]
        incident_id: Option<String>,
        #[serde(default)]
        units: Vec<ShownUnit>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct AuditQuery {
        request_id: String,
        #[serde(default)]
        before_id: Option<i64>,
        limit: u32,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SetStatus {
        request_id: String,
        unit_id: String,
        status: UnitStatus,
    }
    let kind = raw.kind.as_str();
    Ok(match kind {
        "hello" => {
            let b: Hello = body(kind, raw.body)?;
            ClientMessage::Hello {
                last_seq: b.last_seq,
                client: b.client,
            }
        }
        "dispatch" => {
            let b: Dispatch = body(kind, raw.body)?;
            ClientMessage::Dispatch {
                request_id: b.request_id,
                incident_id: b.incident_id,
                unit_id: b.unit_id,
                rank: b.rank,
            }
        }
        "set_incident_status" => {
            let b: SetIncident = body(kind, raw.body)?;
            ClientMessage::SetIncidentStatus {
                request_id: b.request_id,
                incident_id: b.incident_id,
                status: b.status,
            }
        }
        "reassign" => {
            let b: Reassign = body(kind, raw.body)?;
            ClientMessage::Reassign {
                request_id: b.request_id,
                incident_id: b.incident_id,
                from_unit: b.from_unit,
                to_unit: b.to_unit,
            }
        }
        "move_up" => {
            let b: MoveUp = body(kind, raw.body)?;
            ClientMessage::MoveUp {
                request_id: b.request_id,
                unit_id: b.unit_id,
                post: b.post,
            }
        }
        "audit" => {
            let b: Audit = body(kind, raw.body)?;
            if !matches!(b.action.as_str(), "recommendation" | "acknowledge") {
                return Err(perr(
                    "bad_body",
                    format!(
                        "audit: action \"{}\" (expected recommendation or acknowledge)",
                        b.action
                    ),
                ));
            }
            if b.units.len() > 100 {
                return Err(perr("bad_body", "audit: more than 100 units"));
            }
            ClientMessage::Audit {
                action: b.action,
                incident_id: b.incident_id,
                units: b.units,
            }
        }
        "audit_query" => {
            let b: AuditQuery = body(kind, raw.body)?;
            ClientMessage::AuditQuery {
                request_id: b.request_id,
                before_id: b.before_id,
                limit: b.limit,
            }
        }
        "set_unit_status" => {
            let b: SetStatus = body(kind, raw.body)?;
            ClientMessage::SetUnitStatus {
                request_id: b.request_id,
                unit_id: b.unit_id,
                status: b.status,
            }
        }
        "ping" => ClientMessage::Ping,
        other => {
            return Err(perr(
                "unknown_kind",
                format!(
                    "\"{other}\" (expected hello, dispatch, set_unit_status, \
                     set_incident_status, reassign, move_up, audit, audit_query or ping)"
                ),
            ));
        }
    })
}

/// A client message as JSON.
pub fn client_json(msg: &ClientMessage) -> String {
    let body = match msg {
        ClientMessage::Hello { last_seq, client } => {
            serde_json::json!({"last_seq": last_seq, "client": client})
        }
        ClientMessage::Dispatch {
            request_id,
            incident_id,
            unit_id,
            rank,
        } => {
            serde_json::json!({"request_id": request_id, "incident_id": incident_id, "unit_id": unit_id, "rank": rank})
        }
        ClientMessage::SetIncidentStatus {
            request_id,
            incident_id,
            status,
        } => {
            serde_json::json!({"request_id": request_id, "incident_id": incident_id, "status": status})
        }
        ClientMessage::Reassign {
            request_id,
            incident_id,
            from_unit,
            to_unit,
        } => {
            serde_json::json!({"request_id": request_id, "incident_id": incident_id, "from_unit": from_unit, "to_unit": to_unit})
        }
        ClientMessage::MoveUp {
            request_id,
            unit_id,
            post,
        } => serde_json::json!({"request_id": request_id, "unit_id": unit_id, "post": post}),
        ClientMessage::Audit {
            action,
            incident_id,
            units,
        } => serde_json::json!({"action": action, "incident_id": incident_id, "units": units}),
        ClientMessage::AuditQuery {
            request_id,
            before_id,
            limit,
        } => serde_json::json!({"request_id": request_id, "before_id": before_id, "limit": limit}),
        ClientMessage::SetUnitStatus {
            request_id,
            unit_id,
            status,
        } => serde_json::json!({"request_id": request_id, "unit_id": unit_id, "status": status}),
        ClientMessage::Ping => serde_json::json!({}),
    };
    serde_json::json!({"v": PROTOCOL_VERSION, "seq": 0, "ts": 0, "kind": msg.kind(), "body": body})
        .to_string()
}

/// Parse a server event (the client side).
pub fn parse_server(text: &str) -> Result<Envelope, ProtocolError> {
    let raw = raw(text)?;
    let kind = raw.kind.as_str();
    let event = match kind {
        "snapshot" => ServerEvent::Snapshot(body(kind, raw.body)?),
        "incident_created" => ServerEvent::IncidentCreated(body(kind, raw.body)?),
        "incident_updated" => ServerEvent::IncidentUpdated(body(kind, raw.body)?),
        "unit_position" => ServerEvent::UnitPosition(body(kind, raw.body)?),
        "unit_status" => ServerEvent::UnitStatus(body(kind, raw.body)?),
        "unit_joined" => ServerEvent::UnitJoined(body(kind, raw.body)?),
        "unit_removed" => {
            #[derive(Deserialize)]
            struct Id {
                id: String,
            }
            let b: Id = body(kind, raw.body)?;
            ServerEvent::UnitRemoved { id: b.id }
        }
        "command_result" => ServerEvent::CommandResult(body(kind, raw.body)?),
        "audit_page" => ServerEvent::AuditPage(body(kind, raw.body)?),
        "heartbeat" => ServerEvent::Heartbeat,
        "error" => ServerEvent::Error(body(kind, raw.body)?),
        other => return Err(perr("unknown_kind", format!("\"{other}\""))),
    };
    Ok(Envelope {
        seq: raw.seq,
        ts: raw.ts,
        event,
    })
}

/// Incidents and units as of the last applied `seq`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedState {
    pub incidents: BTreeMap<String, Incident>,
    pub units: BTreeMap<String, Unit>,
    /// The last state event applied (or the snapshot's seq).
    pub last_seq: u64,
}

impl FeedState {
    /// Apply one event. State events at or below `last_seq` are ignored (a duplicate after
    /// a reconnect); a snapshot replaces everything. Returns whether the state changed.
    pub fn apply(&mut self, env: &Envelope) -> bool {
        match &env.event {
            ServerEvent::Snapshot(s) => {
                self.incidents = s
                    .incidents
                    .iter()
                    .map(|i| (i.id.clone(), i.clone()))
                    .collect();
                self.units = s.units.iter().map(|u| (u.id.clone(), u.clone())).collect();
                self.last_seq = env.seq;
                return true;
            }
            e if !e.is_state() => return false,
            _ if env.seq <= self.last_seq => return false,
            _ => {}
        }
        self.last_seq = env.seq;
        match &env.event {
            ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) => {
                self.incidents.insert(i.id.clone(), i.clone());
            }
            ServerEvent::UnitPosition(p) => {
                if let Some(u) = self.units.get_mut(&p.id) {
                    u.position = p.position;
                    u.heading_deg = p.heading_deg;
                    u.speed_kmh = p.speed_kmh;
                    u.fix_at = p.fix_at;
                }
            }
            ServerEvent::UnitStatus(s) => {
                if let Some(u) = self.units.get_mut(&s.id) {
                    u.status = s.status;
                    u.posted = s.post.clone();
                }
            }
            ServerEvent::UnitJoined(u) => {
                self.units.insert(u.id.clone(), u.clone());
            }
            ServerEvent::UnitRemoved { id } => {
                self.units.remove(id);
            }
            _ => {}
        }
        true
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            incidents: self.incidents.values().cloned().collect(),
            units: self.units.values().cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: &str) -> Incident {
        Incident {
            id: id.into(),
            category: Category::Theft,
            priority: 3,
            location: Position([13.26, 53.55]),
            address: "Marktplatz 1".into(),
            reported_at: 1_000,
            status: IncidentStatus::New,
            assigned_units: vec![],
            times: IncidentTimes::default(),
        }
    }

    #[test]
    fn envelopes_round_trip_and_bad_messages_say_why() {
        let env = Envelope {
            seq: 7,
            ts: 123,
            event: ServerEvent::IncidentCreated(incident("I-1")),
        };
        let text = env.to_json();
        assert!(
            text.starts_with(r#"{"v":1,"seq":7,"ts":123,"kind":"incident_created""#),
            "{text}"
        );
        assert_eq!(parse_server(&text).unwrap(), env);

        let hello = ClientMessage::Hello {
            last_seq: 42,
            client: "test".into(),
        };
        assert_eq!(parse_client(&client_json(&hello)).unwrap(), hello);

        let cases = [
            ("{", "malformed"),
            (r#"{"v":2,"kind":"ping","body":{}}"#, "unsupported_version"),
            (r#"{"v":1,"kind":"teleport","body":{}}"#, "unknown_kind"),
            (
                r#"{"v":1,"kind":"hello","body":{"last_seq":"ten"}}"#,
                "bad_body",
            ),
            (
                r#"{"v":1,"kind":"dispatch","body":{"request_id":"r"}}"#,
                "bad_body",
            ),
            (r#"[1,2,3]"#, "malformed"),
        ];
        for (text, code) in cases {
            let e = parse_client(text).unwrap_err();
            assert_eq!(e.code, code, "{text}: {e}");
        }
        let e = parse_client(r#"{"v":1,"kind":"hello","body":{"last_seq":"ten"}}"#).unwrap_err();
        assert!(
            e.message.contains("hello") && e.message.contains("last_seq")
                || e.message.contains("string"),
            "{e}"
        );
        let big = format!(
            r#"{{"v":1,"kind":"ping","body":{{"pad":"{}"}}}}"#,
            "x".repeat(20_000)
        );
        assert_eq!(parse_client(&big).unwrap_err().code, "too_large");
    }

    #[test]
    fn lifecycle_times_are_stamped_once_and_give_response_figures() {
        use IncidentStatus::*;
        assert!(New.can_become(Dispatched) && Dispatched.can_become(OnScene));
        assert!(OnScene.can_become(Cleared) && EnRoute.can_become(Cancelled));
        assert!(!New.can_become(OnScene) && !Cleared.can_become(Cancelled));
        assert!(!OnScene.can_become(Dispatched) && !Cancelled.can_become(New));
        let mut v1 = incident("I-1");
        v1.stamp(None, 1_000);
        assert_eq!(v1.times, IncidentTimes::default(), "new has no stamp");
        let mut v2 = Incident {
            status: Dispatched,
            ..v1.clone()
        };
        v2.stamp(Some(&v1), 31_000);
        // Stood down and dispatched again: the first dispatch time stays.
        let mut v3 = Incident {
            status: New,
            times: IncidentTimes::default(),
            ..v2.clone()
        };
        v3.stamp(Some(&v2), 40_000);
        let mut v4 = Incident {
            status: Dispatched,
            ..v3.clone()
        };
        v4.stamp(Some(&v3), 50_000);
        let mut v5 = Incident {
            status: OnScene,
            ..v4.clone()
        };
        v5.stamp(Some(&v4), 271_000);
        let mut v6 = Incident {
            status: OnScene,
            ..v5.clone()
        };
        v6.stamp(Some(&v5), 300_000);
        assert_eq!(v6.times.dispatched_at, Some(31_000));
        assert_eq!(
            v6.times.on_scene_at,
            Some(271_000),
            "an unchanged status is no transition"
        );
        assert_eq!(v6.call_to_dispatch_s(), Some(30.0));
        assert_eq!(v6.dispatch_to_arrival_s(), Some(240.0));
        let stats = ResponseStats::of([&v1, &v6]);
        assert_eq!(stats.incidents, 2);
        assert_eq!(stats.call_to_dispatch.count, 1);
        assert_eq!(stats.dispatch_to_arrival.median_s, 240.0);
        let d = Durations::of((1..=10).map(f64::from).collect());
        assert_eq!((d.median_s, d.p90_s), (6.0, 9.0));
        // Times travel in the protocol and an old record without them still parses.
        let text = Envelope {
            seq: 1,
            ts: 0,
            event: ServerEvent::IncidentUpdated(v6.clone()),
        }
        .to_json();
        assert!(text.contains("\"on_scene_at\":271000"), "{text}");
        let old = text.replace(
            &format!(",\"times\":{}", serde_json::to_string(&v6.times).unwrap()),
            "",
        );
        assert_ne!(old, text);
        match parse_server(&old).unwrap().event {
            ServerEvent::IncidentUpdated(i) => assert_eq!(i.times, IncidentTimes::default()),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn state_ignores_duplicates_and_snapshots_replace() {
        let mut s = FeedState::default();
        let created = |seq, id: &str| Envelope {
            seq,
            ts: 0,
            event: ServerEvent::IncidentCreated(incident(id)),
        };
        assert!(s.apply(&created(1, "I-1")));
        assert!(s.apply(&created(2, "I-2")));
        assert!(
            !s.apply(&created(2, "I-3")),
            "a replayed seq is a duplicate"
        );
        assert_eq!(s.incidents.len(), 2);
        let snap = Envelope {
            seq: 10,
            ts: 0,
            event: ServerEvent::Snapshot(Snapshot {
                incidents: vec![incident("I-9")],
                units: vec![],
            }),
        };
        s.apply(&snap);
        assert_eq!(s.incidents.keys().collect::<Vec<_>>(), vec!["I-9"]);
        assert_eq!(s.last_seq, 10);
        assert!(!s.apply(&Envelope {
            seq: 11,
            ts: 0,
            event: ServerEvent::Heartbeat
        }));
        assert_eq!(s.last_seq, 10, "heartbeats do not move the state");
    }
}
