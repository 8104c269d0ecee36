//! Dispatch recommendations off the UI thread: the routing worker owns the road graph and
//! answers these before ring requests.
//!
//! For the selected incident: every available unit of the chosen kinds ranked by its exact
//! network ETA (`onemap_core::routing::dispatch`), the chosen unit's route, and what the
//! city's 1- and 3-minute coverage by the available units loses if that unit leaves, with the
//! move-up (an available unit to a post) that wins back the most.

use std::collections::HashMap;
use std::time::Instant;

use onemap_core::coord::LonLat;
use onemap_core::routing::coverage::CoverageSetup;
use onemap_core::routing::dispatch::{
    CoverSets, Impact, Recommendation, Recommender, Responder, cover_sets, impact,
};
use onemap_core::routing::{Mode, Origin, RoadGraph, Search};

use onemap_core::routing::route as road_route;

/// Coverage limits of the impact view: 1 and 3 minutes.
pub const IMPACT_LIMITS_S: [f32; 2] = [60.0, 180.0];
/// How many units a recommendation ranks exactly (the rest are shown with lower bounds).
pub const SHOWN: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub struct DispatchRequest {
    pub id: u64,
    pub incident_id: String,
    pub at: LonLat,
    /// Every available unit (coverage counts them all).
    pub responders: Vec<Responder>,
    /// Which of them the commander wants ranked (the kind filter).
    pub eligible: Vec<bool>,
    pub want: usize,
    /// The unit whose route and impact to show; `None`: the fastest.
    pub chosen: Option<String>,
    /// Posts a move-up may go to: id and place.
    pub posts: Vec<(String, LonLat)>,
    /// The units already sent (routes and ETAs only; no coverage impact).
    pub assigned: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteView {
    pub unit: String,
    pub line: Vec<LonLat>,
    pub eta_s: f32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImpactView {
    /// The unit that would leave.
    pub unit: String,
    pub impact: Impact,
    /// The suggested move-up: unit, post id, from, to.
    pub move_up: Option<(String, String, LonLat, LonLat)>,
}

#[derive(Clone, Debug)]
pub struct DispatchOutput {
    pub id: u64,
    pub incident_id: String,
    /// Indices in `ranked`/`rest`/`unplaced` refer to `responders`.
    pub recommendation: Recommendation,
    pub responders: Vec<Responder>,
    pub route: Option<RouteView>,
    pub impact: Option<Result<ImpactView, String>>,
    pub recommend_ms: f64,
    pub compute_ms: f64,
    /// For the units already sent (see [`DispatchRequest::assigned`]).
    pub assigned: bool,
}

/// A post as a move-up target: its name, where it is (bits of lon/lat), mode, turnout.
type PostKey = (String, [u64; 2], Mode, u32);

/// The worker's dispatch state, kept between requests. Its caches hold only what the last
/// request used (units on shift, posts as they are), so they never grow with running time.
pub struct DispatchWorker {
    recommender: Recommender,
    search: Search,
    /// For the chosen unit's route (records predecessors).
    path_search: Search,
    /// Per unit: where it was, its mode and turnout, and what it covered from there.
    unit_cover: HashMap<String, (LonLat, Mode, u32, CoverSets)>,
    /// Per post (and where it is), mode and turnout: what a unit standing there covers.
    post_cover: HashMap<PostKey, CoverSets>,
}

impl DispatchWorker {
    pub fn new(graph: &RoadGraph) -> Self {
        Self {
            recommender: Recommender::new(graph),
            search: Search::new(graph),
            path_search: Search::with_parents(graph),
            unit_cover: HashMap::new(),
            post_cover: HashMap::new(),
        }
    }

    /// Answer a request; `setup(mode)` gives that mode's coverage setup (built on demand).
    pub fn handle(
        &mut self,
        graph: &RoadGraph,
        setup: &dyn Fn(Mode) -> CoverageSetup,
        setups: &mut Vec<(Mode, CoverageSetup)>,
        r: DispatchRequest,
    ) -> DispatchOutput {
        let t = Instant::now();
        let picked: Vec<usize> = (0..r.responders.len())
            .filter(|&i| r.eligible.get(i).copied().unwrap_or(true))
            .collect();
        let subset: Vec<Responder> = picked.iter().map(|&i| r.responders[i].clone()).collect();
        let mut rec = self.recommender.recommend(graph, r.at, &subset, r.want);
        // Back to indices into all responders.
        for x in &mut rec.ranked {
            x.index = picked[x.index];
        }
        for x in &mut rec.rest {
            x.index = picked[x.index];
        }
        for x in &mut rec.unplaced {
            x.index = picked[x.index];
        }
        let recommend_ms = t.elapsed().as_secs_f64() * 1e3;
        let chosen = r
            .chosen
            .as_ref()
            .and_then(|id| r.responders.iter().position(|u| &u.id == id))
            .or_else(|| rec.ranked.first().map(|x| x.index));
        let route = chosen.and_then(|i| {
            let u = &r.responders[i];
            let from = self.recommender.snap(graph, u).ok()?;
            let to = rec.incident_snaps[u.mode.index()]?;
            let (line, secs) = road_route(graph, &mut self.path_search, u.mode, &from, &to)?;
            Some(RouteView {
                unit: u.id.clone(),
                line,
                eta_s: u.turnout_s + secs,
            })
        });
        let impact = chosen
            .filter(|_| !r.assigned)
            .map(|i| self.impact(graph, setup, setups, &r, i));
        DispatchOutput {
            id: r.id,
            incident_id: r.incident_id,
            recommendation: rec,
            responders: r.responders,
            route,
            impact,
            recommend_ms,
            compute_ms: t.elapsed().as_secs_f64() * 1e3,
            assigned: r.assigned,
        }
    }

    fn impact(
        &mut self,
        graph: &RoadGraph,
        setup: &dyn Fn(Mode) -> CoverageSetup,
        setups: &mut Vec<(Mode, CoverageSetup)>,
        r: &DispatchRequest,
        leaving: usize,
    ) -> Result<ImpactView, String> {
        // What each available unit covers from where it is.
        let mut placed: Vec<usize> = Vec::new();
        let mut snaps = Vec::new();
        for (i, u) in r.responders.iter().enumerate() {
            if let Ok(snap) = self.recommender.snap(graph, u) {
                placed.push(i);
                snaps.push(snap);
            }
        }
        let Some(leaving_at) = placed.iter().position(|&i| i == leaving) else {
            return Err(format!(
                "{} is not on the road network",
                r.responders[leaving].id
            ));
        };
        for (k, &i) in placed.iter().enumerate() {
            let u = &r.responders[i];
            let turnout = u.turnout_s.to_bits();
            let fresh = self
                .unit_cover
                .get(&u.id)
                .is_some_and(|c| c.0 == u.at && c.1 == u.mode && c.2 == turnout);
            if !fresh {
                let s = setup_index(setup, setups, u.mode);
                let origin = Origin {
                    snap: snaps[k],
                    delay_s: u.turnout_s,
                };
                let sets = cover_sets(
                    graph,
                    &mut self.search,
                    &setups[s].1,
                    &origin,
                    &IMPACT_LIMITS_S,
                );
                self.unit_cover
                    .insert(u.id.clone(), (u.at, u.mode, turnout, sets));
            }
        }
        let keys = self.post_covers(graph, setup, setups, r, &placed, leaving_at);
        let units: Vec<&CoverSets> = placed
            .iter()
            .map(|&i| &self.unit_cover[&r.responders[i].id].3)
            .collect();
        let candidates: Vec<(usize, usize, &CoverSets)> = keys
            .iter()
            .map(|(k, p, key)| (*k, *p, &self.post_cover[key]))
            .collect();
        let s = setup_index(setup, setups, Mode::Car);
        let base = &setups[s].1;
        let weights: Vec<f64> = base.demand_points().map(|(_, w)| w).collect();
        let beats: Vec<Option<u32>> = base.demand_beats().collect();
        let out = impact(
            &weights,
            &beats,
            base.beat_count,
            &units,
            leaving_at,
            &candidates,
        );
        let move_up = out.move_up.as_ref().map(|m| {
            let u = &r.responders[placed[m.unit]];
            let (post, at) = &r.posts[m.post];
            (u.id.clone(), post.clone(), u.at, *at)
        });
        Ok(ImpactView {
            unit: r.responders[leaving].id.clone(),
            impact: out,
            move_up,
        })
    }
    /// What each post would cover with each remaining unit standing there (cached by post,
    /// place, mode and turnout); the (unit, post, key) candidates of a move-up.
    fn post_covers(
        &mut self,
        graph: &RoadGraph,
        setup: &dyn Fn(Mode) -> CoverageSetup,
        setups: &mut Vec<(Mode, CoverageSetup)>,
        r: &DispatchRequest,
        placed: &[usize],
        leaving_at: usize,
    ) -> Vec<(usize, usize, PostKey)> {
        let mut keys: Vec<(usize, usize, PostKey)> = Vec::new();
        for (k, &i) in placed.iter().enumerate() {
            if k == leaving_at {
                continue;
            }
            let u = &r.responders[i];
            for (p, (post, at)) in r.posts.iter().enumerate() {
                let key = (
                    post.clone(),
                    [at.lon.to_bits(), at.lat.to_bits()],
                    u.mode,
                    u.turnout_s.to_bits(),
                );
                keys.push((k, p, key));
            }
        }
        // Forget units that left and posts that moved or went.
        let on_shift: std::collections::HashSet<&str> =
            r.responders.iter().map(|u| u.id.as_str()).collect();
        self.unit_cover
            .retain(|id, _| on_shift.contains(id.as_str()));
        let used: std::collections::HashSet<&PostKey> = keys.iter().map(|k| &k.2).collect();
        self.post_cover.retain(|k, _| used.contains(k));
        for (k, p, key) in &keys {
            if self.post_cover.contains_key(key) {
                continue;
            }
            let u = &r.responders[placed[*k]];
            let at = r.posts[*p].1;
            let sets = match graph.snap(at, u.mode, onemap_core::routing::MAX_SNAP_M) {
                Ok(snap) => {
                    let s = setup_index(setup, setups, u.mode);
                    let origin = Origin {
                        snap,
                        delay_s: u.turnout_s,
                    };
                    cover_sets(
                        graph,
                        &mut self.search,
                        &setups[s].1,
                        &origin,
                        &IMPACT_LIMITS_S,
                    )
                }
                Err(_) => CoverSets {
                    within: vec![Vec::new(); IMPACT_LIMITS_S.len()],
                },
            };
            self.post_cover.insert(key.clone(), sets);
        }
        keys
    }
}

/// The index of `mode`'s coverage set-up in `setups`, built on first use.
fn setup_index(
    setup: &dyn Fn(Mode) -> CoverageSetup,
    setups: &mut Vec<(Mode, CoverageSetup)>,
    mode: Mode,
) -> usize {
    match setups.iter().position(|(m, _)| *m == mode) {
        Some(i) => i,
        None => {
            setups.push((mode, setup(mode)));
            setups.len() - 1
        }
    }
}
