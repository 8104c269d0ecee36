//! The layer-file readers under libFuzzer: any bytes, as text, through every layer parser
//! (beats, cameras, posts, stations, patrol routes). Nothing may panic, and a patrol file
//! that reads writes back to the same routes and the same rejected features.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onemap_core::layers::io::{parse_beats, parse_cameras, parse_posts, parse_stations};
use onemap_core::patrol::file::{parse_patrols, write_patrols};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_beats("f", text);
    let _ = parse_cameras("f", text);
    let _ = parse_posts("f", text);
    let _ = parse_stations("f", text);
    onemap_core::patrol::file::check_round_trip(text);
    let parsed = parse_patrols("f", text);
    let _ = write_patrols(&parsed.items, &parsed.rejected);
});
