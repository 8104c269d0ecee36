//! `onemap-feed`: the live feed server (WebSocket + SQLite event log).
//!
//! Placeholder: the server, the simulator and persistence arrive with the live-feed issue.
//! It builds so the workspace layout is final from the start.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("onemap-feed: the live feed server is not built yet (see the live-feed issue)");
    ExitCode::FAILURE
}
