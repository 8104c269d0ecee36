//! Layer files: GeoJSON (RFC 7946, WGS84, `[lon, lat]`) in, validated features and a list of
//! problems out; features back to GeoJSON.
//!
//! Partial failure never aborts: a feature that fails validation is rejected with a
//! [`Problem`] naming the file, its index and id and the reason, and every valid feature is
//! kept. Rejected features are kept verbatim so that saving the file does not lose them.
//! The schema is documented in `docs/layers.md`; keep the two in step.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::model::*;
use crate::coord::LonLat;

/// One thing wrong with a layer file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// Index in the `features` array; `None` for a problem with the whole file.
    pub feature: Option<usize>,
    pub id: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.feature, &self.id) {
            (Some(i), Some(id)) => {
                write!(f, "{}: feature {i} (id {id}): {}", self.file, self.reason)
            }
            (Some(i), None) => write!(f, "{}: feature {i}: {}", self.file, self.reason),
            (None, _) => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// The result of reading one layer file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed<T> {
    pub items: Vec<T>,
    /// Rejected features as they were in the file, written back on save.
    pub rejected: Vec<Value>,
    pub problems: Vec<Problem>,
    pub generated: bool,
}

/// The top-level member that marks generated sample data.
pub const GENERATED_MEMBER: &str = "onemap:generated";

// ---------------------------------------------------------------------------------------------
// Reading

pub(crate) struct Props<'a> {
    map: &'a Map<String, Value>,
    used: Vec<&'static str>,
}

impl<'a> Props<'a> {
    pub(crate) fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn string(&mut self, key: &'static str) -> Result<String, String> {
        match self.value(key) {
            None => Err(format!("missing property \"{key}\"")),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::String(_)) => Err(format!("property \"{key}\" is empty")),
            Some(other) => Err(format!("property \"{key}\" must be a string, got {other}")),
        }
    }

    pub(crate) fn number(
        &mut self,
        key: &'static str,
        range: (f64, f64, bool),
        unit: &str,
    ) -> Result<f64, String> {
        let (lo, hi, lo_inclusive) = range;
        let v = match self.value(key) {
            None => return Err(format!("missing property \"{key}\"")),
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(other) => return Err(format!("property \"{key}\" must be a number, got {other}")),
        };
        let low_ok = if lo_inclusive { v >= lo } else { v > lo };
        if !(low_ok && v <= hi) {
            let op = if lo_inclusive { "<=" } else { "<" };
            return Err(format!(
                "\"{key}\" {v} is out of range ({lo} {op} {key} <= {hi} {unit})"
            ));
        }
        Ok(v)
    }

    fn keyword<K: Keyword>(&mut self, key: &'static str) -> Result<K, String> {
        let s = self.string(key)?;
        K::from_keyword(&s)
            .ok_or_else(|| format!("\"{key}\" is \"{s}\"; allowed: {}", K::allowed()))
    }

    /// Everything not consumed, in file order.
    pub(crate) fn extra(&self) -> Extra {
        self.map
            .iter()
            .filter(|(k, _)| !self.used.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

pub(crate) fn position(p: &Value, what: &str) -> Result<LonLat, String> {
    let arr = p
        .as_array()
        .ok_or_else(|| format!("{what} is not a position array"))?;
    let (Some(lon), Some(lat)) = (
        arr.first().and_then(Value::as_f64),
        arr.get(1).and_then(Value::as_f64),
    ) else {
        return Err(format!("{what} needs numeric [lon, lat]"));
    };
    let ll = LonLat::new(lon, lat);
    if !ll.is_valid() {
        return Err(format!(
            "{what} [{lon}, {lat}] is outside WGS84 (lon -180..180, lat -90..90)"
        ));
    }
    Ok(ll)
}

pub(crate) fn geometry<'a>(feature: &'a Value, expected: &str) -> Result<&'a Value, String> {
    let geometry = feature
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or("feature has no geometry")?;
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("?");
    if kind != expected {
        return Err(format!("geometry is {kind}, expected {expected}"));
    }
    geometry
        .get("coordinates")
        .ok_or_else(|| "geometry has no coordinates".to_string())
}

pub(crate) fn point(feature: &Value) -> Result<LonLat, String> {
    position(geometry(feature, "Point")?, "point")
}

fn polygon(feature: &Value) -> Result<Vec<Vec<LonLat>>, String> {
    let rings = geometry(feature, "Polygon")?
        .as_array()
        .ok_or("polygon coordinates are not an array of rings")?;
    if rings.is_empty() {
        return Err("polygon has no rings".into());
    }
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let positions = ring
            .as_array()
            .ok_or_else(|| format!("ring {r} is not an array"))?;
        let ring: Vec<LonLat> = positions
            .iter()
            .enumerate()
            .map(|(i, p)| position(p, &format!("ring {r} position {i}")))
            .collect::<Result<_, _>>()?;
        if ring.len() < 4 {
            return Err(format!(
                "ring {r} has {} positions; a closed ring needs at least 4",
                ring.len()
            ));
        }
        if ring.first() != ring.last() {
            return Err(format!(
                "ring {r} is not closed (first and last positions differ)"
            ));
        }
        if let Some(at) = self_intersection(&ring) {
            return Err(format!(
                "ring {r} intersects itself near [{:.6}, {:.6}]",
                at.lon, at.lat
            ));
        }
        out.push(ring);
    }
    Ok(out)
}

/// Where a closed ring crosses or touches itself (other than adjacent segments meeting), if it
/// does. O(n²) segment pairs, fine for hand-drawn and generated beats (hundreds of vertices).
pub fn self_intersection(ring: &[LonLat]) -> Option<LonLat> {
    let n = ring.len().saturating_sub(1); // segments
    for i in 0..n {
        for j in i + 1..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            let (a, b, c, d) = (ring[i], ring[i + 1], ring[j], ring[j + 1]);
            if adjacent {
                // Adjacent segments share one endpoint; they must not fold back over each other.
                let shared = if j == i + 1 { b } else { a };
                let (p, q) = if j == i + 1 { (a, d) } else { (b, c) };
                if collinear_overlap(shared, p, q) {
                    return Some(shared);
                }
                continue;
            }
            if segments_intersect(a, b, c, d) {
                return Some(a);
            }
        }
    }
    None
}

fn cross(o: LonLat, a: LonLat, b: LonLat) -> f64 {
    (a.lon - o.lon) * (b.lat - o.lat) - (a.lat - o.lat) * (b.lon - o.lon)
}

fn on_segment(p: LonLat, a: LonLat, b: LonLat) -> bool {
    p.lon >= a.lon.min(b.lon)
        && p.lon <= a.lon.max(b.lon)
        && p.lat >= a.lat.min(b.lat)
        && p.lat <= a.lat.max(b.lat)
}

fn segments_intersect(a: LonLat, b: LonLat, c: LonLat, d: LonLat) -> bool {
    let (d1, d2) = (cross(c, d, a), cross(c, d, b));
    let (d3, d4) = (cross(a, b, c), cross(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(a, c, d))
        || (d2 == 0.0 && on_segment(b, c, d))
        || (d3 == 0.0 && on_segment(c, a, b))
        || (d4 == 0.0 && on_segment(d, a, b))
}

/// Segments `shared→p` and `shared→q` lie on one line pointing the same way (a spike).
fn collinear_overlap(shared: LonLat, p: LonLat, q: LonLat) -> bool {
    if cross(shared, p, q) != 0.0 {
        return false;
    }
    let dot =
        (p.lon - shared.lon) * (q.lon - shared.lon) + (p.lat - shared.lat) * (q.lat - shared.lat);
    dot > 0.0
}

/// Parse one layer file with `parse_feature` for each feature.
pub(crate) fn parse_layer<T>(
    file: &str,
    text: &str,
    id_of: impl Fn(&T) -> String,
    parse_feature: impl Fn(&Value, &mut Props<'_>) -> Result<T, String>,
) -> Parsed<T> {
    let mut out = Parsed {
        items: Vec::new(),
        rejected: Vec::new(),
        problems: Vec::new(),
        generated: false,
    };
    let file_problem = |reason: String| Problem {
        file: file.to_string(),
        feature: None,
        id: None,
        reason,
    };
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(err) => {
            out.problems
                .push(file_problem(format!("not valid JSON: {err}")));
            return out;
        }
    };
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        out.problems
            .push(file_problem("not a GeoJSON FeatureCollection".into()));
        return out;
    }
    out.generated = root
        .get(GENERATED_MEMBER)
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        out.problems.push(file_problem(
            "FeatureCollection has no \"features\" array".into(),
        ));
        return out;
    };
    let mut seen = HashSet::new();
    for (i, feature) in features.iter().enumerate() {
        let empty = Map::new();
        let map = feature
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let raw_id = map.get("id").and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        });
        let mut props = Props {
            map,
            used: Vec::new(),
        };
        let result = if feature.get("type").and_then(Value::as_str) != Some("Feature") {
            Err("not a GeoJSON Feature".to_string())
        } else {
            parse_feature(feature, &mut props)
        };
        let result = result.and_then(|item| {
            let id = id_of(&item);
            if seen.insert(id.clone()) {
                Ok(item)
            } else {
                Err(format!("duplicate id \"{id}\" (an earlier feature has it)"))
            }
        });
        match result {
            Ok(item) => out.items.push(item),
            Err(reason) => {
                out.problems.push(Problem {
                    file: file.to_string(),
                    feature: Some(i),
                    id: raw_id,
                    reason,
                });
                out.rejected.push(feature.clone());
            }
        }
    }
    out
}

pub fn parse_beats(file: &str, text: &str) -> Parsed<Beat> {
    parse_layer(
        file,
        text,
        |b: &Beat| b.id.to_string(),
        |f, p| {
            let rings = polygon(f)?;
            Ok(Beat {
                id: BeatId(p.string("id")?.into()),
                name: p.string("name")?,
                station_id: StationId(p.string("station_id")?.into()),
                officers_on_duty: p.number("officers_on_duty", (0.0, 10_000.0, true), "officers")?
                    as u32,
                area_type: p.keyword("area_type")?,
                rings,
                extra: p.extra(),
            })
        },
    )
}

pub fn parse_cameras(file: &str, text: &str) -> Parsed<Camera> {
    parse_layer(
        file,
        text,
        |c: &Camera| c.id.to_string(),
        |f, p| {
            let pos = point(f)?;
            let id = CameraId(p.string("id")?.into());
            let name = p.string("name")?;
            let kind = p.keyword("kind")?;
            let heading_deg = p.number("heading_deg", (0.0, 360.0, true), "degrees")?;
            if heading_deg >= 360.0 {
                return Err(format!(
                    "\"heading_deg\" {heading_deg} is out of range (0 <= heading_deg < 360 degrees)"
                ));
            }
            Ok(Camera {
                id,
                name,
                kind,
                pos,
                heading_deg,
                fov_deg: p.number("fov_deg", (0.0, 360.0, false), "degrees")?,
                range_m: p.number("range_m", (0.0, 2000.0, false), "metres")?,
                status: p.keyword("status")?,
                extra: p.extra(),
            })
        },
    )
}

/// "24/7" or "HH:MM-HH:MM".
pub fn valid_staffed_hours(s: &str) -> bool {
    if s == "24/7" {
        return true;
    }
    let hhmm = |t: &str| {
        let (h, m) = t.split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 && t.len() == 5).then_some(())
    };
    s.split_once('-')
        .is_some_and(|(a, b)| hhmm(a).is_some() && hhmm(b).is_some())
}

pub fn parse_posts(file: &str, text: &str) -> Parsed<Post> {
    parse_layer(
        file,
        text,
        |p: &Post| p.id.to_string(),
        |f, p| {
            let pos = point(f)?;
            let id = PostId(p.string("id")?.into());
            let name = p.string("name")?;
            let kind = p.keyword("kind")?;
            let staffed_hours = p.string("staffed_hours")?;
            if !valid_staffed_hours(&staffed_hours) {
                return Err(format!(
                    "\"staffed_hours\" is \"{staffed_hours}\"; expected \"24/7\" or \"HH:MM-HH:MM\""
                ));
            }
            Ok(Post {
                id,
                name,
                kind,
                pos,
                staffed_hours,
                extra: p.extra(),
            })
        },
    )
}

/// Posts for planning (`onemap plan --posts`): any GeoJSON of points will do. Only the
/// geometry is required; a missing `id` becomes `P-<n>` (n: the feature's position from 1),
/// `name` the id, `kind` `quick_response`, `staffed_hours` `24/7`. A property that is there
/// must still be valid, and is checked as in `posts.geojson`.
pub fn parse_plan_posts(file: &str, text: &str) -> Parsed<Post> {
    let index = std::cell::Cell::new(0usize);
    parse_layer(
        file,
        text,
        |p: &Post| p.id.to_string(),
        |f, p| {
            let n = index.get() + 1;
            index.set(n);
            let pos = point(f)?;
            let id = match p.value("id") {
                None => format!("P-{n}"),
                Some(Value::Number(k)) => k.to_string(),
                Some(_) => p.string("id")?,
            };
            let name = match p.value("name") {
                None => id.clone(),
                Some(_) => p.string("name")?,
            };
            let kind = match p.value("kind") {
                None => PostKind::QuickResponse,
                Some(_) => p.keyword("kind")?,
            };
            let staffed_hours = match p.value("staffed_hours") {
                None => "24/7".to_string(),
                Some(_) => p.string("staffed_hours")?,
            };
            if !valid_staffed_hours(&staffed_hours) {
                return Err(format!(
                    "\"staffed_hours\" is \"{staffed_hours}\"; expected \"24/7\" or \"HH:MM-HH:MM\""
                ));
            }
            Ok(Post {
                id: PostId(id.into()),
                name,
                kind,
                pos,
                staffed_hours,
                extra: p.extra(),
            })
        },
    )
}

pub fn parse_stations(file: &str, text: &str) -> Parsed<Station> {
    parse_layer(
        file,
        text,
        |s: &Station| s.id.to_string(),
        |f, p| {
            let pos = point(f)?;
            Ok(Station {
                id: StationId(p.string("id")?.into()),
                name: p.string("name")?,
                kind: p.keyword("kind")?,
                pos,
                extra: p.extra(),
            })
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Writing

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

pub(crate) fn pos_json(p: LonLat) -> Value {
    json!([round7(p.lon), round7(p.lat)])
}

pub(crate) fn feature(properties: Map<String, Value>, extra: &Extra, geometry: Value) -> Value {
    let mut props = properties;
    for (k, v) in extra {
        props.entry(k.clone()).or_insert_with(|| v.clone());
    }
    json!({ "type": "Feature", "properties": props, "geometry": geometry })
}

pub(crate) fn collection(
    name: &str,
    generated: bool,
    features: Vec<Value>,
    rejected: &[Value],
) -> String {
    let mut root = Map::new();
    root.insert("type".into(), json!("FeatureCollection"));
    root.insert("name".into(), json!(name));
    if generated {
        root.insert(GENERATED_MEMBER.into(), json!(true));
    }
    let mut all = features;
    all.extend(rejected.iter().cloned());
    root.insert("features".into(), Value::Array(all));
    let mut text = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
    text.push('\n');
    text
}

pub(crate) fn props(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub fn write_beats(beats: &[Beat], generated: bool, rejected: &[Value]) -> String {
    let features = beats
        .iter()
        .map(|b| {
            let rings: Vec<Value> = b
                .rings
                .iter()
                .map(|r| Value::Array(r.iter().map(|p| pos_json(*p)).collect()))
                .collect();
            feature(
                props(vec![
                    ("id", json!(b.id.as_str())),
                    ("name", json!(b.name)),
                    ("station_id", json!(b.station_id.as_str())),
                    ("officers_on_duty", json!(b.officers_on_duty)),
                    ("area_type", json!(b.area_type.keyword())),
                ]),
                &b.extra,
                json!({ "type": "Polygon", "coordinates": rings }),
            )
        })
        .collect();
    collection("beats", generated, features, rejected)
}

pub fn write_cameras(cameras: &[Camera], generated: bool, rejected: &[Value]) -> String {
    let features = cameras
        .iter()
        .map(|c| {
            feature(
                props(vec![
                    ("id", json!(c.id.as_str())),
                    ("name", json!(c.name)),
                    ("kind", json!(c.kind.keyword())),
                    ("heading_deg", json!((c.heading_deg * 10.0).round() / 10.0)),
                    ("fov_deg", json!(c.fov_deg)),
                    ("range_m", json!(c.range_m)),
                    ("status", json!(c.status.keyword())),
                ]),
                &c.extra,
                json!({ "type": "Point", "coordinates": pos_json(c.pos) }),
            )
        })
        .collect();
    collection("cameras", generated, features, rejected)
}

pub fn write_posts(posts: &[Post], generated: bool, rejected: &[Value]) -> String {
    let features = posts
        .iter()
        .map(|p| {
            feature(
                props(vec![
                    ("id", json!(p.id.as_str())),
                    ("name", json!(p.name)),
                    ("kind", json!(p.kind.keyword())),
                    ("staffed_hours", json!(p.staffed_hours)),
                ]),
                &p.extra,
                json!({ "type": "Point", "coordinates": pos_json(p.pos) }),
            )
        })
        .collect();
    collection("posts", generated, features, rejected)
}

pub fn write_stations(stations: &[Station], generated: bool, rejected: &[Value]) -> String {
    let features = stations
        .iter()
        .map(|s| {
            feature(
                props(vec![
                    ("id", json!(s.id.as_str())),
                    ("name", json!(s.name)),
                    ("kind", json!(s.kind.keyword())),
                ]),
                &s.extra,
                json!({ "type": "Point", "coordinates": pos_json(s.pos) }),
            )
        })
        .collect();
    collection("stations", generated, features, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fc(features: &str) -> String {
        format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#)
    }

    const GOOD_CAMERA: &str = r#"{"type":"Feature","properties":{"id":"C1","name":"Gate","kind":"public","heading_deg":350,"fov_deg":40,"range_m":80,"status":"online","owner":"city","note":{"x":1}},"geometry":{"type":"Point","coordinates":[13.26,53.55]}}"#;

    #[test]
    fn plain_points_are_posts_for_planning_with_documented_defaults() {
        let text = r#"{"type": "FeatureCollection", "features": [
          {"type": "Feature", "geometry": {"type": "Point", "coordinates": [13.26, 53.55]}, "properties": {}},
          {"type": "Feature", "geometry": {"type": "Point", "coordinates": [13.27, 53.56]}, "properties": null},
          {"type": "Feature", "geometry": {"type": "Point", "coordinates": [13.28, 53.57]}, "properties": {"id": 7, "kind": "checkpoint"}},
          {"type": "Feature", "geometry": {"type": "Point", "coordinates": [13.29, 53.58]}, "properties": {"kind": "tower"}},
          {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[13.2, 53.5], [13.3, 53.6]]}, "properties": {}}
        ]}"#;
        let parsed = parse_plan_posts("points.geojson", text);
        let got: Vec<(String, String, PostKind, String)> = parsed
            .items
            .iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    p.name.clone(),
                    p.kind,
                    p.staffed_hours.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "P-1".into(),
                    "P-1".into(),
                    PostKind::QuickResponse,
                    "24/7".into()
                ),
                (
                    "P-2".into(),
                    "P-2".into(),
                    PostKind::QuickResponse,
                    "24/7".into()
                ),
                ("7".into(), "7".into(), PostKind::Checkpoint, "24/7".into()),
            ]
        );
        let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("points.geojson: feature 3: \"kind\" is \"tower\""),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].contains("feature 4: geometry is LineString"),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn good_camera_keeps_unknown_properties_in_order() {
        let parsed = parse_cameras("cameras.geojson", &fc(GOOD_CAMERA));
        assert_eq!(parsed.problems, vec![]);
        let c = &parsed.items[0];
        assert_eq!((c.heading_deg, c.fov_deg, c.range_m), (350.0, 40.0, 80.0));
        assert_eq!(c.extra.keys().collect::<Vec<_>>(), vec!["owner", "note"]);
        let again = parse_cameras("x", &write_cameras(&parsed.items, false, &[]));
        assert_eq!(again.items, parsed.items);
    }

    #[test]
    fn each_bad_feature_is_rejected_with_its_reason_and_the_rest_kept() {
        let bad = [
            (
                r#"{"type":"Feature","properties":{"id":"C2","name":"x","kind":"public","heading_deg":10,"fov_deg":40,"range_m":80,"status":"online"},"geometry":{"type":"LineString","coordinates":[[13,53],[13.1,53]]}}"#,
                "geometry is LineString, expected Point",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"C3","name":"x","kind":"public","heading_deg":10,"fov_deg":40,"status":"online"},"geometry":{"type":"Point","coordinates":[13,53]}}"#,
                "missing property \"range_m\"",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"C4","name":"x","kind":"public","heading_deg":10,"fov_deg":40,"range_m":5000,"status":"online"},"geometry":{"type":"Point","coordinates":[13,53]}}"#,
                "\"range_m\" 5000 is out of range",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"C5","name":"x","kind":"spy","heading_deg":10,"fov_deg":40,"range_m":50,"status":"online"},"geometry":{"type":"Point","coordinates":[13,53]}}"#,
                "\"kind\" is \"spy\"; allowed:",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"C6","name":"x","kind":"public","heading_deg":10,"fov_deg":40,"range_m":50,"status":"online"},"geometry":{"type":"Point","coordinates":[213,53]}}"#,
                "outside WGS84",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"C7","name":"x","kind":"public","heading_deg":"north","fov_deg":40,"range_m":50,"status":"online"},"geometry":{"type":"Point","coordinates":[13,53]}}"#,
                "must be a number",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"C8","name":"x","kind":"public","heading_deg":360,"fov_deg":40,"range_m":50,"status":"online"},"geometry":{"type":"Point","coordinates":[13,53]}}"#,
                "0 <= heading_deg < 360",
            ),
        ];
        let all: Vec<&str> = std::iter::once(GOOD_CAMERA)
            .chain(bad.iter().map(|b| b.0))
            .collect();
        let parsed = parse_cameras("cameras.geojson", &fc(&all.join(",")));
        assert_eq!(parsed.items.len(), 1);
        assert_eq!(parsed.problems.len(), bad.len());
        for (i, (problem, (_, reason))) in parsed.problems.iter().zip(bad.iter()).enumerate() {
            assert_eq!(problem.feature, Some(i + 1));
            assert_eq!(problem.id.as_deref(), Some(format!("C{}", i + 2).as_str()));
            assert!(problem.reason.contains(reason), "{problem} vs {reason}");
        }
        // Saving keeps the rejected features verbatim.
        let saved = write_cameras(&parsed.items, false, &parsed.rejected);
        assert_eq!(parse_cameras("x", &saved).problems.len(), bad.len());
    }

    #[test]
    fn files_that_are_not_geojson() {
        let p = parse_posts("posts.geojson", "{ not json");
        assert!(
            p.problems[0].reason.starts_with("not valid JSON"),
            "{}",
            p.problems[0]
        );
        assert_eq!(
            p.problems[0].to_string().split(':').next(),
            Some("posts.geojson")
        );
        let p = parse_posts("posts.geojson", r#"{"type":"Feature"}"#);
        assert_eq!(p.problems[0].reason, "not a GeoJSON FeatureCollection");
    }

    fn beat(coords: &str) -> String {
        fc(&format!(
            r#"{{"type":"Feature","properties":{{"id":"B1","name":"b","station_id":"S1","officers_on_duty":2,"area_type":"urban"}},"geometry":{{"type":"Polygon","coordinates":[{coords}]}}}}"#
        ))
    }

    #[test]
    fn polygons_must_be_closed_and_simple() {
        let ok = parse_beats("b", &beat("[[0,0],[1,0],[1,1],[0,1],[0,0]]"));
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        let open = parse_beats("b", &beat("[[0,0],[1,0],[1,1],[0,1]]"));
        assert!(
            open.problems[0].reason.contains("not closed"),
            "{}",
            open.problems[0]
        );
        let bowtie = parse_beats("b", &beat("[[0,0],[1,1],[1,0],[0,1],[0,0]]"));
        assert!(
            bowtie.problems[0].reason.contains("intersects itself"),
            "{}",
            bowtie.problems[0]
        );
        let short = parse_beats("b", &beat("[[0,0],[1,0],[0,0]]"));
        assert!(
            short.problems[0].reason.contains("at least 4"),
            "{}",
            short.problems[0]
        );
    }

    #[test]
    fn staffed_hours_format() {
        assert!(valid_staffed_hours("24/7"));
        assert!(valid_staffed_hours("08:00-20:00"));
        assert!(valid_staffed_hours("20:00-06:00"));
        assert!(!valid_staffed_hours("8-20"));
        assert!(!valid_staffed_hours("25:00-06:00"));
    }
}
