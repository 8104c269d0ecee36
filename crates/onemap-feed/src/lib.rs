//! OneMap's live feed: the WebSocket server ([`server`]: a [`hub`] thread that owns the state
//! and its [`store`], [`session`]s that speak the protocol), the simulator on real roads
//! ([`sim`]), and the client the console uses ([`client`]). The protocol and its rules are in
//! the core (`onemap_core::feed`, `docs/protocol.md`); time comes from one [`clock`].

pub mod bench;
pub mod client;
pub mod clock;
pub mod history_bench;
pub mod hub;
pub mod identity;
pub mod queue;
pub mod server;
pub mod session;
pub mod sim;
pub mod store;
pub mod tls;
