//! The wire decoder and the command parser under libFuzzer: any bytes, as a client message
//! and as a server event. Nothing may panic; whatever decodes must encode and decode back to
//! itself; a decoded command goes through the policy and the rulebook.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onemap_core::feed::{FeedState, Principal, Role, decide, parse_client, parse_server};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    onemap_core::feed::wire::check_round_trip(text);
    if let Ok(env) = parse_client(text) {
        if let Ok(command) = env.message.into_command() {
            let (_, unit) = command.subject();
            for role in Role::ALL {
                let who = Principal {
                    name: "fuzz".into(),
                    role,
                    units: vec!["U-1".into()],
                };
                let _ = who.authorize(command.kind(), unit);
            }
            let _ = decide(&FeedState::default(), &command, 1_800_000_000_000, "fuzz");
        }
    }
    let _ = parse_server(text);
});
