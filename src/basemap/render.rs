//! Rasterising basemap tiles from the imported OSM data with tiny-skia.
//!
//! [`MapData`] holds the city projected once to Web Mercator (zoom-0 pixels) with an R-tree per
//! layer, so a tile only touches the features that cross it. [`MapData::render_tile`] is a pure
//! function of (data, tile, theme, options): it runs on any thread and never touches the UI.

use std::sync::{Arc, OnceLock};

use onemap_core::coord::{LonLat, mercator};
use onemap_core::osm::{LandKind, LineKind, OsmData, RoadClass};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Stroke, StrokeDash,
    Transform,
};

use super::labels::{self, LabelKind, LabelLayout};
pub use super::projected::{FlatAreas, P, ProjPlace, ProjRoad};
use super::text::GlyphFont;
use crate::ui::theme::{BasemapPalette, ThemeKind};

pub const TILE_PX: u32 = 256;
/// Zoom levels the renderer styles; above this walkers scales the z18 tiles.
pub const MAX_ZOOM: u8 = 19;

/// What goes into a tile besides roads, water and land.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RenderOptions {
    pub buildings: bool,
    pub labels: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            buildings: true,
            labels: true,
        }
    }
}

impl RenderOptions {
    /// Part of the disk cache key.
    pub fn key(self) -> String {
        format!(
            "{}{}",
            if self.buildings { "b" } else { "" },
            if self.labels { "l" } else { "" }
        )
    }
}

type Indexed = GeomWithData<Rectangle<P>, u32>;
/// Areas are indexed by `f32` boxes relative to their store's origin (see [`FlatAreas`]).
type AreaIndexed = GeomWithData<Rectangle<[f32; 2]>, u32>;

/// The city projected to zoom-0 world pixels, indexed for tile rendering.
pub struct MapData {
    pub roads: Vec<ProjRoad>,
    road_index: RTree<Indexed>,
    land_kind: Vec<LandKind>,
    land: FlatAreas,
    land_index: RTree<AreaIndexed>,
    water: FlatAreas,
    water_index: RTree<AreaIndexed>,
    buildings: FlatAreas,
    building_index: RTree<AreaIndexed>,
    lines: Vec<(LineKind, Vec<P>)>,
    line_index: RTree<Indexed>,
    pub places: Vec<ProjPlace>,
    pub font: Arc<GlyphFont>,
    label_layouts: Vec<OnceLock<LabelLayout>>,
}

fn project(p: LonLat) -> P {
    let (x, y) = mercator::world_px(p, 0.0);
    [x, y]
}

fn project_all(points: &[LonLat]) -> Vec<P> {
    points.iter().map(|&p| project(p)).collect()
}

fn envelope(points: impl Iterator<Item = P>) -> Rectangle<P> {
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in points {
        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
    }
    Rectangle::from_corners(lo, hi)
}

fn area_index(areas: &FlatAreas) -> RTree<AreaIndexed> {
    RTree::bulk_load(
        (0..areas.len())
            .map(|i| {
                let (lo, hi) = areas.envelope(i);
                GeomWithData::new(Rectangle::from_corners(lo, hi), i as u32)
            })
            .collect(),
    )
}

fn index<T>(items: &[T], points: impl Fn(&T) -> Vec<P>) -> RTree<Indexed> {
    RTree::bulk_load(
        items
            .iter()
            .enumerate()
            .map(|(i, item)| GeomWithData::new(envelope(points(item).into_iter()), i as u32))
            .collect(),
    )
}

/// The basemap's data, prepared on first use: the console starts that on a thread of its own
/// when the city opens, so a first frame from cached tiles does not wait for it, and a tile
/// worker that needs it waits off the UI thread.
pub struct LazyMapData {
    /// The city's data and its buildings, kept here and not in the shared city: only the
    /// basemap draws them, and once it has its projected copy they are dropped (a
    /// prefecture's 1.5 M outlines are not held twice). `None` until the city has been read.
    input: std::sync::Mutex<Option<(Arc<OsmData>, Vec<onemap_core::osm::Area>)>>,
    given: std::sync::Condvar,
    font: Arc<GlyphFont>,
    cell: OnceLock<MapData>,
}

impl LazyMapData {
    /// Fails only if no font can be loaded.
    pub fn new(osm: Arc<OsmData>, buildings: Vec<onemap_core::osm::Area>) -> anyhow::Result<Self> {
        let data = Self::pending()?;
        data.provide(osm, buildings);
        Ok(data)
    }

    /// Waiting for the city's data ([`Self::provide`]). Fails only if no font can be loaded.
    pub fn pending() -> anyhow::Result<Self> {
        Ok(Self {
            input: std::sync::Mutex::new(None),
            given: std::sync::Condvar::new(),
            font: Arc::new(GlyphFont::system()?),
            cell: OnceLock::new(),
        })
    }

    /// The city's data has been read.
    pub fn provide(&self, osm: Arc<OsmData>, buildings: Vec<onemap_core::osm::Area>) {
        if let Ok(mut input) = self.input.lock() {
            *input = Some((osm, buildings));
        }
        self.given.notify_all();
    }

    /// Already prepared (for tests and tools that want it now).
    pub fn ready(data: MapData) -> Self {
        let font = data.font.clone();
        let cell = OnceLock::new();
        let _ = cell.set(data);
        Self {
            input: std::sync::Mutex::default(),
            given: std::sync::Condvar::new(),
            font,
            cell,
        }
    }

    /// The data, prepared now if no one has yet (blocks while the city is still being read or
    /// another thread prepares it: never on the UI thread).
    pub fn get(&self) -> &MapData {
        self.cell.get_or_init(|| {
            let taken = self.input.lock().ok().and_then(|input| {
                let mut input = self.given.wait_while(input, |i| i.is_none()).ok()?;
                input.take()
            });
            let (osm, buildings) = taken.unwrap_or_default();
            MapData::with_font(&osm, &buildings, self.font.clone())
        })
    }

    pub fn is_ready(&self) -> bool {
        self.cell.get().is_some()
    }
}

impl MapData {
    pub fn new(osm: &OsmData) -> anyhow::Result<Self> {
        Ok(Self::with_font(
            osm,
            &osm.buildings,
            Arc::new(GlyphFont::system()?),
        ))
    }

    /// From `osm`, with `buildings` in place of its own.
    pub fn with_font(
        osm: &OsmData,
        buildings: &[onemap_core::osm::Area],
        font: Arc<GlyphFont>,
    ) -> Self {
        let roads: Vec<ProjRoad> = osm
            .roads
            .iter()
            .map(|r| ProjRoad {
                class: r.class,
                is_link: r.is_link,
                name: r.name.as_deref().map(Arc::from),
                points: project_all(&r.points),
            })
            .collect();
        // One origin for every flat store: the city's north-west corner.
        let origin = project(LonLat::new(osm.bounds.min.lon, osm.bounds.max.lat));
        let flat = |areas: &mut dyn Iterator<Item = &onemap_core::osm::Area>| {
            let mut out = FlatAreas::new(origin);
            for a in areas {
                out.push(a.rings.iter().map(Vec::as_slice), project);
            }
            out
        };
        let land_kind: Vec<LandKind> = osm.land.iter().map(|l| l.kind).collect();
        let land = flat(&mut osm.land.iter().map(|l| &l.area));
        let water = flat(&mut osm.water.iter());
        let buildings = flat(&mut buildings.iter());
        let lines: Vec<(LineKind, Vec<P>)> = osm
            .lines
            .iter()
            .map(|l| (l.kind, project_all(&l.points)))
            .collect();
        let places = osm
            .places
            .iter()
            .map(|p| ProjPlace {
                kind: p.kind,
                name: Arc::from(p.name_zh.as_deref().unwrap_or(&p.name)),
                pos: project(p.pos),
            })
            .collect();
        Self {
            road_index: index(&roads, |r| r.points.clone()),
            land_index: area_index(&land),
            water_index: area_index(&water),
            building_index: area_index(&buildings),
            line_index: index(&lines, |(_, l)| l.clone()),
            roads,
            land_kind,
            land,
            water,
            buildings,
            lines,
            places,
            font,
            label_layouts: (0..=MAX_ZOOM).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The label layout of zoom `z`, computed on first use (a few ms) and shared by all tiles of
    /// that zoom so labels crossing tile edges line up.
    pub fn labels(&self, z: u8) -> &LabelLayout {
        let z = z.min(MAX_ZOOM);
        self.label_layouts[usize::from(z)]
            .get_or_init(|| labels::layout(&self.roads, &self.places, &self.font, z))
    }

    /// Roads: all casings, then all fills, least important first.
    fn draw_roads(
        &self,
        pixmap: &mut Pixmap,
        t: &TileTransform,
        palette: &BasemapPalette,
        hits: &[u32],
    ) {
        let z = t.z;
        let mut road_hits: Vec<(usize, RoadStyle)> = hits
            .iter()
            .filter_map(|&i| {
                let road = &self.roads[i as usize];
                road_style(road.class, road.is_link, z).map(|s| (i as usize, s))
            })
            .collect();
        road_hits.sort_by_key(|(i, s)| (std::cmp::Reverse(s.rank), *i));
        for (i, style) in &road_hits {
            if let Some(casing_px) = style.casing_px {
                let c = palette.road_casing[style.group];
                stroke_line(
                    pixmap,
                    t,
                    self.roads[*i].points.iter().copied(),
                    c,
                    casing_px,
                    None,
                );
            }
        }
        for (i, style) in &road_hits {
            let c = palette.road_fill[style.group];
            let dash = style
                .dashed
                .then(|| vec![style.width_px * 2.0, style.width_px * 1.5]);
            stroke_line(
                pixmap,
                t,
                self.roads[*i].points.iter().copied(),
                c,
                style.width_px,
                dash,
            );
        }
    }

    /// Render tile `z/x/y`. Pure: the same inputs give the same pixels.
    pub fn render_tile(
        &self,
        z: u8,
        x: u32,
        y: u32,
        theme: ThemeKind,
        options: RenderOptions,
    ) -> Pixmap {
        let palette = theme.palette();
        let Some(mut pixmap) = Pixmap::new(TILE_PX, TILE_PX) else {
            unreachable!("256x256 is a valid pixmap size")
        };
        pixmap.fill(color(palette.land));
        let t = TileTransform::new(z, x, y);
        let query = |tree: &RTree<Indexed>, margin_px: f64| -> Vec<u32> {
            let mut hits: Vec<u32> = tree
                .locate_in_envelope_intersecting(&t.envelope(margin_px))
                .map(|g| g.data)
                .collect();
            hits.sort_unstable(); // deterministic drawing order
            hits
        };
        let query_areas = |tree: &RTree<AreaIndexed>, areas: &FlatAreas, margin_px: f64| {
            areas_in(&t, tree, areas, margin_px)
        };
        let zf = f32::from(z);

        // Land cover: big landuse first, then greenery on top.
        if z >= 10 {
            let hits = query_areas(&self.land_index, &self.land, 1.0);
            for pass in [0, 1] {
                for &i in &hits {
                    let kind = self.land_kind[i as usize];
                    let is_green = matches!(
                        kind,
                        LandKind::Forest | LandKind::Park | LandKind::Grass | LandKind::Cemetery
                    );
                    if (pass == 1) == is_green {
                        fill_area(
                            &mut pixmap,
                            &t,
                            &self.land,
                            i as usize,
                            land_color(palette, kind),
                        );
                    }
                }
            }
        }

        for &i in &query_areas(&self.water_index, &self.water, 1.0) {
            fill_area(&mut pixmap, &t, &self.water, i as usize, palette.water);
        }
        let line_hits = query(&self.line_index, 8.0);
        for &i in &line_hits {
            let (kind, points) = &self.lines[i as usize];
            let width = match kind {
                LineKind::River => interpolate(zf, &[(10.0, 1.0), (14.0, 3.0), (18.0, 12.0)]),
                LineKind::Stream if z >= 13 => interpolate(zf, &[(13.0, 0.6), (18.0, 3.0)]),
                _ => continue,
            };
            stroke_line(
                &mut pixmap,
                &t,
                points.iter().copied(),
                palette.water_line,
                width,
                None,
            );
        }

        if options.buildings && z >= 14 {
            let hits = query_areas(&self.building_index, &self.buildings, 1.0);
            for &i in &hits {
                let i = i as usize;
                fill_area(&mut pixmap, &t, &self.buildings, i, palette.building);
                if z >= 16 {
                    for ring in self.buildings.rings(i) {
                        stroke_line(&mut pixmap, &t, ring, palette.building_outline, 0.8, None);
                    }
                }
            }
        }

        self.draw_roads(&mut pixmap, &t, palette, &query(&self.road_index, 24.0));

        if z >= 10 {
            for &i in &line_hits {
                let (kind, points) = &self.lines[i as usize];
                let (width, dash) = match kind {
                    LineKind::Rail => (
                        interpolate(zf, &[(10.0, 0.6), (14.0, 1.5), (18.0, 3.5)]),
                        true,
                    ),
                    LineKind::Tram if z >= 13 => {
                        (interpolate(zf, &[(13.0, 1.0), (18.0, 2.5)]), false)
                    }
                    _ => continue,
                };
                stroke_line(
                    &mut pixmap,
                    &t,
                    points.iter().copied(),
                    palette.rail,
                    width,
                    None,
                );
                if dash && z >= 13 {
                    let d = vec![width * 3.0, width * 3.0];
                    stroke_line(
                        &mut pixmap,
                        &t,
                        points.iter().copied(),
                        palette.rail_dash,
                        width * 0.5,
                        Some(d),
                    );
                }
            }
        }

        if options.labels {
            self.draw_labels(&mut pixmap, &t, palette);
        }
        pixmap
    }

    fn draw_labels(&self, pixmap: &mut Pixmap, t: &TileTransform, palette: &BasemapPalette) {
        let layout = self.labels(t.z);
        // Labels are positioned in world pixels of this zoom.
        let tile_rect = AABB::from_corners(
            [t.origin[0] - 2.0, t.origin[1] - 2.0],
            [
                t.origin[0] + f64::from(TILE_PX) + 2.0,
                t.origin[1] + f64::from(TILE_PX) + 2.0,
            ],
        );
        let mut hits: Vec<usize> = layout.locate(&tile_rect);
        hits.sort_unstable();
        for i in hits {
            let label = &layout.labels[i];
            let x = (label.anchor[0] - t.origin[0]) as f32;
            let y = (label.anchor[1] - t.origin[1]) as f32;
            let Some(path) = self
                .font
                .text_path(&label.text, label.size_px, x, y, label.angle_rad)
            else {
                continue;
            };
            let (fill, halo_px) = match label.kind {
                LabelKind::Street => (palette.label, 2.5),
                LabelKind::Place => (palette.place_label, 3.0),
            };
            let mut paint = Paint {
                anti_alias: true,
                ..Paint::default()
            };
            paint.set_color(color(palette.label_halo));
            let stroke = Stroke {
                width: halo_px,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
            paint.set_color(color(fill));
            pixmap.fill_path(
                &path,
                &paint,
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }
}

/// Zoom-0 world pixels to the pixels of one tile.
struct TileTransform {
    z: u8,
    scale: f64,
    /// The tile's north-west corner in world pixels of zoom `z`.
    origin: [f64; 2],
}

impl TileTransform {
    fn new(z: u8, x: u32, y: u32) -> Self {
        let tile = f64::from(TILE_PX);
        Self {
            z,
            scale: 2f64.powi(i32::from(z)),
            origin: [f64::from(x) * tile, f64::from(y) * tile],
        }
    }

    fn apply(&self, p: P) -> (f32, f32) {
        (
            (p[0] * self.scale - self.origin[0]) as f32,
            (p[1] * self.scale - self.origin[1]) as f32,
        )
    }

    /// This tile grown by `margin_px` on each side, in zoom-0 pixels.
    fn envelope(&self, margin_px: f64) -> AABB<P> {
        let lo = [
            (self.origin[0] - margin_px) / self.scale,
            (self.origin[1] - margin_px) / self.scale,
        ];
        let hi = [
            (self.origin[0] + f64::from(TILE_PX) + margin_px) / self.scale,
            (self.origin[1] + f64::from(TILE_PX) + margin_px) / self.scale,
        ];
        AABB::from_corners(lo, hi)
    }
}

pub fn color(c: egui::Color32) -> Color {
    Color::from_rgba8(c.r(), c.g(), c.b(), c.a())
}

fn land_color(palette: &BasemapPalette, kind: LandKind) -> egui::Color32 {
    match kind {
        LandKind::Forest => palette.forest,
        LandKind::Park => palette.park,
        LandKind::Grass => palette.grass,
        LandKind::Residential => palette.residential,
        LandKind::Industrial => palette.industrial,
        LandKind::Farmland => palette.farmland,
        LandKind::Cemetery => palette.cemetery,
        LandKind::Wild => palette.wild,
    }
}

fn polyline_path(
    t: &TileTransform,
    points: impl IntoIterator<Item = P>,
    close: bool,
    pb: &mut PathBuilder,
) {
    let mut it = points.into_iter();
    let Some(first) = it.next() else { return };
    let (x, y) = t.apply(first);
    pb.move_to(x, y);
    let mut last = (x, y);
    for p in it {
        let (x, y) = t.apply(p);
        // Skip sub-pixel steps: big polygons at low zoom have thousands of them.
        if (x - last.0).abs() + (y - last.1).abs() >= 0.25 {
            pb.line_to(x, y);
            last = (x, y);
        }
    }
    if close {
        pb.close();
    }
}

fn fill_area(
    pixmap: &mut Pixmap,
    t: &TileTransform,
    areas: &FlatAreas,
    i: usize,
    c: egui::Color32,
) {
    let mut pb = PathBuilder::new();
    for ring in areas.rings(i) {
        polyline_path(t, ring, true, &mut pb);
    }
    let Some(path) = pb.finish() else { return };
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    paint.set_color(color(c));
    pixmap.fill_path(
        &path,
        &paint,
        FillRule::EvenOdd,
        Transform::identity(),
        None,
    );
}

fn stroke_line(
    pixmap: &mut Pixmap,
    t: &TileTransform,
    points: impl IntoIterator<Item = P>,
    c: egui::Color32,
    width_px: f32,
    dash: Option<Vec<f32>>,
) {
    let mut pb = PathBuilder::new();
    polyline_path(t, points, false, &mut pb);
    let Some(path): Option<Path> = pb.finish() else {
        return;
    };
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    paint.set_color(color(c));
    let stroke = Stroke {
        width: width_px,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        dash: dash.and_then(|d| StrokeDash::new(d, 0.0)),
        ..Stroke::default()
    };
    pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
}

/// Piecewise-linear interpolation of `(zoom, value)` stops, clamped at the ends.
fn interpolate(z: f32, stops: &[(f32, f32)]) -> f32 {
    let Some(&(z0, v0)) = stops.first() else {
        return 0.0;
    };
    if z <= z0 {
        return v0;
    }
    for w in stops.windows(2) {
        let ((za, va), (zb, vb)) = (w[0], w[1]);
        if z <= zb {
            return va + (vb - va) * (z - za) / (zb - za);
        }
    }
    stops.last().map_or(v0, |s| s.1)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoadStyle {
    /// Index into the palette's road colours.
    pub group: usize,
    /// Drawing order: lower is more important, drawn last.
    pub rank: u8,
    pub width_px: f32,
    pub casing_px: Option<f32>,
    pub dashed: bool,
}

/// How a road of `class` looks at zoom `z`; `None` when it is not drawn at that zoom.
pub fn road_style(class: RoadClass, is_link: bool, z: u8) -> Option<RoadStyle> {
    use RoadClass::*;
    // (colour group, first zoom drawn, width at z16 in px)
    let (group, min_zoom, w16) = match class {
        Motorway => (0, 5, 11.0),
        Trunk => (1, 6, 10.0),
        Primary => (2, 8, 10.0),
        Secondary => (3, 9, 9.0),
        Tertiary => (4, 11, 8.0),
        Unclassified | Residential | LivingStreet | Road | Pedestrian => (5, 12, 6.5),
        Service => (6, 14, 3.5),
        Track => (7, 14, 1.6),
        Cycleway | Path => (8, 15, 1.3),
    };
    let w16 = if is_link { w16 * 0.6 } else { w16 };
    if z < min_zoom {
        return None;
    }
    let zf = f32::from(z);
    let dashed = matches!(class, Track | Cycleway | Path);
    let width_px = if dashed {
        interpolate(zf, &[(14.0, 1.0), (18.0, 2.2)])
    } else {
        // Main roads stay legible at city zoom; all roads widen towards house level.
        w16 * interpolate(
            zf,
            &[
                (8.0, 0.08),
                (11.0, 0.16),
                (13.0, 0.3),
                (16.0, 1.0),
                (18.0, 2.6),
            ],
        )
        .max(0.7 / w16)
    };
    let casing_px = (!dashed && z >= 13 && width_px >= 2.0).then_some(width_px + 1.6);
    Some(RoadStyle {
        group,
        rank: class as u8,
        width_px,
        casing_px,
        dashed,
    })
}

/// The areas of `tree` (over `areas`, stored in f32 from their origin) that meet the tile
/// with `margin_px` around it, in index order (a deterministic drawing order).
fn areas_in(
    t: &TileTransform,
    tree: &RTree<AreaIndexed>,
    areas: &FlatAreas,
    margin_px: f64,
) -> Vec<u32> {
    let e = t.envelope(margin_px);
    let o = areas.origin();
    // Rounded outwards: a box that touches the tile is never missed.
    let lo = [(e.lower()[0] - o[0]) as f32, (e.lower()[1] - o[1]) as f32];
    let hi = [(e.upper()[0] - o[0]) as f32, (e.upper()[1] - o[1]) as f32];
    let pad = |v: f32, d: f32| v + d * (v.abs() * 1e-6 + 1e-9);
    let env = AABB::from_corners(
        [pad(lo[0], -1.0), pad(lo[1], -1.0)],
        [pad(hi[0], 1.0), pad(hi[1], 1.0)],
    );
    let mut hits: Vec<u32> = tree
        .locate_in_envelope_intersecting(&env)
        .map(|g| g.data)
        .collect();
    hits.sort_unstable();
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn road_widths_grow_with_zoom_and_minor_roads_appear_late() {
        assert!(road_style(RoadClass::Residential, false, 11).is_none());
        let r13 = road_style(RoadClass::Residential, false, 13).unwrap();
        let r18 = road_style(RoadClass::Residential, false, 18).unwrap();
        assert!(r13.width_px < 2.0 && r18.width_px > 15.0, "{r13:?} {r18:?}");
        assert!(road_style(RoadClass::Primary, false, 11).is_some());
        assert!(road_style(RoadClass::Path, false, 14).is_none());
    }

    #[test]
    fn interpolation_clamps() {
        let stops = [(10.0, 1.0), (14.0, 3.0)];
        assert_eq!(interpolate(5.0, &stops), 1.0);
        assert_eq!(interpolate(12.0, &stops), 2.0);
        assert_eq!(interpolate(20.0, &stops), 3.0);
    }
}
