//! One search box over everything with a name: beats, cameras, posts and stations (by id or
//! name), streets, addresses, places and points of interest from the OSM data.
//!
//! Case-insensitive. Ranked: exact match, then prefix, then word prefix, then substring; ties
//! by kind (operational layers first) and label. A linear scan over lower-cased keys: a few
//! milliseconds for a city's ~30k entries, run only when the query changes.

use std::collections::HashMap;

use crate::coord::{LonLat, polyline_length_m};
use crate::layers::{BeatId, CameraId, OpLayers, PostId, StationId};
use crate::osm::OsmData;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
/// Kinds in the order equally good matches are listed: many cameras are named after their
/// street, so the street itself comes first.
pub enum HitKind {
    Beat,
    Post,
    Station,
    Place,
    Street,
    Camera,
    Address,
    Poi,
    /// A live incident (matched by the console over its live picture).
    Incident,
    /// A live unit.
    Unit,
}

/// What a hit refers to, so the console can select it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Beat(BeatId),
    Camera(CameraId),
    Post(PostId),
    Station(StationId),
    /// A place on the map with nothing to select.
    Location,
    /// A live incident or unit, by id.
    Incident(String),
    Unit(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    pub kind: HitKind,
    pub label: String,
    pub pos: LonLat,
    pub target: Target,
}

struct Entry {
    /// Lower-cased strings that match (id, name, ...).
    keys: Vec<String>,
    hit: SearchHit,
}

#[derive(Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
}

impl SearchIndex {
    pub fn new(osm: &OsmData, layers: &OpLayers, beat_label_points: &[LonLat]) -> Self {
        let mut entries = Vec::new();
        let mut add = |kind, label: String, keys: Vec<&str>, pos, target| {
            entries.push(Entry {
                keys: keys.into_iter().map(str::to_lowercase).collect(),
                hit: SearchHit {
                    kind,
                    label,
                    pos,
                    target,
                },
            });
        };
        for (b, pos) in layers.beats.iter().zip(beat_label_points) {
            add(
                HitKind::Beat,
                format!("{} {}", b.id, b.name),
                vec![b.id.as_str(), &b.name],
                *pos,
                Target::Beat(b.id.clone()),
            );
        }
        for c in &layers.cameras {
            add(
                HitKind::Camera,
                format!("{} {}", c.id, c.name),
                vec![c.id.as_str(), &c.name],
                c.pos,
                Target::Camera(c.id.clone()),
            );
        }
        for p in &layers.posts {
            add(
                HitKind::Post,
                format!("{} {}", p.id, p.name),
                vec![p.id.as_str(), &p.name],
                p.pos,
                Target::Post(p.id.clone()),
            );
        }
        for s in &layers.stations {
            add(
                HitKind::Station,
                format!("{} {}", s.id, s.name),
                vec![s.id.as_str(), &s.name],
                s.pos,
                Target::Station(s.id.clone()),
            );
        }
        for p in &osm.places {
            let mut keys = vec![&*p.name];
            if let Some(zh) = &p.name_zh {
                keys.push(zh);
            }
            add(
                HitKind::Place,
                p.name.to_string(),
                keys,
                p.pos,
                Target::Location,
            );
        }
        // One entry per street name, at the middle of its longest piece.
        let mut streets: HashMap<&str, (f64, LonLat)> = HashMap::new();
        for road in &osm.roads {
            let Some(name) = road.name.as_deref() else {
                continue;
            };
            let len = polyline_length_m(&road.points);
            let mid = road.points[road.points.len() / 2];
            let e = streets.entry(name).or_insert((len, mid));
            if len > e.0 {
                *e = (len, mid);
            }
        }
        let mut streets_sorted: Vec<_> = streets.into_iter().collect();
        streets_sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (name, (_, pos)) in streets_sorted {
            add(
                HitKind::Street,
                name.to_string(),
                vec![name],
                pos,
                Target::Location,
            );
        }
        for a in &osm.addresses {
            let label = a.label();
            let full = match (&a.postcode, &a.city) {
                (Some(pc), Some(city)) => format!("{label}, {pc} {city}"),
                (None, Some(city)) => format!("{label}, {city}"),
                _ => label.clone(),
            };
            add(
                HitKind::Address,
                full,
                vec![&label],
                a.pos,
                Target::Location,
            );
        }
        for p in &osm.pois {
            add(
                HitKind::Poi,
                p.name.to_string(),
                vec![&p.name],
                p.pos,
                Target::Location,
            );
        }
        Self { entries }
    }

    /// The best `limit` hits for `query` (empty for a blank query).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(u8, &SearchHit)> = self
            .entries
            .iter()
            .filter_map(|e| {
                let score = e.keys.iter().filter_map(|k| rank(k, &q)).min()?;
                Some((score, &e.hit))
            })
            .collect();
        scored.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.kind.cmp(&b.1.kind))
                .then_with(|| a.1.label.cmp(&b.1.label))
        });
        scored
            .into_iter()
            .take(limit)
            .map(|(_, h)| h.clone())
            .collect()
    }
}

fn rank(key: &str, q: &str) -> Option<u8> {
    if key == q {
        Some(0)
    } else if key.starts_with(q) {
        Some(1)
    } else if key.split([' ', '-', '/', ',']).any(|w| w.starts_with(q)) {
        Some(2)
    } else if key.contains(q) {
        Some(3)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking() {
        assert_eq!(rank("c-0001", "c-0001"), Some(0));
        assert_eq!(rank("friedrich-engels-ring", "fried"), Some(1));
        assert_eq!(rank("friedrich-engels-ring", "engels"), Some(2));
        assert_eq!(rank("friedrich-engels-ring", "ngel"), Some(3));
        assert_eq!(rank("friedrich-engels-ring", "xyz"), None);
    }
}
