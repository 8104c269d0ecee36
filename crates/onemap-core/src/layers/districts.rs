//! Station districts: the beats of each station dissolved into one area, for the zooms where
//! single beats are too small to read. An edge two beats of the same station share is inside
//! the district and dropped; what is left is chained into boundary lines. Beats that do not
//! share vertices exactly (hand-drawn files) keep their own outlines, which is what the
//! dissolve of such data should look like at that scale.
//!
//! O(E log E) in the number of ring edges.

use std::collections::{BTreeMap, HashMap};

use super::model::{Beat, StationId};
use crate::coord::LonLat;

/// The beats of one station, dissolved.
#[derive(Clone, Debug, PartialEq)]
pub struct District {
    pub station_id: StationId,
    /// Indices of its beats in the layer.
    pub beats: Vec<usize>,
    /// Its boundary as polylines. A boundary between two districts belongs to one of them only.
    pub lines: Vec<Vec<LonLat>>,
    /// Where its one label goes: the area-weighted centre of its beats.
    pub label_at: LonLat,
}

type Key = (i64, i64);

fn key(p: LonLat) -> Key {
    ((p.lon * 1e7).round() as i64, (p.lat * 1e7).round() as i64)
}

/// Dissolve `beats` by station, in order of first appearance of each station.
pub fn dissolve(beats: &[Beat]) -> Vec<District> {
    let mut order: Vec<StationId> = Vec::new();
    let mut slot: HashMap<&StationId, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, b) in beats.iter().enumerate() {
        let d = *slot.entry(&b.station_id).or_insert_with(|| {
            order.push(b.station_id.clone());
            members.push(Vec::new());
            order.len() - 1
        });
        members[d].push(i);
    }
    // Each undirected edge: the districts it borders, and how many times in each.
    let mut edges: BTreeMap<(Key, Key), (usize, u32, Option<usize>)> = BTreeMap::new();
    let mut points: HashMap<Key, LonLat> = HashMap::new();
    for (d, list) in members.iter().enumerate() {
        for &i in list {
            for ring in &beats[i].rings {
                for w in ring.windows(2) {
                    let (a, b) = (key(w[0]), key(w[1]));
                    if a == b {
                        continue;
                    }
                    points.entry(a).or_insert(w[0]);
                    points.entry(b).or_insert(w[1]);
                    let e = edges.entry((a.min(b), a.max(b))).or_insert((d, 0, None));
                    if e.0 == d {
                        e.1 += 1;
                    } else if e.2.is_none() {
                        e.2 = Some(d);
                    }
                }
            }
        }
    }
    // Keep the edges that are not inside one district, on the first district that has them.
    let mut boundary: Vec<Vec<(Key, Key)>> = vec![Vec::new(); order.len()];
    for (edge, (d, count, other)) in edges {
        if other.is_some() || count == 1 {
            boundary[d].push(edge);
        }
    }
    order
        .into_iter()
        .zip(members)
        .zip(boundary)
        .map(|((station_id, beat_list), edges)| District {
            label_at: label_point(beats, &beat_list),
            lines: chain(&edges, &points),
            station_id,
            beats: beat_list,
        })
        .collect()
}

/// Join edges end to end into polylines (greedy, deterministic: edges in key order).
fn chain(edges: &[(Key, Key)], points: &HashMap<Key, LonLat>) -> Vec<Vec<LonLat>> {
    let mut at: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, (a, b)) in edges.iter().enumerate() {
        at.entry(*a).or_default().push(i);
        at.entry(*b).or_default().push(i);
    }
    let mut used = vec![false; edges.len()];
    let mut lines = Vec::new();
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = edges[start];
        let mut line = vec![a, b];
        // Extend forward from the last point, then backward from the first.
        for forward in [true, false] {
            loop {
                let end = if forward {
                    line[line.len() - 1]
                } else {
                    line[0]
                };
                let next = at
                    .get(&end)
                    .and_then(|list| list.iter().copied().find(|&e| !used[e]));
                let Some(e) = next else { break };
                used[e] = true;
                let (p, q) = edges[e];
                let other = if p == end { q } else { p };
                if forward {
                    line.push(other);
                } else {
                    line.insert(0, other);
                }
            }
        }
        lines.push(line.iter().filter_map(|k| points.get(k).copied()).collect());
    }
    lines
}

/// Area-weighted mean of the beats' exterior-ring centroids (planar in degrees: fine at city
/// scale).
fn label_point(beats: &[Beat], list: &[usize]) -> LonLat {
    let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
    for &i in list {
        let Some(ring) = beats[i].rings.first() else {
            continue;
        };
        let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for w in ring.windows(2) {
            let cross = w[0].lon * w[1].lat - w[1].lon * w[0].lat;
            a += cross;
            cx += (w[0].lon + w[1].lon) * cross;
            cy += (w[0].lat + w[1].lat) * cross;
        }
        let area = a / 2.0;
        if area.abs() > 0.0 {
            let w = area.abs();
            sx += cx / (6.0 * area) * w;
            sy += cy / (6.0 * area) * w;
            sw += w;
        }
    }
    if sw > 0.0 {
        LonLat::new(sx / sw, sy / sw)
    } else {
        let first = list
            .first()
            .and_then(|&i| beats[i].rings.first()?.first().copied());
        first.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{AreaType, BeatId, Extra};

    fn square(id: &str, station: &str, x: f64, y: f64) -> Beat {
        let p = |dx: f64, dy: f64| LonLat::new(13.0 + (x + dx) * 0.01, 53.0 + (y + dy) * 0.01);
        Beat {
            id: BeatId(id.into()),
            name: id.into(),
            station_id: StationId(station.into()),
            officers_on_duty: 1,
            area_type: AreaType::Urban,
            rings: vec![vec![p(0., 0.), p(1., 0.), p(1., 1.), p(0., 1.), p(0., 0.)]],
            extra: Extra::new(),
        }
    }

    fn length(lines: &[Vec<LonLat>]) -> usize {
        lines.iter().map(|l| l.len() - 1).sum()
    }

    #[test]
    fn shared_edges_inside_a_district_go_boundaries_between_districts_stay_once() {
        // A 2×2 block: the left column is station A, the right column station B.
        let beats = vec![
            square("a1", "A", 0., 0.),
            square("a2", "A", 0., 1.),
            square("b1", "B", 1., 0.),
            square("b2", "B", 1., 1.),
        ];
        let d = dissolve(&beats);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].station_id.as_str(), "A");
        assert_eq!(d[0].beats, vec![0, 1]);
        // A: its outline (6 unit edges), the middle edge between a1 and a2 gone.
        assert_eq!(length(&d[0].lines), 6);
        // B: its outline without the 2 edges it shares with A (drawn by A).
        assert_eq!(length(&d[1].lines), 4);
        // A's boundary is one closed line.
        assert_eq!(d[0].lines.len(), 1);
        let line = &d[0].lines[0];
        assert_eq!(line.first(), line.last());
        // Labels at the centres of the columns.
        assert!(
            (d[0].label_at.lon - 13.005).abs() < 1e-7,
            "{:?}",
            d[0].label_at
        );
        assert!(
            (d[0].label_at.lat - 53.01).abs() < 1e-7,
            "{:?}",
            d[0].label_at
        );
        assert!((d[1].label_at.lon - 13.015).abs() < 1e-7);
    }

    #[test]
    fn separate_beats_of_one_station_keep_both_outlines() {
        let beats = vec![square("x", "A", 0., 0.), square("y", "A", 5., 5.)];
        let d = dissolve(&beats);
        assert_eq!(d.len(), 1);
        // Two separate squares: nothing shared, both outlines kept.
        assert_eq!(length(&d[0].lines), 8);
        assert_eq!(d[0].lines.len(), 2);
        assert!(dissolve(&[]).is_empty());
    }
}
