//! TAK Protocol version 1: a CoT event as a protobuf `TakMessage`, in the stream framing
//! (`0xBF`, a varint length, the message) used over TCP and the mesh framing
//! (`0xBF 0x01 0xBF`, the message) used in UDP datagrams.
//!
//! Written byte for byte as the PyPI package `takproto` writes the event's XML
//! (`xml2proto`): fields in number order, proto3 defaults left out, unknown `<detail>`
//! children (`<link>`, `<remarks>`) in `xmlDetail` as ElementTree serialises them, and times as
//! its floating-point conversion gives them. Read back through the XML checks, so a protobuf
//! event is refused for exactly what its XML would be.
//!
//! The schema (takproto's `.proto` files): `TakMessage { TakControl takControl = 1; CotEvent
//! cotEvent = 2; }`, `CotEvent { string type = 1; access = 2; qos = 3; opex = 4; uid = 5;
//! uint64 sendTime = 6; startTime = 7; staleTime = 8; string how = 9; double lat = 10;
//! lon = 11; hae = 12; ce = 13; le = 14; Detail detail = 15; }`, `Detail { string xmlDetail = 1;
//! Contact contact = 2; Group group = 3; PrecisionLocation precisionLocation = 4; Status
//! status = 5; Takv takv = 6; Track track = 7; }`, `Contact { string endpoint = 1; string
//! callsign = 2; }`, `Track { double speed = 1; double course = 2; }`.

use std::fmt::Write as _;

use crate::MAX_EVENT_BYTES;
use crate::event::{CotError, CotEvent, parse_xml, rfc3339};

/// The first byte of every TAK protocol v1 message.
pub const MAGIC: u8 = 0xBF;
/// The mesh (UDP) header.
pub const MESH_HEADER: [u8; 3] = [0xBF, 0x01, 0xBF];

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn tag(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, (u64::from(field) << 3) | u64::from(wire));
}

fn string(out: &mut Vec<u8>, field: u32, s: &str) {
    if !s.is_empty() {
        bytes(out, field, s.as_bytes());
    }
}

fn bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    tag(out, field, 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn double(out: &mut Vec<u8>, field: u32, x: f64) {
    if x != 0.0 {
        tag(out, field, 1);
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn uint(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        tag(out, field, 0);
        varint(out, v);
    }
}

/// A time as takproto computes it from the XML's text: seconds as a float, times 1000,
/// truncated (so at most 1 ms below the time itself).
fn takproto_ms(ms: i64) -> u64 {
    let seconds = (ms as f64 * 1000.0) / 1e6;
    (seconds * 1000.0).max(0.0) as u64
}

/// Text as ElementTree writes it (`tostring`'s default encoding is ASCII: anything else is a
/// character reference).
fn et_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_ascii() => out.push(c),
            c => {
                let _ = write!(out, "&#{};", c as u32);
            }
        }
    }
    out
}

/// An attribute value as ElementTree writes it.
fn et_attr(s: &str) -> String {
    et_text(s)
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#09;")
}

/// The `TakMessage` of an event (no framing).
pub fn encode(e: &CotEvent) -> Vec<u8> {
    let mut ev = Vec::with_capacity(256);
    string(&mut ev, 1, &e.cot_type);
    string(&mut ev, 5, &e.uid);
    uint(&mut ev, 6, takproto_ms(e.time_ms));
    uint(&mut ev, 7, takproto_ms(e.start_ms));
    uint(&mut ev, 8, takproto_ms(e.stale_ms));
    string(&mut ev, 9, &e.how);
    for (field, x) in [
        (10, e.point.lat),
        (11, e.point.lon),
        (12, e.point.hae),
        (13, e.point.ce),
        (14, e.point.le),
    ] {
        double(&mut ev, field, x);
    }
    let mut detail = Vec::new();
    let mut xml = String::new();
    if let Some(u) = &e.link_uid {
        let _ = write!(
            xml,
            r#"<link uid="{}" relation="none" type="none" />"#,
            et_attr(u)
        );
    }
    if let Some(r) = &e.remarks {
        let _ = write!(xml, "<remarks>{}</remarks>", et_text(r));
    }
    string(&mut detail, 1, &xml);
    if let Some(c) = e.callsign.as_deref().filter(|c| !c.is_empty()) {
        let mut contact = Vec::new();
        string(&mut contact, 2, c);
        bytes(&mut detail, 2, &contact);
    }
    if e.course_deg.is_some() || e.speed_mps.is_some() {
        let mut track = Vec::new();
        double(&mut track, 1, e.speed_mps.unwrap_or(0.0));
        double(&mut track, 2, e.course_deg.unwrap_or(0.0));
        bytes(&mut detail, 7, &track);
    }
    if !detail.is_empty() {
        bytes(&mut ev, 15, &detail);
    }
    let mut msg = Vec::with_capacity(ev.len() + 4);
    bytes(&mut msg, 2, &ev);
    msg
}

/// The event in the stream framing: `0xBF`, the length, the message.
pub fn encode_stream(e: &CotEvent) -> Vec<u8> {
    let msg = encode(e);
    let mut out = Vec::with_capacity(msg.len() + 6);
    out.push(MAGIC);
    varint(&mut out, msg.len() as u64);
    out.extend_from_slice(&msg);
    out
}

/// The event in the mesh framing, for a UDP datagram.
pub fn encode_mesh(e: &CotEvent) -> Vec<u8> {
    let mut out = MESH_HEADER.to_vec();
    out.extend_from_slice(&encode(e));
    out
}

fn perr(place: &str, reason: impl Into<String>) -> CotError {
    CotError {
        place: format!("protobuf {place}"),
        reason: reason.into(),
    }
}

/// One protobuf field's value.
enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
}

/// Reads a protobuf message's fields in order.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    place: &'static str,
}

fn read_varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], place: &'static str) -> Self {
        Reader { buf, at: 0, place }
    }

    fn next(&mut self) -> Result<Option<(u32, Value<'a>)>, CotError> {
        if self.at >= self.buf.len() {
            return Ok(None);
        }
        let bad = |r: &str| perr(self.place, r.to_owned());
        let key =
            read_varint(self.buf, &mut self.at).ok_or_else(|| bad("a truncated field key"))?;
        let field = u32::try_from(key >> 3).map_err(|_| bad("a field number out of range"))?;
        let value = match key & 7 {
            0 => Value::Varint(
                read_varint(self.buf, &mut self.at).ok_or_else(|| bad("a truncated varint"))?,
            ),
            1 => {
                let b = self
                    .buf
                    .get(self.at..self.at + 8)
                    .ok_or_else(|| bad("a truncated double"))?;
                self.at += 8;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::Fixed64(u64::from_le_bytes(a))
            }
            2 => {
                let n =
                    read_varint(self.buf, &mut self.at).ok_or_else(|| bad("a truncated length"))?;
                let end = usize::try_from(n)
                    .ok()
                    .and_then(|n| self.at.checked_add(n))
                    .filter(|&e| e <= self.buf.len())
                    .ok_or_else(|| bad("a length past the end of the message"))?;
                let b = &self.buf[self.at..end];
                self.at = end;
                Value::Bytes(b)
            }
            5 => {
                self.at += 4;
                if self.at > self.buf.len() {
                    return Err(bad("a truncated fixed32"));
                }
                Value::Varint(0)
            }
            w => return Err(bad(&format!("wire type {w} is not used by TAK messages"))),
        };
        Ok(Some((field, value)))
    }
}

fn text<'a>(v: &Value<'a>, place: &str) -> Result<&'a str, CotError> {
    match v {
        Value::Bytes(b) => std::str::from_utf8(b).map_err(|_| perr(place, "not UTF-8")),
        _ => Err(perr(place, "not a string")),
    }
}

fn float(v: &Value<'_>, place: &str) -> Result<f64, CotError> {
    match v {
        Value::Fixed64(bits) => Ok(f64::from_bits(*bits)),
        _ => Err(perr(place, "not a double")),
    }
}

fn millis(v: &Value<'_>, place: &str) -> Result<i64, CotError> {
    match v {
        Value::Varint(n) => i64::try_from(*n)
            .ok()
            .filter(|&n| n < 253_402_300_800_000)
            .ok_or_else(|| perr(place, format!("{n} is not a time in ms since 1970"))),
        _ => Err(perr(place, "not a uint64")),
    }
}

/// `&`, `<`, `>`, `"` escaped, for rebuilding the XML.
fn xml_escape(s: &str) -> String {
    et_attr(s)
}

const TIME_FIELDS: [&str; 3] = [
    "CotEvent.sendTime",
    "CotEvent.startTime",
    "CotEvent.staleTime",
];
const POINT_FIELDS: [&str; 5] = [
    "CotEvent.lat",
    "CotEvent.lon",
    "CotEvent.hae",
    "CotEvent.ce",
    "CotEvent.le",
];

/// Read a `TakMessage` (no framing) into an event, checked as its XML would be. A message
/// without a `cotEvent` (a control message) is refused as such.
pub fn decode(msg: &[u8]) -> Result<CotEvent, CotError> {
    if msg.len() > MAX_EVENT_BYTES {
        return Err(perr(
            "TakMessage",
            format!("{} bytes (at most {MAX_EVENT_BYTES})", msg.len()),
        ));
    }
    let mut event = None;
    let mut top = Reader::new(msg, "TakMessage");
    while let Some((field, v)) = top.next()? {
        if field == 2 {
            match v {
                Value::Bytes(b) => event = Some(b),
                _ => return Err(perr("TakMessage.cotEvent", "not a message")),
            }
        }
    }
    let event = event.ok_or_else(|| perr("TakMessage.cotEvent", "missing (a control message)"))?;
    let (mut uid, mut cot_type, mut how) = ("", "", "");
    let mut times = [None::<i64>; 3];
    let mut point = [None::<f64>; 5];
    let mut detail: &[u8] = &[];
    let mut r = Reader::new(event, "CotEvent");
    while let Some((field, v)) = r.next()? {
        match field {
            1 => cot_type = text(&v, "CotEvent.type")?,
            5 => uid = text(&v, "CotEvent.uid")?,
            6..=8 => {
                let k = field as usize - 6;
                times[k] = Some(millis(&v, TIME_FIELDS[k])?);
            }
            9 => how = text(&v, "CotEvent.how")?,
            10..=14 => {
                let k = field as usize - 10;
                point[k] = Some(float(&v, POINT_FIELDS[k])?);
            }
            15 => match v {
                Value::Bytes(b) => detail = b,
                _ => return Err(perr("CotEvent.detail", "not a message")),
            },
            _ => {}
        }
    }
    let mut xml = String::with_capacity(event.len() * 2 + 128);
    let _ = write!(
        xml,
        r#"<event version="2.0" uid="{}" type="{}""#,
        xml_escape(uid),
        xml_escape(cot_type)
    );
    if !how.is_empty() {
        let _ = write!(xml, r#" how="{}""#, xml_escape(how));
    }
    for (name, t) in ["time", "start", "stale"].iter().zip(times) {
        // A time left out is 0 in proto3: 1970, as takproto would read it.
        let _ = write!(xml, r#" {name}="{}""#, rfc3339(t.unwrap_or(0)));
    }
    xml.push_str("><point");
    for (name, x) in ["lat", "lon", "hae", "ce", "le"].iter().zip(point) {
        let x = x.unwrap_or(0.0);
        if x.is_finite() {
            let _ = write!(xml, r#" {name}="{x}""#);
        } else {
            let _ = write!(xml, r#" {name}="NaN""#);
        }
    }
    xml.push_str("/><detail>");
    decode_detail(detail, &mut xml)?;
    xml.push_str("</detail></event>");
    parse_xml(&xml)
}

/// `Detail`'s contact and track as their XML; `xmlDetail` checked to be well-formed on its own
/// (it cannot close the `<detail>` it is put in).
fn decode_detail(detail: &[u8], xml: &mut String) -> Result<(), CotError> {
    let mut r = Reader::new(detail, "Detail");
    while let Some((field, v)) = r.next()? {
        match (field, v) {
            (1, v) => {
                let x = text(&v, "Detail.xmlDetail")?;
                let wrapped = format!("<detail>{x}</detail>");
                let options = roxmltree::ParsingOptions {
                    allow_dtd: false,
                    nodes_limit: 2_000,
                };
                roxmltree::Document::parse_with_options(&wrapped, options)
                    .map_err(|e| perr("Detail.xmlDetail", format!("not well-formed XML: {e}")))?;
                xml.push_str(x);
            }
            (2, Value::Bytes(b)) => {
                let mut c = Reader::new(b, "Contact");
                while let Some((f, v)) = c.next()? {
                    if f == 2 {
                        let cs = text(&v, "Contact.callsign")?;
                        let _ = write!(xml, r#"<contact callsign="{}"/>"#, xml_escape(cs));
                    }
                }
            }
            (7, Value::Bytes(b)) => {
                let (mut speed, mut course) = (0.0, 0.0);
                let mut t = Reader::new(b, "Track");
                while let Some((f, v)) = t.next()? {
                    match f {
                        1 => speed = float(&v, "Track.speed")?,
                        2 => course = float(&v, "Track.course")?,
                        _ => {}
                    }
                }
                let num = |x: f64| {
                    if x.is_finite() {
                        x.to_string()
                    } else {
                        "NaN".into()
                    }
                };
                let _ = write!(
                    xml,
                    r#"<track speed="{}" course="{}"/>"#,
                    num(speed),
                    num(course)
                );
            }
            (2 | 7, _) => return Err(perr("Detail", "a contact or track that is not a message")),
            _ => {}
        }
    }
    Ok(())
}

/// What [`StreamReader`] gave.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// One `TakMessage` (not yet checked: see [`decode`]).
    Message(Vec<u8>),
    /// Bytes that cannot be a message, dropped: how many, and why.
    Dropped(usize, &'static str),
}

/// Splits a TAK protocol v1 stream (`0xBF`, varint length, message, …) in bounded memory.
#[derive(Debug, Default)]
pub struct StreamReader {
    buf: Vec<u8>,
}

impl StreamReader {
    pub fn new() -> StreamReader {
        StreamReader::default()
    }

    /// Add bytes; the complete messages and what was dropped, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            if self.buf.is_empty() {
                return out;
            }
            if self.buf[0] != MAGIC {
                // Resynchronise at the next magic byte.
                let skip = self
                    .buf
                    .iter()
                    .position(|&b| b == MAGIC)
                    .unwrap_or(self.buf.len());
                self.buf.drain(..skip);
                out.push(Frame::Dropped(skip, "not a TAK protocol message"));
                continue;
            }
            let mut at = 1;
            let Some(n) = read_varint(&self.buf, &mut at) else {
                if self.buf.len() > 11 {
                    self.buf.drain(..1);
                    out.push(Frame::Dropped(1, "a bad length"));
                    continue;
                }
                return out;
            };
            let Some(n) = usize::try_from(n).ok().filter(|&n| n <= MAX_EVENT_BYTES) else {
                // Too long: drop the header and resynchronise.
                self.buf.drain(..at);
                out.push(Frame::Dropped(at, "longer than the limit"));
                continue;
            };
            if self.buf.len() < at + n {
                return out;
            }
            let msg = self.buf[at..at + n].to_vec();
            self.buf.drain(..at + n);
            out.push(Frame::Message(msg));
        }
    }

    /// Bytes held for an unfinished message (at most the limit, its header and one read).
    pub fn held(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Point;

    pub(crate) fn sample() -> CotEvent {
        CotEvent {
            uid: "onemap.U-7".into(),
            cot_type: "a-f-G-E-V-C".into(),
            how: "m-g".into(),
            time_ms: 1_796_000_000_123,
            start_ms: 1_796_000_000_123,
            stale_ms: 1_796_000_003_123,
            point: Point {
                lat: 53.556,
                lon: 13.261,
                hae: 9_999_999.0,
                ce: 9_999_999.0,
                le: 9_999_999.0,
            },
            callsign: Some("巡07 & \"A\"".into()),
            course_deg: Some(92.5),
            speed_mps: Some(0.0),
            remarks: Some("on <patrol>".into()),
            link_uid: Some("x'y".into()),
        }
    }

    #[test]
    fn an_event_reads_back_from_both_framings() {
        let e = sample();
        let mut s = StreamReader::new();
        let framed = encode_stream(&e);
        let mut got = Vec::new();
        for b in framed.chunks(3) {
            got.extend(s.push(b));
        }
        assert_eq!(got, vec![Frame::Message(encode(&e))]);
        let back = decode(&encode(&e)).unwrap();
        // takproto's times may be 1 ms early; everything else is the same.
        for (a, b) in [(back.time_ms, e.time_ms), (back.stale_ms, e.stale_ms)] {
            assert!((a - b).abs() <= 1, "{a} {b}");
        }
        let same_times = CotEvent {
            time_ms: e.time_ms,
            start_ms: e.start_ms,
            stale_ms: e.stale_ms,
            ..back.clone()
        };
        assert_eq!(same_times, e);
        assert_eq!(decode(&encode_mesh(&e)[3..]).unwrap(), back);
    }

    #[test]
    fn bad_messages_name_the_field() {
        let cases: [(&[u8], &str); 5] = [
            (&[0x12, 0x05, 0x0a], "protobuf TakMessage"),
            (&[0x0a, 0x00], "protobuf TakMessage.cotEvent"),
            (&[0x12, 0x02, 0x50, 0x01], "protobuf CotEvent.lat"),
            (
                &[0x12, 0x09, 0x39, 0, 0, 0, 0, 0, 0, 0, 0],
                "protobuf CotEvent.startTime",
            ),
            (&[0x12, 0x02, 0x0b, 0x00], "protobuf CotEvent"),
        ];
        for (bytes, place) in cases {
            let e = decode(bytes).unwrap_err();
            assert_eq!(e.place, place, "{e}");
        }
        // Out of range, as in XML.
        let mut e = sample();
        e.point.lat = 91.0;
        assert_eq!(decode(&encode(&e)).unwrap_err().place, "point@lat");
        // xmlDetail cannot close the detail it is put in.
        let mut ev = Vec::new();
        string(&mut ev, 5, "u");
        let mut d = Vec::new();
        string(&mut d, 1, "</detail><point lat=\"1\" lon=\"1\"/><detail>");
        bytes(&mut ev, 15, &d);
        let mut msg = Vec::new();
        bytes(&mut msg, 2, &ev);
        assert_eq!(decode(&msg).unwrap_err().place, "protobuf Detail.xmlDetail");
    }

    #[test]
    fn the_stream_resynchronises_after_junk_and_oversized_frames() {
        let e = sample();
        let mut s = StreamReader::new();
        let mut bytes = b"junk".to_vec();
        bytes.push(MAGIC);
        varint(&mut bytes, (MAX_EVENT_BYTES + 1) as u64);
        bytes.extend(encode_stream(&e));
        let got = s.push(&bytes);
        assert_eq!(got.last(), Some(&Frame::Message(encode(&e))));
        assert!(matches!(got[0], Frame::Dropped(4, _)));
        assert_eq!(s.held(), 0);
    }
}
