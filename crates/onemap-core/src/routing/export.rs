//! Planning results as files other tools read: rings and gaps as GeoJSON, the coverage table
//! as CSV, suggested posts as GeoJSON points. Pure: text in, text out; the console's export
//! and `onemap plan` write what these return.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::coverage::CoverageRow;
use super::isochrone::Piece;
use super::rings::Polygon;
use super::{Mode, RoadGraph};
use crate::coord::LonLat;
use crate::layers::Beat;

fn coords(p: LonLat) -> Value {
    json!([round7(p.lon), round7(p.lat)])
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// Rings as a FeatureCollection of MultiPolygons, smallest limit first.
pub fn rings_geojson(minutes: &[f64], mode: Mode, rings: &[Vec<Polygon>]) -> String {
    let features: Vec<Value> = rings
        .iter()
        .zip(minutes)
        .map(|(polys, m)| {
            let mp = multipolygon(polys);
            json!({
                "type": "Feature",
                "properties": {"minutes": m, "mode": mode.name()},
                "geometry": {"type": "MultiPolygon", "coordinates": mp},
            })
        })
        .collect();
    serde_json::to_string(&json!({"type": "FeatureCollection", "features": features}))
        .unwrap_or_default()
}

/// Polygons with holes as MultiPolygon coordinates.
fn multipolygon(polys: &[Polygon]) -> Vec<Value> {
    polys
        .iter()
        .map(|poly| {
            Value::Array(
                poly.iter()
                    .map(|ring| Value::Array(ring.iter().map(|&p| coords(p)).collect()))
                    .collect(),
            )
        })
        .collect()
}

/// Each post's own rings: one MultiPolygon per post and limit, with the post's id.
pub fn post_rings_geojson(
    minutes: &[f64],
    mode: Mode,
    rings: &[(String, Vec<Vec<Polygon>>)],
) -> String {
    let mut features = Vec::new();
    for (id, by_limit) in rings {
        for (polys, m) in by_limit.iter().zip(minutes) {
            let mp = multipolygon(polys);
            features.push(json!({
                "type": "Feature",
                "properties": {"post_id": id, "minutes": m, "mode": mode.name()},
                "geometry": {"type": "MultiPolygon", "coordinates": mp},
            }));
        }
    }
    serde_json::to_string(&json!({"type": "FeatureCollection", "features": features}))
        .unwrap_or_default()
}

/// Uncovered road pieces as a MultiLineString.
pub fn gaps_geojson(minutes: f64, lines: &[[LonLat; 2]], km: f64) -> String {
    let lines: Vec<Value> = lines
        .iter()
        .map(|[a, b]| json!([coords(*a), coords(*b)]))
        .collect();
    serde_json::to_string(&json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"uncovered_within_minutes": minutes, "km": (km * 100.0).round() / 100.0},
        "geometry": {"type": "MultiLineString", "coordinates": lines},
    }]}))
    .unwrap_or_default()
}

/// Road pieces as lines, and their length in km.
pub fn piece_lines(graph: &RoadGraph, pieces: &[Piece]) -> (Vec<[LonLat; 2]>, f64) {
    let lines = pieces
        .iter()
        .map(|p| [graph.point_on(p.seg, p.lo), graph.point_on(p.seg, p.hi)])
        .collect();
    let km = pieces
        .iter()
        .map(|p| f64::from(p.hi - p.lo) * f64::from(graph.segments[p.seg as usize].length_m))
        .sum::<f64>()
        / 1000.0;
    (lines, km)
}

/// The coverage table: one row per beat, then the city; shares in percent.
pub fn coverage_csv(
    minutes: &[f64],
    beats: &[Beat],
    beat_rows: &[CoverageRow],
    city: &CoverageRow,
) -> String {
    let mut out = String::from("beat_id,beat_name,road_km,addresses,demand");
    for m in minutes {
        let _ = write!(
            out,
            ",road_pct_{m}min,addresses_pct_{m}min,demand_pct_{m}min"
        );
    }
    out.push('\n');
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let rows = beats
        .iter()
        .zip(beat_rows)
        .map(|(b, row)| (quote(b.id.as_str()), quote(&b.name), row))
        .chain(std::iter::once((
            "city".to_owned(),
            "(whole city)".to_owned(),
            city,
        )));
    for (id, name, row) in rows {
        let _ = write!(
            out,
            "{id},{name},{:.3},{},{}",
            row.road_m / 1000.0,
            row.addresses,
            row.demand
        );
        for k in 0..minutes.len() {
            let (r, a, d) = row.shares(k);
            let _ = write!(out, ",{:.1},{:.1},{:.1}", r * 100.0, a * 100.0, d * 100.0);
        }
        out.push('\n');
    }
    out
}

/// Suggested new posts as points with their rank and the demand each adds.
pub fn suggested_geojson(suggested: &[(LonLat, f64)], minutes: f64) -> String {
    let features: Vec<Value> = suggested
        .iter()
        .enumerate()
        .map(|(i, (p, gain))| {
            json!({
                "type": "Feature",
                "properties": {
                    "rank": i + 1,
                    "adds_demand": gain,
                    "within_minutes": minutes,
                },
                "geometry": {"type": "Point", "coordinates": coords(*p)},
            })
        })
        .collect();
    serde_json::to_string(&json!({"type": "FeatureCollection", "features": features}))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_have_the_expected_shape() {
        let ring = vec![vec![vec![vec![
            LonLat::new(13.0, 53.0),
            LonLat::new(13.1, 53.0),
            LonLat::new(13.1, 53.1),
            LonLat::new(13.0, 53.0),
        ]]]];
        let text = rings_geojson(&[1.0], Mode::Car, &ring);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["features"][0]["properties"]["minutes"], 1.0);
        assert_eq!(v["features"][0]["geometry"]["type"], "MultiPolygon");
        let gaps = gaps_geojson(
            3.0,
            &[[LonLat::new(13.0, 53.0), LonLat::new(13.0, 53.1)]],
            1.234,
        );
        assert!(gaps.contains("\"km\":1.23"), "{gaps}");
        let row = CoverageRow {
            road_m: 2000.0,
            road_covered_m: vec![500.0],
            addresses: 4,
            addresses_covered: vec![1],
            demand: 4.0,
            demand_covered: vec![1.0],
        };
        let csv = coverage_csv(&[3.0], &[], &[], &row);
        assert_eq!(
            csv.lines().next(),
            Some(
                "beat_id,beat_name,road_km,addresses,demand,road_pct_3min,addresses_pct_3min,demand_pct_3min"
            )
        );
        assert_eq!(
            csv.lines().nth(1),
            Some("city,(whole city),2.000,4,4,25.0,25.0,25.0")
        );
    }
}
