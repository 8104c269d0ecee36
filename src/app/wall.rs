//! The shell's side of the wall display: live coverage asked for and its shading, the view a
//! commander switched to, the rotation by shift, the P1 takeover's flight, the heat map on its
//! view, and night.

use onemap_core::feed::UnitStatus;
use onemap_core::routing::live_coverage::LiveCoverage;

use super::{OneMapApp, apply_visuals};
use crate::ui::theme::ThemeKind;
use crate::wall::{COVERAGE_EVERY_MS, SHADE_CELL_M, WallView, shade_cells};

impl OneMapApp {
    /// A live coverage result: kept with its time, and the squares to shade made from it.
    pub(super) fn take_live_coverage(&mut self, c: LiveCoverage, ms: f64) {
        let Some(wall) = &mut self.state.wall else {
            return;
        };
        let points: Vec<_> = self
            .state
            .city
            .osm()
            .addresses
            .iter()
            .map(|a| a.pos)
            .collect();
        let limits = c.limits_s.len() as u8;
        wall.shade = shade_cells(&points, &c.address_reach, limits, SHADE_CELL_M);
        wall.coverage = Some((c, self.now_ms, ms));
    }

    /// The local minute of the day and hour now.
    fn local_minute(&self) -> u32 {
        let local = self.now_ms + i64::from(self.state.settings.utc_offset_min) * 60_000;
        (local.rem_euclid(86_400_000) / 60_000) as u32
    }

    /// The wall's rotation, its P1 takeover (the map flies to the incident), night, and live
    /// coverage asked for every few seconds from the available units with a current fix.
    pub(super) fn step_wall(&mut self, ctx: &egui::Context) {
        let minute = self.local_minute();
        let Some(wall) = &mut self.state.wall else {
            return;
        };
        if self.now_ms - wall.coverage_asked_ms >= COVERAGE_EVERY_MS
            && let Some(routing) = &mut self.routing
            && self.state.live.last_message_ms.is_some()
        {
            wall.coverage_asked_ms = self.now_ms;
            let units = self
                .state
                .live
                .feed
                .units
                .values()
                .filter(|u| u.status == UnitStatus::Available && !u.fix_is_stale(self.now_ms))
                .map(|u| (u.position.lonlat(), u.kind.travel_mode()))
                .collect();
            routing.live_coverage(units);
        }
        if let Some(view) = self.state.live.wall_show.take() {
            let chosen = view
                .as_deref()
                .and_then(|v| WallView::ALL.into_iter().find(|w| w.name() == v));
            match chosen {
                Some(v) => wall.rotation.show(v, true, &wall.layout, self.now_ms),
                None => wall.rotation.resume(self.now_ms),
            }
        }
        // The map's symbols follow the screen's points, as the wall's text does.
        let screen_h = ctx.content_rect().height();
        if screen_h > 0.0 {
            self.state.settings.map_scale = wall.layout.min_text_pt(screen_h) / 10.0;
        }
        let before = wall.rotation.takeover.clone();
        wall.rotation
            .step(self.now_ms, minute, &wall.layout, &self.state.live.feed);
        if wall.rotation.takeover != before
            && let Some(inc) = wall
                .rotation
                .takeover
                .as_ref()
                .and_then(|id| self.state.live.feed.incidents.get(id))
        {
            self.map.fly_to(inc.location.lonlat(), 14.0);
        }
        // The heat layer shows on the heat view only (its data is kept fresh throughout).
        let heat =
            wall.rotation.view(&wall.layout) == WallView::Heat && wall.rotation.takeover.is_none();
        self.state.history.analysis.settings.heat_on = heat;
        let theme = if wall.layout.is_night(minute / 60) {
            ThemeKind::Night
        } else {
            ThemeKind::Day
        };
        if theme != self.state.settings.theme {
            self.state.settings.theme = theme;
            apply_visuals(ctx, theme);
        }
    }
}
