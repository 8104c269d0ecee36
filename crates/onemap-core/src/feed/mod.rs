//! The live feed, pure, in layers: its nouns ([`model`]), the commands and refusals
//! ([`command`]), the wire format ([`wire`], protocol version 2, `docs/protocol.md`), the state
//! events build ([`state::FeedState`]), the one rulebook that turns a command into state
//! events or a refusal ([`lifecycle::decide`]), and response-time figures ([`stats`]).
//!
//! The server, the simulator and the console all use these same types and rules, so "every
//! console sees what the server has" is an equality of two [`FeedState`]s. No IO here: no
//! clock (callers pass `now_ms`), no sockets, no files.

/// The commands, listed once. `$callback!` receives `Variant(BodyType) = "wire_kind"` for
/// each, so the [`command::Command`] enum and the wire's [`wire::ClientMessage`] cannot
/// drift apart.
macro_rules! with_commands {
    ($callback:ident) => {
        $callback! {
            Dispatch(Dispatch) = "dispatch",
            SetUnitStatus(SetUnitStatus) = "set_unit_status",
            SetIncidentStatus(SetIncidentStatus) = "set_incident_status",
            Reassign(Reassign) = "reassign",
            MoveUp(MoveUp) = "move_up",
            SignOn(SignOn) = "sign_on",
            SignOff(SignOff) = "sign_off",
            ReportPosition(ReportPosition) = "report_position",
            CreateIncident(CreateIncident) = "create_incident",
            Acknowledge(Acknowledge) = "acknowledge",
            UpdateIncident(UpdateIncident) = "update_incident",
            AddNote(AddNote) = "add_note",
            LinkCall(LinkCall) = "link_call",
            AssignPatrol(AssignPatrol) = "assign_patrol",
        }
    };
}

pub mod area;
pub mod command;
pub mod history;
pub mod lifecycle;
pub mod model;
pub mod patrol;
pub mod period;
pub mod policy;
pub mod state;
pub mod stats;
pub mod timeline;
pub mod wire;

pub use lifecycle::{Command, Refusal, decide};
pub use model::*;
pub use policy::Principal;
pub use state::FeedState;
pub use stats::{Durations, ResponseStats};
pub use wire::{
    ClientEnvelope, ClientMessage, CommandResult, Envelope, ErrorBody, MAX_CLIENT_MESSAGE,
    PROTOCOL_VERSION, ProtocolError, ServerEvent, Snapshot, parse_client, parse_server,
};
