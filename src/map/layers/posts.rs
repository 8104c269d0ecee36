//! Posts (quick-response posts, workstations, checkpoints) and stations (police, fire,
//! hospitals) as icons, the selected one ringed, clustered with a count below
//! [`ICON_CLUSTER_ZOOM`]; and the marker of a clicked point.

use egui::{Pos2, Rect, Stroke, vec2};
use walkers::lon_lat;

use crate::map::cluster::{ClusterSet, bubble};
use crate::map::draw::{geo, post_icon, screen, station_icon, view_bbox};
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::model::Selection;
use crate::ui::i18n::tr;
use crate::ui::labels;

/// Below this zoom, posts and stations close together on screen are drawn as one icon with a
/// count (a prefecture has a thousand stations; at its full extent they would be a solid mass).
pub const ICON_CLUSTER_ZOOM: f64 = 14.0;
const ICON_CELL_PX: f64 = 44.0;
/// Further out (a prefecture's extent), coarser cells.
const ICON_CELL_FAR_PX: f64 = 72.0;
const FAR_ZOOM: u8 = 11;

#[derive(Default)]
pub struct PostsLayer {
    post_clusters: ClusterSet,
    station_clusters: ClusterSet,
}

impl PostsLayer {
    /// The marker of a clicked point.
    fn draw_point_marker(&self, ctx: &LayerCtx<'_>) {
        if let Some(Selection::Point(p)) = &ctx.frame.state.selection {
            let (painter, theme) = (ctx.painter, ctx.frame.theme);
            let centre = screen(ctx.projector, *p);
            painter.circle_stroke(centre, 7.0, Stroke::new(2.5, theme.selection));
            painter.circle_filled(centre, 2.5, theme.selection);
        }
    }

    fn draw_clustered(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn, zoom: u8) {
        let state = ctx.frame.state;
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let lang = ctx.frame.lang();
        let ops = &state.ops;
        let rect = painter.clip_rect();
        let view = view_bbox(projector, rect.expand(40.0));
        let key = (ops.revision, zoom);
        let cell = if zoom < FAR_ZOOM {
            ICON_CELL_FAR_PX
        } else {
            ICON_CELL_PX
        };
        let badge = |at: Pos2, count: u32| {
            if count > 1 {
                let corner = at + vec2(11.0, -10.0);
                bubble(
                    painter,
                    corner,
                    count,
                    theme.cluster_fill,
                    theme.marker_outline,
                    theme.cluster_text,
                );
            }
        };
        // Each cluster as its first member's icon, with a count when it holds more.
        let icons = |set: &ClusterSet, icon: &dyn Fn(Pos2, usize)| {
            let hits = set.in_view(projector, rect, &view);
            for &(i, at) in &hits {
                let cl = &set.clusters[i];
                icon(at, cl.first);
                badge(at, cl.count);
            }
            hits.len()
        };
        if state.settings.show_posts {
            let posts = &ops.layers.posts;
            self.post_clusters
                .refresh(key, cell, || posts.iter().map(|p| (p.pos, false)));
            drawn.posts += icons(&self.post_clusters, &|at, i| {
                post_icon(painter, at, posts[i].kind, theme, lang);
            });
        }
        if state.settings.show_stations {
            let stations = &ops.layers.stations;
            self.station_clusters
                .refresh(key, cell, || stations.iter().map(|s| (s.pos, false)));
            drawn.stations += icons(&self.station_clusters, &|at, i| {
                station_icon(painter, at, stations[i].kind, theme, lang);
            });
        }
        // The selected one stands out of its cluster.
        match &state.selection {
            Some(Selection::Post(id)) => {
                if let Some(p) = ops.layers.posts.iter().find(|p| &p.id == id) {
                    let at = screen(projector, p.pos);
                    post_icon(painter, at, p.kind, theme, lang);
                    let ring = Rect::from_center_size(at, vec2(24.0, 24.0));
                    let stroke = Stroke::new(2.5, theme.selection);
                    painter.rect_stroke(ring, 4.0, stroke, egui::StrokeKind::Outside);
                }
            }
            Some(Selection::Station(id)) => {
                if let Some(s) = ops.layers.stations.iter().find(|s| &s.id == id) {
                    let at = screen(projector, s.pos);
                    station_icon(painter, at, s.kind, theme, lang);
                    painter.circle_stroke(at, 13.0, Stroke::new(2.5, theme.selection));
                }
            }
            _ => {}
        }
    }
}

impl MapLayer for PostsLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let state = ctx.frame.state;
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let lang = ctx.frame.lang();
        let ops = &state.ops;
        let view = view_bbox(projector, painter.clip_rect().expand(40.0));
        let zoom = projector.zoom();
        if zoom < ICON_CLUSTER_ZOOM {
            self.draw_clustered(ctx, drawn, zoom.floor().clamp(0.0, 20.0) as u8);
            self.draw_point_marker(ctx);
            return;
        }
        if state.settings.show_posts {
            let mut posts = ops.index.posts_in_unsorted(&view);
            posts.sort_unstable();
            for i in posts {
                let p = &ops.layers.posts[i];
                let centre = screen(projector, p.pos);
                post_icon(painter, centre, p.kind, theme, lang);
                if matches!(&state.selection, Some(Selection::Post(id)) if *id == p.id) {
                    painter.rect_stroke(
                        Rect::from_center_size(centre, vec2(24.0, 24.0)),
                        4.0,
                        Stroke::new(2.5, theme.selection),
                        egui::StrokeKind::Outside,
                    );
                }
                drawn.posts += 1;
            }
        }

        if state.settings.show_stations {
            let mut stations = ops.index.stations_in_unsorted(&view);
            stations.sort_unstable();
            for i in stations {
                let s = &ops.layers.stations[i];
                let centre = screen(projector, s.pos);
                station_icon(painter, centre, s.kind, theme, lang);
                if matches!(&state.selection, Some(Selection::Station(id)) if *id == s.id) {
                    painter.circle_stroke(centre, 13.0, Stroke::new(2.5, theme.selection));
                }
                drawn.stations += 1;
            }
        }

        self.draw_point_marker(ctx);
    }

    fn hit_test(&self, ctx: &LayerCtx<'_>, pointer: Pos2) -> Option<Selection> {
        let state = ctx.frame.state;
        let (projector, ops) = (ctx.projector, &state.ops);
        let layers = &ops.layers;
        let at = geo(projector, pointer);
        let m_per_px =
            1.0 / f64::from(projector.scale_pixel_per_meter(lon_lat(at.lon, at.lat))).max(1e-9);
        let tolerance_m = 10.0 * m_per_px;
        let near = |pos| screen(projector, pos).distance(pointer) <= 10.0;
        if state.settings.show_stations
            && let Some((i, d)) = ops.index.nearest_stations(at, 1).first().copied()
            && d <= tolerance_m * 1.5
            && near(layers.stations[i].pos)
        {
            return Some(Selection::Station(layers.stations[i].id.clone()));
        }
        if state.settings.show_posts
            && let Some((i, d)) = ops.index.nearest_posts(at, 1).first().copied()
            && d <= tolerance_m * 1.5
            && near(layers.posts[i].pos)
        {
            return Some(Selection::Post(layers.posts[i].id.clone()));
        }
        None
    }

    fn describe(&self, ctx: &LayerCtx<'_>, selection: &Selection) -> Option<String> {
        let lang = ctx.frame.lang();
        let layers = &ctx.frame.state.ops.layers;
        match selection {
            Selection::Post(id) => layers.posts.iter().find(|p| &p.id == id).map(|p| {
                format!(
                    "{} {} · {}",
                    tr(lang, labels::post_kind(p.kind)),
                    p.id,
                    p.name
                )
            }),
            Selection::Station(id) => layers.stations.iter().find(|s| &s.id == id).map(|s| {
                format!(
                    "{} {} · {}",
                    tr(lang, labels::station_kind(s.kind)),
                    s.id,
                    s.name
                )
            }),
            Selection::Point(p) => Some(format!("{:.5}°N {:.5}°E", p.lat, p.lon)),
            _ => None,
        }
    }
}
