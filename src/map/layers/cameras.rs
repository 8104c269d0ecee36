//! Cameras: view wedges from zoom [`WEDGE_ZOOM`] (offline ones grey and crossed, the selected
//! one with its heading handle) and, further out or when too many are in view, clusters with
//! counts on a fixed world-pixel grid per integer zoom, computed once per zoom and layer
//! revision so panning costs nothing and nothing flickers.

use std::collections::HashMap;

use egui::{Align2, FontId, Pos2, Stroke, pos2, vec2};
use onemap_core::coord::{BBox, LonLat, mercator};
use onemap_core::layers::Camera;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use walkers::lon_lat;

use crate::map::draw::{camera_dot, geo, heading_handle, screen, view_bbox, wedge_shapes};
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::model::Selection;
use crate::ui::i18n::{T, tr};

/// From this zoom on, cameras are drawn as view wedges instead of clusters.
pub const WEDGE_ZOOM: f64 = 16.0;
const CLUSTER_CELL_PX: f64 = 56.0;
/// Above this many cameras in view, wedges give way to clusters even at street zoom.
const MAX_WEDGES: usize = 4000;

#[derive(Clone, Debug)]
pub struct Cluster {
    /// World pixels at the cache's zoom.
    pub world: [f64; 2],
    pub count: u32,
    pub offline: u32,
}

#[derive(Default)]
pub struct CamerasLayer {
    revision: Option<u64>,
    cluster_zoom: Option<u8>,
    clusters: Vec<Cluster>,
    cluster_tree: RTree<GeomWithData<[f64; 2], usize>>,
}

impl CamerasLayer {
    fn refresh(&mut self, cameras: &[Camera], revision: u64, zoom: u8) {
        if self.revision != Some(revision) || self.cluster_zoom != Some(zoom) {
            self.revision = Some(revision);
            self.cluster_zoom = Some(zoom);
            self.rebuild_clusters(cameras, zoom);
        }
    }

    fn rebuild_clusters(&mut self, cameras: &[Camera], zoom: u8) {
        let z = f64::from(zoom);
        // Sums per grid cell, turned into centroids below.
        let mut cells: HashMap<(i64, i64), Cluster> = HashMap::new();
        for c in cameras {
            let (x, y) = mercator::world_px(c.pos, z);
            let key = (
                (x / CLUSTER_CELL_PX).floor() as i64,
                (y / CLUSTER_CELL_PX).floor() as i64,
            );
            let e = cells.entry(key).or_insert(Cluster {
                world: [0.0, 0.0],
                count: 0,
                offline: 0,
            });
            e.world[0] += x;
            e.world[1] += y;
            e.count += 1;
            e.offline += u32::from(!c.is_online());
        }
        let mut sorted: Vec<_> = cells.into_iter().collect();
        sorted.sort_by_key(|(k, _)| *k);
        self.clusters = sorted
            .into_iter()
            .map(|(_, mut c)| {
                let n = f64::from(c.count);
                c.world = [c.world[0] / n, c.world[1] / n];
                c
            })
            .collect();
        self.cluster_tree = RTree::bulk_load(
            self.clusters
                .iter()
                .enumerate()
                .map(|(i, c)| GeomWithData::new(c.world, i))
                .collect(),
        );
    }
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
        self.refresh(
            &ops.layers.cameras,
            ops.revision,
            zoom.floor().clamp(0.0, 20.0) as u8,
        );
        let rect = painter.clip_rect();
        let view = view_bbox(projector, rect.expand(40.0));
        let in_view = ops.index.cameras_in_unsorted(&view);
        if zoom >= WEDGE_ZOOM && in_view.len() <= MAX_WEDGES {
            let mut in_view = in_view;
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
        } else if let Some(z) = self.cluster_zoom {
            let scale = 2f64.powf(zoom - f64::from(z));
            let (x0, y0) =
                mercator::world_px(LonLat::new(view.min.lon, view.max.lat), f64::from(z));
            let (x1, y1) =
                mercator::world_px(LonLat::new(view.max.lon, view.min.lat), f64::from(z));
            let centre_geo = geo(projector, rect.center());
            let (cx, cy) = mercator::world_px(centre_geo, zoom);
            let mut hits: Vec<usize> = self
                .cluster_tree
                .locate_in_envelope(&rstar::AABB::from_corners([x0, y0], [x1, y1]))
                .map(|g| g.data)
                .collect();
            hits.sort_unstable();
            for i in hits {
                let cl = &self.clusters[i];
                let p = pos2(
                    rect.center().x + (cl.world[0] * scale - cx) as f32,
                    rect.center().y + (cl.world[1] * scale - cy) as f32,
                );
                if cl.count == 1 {
                    camera_dot(painter, p, cl.offline == 0, theme);
                } else {
                    let r = 9.0 + (cl.count as f32).log10() * 5.0;
                    let fill = if cl.offline == cl.count {
                        theme.camera_offline
                    } else {
                        theme.cluster_fill
                    };
                    painter.circle(p, r, fill, Stroke::new(1.5, theme.marker_outline));
                    painter.text(
                        p,
                        Align2::CENTER_CENTER,
                        cl.count.to_string(),
                        FontId::proportional(11.0),
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
