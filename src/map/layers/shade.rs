//! The wall's coverage view: the squares of the city that no available unit reaches in time,
//! shaded under the live symbols ([`crate::wall::shade_cells`]), amber where the first limit
//! is missed, red where every limit is.

use egui::{Color32, Rect};

use crate::map::draw::screen;
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::wall::WallView;

/// Level 1 (not within the first limit): amber; level 2 (not within any): red (premultiplied).
pub const SHADE: [Color32; 2] = [
    Color32::from_rgba_premultiplied(110, 70, 0, 120),
    Color32::from_rgba_premultiplied(104, 14, 14, 120),
];

pub struct ShadeLayer;

impl MapLayer for ShadeLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, _drawn: &mut Drawn) {
        let Some(wall) = ctx
            .frame
            .state
            .wall
            .as_ref()
            .filter(|w| w.showing(WallView::Coverage))
        else {
            return;
        };
        let clip = ctx.painter.clip_rect();
        for cell in &wall.shade {
            let rect = Rect::from_two_pos(
                screen(ctx.projector, cell.min),
                screen(ctx.projector, cell.max),
            );
            if !rect.intersects(clip) {
                continue;
            }
            let colour = SHADE[usize::from(cell.level.clamp(1, 2)) - 1];
            ctx.painter.rect_filled(rect, 0.0, colour);
        }
    }
}
