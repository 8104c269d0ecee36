//! Demo operational layers generated deterministically from a real city's OSM data.
//!
//! Beats, cameras and posts do not exist as open data, so OneMap makes plausible sample layers
//! from the street network, clearly marked as generated (`"onemap:generated": true`):
//!
//! - **Stations** are the police and fire stations and hospitals in the OSM data.
//! - **Beats** grow from seeds at minor-road junctions, spaced by address density (about
//!   350 m apart in dense areas, up to 1.6 km outside), over a 40 m raster around the roads.
//!   Crossing a main road, railway or river costs extra, so beat boundaries follow the main
//!   streets and the block structure. Each region is traced into a simple polygon.
//! - **Cameras** stand at main-road intersections and along main roads, facing along the road,
//!   with community cameras at schools and linked private ones at shops; about 5 % offline.
//! - **Posts**: a quick-response post near each police station and in the densest areas,
//!   workstations where points of interest cluster, checkpoints on main roads at the edges.
//!
//! The same input always gives the same output (no clock, no unseeded randomness).
//! Cost: about O(cells · log cells) for the raster, well under a second for a city.

mod beats;
mod cameras;
mod posts;
mod raster;

use std::collections::{BTreeMap, HashMap};

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::model::*;
use crate::coord::LonLat;
use crate::osm::{OsmData, PlaceKind, RoadClass};
use crate::spatial::{LocalProjection, bearing_deg};

type Pt = GeomWithData<[f64; 2], usize>;

/// SplitMix64: a tiny deterministic hash for "random" choices keyed by an index.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

struct Context<'a> {
    osm: &'a OsmData,
    proj: LocalProjection,
    addresses: RTree<Pt>,
}

impl Context<'_> {
    /// Addresses within 250 m: the demand proxy.
    fn density(&self, m: [f64; 2]) -> usize {
        self.addresses
            .locate_within_distance(m, 250.0 * 250.0)
            .count()
    }

    fn place_name(&self, m: [f64; 2]) -> String {
        self.osm
            .places
            .iter()
            .filter(|p| p.kind >= PlaceKind::Suburb)
            .map(|p| (dist(self.proj.to_m(p.pos), m), p))
            .filter(|(d, _)| *d < 3000.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .or_else(|| {
                self.osm
                    .places
                    .iter()
                    .map(|p| (dist(self.proj.to_m(p.pos), m), p))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
            })
            .map(|(_, p)| p.name.to_string())
            .unwrap_or_else(|| "Beat".into())
    }
}

/// Generate all four layers for `osm`.
pub fn generate(osm: &OsmData) -> OpLayers {
    let proj = LocalProjection::new(osm.bounds.center());
    let addresses = RTree::bulk_load(
        osm.addresses
            .iter()
            .enumerate()
            .map(|(i, a)| GeomWithData::new(proj.to_m(a.pos), i))
            .collect(),
    );
    let cx = Context {
        osm,
        proj,
        addresses,
    };
    let stations = stations(&cx);
    let junctions = junctions(osm, &proj);
    let beats = beats::beats(&cx, &junctions, &stations);
    let cameras = cameras::cameras(&cx, &junctions);
    let posts = posts::posts(&cx, &stations);
    let mut layers = OpLayers {
        beats,
        cameras,
        posts,
        stations,
        generated: true,
    };
    round_positions(&mut layers);
    layers
}

/// Positions as the files store them (7 decimals, about 1 cm), so a saved and reloaded layer
/// equals the generated one.
fn round_positions(layers: &mut OpLayers) {
    let r = |p: &mut LonLat| {
        p.lon = (p.lon * 1e7).round() / 1e7;
        p.lat = (p.lat * 1e7).round() / 1e7;
    };
    layers
        .beats
        .iter_mut()
        .flat_map(|b| b.rings.iter_mut().flatten())
        .for_each(r);
    layers.cameras.iter_mut().for_each(|c| r(&mut c.pos));
    layers.posts.iter_mut().for_each(|p| r(&mut p.pos));
    layers.stations.iter_mut().for_each(|s| r(&mut s.pos));
}

// ---------------------------------------------------------------------------------------------
// Stations

fn stations(cx: &Context<'_>) -> Vec<Station> {
    let mut out: Vec<Station> = Vec::new();
    let mut counts: BTreeMap<StationKind, usize> = BTreeMap::new();
    let mut sorted: Vec<_> = cx.osm.stations.iter().collect();
    sorted.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.osm_id.cmp(&b.osm_id)));
    for s in sorted {
        let m = cx.proj.to_m(s.pos);
        // The same station mapped as a node and as a building: keep one.
        if out
            .iter()
            .any(|o| o.kind == s.kind && dist(cx.proj.to_m(o.pos), m) < 150.0)
        {
            continue;
        }
        let n = counts.entry(s.kind).or_default();
        *n += 1;
        let (prefix, default_name) = match s.kind {
            StationKind::Police => ("PS", "Police station"),
            StationKind::Fire => ("FS", "Fire station"),
            StationKind::Hospital => ("HS", "Hospital"),
        };
        out.push(Station {
            id: StationId(format!("{prefix}-{n:02}").into()),
            name: s
                .name
                .as_deref()
                .map_or_else(|| format!("{default_name} {n}"), str::to_string),
            kind: s.kind,
            pos: s.pos,
            extra: Extra::new(),
        });
    }
    if !out.iter().any(|s| s.kind == StationKind::Police) {
        // Every beat needs a responsible station: put one where most addresses are.
        let centre = densest_point(cx).unwrap_or_else(|| cx.osm.bounds.center());
        out.insert(
            0,
            Station {
                id: StationId("PS-01".into()),
                name: "Police station (generated)".into(),
                kind: StationKind::Police,
                pos: centre,
                extra: Extra::new(),
            },
        );
    }
    out
}

fn densest_point(cx: &Context<'_>) -> Option<LonLat> {
    cx.osm
        .addresses
        .iter()
        .step_by(7)
        .max_by_key(|a| {
            (
                cx.density(cx.proj.to_m(a.pos)),
                std::cmp::Reverse((a.pos.lon * 1e7) as i64),
            )
        })
        .map(|a| a.pos)
}

// ---------------------------------------------------------------------------------------------
// Junctions

struct Junction {
    m: [f64; 2],
    /// Classes of the roads meeting here, most important first.
    classes: Vec<RoadClass>,
    /// Names of the roads meeting here (sorted, deduplicated).
    names: Vec<String>,
    /// Bearings along each road leaving the junction, with the road's class.
    exits: Vec<(f64, RoadClass)>,
}

fn junctions(osm: &OsmData, proj: &LocalProjection) -> Vec<Junction> {
    let key = |p: LonLat| ((p.lon * 1e7).round() as i64, (p.lat * 1e7).round() as i64);
    let mut degree: HashMap<(i64, i64), u32> = HashMap::new();
    for road in osm.roads.iter().filter(|r| r.class.is_drivable()) {
        let n = road.points.len();
        for (i, p) in road.points.iter().enumerate() {
            *degree.entry(key(*p)).or_default() += if i == 0 || i + 1 == n { 1 } else { 2 };
        }
    }
    let mut by_key: BTreeMap<(i64, i64), Junction> = BTreeMap::new();
    for road in osm.roads.iter().filter(|r| r.class.is_drivable()) {
        for (i, p) in road.points.iter().enumerate() {
            let k = key(*p);
            if degree.get(&k).copied().unwrap_or(0) < 3 {
                continue;
            }
            let m = proj.to_m(*p);
            let j = by_key.entry(k).or_insert_with(|| Junction {
                m,
                classes: Vec::new(),
                names: Vec::new(),
                exits: Vec::new(),
            });
            j.classes.push(road.class);
            if let Some(name) = &road.name {
                j.names.push(name.to_string());
            }
            for next in [i.checked_sub(1), Some(i + 1)].into_iter().flatten() {
                if let Some(q) = road.points.get(next) {
                    j.exits.push((bearing_deg(m, proj.to_m(*q)), road.class));
                }
            }
        }
    }
    by_key
        .into_values()
        .map(|mut j| {
            j.classes.sort();
            j.names.sort();
            j.names.dedup();
            j.exits
                .sort_by(|a, b| a.1.cmp(&b.1).then(a.0.total_cmp(&b.0)));
            j
        })
        .collect()
}

fn is_main(class: RoadClass) -> bool {
    class <= RoadClass::Tertiary
}
