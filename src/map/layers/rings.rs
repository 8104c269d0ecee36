//! The planner's rings (filled 1/3/5-minute bands and their outlines) and the gap layer
//! (roads no post reaches within the chosen limit), under every marker.

use egui::{Pos2, Shape, Stroke};

use crate::map::draw::screen;
use crate::map::layer::{Drawn, LayerCtx, MapLayer};

#[derive(Default)]
pub struct RingsLayer;

impl MapLayer for RingsLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, _drawn: &mut Drawn) {
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let plan = &ctx.frame.state.plan;

        let s = &plan.settings;
        let Some(out) = plan.output.as_ref().filter(|_| s.enabled) else {
            return;
        };
        let clip = painter.clip_rect().expand(50.0);
        if s.show_rings
            && let Ok(rings) = &out.rings
        {
            let mut mesh = egui::Mesh::default();
            for &(sw, ne, band) in &rings.runs {
                let (a, b) = (screen(projector, sw), screen(projector, ne));
                let rect = egui::Rect::from_two_pos(a, b);
                if !clip.intersects(rect) {
                    continue;
                }
                let colour = theme.ring_fill[usize::from(band.clamp(1, 3)) - 1];
                mesh.add_colored_rect(rect, colour);
            }
            painter.add(Shape::mesh(mesh));
            for (k, polys) in rings.polygons.iter().enumerate().rev() {
                let stroke = Stroke::new(if k == 0 { 2.0 } else { 1.5 }, theme.ring_line[k.min(2)]);
                for ring in polys.iter().flatten() {
                    let pts: Vec<Pos2> = ring.iter().map(|p| screen(projector, *p)).collect();
                    painter.add(Shape::closed_line(pts, stroke));
                }
            }
        }
        if s.show_gaps
            && let Some(Ok(cov)) = &out.coverage
        {
            let width = if projector.zoom() < 13.0 { 1.3 } else { 2.4 };
            let stroke = Stroke::new(width, theme.gap_line);
            for [a, b] in &cov.gaps {
                let (pa, pb) = (screen(projector, *a), screen(projector, *b));
                if clip.contains(pa) || clip.contains(pb) {
                    painter.line_segment([pa, pb], stroke);
                }
            }
        }
    }
}

/// A suggested post's fill and text: black and white by day, the reverse at night (no
/// symbol on the map is either).
pub fn suggested_colours(dark_mode: bool) -> (egui::Color32, egui::Color32) {
    let (black, white) = (
        egui::Color32::from_rgb(25, 25, 25),
        egui::Color32::from_rgb(245, 245, 245),
    );
    if dark_mode {
        (white, black)
    } else {
        (black, white)
    }
}

/// The suggested new posts: a dashed ring numbered as in the planner's list, above the posts.
pub struct SuggestedLayer;

impl MapLayer for SuggestedLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, _drawn: &mut Drawn) {
        let painter = ctx.painter;
        let (fill, text) = suggested_colours(ctx.frame.theme.dark_mode);
        let plan = &ctx.frame.state.plan;
        if !plan.settings.enabled || plan.settings.suggest == 0 {
            return;
        }
        let Some(view) = plan.output.as_ref().and_then(|o| o.suggested.as_ref()) else {
            return;
        };
        for (k, (at, _)) in view.sites.iter().enumerate() {
            let c = screen(ctx.projector, *at);
            if !painter.clip_rect().expand(20.0).contains(c) {
                continue;
            }
            painter.circle_filled(c, 12.0, fill);
            let ring: Vec<Pos2> = (0..=40)
                .map(|i| {
                    let a = i as f32 / 40.0 * std::f32::consts::TAU;
                    c + egui::vec2(a.cos(), a.sin()) * 16.0
                })
                .collect();
            painter.extend(Shape::dashed_line(&ring, Stroke::new(2.5, fill), 5.0, 3.0));
            painter.text(
                c,
                egui::Align2::CENTER_CENTER,
                (k + 1).to_string(),
                egui::FontId::proportional(14.0),
                text,
            );
        }
    }
}
