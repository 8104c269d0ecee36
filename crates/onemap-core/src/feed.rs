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
    Dispatch {
        request_id: String,
        incident_id: String,
        unit_id: String,
    },
    SetUnitStatus {
        request_id: String,
        unit_id: String,
        status: UnitStatus,
    },
    Ping,
}

impl ClientMessage {
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMessage::Hello { .. } => "hello",
            ClientMessage::Dispatch { .. } => "dispatch",
            ClientMessage::SetUnitStatus { .. } => "set_unit_status",
            ClientMessage::Ping => "ping",
        }
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
                format!("\"{other}\" (expected hello, dispatch, set_unit_status or ping)"),
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
        } => {
            serde_json::json!({"request_id": request_id, "incident_id": incident_id, "unit_id": unit_id})
        }
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
