//! The planner's beats shaded by coverage: each beat filled by the share of its addresses
//! reached within the chosen limit (under half red, under 80 % amber, the rest green), under
//! the outlines. The outlines are triangulated once per layer revision
//! ([`onemap_core::spatial::triangulate`]); holes are not cut out.

use egui::{Color32, Mesh, Shape};
use onemap_core::coord::{BBox, LonLat};
use onemap_core::spatial::triangulate;

use crate::map::draw::{screen, view_bbox};
use crate::map::layer::{Drawn, LayerCtx, MapLayer};

/// The shading's classes: under 50 %, under 80 %, the rest.
pub fn legend_colour(class: usize) -> Color32 {
    match class {
        0 => Color32::from_rgba_unmultiplied(210, 40, 40, 80),
        1 => Color32::from_rgba_unmultiplied(230, 150, 0, 70),
        _ => Color32::from_rgba_unmultiplied(40, 160, 70, 55),
    }
}

/// The class of an address share in `[0, 1]`.
pub fn class_of(share: f64) -> usize {
    if share < 0.5 {
        0
    } else if share < 0.8 {
        1
    } else {
        2
    }
}

struct Filled {
    bbox: BBox,
    points: Vec<LonLat>,
    triangles: Vec<[u32; 3]>,
}

#[derive(Default)]
pub struct BeatShadeLayer {
    revision: Option<u64>,
    beats: Vec<Filled>,
}

impl MapLayer for BeatShadeLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let state = &ctx.frame.state;
        let plan = &state.plan;
        if !plan.settings.enabled || !plan.settings.shade_beats {
            return;
        }
        let Some(Ok(cov)) = plan.output.as_ref().and_then(|o| o.coverage.as_ref()) else {
            return;
        };
        if self.revision != Some(state.ops.revision) {
            self.revision = Some(state.ops.revision);
            self.beats = state
                .ops
                .layers
                .beats
                .iter()
                .map(|b| {
                    let outer = b.rings.first().cloned().unwrap_or_default();
                    let flat: Vec<[f64; 2]> = outer.iter().map(|p| [p.lon, p.lat]).collect();
                    Filled {
                        bbox: BBox::from_points(outer.iter().copied()),
                        triangles: triangulate(&flat),
                        points: outer,
                    }
                })
                .collect();
        }
        let view = view_bbox(ctx.projector, ctx.painter.clip_rect());
        let limit = cov.gap_limit;
        let mut mesh = Mesh::default();
        for (filled, row) in self.beats.iter().zip(&cov.beats) {
            if row.addresses == 0 || !filled.bbox.intersects(&view) {
                continue;
            }
            let colour = legend_colour(class_of(row.shares(limit).1));
            drawn.shaded_beats += 1;
            let base = mesh.vertices.len() as u32;
            for p in &filled.points {
                mesh.colored_vertex(screen(ctx.projector, *p), colour);
            }
            for t in &filled.triangles {
                mesh.add_triangle(base + t[0], base + t[1], base + t[2]);
            }
        }
        ctx.painter.add(Shape::mesh(mesh));
    }
}
