//! Cursor-on-Target (CoT) for OneMap: the events TAK clients and servers exchange (ATAK,
//! WinTAK, iTAK, TAK servers), read and written as their XML, split out of a TCP stream, and
//! mapped to OneMap's units by a documented table (`docs/cot.md`).
//!
//! Everything read from the network is untrusted: an event is refused with the element or
//! attribute and the reason (`CotError`), never with a panic (the parser is fuzzed:
//! `fuzz/fuzz_targets/cot.rs`); documents are bounded in size and node count, and DTDs (entity
//! expansion) are refused.

pub mod bridge;
mod event;
pub mod proto;
mod stream;
mod types;

pub use event::{CotError, CotEvent, Point, parse_xml};
pub use stream::{Piece, Splitter};
pub use types::{cot_type_for, is_friendly_ground_or_air, unit_kind_for};

/// The largest event accepted, in bytes (a position report is ~600 bytes; TAK servers refuse
/// far smaller messages than this).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;
