//! Patrol routes (issue 16): a route is waypoints a planner clicked, each a stop with a
//! dwell time or a point passed through, joined along the fastest roads for the unit's mode
//! ([`snap_route`]); what it is worth is [`score::score`]; [`file`] reads and writes
//! `patrols.geojson` and exports GeoJSON, GPX and KML. Pure: the callers do the IO.

pub mod cover;
pub mod file;
pub mod hotspots;
pub mod optimise;
pub mod plan;
pub mod route;
pub mod score;

pub use route::{Leg, Piece, RouteError, SnappedRoute, snap_route};

use crate::coord::LonLat;
use crate::routing::Mode;

/// A waypoint: a stop where the unit stays `dwell_s` seconds, or (0) a point the route
/// passes through to take the roads the planner wants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Waypoint {
    pub at: LonLat,
    pub dwell_s: f32,
}

/// A patrol route as the planner drew it.
#[derive(Clone, Debug, PartialEq)]
pub struct PatrolRoute {
    pub id: String,
    pub name: String,
    pub mode: Mode,
    pub waypoints: Vec<Waypoint>,
    /// A loop: from the last waypoint back to the first.
    pub closed: bool,
    /// Properties of its feature OneMap does not use, kept for the next save.
    pub extra: crate::layers::Extra,
}
