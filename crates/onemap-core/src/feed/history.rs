//! History read back from the event log: the queries a client may ask (the state at a moment,
//! the events of a span, units' tracks, the incidents of a window and their period figures),
//! their answers, and the pure pieces the store and the console share (thinning a track,
//! the compact incident record the figures and the heat map are computed from).
//!
//! Pure: the store answers the queries (`onemap-feed/src/store/`), the console draws them.

use serde::{Deserialize, Serialize};

use super::model::UnitId;
use super::model::{Category, Incident, IncidentId, IncidentStatus, IncidentTimes, Position};
use super::period::{Comparison, PeriodFigures, Window};
use super::stats::Durations;

/// At most this many events in one answer (a client pages on with `after_seq`).
pub const MAX_EVENTS_PAGE: u32 = 5_000;
/// At most this many points per unit in a track answer.
pub const MAX_TRACK_POINTS: u32 = 20_000;
/// At most this many incidents in one answer.
pub const MAX_INCIDENTS_PAGE: u32 = 50_000;

/// What a client asks of the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case", deny_unknown_fields)]
pub enum HistoryQuery {
    /// The state as it stood at `at_ms` (the nearest snapshot before it, plus the events
    /// after that snapshot up to and including `at_ms`).
    StateAt { at_ms: i64 },
    /// The state events logged in `[from_ms, to_ms)` after `after_seq`, oldest first, at most
    /// `limit` (capped at [`MAX_EVENTS_PAGE`]).
    Events {
        from_ms: i64,
        to_ms: i64,
        #[serde(default)]
        after_seq: u64,
        limit: u32,
    },
    /// The positions of one unit (or of all) in `[from_ms, to_ms)`, at most `max_points` per
    /// unit (thinned evenly in time, first and last kept).
    Tracks {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit_id: Option<UnitId>,
        from_ms: i64,
        to_ms: i64,
        max_points: u32,
    },
    /// The figures of `[from_ms, to_ms)` beside the previous window (环比) and the same
    /// window a week and a year earlier (同比), hours of the week in local time
    /// (`utc_offset_min` east of UTC).
    Figures {
        from_ms: i64,
        to_ms: i64,
        #[serde(default)]
        utc_offset_min: i32,
    },
    /// The incidents reported in `[from_ms, to_ms)` as compact records (for heat maps and
    /// counts by area), oldest first, at most `limit`.
    Incidents {
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    },
}

impl HistoryQuery {
    /// The window a query names, checked: not empty, and no more than `max_span_ms` long
    /// (a state query has none).
    pub fn check(&self, max_span_ms: i64) -> Result<(), String> {
        let (from, to) = match *self {
            HistoryQuery::StateAt { .. } => return Ok(()),
            HistoryQuery::Events { from_ms, to_ms, .. }
            | HistoryQuery::Tracks { from_ms, to_ms, .. }
            | HistoryQuery::Figures { from_ms, to_ms, .. }
            | HistoryQuery::Incidents { from_ms, to_ms, .. } => (from_ms, to_ms),
        };
        if from >= to {
            return Err(format!(
                "from_ms ({from}) must be before to_ms ({to}): the window is empty"
            ));
        }
        if to - from > max_span_ms {
            return Err(format!(
                "the window is {} days long; at most {} days may be asked at once",
                (to - from) / 86_400_000,
                max_span_ms / 86_400_000
            ));
        }
        if let HistoryQuery::Figures { utc_offset_min, .. } = *self
            && !(-14 * 60..=14 * 60).contains(&utc_offset_min)
        {
            return Err(format!(
                "utc_offset_min {utc_offset_min} is outside −14 h … +14 h"
            ));
        }
        Ok(())
    }
}

/// One fix of a track: `[t_ms, lon, lat]` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint(pub i64, pub f64, pub f64);

impl TrackPoint {
    pub fn t_ms(self) -> i64 {
        self.0
    }
    pub fn position(self) -> Position {
        Position([self.1, self.2])
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub unit_id: UnitId,
    pub points: Vec<TrackPoint>,
}

/// At most `max` of `points` (time-ordered), spread evenly in time: the first and the last
/// are kept, and between them the first fix at or after each of `max − 1` equal steps. A track
/// with `max` or fewer points is returned whole.
///
/// ```
/// # use onemap_core::feed::history::{TrackPoint, thin};
/// let points: Vec<TrackPoint> = (0..100).map(|t| TrackPoint(t, 0.0, 0.0)).collect();
/// let thinned = thin(&points, 5);
/// let times: Vec<i64> = thinned.iter().map(|p| p.0).collect();
/// assert_eq!(times, [0, 25, 50, 75, 99]);
/// ```
pub fn thin(points: &[TrackPoint], max: usize) -> Vec<TrackPoint> {
    if points.len() <= max.max(2) {
        return points.to_vec();
    }
    let max = max.max(2);
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let span = (t1 - t0).max(1) as f64;
    let mut out = Vec::with_capacity(max);
    out.push(points[0]);
    let mut next = 1usize;
    for p in &points[1..points.len() - 1] {
        if out.len() >= max - 1 {
            break;
        }
        let due = t0 as f64 + span * next as f64 / (max - 1) as f64;
        if p.0 as f64 >= due {
            out.push(*p);
            // Skip the steps this fix also covers (a gap in the track).
            next = ((p.0 - t0) as f64 / span * (max - 1) as f64).floor() as usize + 1;
        }
    }
    out.push(points[points.len() - 1]);
    out
}

/// An incident as the history keeps it for figures and maps: where, what, when, and the times
/// of its steps. Its latest state (the log holds every change).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRecord {
    pub id: IncidentId,
    pub category: Category,
    pub priority: u8,
    pub location: Position,
    pub reported_at_ms: i64,
    pub status: IncidentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatched_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_scene_at_ms: Option<i64>,
}

impl IncidentRecord {
    pub fn of(i: &Incident) -> IncidentRecord {
        IncidentRecord {
            id: i.id.clone(),
            category: i.category,
            priority: i.priority,
            location: i.location,
            reported_at_ms: i.reported_at_ms,
            status: i.status,
            dispatched_at_ms: i.times.dispatched_at_ms,
            on_scene_at_ms: i.times.on_scene_at_ms,
        }
    }

    /// The record as an incident (no address, notes or callback: what figures need).
    pub fn to_incident(&self) -> Incident {
        Incident {
            id: self.id.clone(),
            category: self.category,
            priority: self.priority,
            location: self.location,
            address: String::new(),
            reported_at_ms: self.reported_at_ms,
            status: self.status,
            assigned_units: vec![],
            times: IncidentTimes {
                dispatched_at_ms: self.dispatched_at_ms,
                on_scene_at_ms: self.on_scene_at_ms,
                ..IncidentTimes::default()
            },
            callback: None,
            notes: vec![],
            acknowledged: None,
            calls: 1,
        }
    }
}

/// The figures of a window beside its comparison windows, as sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresAnswer {
    pub current: WindowFigures,
    pub previous: WindowFigures,
    pub week_earlier: WindowFigures,
    pub year_earlier: WindowFigures,
}

/// [`PeriodFigures`] on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowFigures {
    pub from_ms: i64,
    pub to_ms: i64,
    pub incidents: usize,
    /// `[category, count]`, in the order of [`Category::ALL`], categories without incidents
    /// left out.
    pub by_category: Vec<(Category, usize)>,
    pub by_priority: [usize; 4],
    pub by_hour_of_week: Vec<usize>,
    pub call_to_dispatch: [DurationsWire; 4],
    pub dispatch_to_arrival: [DurationsWire; 4],
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationsWire {
    pub count: usize,
    pub median_s: f64,
    pub p90_s: f64,
}

impl From<Durations> for DurationsWire {
    fn from(d: Durations) -> Self {
        DurationsWire {
            count: d.count,
            median_s: d.median_s,
            p90_s: d.p90_s,
        }
    }
}

impl From<DurationsWire> for Durations {
    fn from(d: DurationsWire) -> Self {
        Durations {
            count: d.count,
            median_s: d.median_s,
            p90_s: d.p90_s,
        }
    }
}

impl From<&PeriodFigures> for WindowFigures {
    fn from(f: &PeriodFigures) -> Self {
        WindowFigures {
            from_ms: f.window.from_ms,
            to_ms: f.window.to_ms,
            incidents: f.incidents,
            by_category: f.by_category.iter().map(|(c, n)| (*c, *n)).collect(),
            by_priority: f.by_priority,
            by_hour_of_week: f.by_hour_of_week.clone(),
            call_to_dispatch: f.call_to_dispatch.map(Into::into),
            dispatch_to_arrival: f.dispatch_to_arrival.map(Into::into),
        }
    }
}

impl WindowFigures {
    pub fn to_figures(&self) -> PeriodFigures {
        PeriodFigures {
            window: Window {
                from_ms: self.from_ms,
                to_ms: self.to_ms,
            },
            incidents: self.incidents,
            by_category: self.by_category.iter().copied().collect(),
            by_priority: self.by_priority,
            by_hour_of_week: self.by_hour_of_week.clone(),
            call_to_dispatch: self.call_to_dispatch.map(Into::into),
            dispatch_to_arrival: self.dispatch_to_arrival.map(Into::into),
        }
    }
}

impl From<&Comparison> for FiguresAnswer {
    fn from(c: &Comparison) -> Self {
        FiguresAnswer {
            current: (&c.current).into(),
            previous: (&c.previous).into(),
            week_earlier: (&c.week_earlier).into(),
            year_earlier: (&c.year_earlier).into(),
        }
    }
}

impl FiguresAnswer {
    pub fn to_comparison(&self) -> Comparison {
        Comparison {
            current: self.current.to_figures(),
            previous: self.previous.to_figures(),
            week_earlier: self.week_earlier.to_figures(),
            year_earlier: self.year_earlier.to_figures(),
        }
    }
}

/// How big the log is and how far back it reaches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogSize {
    pub bytes: u64,
    pub events: u64,
    pub positions: u64,
    pub snapshots: u64,
    pub incidents: u64,
    pub audit_rows: u64,
    /// The oldest event's time, if any.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(times: &[i64]) -> Vec<TrackPoint> {
        times.iter().map(|&t| TrackPoint(t, 9.5, 47.1)).collect()
    }

    #[test]
    fn thinning_keeps_the_ends_and_spreads_in_time() {
        let all = track(&(0..1000).collect::<Vec<_>>());
        let t = thin(&all, 11);
        assert_eq!(t.len(), 11);
        assert_eq!(
            t.iter().map(|p| p.0).collect::<Vec<_>>(),
            [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999]
        );
        // Few enough: whole.
        assert_eq!(thin(&all[..5], 11), all[..5].to_vec());
        // A gap: the fix after it stands for the steps it spans, no duplicates.
        let gappy = track(&[0, 1, 2, 3, 90, 91, 92, 100]);
        let t = thin(&gappy, 5);
        let times: Vec<i64> = t.iter().map(|p| p.0).collect();
        assert_eq!(times, [0, 90, 100]);
        assert!(thin(&all, 0).len() == 2 && thin(&all, 1).len() == 2);
        // Never more than asked.
        for max in 2..40 {
            assert!(thin(&all, max).len() <= max, "{max}");
        }
    }

    #[test]
    fn queries_name_what_is_wrong_with_their_window() {
        let q = HistoryQuery::Figures {
            from_ms: 10,
            to_ms: 10,
            utc_offset_min: 0,
        };
        assert!(q.check(1000).unwrap_err().contains("empty"));
        let q = HistoryQuery::Tracks {
            unit_id: None,
            from_ms: 0,
            to_ms: 400 * 86_400_000,
            max_points: 10,
        };
        assert!(q.check(370 * 86_400_000).unwrap_err().contains("400 days"));
        let q = HistoryQuery::Figures {
            from_ms: 0,
            to_ms: 10,
            utc_offset_min: 2000,
        };
        assert!(q.check(1000).unwrap_err().contains("utc_offset_min"));
        assert!(HistoryQuery::StateAt { at_ms: -5 }.check(0).is_ok());
    }

    #[test]
    fn a_figures_answer_survives_the_wire() {
        use crate::feed::model::IncidentStatus;
        let rec = IncidentRecord {
            id: "I-000001".into(),
            category: Category::Theft,
            priority: 2,
            location: Position([13.26, 53.55]),
            reported_at_ms: 1_000_000,
            status: IncidentStatus::Cleared,
            dispatched_at_ms: Some(1_030_000),
            on_scene_at_ms: Some(1_270_000),
        };
        let inc = rec.to_incident();
        assert_eq!(IncidentRecord::of(&inc), rec);
        let refs = [&inc];
        let c = Comparison::of(&refs, Window::new(0, 2_000_000).unwrap(), 0);
        let answer = FiguresAnswer::from(&c);
        let json = serde_json::to_string(&answer).unwrap();
        let back: FiguresAnswer = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_comparison(), c);
        assert_eq!(back.current.call_to_dispatch[1].median_s, 30.0);
    }
}
