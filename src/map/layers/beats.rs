//! Patrol beats: outlines coloured by responsible station, names from street zoom on, the
//! selected beat highlighted; with too many beats in view to read
//! ([`crate::map::cluster::DISTRICT_BEATS`]) the station districts instead (beats
//! dissolved by station, one name each). With more than [`BEAT_MESH_THRESHOLD`] beats in view the
//! outlines come from one mesh tessellated once per zoom level and translated while panning.

use std::collections::HashMap;

use egui::{Color32, FontId, Pos2, Rect, Shape, Stroke, pos2, vec2};
use onemap_core::coord::{LonLat, mercator};
use onemap_core::layers::StationKind;
use onemap_core::spatial::simplify_line;
use walkers::Projector;

use crate::map::cluster::districts_shown;
use crate::map::draw::{geo, screen, view_bbox};
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::model::Selection;
use crate::ops::OpState;
use crate::ui::i18n::{T, tr};
use crate::ui::theme::UiTheme;

/// Beat names are written from this zoom on.
pub const BEAT_LABEL_ZOOM: f64 = 13.5;

/// All beat outlines tessellated once for one zoom level, drawn by translation while the map
/// pans. Used when many beats are in view (city zoom with thousands of beats), where
/// tessellating every outline every frame would cost more than a frame's budget.
struct BeatMesh {
    key: BeatMeshKey,
    /// World pixels (at the key's zoom) that the mesh's origin stands for.
    anchor: [f64; 2],
    mesh: std::sync::Arc<egui::Mesh>,
    /// The mesh moved to where it was last drawn, reused while the view stands still.
    placed: Option<(egui::Vec2, std::sync::Arc<egui::Mesh>)>,
}

#[derive(Clone, Debug, PartialEq)]
struct BeatMeshKey {
    revision: u64,
    /// Station districts instead of beats.
    districts: bool,
    zoom_bits: u64,
    palette: [Color32; 8],
    selection: Color32,
    selected: Option<String>,
    pixels_per_point: u32,
}

/// Above this many beats in view, outlines come from the cached mesh.
const BEAT_MESH_THRESHOLD: usize = 600;

#[derive(Default)]
pub struct BeatsLayer {
    revision: Option<u64>,
    /// Where each beat's name goes.
    labels: Vec<LonLat>,
    /// Station id -> colour index, in file order of police stations.
    station_colour: HashMap<String, usize>,
    beat_mesh: Option<BeatMesh>,
    /// Each district's label for (revision, language, cameras shown).
    district_labels: Option<((u64, crate::ui::i18n::Lang, bool), Vec<String>)>,
}

impl BeatsLayer {
    fn refresh(&mut self, ops: &OpState) {
        if self.revision == Some(ops.revision) {
            return;
        }
        self.revision = Some(ops.revision);
        self.labels = (0..ops.layers.beats.len())
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

    fn beat_colour(&self, station_id: &str, theme: &UiTheme) -> Color32 {
        let i = self.station_colour.get(station_id).copied().unwrap_or(7);
        theme.beat_palette[i % theme.beat_palette.len()]
    }
}

impl MapLayer for BeatsLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let state = ctx.frame.state;
        if !state.settings.show_beats {
            return;
        }
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let ops = &state.ops;
        self.refresh(ops);
        let rect = painter.clip_rect();
        let view = view_bbox(projector, rect.expand(40.0));
        let zoom = projector.zoom();
        let selected_beat = match &state.selection {
            Some(Selection::Beat(id)) => Some(id.to_string()),
            _ => None,
        };
        if state.wall.is_some() {
            // The wall: the station districts at every zoom, never hundreds of beat outlines,
            // and no small labels (its text is sized for the farthest viewer).
            if !ops.districts.is_empty() {
                self.draw_mesh(painter, projector, ops, None, theme, true);
            }
            drawn.districts = ops.districts.len();
            return;
        }
        if districts_shown(ops, &view) {
            self.draw_mesh(painter, projector, ops, selected_beat, theme, true);
            self.draw_district_labels(ctx, drawn);
            return;
        }
        let mut beats = ops.index.beats_in_unsorted(&view);
        beats.sort_unstable();
        let use_mesh = beats.len() > BEAT_MESH_THRESHOLD;
        if use_mesh {
            self.draw_mesh(painter, projector, ops, selected_beat.clone(), theme, false);
        }
        let mut label_rects: Vec<Rect> = Vec::new();
        for i in beats {
            let beat = &ops.layers.beats[i];
            let colour = self.beat_colour(beat.station_id.as_str(), theme);
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
                && let Some(at) = self.labels.get(i)
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

    fn hit_test(&self, ctx: &LayerCtx<'_>, pointer: Pos2) -> Option<Selection> {
        let state = ctx.frame.state;
        if !state.settings.show_beats {
            return None;
        }
        let i = state.ops.index.beat_at(geo(ctx.projector, pointer))?;
        Some(Selection::Beat(state.ops.layers.beats[i].id.clone()))
    }

    fn describe(&self, ctx: &LayerCtx<'_>, selection: &Selection) -> Option<String> {
        let Selection::Beat(id) = selection else {
            return None;
        };
        let lang = ctx.frame.lang();
        let b = ctx
            .frame
            .state
            .ops
            .layers
            .beats
            .iter()
            .find(|b| &b.id == id)?;
        Some(format!("{} {} · {}", tr(lang, T::Beats), b.id, b.name))
    }
}

impl BeatsLayer {
    /// Each district's label: its station's name and, with cameras shown, their count.
    fn district_labels(&mut self, ctx: &LayerCtx<'_>) -> &[String] {
        let ops = &ctx.frame.state.ops;
        let show_cameras = ctx.frame.state.settings.show_cameras;
        let lang = ctx.frame.lang();
        let key = (ops.revision, lang, show_cameras);
        if self.district_labels.as_ref().is_none_or(|(k, _)| *k != key) {
            let names: HashMap<&str, &str> = ops
                .layers
                .stations
                .iter()
                .map(|s| (s.id.as_str(), s.name.as_str()))
                .collect();
            let labels = ops
                .districts
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    let id = d.station_id.as_str();
                    let name = names.get(id).copied().unwrap_or(id);
                    match ops.district_cameras.get(k) {
                        Some(&(cameras, _)) if show_cameras && cameras > 0 => {
                            format!("{name} · {} {cameras}", tr(lang, T::Cameras))
                        }
                        _ => name.to_owned(),
                    }
                })
                .collect();
            self.district_labels = Some((key, labels));
        }
        self.district_labels.as_ref().map_or(&[], |(_, l)| l)
    }

    /// One name per station district, where it does not overlap another.
    fn draw_district_labels(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn) {
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let ops = &ctx.frame.state.ops;
        let rect = painter.clip_rect();
        let colours: Vec<Color32> = ops
            .districts
            .iter()
            .map(|d| self.beat_colour(d.station_id.as_str(), theme))
            .collect();
        let labels = self.district_labels(ctx);
        let mut taken: Vec<Rect> = Vec::new();
        for (k, d) in ops.districts.iter().enumerate() {
            let pos = screen(projector, d.label_at);
            if !rect.contains(pos) {
                continue;
            }
            drawn.districts += 1;
            let (Some(label), Some(&colour)) = (labels.get(k), colours.get(k)) else {
                continue;
            };
            let galley = painter.layout_no_wrap(label.clone(), FontId::proportional(13.0), colour);
            let at = Rect::from_center_size(pos + vec2(0.0, 16.0), galley.size() + vec2(6.0, 2.0));
            if !taken.iter().any(|r| r.intersects(at)) {
                taken.push(at);
                painter.rect_filled(at, 3.0, theme.overlay_bg);
                painter.galley(at.min + vec2(3.0, 1.0), galley, colour);
            }
        }
    }

    /// Draw every beat outline from the cached mesh, rebuilding it when the zoom, the layers, the
    /// theme or the selection changed.
    fn draw_mesh(
        &mut self,
        painter: &egui::Painter,
        projector: &Projector<'_>,
        ops: &OpState,
        selected: Option<String>,
        theme: &UiTheme,
        districts: bool,
    ) {
        let zoom = projector.zoom();
        let ctx = painter.ctx();
        let pixels_per_point = ctx.pixels_per_point();
        let key = BeatMeshKey {
            revision: ops.revision,
            districts,
            zoom_bits: zoom.to_bits(),
            palette: theme.beat_palette,
            selection: theme.selection,
            selected,
            pixels_per_point: pixels_per_point.to_bits(),
        };
        let rect = painter.clip_rect();
        let centre = geo(projector, rect.center());
        let (cx, cy) = mercator::world_px(centre, zoom);
        if self.beat_mesh.as_ref().is_none_or(|m| m.key != key) {
            let anchor = [cx, cy];
            let options = ctx.tessellation_options(|o| *o);
            let mut tessellator =
                egui::epaint::Tessellator::new(pixels_per_point, options, [1, 1], Vec::new());
            let mut mesh = egui::Mesh::default();
            let mut selected_shapes = Vec::new();
            let to_mesh = |p: &LonLat| {
                let (x, y) = mercator::world_px(*p, zoom);
                pos2((x - anchor[0]) as f32, (y - anchor[1]) as f32)
            };
            if districts {
                for d in &ops.districts {
                    // Thin and translucent: at this scale the map and the incidents come first.
                    let colour = self
                        .beat_colour(d.station_id.as_str(), theme)
                        .gamma_multiply(0.7);
                    let stroke = Stroke::new(1.4, colour);
                    for line in &d.lines {
                        // Simplified to the zoom (half a pixel): at a prefecture's extent a
                        // district's raster-traced boundary has far more points than pixels.
                        let world: Vec<[f64; 2]> = line
                            .iter()
                            .map(|p| {
                                let (x, y) = mercator::world_px(*p, zoom);
                                [x, y]
                            })
                            .collect();
                        let pts: Vec<Pos2> = simplify_line(&world, 0.5)
                            .iter()
                            .map(|p| pos2((p[0] - anchor[0]) as f32, (p[1] - anchor[1]) as f32))
                            .collect();
                        tessellator.tessellate_shape(Shape::line(pts, stroke), &mut mesh);
                    }
                }
            }
            // The selected beat is outlined over its district too.
            for beat in &ops.layers.beats {
                let is_selected = key.selected.as_deref() == Some(beat.id.as_str());
                if districts && !is_selected {
                    continue;
                }
                let is_selected = key.selected.as_deref() == Some(beat.id.as_str());
                let stroke = if is_selected {
                    Stroke::new(3.5, theme.selection)
                } else {
                    Stroke::new(1.6, self.beat_colour(beat.station_id.as_str(), theme))
                };
                for ring in &beat.rings {
                    let pts: Vec<Pos2> = ring.iter().map(to_mesh).collect();
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
            self.beat_mesh = Some(BeatMesh {
                key,
                anchor,
                mesh: std::sync::Arc::new(mesh),
                placed: None,
            });
        }
        if let Some(cached) = &mut self.beat_mesh {
            let offset = rect.center().to_vec2()
                + vec2(
                    (cached.anchor[0] - cx) as f32,
                    (cached.anchor[1] - cy) as f32,
                );
            let placed = match &cached.placed {
                Some((at, mesh)) if *at == offset => mesh.clone(),
                _ => {
                    let mut mesh = (*cached.mesh).clone();
                    mesh.translate(offset);
                    let mesh = std::sync::Arc::new(mesh);
                    cached.placed = Some((offset, mesh.clone()));
                    mesh
                }
            };
            painter.add(Shape::Mesh(placed));
        }
    }
}
