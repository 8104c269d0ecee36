//! Live units and incidents: units by kind and status with their heading (grey when their
//! last fix is stale or they are off duty), open incidents as diamonds by category and
//! priority, new ones pulsing; a ring round the selected one. Incidents are drawn above units
//! so a call is never hidden under a car.

use egui::{Align2, Color32, FontId, Pos2, Shape, Stroke, vec2};
use onemap_core::feed::{IncidentStatus, UnitStatus};

use crate::live::PULSE_MS;
use crate::map::draw::{category_glyph, priority_colour, screen, status_colour, unit_glyph};
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::model::Selection;
use crate::ui::labels::{incident_status_label, unit_status_label};

/// Within this many points of a marker, a click or hover hits it.
const HIT_PX: f32 = 11.0;

#[derive(Default)]
pub struct LiveLayer;

impl LiveLayer {
    fn draw_units(&self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let lang = ctx.frame.lang();
        let clip = painter.clip_rect().expand(30.0);
        let now_ms = ctx.frame.at_ms;
        let settings = &ctx.frame.state.settings;
        let k = settings.map_scale;
        for u in ctx.frame.state.shown_feed().units.values() {
            if !settings.shows_unit(u.kind) {
                continue;
            }
            let at = screen(projector, u.position.lonlat());
            if !clip.contains(at) {
                continue;
            }
            drawn.units += 1;
            let stale = u.fix_is_stale(now_ms);
            let fill = if stale || u.status == UnitStatus::OffDuty {
                theme.camera_offline
            } else {
                status_colour(u.status, theme)
            };
            if u.speed_kmh > 0.5 && !stale {
                let a = (u.heading_deg as f32).to_radians();
                let dir = vec2(a.sin(), -a.cos());
                let tip = at + dir * 15.0 * k;
                let side = vec2(dir.y, -dir.x) * 5.0 * k;
                painter.add(Shape::convex_polygon(
                    vec![tip, at + dir * 7.0 * k + side, at + dir * 7.0 * k - side],
                    fill,
                    Stroke::new(1.0, theme.marker_outline),
                ));
            }
            painter.circle(at, 8.0 * k, fill, Stroke::new(1.5, theme.marker_outline));
            painter.text(
                at,
                Align2::CENTER_CENTER,
                unit_glyph(u.kind, lang),
                FontId::proportional(10.0 * k),
                Color32::WHITE,
            );
            if projector.zoom() >= 15.0 {
                painter.text(
                    at + vec2(11.0, -11.0) * k,
                    Align2::LEFT_BOTTOM,
                    &u.call_sign,
                    FontId::proportional(11.0 * k),
                    theme.overlay_text,
                );
            }
        }
    }

    fn draw_incidents(&self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let lang = ctx.frame.lang();
        let clip = painter.clip_rect().expand(30.0);
        let live = &ctx.frame.state.live;
        let mut pulsing = false;
        let settings = &ctx.frame.state.settings;
        let k = settings.map_scale;
        for inc in ctx.frame.state.shown_feed().open_incidents() {
            if !settings.shows_priority(inc.priority) {
                continue;
            }
            let at = screen(projector, inc.location.lonlat());
            if !clip.contains(at) {
                continue;
            }
            drawn.incidents += 1;
            let colour = priority_colour(inc.priority, theme);
            // Nothing pulses in replay: the past is not news.
            let age_ms = match ctx.frame.state.replaying() {
                true => PULSE_MS,
                false => live
                    .first_seen
                    .get(&inc.id)
                    .map_or(PULSE_MS, |t| ctx.frame.now_ms - t),
            };
            if age_ms < PULSE_MS && inc.status == IncidentStatus::New && inc.acknowledged.is_none()
            {
                pulsing = true;
                let phase = (age_ms as f32 / 1000.0 % 1.2) / 1.2;
                let r = (9.0 + 16.0 * phase) * k;
                let alpha = ((1.0 - phase) * 200.0) as u8;
                painter.circle_stroke(
                    at,
                    r,
                    Stroke::new(
                        2.5,
                        Color32::from_rgba_unmultiplied(colour.r(), colour.g(), colour.b(), alpha),
                    ),
                );
            }
            // A diamond: incidents read differently from round unit markers; larger at a city's
            // or a prefecture's extent, where they must stand out of the districts.
            let s = if projector.zoom() < 12.0 { 13.0 } else { 10.0 } * k;
            painter.add(crate::map::draw::incident_diamond(at, s, colour, theme));
            painter.text(
                at,
                Align2::CENTER_CENTER,
                category_glyph(inc.category, lang),
                FontId::proportional(10.5 * k),
                Color32::WHITE,
            );
            if inc.status != IncidentStatus::New {
                // Worked on: a small ring marks it.
                painter.circle_stroke(at, s + 3.0, Stroke::new(1.2, colour));
            }
        }
        if pulsing {
            painter
                .ctx()
                .request_repaint_after(std::time::Duration::from_millis(33));
        }
    }
}

impl MapLayer for LiveLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        // The wall's heat view is about the period: today's units would hide it.
        let heat_view = ctx
            .frame
            .state
            .wall
            .as_ref()
            .is_some_and(|w| w.showing(crate::wall::WallView::Heat));
        if !heat_view {
            self.draw_units(ctx, drawn);
        }
        self.draw_incidents(ctx, drawn);
        let feed = &ctx.frame.state.shown_feed();
        let at = match &ctx.frame.state.selection {
            Some(Selection::Unit(id)) => feed.units.get(id).map(|u| u.position.lonlat()),
            Some(Selection::Incident(id)) => feed.incidents.get(id).map(|i| i.location.lonlat()),
            _ => None,
        };
        if let Some(p) = at {
            ctx.painter.circle_stroke(
                screen(ctx.projector, p),
                14.0,
                Stroke::new(3.0, ctx.frame.theme.selection),
            );
        }
    }

    /// The incident or unit under `pointer` (incidents first: they are drawn on top).
    fn hit_test(&self, ctx: &LayerCtx<'_>, pointer: Pos2) -> Option<Selection> {
        let feed = &ctx.frame.state.shown_feed();
        let settings = &ctx.frame.state.settings;
        let near = |p: onemap_core::coord::LonLat| screen(ctx.projector, p).distance(pointer);
        let incident = feed
            .open_incidents()
            .filter(|i| settings.shows_priority(i.priority))
            .map(|i| (near(i.location.lonlat()), i))
            .filter(|(d, _)| *d <= HIT_PX)
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, i)) = incident {
            return Some(Selection::Incident(i.id.clone()));
        }
        feed.units
            .values()
            .filter(|u| settings.shows_unit(u.kind))
            .map(|u| (near(u.position.lonlat()), u))
            .filter(|(d, _)| *d <= HIT_PX)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, u)| Selection::Unit(u.id.clone()))
    }

    fn describe(&self, ctx: &LayerCtx<'_>, selection: &Selection) -> Option<String> {
        let lang = ctx.frame.lang();
        let feed = &ctx.frame.state.shown_feed();
        match selection {
            Selection::Unit(id) => feed
                .units
                .get(id)
                .map(|u| format!("{} · {}", u.call_sign, unit_status_label(lang, u.status))),
            Selection::Incident(id) => feed.incidents.get(id).map(|i| {
                format!(
                    "P{} {} · {}",
                    i.priority,
                    i.address,
                    incident_status_label(lang, i.status)
                )
            }),
            _ => None,
        }
    }
}
