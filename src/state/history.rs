//! The console's view of the history (issue 15): replay, the selected unit's track, the heat
//! map and its hot spots, and the statistics panel's figures.
//!
//! Plain data and pure steps. [`HistoryState::wanted`] says which history queries the screen
//! needs now; the shell sends them and remembers what each request was for
//! ([`HistoryState::asked`]); [`HistoryState::take`] files each answer. Answers to an
//! outdated request (the user scrubbed on) are dropped by their generation.
//!
//! Replay holds its own [`FeedState`], built from the server's state at a moment plus the
//! logged events after it, applied as the replay clock passes their time. The events are
//! fetched a page at a time, only when fewer than [`LOW_WATER`] are left, so the buffer stays
//! bounded however long the replay runs.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use onemap_core::coord::{BBox, LonLat};
use onemap_core::feed::history::{FiguresAnswer, HistoryQuery, IncidentRecord, TrackPoint};
use onemap_core::feed::period::{CategorySeries, DAY_MS, Window};
use onemap_core::feed::wire::{Envelope, HistoryBody, ServerEvent};
use onemap_core::feed::{Category, FeedState, RequestId, UnitId};
use onemap_core::heat::{HeatGrid, HotSpot, hot_spots};
use onemap_core::spatial::LayerIndex;

use crate::model::AnalysisSettings;

/// Replay speeds offered (× real time).
pub const SPEEDS: [u32; 5] = [1, 5, 10, 30, 60];
/// Events asked for at once while replaying.
pub const PAGE: u32 = 2_000;
/// Fewer events than this left to apply: the next page is asked for.
pub const LOW_WATER: usize = 500;
/// A query not answered in this long is forgotten (and may be asked again).
pub const QUERY_TIMEOUT_MS: i64 = 30_000;
/// At most this many points of a track are kept.
pub const MAX_TRACK_POINTS: usize = 2_000;
/// The live heat map and statistics are refreshed this often.
pub const REFRESH_MS: i64 = 5 * 60_000;
/// Hot-spot squares, metres on a side.
pub const HOT_SPOT_CELL_M: f64 = 500.0;
/// Kernel bandwidth and grid step of the heat map, metres.
pub const BANDWIDTH_M: f64 = 400.0;
pub const HEAT_STEP_M: f64 = 60.0;

/// What a history request was for.
#[derive(Clone, Debug, PartialEq)]
pub enum Asked {
    ReplayState {
        generation: u64,
    },
    ReplayEvents {
        generation: u64,
        to_ms: i64,
    },
    Track {
        unit: UnitId,
        from_ms: i64,
        to_ms: i64,
    },
    Records {
        window: Window,
        previous: bool,
    },
    Figures {
        window: Window,
    },
    Today {
        window: Window,
    },
}

/// The moment replay shows, and how it moves.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    /// The moment shown, epoch ms.
    pub at_ms: i64,
    /// × real time; 0 = paused.
    pub speed: u32,
    pub playing: bool,
    /// How far back the timeline reaches from now, ms.
    pub span_ms: i64,
    /// The state at `at_ms`; `None` until the server's state arrives.
    pub feed: Option<FeedState>,
    /// Fetched events not yet applied, oldest first.
    pub buffer: VecDeque<Envelope>,
    /// Events after `at_ms` up to here have been fetched (or are being).
    pub fetched_to_ms: i64,
    /// Whether the last page said more events follow.
    pub more: bool,
    /// A seek bumps this; answers of older generations are dropped.
    pub generation: u64,
    /// A state or events query is on its way.
    pub loading: bool,
    /// Why the last query failed (shown on the timeline).
    pub failed: Option<String>,
    /// When the replay clock last moved (real ms).
    last_tick_ms: Option<i64>,
    /// The state to ask for (a seek not yet sent).
    want_state: bool,
}

impl Replay {
    pub fn at(at_ms: i64) -> Replay {
        Replay {
            at_ms,
            speed: 10,
            span_ms: DAY_MS,
            want_state: true,
            generation: 1,
            ..Replay::default()
        }
    }

    /// Go to another moment: forward within what is fetched, events are applied; otherwise
    /// the state at that moment is asked for.
    pub fn seek(&mut self, at_ms: i64) {
        let within = self.feed.is_some()
            && at_ms >= self.at_ms
            && (at_ms <= self.fetched_to_ms || self.buffer.back().is_some_and(|e| e.ts >= at_ms));
        self.at_ms = at_ms;
        if within {
            self.apply_due();
        } else {
            self.generation += 1;
            self.want_state = true;
            self.buffer.clear();
            self.loading = false;
        }
    }

    /// Move the replay clock by the real time passed (× speed), never past `now_ms`.
    pub fn tick(&mut self, now_ms: i64) {
        let last = self.last_tick_ms.replace(now_ms);
        if !self.playing || self.feed.is_none() {
            return;
        }
        let dt = now_ms - last.unwrap_or(now_ms);
        self.at_ms = (self.at_ms + dt * i64::from(self.speed)).min(now_ms);
        self.apply_due();
    }

    /// Apply the buffered events whose time has come.
    fn apply_due(&mut self) {
        let Some(feed) = &mut self.feed else {
            return;
        };
        while self.buffer.front().is_some_and(|e| e.ts <= self.at_ms) {
            if let Some(e) = self.buffer.pop_front() {
                feed.apply(&e);
            }
        }
    }

    /// The next query replay needs, if any.
    fn wanted(&mut self, now_ms: i64) -> Option<(Asked, HistoryQuery)> {
        if self.loading {
            return None;
        }
        let generation = self.generation;
        if self.want_state {
            self.want_state = false;
            self.loading = true;
            self.feed = None;
            return Some((
                Asked::ReplayState { generation },
                HistoryQuery::StateAt { at_ms: self.at_ms },
            ));
        }
        let feed = self.feed.as_ref()?;
        let low = self.buffer.len() < LOW_WATER;
        // Fetched all there was up to some time: ask again once the replay nears it.
        let caught_up = !self.more && self.fetched_to_ms >= now_ms - 1_000;
        if !low || caught_up || (!self.more && self.fetched_to_ms > self.at_ms + 60_000) {
            return None;
        }
        let after_seq = self.buffer.back().map_or(feed.last_seq, |e| e.seq);
        let to_ms = now_ms.max(self.at_ms + 1);
        self.loading = true;
        Some((
            Asked::ReplayEvents { generation, to_ms },
            HistoryQuery::Events {
                from_ms: self.at_ms.min(to_ms - 1),
                to_ms,
                after_seq,
                limit: PAGE,
            },
        ))
    }
}

/// The selected unit's breadcrumb trail.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackState {
    pub unit: UnitId,
    /// Oldest first; at most [`MAX_TRACK_POINTS`].
    pub points: VecDeque<TrackPoint>,
    /// The window fetched from the log.
    pub fetched: Option<(i64, i64)>,
    pub asked: bool,
}

impl TrackState {
    /// The points to draw at `at_ms`: the last `window_ms` before it.
    pub fn shown(&self, at_ms: i64, window_ms: i64) -> impl Iterator<Item = TrackPoint> + '_ {
        self.points
            .iter()
            .copied()
            .filter(move |p| p.0 <= at_ms && p.0 >= at_ms - window_ms)
    }

    /// A live fix of the unit (kept in time order; older than the newest is ignored).
    pub fn push_live(&mut self, p: TrackPoint, now_ms: i64, window_ms: i64) {
        if self.points.back().is_none_or(|last| p.0 > last.0) {
            self.points.push_back(p);
        }
        while self
            .points
            .front()
            .is_some_and(|f| f.0 < now_ms - window_ms)
            || self.points.len() > MAX_TRACK_POINTS
        {
            self.points.pop_front();
        }
    }
}

/// The incidents of the period, the heat map drawn from them, and the figures.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub settings: AnalysisSettings,
    pub window: Option<Window>,
    pub current: Option<Vec<IncidentRecord>>,
    pub previous: Option<Vec<IncidentRecord>>,
    /// Whether the server held back records (more than it answers at once).
    pub truncated: bool,
    /// Kept fresh whatever is on screen (the wall rotates to its heat map).
    pub keep_fresh: bool,
    /// The patrol editor scores routes against the period's hot spots: fetched while it is
    /// open.
    pub for_patrol: bool,
    pub figures: Option<Box<FiguresAnswer>>,
    pub grid: Option<Arc<HeatGrid>>,
    pub hot_by_count: Vec<HotSpot>,
    pub hot_by_rise: Vec<HotSpot>,
    /// Incidents per day and per hour by category.
    pub series: Option<CategorySeries>,
    /// `(beat index, count, count in the previous period)`, most first.
    pub by_beat: Vec<(usize, usize, usize)>,
    /// Bumped whenever the grid changes (the heat layer's texture cache).
    pub revision: u64,
    pub failed: Option<String>,
    /// When the window was last asked for (real ms).
    asked_at_ms: Option<i64>,
    pending: u8,
    pub stats_open: bool,
    /// The export's base path, while the field is shown; and the last export's outcome.
    pub export_path: Option<String>,
    pub exported: Option<(String, bool)>,
}

impl Analysis {
    /// The records of the period in the chosen categories.
    pub fn shown_records(&self) -> impl Iterator<Item = &IncidentRecord> {
        let cats = self.settings.categories;
        self.current
            .iter()
            .flatten()
            .filter(move |r| category_on(&cats, r.category))
    }

    /// Rebuild the heat map, the hot spots, the series and the counts by beat from the
    /// records (pure; a few ms for a month).
    pub fn rebuild(&mut self, bounds: &BBox, beats: &LayerIndex, utc_offset_min: i32) {
        let cats = self.settings.categories;
        let pick = |rs: &Option<Vec<IncidentRecord>>| -> Vec<LonLat> {
            rs.iter()
                .flatten()
                .filter(|r| category_on(&cats, r.category))
                .map(|r| r.location.lonlat())
                .collect()
        };
        let (now, before) = (pick(&self.current), pick(&self.previous));
        self.grid = Some(Arc::new(HeatGrid::kde(
            &now,
            bounds,
            HEAT_STEP_M,
            BANDWIDTH_M,
        )));
        let (by_count, by_rise) = hot_spots(&now, &before, bounds, HOT_SPOT_CELL_M, 10);
        self.hot_by_count = by_count;
        self.hot_by_rise = by_rise;
        self.series = self.window.map(|w| {
            CategorySeries::of(
                self.shown_records().map(|r| (r.reported_at_ms, r.category)),
                w,
                utc_offset_min,
            )
        });
        let mut beats_count: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for p in &now {
            if let Some(b) = beats.beat_at(*p) {
                beats_count.entry(b).or_default().0 += 1;
            }
        }
        for p in &before {
            if let Some(b) = beats.beat_at(*p) {
                beats_count.entry(b).or_default().1 += 1;
            }
        }
        let mut by_beat: Vec<_> = beats_count
            .into_iter()
            .map(|(b, (n, p))| (b, n, p))
            .collect();
        by_beat.sort_by_key(|&(b, n, _)| (std::cmp::Reverse(n), b));
        self.by_beat = by_beat;
        self.revision += 1;
    }

    fn needed(&self) -> bool {
        self.settings.heat_on || self.stats_open || self.keep_fresh || self.for_patrol
    }

    /// The queries for the period ending at `at_ms`, when it is not fetched yet, has moved
    /// on by more than an hour, or (live) is older than [`REFRESH_MS`].
    fn wanted(
        &mut self,
        at_ms: i64,
        now_ms: i64,
        utc_offset_min: i32,
    ) -> Vec<(Asked, HistoryQuery)> {
        if !self.needed() || self.pending > 0 {
            return Vec::new();
        }
        let len = i64::from(self.settings.days.max(1)) * DAY_MS;
        let fresh = self
            .window
            .is_some_and(|w| w.len_ms() == len && (w.to_ms - at_ms).abs() < 3_600_000)
            && self.asked_at_ms.is_some_and(|t| now_ms - t < REFRESH_MS);
        if fresh {
            return Vec::new();
        }
        let Some(window) = Window::new(at_ms - len, at_ms) else {
            return Vec::new();
        };
        self.asked_at_ms = Some(now_ms);
        self.window = Some(window);
        self.pending = 3;
        let records = |w: Window| HistoryQuery::Incidents {
            from_ms: w.from_ms,
            to_ms: w.to_ms,
            limit: onemap_core::feed::history::MAX_INCIDENTS_PAGE,
        };
        vec![
            (
                Asked::Records {
                    window,
                    previous: false,
                },
                records(window),
            ),
            (
                Asked::Records {
                    window,
                    previous: true,
                },
                records(window.previous()),
            ),
            (
                Asked::Figures { window },
                HistoryQuery::Figures {
                    from_ms: window.from_ms,
                    to_ms: window.to_ms,
                    utc_offset_min,
                },
            ),
        ]
    }

    /// Ask again at the next chance (settings changed).
    pub fn invalidate(&mut self) {
        self.asked_at_ms = None;
        self.window = None;
    }
}

pub fn category_on(cats: &[bool; 9], c: Category) -> bool {
    Category::ALL
        .iter()
        .position(|k| *k == c)
        .is_none_or(|i| cats[i])
}

/// Today's figures are asked for again this often.
pub const TODAY_EVERY_MS: i64 = 60_000;

/// Today's figures (the wall's cards): the window from local midnight to now beside the one
/// before it (环比) and a week and a year earlier (同比).
#[derive(Clone, Debug, Default)]
pub struct Today {
    /// Asked for at all (the wall sets it).
    pub on: bool,
    pub figures: Option<Box<FiguresAnswer>>,
    pub failed: Option<String>,
    asked_at_ms: Option<i64>,
    pending: bool,
}

/// Local midnight of the day of `t_ms`, epoch ms.
pub fn local_midnight(t_ms: i64, utc_offset_min: i32) -> i64 {
    let offset = i64::from(utc_offset_min) * 60_000;
    (t_ms + offset).div_euclid(DAY_MS) * DAY_MS - offset
}

impl Today {
    fn wanted(&mut self, now_ms: i64, utc_offset_min: i32) -> Option<(Asked, HistoryQuery)> {
        if !self.on || self.pending {
            return None;
        }
        if self.asked_at_ms.is_some_and(|t| {
            now_ms - t < TODAY_EVERY_MS
                && local_midnight(t, utc_offset_min) == local_midnight(now_ms, utc_offset_min)
        }) {
            return None;
        }
        let from_ms = local_midnight(now_ms, utc_offset_min);
        let window = Window::new(from_ms, now_ms.max(from_ms + 1))?;
        self.asked_at_ms = Some(now_ms);
        self.pending = true;
        Some((
            Asked::Today { window },
            HistoryQuery::Figures {
                from_ms: window.from_ms,
                to_ms: window.to_ms,
                utc_offset_min,
            },
        ))
    }
}

/// Everything the console holds of the history.
#[derive(Clone, Debug, Default)]
pub struct HistoryState {
    pub replay: Option<Replay>,
    pub track: Option<TrackState>,
    pub analysis: Analysis,
    pub today: Today,
    /// Requests on their way: what each was for, and when it was sent.
    pub asked: HashMap<RequestId, (Asked, i64)>,
}

impl HistoryState {
    pub fn replaying(&self) -> bool {
        self.replay.is_some()
    }

    /// The queries the screen needs now, for the unit `selected` (its track).
    pub fn wanted(
        &mut self,
        selected: Option<&UnitId>,
        now_ms: i64,
        track_window_ms: i64,
        utc_offset_min: i32,
    ) -> Vec<(Asked, HistoryQuery)> {
        // Forget what was never answered (a lost connection loses its answers).
        let mut lost = Vec::new();
        self.asked.retain(|_, (what, at)| {
            let keep = now_ms - *at < QUERY_TIMEOUT_MS;
            if !keep {
                lost.push(what.clone());
            }
            keep
        });
        for what in lost {
            self.unasked(&what);
        }
        let mut out = Vec::new();
        if let Some(r) = &mut self.replay {
            out.extend(r.wanted(now_ms));
        }
        let at_ms = self.shown_ms(now_ms);
        if let Some(q) = self.track_wanted(selected, at_ms, track_window_ms) {
            out.push(q);
        }
        out.extend(self.analysis.wanted(at_ms, now_ms, utc_offset_min));
        if self.replay.is_none() {
            out.extend(self.today.wanted(now_ms, utc_offset_min));
        }
        out
    }

    /// The moment the screen shows: the replay's, or now.
    pub fn shown_ms(&self, now_ms: i64) -> i64 {
        self.replay.as_ref().map_or(now_ms, |r| r.at_ms)
    }

    fn track_wanted(
        &mut self,
        selected: Option<&UnitId>,
        at_ms: i64,
        window_ms: i64,
    ) -> Option<(Asked, HistoryQuery)> {
        let Some(unit) = selected else {
            self.track = None;
            return None;
        };
        let replaying = self.replay.is_some();
        let track = match &mut self.track {
            Some(t) if &t.unit == unit => t,
            _ => self.track.insert(TrackState {
                unit: unit.clone(),
                ..TrackState::default()
            }),
        };
        if track.asked {
            return None;
        }
        // Live: the last window once, then live fixes. Replay: a window either side of the
        // moment, again when the moment leaves it.
        let covered = track.fetched.is_some_and(|(from, to)| {
            if replaying {
                at_ms - window_ms >= from && at_ms <= to
            } else {
                true
            }
        });
        if covered {
            return None;
        }
        let (from_ms, to_ms) = if replaying {
            (at_ms - window_ms, at_ms + window_ms)
        } else {
            (at_ms - window_ms, at_ms + 1)
        };
        track.asked = true;
        Some((
            Asked::Track {
                unit: unit.clone(),
                from_ms,
                to_ms,
            },
            HistoryQuery::Tracks {
                unit_id: Some(unit.clone()),
                from_ms,
                to_ms,
                max_points: MAX_TRACK_POINTS as u32,
            },
        ))
    }

    /// A request that will not be answered: whatever waited for it may ask again.
    pub fn unasked(&mut self, what: &Asked) {
        match what {
            Asked::ReplayState { generation } | Asked::ReplayEvents { generation, .. } => {
                if let Some(r) = &mut self.replay
                    && r.generation == *generation
                {
                    r.loading = false;
                    if r.feed.is_none() {
                        r.want_state = true;
                    }
                }
            }
            Asked::Track { unit, .. } => {
                if let Some(t) = &mut self.track
                    && &t.unit == unit
                {
                    t.asked = false;
                }
            }
            Asked::Records { .. } | Asked::Figures { .. } => {
                // Asked again at the next chance (a query that could not be sent).
                let a = &mut self.analysis;
                a.pending = a.pending.saturating_sub(1);
                a.asked_at_ms = None;
            }
            Asked::Today { .. } => {
                self.today.pending = false;
                self.today.asked_at_ms = None;
            }
        }
    }

    /// A query the server refused or could not answer: the reason goes where it is shown.
    fn failed(&mut self, what: &Asked, why: String) {
        match what {
            Asked::ReplayState { .. } | Asked::ReplayEvents { .. } => {
                if let Some(r) = &mut self.replay {
                    r.failed = Some(why);
                    r.loading = false;
                }
                return;
            }
            Asked::Records { .. } | Asked::Figures { .. } => {
                self.analysis.failed = Some(why);
            }
            Asked::Today { .. } => {
                // Asked again after the usual interval, not at once.
                self.today.failed = Some(why);
                self.today.pending = false;
                return;
            }
            Asked::Track { .. } => {}
        }
        self.unasked(what);
        if let Some(t) = &mut self.track {
            // A failed track is not asked again for this selection.
            t.asked = true;
        }
    }

    /// File one answer; whether the heat map needs rebuilding.
    pub fn take(&mut self, request_id: &RequestId, body: HistoryBody) -> bool {
        let Some((what, _)) = self.asked.remove(request_id) else {
            return false;
        };
        if let HistoryBody::Failed { code, message } = &body {
            self.failed(&what, format!("{code}: {message}"));
            return false;
        }
        match (what, body) {
            (Asked::ReplayState { generation }, HistoryBody::State(s)) => {
                if let Some(r) = &mut self.replay
                    && r.generation == generation
                {
                    let mut feed = FeedState::default();
                    feed.apply(&Envelope::new(
                        s.seq,
                        s.at_ms,
                        ServerEvent::Snapshot(s.state),
                    ));
                    r.feed = Some(feed);
                    r.buffer.clear();
                    r.fetched_to_ms = s.at_ms;
                    r.more = true;
                    r.loading = false;
                    r.failed = None;
                    r.apply_due();
                }
            }
            (Asked::ReplayEvents { generation, to_ms }, HistoryBody::Events { events, more }) => {
                if let Some(r) = &mut self.replay
                    && r.generation == generation
                {
                    r.more = more;
                    r.fetched_to_ms = if more {
                        events.last().map_or(r.fetched_to_ms, |e| e.ts)
                    } else {
                        to_ms
                    };
                    r.buffer.extend(events);
                    r.loading = false;
                    r.apply_due();
                }
            }
            (
                Asked::Track {
                    unit,
                    from_ms,
                    to_ms,
                },
                HistoryBody::Tracks { tracks },
            ) => {
                if let Some(t) = &mut self.track
                    && t.unit == unit
                {
                    let mut points: BTreeMap<i64, TrackPoint> =
                        t.points.iter().map(|p| (p.0, *p)).collect();
                    if self.replay.is_some() {
                        points.clear();
                    }
                    for tr in tracks.into_iter().filter(|tr| tr.unit_id == unit) {
                        points.extend(tr.points.into_iter().map(|p| (p.0, p)));
                    }
                    let skip = points.len().saturating_sub(MAX_TRACK_POINTS);
                    t.points = points.into_values().skip(skip).collect();
                    t.fetched = Some((from_ms, to_ms));
                    t.asked = false;
                }
            }
            (Asked::Records { window, previous }, HistoryBody::Incidents { incidents, more }) => {
                let a = &mut self.analysis;
                a.pending = a.pending.saturating_sub(1);
                if a.window == Some(window) {
                    a.truncated |= more;
                    if previous {
                        a.previous = Some(incidents);
                    } else {
                        a.truncated = more;
                        a.current = Some(incidents);
                    }
                    a.failed = None;
                    return true;
                }
            }
            (Asked::Figures { window }, HistoryBody::Figures(f)) => {
                let a = &mut self.analysis;
                a.pending = a.pending.saturating_sub(1);
                if a.window == Some(window) {
                    a.figures = Some(f);
                }
            }
            (Asked::Today { .. }, HistoryBody::Figures(f)) => {
                self.today.pending = false;
                self.today.figures = Some(f);
                self.today.failed = None;
            }
            (what, _) => self.unasked(&what),
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onemap_core::feed::wire::StateAtAnswer;
    use onemap_core::feed::{Position, Unit, UnitKind, UnitStatus};

    fn unit(id: &str, lon: f64, t: i64) -> Unit {
        Unit {
            id: id.into(),
            call_sign: id.into(),
            kind: UnitKind::PatrolCar,
            status: UnitStatus::Available,
            status_since_ms: t,
            incident_id: None,
            position: Position([lon, 53.55]),
            heading_deg: 0.0,
            speed_kmh: 0.0,
            fix_at_ms: t,
            stale_at_ms: None,
            posted: None,
            patrol: None,
        }
    }

    fn moved(seq: u64, ts: i64, lon: f64) -> Envelope {
        let u = unit("U1", lon, ts);
        let p = onemap_core::feed::model::UnitPosition {
            id: u.id,
            position: u.position,
            heading_deg: 0.0,
            speed_kmh: 30.0,
            fix_at_ms: ts,
            stale_at_ms: None,
        };
        Envelope::new(seq, ts, ServerEvent::UnitPosition(p))
    }

    fn ask(h: &mut HistoryState, now: i64) -> Vec<(RequestId, HistoryQuery)> {
        let mut out = Vec::new();
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        for (what, q) in h.wanted(None, now, 1_800_000, 0) {
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let id = RequestId(format!("r{n}"));
            h.asked.insert(id.clone(), (what, now));
            out.push((id, q));
        }
        out
    }

    #[test]
    fn replay_loads_the_state_then_applies_events_as_its_clock_passes_them() {
        let t0 = 1_800_000_000_000;
        let now = t0 + 3_600_000;
        let mut h = HistoryState {
            replay: Some(Replay::at(t0)),
            ..HistoryState::default()
        };
        let asked = ask(&mut h, now);
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].1, HistoryQuery::StateAt { at_ms: t0 });
        assert!(ask(&mut h, now).is_empty(), "one state query at a time");
        let mut snap = FeedState::default();
        snap.units.insert("U1".into(), unit("U1", 13.0, t0));
        snap.last_seq = 10;
        h.take(
            &asked[0].0,
            HistoryBody::State(StateAtAnswer {
                at_ms: t0,
                seq: 10,
                state: snap.snapshot(),
            }),
        );
        let r = h.replay.as_ref().unwrap();
        assert_eq!(r.feed.as_ref().unwrap().units["U1"].position.0[0], 13.0);
        // Then the events after it.
        let asked = ask(&mut h, now);
        assert!(matches!(
            asked[0].1,
            HistoryQuery::Events { after_seq: 10, from_ms, .. } if from_ms == t0
        ));
        h.take(
            &asked[0].0,
            HistoryBody::Events {
                events: vec![moved(11, t0 + 10_000, 13.1), moved(12, t0 + 20_000, 13.2)],
                more: false,
            },
        );
        let r = h.replay.as_mut().unwrap();
        r.playing = true;
        r.speed = 1;
        r.tick(now); // starts the clock
        r.tick(now + 15_000);
        assert_eq!(r.at_ms, t0 + 15_000);
        assert_eq!(r.feed.as_ref().unwrap().units["U1"].position.0[0], 13.1);
        r.speed = 60;
        r.tick(now + 16_000);
        assert_eq!(r.feed.as_ref().unwrap().units["U1"].position.0[0], 13.2);
        // Never past now.
        r.tick(now + 1_000_000);
        assert!(r.at_ms <= now + 1_000_000);
    }

    #[test]
    fn a_seek_back_asks_for_the_state_again_and_drops_the_old_answers() {
        let t0 = 1_800_000_000_000;
        let now = t0 + 3_600_000;
        let mut h = HistoryState {
            replay: Some(Replay::at(t0)),
            ..HistoryState::default()
        };
        let first = ask(&mut h, now);
        h.replay.as_mut().unwrap().seek(t0 - 60_000);
        let second = ask(&mut h, now);
        assert_eq!(second.len(), 1, "the new state is asked at once");
        assert_eq!(second[0].1, HistoryQuery::StateAt { at_ms: t0 - 60_000 });
        // The first answer arrives late: ignored.
        h.take(
            &first[0].0,
            HistoryBody::State(StateAtAnswer {
                at_ms: t0,
                seq: 10,
                state: FeedState::default().snapshot(),
            }),
        );
        assert!(h.replay.as_ref().unwrap().feed.is_none());
        // An unanswered query is forgotten after its timeout, and asked again.
        assert!(ask(&mut h, now + 1_000).is_empty());
        let again = ask(&mut h, now + QUERY_TIMEOUT_MS + 1);
        assert_eq!(again.len(), 1);
    }

    #[test]
    fn a_live_track_keeps_the_window_and_is_bounded() {
        let mut t = TrackState::default();
        let w = 1_800_000;
        for i in 0..5_000 {
            t.push_live(TrackPoint(i * 1_000, 13.0, 53.0), i * 1_000, w);
        }
        assert!(t.points.len() <= 1_801);
        t.push_live(TrackPoint(10, 13.0, 53.0), 5_000_000, w);
        assert!(
            t.points.back().unwrap().0 > 10,
            "an old fix is not appended"
        );
        assert_eq!(t.shown(4_000_000, 60_000).count(), 61);
    }
}
