//! The city's features projected to zoom-0 Web Mercator world pixels: what the tile renderer
//! draws and the label placer places names along.

use std::sync::Arc;

use onemap_core::osm::{PlaceKind, RoadClass};

/// A point in zoom-0 world pixels.
pub type P = [f64; 2];

pub struct ProjRoad {
    pub class: RoadClass,
    pub is_link: bool,
    pub name: Option<Arc<str>>,
    pub points: Vec<P>,
}

/// Areas (each one or more rings) stored flat: every point as `f32` offsets from one origin
/// in zoom-0 pixels, with ring and area boundaries as indices. A prefecture's 1.5 M building
/// outlines as `Vec<Vec<[f64; 2]>>` took three allocations and 16 bytes a point each; here
/// they take 8 bytes a point. Offsets within a city are below one zoom-0 pixel, so `f32`
/// keeps them to about 1e-7 px: 0.03 px at zoom 19.
#[derive(Default)]
pub struct FlatAreas {
    origin: P,
    pts: Vec<[f32; 2]>,
    /// Ring `r` is `pts[ring_start[r]..ring_start[r + 1]]`.
    ring_start: Vec<u32>,
    /// Area `a` is rings `area_start[a]..area_start[a + 1]`.
    area_start: Vec<u32>,
}

impl FlatAreas {
    pub fn new(origin: P) -> Self {
        Self {
            origin,
            pts: Vec::new(),
            ring_start: vec![0],
            area_start: vec![0],
        }
    }

    /// Add an area from its rings, projected by `project`.
    pub fn push<'a>(
        &mut self,
        rings: impl IntoIterator<Item = &'a [onemap_core::coord::LonLat]>,
        project: impl Fn(onemap_core::coord::LonLat) -> P,
    ) {
        for ring in rings {
            self.pts.extend(ring.iter().map(|&q| {
                let p = project(q);
                [
                    (p[0] - self.origin[0]) as f32,
                    (p[1] - self.origin[1]) as f32,
                ]
            }));
            self.ring_start.push(self.pts.len() as u32);
        }
        self.area_start.push(self.ring_start.len() as u32 - 1);
    }

    pub fn len(&self) -> usize {
        self.area_start.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rings of area `a`, each as its points in zoom-0 pixels.
    pub fn rings(&self, a: usize) -> impl Iterator<Item = impl Iterator<Item = P> + '_> + '_ {
        let rings = self.area_start[a] as usize..self.area_start[a + 1] as usize;
        rings.map(move |r| {
            let pts = &self.pts[self.ring_start[r] as usize..self.ring_start[r + 1] as usize];
            pts.iter().map(move |q| {
                [
                    self.origin[0] + f64::from(q[0]),
                    self.origin[1] + f64::from(q[1]),
                ]
            })
        })
    }

    /// Area `a`'s box as offsets from the origin.
    pub fn envelope(&self, a: usize) -> ([f32; 2], [f32; 2]) {
        let first = self.ring_start[self.area_start[a] as usize] as usize;
        let last = self.ring_start[self.area_start[a + 1] as usize] as usize;
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for q in &self.pts[first..last] {
            lo = [lo[0].min(q[0]), lo[1].min(q[1])];
            hi = [hi[0].max(q[0]), hi[1].max(q[1])];
        }
        (lo, hi)
    }

    pub fn origin(&self) -> P {
        self.origin
    }
}

pub struct ProjPlace {
    pub kind: PlaceKind,
    pub name: Arc<str>,
    pub pos: P,
}
