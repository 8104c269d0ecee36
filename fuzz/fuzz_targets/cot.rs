//! The CoT reader under libFuzzer: any bytes through the stream splitter, and as one event.
//! Nothing may panic, the splitter never holds more than its limit, and an event that reads
//! must write and read back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onemap_cot::{MAX_EVENT_BYTES, Piece, Splitter, parse_xml};

fn check(text: &str) {
    if let Ok(event) = parse_xml(text) {
        let again = parse_xml(&event.to_xml()).expect("a written event reads back");
        assert_eq!(again, event);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut splitter = Splitter::new();
    // In two chunks, split where the first byte says: framing must not depend on reads.
    let cut = data.first().map_or(0, |b| usize::from(*b) % (data.len() + 1));
    for part in [&data[..cut], &data[cut..]] {
        for piece in splitter.push(part) {
            if let Piece::Event(text) = piece {
                check(&text);
            }
        }
        assert!(splitter.held() <= MAX_EVENT_BYTES + part.len());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
});
