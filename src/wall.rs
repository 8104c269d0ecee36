//! The wall display's rules, without egui: its layout file (the panel, the farthest viewer and
//! the views in rotation), the smallest text that rule allows, the rotation with pinning and
//! the P1 takeover, and how stale the data looks.
//!
//! Legibility: a character must be at least 1/200 of the farthest viewing distance high
//! (16 arcmin: AVIXA DISCAS, ISO 9241-3, NUREG-0700). On a panel `panel_height_m` high shown
//! at `resolution` pixels, that is `distance / 200 / (panel_height_m / rows)` pixels; the
//! wall sizes every text at least that large (the font size, its em, is the character height).

use std::path::Path;

use onemap_core::coord::LonLat;
use onemap_core::feed::{FeedState, Incident, IncidentId, IncidentStatus};
use serde::Deserialize;

use crate::live::Health;

/// One of the wall's views.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WallView {
    /// The live map: incidents by priority, units by status, no cameras or beat outlines.
    Map,
    /// Figure cards: open incidents by priority, units by status.
    Cards,
    /// Today's figures from the history: incidents against earlier periods (环比, 同比), and
    /// the median call → dispatch and dispatch → arrival by priority against the targets.
    Figures,
    /// Live coverage: the share of roads and addresses an available unit reaches in 1 and 3
    /// minutes now.
    Coverage,
    /// The newest incidents, one line each.
    Ticker,
    /// The heat map of the period's incidents (the history's kernel density).
    Heat,
}

impl WallView {
    pub const ALL: [WallView; 6] = [
        WallView::Map,
        WallView::Cards,
        WallView::Figures,
        WallView::Coverage,
        WallView::Ticker,
        WallView::Heat,
    ];

    /// Its name in the layout file and the protocol (`wall_show`).
    pub fn name(self) -> &'static str {
        match self {
            WallView::Map => "map",
            WallView::Cards => "cards",
            WallView::Figures => "figures",
            WallView::Coverage => "coverage",
            WallView::Ticker => "ticker",
            WallView::Heat => "heat",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewSpec {
    pub view: WallView,
    /// Seconds on screen before the next view.
    pub dwell_s: u32,
}

/// A shift's own rotation: from its local start time until the next shift's.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    /// Its name, shown in the header (e.g. "白班").
    pub name: String,
    /// Local start, "HH:MM".
    pub from: String,
    pub views: Vec<ViewSpec>,
}

/// "HH:MM" as minutes of the day.
fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() == 5).then_some(h * 60 + m)
}

/// The layout file (`--layout FILE`, JSON); [`WallLayout::default`] is documented in
/// `docs/wall.md`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WallLayout {
    /// The panel's visible height, metres (a 55-inch 16:9 panel: 0.685).
    pub panel_height_m: f64,
    /// The panel's pixels, width and height.
    pub resolution: [u32; 2],
    /// The farthest viewer's distance, metres.
    pub farthest_viewer_m: f64,
    /// The views in rotation, in order.
    pub views: Vec<ViewSpec>,
    /// Local hours (from, to) of the night: the wall dims. `None`: never.
    #[serde(default)]
    pub night_hours: Option<(u32, u32)>,
    /// Shift schedules: each shift's own views replace `views` from its start time until
    /// the next shift's (the last one runs over midnight to the first). Empty: `views` always.
    #[serde(default)]
    pub shifts: Vec<Shift>,
}

impl Default for WallLayout {
    fn default() -> Self {
        WallLayout {
            panel_height_m: 0.685,
            resolution: [1920, 1080],
            farthest_viewer_m: 6.0,
            views: vec![
                ViewSpec {
                    view: WallView::Map,
                    dwell_s: 60,
                },
                ViewSpec {
                    view: WallView::Cards,
                    dwell_s: 20,
                },
                ViewSpec {
                    view: WallView::Figures,
                    dwell_s: 20,
                },
                ViewSpec {
                    view: WallView::Coverage,
                    dwell_s: 20,
                },
                ViewSpec {
                    view: WallView::Ticker,
                    dwell_s: 20,
                },
                ViewSpec {
                    view: WallView::Heat,
                    dwell_s: 20,
                },
            ],
            night_hours: Some((22, 6)),
            shifts: Vec::new(),
        }
    }
}

impl WallLayout {
    /// Read a layout file; an error names the file and the field.
    pub fn read(path: &Path) -> Result<WallLayout, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<WallLayout, String> {
        let layout: WallLayout = serde_json::from_str(text).map_err(|e| e.to_string())?;
        layout.check()?;
        Ok(layout)
    }

    fn check(&self) -> Result<(), String> {
        if !(0.1..=20.0).contains(&self.panel_height_m) {
            return Err(format!(
                "panel_height_m: {} is not 0.1 to 20 metres",
                self.panel_height_m
            ));
        }
        if self
            .resolution
            .iter()
            .any(|&r| !(240..=16_384).contains(&r))
        {
            return Err(format!(
                "resolution: {:?} is not 240 to 16384 pixels each way",
                self.resolution
            ));
        }
        if !(0.5..=100.0).contains(&self.farthest_viewer_m) {
            return Err(format!(
                "farthest_viewer_m: {} is not 0.5 to 100 metres",
                self.farthest_viewer_m
            ));
        }
        check_views("views", &self.views)?;
        let mut starts = Vec::new();
        for (k, shift) in self.shifts.iter().enumerate() {
            let Some(m) = parse_hhmm(&shift.from) else {
                return Err(format!(
                    "shifts[{k}].from: {:?} is not a time HH:MM",
                    shift.from
                ));
            };
            if starts.contains(&m) {
                return Err(format!(
                    "shifts[{k}].from: {} starts another shift too",
                    shift.from
                ));
            }
            starts.push(m);
            check_views(&format!("shifts[{k}].views"), &shift.views)?;
        }
        if let Some((a, b)) = self.night_hours
            && (a > 23 || b > 23)
        {
            return Err(format!("night_hours: ({a}, {b}) are not hours 0 to 23"));
        }
        // The smallest text must leave room for a few lines.
        if self.min_text_px() * 8.0 > self.resolution[1] as f32 {
            return Err(format!(
                "farthest_viewer_m: {} m needs text {:.0} px high, too large for {} rows",
                self.farthest_viewer_m,
                self.min_text_px(),
                self.resolution[1]
            ));
        }
        Ok(())
    }

    /// The smallest character height allowed, in the panel's pixels.
    pub fn min_text_px(&self) -> f32 {
        let char_m = self.farthest_viewer_m / 200.0;
        let pixel_m = self.panel_height_m / f64::from(self.resolution[1]);
        (char_m / pixel_m).ceil() as f32
    }

    /// The smallest font size allowed in egui points, on a screen `screen_height_pt` points
    /// high showing the whole panel.
    pub fn min_text_pt(&self, screen_height_pt: f32) -> f32 {
        self.min_text_px() * screen_height_pt / self.resolution[1] as f32
    }

    /// The shift at `minute` of the local day: the latest to have started (yesterday's last
    /// one before today's first); `None` without shifts.
    pub fn shift_at(&self, minute: u32) -> Option<usize> {
        let starts = self
            .shifts
            .iter()
            .enumerate()
            .filter_map(|(k, s)| parse_hhmm(&s.from).map(|m| (m, k)));
        let started = starts.clone().filter(|(m, _)| *m <= minute).max();
        started.or_else(|| starts.max()).map(|(_, k)| k)
    }

    /// The views in rotation during `shift`.
    pub fn views_of(&self, shift: Option<usize>) -> &[ViewSpec] {
        match shift.and_then(|k| self.shifts.get(k)) {
            Some(s) => &s.views,
            None => &self.views,
        }
    }

    /// Whether `local_hour` is in the night.
    pub fn is_night(&self, local_hour: u32) -> bool {
        match self.night_hours {
            Some((a, b)) if a <= b => (a..b).contains(&local_hour),
            Some((a, b)) => local_hour >= a || local_hour < b,
            None => false,
        }
    }
}

fn check_views(field: &str, views: &[ViewSpec]) -> Result<(), String> {
    if views.is_empty() {
        return Err(format!("{field}: at least one view"));
    }
    if let Some(k) = views.iter().position(|v| !(5..=3600).contains(&v.dwell_s)) {
        return Err(format!("{field}[{k}].dwell_s: not 5 to 3600 seconds"));
    }
    Ok(())
}

/// The wall's layout and where its rotation stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WallState {
    pub layout: WallLayout,
    pub rotation: Rotation,
    /// Live coverage from the available units: the figures, when computed (epoch ms), and
    /// how long it took (ms).
    pub coverage: Option<(onemap_core::routing::live_coverage::LiveCoverage, i64, f64)>,
    /// When live coverage was last asked for.
    pub coverage_asked_ms: i64,
    /// The squares shaded on the coverage view, from the last live coverage.
    pub shade: Vec<ShadedCell>,
}

impl WallState {
    /// Whether `view` is on screen now (no P1 over it).
    pub fn showing(&self, view: WallView) -> bool {
        self.rotation.takeover.is_none() && self.rotation.view(&self.layout) == view
    }
}

/// Side of the squares the coverage view shades, metres.
pub const SHADE_CELL_M: f64 = 250.0;

/// A square of the city shaded on the coverage view: most of its addresses are reached by no
/// available unit within the first limit (`level` 1), or within any (`level` = the number of
/// limits).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShadedCell {
    pub min: LonLat,
    pub max: LonLat,
    pub level: u8,
}

/// The squares of `cell_m` whose addresses are mostly not reached: `reach[i]` is the first
/// limit within which address `points[i]` is reached, `limits` when none
/// ([`onemap_core::routing::live_coverage::LiveCoverage::address_reach`]). A square's level
/// is the highest `L` such that more than half its addresses have `reach ≥ L`; squares
/// without addresses are not shaded (nobody lives or works there).
pub fn shade_cells(points: &[LonLat], reach: &[u8], limits: u8, cell_m: f64) -> Vec<ShadedCell> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let (lon0, lat0) = points.iter().fold((first.lon, first.lat), |(a, b), p| {
        (a.min(p.lon), b.min(p.lat))
    });
    let dlat = cell_m / 110_574.0;
    let dlon = cell_m / (111_320.0 * lat0.to_radians().cos().max(0.01));
    let mut cells: std::collections::BTreeMap<(i64, i64), Vec<u32>> = Default::default();
    for (p, &r) in points.iter().zip(reach) {
        let key = (
            ((p.lon - lon0) / dlon).floor() as i64,
            ((p.lat - lat0) / dlat).floor() as i64,
        );
        let counts = cells
            .entry(key)
            .or_insert_with(|| vec![0; usize::from(limits) + 1]);
        counts[usize::from(r.min(limits))] += 1;
    }
    cells
        .into_iter()
        .filter_map(|((cx, cy), counts)| {
            let total: u32 = counts.iter().sum();
            let level = (1..=limits)
                .rev()
                .find(|&l| counts[usize::from(l)..].iter().sum::<u32>() * 2 > total)?;
            let min = LonLat::new(lon0 + cx as f64 * dlon, lat0 + cy as f64 * dlat);
            Some(ShadedCell {
                min,
                max: LonLat::new(min.lon + dlon, min.lat + dlat),
                level,
            })
        })
        .collect()
}

/// Live coverage is recomputed this often (units move; the figure follows within seconds).
pub const COVERAGE_EVERY_MS: i64 = 5_000;

/// What the wall shows now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rotation {
    /// Index into the current shift's views.
    pub index: usize,
    /// When the current view came up, epoch ms.
    pub since_ms: i64,
    /// Held on one view (by a commander from a console).
    pub pinned: bool,
    /// The view held when it is not one of the shift's (a commander asked for it).
    pub held: Option<WallView>,
    /// The shift whose views rotate ([`WallLayout::shift_at`]).
    pub shift: Option<usize>,
    /// A new P1 holds the screen until a console acknowledges it.
    pub takeover: Option<IncidentId>,
}

/// The P1 that takes the screen: the oldest open P1 nobody has acknowledged.
pub fn takeover_incident(feed: &FeedState) -> Option<&Incident> {
    feed.incidents
        .values()
        .filter(|i| i.priority == 1 && i.status.is_open() && i.acknowledged.is_none())
        .filter(|i| i.status == IncidentStatus::New)
        .min_by_key(|i| (i.reported_at_ms, i.id.clone()))
}

impl Rotation {
    /// Advance to `now_ms` (`minute`: of the local day): a takeover starts or ends; a new
    /// shift starts its own views from the first; otherwise the next view once the dwell has
    /// passed (not while pinned or taken over). The rotation's clock restarts when a
    /// takeover ends, so the view after it gets its whole dwell.
    pub fn step(&mut self, now_ms: i64, minute: u32, layout: &WallLayout, feed: &FeedState) {
        let p1 = takeover_incident(feed).map(|i| i.id.clone());
        if p1 != self.takeover {
            if self.takeover.is_some() && p1.is_none() {
                self.since_ms = now_ms;
            }
            self.takeover = p1;
        }
        let shift = layout.shift_at(minute);
        if shift != self.shift {
            self.shift = shift;
            self.index = 0;
            self.since_ms = now_ms;
        }
        if self.takeover.is_some() || self.pinned {
            return;
        }
        let views = layout.views_of(self.shift);
        self.index %= views.len();
        let dwell = i64::from(views[self.index].dwell_s) * 1000;
        if now_ms - self.since_ms >= dwell {
            self.index = (self.index + 1) % views.len();
            self.since_ms = now_ms;
        }
    }

    pub fn view(&self, layout: &WallLayout) -> WallView {
        if let Some(v) = self.held {
            return v;
        }
        let views = layout.views_of(self.shift);
        views[self.index % views.len()].view
    }

    /// Show `view` now and hold it if `pin` (a view outside the shift's is held only so).
    pub fn show(&mut self, view: WallView, pin: bool, layout: &WallLayout, now_ms: i64) {
        match layout
            .views_of(self.shift)
            .iter()
            .position(|v| v.view == view)
        {
            Some(k) => {
                self.index = k;
                self.held = None;
            }
            None => self.held = pin.then_some(view),
        }
        self.since_ms = now_ms;
        self.pinned = pin;
    }

    /// Back to the rotation from the current view.
    pub fn resume(&mut self, now_ms: i64) {
        self.pinned = false;
        self.held = None;
        self.since_ms = now_ms;
    }
}

/// How fresh the wall's data is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Two heartbeats missed: amber, with the age.
    Late {
        as_of_ms: i64,
    },
    /// 30 s without data: a red band "数据中断 · 截至 HH:MM:SS", the figures greyed.
    Lost {
        as_of_ms: i64,
    },
    /// Nothing received yet.
    NoData,
}

impl From<Health> for Freshness {
    fn from(h: Health) -> Freshness {
        match h {
            Health::Live => Freshness::Fresh,
            Health::NoData => Freshness::NoData,
            Health::Late { as_of_ms } => Freshness::Late { as_of_ms },
            Health::Lost { as_of_ms } => Freshness::Lost { as_of_ms },
        }
    }
}

/// A few pixels' shift of the static chrome, against burn-in: a new offset every
/// `period_ms`, within ±`max_px` each way.
pub fn burn_in_shift(now_ms: i64, period_ms: i64, max_px: f32) -> (f32, f32) {
    let k = now_ms.div_euclid(period_ms.max(1)) as u64;
    let mut z = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z ^= z >> 31;
    let span = (2.0 * max_px + 1.0) as u64;
    let dx = (z % span) as f32 - max_px;
    let dy = ((z >> 16) % span) as f32 - max_px;
    (dx, dy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use onemap_core::feed::{Acknowledged, Category, Position};

    #[test]
    fn the_smallest_text_follows_the_distance_and_the_panel() {
        let l = WallLayout::default();
        // 6 m: 30 mm characters; a 0.685 m panel of 1080 rows has 0.634 mm pixels.
        assert_eq!(l.min_text_px(), 48.0);
        let uhd = WallLayout {
            resolution: [3840, 2160],
            ..l.clone()
        };
        assert_eq!(uhd.min_text_px(), 95.0);
        // The same physical size whatever the screen's points.
        assert!((l.min_text_pt(1080.0) - 48.0).abs() < 1e-3);
        assert!((uhd.min_text_pt(1080.0) - 47.5).abs() < 1e-3);
    }

    #[test]
    fn a_bad_layout_names_its_field() {
        let cases = [
            (
                r#"{"panel_height_m": 0, "resolution": [1920,1080], "farthest_viewer_m": 6, "views": [{"view":"map","dwell_s":30}]}"#,
                "panel_height_m",
            ),
            (
                r#"{"panel_height_m": 0.7, "resolution": [1920,1080], "farthest_viewer_m": 6, "views": []}"#,
                "views",
            ),
            (
                r#"{"panel_height_m": 0.7, "resolution": [1920,1080], "farthest_viewer_m": 6, "views": [{"view":"map","dwell_s":1}]}"#,
                "views[0].dwell_s",
            ),
            (
                r#"{"panel_height_m": 0.7, "resolution": [1920,1080], "farthest_viewer_m": 60, "views": [{"view":"map","dwell_s":30}]}"#,
                "farthest_viewer_m",
            ),
            (
                r#"{"panel_height_m": 0.7, "resolution": [1920,1080], "farthest_viewer_m": 6, "views": [{"view":"globe","dwell_s":30}]}"#,
                "unknown variant",
            ),
        ];
        for (text, field) in cases {
            let e = WallLayout::parse(text).unwrap_err();
            assert!(e.contains(field), "{field}: {e}");
        }
        let ok = r#"{"panel_height_m": 1.2, "resolution": [3840,2160], "farthest_viewer_m": 10, "views": [{"view":"cards","dwell_s":30}], "night_hours": [23, 5]}"#;
        let l = WallLayout::parse(ok).unwrap();
        assert!(l.is_night(23) && l.is_night(4) && !l.is_night(5) && !l.is_night(12));
    }

    fn p1(id: &str, at: i64) -> Incident {
        Incident {
            id: id.into(),
            category: Category::Robbery,
            priority: 1,
            location: Position([13.26, 53.55]),
            address: "Turmstraße 3".into(),
            reported_at_ms: at,
            status: IncidentStatus::New,
            assigned_units: vec![],
            times: Default::default(),
            callback: None,
            notes: vec![],
            acknowledged: None,
            calls: 1,
        }
    }

    #[test]
    fn rotation_dwells_pins_and_yields_to_a_p1_until_it_is_acknowledged() {
        let l = WallLayout::default();
        let mut feed = FeedState::default();
        let mut r = Rotation::default();
        r.step(0, 600, &l, &feed);
        assert_eq!(r.view(&l), WallView::Map);
        r.step(59_999, 600, &l, &feed);
        assert_eq!(r.view(&l), WallView::Map);
        r.step(60_000, 600, &l, &feed);
        assert_eq!(r.view(&l), WallView::Cards);
        // A P1 takes the screen; the rotation stands still.
        feed.incidents.insert("I-1".into(), p1("I-1", 61_000));
        r.step(61_000, 600, &l, &feed);
        assert_eq!(r.takeover, Some("I-1".into()));
        r.step(200_000, 600, &l, &feed);
        assert_eq!(r.view(&l), WallView::Cards);
        // Acknowledged by a console: the rotation resumes, the view gets its whole dwell.
        feed.incidents
            .get_mut(&IncidentId::from("I-1"))
            .unwrap()
            .acknowledged = Some(Acknowledged {
            by: "desk".into(),
            at_ms: 200_500,
        });
        r.step(201_000, 600, &l, &feed);
        assert_eq!(r.takeover, None);
        r.step(220_999, 600, &l, &feed);
        assert_eq!(r.view(&l), WallView::Cards);
        r.step(221_000, 600, &l, &feed);
        assert_eq!(r.view(&l), WallView::Figures);
        // Pinned: it stays.
        r.show(WallView::Map, true, &l, 230_000);
        r.step(900_000, 600, &l, &feed);
        assert_eq!(r.view(&l), WallView::Map);
    }

    #[test]
    fn shifts_bring_their_own_views_at_their_start_times() {
        let text = r#"{"panel_height_m": 0.685, "resolution": [1920,1080], "farthest_viewer_m": 6,
            "views": [{"view":"map","dwell_s":30}],
            "shifts": [
                {"name": "白班", "from": "07:30", "views": [{"view":"cards","dwell_s":20}, {"view":"ticker","dwell_s":20}]},
                {"name": "夜班", "from": "19:30", "views": [{"view":"heat","dwell_s":60}]}
            ]}"#;
        let l = WallLayout::parse(text).unwrap();
        assert_eq!(
            l.shift_at(7 * 60 + 29),
            Some(1),
            "before the day shift: the night's"
        );
        assert_eq!(l.shift_at(7 * 60 + 30), Some(0));
        assert_eq!(l.shift_at(19 * 60 + 29), Some(0));
        assert_eq!(l.shift_at(23 * 60), Some(1));
        let feed = FeedState::default();
        let mut r = Rotation::default();
        r.step(0, 8 * 60, &l, &feed);
        assert_eq!(r.view(&l), WallView::Cards);
        r.step(20_000, 8 * 60, &l, &feed);
        assert_eq!(r.view(&l), WallView::Ticker);
        // The night shift starts: its first view at once.
        r.step(25_000, 19 * 60 + 30, &l, &feed);
        assert_eq!(r.view(&l), WallView::Heat);
        // A view outside the shift's, pinned from a console; then back to the rotation.
        r.show(WallView::Coverage, true, &l, 26_000);
        r.step(500_000, 19 * 60 + 40, &l, &feed);
        assert_eq!(r.view(&l), WallView::Coverage);
        r.resume(500_000);
        assert_eq!(r.view(&l), WallView::Heat);
        for (bad, field) in [
            (r#""from": "7:30""#, "shifts[0].from"),
            (r#""from": "24:00""#, "shifts[0].from"),
        ] {
            let t = text.replacen(r#""from": "07:30""#, bad, 1);
            assert!(WallLayout::parse(&t).unwrap_err().contains(field), "{bad}");
        }
        let t = text.replacen("19:30", "07:30", 1);
        assert!(
            WallLayout::parse(&t)
                .unwrap_err()
                .contains("shifts[1].from")
        );
        let t = text.replacen(r#"[{"view":"heat","dwell_s":60}]"#, "[]", 1);
        assert!(
            WallLayout::parse(&t)
                .unwrap_err()
                .contains("shifts[1].views")
        );
    }

    #[test]
    fn squares_are_shaded_by_what_most_of_their_addresses_lack() {
        // Three squares 250 m apart along a parallel: reached in 1 min, mostly only in 3,
        // mostly not at all.
        let at = |x_m: f64| LonLat::new(13.0 + x_m / (111_320.0 * 53f64.to_radians().cos()), 53.0);
        let points = [
            at(0.0),
            at(20.0),
            at(260.0),
            at(270.0),
            at(280.0),
            at(510.0),
            at(520.0),
            at(530.0),
        ];
        let reach = [0, 0, 1, 1, 0, 2, 2, 1];
        let cells = shade_cells(&points, &reach, 2, 250.0);
        let levels: Vec<u8> = cells.iter().map(|c| c.level).collect();
        assert_eq!(levels, vec![1, 2]);
        assert!(cells[0].min.lon < points[2].lon && points[4].lon < cells[0].max.lon);
        assert!(shade_cells(&[], &[], 2, 250.0).is_empty());
    }

    #[test]
    fn the_burn_in_shift_stays_within_its_bounds_and_moves() {
        let mut seen = std::collections::HashSet::new();
        for k in 0..200 {
            let (dx, dy) = burn_in_shift(k * 60_000, 60_000, 4.0);
            assert!(dx.abs() <= 4.0 && dy.abs() <= 4.0);
            seen.insert((dx as i32, dy as i32));
        }
        assert!(seen.len() > 20);
        assert_eq!(
            burn_in_shift(5, 60_000, 4.0),
            burn_in_shift(59_999, 60_000, 4.0)
        );
    }
}
