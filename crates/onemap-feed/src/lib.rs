//! OneMap's live feed: the WebSocket server with its SQLite event log ([`server`], [`log`]),
//! the simulator on real roads ([`sim`]), and the client the console uses ([`client`]).
//! The protocol itself is in the core (`onemap_core::feed`, `docs/protocol.md`).

pub mod bench;
pub mod client;
pub mod log;
pub mod server;
pub mod sim;
