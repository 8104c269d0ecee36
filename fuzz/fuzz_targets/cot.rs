//! The CoT readers under libFuzzer: any bytes through the XML stream splitter, as one XML
//! event, through the TAK protocol stream reader and as one protobuf message. Nothing may
//! panic, the framings never hold more than their limits, and an event that reads must write
//! and read back to itself (as XML and as protobuf).
#![no_main]

use libfuzzer_sys::fuzz_target;
use onemap_cot::proto::{Frame, StreamReader, decode, encode};
use onemap_cot::{MAX_EVENT_BYTES, Piece, Splitter, parse_xml};

fn check(text: &str) {
    if let Ok(event) = parse_xml(text) {
        let again = parse_xml(&event.to_xml()).expect("a written event reads back");
        assert_eq!(again, event);
    }
}

fn check_proto(msg: &[u8]) {
    if let Ok(event) = decode(msg) {
        let again = decode(&encode(&event)).expect("an encoded event decodes");
        // takproto's times may lose a millisecond; everything else is the same.
        assert!((again.time_ms - event.time_ms).abs() <= 1);
        assert_eq!(again.uid, event.uid);
        assert_eq!(again.point, event.point);
        assert_eq!(again.callsign, event.callsign);
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
    let mut frames = StreamReader::new();
    for part in [&data[..cut], &data[cut..]] {
        for frame in frames.push(part) {
            if let Frame::Message(m) = frame {
                check_proto(&m);
            }
        }
        assert!(frames.held() <= MAX_EVENT_BYTES + 11 + part.len());
    }
    check_proto(data);
});
