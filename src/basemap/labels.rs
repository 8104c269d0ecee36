//! Label placement for one zoom level over the whole city, so that a label that crosses a
//! tile edge is drawn identically by both tiles and no two labels overlap anywhere.
//!
//! Greedy by priority: place names (city before village), then street names (main roads
//! first). Street labels sit on a nearly straight stretch of their road, along it, never
//! upside down, and the same name repeats at most every [`STREET_REPEAT_PX`].
//! Cost: O(n log n) in candidate labels; a few milliseconds per zoom for a city.

use std::collections::HashMap;
use std::sync::Arc;

use onemap_core::osm::{PlaceKind, RoadClass};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::projected::{ProjPlace, ProjRoad};
use super::text::GlyphFont;

/// Minimum distance between two labels of the same street, in pixels.
pub const STREET_REPEAT_PX: f64 = 320.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelKind {
    Place,
    Street,
}

#[derive(Clone, Debug)]
pub struct Label {
    pub text: Arc<str>,
    pub kind: LabelKind,
    /// Centre, in world pixels of this zoom.
    pub anchor: [f64; 2],
    pub angle_rad: f32,
    pub size_px: f32,
}

#[derive(Default)]
pub struct LabelLayout {
    pub labels: Vec<Label>,
    index: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

impl LabelLayout {
    /// Labels whose box intersects `rect` (world pixels of this zoom).
    pub fn locate(&self, rect: &AABB<[f64; 2]>) -> Vec<usize> {
        self.index
            .locate_in_envelope_intersecting(rect)
            .map(|g| g.data as usize)
            .collect()
    }
}

fn place_style(kind: PlaceKind, z: u8) -> Option<f32> {
    let (range, size) = match kind {
        PlaceKind::City => (8..=14, 20.0),
        PlaceKind::Town => (10..=15, 17.0),
        PlaceKind::Suburb => (12..=16, 14.0),
        PlaceKind::Village => (11..=16, 14.0),
        PlaceKind::Quarter | PlaceKind::Neighbourhood => (14..=18, 12.5),
        PlaceKind::Hamlet => (13..=18, 12.0),
        PlaceKind::Locality => (15..=18, 11.0),
    };
    range.contains(&z).then_some(size)
}

fn street_size(class: RoadClass, z: u8) -> Option<f32> {
    let major = class <= RoadClass::Tertiary;
    let minor = matches!(
        class,
        RoadClass::Unclassified
            | RoadClass::Residential
            | RoadClass::LivingStreet
            | RoadClass::Road
            | RoadClass::Pedestrian
    );
    match z {
        14 if major => Some(11.0),
        15..=16 if major || minor => Some(11.5),
        17.. if major || minor || class == RoadClass::Service => Some(12.5),
        _ => None,
    }
}

pub fn layout(
    all_roads: &[ProjRoad],
    all_places: &[ProjPlace],
    font: &GlyphFont,
    z: u8,
) -> LabelLayout {
    let scale = 2f64.powi(i32::from(z));
    let mut placed = Placer::default();

    // Places, most important first.
    let mut places: Vec<_> = all_places
        .iter()
        .filter_map(|p| place_style(p.kind, z).map(|size| (p, size)))
        .collect();
    places.sort_by(|(a, _), (b, _)| a.kind.cmp(&b.kind).then_with(|| a.name.cmp(&b.name)));
    for (place, size) in places {
        let width = f64::from(font.width_px(&place.name, size));
        let anchor = [place.pos[0] * scale, place.pos[1] * scale];
        placed.try_place(
            Label {
                text: place.name.clone(),
                kind: LabelKind::Place,
                anchor,
                angle_rad: 0.0,
                size_px: size,
            },
            width,
            f64::from(size) * 1.3,
        );
    }

    // Streets, main roads first, then by name for determinism.
    let mut roads: Vec<(usize, f32)> = all_roads
        .iter()
        .enumerate()
        .filter(|(_, r)| r.name.is_some())
        .filter_map(|(i, r)| street_size(r.class, z).map(|s| (i, s)))
        .collect();
    roads.sort_by(|(a, _), (b, _)| {
        let (ra, rb) = (&all_roads[*a], &all_roads[*b]);
        ra.class
            .cmp(&rb.class)
            .then_with(|| ra.name.cmp(&rb.name))
            .then(a.cmp(b))
    });
    let mut last_by_name: HashMap<Arc<str>, Vec<[f64; 2]>> = HashMap::new();
    for (i, size) in roads {
        let road = &all_roads[i];
        let Some(name) = &road.name else { continue };
        let text_px = f64::from(font.width_px(name, size));
        let need = text_px + 12.0;
        let pts: Vec<[f64; 2]> = road
            .points
            .iter()
            .map(|p| [p[0] * scale, p[1] * scale])
            .collect();
        let total: f64 = pts.windows(2).map(|w| dist(w[0], w[1])).sum();
        if total < need {
            continue;
        }
        let mut d = total / 2.0;
        let mut candidates = vec![d];
        // More labels along long roads, spaced out.
        while d + STREET_REPEAT_PX < total - need / 2.0 {
            d += STREET_REPEAT_PX;
            candidates.push(d);
        }
        let mut d = total / 2.0;
        while d - STREET_REPEAT_PX > need / 2.0 {
            d -= STREET_REPEAT_PX;
            candidates.push(d);
        }
        for centre in candidates {
            let Some((a, b)) = straight_stretch(&pts, centre, need) else {
                continue;
            };
            let anchor = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
            let previous = last_by_name.entry(name.clone()).or_default();
            if previous.iter().any(|p| dist(*p, anchor) < STREET_REPEAT_PX) {
                continue;
            }
            let mut angle = (b[1] - a[1]).atan2(b[0] - a[0]);
            // Never upside down.
            if angle > std::f64::consts::FRAC_PI_2 {
                angle -= std::f64::consts::PI;
            } else if angle <= -std::f64::consts::FRAC_PI_2 {
                angle += std::f64::consts::PI;
            }
            let label = Label {
                text: name.clone(),
                kind: LabelKind::Street,
                anchor,
                angle_rad: angle as f32,
                size_px: size,
            };
            // Box of the rotated label.
            let (c, s) = (angle.cos().abs(), angle.sin().abs());
            let h = f64::from(size) * 1.2;
            let (w_box, h_box) = (text_px * c + h * s, text_px * s + h * c);
            if placed.try_place(label, w_box, h_box) {
                previous.push(anchor);
            }
        }
    }

    placed.finish()
}

#[derive(Default)]
struct Placer {
    labels: Vec<Label>,
    boxes: RTree<Rectangle<[f64; 2]>>,
}

impl Placer {
    fn try_place(&mut self, label: Label, width: f64, height: f64) -> bool {
        let pad = 3.0;
        let r = Rectangle::from_corners(
            [
                label.anchor[0] - width / 2.0 - pad,
                label.anchor[1] - height / 2.0 - pad,
            ],
            [
                label.anchor[0] + width / 2.0 + pad,
                label.anchor[1] + height / 2.0 + pad,
            ],
        );
        if self
            .boxes
            .locate_in_envelope_intersecting(&rstar::RTreeObject::envelope(&r))
            .next()
            .is_some()
        {
            return false;
        }
        self.boxes.insert(r);
        self.labels.push(label);
        true
    }

    fn finish(self) -> LabelLayout {
        let items = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                // Generous box: covers any rotation of the label.
                let r = f64::from(l.size_px) * 0.6 * (l.text.chars().count() as f64 + 1.0) + 4.0;
                GeomWithData::new(
                    Rectangle::from_corners(
                        [l.anchor[0] - r, l.anchor[1] - r],
                        [l.anchor[0] + r, l.anchor[1] + r],
                    ),
                    i as u32,
                )
            })
            .collect();
        LabelLayout {
            labels: self.labels,
            index: RTree::bulk_load(items),
        }
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn point_at(pts: &[[f64; 2]], d: f64) -> Option<(usize, [f64; 2])> {
    let mut run = 0.0;
    for (i, w) in pts.windows(2).enumerate() {
        let len = dist(w[0], w[1]);
        if run + len >= d && len > 0.0 {
            let f = (d - run) / len;
            return Some((
                i,
                [
                    w[0][0] + (w[1][0] - w[0][0]) * f,
                    w[0][1] + (w[1][1] - w[0][1]) * f,
                ],
            ));
        }
        run += len;
    }
    None
}

/// The chord of length `need` centred at distance `centre` along the line, if every vertex in
/// between lies within 2.5 px of it (the label would not visibly leave the road).
fn straight_stretch(pts: &[[f64; 2]], centre: f64, need: f64) -> Option<([f64; 2], [f64; 2])> {
    let (ia, a) = point_at(pts, centre - need / 2.0)?;
    let (ib, b) = point_at(pts, centre + need / 2.0)?;
    let chord = dist(a, b);
    if chord < need * 0.95 {
        return None;
    }
    let (dx, dy) = ((b[0] - a[0]) / chord, (b[1] - a[1]) / chord);
    let ok = pts[ia + 1..=ib]
        .iter()
        .all(|p| ((p[0] - a[0]) * dy - (p[1] - a[1]) * dx).abs() <= 2.5);
    ok.then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_stretches_only() {
        let straight = [[0.0, 0.0], [50.0, 0.5], [100.0, 0.0]];
        assert!(straight_stretch(&straight, 50.0, 80.0).is_some());
        let bent = [[0.0, 0.0], [50.0, 20.0], [100.0, 0.0]];
        assert!(straight_stretch(&bent, 54.0, 80.0).is_none());
        assert!(
            straight_stretch(&straight, 50.0, 120.0).is_none(),
            "longer than the road"
        );
    }
}
