//! Where patrols are worth most: hot spots from the incident history, clustered by category
//! and hour of the week, or read from a GeoJSON file of weighted points.
//!
//! **Clusters.** Incidents in the hours of the week a shift covers are counted per category
//! in [`CELL_M`] squares; a square and category with at least `min_count` incidents is a hot
//! spot at their mean position, weighted by the count, with its busiest hour of the week.

use std::collections::HashMap;

use super::score::HotSpot;
use crate::coord::LonLat;
use crate::feed::history::IncidentRecord;
use crate::feed::model::Category;
use crate::feed::period::hour_of_week;
use crate::layers::io::{Parsed, parse_layer, point};
use crate::spatial::LocalProjection;

/// The side of the squares incidents are counted in, metres.
pub const CELL_M: f64 = 200.0;

/// A hot spot from the history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cluster {
    pub spot: HotSpot,
    pub category: Category,
    pub count: u32,
    /// Its busiest local hour of the week (Monday 00:00 is 0).
    pub peak_hour: u8,
}

/// Hours of the week: which count.
pub type Hours = [bool; 168];

/// The hours of the week from `from_h` to `to_h` (local hours of the day, wrapping past
/// midnight) on every day.
pub fn daily_hours(from_h: u8, to_h: u8) -> Hours {
    let mut h = [false; 168];
    for (k, on) in h.iter_mut().enumerate() {
        let hour = (k % 24) as u8;
        *on = if from_h <= to_h {
            (from_h..to_h).contains(&hour)
        } else {
            hour >= from_h || hour < to_h
        };
    }
    h
}

/// The hot spots of `records` in `hours` (all when `None`), heaviest first.
pub fn clusters(
    records: &[IncidentRecord],
    utc_offset_min: i32,
    hours: Option<&Hours>,
    min_count: u32,
) -> Vec<Cluster> {
    let Some(first) = records.first() else {
        return Vec::new();
    };
    let proj = LocalProjection::new(first.location.lonlat());
    struct Cell {
        count: u32,
        sum: [f64; 2],
        by_hour: [u32; 168],
    }
    let mut cells: HashMap<((i64, i64), Category), Cell> = HashMap::new();
    for r in records {
        let at = r.location.lonlat();
        let h = hour_of_week(r.reported_at_ms, utc_offset_min);
        if !at.is_valid() || hours.is_some_and(|hs| !hs[h]) {
            continue;
        }
        let m = proj.to_m(at);
        let key = (
            (m[0] / CELL_M).floor() as i64,
            (m[1] / CELL_M).floor() as i64,
        );
        let c = cells.entry((key, r.category)).or_insert(Cell {
            count: 0,
            sum: [0.0; 2],
            by_hour: [0; 168],
        });
        c.count += 1;
        c.sum[0] += m[0];
        c.sum[1] += m[1];
        c.by_hour[h] += 1;
    }
    let mut out: Vec<Cluster> = cells
        .into_iter()
        .filter(|(_, c)| c.count >= min_count.max(1))
        .map(|((_, category), c)| {
            let n = f64::from(c.count);
            let peak = (0..168)
                .max_by_key(|&k| (c.by_hour[k], std::cmp::Reverse(k)))
                .unwrap_or(0);
            Cluster {
                spot: HotSpot {
                    at: proj.to_lonlat([c.sum[0] / n, c.sum[1] / n]),
                    weight: n,
                },
                category,
                count: c.count,
                peak_hour: peak as u8,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.spot.at.lon.total_cmp(&b.spot.at.lon))
            .then(a.spot.at.lat.total_cmp(&b.spot.at.lat))
    });
    out
}

/// Hot spots within `radius_m` of a heavier one merged into it (weights added, names joined
/// with "+"), heaviest first: one stop covers them all, so a plan need not stop twice.
pub fn merge_near(mut spots: Vec<(String, HotSpot)>, radius_m: f64) -> Vec<(String, HotSpot)> {
    spots.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight));
    let mut kept: Vec<(String, HotSpot)> = Vec::new();
    for (name, spot) in spots {
        match kept
            .iter_mut()
            .find(|k| crate::coord::haversine_m(k.1.at, spot.at) <= radius_m)
        {
            Some(k) => {
                k.1.weight += spot.weight;
                if k.0.len() < 200 {
                    k.0.push('+');
                    k.0.push_str(&name);
                }
            }
            None => kept.push((name, spot)),
        }
    }
    kept.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight));
    kept
}

/// A GeoJSON file of points as hot spots: `weight` (more than 0, default 1) and an optional
/// `name`. Problems name the feature.
pub fn parse_hot_spots(file: &str, text: &str) -> Parsed<(String, HotSpot)> {
    let index = std::cell::Cell::new(0usize);
    parse_layer(
        file,
        text,
        |(name, _): &(String, HotSpot)| name.clone(),
        |f, p| {
            let n = index.get() + 1;
            index.set(n);
            let at: LonLat = point(f)?;
            let weight = match p.value("weight") {
                None => 1.0,
                Some(_) => p.number("weight", (0.0, 1e9, false), "")?,
            };
            let name = match p.value("name") {
                None => format!("H-{n}"),
                Some(_) => p.string("name")?,
            };
            Ok((name, HotSpot { at, weight }))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{IncidentId, IncidentStatus, Position};

    fn rec(lon: f64, lat: f64, category: Category, at_ms: i64) -> IncidentRecord {
        IncidentRecord {
            id: IncidentId(format!("I-{at_ms}-{lon}")),
            category,
            priority: 2,
            location: Position([lon, lat]),
            reported_at_ms: at_ms,
            status: IncidentStatus::Cleared,
            dispatched_at_ms: None,
            on_scene_at_ms: None,
        }
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn incidents_cluster_by_square_category_and_hour() {
        // 1970-01-05 was a Monday: hour of the week 0 is 4 days after the epoch.
        let monday = 4 * 24 * HOUR;
        let mut rs = Vec::new();
        // Three thefts 20 m apart at 19:00 on Monday, one more at 03:00, a robbery there too,
        // and a theft 2 km away.
        for k in 0..3 {
            rs.push(rec(
                13.26 + 0.0003 * f64::from(k),
                53.55,
                Category::Theft,
                monday + 19 * HOUR,
            ));
        }
        rs.push(rec(13.2603, 53.55, Category::Theft, monday + 3 * HOUR));
        rs.push(rec(
            13.2601,
            53.55,
            Category::Robbery,
            monday + 19 * HOUR + 60_000,
        ));
        rs.push(rec(13.29, 53.55, Category::Theft, monday + 20 * HOUR));
        let all = clusters(&rs, 0, None, 1);
        assert_eq!(all.len(), 3);
        assert_eq!(
            (all[0].category, all[0].count, all[0].peak_hour),
            (Category::Theft, 4, 19)
        );
        let mean = (13.26 + 13.2603 + 13.2606 + 13.2603) / 4.0;
        assert!(
            (all[0].spot.at.lon - mean).abs() < 1e-6,
            "{}",
            all[0].spot.at.lon
        );
        // Evenings only (18–23): the 03:00 theft drops out; at least 2 per spot: the far one too.
        let evening = daily_hours(18, 23);
        let ev = clusters(&rs, 0, Some(&evening), 2);
        assert_eq!(ev.len(), 1);
        assert_eq!((ev[0].count, ev[0].spot.weight), (3, 3.0));
        // Local time 8 hours east of UTC: 19:00 UTC is 03:00 the next day, 03:00 is 11:00 and
        // 20:00 is 04:00; none is in the evening.
        assert!(clusters(&rs, 480, Some(&evening), 1).is_empty());
        let morning = daily_hours(2, 5);
        assert_eq!(
            clusters(&rs, 480, Some(&morning), 1)
                .iter()
                .map(|c| c.count)
                .sum::<u32>(),
            5
        );
    }

    #[test]
    fn near_spots_merge_into_the_heaviest() {
        let spot = |lon: f64, weight: f64| HotSpot {
            at: LonLat::new(lon, 53.55),
            weight,
        };
        // 0.001° of longitude at 53.55° N is 66 m.
        let merged = merge_near(
            vec![
                ("a".into(), spot(13.0, 1.0)),
                ("b".into(), spot(13.001, 5.0)),
                ("c".into(), spot(13.01, 2.0)),
            ],
            150.0,
        );
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[0].0.as_str(), merged[0].1.weight), ("b+a", 6.0));
        assert_eq!(merged[0].1.at.lon, 13.001);
        assert_eq!((merged[1].0.as_str(), merged[1].1.weight), ("c", 2.0));
    }

    #[test]
    fn weighted_points_name_the_feature_at_fault() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Point","coordinates":[13.26,53.55]},"properties":{"weight":5}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[13.27,53.55]},"properties":{}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[13.28,53.55]},"properties":{"weight":-1}}]}"#;
        let p = parse_hot_spots("spots.geojson", text);
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.items[0].1.weight, 5.0);
        assert_eq!(p.items[1].1.weight, 1.0);
        assert_eq!(p.problems.len(), 1);
        let msg = p.problems[0].to_string();
        assert!(
            msg.contains("spots.geojson") && msg.contains("weight"),
            "{msg}"
        );
    }
}
