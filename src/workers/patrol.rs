//! Patrol routes on the routing worker's thread: lay the edited route on the roads and score
//! it (a few milliseconds for 50 waypoints), so a drag never waits on a frame. What the score
//! needs per segment (its beat, whether a camera sees it) is computed once per graph, and per
//! set of cameras.

use std::sync::Arc;
use std::time::Instant;

use onemap_core::layers::Camera;
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
    /// The cameras (the worker recomputes what they see when this is another set).
    pub cameras: Arc<Vec<Camera>>,
    /// The other routes, to be laid for drawing, when they changed.
    pub others: Option<Vec<PatrolRoute>>,
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
    blind: Option<(Arc<Vec<Camera>>, Vec<bool>)>,
}

impl PatrolWorker {
    pub fn new(graph: &RoadGraph, beats: &LayerIndex) -> Self {
        Self {
            search: Search::with_parents(graph),
            seg_beat: segment_beats(graph, beats),
            blind: None,
        }
    }

    pub fn handle(&mut self, graph: &RoadGraph, r: PatrolRequest) -> Laid {
        let t = Instant::now();
        if self
            .blind
            .as_ref()
            .is_none_or(|(cams, _)| !Arc::ptr_eq(cams, &r.cameras))
        {
            self.blind = Some((r.cameras.clone(), blind_segments(graph, &r.cameras)));
        }
        let blind = self.blind.as_ref().map_or(&[][..], |(_, b)| &b[..]);
        let result = snap_route(graph, &mut self.search, &r.route).map(|snapped| {
            let setup = ScoreSetup {
                hot_spots: &r.hot_spots,
                seg_beat: &self.seg_beat,
                blind,
            };
            let s = score(graph, &r.route, &snapped, &setup);
            (snapped, s)
        });
        let others = r.others.map(|routes| {
            routes
                .iter()
                .filter_map(|o| {
                    let laid = snap_route(graph, &mut self.search, o).ok()?;
                    Some(OtherRoute {
                        id: o.id.clone(),
                        name: o.name.clone(),
                        legs: laid
                            .legs
                            .into_iter()
                            .map(|l| (l.line, l.travel_s))
                            .collect(),
                    })
                })
                .collect()
        });
        Laid {
            revision: r.revision,
            result,
            compute_ms: t.elapsed().as_secs_f64() * 1e3,
            others,
        }
    }
}
