//! Period figures, for history and the wall: over the incidents reported in a window, counts
//! by category, priority and hour of the week, response times by priority, and the change
//! against earlier windows: 环比 (the window just before, of equal length) and 同比 (the same
//! window a week or a year earlier). A zero base has no ratio (shown "—"), never infinity.
//!
//! Pure: the caller passes the incidents (as the log holds them at the end of the window or
//! later) and the local time zone's offset.

use std::collections::BTreeMap;

use super::model::{Category, Incident};
use super::stats::Durations;

pub const DAY_MS: i64 = 86_400_000;
pub const WEEK_MS: i64 = 7 * DAY_MS;
/// 同比 a year back: 365 days (the same dates, not the same weekdays).
pub const YEAR_MS: i64 = 365 * DAY_MS;
/// Hours in a week (the hour-of-week histogram).
pub const WEEK_HOURS: usize = 168;

/// A half-open span of time, `[from_ms, to_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Window {
    /// A window that is not empty, else `None`.
    pub fn new(from_ms: i64, to_ms: i64) -> Option<Window> {
        (from_ms < to_ms).then_some(Window { from_ms, to_ms })
    }

    pub fn len_ms(self) -> i64 {
        self.to_ms - self.from_ms
    }

    pub fn contains(self, t_ms: i64) -> bool {
        (self.from_ms..self.to_ms).contains(&t_ms)
    }

    /// The window of equal length just before (环比).
    pub fn previous(self) -> Window {
        self.earlier(self.len_ms())
    }

    /// The same window `by_ms` earlier (同比: [`WEEK_MS`] or [`YEAR_MS`]).
    pub fn earlier(self, by_ms: i64) -> Window {
        Window {
            from_ms: self.from_ms - by_ms,
            to_ms: self.to_ms - by_ms,
        }
    }
}

/// The hour of the week of `t_ms` in local time (`utc_offset_min` east of UTC): Monday
/// 00:00–00:59 is 0, Sunday 23:00–23:59 is 167.
pub fn hour_of_week(t_ms: i64, utc_offset_min: i32) -> usize {
    let local = t_ms + i64::from(utc_offset_min) * 60_000;
    let days = local.div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday (Monday = 0).
    let weekday = (days + 3).rem_euclid(7);
    let hour = local.rem_euclid(DAY_MS) / 3_600_000;
    (weekday * 24 + hour) as usize
}

/// The change from `base` to `now`, percent; `None` when the base is zero (no ratio exists).
pub fn change_pct(now: f64, base: f64) -> Option<f64> {
    (base != 0.0 && base.is_finite() && now.is_finite()).then(|| (now - base) / base * 100.0)
}

/// The figures of one window.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodFigures {
    pub window: Window,
    /// Incidents reported in the window.
    pub incidents: usize,
    pub by_category: BTreeMap<Category, usize>,
    /// P1..P4.
    pub by_priority: [usize; 4],
    /// By local hour of the week ([`hour_of_week`]), [`WEEK_HOURS`] entries.
    pub by_hour_of_week: Vec<usize>,
    /// Per priority P1..P4, over the incidents of the window that reached that step.
    pub call_to_dispatch: [Durations; 4],
    pub dispatch_to_arrival: [Durations; 4],
}

impl PeriodFigures {
    /// The figures of the incidents reported in `window` (others are ignored).
    pub fn of<'a>(
        incidents: impl IntoIterator<Item = &'a Incident>,
        window: Window,
        utc_offset_min: i32,
    ) -> PeriodFigures {
        let mut by_category = BTreeMap::new();
        let mut by_priority = [0; 4];
        let mut by_hour_of_week = vec![0; WEEK_HOURS];
        let mut c2d: [Vec<f64>; 4] = Default::default();
        let mut d2a: [Vec<f64>; 4] = Default::default();
        let mut n = 0;
        for i in incidents {
            if !window.contains(i.reported_at_ms) {
                continue;
            }
            n += 1;
            let p = usize::from(i.priority.clamp(1, 4)) - 1;
            *by_category.entry(i.category).or_insert(0) += 1;
            by_priority[p] += 1;
            by_hour_of_week[hour_of_week(i.reported_at_ms, utc_offset_min)] += 1;
            c2d[p].extend(i.call_to_dispatch_s());
            d2a[p].extend(i.dispatch_to_arrival_s());
        }
        PeriodFigures {
            window,
            incidents: n,
            by_category,
            by_priority,
            by_hour_of_week,
            call_to_dispatch: c2d.map(Durations::of),
            dispatch_to_arrival: d2a.map(Durations::of),
        }
    }
}

/// A window's figures beside those of the windows it is judged against.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub current: PeriodFigures,
    /// 环比: the window of equal length just before.
    pub previous: PeriodFigures,
    /// 同比: the same window a week and a year earlier.
    pub week_earlier: PeriodFigures,
    pub year_earlier: PeriodFigures,
}

impl Comparison {
    /// `incidents` must hold the incidents of all four windows (a year and a window back).
    pub fn of(incidents: &[&Incident], window: Window, utc_offset_min: i32) -> Comparison {
        let figures = |w: Window| PeriodFigures::of(incidents.iter().copied(), w, utc_offset_min);
        Comparison {
            current: figures(window),
            previous: figures(window.previous()),
            week_earlier: figures(window.earlier(WEEK_MS)),
            year_earlier: figures(window.earlier(YEAR_MS)),
        }
    }

    /// 环比 of the incident count, percent (`None`: no incidents in the previous window).
    pub fn count_vs_previous(&self) -> Option<f64> {
        change_pct(
            self.current.incidents as f64,
            self.previous.incidents as f64,
        )
    }

    /// 同比 of the incident count against a week earlier, percent.
    pub fn count_vs_week(&self) -> Option<f64> {
        change_pct(
            self.current.incidents as f64,
            self.week_earlier.incidents as f64,
        )
    }

    /// 同比 of the incident count against a year earlier, percent.
    pub fn count_vs_year(&self) -> Option<f64> {
        change_pct(
            self.current.incidents as f64,
            self.year_earlier.incidents as f64,
        )
    }
}

/// Incidents per local day and per local hour of the day, by category (in
/// [`Category::ALL`]'s order), for the plots and the CSV export.
#[derive(Clone, Debug, PartialEq)]
pub struct CategorySeries {
    /// The local midnight (as epoch ms) starting each day of the window.
    pub day_starts_ms: Vec<i64>,
    pub per_day: Vec<[usize; 9]>,
    /// Hours 0–23, local.
    pub per_hour: [[usize; 9]; 24],
}

impl CategorySeries {
    /// Over the `(reported_at_ms, category)` pairs that fall in `window`.
    pub fn of(
        items: impl IntoIterator<Item = (i64, Category)>,
        window: Window,
        utc_offset_min: i32,
    ) -> CategorySeries {
        let offset = i64::from(utc_offset_min) * 60_000;
        let local_day = |t: i64| (t + offset).div_euclid(DAY_MS);
        let first = local_day(window.from_ms);
        let last = local_day(window.to_ms - 1);
        let days = (last - first + 1).clamp(1, 800) as usize;
        let day_starts_ms = (0..days as i64)
            .map(|d| (first + d) * DAY_MS - offset)
            .collect();
        let mut per_day = vec![[0; 9]; days];
        let mut per_hour = [[0; 9]; 24];
        for (t, category) in items {
            if !window.contains(t) {
                continue;
            }
            let c = Category::ALL
                .iter()
                .position(|k| *k == category)
                .unwrap_or(8);
            if let Some(day) = per_day.get_mut((local_day(t) - first) as usize) {
                day[c] += 1;
            }
            per_hour[((t + offset).rem_euclid(DAY_MS) / 3_600_000) as usize][c] += 1;
        }
        CategorySeries {
            day_starts_ms,
            per_day,
            per_hour,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{IncidentStatus, IncidentTimes, Position};

    /// 2026-11-23 00:00 UTC, a Monday.
    const MON: i64 = 1_795_392_000_000;

    fn incident(n: u32, category: Category, priority: u8, at: i64, c2d: Option<i64>) -> Incident {
        let dispatched = c2d.map(|s| at + s * 1000);
        Incident {
            id: format!("I-{n:06}").as_str().into(),
            category,
            priority,
            location: Position([13.26, 53.55]),
            address: "Markt 1".into(),
            reported_at_ms: at,
            status: IncidentStatus::Cleared,
            assigned_units: vec![],
            times: IncidentTimes {
                dispatched_at_ms: dispatched,
                on_scene_at_ms: dispatched.map(|d| d + 240_000),
                ..IncidentTimes::default()
            },
            callback: None,
            notes: vec![],
            acknowledged: None,
            calls: 1,
        }
    }

    #[test]
    fn the_hour_of_the_week_starts_on_monday_in_local_time() {
        assert_eq!(hour_of_week(MON, 0), 0);
        assert_eq!(hour_of_week(MON + 8 * 3_600_000 + 1, 0), 8);
        // Beijing (UTC+8): Monday 00:00 UTC is Monday 08:00 local.
        assert_eq!(hour_of_week(MON, 480), 8);
        // Sunday 23:30 UTC is the last hour; UTC+8 makes it Monday 07:30.
        let sunday_late = MON + 6 * DAY_MS + 23 * 3_600_000 + 1_800_000;
        assert_eq!(hour_of_week(sunday_late, 0), 167);
        assert_eq!(hour_of_week(sunday_late, 480), 7);
        assert_eq!(
            hour_of_week(MON - 1, 0),
            167,
            "before the epoch's week boundary"
        );
    }

    #[test]
    fn a_zero_base_has_no_ratio() {
        assert_eq!(change_pct(4.0, 2.0), Some(100.0));
        assert_eq!(change_pct(1.0, 4.0), Some(-75.0));
        assert_eq!(change_pct(0.0, 0.0), None);
        assert_eq!(change_pct(3.0, 0.0), None);
        // The seeds' own figure: 91 after 184 is 50.54 % down.
        let down = change_pct(91.0, 184.0).unwrap();
        assert!((down + 50.5435).abs() < 1e-3, "{down}");
    }

    /// A fixture whose figures were counted by hand.
    #[test]
    fn figures_and_comparisons_equal_the_hand_counts() {
        let h = 3_600_000;
        let day = Window::new(MON, MON + DAY_MS).unwrap();
        let incidents = [
            // Monday, the window: three P1s and a P3.
            incident(1, Category::Theft, 1, MON + 8 * h, Some(30)),
            incident(2, Category::Theft, 1, MON + 9 * h, Some(90)),
            incident(3, Category::Assault, 1, MON + 9 * h + 60_000, Some(60)),
            incident(4, Category::Fire, 3, MON + 23 * h, None),
            // Sunday before (环比): two.
            incident(5, Category::Theft, 2, MON - 2 * h, Some(120)),
            incident(6, Category::Theft, 2, MON - 20 * h, Some(60)),
            // The Monday a week before: none. A year before: one.
            incident(7, Category::Dispute, 4, MON - YEAR_MS + 5 * h, Some(600)),
            // Just past the window's end: not counted.
            incident(8, Category::Theft, 1, MON + DAY_MS, Some(10)),
        ];
        let refs: Vec<&Incident> = incidents.iter().collect();
        let c = Comparison::of(&refs, day, 0);
        let f = &c.current;
        assert_eq!(f.incidents, 4);
        assert_eq!(f.by_priority, [3, 0, 1, 0]);
        assert_eq!(f.by_category[&Category::Theft], 2);
        assert_eq!(f.by_category[&Category::Assault], 1);
        assert_eq!(f.by_category[&Category::Fire], 1);
        assert_eq!(f.by_hour_of_week[8], 1);
        assert_eq!(f.by_hour_of_week[9], 2);
        assert_eq!(f.by_hour_of_week[23], 1);
        assert_eq!(f.by_hour_of_week.iter().sum::<usize>(), 4);
        // P1 call→dispatch 30, 60, 90 s: median 60, p90 (nearest rank) 90.
        let p1 = f.call_to_dispatch[0];
        assert_eq!((p1.count, p1.median_s, p1.p90_s), (3, 60.0, 90.0));
        assert_eq!(f.dispatch_to_arrival[0].median_s, 240.0);
        // The P3 was never dispatched: no figure, not a zero.
        assert_eq!(f.call_to_dispatch[2].count, 0);
        assert_eq!(c.previous.incidents, 2);
        assert_eq!(c.count_vs_previous(), Some(100.0));
        assert_eq!(c.week_earlier.incidents, 0);
        assert_eq!(c.count_vs_week(), None, "a zero base: no ratio");
        assert_eq!(c.year_earlier.incidents, 1);
        assert_eq!(c.count_vs_year(), Some(300.0));
        assert_eq!(c.year_earlier.call_to_dispatch[3].median_s, 600.0);
    }

    #[test]
    fn windows_shift_and_refuse_to_be_empty() {
        assert_eq!(Window::new(5, 5), None);
        let w = Window::new(100, 160).unwrap();
        assert_eq!(
            w.previous(),
            Window {
                from_ms: 40,
                to_ms: 100
            }
        );
        assert_eq!(w.earlier(WEEK_MS).len_ms(), 60);
        assert!(w.contains(100) && !w.contains(160));
    }
    #[test]
    fn series_count_by_local_day_and_hour() {
        // 2026-03-02 00:00 UTC+8 = 2026-03-01 16:00 UTC.
        let midnight = 1_772_380_800_000;
        let h = 3_600_000;
        let items = [
            (midnight + h, Category::Theft),
            (midnight + 2 * h, Category::Theft),
            (midnight + DAY_MS + 23 * h, Category::Fire),
            (midnight - 1, Category::Fire), // the evening before: outside
        ];
        let window = Window::new(midnight, midnight + 2 * DAY_MS).unwrap();
        let s = CategorySeries::of(items, window, 480);
        assert_eq!(s.day_starts_ms, vec![midnight, midnight + DAY_MS]);
        assert_eq!(s.per_day[0][0], 2);
        assert_eq!(s.per_day[1][5], 1);
        assert_eq!(s.per_hour[1][0], 1);
        assert_eq!(s.per_hour[2][0], 1);
        assert_eq!(s.per_hour[23][5], 1);
        assert_eq!(s.per_day.iter().flatten().sum::<usize>(), 3);
    }
}
