//! Routing off the UI thread: response rings for the selection (or every post), coverage of
//! the city and each beat (recomputed while a planner drags a post), and dispatch
//! recommendations ([`super::dispatch`]).
//!
//! One named worker thread owns the road graph (built there, so start-up never waits for it)
//! and reusable search buffers. The UI hands it requests through a mailbox with one slot per
//! kind of work: a new request replaces one that has not started, and a running one notices
//! it is stale between rings and coverage and stops. Results come back on a bounded channel,
//! tagged with the request id; `logic()` keeps only the newest.

use onemap_core::routing::live_coverage::live_coverage;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use super::dispatch::{DispatchOutput, DispatchRequest, DispatchWorker};
use super::patrol::{PatrolRequest, PatrolWorker};
use onemap_core::coord::LonLat;
use onemap_core::layers::{Beat, OpLayers};
use onemap_core::osm::OsmData;
use onemap_core::routing::coverage::{CoverageRow, CoverageSetup, coverage, gaps};
use onemap_core::routing::export::piece_lines;
use onemap_core::routing::isochrone::Workspace;
use onemap_core::routing::mclp;
use onemap_core::routing::rings::{Polygon, rings};
use onemap_core::routing::{Direction, MAX_SNAP_M, Mode, Origin, RoadGraph, Speeds};
use onemap_core::spatial::LayerIndex;

/// Results waiting for the UI, at most (the worker waits when they are not taken).
const RESULTS: usize = 8;

/// The console's thresholds: the 1, 3 and 5-minute response circles.
pub const LIMITS_S: [f32; 3] = [60.0, 180.0, 300.0];

#[derive(Clone, Debug, PartialEq)]
pub struct PlanRequest {
    pub id: u64,
    pub mode: Mode,
    pub turnout_s: f32,
    /// Forward: where the origins reach. Reverse: from where the origins can be reached.
    pub direction: Direction,
    /// Where rings are drawn from: the selection, or every post.
    pub ring_origins: Vec<(String, LonLat)>,
    /// How the rings' origin travels (a selected unit's own mode; else `mode`).
    pub ring_mode: Mode,
    /// Posts for the coverage figures; `None`: no coverage wanted.
    pub coverage_posts: Option<Vec<(String, LonLat)>>,
    /// Which limit (index into [`LIMITS_S`]) the gap layer shows.
    pub gap_limit: usize,
    /// How many new posts to suggest (0: none), by maximal covering at [`SUGGEST_LIMIT`].
    pub suggest: usize,
}

/// The limit new posts are suggested for: 3 minutes (index into [`LIMITS_S`]).
pub const SUGGEST_LIMIT: usize = 1;

/// New posts where they would cover the most demand not yet covered within
/// [`SUGGEST_LIMIT`], the existing posts staying where they are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SuggestView {
    /// Each site (a junction) and the demand it adds to the posts and the sites before it,
    /// the largest addition first.
    pub sites: Vec<(LonLat, f64)>,
    /// The share of demand covered now, and with every suggested post.
    pub before: f64,
    pub after: f64,
    pub compute_ms: f64,
}

/// Rings ready to draw: rectangles of equal band along raster rows, and outlines.
#[derive(Clone, Debug, Default)]
pub struct RingsView {
    /// South-west and north-east corners, band 1..=3 (1 = within the first limit).
    pub runs: Vec<(LonLat, LonLat, u8)>,
    /// Per limit, the area as polygons with holes.
    pub polygons: Vec<Vec<Polygon>>,
    /// Road reached per limit, km.
    pub km: Vec<f64>,
    /// Origins that could not be placed on the network, with why.
    pub skipped: Vec<Skipped>,
}

/// A post (or any origin) that could not be placed on the network: its name and why (the
/// panel words it in the UI's language).
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub name: String,
    pub error: onemap_core::routing::SnapError,
}

/// Why the rings could not be drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanError {
    /// None of the origins is on the network.
    NotPlaced(Vec<Skipped>),
    Failed(String),
}

#[derive(Clone, Debug, Default)]
pub struct CoverageView {
    pub city: CoverageRow,
    pub beats: Vec<CoverageRow>,
    pub gap_limit: usize,
    /// Road pieces not reached within the gap limit.
    pub gaps: Vec<[LonLat; 2]>,
    pub gap_km: f64,
    pub skipped: Vec<Skipped>,
}

#[derive(Clone, Debug)]
pub struct PlanOutput {
    pub id: u64,
    pub mode: Mode,
    pub rings: Result<RingsView, PlanError>,
    pub coverage: Option<Result<CoverageView, String>>,
    pub suggested: Option<SuggestView>,
    pub compute_ms: f64,
}

/// What the worker reports: the graph is ready, or a result.
#[derive(Clone, Debug)]
pub enum PlannerEvent {
    Ready {
        nodes: usize,
        build_ms: f64,
    },
    Output(Box<PlanOutput>),
    Dispatch(Box<DispatchOutput>),
    /// Live coverage from the available units, and how long it took, ms.
    LiveCoverage(Box<onemap_core::routing::live_coverage::LiveCoverage>, f64),
    /// The edited patrol route laid on the roads and scored.
    Patrol(Box<super::patrol::Laid>),
    /// Patrol loops planned for N units, or a re-plan.
    AutoPlanned(Box<super::patrol_plan::AutoAnswer>),
    /// A unit's assigned patrol laid on the roads (`None`: it cannot be), for its key.
    Assigned(
        Box<(
            super::patrol::AssignedKey,
            Option<super::patrol::OtherRoute>,
        )>,
    ),
}

/// One slot per kind of work: a newer request replaces one not yet started.
#[derive(Default)]
struct Slots {
    plan: Option<PlanRequest>,
    dispatch: Option<DispatchRequest>,
    /// Available units' places and modes, for live coverage.
    live: Option<Vec<(LonLat, Mode)>>,
    patrol: Option<PatrolRequest>,
    assigned: Option<(super::patrol::AssignedKey, onemap_core::patrol::PatrolRoute)>,
    auto: Option<super::patrol_plan::AutoRequest>,
}

#[derive(Default)]
struct Mailbox {
    request: Mutex<Slots>,
    wake: Condvar,
}

/// Anything that holds the city's OSM data (the console's `City`, or the data itself).
pub trait HasOsm: Send + Sync + 'static {
    fn osm(&self) -> &OsmData;

    /// The road graph at `speeds`.
    fn graph(&self, speeds: &Speeds) -> Arc<RoadGraph> {
        Arc::new(RoadGraph::build(self.osm(), speeds))
    }
}

impl HasOsm for OsmData {
    fn osm(&self) -> &OsmData {
        self
    }
}

impl HasOsm for crate::city::City {
    fn osm(&self) -> &OsmData {
        crate::city::City::osm(self)
    }

    /// The city's shared graph at the default speeds; another copy only for other speeds.
    fn graph(&self, speeds: &Speeds) -> Arc<RoadGraph> {
        if *speeds == Speeds::default() {
            crate::city::City::graph(self)
        } else {
            Arc::new(RoadGraph::build(crate::city::City::osm(self), speeds))
        }
    }
}

/// The UI's handle on the worker.
pub struct Planner {
    mailbox: Arc<Mailbox>,
    latest: Arc<AtomicU64>,
    next_id: u64,
    pub events: Receiver<PlannerEvent>,
}

impl Planner {
    /// Start the worker; `repaint` is called whenever an event is sent.
    pub fn start(
        city: Arc<dyn HasOsm>,
        beats: Vec<Beat>,
        speeds: Speeds,
        repaint: impl Fn() + Send + 'static,
    ) -> Self {
        let mailbox = Arc::new(Mailbox::default());
        let latest = Arc::new(AtomicU64::new(0));
        let (tx, rx) = crossbeam_channel::bounded(RESULTS);
        let (m, l) = (mailbox.clone(), latest.clone());
        let spawned = std::thread::Builder::new()
            .name("planner".into())
            .spawn(move || {
                let graph = city.graph(&speeds);
                worker(city.osm(), &graph, beats, &m, &l, &tx, &repaint);
            });
        if let Err(err) = spawned {
            eprintln!("onemap: cannot start the planner thread: {err}");
        }
        Self {
            mailbox,
            latest,
            next_id: 0,
            events: rx,
        }
    }

    /// Queue a request (replacing one not yet started); returns its id.
    pub fn request(&mut self, mut request: PlanRequest) -> u64 {
        self.next_id += 1;
        request.id = self.next_id;
        self.latest.store(self.next_id, Ordering::SeqCst);
        if let Ok(mut slot) = self.mailbox.request.lock() {
            slot.plan = Some(request);
        }
        self.mailbox.wake.notify_one();
        self.next_id
    }

    /// Queue a live-coverage computation from these units (replacing one not yet started).
    pub fn live_coverage(&mut self, units: Vec<(LonLat, Mode)>) {
        if let Ok(mut slot) = self.mailbox.request.lock() {
            slot.live = Some(units);
        }
        self.mailbox.wake.notify_one();
    }

    /// Queue laying and scoring the edited patrol route (replacing one not yet started).
    pub fn patrol(&mut self, request: PatrolRequest) {
        if let Ok(mut slot) = self.mailbox.request.lock() {
            slot.patrol = Some(request);
        }
        self.mailbox.wake.notify_one();
    }

    /// Queue laying a unit's assigned patrol (replacing one not yet started).
    pub fn assigned(
        &mut self,
        key: super::patrol::AssignedKey,
        route: onemap_core::patrol::PatrolRoute,
    ) {
        if let Ok(mut slot) = self.mailbox.request.lock() {
            slot.assigned = Some((key, route));
        }
        self.mailbox.wake.notify_one();
    }

    /// Queue planning patrol loops (replacing a plan not yet started).
    pub fn auto_plan(&mut self, request: super::patrol_plan::AutoRequest) {
        if let Ok(mut slot) = self.mailbox.request.lock() {
            slot.auto = Some(request);
        }
        self.mailbox.wake.notify_one();
    }

    /// Queue a dispatch recommendation (replacing one not yet started); returns its id.
    pub fn dispatch(&mut self, mut request: DispatchRequest) -> u64 {
        self.next_id += 1;
        request.id = self.next_id;
        if let Ok(mut slot) = self.mailbox.request.lock() {
            slot.dispatch = Some(request);
        }
        self.mailbox.wake.notify_one();
        self.next_id
    }
}

enum Work {
    Plan(PlanRequest),
    Patrol(PatrolRequest),
    Assigned(super::patrol::AssignedKey, onemap_core::patrol::PatrolRoute),
    Auto(super::patrol_plan::AutoRequest),
    Dispatch(DispatchRequest),
    Live(Vec<(LonLat, Mode)>),
}

/// The next piece of work, most urgent first (dispatch, the edited patrol, a unit's assigned
/// patrol, patrol plans, rings and coverage, live coverage), waiting for one; `None` when the mailbox is gone.
fn next_work(mailbox: &Mailbox) -> Option<Work> {
    let Ok(mut slot) = mailbox.request.lock() else {
        return None;
    };
    loop {
        if let Some(r) = slot.dispatch.take() {
            return Some(Work::Dispatch(r));
        }
        if let Some(r) = slot.patrol.take() {
            return Some(Work::Patrol(r));
        }
        if let Some((key, route)) = slot.assigned.take() {
            return Some(Work::Assigned(key, route));
        }
        if let Some(r) = slot.auto.take() {
            return Some(Work::Auto(r));
        }
        if let Some(r) = slot.plan.take() {
            return Some(Work::Plan(r));
        }
        if let Some(units) = slot.live.take() {
            return Some(Work::Live(units));
        }
        slot = mailbox.wake.wait(slot).ok()?;
    }
}

fn worker(
    osm: &OsmData,
    graph: &RoadGraph,
    beats: Vec<Beat>,
    mailbox: &Mailbox,
    latest: &AtomicU64,
    tx: &Sender<PlannerEvent>,
    repaint: &dyn Fn(),
) {
    let t = Instant::now();
    let layers = OpLayers {
        beats,
        ..OpLayers::default()
    };
    let index = LayerIndex::new(&layers, osm.bounds.center());
    let addresses: Vec<LonLat> = osm.addresses.iter().map(|a| a.pos).collect();
    let mut setups: Vec<(Mode, CoverageSetup)> = Vec::new();
    let mut ws = Workspace::new(graph);
    let mut dispatcher = DispatchWorker::new(graph);
    let mut patroller: Option<PatrolWorker> = None;
    let mut candidates: Vec<(Mode, Vec<u32>)> = Vec::new();
    let mut auto_planner = super::patrol_plan::AutoPlanner::default();
    let make_setup = |mode: Mode| {
        CoverageSetup::new(
            graph,
            mode,
            Some((&index, layers.beats.len())),
            &addresses,
            &[],
        )
    };
    if tx
        .send(PlannerEvent::Ready {
            nodes: graph.node_count(),
            build_ms: t.elapsed().as_secs_f64() * 1e3,
        })
        .is_err()
    {
        return;
    }
    repaint();
    loop {
        let Some(request) = next_work(mailbox) else {
            return;
        };
        let mut plan_work: Option<PlanRequest> = None;
        let event = match request {
            Work::Plan(r) => {
                plan_work = Some(r);
                None
            }
            Work::Live(units) => {
                let t = Instant::now();
                for mode in Mode::ALL {
                    if !setups.iter().any(|(m, _)| *m == mode) {
                        setups.push((mode, make_setup(mode)));
                    }
                }
                let all: Vec<&CoverageSetup> = setups.iter().map(|(_, s)| s).collect();
                live_coverage(graph, &mut ws, &all, &units, &[60.0, 180.0])
                    .ok()
                    .map(|live| {
                        let ms = t.elapsed().as_secs_f64() * 1e3;
                        PlannerEvent::LiveCoverage(Box::new(live), ms)
                    })
            }
            Work::Patrol(r) => {
                let p = patroller.get_or_insert_with(|| PatrolWorker::new(graph, &index));
                Some(PlannerEvent::Patrol(Box::new(p.handle(graph, r))))
            }
            Work::Assigned(key, route) => {
                let p = patroller.get_or_insert_with(|| PatrolWorker::new(graph, &index));
                let laid = p.lay(graph, &route);
                Some(PlannerEvent::Assigned(Box::new((key, laid))))
            }
            Work::Auto(r) => Some(PlannerEvent::AutoPlanned(Box::new(
                auto_planner.handle(graph, r),
            ))),
            Work::Dispatch(r) => {
                let out = dispatcher.handle(graph, &make_setup, &mut setups, r);
                Some(PlannerEvent::Dispatch(Box::new(out)))
            }
        };
        if let Some(event) = event {
            if tx.send(event).is_err() {
                return;
            }
            repaint();
        }
        let Some(request) = plan_work else {
            continue;
        };
        let t = Instant::now();
        let mode = request.mode;
        let rings = rings_view(graph, &mut ws, &request);
        let stale = || latest.load(Ordering::SeqCst) != request.id;
        if stale() {
            continue;
        }
        let wanted = request.coverage_posts.is_some() || request.suggest > 0;
        if wanted && !setups.iter().any(|(m, _)| *m == mode) {
            setups.push((mode, make_setup(mode)));
        }
        let setup = setups.iter().find(|(m, _)| *m == mode).map(|(_, s)| s);
        let coverage = request
            .coverage_posts
            .as_ref()
            .zip(setup)
            .map(|(posts, setup)| coverage_view(graph, &mut ws, setup, &request, posts));
        let suggested = setup
            .filter(|_| request.suggest > 0 && !stale())
            .map(|setup| suggest(graph, setup, &mut candidates, &request));
        let output = PlanOutput {
            id: request.id,
            mode,
            rings,
            coverage,
            suggested,
            compute_ms: t.elapsed().as_secs_f64() * 1e3,
        };
        if tx.send(PlannerEvent::Output(Box::new(output))).is_err() {
            return;
        }
        repaint();
    }
}

/// `request.suggest` new posts by maximal covering at [`SUGGEST_LIMIT`], the request's posts
/// fixed, among the junctions (kept per mode in `candidates`).
fn suggest(
    graph: &RoadGraph,
    setup: &CoverageSetup,
    candidates: &mut Vec<(Mode, Vec<u32>)>,
    request: &PlanRequest,
) -> SuggestView {
    let t = Instant::now();
    let mode = request.mode;
    if !candidates.iter().any(|(m, _)| *m == mode) {
        candidates.push((mode, mclp::intersections(graph, mode)));
    }
    let candidates = candidates
        .iter()
        .find(|(m, _)| *m == mode)
        .map_or(&[][..], |(_, c)| &c[..]);
    let posts = request.coverage_posts.as_deref().unwrap_or(&[]);
    let (fixed, _) = snap_all(graph, request.mode, request.turnout_s, posts);
    let demand: Vec<_> = setup.demand_points().collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut inst = mclp::build(
        graph,
        request.mode,
        LIMITS_S[SUGGEST_LIMIT],
        request.turnout_s,
        candidates,
        &demand,
        &fixed,
        threads,
    );
    let sol = mclp::solve(&mut inst, request.suggest);
    // Listed greedily: each the one adding most to those listed before it.
    let mut left = sol.chosen.clone();
    let mut listed: Vec<usize> = Vec::with_capacity(left.len());
    let mut sites = Vec::with_capacity(left.len());
    let mut so_far = 0.0;
    while !left.is_empty() {
        let mut best = (0, f64::NEG_INFINITY);
        for (i, &c) in left.iter().enumerate() {
            listed.push(c);
            let covered = mclp::covered_by(&mut inst, &listed);
            listed.pop();
            if covered > best.1 {
                best = (i, covered);
            }
        }
        let c = left.remove(best.0);
        listed.push(c);
        sites.push((graph.nodes[inst.candidates[c] as usize], best.1 - so_far));
        so_far = best.1;
    }
    let total = inst.total.max(1e-9);
    SuggestView {
        sites,
        before: inst.fixed_covered / total,
        after: (inst.fixed_covered + so_far) / total,
        compute_ms: t.elapsed().as_secs_f64() * 1e3,
    }
}

fn snap_all(
    graph: &RoadGraph,
    mode: Mode,
    turnout_s: f32,
    points: &[(String, LonLat)],
) -> (Vec<Origin>, Vec<Skipped>) {
    let mut origins = Vec::new();
    let mut skipped = Vec::new();
    for (name, p) in points {
        match graph.snap(*p, mode, MAX_SNAP_M) {
            Ok(snap) => origins.push(Origin {
                snap,
                delay_s: turnout_s,
            }),
            Err(error) => skipped.push(Skipped {
                name: name.clone(),
                error,
            }),
        }
    }
    (origins, skipped)
}

fn rings_view(
    graph: &RoadGraph,
    ws: &mut Workspace,
    r: &PlanRequest,
) -> Result<RingsView, PlanError> {
    let (origins, skipped) = snap_all(graph, r.ring_mode, r.turnout_s, &r.ring_origins);
    if origins.is_empty() {
        return Err(PlanError::NotPlaced(skipped));
    }
    let rings = rings(graph, ws, r.ring_mode, r.direction, &origins, &LIMITS_S)
        .map_err(|e| PlanError::Failed(e.to_string()))?;
    let raster = &rings.raster;
    let corner = |i: usize, j: usize| graph.proj.to_lonlat(raster.corner_m(i as f64, j as f64));
    let runs = raster
        .runs()
        .into_iter()
        .map(|(j, i0, i1, band)| (corner(i0, j), corner(i1, j + 1), band))
        .collect();
    Ok(RingsView {
        runs,
        km: rings
            .reaches
            .iter()
            .map(|x| x.length_m(graph) / 1000.0)
            .collect(),
        polygons: rings.polygons,
        skipped,
    })
}

fn coverage_view(
    graph: &RoadGraph,
    ws: &mut Workspace,
    setup: &CoverageSetup,
    r: &PlanRequest,
    posts: &[(String, LonLat)],
) -> Result<CoverageView, String> {
    let (origins, skipped) = snap_all(graph, r.mode, r.turnout_s, posts);
    if origins.is_empty() {
        return Err(if skipped.is_empty() {
            "no posts".to_owned()
        } else {
            let names: Vec<&str> = skipped.iter().map(|s| s.name.as_str()).collect();
            format!("no post on the network: {}", names.join(", "))
        });
    }
    let cov = coverage(graph, ws, setup, &origins, &LIMITS_S).map_err(|e| e.to_string())?;
    let gap_limit = r.gap_limit.min(LIMITS_S.len() - 1);
    let (gaps, gap_km) = piece_lines(graph, &gaps(graph, r.mode, &cov.reaches[gap_limit]));
    Ok(CoverageView {
        city: cov.city,
        beats: cov.beats,
        gap_limit,
        gaps,
        gap_km,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_answers_the_latest_request_with_rings_and_coverage() {
        let city = crate::city::load_osm(&crate::city::demo_osm_path()).unwrap();
        let layers = crate::ops::load_dir(&crate::city::demo_osm_path().with_file_name("")).0;
        // (a unit test of the worker itself: one parse of the demo city)
        let (beats, posts) = (layers.beats.clone(), layers.posts.clone());
        let mut planner = Planner::start(Arc::new(city), beats, Speeds::default(), || {});
        let ready = planner.events.recv().unwrap();
        assert!(matches!(ready, PlannerEvent::Ready { nodes, .. } if nodes > 30_000));
        let post_points: Vec<(String, LonLat)> =
            posts.iter().map(|p| (p.id.to_string(), p.pos)).collect();
        let request = |ring: Vec<(String, LonLat)>| PlanRequest {
            id: 0,
            mode: Mode::Car,
            turnout_s: 0.0,
            direction: Direction::Forward,
            ring_origins: ring,
            ring_mode: Mode::Car,
            coverage_posts: Some(post_points.clone()),
            gap_limit: 1,
            suggest: 0,
        };
        // A request in the lake (the Tollensesee): a clear error, not an empty ring.
        let lake = planner.request(request(vec![("lake".into(), LonLat::new(13.2145, 53.5))]));
        let out = loop {
            match planner.events.recv().unwrap() {
                PlannerEvent::Output(o) if o.id == lake => break o,
                _ => {}
            }
        };
        let Err(PlanError::NotPlaced(skipped)) = out.rings else {
            panic!("the lake is not on the network")
        };
        assert_eq!(skipped[0].name, "lake");
        assert!(
            skipped[0]
                .error
                .to_string()
                .contains("no car road within 300 m"),
            "{:?}",
            skipped[0].error
        );
        // Worded in the UI's language.
        let zh = crate::panels::planning::skipped_text(crate::ui::i18n::Lang::Zh, &skipped[0]);
        assert_eq!(
            zh, "无法放到路网上 — lake：300 米内没有警车可走的道路（湖泊、田野或林地？）",
            "{zh}"
        );
        let en = crate::panels::planning::skipped_text(crate::ui::i18n::Lang::En, &skipped[0]);
        assert!(en.contains("no road for Patrol car within 300 m"), "{en}");
        // Two requests at once: the newer one is answered (the older may be dropped).
        planner.request(request(vec![("lake".into(), LonLat::new(13.2145, 53.5))]));
        let good = planner.request(request(vec![(posts[0].id.to_string(), posts[0].pos)]));
        let out = loop {
            match planner.events.recv().unwrap() {
                PlannerEvent::Output(o) if o.id == good => break o,
                _ => {}
            }
        };
        let rings = out.rings.as_ref().unwrap();
        assert_eq!(rings.polygons.len(), 3);
        assert!(
            rings.km[0] < rings.km[1] && rings.km[1] < rings.km[2],
            "{:?}",
            rings.km
        );
        assert!(rings.runs.iter().any(|r| r.2 == 1));
        let cov = out.coverage.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(cov.beats.len(), layers.beats.len());
        assert!(cov.city.addresses > 10_000);
        assert!(!cov.gaps.is_empty() && cov.gap_km > 0.0);
        // One post (the cut-off checkpoint) cannot be placed and says so.
        assert_eq!(cov.skipped.len(), 1, "{:?}", cov.skipped);
    }
}
