//! Posts (quick-response posts, workstations, checkpoints) and stations (police, fire,
//! hospitals) as icons, the selected one ringed; and the marker of a clicked point.

use egui::{Pos2, Rect, Stroke, vec2};
use walkers::lon_lat;

use crate::map::draw::{geo, post_icon, screen, station_icon, view_bbox};
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::model::Selection;
use crate::ui::i18n::tr;
use crate::ui::labels;

#[derive(Default)]
pub struct PostsLayer;

impl MapLayer for PostsLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let state = ctx.frame.state;
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let lang = ctx.frame.lang();
        let ops = &state.ops;
        let view = view_bbox(projector, painter.clip_rect().expand(40.0));
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

        if let Some(Selection::Point(p)) = &state.selection {
            let centre = screen(projector, *p);
            painter.circle_stroke(centre, 7.0, Stroke::new(2.5, theme.selection));
            painter.circle_filled(centre, 2.5, theme.selection);
        }
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
