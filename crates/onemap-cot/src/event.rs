//! One CoT event: its XML read into [`CotEvent`] with every field checked, and written back.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::MAX_EVENT_BYTES;

/// Elements a CoT document may have before it is refused (a position report has about 10).
const MAX_NODES: u32 = 2_000;
/// Longest uid, type or callsign kept.
const MAX_ID: usize = 128;
const MAX_REMARKS: usize = 2_000;
/// CoT's "unknown" for ce, le and hae.
pub const UNKNOWN: f64 = 9_999_999.0;

/// Where the event is: WGS84 and height above the ellipsoid, with its circular and linear
/// errors in metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
    pub hae: f64,
    pub ce: f64,
    pub le: f64,
}

/// A CoT event, as OneMap uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct CotEvent {
    pub uid: String,
    /// The CoT type, e.g. `a-f-G-E-V-C` (a friendly ground vehicle) or `t-x-d-d` (delete).
    pub cot_type: String,
    pub how: String,
    pub time_ms: i64,
    pub start_ms: i64,
    pub stale_ms: i64,
    pub point: Point,
    /// `<detail><contact callsign=…>`.
    pub callsign: Option<String>,
    /// `<detail><track course=… speed=…>`: degrees from north, metres a second.
    pub course_deg: Option<f64>,
    pub speed_mps: Option<f64>,
    /// `<detail><remarks>`.
    pub remarks: Option<String>,
    /// `<detail><link uid=…>`: for a delete, the uid of the event it removes.
    pub link_uid: Option<String>,
}

/// Why an event was refused: the element or attribute, and the reason.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("CoT {place}: {reason}")]
pub struct CotError {
    /// `event`, `event@uid`, `point@lat`, `detail/track@speed`, …
    pub place: String,
    pub reason: String,
}

fn err(place: &str, reason: impl Into<String>) -> CotError {
    CotError {
        place: place.to_owned(),
        reason: reason.into(),
    }
}

fn text_attr<'a>(
    node: roxmltree::Node<'a, '_>,
    place: &str,
    name: &str,
    max: usize,
) -> Result<&'a str, CotError> {
    let v = node
        .attribute(name)
        .ok_or_else(|| err(&format!("{place}@{name}"), "missing"))?;
    if v.is_empty() || v.chars().count() > max {
        return Err(err(
            &format!("{place}@{name}"),
            format!("must be 1 to {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(err(
            &format!("{place}@{name}"),
            "contains control characters",
        ));
    }
    Ok(v)
}

fn number(
    node: roxmltree::Node<'_, '_>,
    place: &str,
    name: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Result<f64, CotError> {
    let at = format!("{place}@{name}");
    let v = node.attribute(name).ok_or_else(|| err(&at, "missing"))?;
    let x: f64 = v
        .trim()
        .parse()
        .map_err(|_| err(&at, format!("\"{}\" is not a number", clip(v))))?;
    if !x.is_finite() || !range.contains(&x) {
        return Err(err(
            &at,
            format!("{x} is outside {} to {}", range.start(), range.end()),
        ));
    }
    Ok(x)
}

fn optional_number(
    node: roxmltree::Node<'_, '_>,
    place: &str,
    name: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Result<Option<f64>, CotError> {
    match node.attribute(name) {
        None => Ok(None),
        Some(_) => number(node, place, name, range).map(Some),
    }
}

fn time(node: roxmltree::Node<'_, '_>, name: &str) -> Result<i64, CotError> {
    let at = format!("event@{name}");
    let v = node.attribute(name).ok_or_else(|| err(&at, "missing"))?;
    DateTime::parse_from_rfc3339(v.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|e| {
            err(
                &at,
                format!("\"{}\" is not an RFC 3339 time ({e})", clip(v)),
            )
        })
}

/// At most 40 characters of untrusted text, for an error message.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Read one CoT event from its XML. Refuses documents over [`MAX_EVENT_BYTES`], with a DTD,
/// with more than 2,000 nodes, whose root is not `<event>`, or with a field missing or out of
/// range; unknown elements in `<detail>` are ignored, as TAK clients do.
pub fn parse_xml(text: &str) -> Result<CotEvent, CotError> {
    if text.len() > MAX_EVENT_BYTES {
        return Err(err(
            "event",
            format!("{} bytes (at most {MAX_EVENT_BYTES})", text.len()),
        ));
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| err("event", format!("not well-formed XML: {e}")))?;
    let event = doc.root_element();
    if event.tag_name().name() != "event" {
        return Err(err(
            "event",
            format!("the root element is <{}>", clip(event.tag_name().name())),
        ));
    }
    let uid = text_attr(event, "event", "uid", MAX_ID)?.to_owned();
    let cot_type = text_attr(event, "event", "type", MAX_ID)?.to_owned();
    let how = event
        .attribute("how")
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(16)
        .collect();
    let (time_ms, start_ms, stale_ms) = (
        time(event, "time")?,
        time(event, "start")?,
        time(event, "stale")?,
    );
    if stale_ms < start_ms {
        return Err(err("event@stale", "before event@start"));
    }
    let point_node = event
        .children()
        .find(|n| n.has_tag_name("point"))
        .ok_or_else(|| err("point", "missing"))?;
    let point = Point {
        lat: number(point_node, "point", "lat", -90.0..=90.0)?,
        lon: number(point_node, "point", "lon", -180.0..=180.0)?,
        hae: optional_number(point_node, "point", "hae", -20_000.0..=UNKNOWN)?.unwrap_or(UNKNOWN),
        ce: optional_number(point_node, "point", "ce", 0.0..=UNKNOWN)?.unwrap_or(UNKNOWN),
        le: optional_number(point_node, "point", "le", 0.0..=UNKNOWN)?.unwrap_or(UNKNOWN),
    };
    let mut out = CotEvent {
        uid,
        cot_type,
        how,
        time_ms,
        start_ms,
        stale_ms,
        point,
        callsign: None,
        course_deg: None,
        speed_mps: None,
        remarks: None,
        link_uid: None,
    };
    if let Some(detail) = event.children().find(|n| n.has_tag_name("detail")) {
        for child in detail.children().filter(roxmltree::Node::is_element) {
            match child.tag_name().name() {
                "contact" if child.attribute("callsign").is_some() => {
                    let c = text_attr(child, "detail/contact", "callsign", MAX_ID)?;
                    out.callsign = Some(c.to_owned());
                }
                "track" => {
                    // Some clients send course 0..=360 and a negative speed for "unknown".
                    out.course_deg = optional_number(child, "detail/track", "course", 0.0..=360.0)?;
                    out.speed_mps = optional_number(child, "detail/track", "speed", -1.0..=500.0)?
                        .filter(|s| *s >= 0.0);
                }
                "remarks" => {
                    // Words separated by single spaces: dispatch shows one line.
                    let t = child
                        .text()
                        .unwrap_or("")
                        .split(|c: char| c.is_whitespace() || c.is_control())
                        .filter(|w| !w.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    if t.chars().count() > MAX_REMARKS {
                        return Err(err(
                            "detail/remarks",
                            format!("longer than {MAX_REMARKS} characters"),
                        ));
                    }
                    out.remarks = Some(t).filter(|t| !t.is_empty());
                }
                "link" if child.attribute("uid").is_some() => {
                    let u = text_attr(child, "detail/link", "uid", MAX_ID)?;
                    out.link_uid = Some(u.to_owned());
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

/// `&`, `<`, `>`, `"` and `'` escaped for an attribute or text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl CotEvent {
    /// The event as CoT XML (one line, no prolog), as TAK servers relay it.
    pub fn to_xml(&self) -> String {
        let mut s = String::with_capacity(512);
        let _ = write!(
            s,
            r#"<event version="2.0" uid="{}" type="{}" how="{}" time="{}" start="{}" stale="{}">"#,
            escape(&self.uid),
            escape(&self.cot_type),
            escape(&self.how),
            rfc3339(self.time_ms),
            rfc3339(self.start_ms),
            rfc3339(self.stale_ms)
        );
        let p = &self.point;
        let _ = write!(
            s,
            r#"<point lat="{}" lon="{}" hae="{}" ce="{}" le="{}"/><detail>"#,
            p.lat, p.lon, p.hae, p.ce, p.le
        );
        if let Some(c) = &self.callsign {
            let _ = write!(s, r#"<contact callsign="{}"/>"#, escape(c));
        }
        if self.course_deg.is_some() || self.speed_mps.is_some() {
            s.push_str("<track");
            if let Some(c) = self.course_deg {
                let _ = write!(s, r#" course="{c}""#);
            }
            if let Some(v) = self.speed_mps {
                let _ = write!(s, r#" speed="{v}""#);
            }
            s.push_str("/>");
        }
        if let Some(u) = &self.link_uid {
            let _ = write!(
                s,
                r#"<link uid="{}" relation="none" type="none"/>"#,
                escape(u)
            );
        }
        if let Some(r) = &self.remarks {
            let _ = write!(s, "<remarks>{}</remarks>", escape(r));
        }
        s.push_str("</detail></event>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As pytak's examples write a position report.
    const PYTAK: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<event version="2.0" type="a-f-G-E-V-C" uid="pytak-7" how="m-g" time="2026-12-03T10:00:00.000000Z" start="2026-12-03T10:00:00.000000Z" stale="2026-12-03T10:00:03.000000Z"><point lat="53.5560" lon="13.2610" hae="9999999.0" ce="9999999.0" le="9999999.0" /><detail><contact callsign="Alpha &amp; 7"/><track course="92.5" speed="8.3"/><__group name="Cyan" role="Team Member"/><remarks>on patrol</remarks></detail></event>"#;

    #[test]
    fn a_position_report_is_read_with_every_field() {
        let e = parse_xml(PYTAK).unwrap();
        assert_eq!(
            (e.uid.as_str(), e.cot_type.as_str()),
            ("pytak-7", "a-f-G-E-V-C")
        );
        assert_eq!(e.callsign.as_deref(), Some("Alpha & 7"));
        assert_eq!((e.point.lat, e.point.lon), (53.556, 13.261));
        assert_eq!((e.course_deg, e.speed_mps), (Some(92.5), Some(8.3)));
        assert_eq!(e.stale_ms - e.start_ms, 3_000);
        assert_eq!(e.remarks.as_deref(), Some("on patrol"));
        // Written and read again: the same event.
        assert_eq!(parse_xml(&e.to_xml()).unwrap(), e);
    }

    #[test]
    fn bad_events_name_the_element_or_attribute_and_the_reason() {
        let with = |from: &str, to: &str| PYTAK.replacen(from, to, 1);
        let cases = [
            (with(r#"uid="pytak-7" "#, ""), "event@uid", "missing"),
            (
                with(r#"lat="53.5560""#, r#"lat="93""#),
                "point@lat",
                "outside",
            ),
            (
                with(r#"lon="13.2610""#, r#"lon="east""#),
                "point@lon",
                "not a number",
            ),
            (
                with(r#"lon="13.2610""#, r#"lon="NaN""#),
                "point@lon",
                "outside",
            ),
            (
                with(r#"stale="2026-12-03T10:00:03.000000Z""#, r#"stale="soon""#),
                "event@stale",
                "RFC 3339",
            ),
            (
                with(
                    r#"stale="2026-12-03T10:00:03.000000Z""#,
                    r#"stale="2026-12-03T09:00:00Z""#,
                ),
                "event@stale",
                "before",
            ),
            (
                with(r#"speed="8.3""#, r#"speed="9000""#),
                "detail/track@speed",
                "outside",
            ),
            (with("<point ", "<pt "), "point", "missing"),
            (PYTAK.replace("event", "evnt"), "event", "root element"),
            (PYTAK[..200].to_owned(), "event", "not well-formed"),
            (
                format!(
                    "<!DOCTYPE event [<!ENTITY a \"aaaa\">]>{}",
                    PYTAK.split_once("?>").unwrap().1
                ),
                "event",
                "not well-formed",
            ),
            ("x".repeat(MAX_EVENT_BYTES + 1), "event", "bytes"),
        ];
        for (xml, place, reason) in cases {
            let e = parse_xml(&xml).unwrap_err();
            assert_eq!(e.place, place, "{e}");
            assert!(e.reason.contains(reason), "{place}: {e}");
        }
    }
}

#[cfg(test)]
mod corpus {
    /// The fuzzer's corpus (`fuzz/corpus/cot`, grown by `cargo fuzz run cot`), replayed on
    /// every test run: each file reads without a panic, and what reads writes back to itself.
    #[test]
    fn the_fuzz_corpus_reads_without_panics_and_round_trips() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/cot");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            let mut splitter = crate::Splitter::new();
            let _ = splitter.push(&bytes);
            if let Ok(text) = std::str::from_utf8(&bytes)
                && let Ok(event) = super::parse_xml(text)
            {
                assert_eq!(super::parse_xml(&event.to_xml()).as_ref(), Ok(&event));
                read += 1;
            }
        }
        assert!(read >= 2, "the seed events of fuzz/corpus/cot read");
    }
}
