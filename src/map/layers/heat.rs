//! The heat map: the period's kernel density ([`onemap_core::heat::HeatGrid`]) as one
//! smooth, semi-transparent texture under the live symbols. The texture is made once per
//! grid (its revision) and drawn as a mesh of patches whose corners are projected, so it
//! stays on the streets at any zoom.

use egui::{Color32, Mesh, Pos2, TextureHandle, TextureOptions, pos2};
use onemap_core::heat::HeatGrid;

use crate::map::draw::screen;
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::ui::theme::heat_colour;

/// Patches per side of the drawn mesh (the projection's curvature over a city is tiny).
const PATCHES: usize = 8;

#[derive(Default)]
pub struct HeatLayer {
    texture: Option<(u64, TextureHandle)>,
}

/// The grid as an image, north up: each vertex's density against the grid's maximum.
pub fn heat_image(grid: &HeatGrid) -> egui::ColorImage {
    let mut pixels = Vec::with_capacity(grid.cols * grid.rows);
    for r in (0..grid.rows).rev() {
        for c in 0..grid.cols {
            let t = if grid.max > 0.0 {
                grid.value(c, r) / grid.max
            } else {
                0.0
            };
            pixels.push(heat_colour(t));
        }
    }
    egui::ColorImage::new([grid.cols, grid.rows], pixels)
}

impl MapLayer for HeatLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, _drawn: &mut Drawn) {
        let a = &ctx.frame.state.history.analysis;
        let Some(grid) = a
            .grid
            .as_ref()
            .filter(|g| a.settings.heat_on && g.max > 0.0)
        else {
            return;
        };
        if self
            .texture
            .as_ref()
            .is_none_or(|(rev, _)| *rev != a.revision)
        {
            let image = heat_image(grid);
            let handle = ctx
                .painter
                .ctx()
                .load_texture("heat_map", image, TextureOptions::LINEAR);
            self.texture = Some((a.revision, handle));
        }
        let Some((_, texture)) = &self.texture else {
            return;
        };
        let mut mesh = Mesh::with_texture(texture.id());
        let (cols, rows) = ((grid.cols - 1) as f64, (grid.rows - 1) as f64);
        // Vertex (i, j) of the patch mesh: i east, j north.
        let corner = |i: usize, j: usize| -> (Pos2, Pos2) {
            let (u, v) = (i as f64 / PATCHES as f64, j as f64 / PATCHES as f64);
            let p = grid.vertex_at(u * cols, v * rows);
            let uv = pos2(u as f32, 1.0 - v as f32);
            (screen(ctx.projector, p), uv)
        };
        for j in 0..=PATCHES {
            for i in 0..=PATCHES {
                let (pos, uv) = corner(i, j);
                mesh.vertices.push(egui::epaint::Vertex {
                    pos,
                    uv,
                    color: Color32::WHITE,
                });
            }
        }
        let w = (PATCHES + 1) as u32;
        for j in 0..PATCHES as u32 {
            for i in 0..PATCHES as u32 {
                let k = j * w + i;
                mesh.add_triangle(k, k + 1, k + w);
                mesh.add_triangle(k + 1, k + w + 1, k + w);
            }
        }
        ctx.painter.add(mesh);
    }
}
