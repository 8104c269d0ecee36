//! Routing on the real road network, pure: the graph with travel times per mode ([`graph`]),
//! snapping points onto it ([`snap`]), the one Dijkstra and where it starts and ends
//! ([`search`]), fastest paths ([`path`]), isochrones ([`isochrone`]), rings for display
//! ([`rings`]), coverage of demand ([`coverage`]), post placement ([`mclp`]) and dispatch
//! ranking ([`dispatch`]). One file per algorithm; units in names (metres, seconds, km/h).
//!
//! Positions start part-way along a segment ([`Snap::frac`]); every search is multi-source
//! with a start cost per source (turnout delay plus the part of the segment to travel) and
//! stops at a time limit, so its cost is O((V + E) log V) over the reached network only.

mod chains;
pub mod coverage;
pub mod dispatch;
pub mod export;
pub mod graph;
pub mod impact;
pub mod isochrone;
pub mod live_coverage;
pub mod mclp;
pub mod path;
pub mod rings;
pub mod search;
mod seg_grid;
pub mod snap;
mod speeds;

pub use graph::{RoadGraph, Segment, edge_time};
pub use path::{route, shortest_path};
pub use search::{Origin, Search, bounded_dijkstra, seeds, time_to_point};
pub use snap::{MAX_SNAP_M, Snap, SnapError};
pub use speeds::{Speeds, SpeedsError, default_speed_kmh};

/// How a unit travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Car,
    Motorbike,
    /// E-bikes and volunteer bicycle patrols.
    EBike,
    Foot,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Car, Mode::Motorbike, Mode::EBike, Mode::Foot];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether one-way streets bind this mode.
    pub fn obeys_oneway(self) -> bool {
        self != Mode::Foot
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Car => "car",
            Mode::Motorbike => "motorbike",
            Mode::EBike => "ebike",
            Mode::Foot => "foot",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Which way a search runs: from the origins outwards, or towards them ("who can reach this
/// point within T").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Reverse,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::coord::LonLat;
    use crate::osm::{Oneway, OsmData, Road, RoadClass};

    pub(crate) fn road(class: RoadClass, oneway: Oneway, points: &[(f64, f64)]) -> Road {
        Road {
            osm_id: 1,
            class,
            is_link: false,
            name: None,
            reference: None,
            oneway,
            maxspeed_kmh: None,
            is_restricted: false,
            points: points
                .iter()
                .map(|&(lon, lat)| LonLat::new(lon, lat))
                .collect(),
        }
    }

    pub(crate) fn graph(roads: Vec<Road>) -> RoadGraph {
        RoadGraph::build(
            &OsmData {
                roads,
                ..OsmData::default()
            },
            &Speeds::default(),
        )
    }

    /// The graph's number for the vertex at `(lon, lat)` (the graph numbers its vertices
    /// itself: junctions first).
    pub(crate) fn node_at(g: &RoadGraph, lon: f64, lat: f64) -> u32 {
        let at = g
            .nodes
            .iter()
            .position(|p| (p.lon - lon).abs() < 1e-9 && (p.lat - lat).abs() < 1e-9);
        at.map_or(u32::MAX, |v| v as u32)
    }

    /// 0.001° of latitude is 111.2 m.
    pub(crate) const STEP: f64 = 0.001;
}
