//! The served area: where a producer's coordinates may lie. A city's extent with a margin, or
//! a configured polygon. Checked by the server before the rules see a command, so a unit or a
//! call placed in another country (a swapped lon/lat, a GPS cold start at 0,0) is refused with
//! the field and the reason instead of being drawn off the map.

use super::command::{Command, Refusal, invalid};
use super::model::Position;
use crate::coord::{BBox, LonLat};
use crate::spatial::{Containment, locate_in_polygon};

/// Where coordinates are accepted.
#[derive(Clone, Debug, PartialEq)]
pub enum ServedArea {
    /// A box (the city's extent grown by a margin).
    Box(BBox),
    /// Polygons in lon/lat (each: outer ring, then holes); a point inside any is served.
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
}

impl ServedArea {
    /// `extent` grown by `margin_m` on every side.
    pub fn around(extent: BBox, margin_m: f64) -> ServedArea {
        let lat = extent.center().lat.to_radians();
        let d_lat = margin_m / 111_320.0;
        let d_lon = margin_m / (111_320.0 * lat.cos().max(0.01));
        ServedArea::Box(BBox {
            min: LonLat::new(extent.min.lon - d_lon, extent.min.lat - d_lat),
            max: LonLat::new(extent.max.lon + d_lon, extent.max.lat + d_lat),
        })
    }

    /// The box, for a box area.
    pub fn as_box(&self) -> Option<BBox> {
        match self {
            ServedArea::Box(b) => Some(*b),
            ServedArea::Polygons(_) => None,
        }
    }

    pub fn contains(&self, p: Position) -> bool {
        match self {
            ServedArea::Box(b) => b.contains(p.lonlat()),
            ServedArea::Polygons(polys) => polys
                .iter()
                .any(|rings| locate_in_polygon(p.0, rings) != Containment::Outside),
        }
    }

    /// The served area from a GeoJSON file's text: every Polygon and MultiPolygon in it (a
    /// bare geometry, a Feature or a FeatureCollection). `source` names it in errors.
    pub fn from_geojson(text: &str, source: &str) -> Result<ServedArea, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{source}: not JSON: {e}"))?;
        let mut polys = Vec::new();
        collect_polygons(&value, source, &mut polys)?;
        if polys.is_empty() {
            return Err(format!("{source}: no Polygon or MultiPolygon in it"));
        }
        Ok(ServedArea::Polygons(polys))
    }

    /// A command's coordinates, checked: the field that lies outside, and why.
    pub fn check(&self, command: &Command) -> Result<(), Refusal> {
        let (field, p) = match command {
            Command::SignOn(c) => ("position", c.position),
            Command::ReportPosition(c) => ("position", c.position),
            Command::CreateIncident(c) => ("location", c.location),
            Command::UpdateIncident(c) => match c.location {
                Some(p) => ("location", p),
                None => return Ok(()),
            },
            _ => return Ok(()),
        };
        if !p.is_valid() || self.contains(p) {
            // An invalid coordinate is the rules' to name (range), not the area's.
            return Ok(());
        }
        Err(invalid(
            field,
            format!(
                "[{:.5}, {:.5}] is outside the served area ({})",
                p.0[0],
                p.0[1],
                self.describe()
            ),
        ))
    }

    fn describe(&self) -> String {
        match self {
            ServedArea::Box(b) => format!(
                "lon {:.3} to {:.3}, lat {:.3} to {:.3}",
                b.min.lon, b.max.lon, b.min.lat, b.max.lat
            ),
            ServedArea::Polygons(p) => format!("{} configured polygon(s)", p.len()),
        }
    }
}

fn ring(value: &serde_json::Value, source: &str) -> Result<Vec<[f64; 2]>, String> {
    let points = value
        .as_array()
        .ok_or_else(|| format!("{source}: a ring is not an array"))?;
    points
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) if LonLat::new(x, y).is_valid() => Ok([x, y]),
                _ => Err(format!("{source}: {p} is not a WGS84 [lon, lat]")),
            },
            _ => Err(format!("{source}: {p} is not a position")),
        })
        .collect()
}

fn polygon(value: &serde_json::Value, source: &str) -> Result<Vec<Vec<[f64; 2]>>, String> {
    let rings = value
        .as_array()
        .ok_or_else(|| format!("{source}: polygon coordinates are not an array"))?;
    let rings: Vec<Vec<[f64; 2]>> = rings
        .iter()
        .map(|r| ring(r, source))
        .collect::<Result<_, _>>()?;
    if rings.first().is_none_or(|r| r.len() < 4) {
        return Err(format!(
            "{source}: a polygon needs a ring of 4 or more positions"
        ));
    }
    Ok(rings)
}

fn collect_polygons(
    value: &serde_json::Value,
    source: &str,
    out: &mut Vec<Vec<Vec<[f64; 2]>>>,
) -> Result<(), String> {
    match value.get("type").and_then(|t| t.as_str()) {
        Some("FeatureCollection") => {
            for (k, f) in value
                .get("features")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
                .enumerate()
            {
                collect_polygons(f, &format!("{source}: feature {k}"), out)?;
            }
        }
        Some("Feature") => {
            if let Some(g) = value.get("geometry") {
                collect_polygons(g, source, out)?;
            }
        }
        Some("Polygon") => out.push(polygon(&value["coordinates"], source)?),
        Some("MultiPolygon") => {
            let polys = value["coordinates"]
                .as_array()
                .ok_or_else(|| format!("{source}: MultiPolygon coordinates are not an array"))?;
            for p in polys {
                out.push(polygon(p, source)?);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::command::CreateIncident;
    use crate::feed::model::Category;

    fn call_at(lon: f64, lat: f64) -> Command {
        Command::CreateIncident(CreateIncident {
            category: Category::Theft,
            priority: 2,
            location: Position([lon, lat]),
            address: String::new(),
            reported_at_ms: None,
            callback: None,
            notes: Vec::new(),
        })
    }

    #[test]
    fn a_box_with_a_margin_takes_the_edge_and_refuses_far_off_naming_the_field() {
        let city = BBox {
            min: LonLat::new(13.2, 53.5),
            max: LonLat::new(13.3, 53.6),
        };
        let area = ServedArea::around(city, 2_000.0);
        assert!(area.check(&call_at(13.25, 53.55)).is_ok());
        // 1 km outside the extent: inside the 2 km margin.
        assert!(
            area.check(&call_at(13.3 + 1_000.0 / 66_000.0, 53.55))
                .is_ok()
        );
        // Swapped coordinates land far away.
        match area.check(&call_at(53.55, 13.25)) {
            Err(Refusal::Invalid { field, reason }) => {
                assert_eq!(field, "location");
                assert!(reason.contains("outside the served area"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_polygon_file_is_read_with_errors_that_name_it() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}"#;
        let area = ServedArea::from_geojson(text, "area.geojson").unwrap();
        assert!(area.contains(Position([0.5, 0.5])));
        assert!(!area.contains(Position([1.5, 0.5])));
        let err = ServedArea::from_geojson(r#"{"type":"Point","coordinates":[0,0]}"#, "a.json")
            .unwrap_err();
        assert!(
            err.contains("a.json") && err.contains("no Polygon"),
            "{err}"
        );
        let err = ServedArea::from_geojson(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[500,1],[0,0]]]}"#,
            "b.json",
        )
        .unwrap_err();
        assert!(err.contains("b.json") && err.contains("WGS84"), "{err}");
    }
}
