//! Drawing the operational layers on the map and finding what is under the pointer.
//!
//! Only what is in view is drawn (R-tree culling). Cameras are view wedges from zoom
//! [`WEDGE_ZOOM`] and, below it, clusters on a fixed world-pixel grid so they do not flicker
//! while panning; the clusters of a zoom level are computed once and cached until the layers
//! change. Beat outlines are projected per frame from the cached metric rings.

use std::collections::HashMap;

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Shape, Stroke, pos2, vec2};
use onemap_core::coord::{BBox, LonLat, mercator};
use onemap_core::layers::{Camera, PostKind, StationKind};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use walkers::{Projector, lon_lat};

use crate::app::{Selection, Settings};
use crate::ops::OpState;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::UiTheme;

/// From this zoom on, cameras are drawn as view wedges instead of clusters.
pub const WEDGE_ZOOM: f64 = 16.0;
/// Beat names are written from this zoom on.
pub const BEAT_LABEL_ZOOM: f64 = 13.5;
const CLUSTER_CELL_PX: f64 = 56.0;
/// Above this many cameras in view, wedges give way to clusters even at street zoom.
const MAX_WEDGES: usize = 4000;

pub fn screen(projector: &Projector<'_>, p: LonLat) -> Pos2 {
    projector.project(lon_lat(p.lon, p.lat)).to_pos2()
}

pub fn geo(projector: &Projector<'_>, p: Pos2) -> LonLat {
    let g = projector.unproject(p.to_vec2());
    LonLat::new(g.x(), g.y())
}

/// The lon/lat box visible in `rect`.
pub fn view_bbox(projector: &Projector<'_>, rect: Rect) -> BBox {
    BBox::from_points([
        geo(projector, rect.left_top()),
        geo(projector, rect.right_bottom()),
    ])
}

#[derive(Clone, Debug)]
pub struct Cluster {
    /// World pixels at the cache's zoom.
    pub world: [f64; 2],
    pub count: u32,
    pub offline: u32,
    /// The single member when `count == 1`.
    pub only: usize,
}

/// Derived drawing data, rebuilt when the layers change or the zoom level does.
#[derive(Default)]
pub struct DrawCache {
    revision: Option<u64>,
    cluster_zoom: Option<u8>,
    clusters: Vec<Cluster>,
    cluster_tree: RTree<GeomWithData<[f64; 2], usize>>,
    /// Where each beat's name goes.
    pub beat_labels: Vec<LonLat>,
    /// Station id -> colour index, in file order of police stations.
    station_colour: HashMap<String, usize>,
    beat_mesh: Option<BeatMesh>,
}

/// All beat outlines tessellated once for one zoom level, drawn by translation while the map
/// pans. Used when many beats are in view (city zoom with thousands of beats), where
/// tessellating every outline every frame would cost more than a frame's budget.
struct BeatMesh {
    key: BeatMeshKey,
    /// World pixels (at the key's zoom) that the mesh's origin stands for.
    anchor: [f64; 2],
    mesh: std::sync::Arc<egui::Mesh>,
}

#[derive(Clone, Debug, PartialEq)]
struct BeatMeshKey {
    revision: u64,
    zoom_bits: u64,
    palette: [Color32; 8],
    selection: Color32,
    selected: Option<String>,
    pixels_per_point: u32,
}

/// Above this many beats in view, outlines come from the cached mesh.
const BEAT_MESH_THRESHOLD: usize = 600;

impl DrawCache {
    pub fn refresh(&mut self, ops: &OpState, zoom: u8) {
        if self.revision != Some(ops.revision) {
            self.revision = Some(ops.revision);
            self.cluster_zoom = None;
            self.beat_labels = (0..ops.layers.beats.len())
                .map(|i| ops.centre_of_beat(i).unwrap_or_default())
                .collect();
            self.station_colour = ops
                .layers
                .stations
                .iter()
                .filter(|s| s.kind == StationKind::Police)
                .enumerate()
                .map(|(i, s)| (s.id.to_string(), i))
                .collect();
        }
        if self.cluster_zoom != Some(zoom) {
            self.cluster_zoom = Some(zoom);
            self.rebuild_clusters(&ops.layers.cameras, zoom);
        }
    }

    fn rebuild_clusters(&mut self, cameras: &[Camera], zoom: u8) {
        let z = f64::from(zoom);
        // Sums per grid cell, turned into centroids below.
        let mut cells: HashMap<(i64, i64), Cluster> = HashMap::new();
        for (i, c) in cameras.iter().enumerate() {
            let (x, y) = mercator::world_px(c.pos, z);
            let key = (
                (x / CLUSTER_CELL_PX).floor() as i64,
                (y / CLUSTER_CELL_PX).floor() as i64,
            );
            let e = cells.entry(key).or_insert(Cluster {
                world: [0.0, 0.0],
                count: 0,
                offline: 0,
                only: i,
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

    pub fn beat_colour(&self, station_id: &str, theme: &UiTheme) -> Color32 {
        let i = self.station_colour.get(station_id).copied().unwrap_or(7);
        theme.beat_palette[i % theme.beat_palette.len()]
    }
}

/// What the layers drew this frame (for the status bar, tests and the benchmark).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpsDrawn {
    pub beats: usize,
    pub wedges: usize,
    pub clusters: usize,
    pub posts: usize,
    pub stations: usize,
}

fn wedge_points(centre: Pos2, heading_deg: f64, fov_deg: f64, radius_px: f32) -> Vec<Pos2> {
    let steps = ((fov_deg / 10.0).ceil() as usize).clamp(2, 36);
    let start = heading_deg - fov_deg / 2.0;
    let mut pts = Vec::with_capacity(steps + 2);
    pts.push(centre);
    for s in 0..=steps {
        let a = (start + fov_deg * s as f64 / steps as f64).to_radians();
        // Compass bearing: 0° up (north), clockwise; screen y grows downwards.
        pts.push(centre + vec2(a.sin() as f32, -(a.cos() as f32)) * radius_px);
    }
    pts
}

/// A camera's view wedge (split in two when wider than 180° so each part is convex).
pub fn wedge_shapes(
    centre: Pos2,
    c: &Camera,
    radius_px: f32,
    fill: Color32,
    stroke: Stroke,
) -> Vec<Shape> {
    if c.fov_deg > 180.0 {
        let half = c.fov_deg / 2.0;
        vec![
            Shape::convex_polygon(
                wedge_points(centre, c.heading_deg - half / 2.0, half, radius_px),
                fill,
                stroke,
            ),
            Shape::convex_polygon(
                wedge_points(centre, c.heading_deg + half / 2.0, half, radius_px),
                fill,
                stroke,
            ),
        ]
    } else {
        vec![Shape::convex_polygon(
            wedge_points(centre, c.heading_deg, c.fov_deg, radius_px),
            fill,
            stroke,
        )]
    }
}

/// Where the heading handle of a selected camera is drawn (the tip of its wedge).
pub fn heading_handle(projector: &Projector<'_>, c: &Camera) -> Pos2 {
    let centre = screen(projector, c.pos);
    let px_per_m = projector.scale_pixel_per_meter(lon_lat(c.pos.lon, c.pos.lat));
    let r = (c.range_m as f32 * px_per_m).clamp(30.0, 400.0);
    let a = c.heading_deg.to_radians();
    centre + vec2(a.sin() as f32, -(a.cos() as f32)) * r
}

pub fn post_glyph(kind: PostKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (PostKind::QuickResponse, Lang::Zh) => "快",
        (PostKind::Workstation, Lang::Zh) => "站",
        (PostKind::Checkpoint, Lang::Zh) => "卡",
        (PostKind::QuickResponse, Lang::En) => "Q",
        (PostKind::Workstation, Lang::En) => "W",
        (PostKind::Checkpoint, Lang::En) => "C",
    }
}

pub fn post_colour(kind: PostKind, theme: &UiTheme) -> Color32 {
    match kind {
        PostKind::QuickResponse => theme.post_quick,
        PostKind::Workstation => theme.post_workstation,
        PostKind::Checkpoint => theme.post_checkpoint,
    }
}

/// A rounded-square post marker with its glyph.
pub fn post_icon(painter: &Painter, centre: Pos2, kind: PostKind, theme: &UiTheme, lang: Lang) {
    let r = theme.marker_radius_px + 1.0;
    let rect = Rect::from_center_size(centre, vec2(2.0 * r, 2.0 * r));
    painter.rect(
        rect,
        3.0,
        post_colour(kind, theme),
        Stroke::new(1.5, theme.marker_outline),
        egui::StrokeKind::Outside,
    );
    painter.text(
        centre,
        Align2::CENTER_CENTER,
        post_glyph(kind, lang),
        FontId::proportional(r * 1.3),
        theme.marker_outline,
    );
}

pub fn station_colour(kind: StationKind, theme: &UiTheme) -> Color32 {
    match kind {
        StationKind::Police => theme.station_police,
        StationKind::Fire => theme.station_fire,
        StationKind::Hospital => theme.station_hospital,
    }
}

pub fn station_glyph(kind: StationKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (StationKind::Police, Lang::Zh) => "警",
        (StationKind::Fire, Lang::Zh) => "消",
        (StationKind::Hospital, Lang::Zh) => "医",
        (StationKind::Police, Lang::En) => "P",
        (StationKind::Fire, Lang::En) => "F",
        (StationKind::Hospital, Lang::En) => "H",
    }
}

/// A round station marker with a one-character glyph: 警/消/医 in Chinese, P/F/H in English.
pub fn station_icon(
    painter: &Painter,
    centre: Pos2,
    kind: StationKind,
    theme: &UiTheme,
    lang: Lang,
) {
    let r = theme.marker_radius_px;
    painter.circle(
        centre,
        r + 1.5,
        station_colour(kind, theme),
        Stroke::new(1.5, theme.marker_outline),
    );
    painter.text(
        centre,
        Align2::CENTER_CENTER,
        station_glyph(kind, lang),
        FontId::proportional(r * 1.45),
        theme.marker_outline,
    );
}

/// A small camera dot (used in clusters of one and the legend).
pub fn camera_dot(painter: &Painter, centre: Pos2, online: bool, theme: &UiTheme) {
    let colour = if online {
        theme.camera_online
    } else {
        theme.camera_offline
    };
    painter.circle(centre, 4.5, colour, Stroke::new(1.2, theme.marker_outline));
}

/// Draw every visible operational feature.
pub fn draw(
    painter: &Painter,
    projector: &Projector<'_>,
    ops: &OpState,
    cache: &mut DrawCache,
    settings: &Settings,
    selection: Option<&Selection>,
    theme: &UiTheme,
) -> OpsDrawn {
    let rect = painter.clip_rect();
    let view = view_bbox(projector, rect.expand(40.0));
    let zoom = projector.zoom();
    let lang = settings.lang;
    let mut drawn = OpsDrawn::default();
    let layers = &ops.layers;

    if settings.show_beats {
        let mut beats = ops.index.beats_in_unsorted(&view);
        beats.sort_unstable();
        let selected_beat = match selection {
            Some(Selection::Beat(id)) => Some(id.to_string()),
            _ => None,
        };
        let use_mesh = beats.len() > BEAT_MESH_THRESHOLD;
        if use_mesh {
            draw_beat_mesh(painter, projector, ops, cache, selected_beat.clone(), theme);
        }
        let mut label_rects: Vec<Rect> = Vec::new();
        for i in beats {
            let beat = &layers.beats[i];
            let colour = cache.beat_colour(beat.station_id.as_str(), theme);
            if !use_mesh {
                let selected = selected_beat.as_deref() == Some(beat.id.as_str());
                let stroke = if selected {
                    Stroke::new(3.5, theme.selection)
                } else {
                    Stroke::new(1.6, colour)
                };
                for ring in &beat.rings {
                    let pts: Vec<Pos2> = ring.iter().map(|p| screen(projector, *p)).collect();
                    painter.add(Shape::closed_line(pts, stroke));
                }
            }
            if zoom >= BEAT_LABEL_ZOOM
                && let Some(at) = cache.beat_labels.get(i)
            {
                let pos = screen(projector, *at);
                if rect.contains(pos) {
                    let galley = painter.layout_no_wrap(
                        beat.name.clone(),
                        FontId::proportional(12.5),
                        colour,
                    );
                    let label_rect = Rect::from_center_size(pos, galley.size() + vec2(6.0, 2.0));
                    // Skip names that would overlap one already written.
                    if !label_rects.iter().any(|r: &Rect| r.intersects(label_rect)) {
                        label_rects.push(label_rect);
                        painter.galley(label_rect.min + vec2(3.0, 1.0), galley, colour);
                    }
                }
            }
            drawn.beats += 1;
        }
    }

    if settings.show_cameras {
        let in_view = ops.index.cameras_in_unsorted(&view);
        if zoom >= WEDGE_ZOOM && in_view.len() <= MAX_WEDGES {
            let mut in_view = in_view;
            in_view.sort_unstable();
            for i in in_view {
                let c = &layers.cameras[i];
                let centre = screen(projector, c.pos);
                let px_per_m = projector.scale_pixel_per_meter(lon_lat(c.pos.lon, c.pos.lat));
                let radius = (c.range_m as f32 * px_per_m).max(12.0);
                let (fill, line) = if c.is_online() {
                    (theme.wedge_fill, theme.camera_online)
                } else {
                    (theme.wedge_fill_offline, theme.camera_offline)
                };
                let selected = matches!(selection, Some(Selection::Camera(id)) if *id == c.id);
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
        } else if let Some(z) = cache.cluster_zoom {
            let scale = 2f64.powf(zoom - f64::from(z));
            let (x0, y0) =
                mercator::world_px(LonLat::new(view.min.lon, view.max.lat), f64::from(z));
            let (x1, y1) =
                mercator::world_px(LonLat::new(view.max.lon, view.min.lat), f64::from(z));
            let centre_geo = geo(projector, rect.center());
            let (cx, cy) = mercator::world_px(centre_geo, zoom);
            let mut hits: Vec<usize> = cache
                .cluster_tree
                .locate_in_envelope(&rstar::AABB::from_corners([x0, y0], [x1, y1]))
                .map(|g| g.data)
                .collect();
            hits.sort_unstable();
            for i in hits {
                let cl = &cache.clusters[i];
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

    if settings.show_posts {
        let mut posts = ops.index.posts_in_unsorted(&view);
        posts.sort_unstable();
        for i in posts {
            let p = &layers.posts[i];
            let centre = screen(projector, p.pos);
            post_icon(painter, centre, p.kind, theme, lang);
            if matches!(selection, Some(Selection::Post(id)) if *id == p.id) {
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

    if settings.show_stations {
        let mut stations = ops.index.stations_in_unsorted(&view);
        stations.sort_unstable();
        for i in stations {
            let s = &layers.stations[i];
            let centre = screen(projector, s.pos);
            station_icon(painter, centre, s.kind, theme, lang);
            if matches!(selection, Some(Selection::Station(id)) if *id == s.id) {
                painter.circle_stroke(centre, 13.0, Stroke::new(2.5, theme.selection));
            }
            drawn.stations += 1;
        }
    }

    if let Some(Selection::Point(p)) = selection {
        let centre = screen(projector, *p);
        painter.circle_stroke(centre, 7.0, Stroke::new(2.5, theme.selection));
        painter.circle_filled(centre, 2.5, theme.selection);
    }
    drawn
}

/// Draw every beat outline from the cached mesh, rebuilding it when the zoom, the layers, the
/// theme or the selection changed.
fn draw_beat_mesh(
    painter: &Painter,
    projector: &Projector<'_>,
    ops: &OpState,
    cache: &mut DrawCache,
    selected: Option<String>,
    theme: &UiTheme,
) {
    let zoom = projector.zoom();
    let ctx = painter.ctx();
    let pixels_per_point = ctx.pixels_per_point();
    let key = BeatMeshKey {
        revision: ops.revision,
        zoom_bits: zoom.to_bits(),
        palette: theme.beat_palette,
        selection: theme.selection,
        selected,
        pixels_per_point: pixels_per_point.to_bits(),
    };
    let rect = painter.clip_rect();
    let centre = geo(projector, rect.center());
    let (cx, cy) = mercator::world_px(centre, zoom);
    if cache.beat_mesh.as_ref().is_none_or(|m| m.key != key) {
        let anchor = [cx, cy];
        let options = ctx.tessellation_options(|o| *o);
        let mut tessellator =
            egui::epaint::Tessellator::new(pixels_per_point, options, [1, 1], Vec::new());
        let mut mesh = egui::Mesh::default();
        let mut selected_shapes = Vec::new();
        for beat in &ops.layers.beats {
            let is_selected = key.selected.as_deref() == Some(beat.id.as_str());
            let stroke = if is_selected {
                Stroke::new(3.5, theme.selection)
            } else {
                Stroke::new(1.6, cache.beat_colour(beat.station_id.as_str(), theme))
            };
            for ring in &beat.rings {
                let pts: Vec<Pos2> = ring
                    .iter()
                    .map(|p| {
                        let (x, y) = mercator::world_px(*p, zoom);
                        pos2((x - anchor[0]) as f32, (y - anchor[1]) as f32)
                    })
                    .collect();
                let shape = Shape::closed_line(pts, stroke);
                if is_selected {
                    selected_shapes.push(shape); // on top of its neighbours
                } else {
                    tessellator.tessellate_shape(shape, &mut mesh);
                }
            }
        }
        for shape in selected_shapes {
            tessellator.tessellate_shape(shape, &mut mesh);
        }
        cache.beat_mesh = Some(BeatMesh {
            key,
            anchor,
            mesh: std::sync::Arc::new(mesh),
        });
    }
    if let Some(cached) = &cache.beat_mesh {
        let mut mesh = (*cached.mesh).clone();
        let offset = vec2(
            (cached.anchor[0] - cx) as f32,
            (cached.anchor[1] - cy) as f32,
        );
        mesh.translate(rect.center().to_vec2() + offset);
        painter.add(Shape::mesh(mesh));
    }
}

/// The feature under `pointer` (markers first, then the beat), within a few pixels.
pub fn hit_test(
    projector: &Projector<'_>,
    ops: &OpState,
    settings: &Settings,
    pointer: Pos2,
) -> Option<Selection> {
    let at = geo(projector, pointer);
    let m_per_px =
        1.0 / f64::from(projector.scale_pixel_per_meter(lon_lat(at.lon, at.lat))).max(1e-9);
    let tolerance_m = 10.0 * m_per_px;
    let layers = &ops.layers;
    let near = |pos: LonLat| screen(projector, pos).distance(pointer) <= 10.0;
    if settings.show_stations
        && let Some((i, d)) = ops.index.nearest_stations(at, 1).first().copied()
        && d <= tolerance_m * 1.5
        && near(layers.stations[i].pos)
    {
        return Some(Selection::Station(layers.stations[i].id.clone()));
    }
    if settings.show_posts
        && let Some((i, d)) = ops.index.nearest_posts(at, 1).first().copied()
        && d <= tolerance_m * 1.5
        && near(layers.posts[i].pos)
    {
        return Some(Selection::Post(layers.posts[i].id.clone()));
    }
    if settings.show_cameras && projector.zoom() >= WEDGE_ZOOM - 2.0 {
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
    if settings.show_beats
        && let Some(i) = ops.index.beat_at(at)
    {
        return Some(Selection::Beat(layers.beats[i].id.clone()));
    }
    None
}

/// A one-line description of a selection for tooltips.
pub fn describe(ops: &OpState, selection: &Selection, lang: Lang) -> String {
    let layers = &ops.layers;
    match selection {
        // Live items are described by the live layer.
        Selection::Unit(_) | Selection::Incident(_) => String::new(),
        Selection::Beat(id) => layers
            .beats
            .iter()
            .find(|b| &b.id == id)
            .map(|b| format!("{} {} · {}", tr(lang, T::Beats), b.id, b.name))
            .unwrap_or_default(),
        Selection::Camera(id) => layers
            .cameras
            .iter()
            .find(|c| &c.id == id)
            .map(|c| {
                let status = tr(lang, if c.is_online() { T::Online } else { T::Offline });
                format!("{} {} · {} · {status}", tr(lang, T::Cameras), c.id, c.name)
            })
            .unwrap_or_default(),
        Selection::Post(id) => layers
            .posts
            .iter()
            .find(|p| &p.id == id)
            .map(|p| {
                format!(
                    "{} {} · {}",
                    tr(lang, crate::ui::labels::post_kind(p.kind)),
                    p.id,
                    p.name
                )
            })
            .unwrap_or_default(),
        Selection::Station(id) => layers
            .stations
            .iter()
            .find(|s| &s.id == id)
            .map(|s| {
                format!(
                    "{} {} · {}",
                    tr(lang, crate::ui::labels::station_kind(s.kind)),
                    s.id,
                    s.name
                )
            })
            .unwrap_or_default(),
        Selection::Point(p) => format!("{:.5}°N {:.5}°E", p.lat, p.lon),
    }
}
