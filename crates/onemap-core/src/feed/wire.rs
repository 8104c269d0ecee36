//! The wire format, protocol version 2: serde-tagged envelopes `{v, seq, ts, kind, body}` from
//! the server and `{v, request_id, not_after, kind, body}` from clients. Every body has a
//! closed schema (unknown fields are errors), so a typo never passes silently. Nothing here
//! builds JSON by hand: the enums below *are* the protocol (`docs/protocol.md`).

use serde::{Deserialize, Serialize};

use super::command::{
    Acknowledge, AddNote, AssignPatrol, Command, CreateIncident, Dispatch, LinkCall, MoveUp,
    Reassign, Refusal, ReportPosition, SetIncidentStatus, SetUnitStatus, SignOff, SignOn,
    UpdateIncident,
};
use super::history::{FiguresAnswer, HistoryQuery, IncidentRecord, Track};
use super::model::{AuditEntry, Incident, IncidentId, RequestId, ShownUnit, Unit, UnitId};
use super::model::{Role, UnitPosition, UnitStatusChange};
use super::timeline::{TimelinePage, TimelineQuery};

/// A history query's body: `{"query": "state_at", "at_ms": …}` and the like
/// ([`HistoryQuery`]).
pub type HistoryRequest = HistoryQuery;

pub const PROTOCOL_VERSION: u32 = 2;
/// Largest client message the server accepts, bytes.
pub const MAX_CLIENT_MESSAGE: usize = 16 * 1024;

/// An empty body (`{}`), for messages that carry nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub incidents: Vec<Incident>,
    pub units: Vec<Unit>,
    /// The highest incident number ever assigned (archived incidents included).
    #[serde(default)]
    pub incident_counter: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandResult {
    pub request_id: RequestId,
    pub ok: bool,
    /// In English, for logs and tools; consoles word `refusal` in their own language.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Machine-readable: `malformed`, `unknown_kind`, `bad_body`, `bad_envelope`,
    /// `too_large`, `binary`, `rate_limited`, `too_slow`, `unsupported_version`, `bad_order`,
    /// `unauthorized` (no valid credentials, a revoked identity: the connection closes),
    /// `forbidden` (the role may not send this kind).
    pub code: String,
    pub message: String,
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    pub request_id: RequestId,
    pub entries: Vec<AuditEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdBody<T> {
    pub id: T,
}

/// What the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum ServerEvent {
    /// First on a connection, after a hello with valid credentials.
    Welcome(Welcome),
    Snapshot(Snapshot),
    IncidentCreated(Incident),
    IncidentUpdated(Incident),
    /// A closed incident leaves the live picture (it stays in the log).
    IncidentArchived(IdBody<IncidentId>),
    UnitPosition(UnitPosition),
    UnitStatus(UnitStatusChange),
    /// A unit's patrol assigned, ended, or further along.
    UnitPatrol(super::model::UnitPatrol),
    /// A unit joins the feed (start of shift), with its full record.
    UnitJoined(Unit),
    /// A unit leaves the feed (end of shift).
    UnitRemoved(IdBody<UnitId>),
    CommandResult(CommandResult),
    /// An answer to an audit query (to the asking client only).
    AuditPage(AuditPage),
    /// An answer to a history query (to the asking client only).
    History(HistoryAnswer),
    /// An incident's timeline (to the asking client only).
    Timeline(TimelinePage),
    /// A commander's choice of view for the wall displays (to wall sessions only).
    WallShow(WallShow),
    Heartbeat(Empty),
    Error(ErrorBody),
}

impl ServerEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ServerEvent::Welcome(_) => "welcome",
            ServerEvent::Snapshot(_) => "snapshot",
            ServerEvent::IncidentCreated(_) => "incident_created",
            ServerEvent::IncidentUpdated(_) => "incident_updated",
            ServerEvent::IncidentArchived(_) => "incident_archived",
            ServerEvent::UnitPosition(_) => "unit_position",
            ServerEvent::UnitStatus(_) => "unit_status",
            ServerEvent::UnitPatrol(_) => "unit_patrol",
            ServerEvent::UnitJoined(_) => "unit_joined",
            ServerEvent::UnitRemoved(_) => "unit_removed",
            ServerEvent::CommandResult(_) => "command_result",
            ServerEvent::AuditPage(_) => "audit_page",
            ServerEvent::History(_) => "history",
            ServerEvent::Timeline(_) => "timeline",
            ServerEvent::WallShow(_) => "wall_show",
            ServerEvent::Heartbeat(_) => "heartbeat",
            ServerEvent::Error(_) => "error",
        }
    }

    /// Events that change the shared state: logged, replayed, never dropped.
    pub fn is_state(&self) -> bool {
        matches!(
            self,
            ServerEvent::IncidentCreated(_)
                | ServerEvent::IncidentUpdated(_)
                | ServerEvent::IncidentArchived(_)
                | ServerEvent::UnitPosition(_)
                | ServerEvent::UnitStatus(_)
                | ServerEvent::UnitPatrol(_)
                | ServerEvent::UnitJoined(_)
                | ServerEvent::UnitRemoved(_)
        )
    }

    /// Events a slow client may have coalesced (only the newest per unit matters).
    pub fn coalesce_key(&self) -> Option<&str> {
        match self {
            ServerEvent::UnitPosition(p) => Some(p.id.as_str()),
            _ => None,
        }
    }

    pub fn error(code: &str, message: impl Into<String>) -> ServerEvent {
        ServerEvent::Error(ErrorBody {
            code: code.to_owned(),
            message: message.into(),
        })
    }
}

/// A server event in its envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    v: u32,
    pub seq: u64,
    /// When the server published it, epoch milliseconds.
    pub ts: i64,
    #[serde(flatten)]
    pub event: ServerEvent,
}

impl Envelope {
    pub fn new(seq: u64, ts: i64, event: ServerEvent) -> Envelope {
        Envelope {
            v: PROTOCOL_VERSION,
            seq,
            ts,
            event,
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data into a string cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// First message on a connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// The highest `seq` of a state event the client has applied (0 for none).
    pub last_seq: u64,
    /// A name for the logs (the audit records the authenticated identity, not this).
    #[serde(default)]
    pub client: String,
    /// The identity's token, for clients that cannot set `Authorization: Bearer` on the
    /// upgrade request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The first event on an authenticated connection: who the server takes the client for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Welcome {
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitId>,
    /// Every message kind this identity may send (`policy::POLICY`).
    pub allowed: Vec<String>,
}

/// For the audit log: a recommendation shown, or an incident acknowledged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditNote {
    pub action: AuditAction,
    #[serde(default)]
    pub incident_id: Option<IncidentId>,
    #[serde(default)]
    pub units: Vec<ShownUnit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Recommendation,
    Acknowledge,
}

impl AuditAction {
    pub fn name(self) -> &'static str {
        match self {
            AuditAction::Recommendation => "recommendation",
            AuditAction::Acknowledge => "acknowledge",
        }
    }
}

/// Which view the wall displays show: one of theirs (`map`, `cards`, `coverage`, `ticker`),
/// held until
/// another is chosen, or `None` to go back to their rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WallShow {
    #[serde(default)]
    pub view: Option<String>,
}

/// The views a wall display has.
pub const WALL_VIEWS: [&str; 6] = ["map", "cards", "figures", "coverage", "ticker", "heat"];

/// The state at a moment, as answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateAtAnswer {
    pub at_ms: i64,
    /// The last event applied (its `seq`): a replay continues after it.
    pub seq: u64,
    pub state: Snapshot,
}

/// What the history answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case", deny_unknown_fields)]
pub enum HistoryBody {
    State(StateAtAnswer),
    Events {
        events: Vec<Envelope>,
        /// Whether more events of the window follow (ask again after the last `seq`).
        more: bool,
    },
    Tracks {
        tracks: Vec<Track>,
    },
    Figures(Box<FiguresAnswer>),
    Incidents {
        incidents: Vec<IncidentRecord>,
        more: bool,
    },
    /// The query could not be answered: why, in English (`code` for the console's words:
    /// `bad_query`, `unavailable`).
    Failed {
        code: String,
        message: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryAnswer {
    pub request_id: RequestId,
    pub body: HistoryBody,
}

/// The newest `limit` audit entries (before `before_id`, if given) that match every filter
/// given: the incident, the unit, the action, and a time window (`since_ms` ≤ ts < `until_ms`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    pub before_id: Option<i64>,
    pub limit: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
}

impl AuditQuery {
    /// The newest `limit` entries, unfiltered.
    pub fn newest(limit: u32) -> AuditQuery {
        AuditQuery {
            limit,
            ..AuditQuery::default()
        }
    }
}

macro_rules! define_client_message {
    ($($variant:ident($body:ty) = $kind:literal,)*) => {
        /// What a client sends: session messages and queries, and the commands.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "body", rename_all = "snake_case")]
        pub enum ClientMessage {
            Hello(Hello),
            Ping(Empty),
            Audit(AuditNote),
            AuditQuery(AuditQuery),
            History(HistoryRequest),
            Timeline(TimelineQuery),
            WallShow(WallShow),
            $(#[serde(rename = $kind)] $variant($body),)*
        }

        impl ClientMessage {
            pub fn kind(&self) -> &'static str {
                match self {
                    ClientMessage::Hello(_) => "hello",
                    ClientMessage::Ping(_) => "ping",
                    ClientMessage::Audit(_) => "audit",
                    ClientMessage::AuditQuery(_) => "audit_query",
                    ClientMessage::History(_) => "history",
                    ClientMessage::Timeline(_) => "timeline",
                    ClientMessage::WallShow(_) => "wall_show",
                    $(ClientMessage::$variant(_) => $kind,)*
                }
            }

            /// The command this message carries, or the message back if it is none (handed
            /// back whole, once per message: its size does not matter here).
            #[allow(clippy::result_large_err)]
            pub fn into_command(self) -> Result<Command, ClientMessage> {
                match self {
                    $(ClientMessage::$variant(b) => Ok(Command::$variant(b)),)*
                    other => Err(other),
                }
            }

            /// Every kind a client may send, for error messages.
            pub const KINDS: &'static [&'static str] =
                &["hello", "ping", "audit", "audit_query", "history", "timeline", "wall_show", $($kind,)*];
        }

        impl From<Command> for ClientMessage {
            fn from(c: Command) -> ClientMessage {
                match c {
                    $(Command::$variant(b) => ClientMessage::$variant(b),)*
                }
            }
        }
    };
}

with_commands!(define_client_message);

/// A client message in its envelope. Commands carry `request_id` and `not_after` (epoch ms:
/// the server refuses the command once it has passed); queries carry `request_id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientEnvelope {
    v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    #[serde(default, rename = "not_after", skip_serializing_if = "Option::is_none")]
    pub not_after_ms: Option<i64>,
    #[serde(flatten)]
    pub message: ClientMessage,
}

impl ClientEnvelope {
    /// A message without a request id (hello, ping, audit notes).
    pub fn plain(message: ClientMessage) -> ClientEnvelope {
        ClientEnvelope {
            v: PROTOCOL_VERSION,
            request_id: None,
            not_after_ms: None,
            message,
        }
    }

    /// A command or query: answered with its `request_id`; a command is refused after
    /// `not_after_ms`.
    pub fn request(
        request_id: RequestId,
        not_after_ms: Option<i64>,
        message: ClientMessage,
    ) -> ClientEnvelope {
        ClientEnvelope {
            v: PROTOCOL_VERSION,
            request_id: Some(request_id),
            not_after_ms,
            message,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
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

/// Why a message failed to parse: a second, lenient look at the envelope names the problem
/// (not JSON, wrong version, unknown kind, or a bad body of a known kind).
fn classify(text: &str, err: serde_json::Error, kinds: &[&str]) -> ProtocolError {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        v: Option<serde_json::Value>,
        #[serde(default)]
        kind: Option<serde_json::Value>,
    }
    let Ok(probe) = serde_json::from_str::<Probe>(text) else {
        return perr("malformed", format!("not a JSON envelope: {err}"));
    };
    let v = probe.v.as_ref().and_then(serde_json::Value::as_u64);
    if v != Some(u64::from(PROTOCOL_VERSION)) {
        return perr(
            "unsupported_version",
            format!(
                "protocol version {} (this side speaks {PROTOCOL_VERSION})",
                probe.v.map_or("missing".to_owned(), |v| v.to_string())
            ),
        );
    }
    match probe.kind.as_ref().and_then(serde_json::Value::as_str) {
        None => perr("malformed", "the envelope has no \"kind\""),
        Some(kind) if !kinds.contains(&kind) => perr(
            "unknown_kind",
            format!("\"{kind}\" (expected one of {})", kinds.join(", ")),
        ),
        Some(kind) => perr("bad_body", format!("{kind}: {err}")),
    }
}

/// Parse a client message; the error says what is wrong.
pub fn parse_client(text: &str) -> Result<ClientEnvelope, ProtocolError> {
    if text.len() > MAX_CLIENT_MESSAGE {
        return Err(perr(
            "too_large",
            format!("{} bytes; the limit is {MAX_CLIENT_MESSAGE}", text.len()),
        ));
    }
    let env: ClientEnvelope =
        serde_json::from_str(text).map_err(|e| classify(text, e, ClientMessage::KINDS))?;
    if env.v != PROTOCOL_VERSION {
        return Err(perr(
            "unsupported_version",
            format!(
                "protocol version {} (this side speaks {PROTOCOL_VERSION})",
                env.v
            ),
        ));
    }
    Ok(env)
}

const SERVER_KINDS: &[&str] = &[
    "welcome",
    "snapshot",
    "incident_created",
    "incident_updated",
    "incident_archived",
    "unit_position",
    "unit_status",
    "unit_joined",
    "unit_removed",
    "command_result",
    "audit_page",
    "history",
    "timeline",
    "heartbeat",
    "error",
];

/// Parse a server event (the client side).
pub fn parse_server(text: &str) -> Result<Envelope, ProtocolError> {
    let env: Envelope = serde_json::from_str(text).map_err(|e| classify(text, e, SERVER_KINDS))?;
    if env.v != PROTOCOL_VERSION {
        return Err(perr(
            "unsupported_version",
            format!(
                "protocol version {} (this side speaks {PROTOCOL_VERSION})",
                env.v
            ),
        ));
    }
    Ok(env)
}

/// The property the fuzzer and the corpus test check: `text` decoded as a client message and
/// as a server event, and whatever decodes encodes and decodes back to itself.
///
/// # Panics
/// When a decoded message does not survive the round trip (that is the bug it looks for).
#[doc(hidden)]
pub fn check_round_trip(text: &str) {
    if let Ok(env) = parse_client(text) {
        let again = parse_client(&env.to_json());
        assert_eq!(
            again.as_ref(),
            Ok(&env),
            "client message round trip: {text}"
        );
    }
    if let Ok(env) = parse_server(text) {
        let again = parse_server(&env.to_json());
        assert_eq!(again.as_ref(), Ok(&env), "server event round trip: {text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{Category, IncidentStatus, IncidentTimes, Position};

    fn incident(id: &str) -> Incident {
        Incident {
            id: id.into(),
            category: Category::Theft,
            priority: 3,
            location: Position([13.26, 53.55]),
            address: "Marktplatz 1".into(),
            reported_at_ms: 1_000,
            status: IncidentStatus::New,
            assigned_units: vec![],
            times: IncidentTimes::default(),
            callback: None,
            notes: vec![],
            acknowledged: None,
            calls: 1,
        }
    }

    #[test]
    fn envelopes_round_trip_and_bad_messages_say_why() {
        let env = Envelope::new(7, 123, ServerEvent::IncidentCreated(incident("I-1")));
        let text = env.to_json();
        assert!(
            text.starts_with(
                r#"{"v":2,"seq":7,"ts":123,"kind":"incident_created","body":{"id":"I-1""#
            ),
            "{text}"
        );
        assert_eq!(parse_server(&text).unwrap(), env);
        let beat = Envelope::new(8, 0, ServerEvent::Heartbeat(Empty {}));
        assert_eq!(
            beat.to_json(),
            r#"{"v":2,"seq":8,"ts":0,"kind":"heartbeat","body":{}}"#
        );

        let hello = ClientEnvelope::plain(ClientMessage::Hello(Hello {
            last_seq: 42,
            client: "test".into(),
            token: None,
        }));
        assert_eq!(parse_client(&hello.to_json()).unwrap(), hello);
        let cmd = ClientEnvelope::request(
            "r-1".into(),
            Some(99),
            ClientMessage::Dispatch(Dispatch {
                incident_id: "I-1".into(),
                unit_id: "U-1".into(),
                rank: Some(1),
            }),
        );
        let text = cmd.to_json();
        assert_eq!(
            text,
            r#"{"v":2,"request_id":"r-1","not_after":99,"kind":"dispatch","body":{"incident_id":"I-1","unit_id":"U-1","rank":1}}"#
        );
        assert_eq!(parse_client(&text).unwrap(), cmd);

        let cases = [
            ("{", "malformed"),
            ("[1,2,3]", "malformed"),
            (r#"{"v":2,"body":{}}"#, "malformed"),
            (r#"{"v":1,"kind":"ping","body":{}}"#, "unsupported_version"),
            (r#"{"kind":"ping","body":{}}"#, "unsupported_version"),
            (r#"{"v":2,"kind":"teleport","body":{}}"#, "unknown_kind"),
            (
                r#"{"v":2,"kind":"hello","body":{"last_seq":"ten"}}"#,
                "bad_body",
            ),
            (
                r#"{"v":2,"kind":"dispatch","body":{"unit_id":"U-1"}}"#,
                "bad_body",
            ),
            (
                r#"{"v":2,"kind":"dispatch","body":{"incident_id":"I","unit_id":"U","extra":1}}"#,
                "bad_body",
            ),
        ];
        for (text, code) in cases {
            let e = parse_client(text).unwrap_err();
            assert_eq!(e.code, code, "{text}: {e}");
        }
        let e = parse_client(r#"{"v":2,"kind":"dispatch","body":{"unit_id":"U-1"}}"#).unwrap_err();
        assert!(
            e.message.starts_with("dispatch:") && e.message.contains("incident_id"),
            "the kind and the missing field are named: {e}"
        );
        let e = parse_client(
            r#"{"v":2,"kind":"dispatch","body":{"incident_id":"I","unit_id":"U","extra":1}}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("unknown field `extra`"), "{e}");
        let big = format!(
            r#"{{"v":2,"kind":"ping","body":{{"pad":"{}"}}}}"#,
            "x".repeat(20_000)
        );
        assert_eq!(parse_client(&big).unwrap_err().code, "too_large");
    }

    /// The fuzzer's corpus (`fuzz/corpus/wire`, found by `cargo fuzz run wire`), replayed on
    /// every test run: no input panics, and whatever decodes survives the round trip.
    #[test]
    fn the_fuzz_corpus_decodes_without_a_panic_and_round_trips() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/wire");
        let mut inputs = 0;
        let mut decoded = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            inputs += 1;
            check_round_trip(text);
            decoded += usize::from(parse_client(text).is_ok() || parse_server(text).is_ok());
        }
        assert!(
            inputs > 20 && decoded > 20,
            "{inputs} inputs, {decoded} decoded"
        );
    }

    #[test]
    fn every_command_kind_round_trips_through_the_wire() {
        for kind in ClientMessage::KINDS {
            assert!(
                kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{kind}"
            );
        }
        let msg: ClientMessage = Command::SignOff(SignOff {
            unit_id: "U-9".into(),
        })
        .into();
        assert_eq!(msg.kind(), "sign_off");
        let env = ClientEnvelope::request("r".into(), Some(1), msg.clone());
        let back = parse_client(&env.to_json()).unwrap();
        assert_eq!(back.message.into_command().unwrap().kind(), "sign_off");
        assert!(ClientMessage::Ping(Empty {}).into_command().is_err());
    }
}
