//! Patrol routes as files. `layers/patrols.geojson` holds the routes as drawn (read and
//! written; schema in `docs/layers.md`): a LineString of the waypoints per route, with `id`,
//! `name`, `mode`, `closed` and one `dwell_s` per waypoint. A feature that fails is rejected
//! with a problem naming the file, the feature and the field, and kept verbatim for the next
//! save; every valid route is kept. Exports give the routes on the roads, for devices and
//! other GIS: GeoJSON, GPX 1.1 and KML 2.2. Text in, text out.

use serde_json::{Value, json};

use super::{PatrolRoute, SnappedRoute, Waypoint};
use crate::coord::LonLat;
use crate::layers::io::{
    Parsed, collection, feature, geometry, parse_layer, pos_json, position, props,
};
use crate::routing::Mode;

/// The longest dwell a stop may have, seconds (a shift).
pub const MAX_DWELL_S: f64 = 12.0 * 3600.0;
/// The most waypoints a route may have.
pub const MAX_WAYPOINTS: usize = 2_000;

/// Read `patrols.geojson`.
pub fn parse_patrols(file: &str, text: &str) -> Parsed<PatrolRoute> {
    parse_layer(
        file,
        text,
        |r: &PatrolRoute| r.id.clone(),
        |f, p| {
            let coords = geometry(f, "LineString")?
                .as_array()
                .ok_or("LineString coordinates are not an array")?;
            if coords.len() < 2 || coords.len() > MAX_WAYPOINTS {
                return Err(format!(
                    "a route needs 2 to {MAX_WAYPOINTS} waypoints, this one has {}",
                    coords.len()
                ));
            }
            let points = coords
                .iter()
                .enumerate()
                .map(|(k, c)| position(c, &format!("waypoint {k}")))
                .collect::<Result<Vec<LonLat>, String>>()?;
            let id = p.string("id")?;
            let name = match p.value("name") {
                None => id.clone(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(format!("property \"name\" must be a string, got {other}"));
                }
            };
            let mode = match p.value("mode") {
                None => Mode::Car,
                Some(v) => v.as_str().and_then(Mode::from_name).ok_or_else(|| {
                    format!("\"mode\" is {v}; allowed: car, motorbike, ebike, foot")
                })?,
            };
            let closed = match p.value("closed") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(format!(
                        "property \"closed\" must be true or false, got {other}"
                    ));
                }
            };
            let dwell: Vec<f64> = match p.value("dwell_s") {
                None => vec![0.0; points.len()],
                Some(Value::Array(a)) if a.len() == points.len() => a
                    .iter()
                    .enumerate()
                    .map(|(k, v)| match v.as_f64() {
                        Some(d) if (0.0..=MAX_DWELL_S).contains(&d) => Ok(d),
                        _ => Err(format!(
                            "\"dwell_s\"[{k}] is {v}; a stop's dwell is 0 to {MAX_DWELL_S} seconds"
                        )),
                    })
                    .collect::<Result<_, _>>()?,
                Some(Value::Array(a)) => {
                    return Err(format!(
                        "\"dwell_s\" has {} entries for {} waypoints",
                        a.len(),
                        points.len()
                    ));
                }
                Some(other) => {
                    return Err(format!(
                        "property \"dwell_s\" must be an array of seconds, got {other}"
                    ));
                }
            };
            Ok(PatrolRoute {
                id,
                name,
                mode,
                waypoints: points
                    .into_iter()
                    .zip(dwell)
                    .map(|(at, d)| Waypoint {
                        at,
                        dwell_s: d as f32,
                    })
                    .collect(),
                closed,
                extra: p.extra(),
            })
        },
    )
}

/// `patrols.geojson` again, with the rejected features as they were.
pub fn write_patrols(routes: &[PatrolRoute], rejected: &[Value]) -> String {
    let features = routes
        .iter()
        .map(|r| {
            let coords: Vec<Value> = r.waypoints.iter().map(|w| pos_json(w.at)).collect();
            let dwell: Vec<Value> = r.waypoints.iter().map(|w| json!(w.dwell_s)).collect();
            feature(
                props(vec![
                    ("id", json!(r.id)),
                    ("name", json!(r.name)),
                    ("mode", json!(r.mode.name())),
                    ("closed", json!(r.closed)),
                    ("dwell_s", Value::Array(dwell)),
                ]),
                &r.extra,
                json!({ "type": "LineString", "coordinates": coords }),
            )
        })
        .collect();
    collection("patrols", false, features, rejected)
}

/// The line along the roads, waypoint to waypoint (and back to the first for a loop).
fn road_line(snapped: &SnappedRoute) -> Vec<LonLat> {
    let mut line: Vec<LonLat> = Vec::new();
    for leg in &snapped.legs {
        for &p in &leg.line {
            if line.last() != Some(&p) {
                line.push(p);
            }
        }
    }
    line
}

/// Each route on the roads as a LineString with its length and duration, and its stops as
/// Points with their dwell: GeoJSON for other GIS.
pub fn export_geojson(routes: &[(&PatrolRoute, &SnappedRoute)]) -> String {
    let mut features = Vec::new();
    for (r, s) in routes {
        let line: Vec<Value> = road_line(s).into_iter().map(pos_json).collect();
        let dwell: f64 = r.waypoints.iter().map(|w| f64::from(w.dwell_s)).sum();
        features.push(json!({
            "type": "Feature",
            "properties": {
                "id": r.id, "name": r.name, "mode": r.mode.name(), "closed": r.closed,
                "length_m": s.length_m().round(), "duration_s": (s.travel_s() + dwell).round(),
            },
            "geometry": { "type": "LineString", "coordinates": line },
        }));
        for (k, w) in r
            .waypoints
            .iter()
            .enumerate()
            .filter(|(_, w)| w.dwell_s > 0.0)
        {
            let at = s.snaps.get(k).map_or(w.at, |p| p.point);
            features.push(json!({
                "type": "Feature",
                "properties": { "route_id": r.id, "stop": k, "dwell_s": w.dwell_s },
                "geometry": { "type": "Point", "coordinates": pos_json(at) },
            }));
        }
    }
    collection("patrols", false, features, &[])
}

/// `&`, `<`, `>`, `"` and `'` as XML entities.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// GPX 1.1 for devices: each route's stops as a `rte` (the dwell in each point's
/// description) and its road line as a `trk`.
pub fn export_gpx(routes: &[(&PatrolRoute, &SnappedRoute)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"OneMap\" \
         xmlns=\"http://www.topografix.com/GPX/1/1\">\n",
    );
    for (r, s) in routes {
        let name = xml_escape(&r.name);
        let _ = writeln!(out, "  <rte>\n    <name>{name}</name>");
        for (k, w) in r.waypoints.iter().enumerate() {
            let at = s.snaps.get(k).map_or(w.at, |p| p.point);
            let _ = writeln!(
                out,
                "    <rtept lat=\"{:.7}\" lon=\"{:.7}\"><name>{}</name><desc>dwell {} s</desc></rtept>",
                at.lat,
                at.lon,
                k + 1,
                w.dwell_s.round()
            );
        }
        let _ = writeln!(
            out,
            "  </rte>\n  <trk>\n    <name>{name}</name>\n    <trkseg>"
        );
        for p in road_line(s) {
            let _ = writeln!(
                out,
                "      <trkpt lat=\"{:.7}\" lon=\"{:.7}\"/>",
                p.lat, p.lon
            );
        }
        out.push_str("    </trkseg>\n  </trk>\n");
    }
    out.push_str("</gpx>\n");
    out
}

/// KML 2.2: each route's road line as a Placemark, and its stops as Placemarks.
pub fn export_kml(routes: &[(&PatrolRoute, &SnappedRoute)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n",
    );
    for (r, s) in routes {
        let name = xml_escape(&r.name);
        let coords: Vec<String> = road_line(s)
            .into_iter()
            .map(|p| format!("{:.7},{:.7}", p.lon, p.lat))
            .collect();
        let _ = writeln!(
            out,
            "  <Placemark><name>{name}</name><LineString><tessellate>1</tessellate><coordinates>{}</coordinates></LineString></Placemark>",
            coords.join(" ")
        );
        for (k, w) in r
            .waypoints
            .iter()
            .enumerate()
            .filter(|(_, w)| w.dwell_s > 0.0)
        {
            let at = s.snaps.get(k).map_or(w.at, |p| p.point);
            let _ = writeln!(
                out,
                "  <Placemark><name>{name} · {}</name><description>dwell {} s</description><Point><coordinates>{:.7},{:.7}</coordinates></Point></Placemark>",
                k + 1,
                w.dwell_s.round(),
                at.lon,
                at.lat
            );
        }
    }
    out.push_str("</Document>\n</kml>\n");
    out
}

/// What the fuzzer and the corpus replay check of any text: if it reads as a patrol file,
/// what is written from it reads back to itself (positions are written to 7 decimals, 1 cm,
/// so the first write may round them; from then on nothing changes), and every rejected
/// feature is kept.
pub fn check_round_trip(text: &str) {
    let parsed = parse_patrols("f", text);
    if parsed.items.is_empty() && parsed.rejected.is_empty() {
        return;
    }
    let written = write_patrols(&parsed.items, &parsed.rejected);
    let once = parse_patrols("f", &written);
    assert_eq!(
        once.items.len(),
        parsed.items.len(),
        "every route written reads back"
    );
    assert_eq!(once.rejected, parsed.rejected, "rejected features kept");
    let twice = parse_patrols("f", &write_patrols(&once.items, &once.rejected));
    assert_eq!(twice.items, once.items, "routes written and read back");
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.26, 53.55], [13.27, 53.56], [13.28, 53.55]]},
       "properties": {"id": "P-1", "name": "北区 & 夜巡", "mode": "foot", "closed": true, "dwell_s": [720, 0, 600], "shift": "night"}},
      {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.26, 53.55], [13.27, 53.56]]},
       "properties": {"id": "P-2", "mode": "bus"}},
      {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.26, 53.55], [13.27, 53.56]]},
       "properties": {"id": "P-3", "dwell_s": [10]}},
      {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.26, 53.55], [13.27, 53.56]]},
       "properties": {"id": "P-4", "dwell_s": [10, -1]}},
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [13.26, 53.55]},
       "properties": {"id": "P-5"}},
      {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.26, 53.55], [13.27]]},
       "properties": {"id": "P-6"}},
      {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.26, 53.55], [13.27, 53.56]]},
       "properties": {"id": "P-1"}},
      {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.26, 53.55], [13.27, 53.56]]},
       "properties": {"id": "P-7"}}
    ]}"#;

    #[test]
    fn routes_are_read_problems_name_the_feature_and_field_and_nothing_valid_is_lost() {
        let parsed = parse_patrols("patrols.geojson", FILE);
        let ids: Vec<&str> = parsed.items.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, vec!["P-1", "P-7"]);
        let r = &parsed.items[0];
        assert_eq!(
            (r.mode, r.closed, r.name.as_str()),
            (Mode::Foot, true, "北区 & 夜巡")
        );
        let dwell: Vec<f32> = r.waypoints.iter().map(|w| w.dwell_s).collect();
        assert_eq!(dwell, vec![720.0, 0.0, 600.0]);
        // Defaults: car, open, no dwell, named by its id.
        let d = &parsed.items[1];
        assert_eq!(
            (d.mode, d.closed, d.name.as_str()),
            (Mode::Car, false, "P-7")
        );
        let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
        let expect = [
            "patrols.geojson: feature 1 (id P-2): \"mode\" is \"bus\"",
            "patrols.geojson: feature 2 (id P-3): \"dwell_s\" has 1 entries for 2 waypoints",
            "patrols.geojson: feature 3 (id P-4): \"dwell_s\"[1] is -1",
            "patrols.geojson: feature 4 (id P-5): geometry is Point, expected LineString",
            "patrols.geojson: feature 5 (id P-6): waypoint 1 needs numeric [lon, lat]",
            "patrols.geojson: feature 6 (id P-1): duplicate id \"P-1\"",
        ];
        assert_eq!(problems.len(), expect.len(), "{problems:#?}");
        for (got, want) in problems.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n  wanted {want}");
        }
        // Written back: the valid routes (unknown properties kept) and the rejected as they were.
        let text = write_patrols(&parsed.items, &parsed.rejected);
        let again = parse_patrols("patrols.geojson", &text);
        assert_eq!(again.items, parsed.items);
        assert_eq!(again.rejected.len(), 6);
        assert!(text.contains("\"shift\": \"night\""));
    }

    /// The fuzzer's corpus (`fuzz/corpus/layers`, grown by `cargo fuzz run layers`), replayed
    /// on every test run.
    #[test]
    fn the_fuzz_corpus_reads_without_panics_and_round_trips() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/layers");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            check_round_trip(&text);
            read += usize::from(!parse_patrols("f", &text).items.is_empty());
        }
        assert!(read >= 1, "the seed file of fuzz/corpus/layers reads");
    }

    #[test]
    fn exports_escape_names_and_carry_the_stops() {
        let parsed = parse_patrols("patrols.geojson", FILE);
        let r = &parsed.items[0];
        let snapped = SnappedRoute::default();
        let gpx = export_gpx(&[(r, &snapped)]);
        assert!(gpx.contains("<name>北区 &amp; 夜巡</name>"));
        assert!(gpx.contains("<desc>dwell 720 s</desc>"));
        assert_eq!(gpx.matches("<rtept").count(), 3);
        let kml = export_kml(&[(r, &snapped)]);
        assert_eq!(
            kml.matches("<Point>").count(),
            2,
            "the two stops with a dwell"
        );
        let geo: Value = serde_json::from_str(&export_geojson(&[(r, &snapped)])).unwrap();
        assert_eq!(geo["features"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            geo["features"][0]["properties"]["duration_s"],
            json!(1320.0)
        );
    }
}
