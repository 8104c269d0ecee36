//! Clusters of point features on a fixed world-pixel grid per integer zoom (or per station
//! district at low zoom), computed once per zoom and layer revision so panning costs nothing and
//! nothing flickers; drawn with their counts.

use std::collections::HashMap;

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Stroke, pos2};
use onemap_core::coord::{BBox, LonLat, mercator};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use walkers::Projector;

use crate::map::draw::geo;
use crate::ops::OpState;

/// With more beats than this in view, single beats are too small to read: beats give way to
/// station districts, and camera clusters to a count in each district's label. (The demo city's hundred beats
/// never do; a prefecture's ten thousand do at its full extent, not at zoom 12.)
pub const DISTRICT_BEATS: usize = 400;

/// Whether the view shows station districts instead of beats.
pub fn districts_shown(ops: &OpState, view: &BBox) -> bool {
    !ops.districts.is_empty() && ops.index.beats_in_exceed(view, DISTRICT_BEATS)
}

#[derive(Clone, Debug)]
pub struct Cluster {
    /// World pixels at the set's zoom.
    pub world: [f64; 2],
    pub count: u32,
    /// How many of them are flagged (offline cameras).
    pub flagged: u32,
    /// The first member (for a cluster of one: the feature itself).
    pub first: usize,
}

/// The clusters of one zoom level, indexed.
#[derive(Default)]
pub struct ClusterSet {
    /// Layer revision and zoom.
    key: Option<(u64, u8)>,
    pub clusters: Vec<Cluster>,
    tree: RTree<GeomWithData<[f64; 2], usize>>,
}

impl ClusterSet {
    /// Points on a grid of `cell_px` world pixels at the key's zoom, each cluster at the mean
    /// of its members.
    pub fn build(
        key: (u64, u8),
        points: impl Iterator<Item = (LonLat, bool)>,
        cell_px: f64,
    ) -> Self {
        let z = f64::from(key.1);
        let mut cells: HashMap<(i64, i64), Cluster> = HashMap::new();
        for (i, (pos, flagged)) in points.enumerate() {
            let (x, y) = mercator::world_px(pos, z);
            let cell = ((x / cell_px).floor() as i64, (y / cell_px).floor() as i64);
            let c = cells.entry(cell).or_insert(Cluster {
                world: [0.0, 0.0],
                count: 0,
                flagged: 0,
                first: i,
            });
            c.world[0] += x;
            c.world[1] += y;
            c.count += 1;
            c.flagged += u32::from(flagged);
        }
        let mut sorted: Vec<_> = cells.into_iter().collect();
        sorted.sort_by_key(|(k, _)| *k);
        let clusters: Vec<Cluster> = sorted
            .into_iter()
            .map(|(_, mut c)| {
                let n = f64::from(c.count);
                c.world = [c.world[0] / n, c.world[1] / n];
                c
            })
            .collect();
        let tree = RTree::bulk_load(
            clusters
                .iter()
                .enumerate()
                .map(|(i, c)| GeomWithData::new(c.world, i))
                .collect(),
        );
        Self {
            key: Some(key),
            clusters,
            tree,
        }
    }

    /// Rebuild from `points` only when `key` (layer revision, zoom) is not the one built for.
    pub fn refresh<I: Iterator<Item = (LonLat, bool)>>(
        &mut self,
        key: (u64, u8),
        cell_px: f64,
        points: impl FnOnce() -> I,
    ) {
        if self.key != Some(key) {
            *self = Self::build(key, points(), cell_px);
        }
    }

    /// The clusters in `view`, in a stable order, each with its screen position.
    pub fn in_view(
        &self,
        projector: &Projector<'_>,
        rect: Rect,
        view: &BBox,
    ) -> Vec<(usize, Pos2)> {
        let Some((_, z)) = self.key else {
            return Vec::new();
        };
        let zoom = projector.zoom();
        let scale = 2f64.powf(zoom - f64::from(z));
        let (x0, y0) = mercator::world_px(LonLat::new(view.min.lon, view.max.lat), f64::from(z));
        let (x1, y1) = mercator::world_px(LonLat::new(view.max.lon, view.min.lat), f64::from(z));
        let centre_geo = geo(projector, rect.center());
        let (cx, cy) = mercator::world_px(centre_geo, zoom);
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope(&rstar::AABB::from_corners([x0, y0], [x1, y1]))
            .map(|g| g.data)
            .collect();
        hits.sort_unstable();
        hits.into_iter()
            .map(|i| {
                let cl = &self.clusters[i];
                let p = pos2(
                    rect.center().x + (cl.world[0] * scale - cx) as f32,
                    rect.center().y + (cl.world[1] * scale - cy) as f32,
                );
                (i, p)
            })
            .collect()
    }
}

/// A count bubble: radius growing with the log of the count.
pub fn bubble(
    painter: &Painter,
    at: Pos2,
    count: u32,
    fill: Color32,
    outline: Color32,
    text: Color32,
) {
    let r = 9.0 + (count as f32).log10() * 5.0;
    painter.circle(at, r, fill, Stroke::new(1.5, outline));
    painter.text(
        at,
        Align2::CENTER_CENTER,
        count.to_string(),
        FontId::proportional(11.0),
        text,
    );
}
