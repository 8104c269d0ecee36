//! Cameras: view wedges from zoom [`WEDGE_ZOOM`] (offline ones grey and crossed, the selected
//! one with its heading handle) and, further out or when too many are in view, clusters with
//! counts on a grid ([`crate::map::cluster`]); where station districts are shown, a count in
//! each district's label instead.

use egui::{Pos2, Stroke, vec2};
use onemap_core::coord::{BBox, LonLat};
use walkers::lon_lat;

use crate::map::cluster::{ClusterSet, bubble, districts_shown};

use crate::map::draw::{camera_dot, geo, heading_handle, screen, view_bbox, wedge_shapes};
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::model::Selection;
use crate::ui::i18n::{T, tr};

/// From this zoom on, cameras are drawn as view wedges instead of clusters.
pub const WEDGE_ZOOM: f64 = 16.0;
const CLUSTER_CELL_PX: f64 = 56.0;
/// Above this many cameras in view, wedges give way to clusters even at street zoom.
const MAX_WEDGES: usize = 4000;

#[derive(Default)]
pub struct CamerasLayer {
    clusters: ClusterSet,
}

impl MapLayer for CamerasLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let state = ctx.frame.state;
        if !state.settings.show_cameras {
            return;
        }
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let ops = &state.ops;
        let zoom = projector.zoom();
        let rect = painter.clip_rect();
        let view = view_bbox(projector, rect.expand(40.0));
        let by_district = districts_shown(ops, &view);
        // Wedges only from street zoom on, so the whole extent's cameras are never listed.
        let wedges = (zoom >= WEDGE_ZOOM)
            .then(|| ops.index.cameras_in_unsorted(&view))
            .filter(|in_view| in_view.len() <= MAX_WEDGES);
        if let Some(mut in_view) = wedges {
            in_view.sort_unstable();
            for i in in_view {
                let c = &ops.layers.cameras[i];
                let centre = screen(projector, c.pos);
                let px_per_m = projector.scale_pixel_per_meter(lon_lat(c.pos.lon, c.pos.lat));
                let radius = (c.range_m as f32 * px_per_m).max(12.0);
                let (fill, line) = if c.is_online() {
                    (theme.wedge_fill, theme.camera_online)
                } else {
                    (theme.wedge_fill_offline, theme.camera_offline)
                };
                let selected =
                    matches!(&state.selection, Some(Selection::Camera(id)) if *id == c.id);
                let stroke = Stroke::new(
                    if selected { 2.5 } else { 1.0 },
                    if selected { theme.selection } else { line },
                );
                for shape in wedge_shapes(centre, c, radius, fill, stroke) {
                    painter.add(shape);
                }
                camera_dot(painter, centre, c.is_online(), theme);
                if !c.is_online() {
                    // A cross marks an offline camera at any theme.
                    let d = 3.0;
                    let s = Stroke::new(1.5, theme.marker_outline);
                    painter.line_segment([centre - vec2(d, d), centre + vec2(d, d)], s);
                    painter.line_segment([centre + vec2(-d, d), centre + vec2(d, -d)], s);
                }
                if selected {
                    painter.circle_stroke(
                        heading_handle(projector, c),
                        6.0,
                        Stroke::new(2.5, theme.selection),
                    );
                }
                drawn.wedges += 1;
            }
        } else if !by_district {
            // Where districts are shown the cameras are counted in their labels instead: a
            // prefecture's cameras would otherwise be a carpet of bubbles over the incidents.
            let key = (ops.revision, zoom.floor().clamp(0.0, 20.0) as u8);
            self.clusters.refresh(key, CLUSTER_CELL_PX, || {
                ops.layers.cameras.iter().map(|c| (c.pos, !c.is_online()))
            });
            for (i, p) in self.clusters.in_view(projector, rect, &view) {
                let cl = &self.clusters.clusters[i];
                if cl.count == 1 {
                    camera_dot(painter, p, cl.flagged == 0, theme);
                } else {
                    let fill = if cl.flagged == cl.count {
                        theme.camera_offline
                    } else {
                        theme.cluster_fill
                    };
                    bubble(
                        painter,
                        p,
                        cl.count,
                        fill,
                        theme.marker_outline,
                        theme.cluster_text,
                    );
                }
                drawn.clusters += 1;
            }
        }
    }

    fn hit_test(&self, ctx: &LayerCtx<'_>, pointer: Pos2) -> Option<Selection> {
        let state = ctx.frame.state;
        if !state.settings.show_cameras {
            return None;
        }
        let (projector, ops) = (ctx.projector, &state.ops);
        let layers = &ops.layers;
        let at = geo(projector, pointer);
        let m_per_px =
            1.0 / f64::from(projector.scale_pixel_per_meter(lon_lat(at.lon, at.lat))).max(1e-9);
        let tolerance_m = 10.0 * m_per_px;
        if projector.zoom() >= WEDGE_ZOOM - 2.0 {
            let r = BBox::from_points([at, at]).padded(0.0);
            let d_deg = tolerance_m / 111_000.0;
            let around = BBox {
                min: LonLat::new(r.min.lon - d_deg * 2.0, r.min.lat - d_deg),
                max: LonLat::new(r.max.lon + d_deg * 2.0, r.max.lat + d_deg),
            };
            let best = ops
                .index
                .cameras_in_unsorted(&around)
                .into_iter()
                .map(|i| {
                    (
                        screen(projector, layers.cameras[i].pos).distance(pointer),
                        i,
                    )
                })
                .filter(|(d, _)| *d <= 9.0)
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            if let Some((_, i)) = best {
                return Some(Selection::Camera(layers.cameras[i].id.clone()));
            }
        }
        None
    }

    fn describe(&self, ctx: &LayerCtx<'_>, selection: &Selection) -> Option<String> {
        let Selection::Camera(id) = selection else {
            return None;
        };
        let lang = ctx.frame.lang();
        let c = ctx
            .frame
            .state
            .ops
            .layers
            .cameras
            .iter()
            .find(|c| &c.id == id)?;
        let status = tr(lang, if c.is_online() { T::Online } else { T::Offline });
        Some(format!(
            "{} {} · {} · {status}",
            tr(lang, T::Cameras),
            c.id,
            c.name
        ))
    }
}
