//! Patrol routes on the routing worker's thread: lay the edited route on the roads and score
//! it (a few milliseconds for 50 waypoints), so a drag never waits on a frame. What the score
//! needs per segment (its beat, whether a camera sees it, the required sites' circles on it)
//! is computed once per graph, and per set of layers and mode.

use std::sync::Arc;
use std::time::Instant;

use onemap_core::layers::Camera;
use onemap_core::patrol::cover::{SiteIndex, graph_area_m2};
use onemap_core::patrol::score::{HotSpot, ScoreSetup, blind_segments, score, segment_beats};
use onemap_core::patrol::{PatrolRoute, snap_route};
use onemap_core::routing::{RoadGraph, Search};
use onemap_core::spatial::LayerIndex;

use onemap_core::coord::LonLat;
use onemap_core::patrol::score::Score;
use onemap_core::patrol::{RouteError, SnappedRoute};

/// The edited route as it is now, and what it is scored against.
#[derive(Clone, Debug)]
pub struct PatrolRequest {
    pub revision: u64,
    pub route: PatrolRoute,
    pub hot_spots: Arc<Vec<HotSpot>>,
    /// The incidents of the analysis period, for the PAI.
    pub incidents: Arc<Vec<(LonLat, f64)>>,
    /// The layers (the worker recomputes what the cameras see and the sites' circles when
    /// this is another set).
    pub layers: Arc<ScoredAgainst>,
    /// The other routes, to be laid for drawing, when they changed.
    pub others: Option<Vec<PatrolRoute>>,
}

/// What of the layers a route is scored against.
#[derive(Clone, Debug, Default)]
pub struct ScoredAgainst {
    pub cameras: Vec<Camera>,
    /// The required sites: the posts (the rapid-response circles' sites).
    pub sites: Vec<LonLat>,
    /// The beats' area, square metres (0 without beats: the roads' box is used).
    pub study_m2: f64,
}

/// A route not being edited, laid on the roads: drawn thin, and followed when a unit patrols
/// it.
#[derive(Clone, Debug, PartialEq)]
pub struct OtherRoute {
    pub id: String,
    pub name: String,
    /// Each leg's line and travel time, seconds.
    pub legs: Vec<(Vec<LonLat>, f64)>,
}

/// Which unit's patrol, as assigned (its plan): laid again when either changes.
pub type AssignedKey = (
    onemap_core::feed::UnitId,
    onemap_core::feed::patrol::PatrolPlan,
);

/// The route a unit was assigned, from its plan's stops (laid by its mode, as every console
/// lays it).
pub fn assigned_route(plan: &onemap_core::feed::patrol::PatrolPlan) -> PatrolRoute {
    PatrolRoute {
        id: plan.route_id.clone(),
        name: plan.name.clone(),
        mode: onemap_core::routing::Mode::from_name(&plan.mode)
            .unwrap_or(onemap_core::routing::Mode::Car),
        waypoints: plan
            .stops
            .iter()
            .map(|s| onemap_core::patrol::Waypoint {
                at: s.at.lonlat(),
                dwell_s: s.dwell_s as f32,
            })
            .collect(),
        closed: plan.closed,
        extra: Default::default(),
    }
}

/// The worker's answer for one revision of the edited route.
#[derive(Clone, Debug)]
pub struct Laid {
    pub revision: u64,
    pub result: Result<(SnappedRoute, Score), RouteError>,
    pub compute_ms: f64,
    /// The other routes on the roads, when they were asked for.
    pub others: Option<Vec<OtherRoute>>,
}

pub struct PatrolWorker {
    search: Search,
    seg_beat: Vec<Option<u32>>,
    /// What the cameras see and the sites' circles (for one mode), for one set of layers.
    layers: Option<(Arc<ScoredAgainst>, Vec<bool>)>,
    sites: Option<SiteIndex>,
    graph_m2: f64,
}

impl PatrolWorker {
    pub fn new(graph: &RoadGraph, beats: &LayerIndex) -> Self {
        Self {
            search: Search::with_parents(graph),
            seg_beat: segment_beats(graph, beats),
            layers: None,
            sites: None,
            graph_m2: graph_area_m2(graph),
        }
    }

    /// `route` on the roads, to draw and follow; `None` when it cannot be laid.
    pub fn lay(&mut self, graph: &RoadGraph, route: &PatrolRoute) -> Option<OtherRoute> {
        let laid = snap_route(graph, &mut self.search, route).ok()?;
        Some(OtherRoute {
            id: route.id.clone(),
            name: route.name.clone(),
            legs: laid
                .legs
                .into_iter()
                .map(|l| (l.line, l.travel_s))
                .collect(),
        })
    }

    pub fn handle(&mut self, graph: &RoadGraph, r: PatrolRequest) -> Laid {
        let t = Instant::now();
        if self
            .layers
            .as_ref()
            .is_none_or(|(l, _)| !Arc::ptr_eq(l, &r.layers))
        {
            let blind = blind_segments(graph, &r.layers.cameras);
            self.layers = Some((r.layers.clone(), blind));
            self.sites = None;
        }
        let mode = r.route.mode;
        if self.sites.as_ref().is_none_or(|s| s.mode != Some(mode)) {
            self.sites = Some(SiteIndex::new(graph, mode, &r.layers.sites));
        }
        let blind = self.layers.as_ref().map_or(&[][..], |(_, b)| &b[..]);
        let study_m2 = if r.layers.study_m2 > 0.0 {
            r.layers.study_m2
        } else {
            self.graph_m2
        };
        let result = snap_route(graph, &mut self.search, &r.route).map(|snapped| {
            let setup = ScoreSetup {
                hot_spots: &r.hot_spots,
                seg_beat: &self.seg_beat,
                blind,
                sites: self.sites.as_ref(),
                incidents: &r.incidents,
                study_m2,
            };
            let s = score(graph, &r.route, &snapped, &setup);
            (snapped, s)
        });
        let others = r
            .others
            .map(|routes| routes.iter().filter_map(|o| self.lay(graph, o)).collect());
        Laid {
            revision: r.revision,
            result,
            compute_ms: t.elapsed().as_secs_f64() * 1e3,
            others,
        }
    }
}
