//! The simulator: patrol units moving along real roads at their mode's speed, calls at real
//! address points with an hour-dependent category mix and hot areas, dispatched units driving
//! the fastest path, staying on scene and clearing.
//!
//! It is an ordinary producer: every step returns the commands a real city's devices and
//! call-takers would send (`sign_on`, `report_position`, `create_incident`, `set_unit_status`,
//! `set_incident_status`, and `dispatch` for the demo's neighbouring desk), and the hub runs
//! them through the same rules as anyone else's. Deterministic for a seed and a sequence of
//! step times.

pub mod fast;
pub mod remote;

use onemap_core::coord::{LonLat, haversine_m};
use onemap_core::feed::lifecycle::{
    CreateIncident, Dispatch, ReportPosition, SetIncidentStatus, SetUnitStatus, SignOn,
};
use onemap_core::feed::{
    Category, Command, FeedState, IncidentId, IncidentStatus, Note, Position, Unit, UnitId,
    UnitKind, UnitStatus,
};
use onemap_core::osm::OsmData;
use onemap_core::routing::{MAX_SNAP_M, Mode, RoadGraph, Search, Speeds, edge_time, shortest_path};
use onemap_core::spatial::{LocalProjection, bearing_deg};

#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    pub units: usize,
    pub incidents_per_hour: f64,
    pub report_interval_ms: i64,
    /// Dispatch the nearest available unit to an incident left unassigned this long (ms);
    /// `None`: only commanders dispatch.
    pub auto_dispatch_after_ms: Option<i64>,
    /// Time on scene, ms (from..to).
    pub on_scene_ms: (i64, i64),
    /// Incidents a fresh log starts with (reported in the last 15 minutes).
    pub initial_incidents: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            units: 40,
            incidents_per_hour: 120.0,
            report_interval_ms: 1000,
            auto_dispatch_after_ms: Some(20_000),
            on_scene_ms: (120_000, 420_000),
            initial_incidents: 6,
        }
    }
}

/// What the simulator needs of the city.
pub struct World {
    /// Shared with whoever else routes on the city (the console's planner and dispatcher).
    pub graph: std::sync::Arc<RoadGraph>,
    pub addresses: Vec<(LonLat, String)>,
}

impl World {
    pub fn from_osm(osm: &OsmData) -> World {
        Self::new(
            std::sync::Arc::new(RoadGraph::build(osm, &Speeds::default())),
            osm,
        )
    }

    /// The world on an existing graph of `osm`'s roads at the default speeds.
    pub fn new(graph: std::sync::Arc<RoadGraph>, osm: &OsmData) -> World {
        World {
            graph,
            addresses: osm.addresses.iter().map(|a| (a.pos, a.label())).collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Task {
    Patrol,
    Responding(IncidentId),
    OnScene {
        incident: IncidentId,
        until_ms: i64,
    },
    /// A move-up: drive to the post and stand by there.
    Standby(String),
    /// A patrol: drive to its next stop (`(route, lap, stop)`) and stay there until the server
    /// moves the patrol on; `at` is the stop's place on the road, where the unit stops.
    Patrolling {
        stop: (String, u32, usize),
        at: LonLat,
    },
}

#[derive(Clone, Debug)]
struct SimUnit {
    id: UnitId,
    mode: Mode,
    path: Vec<u32>,
    leg: usize,
    along_s: f32,
    task: Task,
    last_report_ms: i64,
}

pub struct Sim {
    cfg: SimConfig,
    world: World,
    rng: u64,
    units: Vec<SimUnit>,
    clock_ms: i64,
    /// Address indices near each hot area.
    hot: Vec<Vec<usize>>,
    main_nodes: [Vec<u32>; 4],
    /// Reused for every unit's path (sized to the graph once).
    search: Search,
    /// Whether a commander is on duty (signed in): the demo's own desk then stands back.
    staffed: bool,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const KINDS: [UnitKind; 5] = [
    UnitKind::PatrolCar,
    UnitKind::PatrolCar,
    UnitKind::Motorbike,
    UnitKind::FootPatrol,
    UnitKind::EbikeVolunteer,
];

fn call_sign(kind: UnitKind, n: usize) -> String {
    match kind {
        UnitKind::PatrolCar => format!("巡{n:02}"),
        UnitKind::Motorbike => format!("摩{n:02}"),
        UnitKind::FootPatrol => format!("步{n:02}"),
        UnitKind::EbikeVolunteer => format!("志{n:02}"),
        UnitKind::Drone => format!("机{n:02}"),
    }
}

impl Sim {
    /// A simulator for `world`, continuing `state` (units already in it keep their ids and
    /// places) at `now_ms`. Returns the commands that sign on missing units and, for a fresh
    /// city, a few calls from the last quarter hour.
    pub fn new(
        cfg: SimConfig,
        world: World,
        state: &FeedState,
        now_ms: i64,
    ) -> (Sim, Vec<Command>) {
        let main_nodes = Mode::ALL.map(|m| {
            (0..world.graph.node_count() as u32)
                .filter(|&v| world.graph.in_main(m, v))
                .collect::<Vec<u32>>()
        });
        let mut rng = cfg.seed ^ 0x5eed;
        let mut hot = Vec::new();
        if !world.addresses.is_empty() {
            for _ in 0..3 {
                let centre =
                    world.addresses[(splitmix(&mut rng) % world.addresses.len() as u64) as usize].0;
                hot.push(
                    (0..world.addresses.len())
                        .filter(|&i| haversine_m(world.addresses[i].0, centre) < 800.0)
                        .collect(),
                );
            }
        }
        let search = Search::with_parents(&world.graph);
        let mut sim = Sim {
            cfg,
            search,
            staffed: false,
            world,
            rng,
            units: Vec::new(),
            clock_ms: now_ms,
            hot,
            main_nodes,
        };
        let mut out = Vec::new();
        for i in 0..sim.cfg.units {
            let kind = KINDS[i % KINDS.len()];
            let id = UnitId(format!("U-{:03}", i + 1));
            let mode = kind.travel_mode();
            if sim.main_nodes[mode.index()].is_empty() {
                continue;
            }
            let known = state.units.get(&id);
            let start = match known {
                Some(u) => sim.node_near(u.position.lonlat(), mode),
                None => sim.random_node(mode),
            };
            if known.is_none() {
                out.push(Command::SignOn(SignOn {
                    unit_id: id.clone(),
                    call_sign: call_sign(kind, i + 1),
                    kind,
                    position: sim.world.graph.nodes[start as usize].into(),
                    fix_at_ms: None,
                    stale_at_ms: None,
                }));
            }
            sim.units.push(SimUnit {
                id,
                mode,
                path: vec![start],
                leg: 0,
                along_s: 0.0,
                task: Task::Patrol,
                last_report_ms: now_ms - i as i64 * 37 % sim.cfg.report_interval_ms.max(1),
            });
        }
        // A fresh city starts with a few calls already in the last quarter hour.
        if state.incidents.is_empty() && state.incident_counter == 0 {
            for _ in 0..sim.cfg.initial_incidents {
                let ago = (sim.rand() % 900_000) as i64;
                out.extend(sim.new_call(now_ms - ago).map(Command::CreateIncident));
            }
        }
        (sim, out)
    }

    fn rand(&mut self) -> u64 {
        splitmix(&mut self.rng)
    }

    fn unit_f(&mut self) -> f64 {
        (self.rand() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn random_node(&mut self, mode: Mode) -> u32 {
        let nodes = &self.main_nodes[mode.index()];
        let i = (splitmix(&mut self.rng) % nodes.len().max(1) as u64) as usize;
        nodes.get(i).copied().unwrap_or(0)
    }

    fn node_near(&mut self, p: LonLat, mode: Mode) -> u32 {
        match self.world.graph.snap(p, mode, MAX_SNAP_M) {
            Ok(s) => self.world.graph.segments[s.seg as usize].a,
            Err(_) => self.random_node(mode),
        }
    }

    /// A patrol destination: anywhere for vehicles, within 1.5 km for foot and bicycles.
    fn patrol_target(&mut self, mode: Mode, from: u32) -> u32 {
        let here = self.world.graph.nodes[from as usize];
        for _ in 0..40 {
            let n = self.random_node(mode);
            let far = haversine_m(here, self.world.graph.nodes[n as usize]);
            let limit = if matches!(mode, Mode::Foot | Mode::EBike) {
                1500.0
            } else {
                6000.0
            };
            if n != from && far < limit {
                return n;
            }
        }
        self.random_node(mode)
    }

    fn position_of(&self, u: &SimUnit) -> (LonLat, f64, f64) {
        let g = &self.world.graph;
        let a = u.path[u.leg];
        let Some(&b) = u.path.get(u.leg + 1) else {
            // At a patrol stop: on the road beside it, where the driver pulls in.
            if let Task::Patrolling { at, .. } = u.task {
                return (at, 0.0, 0.0);
            }
            return (g.nodes[a as usize], 0.0, 0.0);
        };
        let t = edge_time(g, u.mode, a, b).unwrap_or(1.0).max(1e-3);
        let f = f64::from((u.along_s / t).clamp(0.0, 1.0));
        let (pa, pb) = (g.nodes[a as usize], g.nodes[b as usize]);
        let p = LonLat::new(
            pa.lon + (pb.lon - pa.lon) * f,
            pa.lat + (pb.lat - pa.lat) * f,
        );
        let proj = LocalProjection::new(pa);
        let heading = bearing_deg(proj.to_m(pa), proj.to_m(pb));
        let kmh = haversine_m(pa, pb) / f64::from(t) * 3.6;
        (p, heading, kmh)
    }

    fn category_for(&mut self, day: bool) -> Category {
        use Category::*;
        let mix: [(Category, u32); 9] = if day {
            [
                (Theft, 25),
                (TrafficAccident, 20),
                (Dispute, 10),
                (Medical, 15),
                (Suspicious, 10),
                (Assault, 5),
                (Robbery, 3),
                (Fire, 4),
                (Other, 8),
            ]
        } else {
            [
                (Assault, 15),
                (Dispute, 20),
                (Theft, 10),
                (Suspicious, 15),
                (TrafficAccident, 10),
                (Medical, 12),
                (Robbery, 6),
                (Fire, 4),
                (Other, 8),
            ]
        };
        let total: u32 = mix.iter().map(|m| m.1).sum();
        let mut pick = (self.rand() % u64::from(total)) as u32;
        for (c, w) in mix {
            if pick < w {
                return c;
            }
            pick -= w;
        }
        Other
    }

    /// A call at a real address: hot areas more often, by time of day.
    fn new_call(&mut self, at_ms: i64) -> Option<CreateIncident> {
        if self.world.addresses.is_empty() {
            return None;
        }
        let hour = (at_ms / 3_600_000).rem_euclid(24);
        let day = (7..19).contains(&hour);
        let addr = if !self.hot.is_empty() && self.unit_f() < 0.6 {
            let h = if day {
                1 + (self.rand() % 2) as usize
            } else {
                0
            };
            let r = self.rand();
            let list = &self.hot[h.min(self.hot.len() - 1)];
            if list.is_empty() {
                (r % self.world.addresses.len() as u64) as usize
            } else {
                list[(r % list.len() as u64) as usize]
            }
        } else {
            (self.rand() % self.world.addresses.len() as u64) as usize
        };
        let category = self.category_for(day);
        use Category::*;
        let priority = match category {
            Robbery | Assault | Fire => 1,
            Medical | TrafficAccident => 2,
            Dispute | Suspicious => 3,
            Theft | Other => 3 + (self.rand() % 2) as u8,
        };
        let (pos, address) = self.world.addresses[addr].clone();
        // Synthetic callback numbers (a mobile-number shape, random digits), so that the
        // redaction for walls and viewers is exercised; a private note on some calls too.
        let callback = format!("1{}{:09}", 3 + self.rand() % 7, self.rand() % 1_000_000_000);
        let notes = if self.rand().is_multiple_of(4) {
            vec![Note::new("caller asks not to be named", true)]
        } else {
            Vec::new()
        };
        Some(CreateIncident {
            category,
            priority,
            location: pos.into(),
            address,
            reported_at_ms: Some(at_ms),
            callback: Some(callback),
            notes,
        })
    }

    /// Send unit `k` along the fastest path to the road nearest `to`, for `task`.
    fn drive_to(&mut self, k: usize, to: LonLat, task: Task) {
        let mode = self.units[k].mode;
        let here = self.units[k].path[self.units[k].leg];
        let target = self
            .world
            .graph
            .snap(to, mode, MAX_SNAP_M)
            .map(|s| self.world.graph.segments[s.seg as usize].b)
            .unwrap_or(here);
        let path = shortest_path(&self.world.graph, &mut self.search, mode, here, target)
            .map(|(p, _)| p)
            .unwrap_or_else(|| vec![here]);
        let u = &mut self.units[k];
        u.path = path;
        u.leg = 0;
        u.along_s = 0.0;
        u.task = task;
    }

    fn stay_ms(&mut self) -> i64 {
        let (lo, hi) = self.cfg.on_scene_ms;
        lo + (self.rand() % (hi - lo).max(1) as u64) as i64
    }

    /// Advance to `now_ms` given the current authoritative `state`; the commands to send.
    pub fn step(&mut self, now_ms: i64, state: &FeedState) -> Vec<Command> {
        let dt_ms = (now_ms - self.clock_ms).max(0);
        self.clock_ms = now_ms;
        let mut out = Vec::new();
        self.arrivals(now_ms, dt_ms, &mut out);
        self.auto_dispatch(now_ms, state, &mut out);
        for k in 0..self.units.len() {
            let Some(unit) = state.units.get(&self.units[k].id) else {
                continue;
            };
            self.follow_state(k, unit, state, now_ms, &mut out);
            if let Task::OnScene { incident, until_ms } = self.units[k].task.clone() {
                if now_ms >= until_ms {
                    out.push(Command::SetIncidentStatus(SetIncidentStatus {
                        incident_id: incident,
                        status: IncidentStatus::Cleared,
                    }));
                    self.units[k].task = Task::Patrol;
                }
                continue;
            }
            let at_end = self.drive(k, unit, dt_ms, now_ms, &mut out);
            self.report(k, now_ms, at_end, &mut out);
        }
        out
    }

    /// New calls: Poisson arrivals.
    fn arrivals(&mut self, now_ms: i64, dt_ms: i64, out: &mut Vec<Command>) {
        let expected = self.cfg.incidents_per_hour * dt_ms as f64 / 3_600_000.0;
        let mut arrivals = 0;
        let mut p = self.unit_f();
        let threshold = (-expected).exp();
        while p > threshold && arrivals < 20 {
            arrivals += 1;
            p *= self.unit_f();
        }
        for _ in 0..arrivals {
            out.extend(self.new_call(now_ms).map(Command::CreateIncident));
        }
    }

    /// Whether a commander is signed in; while one is, the simulator dispatches nothing.
    pub fn set_staffed(&mut self, staffed: bool) {
        self.staffed = staffed;
    }

    /// The demo's neighbouring desk: incidents left waiting get the nearest available unit,
    /// only while no commander is signed in (the commander's queue is theirs to work).
    fn auto_dispatch(&mut self, now_ms: i64, state: &FeedState, out: &mut Vec<Command>) {
        let Some(after) = self.cfg.auto_dispatch_after_ms.filter(|_| !self.staffed) else {
            return;
        };
        let mut taken: Vec<&UnitId> = Vec::new();
        for inc in state.incidents.values() {
            if inc.status != IncidentStatus::New || now_ms - inc.reported_at_ms < after {
                continue;
            }
            let at = inc.location.lonlat();
            let best = state
                .units
                .values()
                .filter(|u| u.status == UnitStatus::Available && !taken.contains(&&u.id))
                .min_by(|a, b| {
                    haversine_m(a.position.lonlat(), at)
                        .total_cmp(&haversine_m(b.position.lonlat(), at))
                });
            if let Some(u) = best {
                taken.push(&u.id);
                out.push(Command::Dispatch(Dispatch {
                    incident_id: inc.id.clone(),
                    unit_id: u.id.clone(),
                    rank: None,
                }));
            }
        }
    }

    /// Do what the authoritative state says this unit is doing (a dispatch from a commander,
    /// a cancelled call, a move-up, or a response under way when the server restarted).
    fn follow_state(
        &mut self,
        k: usize,
        unit: &Unit,
        state: &FeedState,
        now_ms: i64,
        out: &mut Vec<Command>,
    ) {
        let working = || {
            unit.incident_id
                .as_ref()
                .and_then(|id| state.incidents.get(id))
                .filter(|i| i.status.is_open())
        };
        if unit.status == UnitStatus::OnScene
            && !matches!(self.units[k].task, Task::OnScene { .. })
            && let Some(inc) = working()
        {
            let stay = self.stay_ms();
            self.units[k].task = Task::OnScene {
                incident: inc.id.clone(),
                until_ms: now_ms + stay / 2,
            };
        }
        if matches!(unit.status, UnitStatus::Dispatched | UnitStatus::EnRoute)
            && !matches!(self.units[k].task, Task::Responding(_))
            && let Some(inc) = working()
        {
            self.drive_to(k, inc.location.lonlat(), Task::Responding(inc.id.clone()));
            if unit.status == UnitStatus::Dispatched {
                out.push(Command::SetUnitStatus(SetUnitStatus {
                    unit_id: unit.id.clone(),
                    status: UnitStatus::EnRoute,
                }));
            }
        }
        // The incident went away (cancelled, cleared elsewhere, the unit stood down).
        if let Task::Responding(inc) | Task::OnScene { incident: inc, .. } = &self.units[k].task
            && (unit.incident_id.as_ref() != Some(inc)
                || !state.incidents.get(inc).is_some_and(|i| i.status.is_open()))
        {
            self.units[k].task = Task::Patrol;
        }
        // A move-up: drive to the post, then wait there; anything else ends it.
        if unit.status == UnitStatus::Available
            && let Some(post) = &unit.posted
            && self.units[k].task != Task::Standby(post.post.clone())
        {
            self.drive_to(k, post.position.lonlat(), Task::Standby(post.post.clone()));
        }
        if matches!(self.units[k].task, Task::Standby(_))
            && (unit.posted.is_none() || unit.status != UnitStatus::Available)
        {
            self.units[k].task = Task::Patrol;
        }
        // A patrol: make for its next stop; stay there until the server moves it on.
        let patrol = unit
            .patrol
            .as_ref()
            .filter(|p| unit.status == UnitStatus::Available && unit.posted.is_none() && !p.done());
        match (patrol, &self.units[k].task) {
            (Some(p), task) => {
                let stop = (p.plan.route_id.clone(), p.laps, p.next);
                let same = matches!(task, Task::Patrolling { stop: s, .. } if *s == stop);
                if !same {
                    let at = p.plan.stops[p.next].at.lonlat();
                    self.drive_to(k, at, Task::Patrolling { stop, at });
                }
            }
            (None, Task::Patrolling { .. }) => self.units[k].task = Task::Patrol,
            (None, _) => {}
        }
    }

    /// Move unit `k` along its path for `dt_ms`; at the end of it, arrive or pick the next
    /// patrol leg. Returns whether it stands at the end of its path.
    fn drive(
        &mut self,
        k: usize,
        unit: &Unit,
        dt_ms: i64,
        now_ms: i64,
        out: &mut Vec<Command>,
    ) -> bool {
        let mode = self.units[k].mode;
        let mut left = dt_ms as f32 / 1000.0;
        loop {
            let u = &self.units[k];
            let Some(&b) = u.path.get(u.leg + 1) else {
                break;
            };
            let t = edge_time(&self.world.graph, mode, u.path[u.leg], b).unwrap_or(1.0);
            let u = &mut self.units[k];
            if u.along_s + left < t {
                u.along_s += left;
                break;
            }
            left -= t - u.along_s;
            u.along_s = 0.0;
            u.leg += 1;
        }
        let at_end = self.units[k].leg + 1 >= self.units[k].path.len();
        if at_end {
            match self.units[k].task.clone() {
                Task::Responding(incident) => {
                    let stay = self.stay_ms();
                    self.units[k].task = Task::OnScene {
                        incident,
                        until_ms: now_ms + stay,
                    };
                    out.push(Command::SetUnitStatus(SetUnitStatus {
                        unit_id: unit.id.clone(),
                        status: UnitStatus::OnScene,
                    }));
                }
                Task::Patrol if unit.status == UnitStatus::Available => {
                    let here = *self.units[k].path.last().unwrap_or(&0);
                    let target = self.patrol_target(mode, here);
                    let found =
                        shortest_path(&self.world.graph, &mut self.search, mode, here, target);
                    if let Some((path, _)) = found {
                        let u = &mut self.units[k];
                        u.path = path;
                        u.leg = 0;
                        u.along_s = 0.0;
                    }
                }
                _ => {}
            }
        }
        at_end
    }

    fn report(&mut self, k: usize, now_ms: i64, at_end: bool, out: &mut Vec<Command>) {
        if now_ms - self.units[k].last_report_ms < self.cfg.report_interval_ms {
            return;
        }
        self.units[k].last_report_ms = now_ms;
        let (p, heading, kmh) = self.position_of(&self.units[k]);
        let moving = !matches!(self.units[k].task, Task::OnScene { .. }) && !at_end;
        out.push(Command::ReportPosition(ReportPosition {
            unit_id: self.units[k].id.clone(),
            position: Position::from(p),
            heading_deg: ((heading * 10.0).round() / 10.0).rem_euclid(360.0),
            speed_kmh: if moving {
                (kmh * 10.0).round() / 10.0
            } else {
                0.0
            },
            fix_at_ms: now_ms,
            stale_at_ms: None,
        }));
    }
}
