//! Spatial indexes and queries over the operational layers, in metres.
//!
//! Positions are projected once to a local equirectangular plane around the city
//! ([`LocalProjection`]: error below 0.1 % within 50 km of the origin), so R-tree distances are
//! metres, not degrees. Queries:
//! - [`LayerIndex::beat_at`]: the beat containing a point (R-tree on boxes, then exact
//!   point-in-polygon with holes). A point on a boundary belongs to the beats on both sides;
//!   the first in file order wins. O(log n + k·v).
//! - [`LayerIndex::cameras_seeing`]: cameras within range whose view wedge contains the point.
//! - [`LayerIndex::nearest_posts`] / [`LayerIndex::nearest_stations`]: k nearest, metres.
//! - [`LayerIndex::cameras_in`] etc.: everything inside a box (the view).

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::coord::{BBox, LonLat};
use crate::layers::{Beat, Camera, OpLayers, Post, Station};

/// A local flat projection: metres east and north of `origin`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LocalProjection {
    pub origin: LonLat,
    m_per_deg_lon: f64,
    m_per_deg_lat: f64,
}

impl LocalProjection {
    pub fn new(origin: LonLat) -> Self {
        let m_per_deg_lat = crate::coord::EARTH_RADIUS_M.to_radians();
        Self {
            origin,
            m_per_deg_lon: m_per_deg_lat * origin.lat.to_radians().cos(),
            m_per_deg_lat,
        }
    }

    /// `[east_m, north_m]`
    pub fn to_m(&self, p: LonLat) -> [f64; 2] {
        [
            (p.lon - self.origin.lon) * self.m_per_deg_lon,
            (p.lat - self.origin.lat) * self.m_per_deg_lat,
        ]
    }

    pub fn to_lonlat(&self, m: [f64; 2]) -> LonLat {
        LonLat::new(
            self.origin.lon + m[0] / self.m_per_deg_lon,
            self.origin.lat + m[1] / self.m_per_deg_lat,
        )
    }
}

/// Compass bearing from `a` to `b` in the plane, degrees clockwise from north, `[0, 360)`.
pub fn bearing_deg(a: [f64; 2], b: [f64; 2]) -> f64 {
    let deg = (b[0] - a[0]).atan2(b[1] - a[1]).to_degrees();
    deg.rem_euclid(360.0)
}

/// Smallest absolute difference between two headings, degrees in `[0, 180]`.
pub fn heading_difference_deg(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

/// Whether a camera at `cam` (metres) with `heading_deg`, `fov_deg` and `range_m` sees `p`.
pub fn camera_sees(
    cam: [f64; 2],
    heading_deg: f64,
    fov_deg: f64,
    range_m: f64,
    p: [f64; 2],
) -> bool {
    let (dx, dy) = (p[0] - cam[0], p[1] - cam[1]);
    let d2 = dx * dx + dy * dy;
    if d2 > range_m * range_m {
        return false;
    }
    if fov_deg >= 360.0 || d2 == 0.0 {
        return true;
    }
    heading_difference_deg(bearing_deg(cam, p), heading_deg) <= fov_deg / 2.0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Containment {
    Inside,
    OnBoundary,
    Outside,
}

/// Point in a polygon with holes (rings in metres), boundary detected exactly.
pub fn locate_in_polygon(p: [f64; 2], rings: &[Vec<[f64; 2]>]) -> Containment {
    let mut inside = false;
    for ring in rings {
        for w in ring.windows(2) {
            let (a, b) = (w[0], w[1]);
            let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
            let within = p[0] >= a[0].min(b[0])
                && p[0] <= a[0].max(b[0])
                && p[1] >= a[1].min(b[1])
                && p[1] <= a[1].max(b[1]);
            if cross.abs() <= 1e-9 * (1.0 + (b[0] - a[0]).abs() + (b[1] - a[1]).abs()) && within {
                return Containment::OnBoundary;
            }
            // Even-odd crossing test (half-open in y).
            if (a[1] > p[1]) != (b[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
    }
    if inside {
        Containment::Inside
    } else {
        Containment::Outside
    }
}

/// A point well inside a polygon (for its label): the middle of the widest interior stretch
/// of the horizontal line through the rings' vertex mean. Works for concave shapes and holes.
pub fn label_point(rings: &[Vec<[f64; 2]>]) -> Option<[f64; 2]> {
    let outer = rings.first()?;
    if outer.is_empty() {
        return None;
    }
    let n = outer.len() as f64;
    let mut y = outer.iter().map(|p| p[1]).sum::<f64>() / n;
    // Nudge off vertex heights so the scanline never passes exactly through a corner.
    if outer.iter().any(|p| p[1] == y) {
        y += 1e-6;
    }
    let mut xs: Vec<f64> = Vec::new();
    for ring in rings {
        for w in ring.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a[1] > y) != (b[1] > y) {
                xs.push(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
            }
        }
    }
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2)
        .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])))
        .map(|pair| [(pair[0] + pair[1]) / 2.0, y])
}

type Boxed = GeomWithData<Rectangle<[f64; 2]>, u32>;
type Point = GeomWithData<[f64; 2], u32>;

/// Indexes over one set of operational layers. Rebuild after edits (cheap: milliseconds for
/// 100k cameras).
pub struct LayerIndex {
    pub projection: LocalProjection,
    beat_rings_m: Vec<Vec<Vec<[f64; 2]>>>,
    beats: RTree<Boxed>,
    cameras: RTree<Point>,
    camera_view: Vec<(f64, f64, f64)>,
    max_camera_range_m: f64,
    posts: RTree<Point>,
    stations: RTree<Point>,
}

fn points<T>(items: &[T], pos: impl Fn(&T) -> LonLat, proj: &LocalProjection) -> RTree<Point> {
    RTree::bulk_load(
        items
            .iter()
            .enumerate()
            .map(|(i, t)| GeomWithData::new(proj.to_m(pos(t)), i as u32))
            .collect(),
    )
}

impl LayerIndex {
    pub fn new(layers: &OpLayers, origin: LonLat) -> Self {
        let projection = LocalProjection::new(origin);
        Self::from_parts(
            &layers.beats,
            &layers.cameras,
            &layers.posts,
            &layers.stations,
            projection,
        )
    }

    pub fn from_parts(
        beats: &[Beat],
        cameras: &[Camera],
        posts: &[Post],
        stations: &[Station],
        projection: LocalProjection,
    ) -> Self {
        let beat_rings_m: Vec<Vec<Vec<[f64; 2]>>> = beats
            .iter()
            .map(|b| {
                b.rings
                    .iter()
                    .map(|r| r.iter().map(|p| projection.to_m(*p)).collect())
                    .collect()
            })
            .collect();
        let beat_boxes = beat_rings_m
            .iter()
            .enumerate()
            .map(|(i, rings)| {
                let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
                for p in rings.iter().flatten() {
                    lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                    hi = [hi[0].max(p[0]), hi[1].max(p[1])];
                }
                GeomWithData::new(Rectangle::from_corners(lo, hi), i as u32)
            })
            .collect();
        Self {
            projection,
            beats: RTree::bulk_load(beat_boxes),
            beat_rings_m,
            cameras: points(cameras, |c| c.pos, &projection),
            camera_view: cameras
                .iter()
                .map(|c| (c.heading_deg, c.fov_deg, c.range_m))
                .collect(),
            max_camera_range_m: cameras.iter().map(|c| c.range_m).fold(0.0, f64::max),
            posts: points(posts, |p| p.pos, &projection),
            stations: points(stations, |s| s.pos, &projection),
        }
    }

    /// Index of the beat containing `p` (boundary included; lowest index wins).
    pub fn beat_at(&self, p: LonLat) -> Option<usize> {
        let m = self.projection.to_m(p);
        self.beats
            .locate_all_at_point(&m)
            .map(|g| g.data as usize)
            .filter(|&i| locate_in_polygon(m, &self.beat_rings_m[i]) != Containment::Outside)
            .min()
    }

    /// Indices of cameras that see `p`, sorted by distance (nearest first).
    pub fn cameras_seeing(&self, p: LonLat) -> Vec<usize> {
        let m = self.projection.to_m(p);
        let r2 = self.max_camera_range_m * self.max_camera_range_m;
        let mut hits: Vec<(f64, usize)> = self
            .cameras
            .locate_within_distance(m, r2)
            .filter(|c| {
                let (heading, fov, range) = self.camera_view[c.data as usize];
                camera_sees(*c.geom(), heading, fov, range, m)
            })
            .map(|c| {
                let g = c.geom();
                ((g[0] - m[0]).hypot(g[1] - m[1]), c.data as usize)
            })
            .collect();
        hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|(_, i)| i).collect()
    }

    fn nearest(tree: &RTree<Point>, m: [f64; 2], k: usize) -> Vec<(usize, f64)> {
        tree.nearest_neighbor_iter(&m)
            .take(k)
            .map(|p| {
                let g = p.geom();
                (p.data as usize, (g[0] - m[0]).hypot(g[1] - m[1]))
            })
            .collect()
    }

    /// The `k` nearest posts as (index, distance in metres), nearest first.
    pub fn nearest_posts(&self, p: LonLat, k: usize) -> Vec<(usize, f64)> {
        Self::nearest(&self.posts, self.projection.to_m(p), k)
    }

    pub fn nearest_stations(&self, p: LonLat, k: usize) -> Vec<(usize, f64)> {
        Self::nearest(&self.stations, self.projection.to_m(p), k)
    }

    fn envelope(&self, bbox: &BBox) -> AABB<[f64; 2]> {
        AABB::from_corners(
            self.projection.to_m(bbox.min),
            self.projection.to_m(bbox.max),
        )
    }

    /// Cameras inside `bbox` (unsorted).
    pub fn cameras_in_unsorted(&self, bbox: &BBox) -> Vec<usize> {
        self.cameras
            .locate_in_envelope(&self.envelope(bbox))
            .map(|c| c.data as usize)
            .collect()
    }

    pub fn posts_in_unsorted(&self, bbox: &BBox) -> Vec<usize> {
        self.posts
            .locate_in_envelope(&self.envelope(bbox))
            .map(|c| c.data as usize)
            .collect()
    }

    pub fn stations_in_unsorted(&self, bbox: &BBox) -> Vec<usize> {
        self.stations
            .locate_in_envelope(&self.envelope(bbox))
            .map(|c| c.data as usize)
            .collect()
    }

    /// Beats whose box intersects `bbox` (unsorted).
    pub fn beats_in_unsorted(&self, bbox: &BBox) -> Vec<usize> {
        self.beats
            .locate_in_envelope_intersecting(&self.envelope(bbox))
            .map(|b| b.data as usize)
            .collect()
    }

    /// Whether more than `n` beats meet `bbox`: stops at the `n + 1`-th, so asking it of a
    /// prefecture's whole extent costs no more than asking it of a street.
    pub fn beats_in_exceed(&self, bbox: &BBox, n: usize) -> bool {
        self.beats
            .locate_in_envelope_intersecting(&self.envelope(bbox))
            .nth(n)
            .is_some()
    }

    /// Beat rings in metres (for clients that draw or measure them).
    pub fn beat_rings_m(&self, i: usize) -> &[Vec<[f64; 2]>] {
        &self.beat_rings_m[i]
    }
}

/// Linear-scan versions of the queries, the baseline the benchmark compares against.
pub mod linear {
    use super::*;

    pub fn beat_at(index: &LayerIndex, p: LonLat) -> Option<usize> {
        let m = index.projection.to_m(p);
        (0..index.beat_rings_m.len())
            .find(|&i| locate_in_polygon(m, &index.beat_rings_m[i]) != Containment::Outside)
    }

    pub fn cameras_seeing(cameras: &[Camera], proj: &LocalProjection, p: LonLat) -> Vec<usize> {
        let m = proj.to_m(p);
        cameras
            .iter()
            .enumerate()
            .filter(|(_, c)| camera_sees(proj.to_m(c.pos), c.heading_deg, c.fov_deg, c.range_m, m))
            .map(|(i, _)| i)
            .collect()
    }
}

/// Douglas–Peucker on grid corners, tolerance in cells. Keeps both ends.
pub(crate) fn douglas_peucker(points: &[(i32, i32)], tolerance: f64) -> Vec<(i32, i32)> {
    dp_filter(points, |p| (f64::from(p.0), f64::from(p.1)), tolerance)
}

/// Douglas–Peucker on plane points (screen or world pixels), tolerance in the same unit. Keeps
/// both ends.
pub fn simplify_line(points: &[[f64; 2]], tolerance: f64) -> Vec<[f64; 2]> {
    dp_filter(points, |p| (p[0], p[1]), tolerance)
}

/// The points Douglas–Peucker keeps, with `xy` giving each one's plane coordinates.
fn dp_filter<P: Copy>(points: &[P], xy: impl Fn(&P) -> (f64, f64), tolerance: f64) -> Vec<P> {
    let keep = dp_keep(points.len(), |k| xy(&points[k]), tolerance);
    points
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

/// Which of `n` points Douglas–Peucker keeps.
fn dp_keep(n: usize, at: impl Fn(usize) -> (f64, f64), tolerance: f64) -> Vec<bool> {
    if n <= 2 {
        return vec![true; n];
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let mut stack = vec![(0usize, n - 1)];
    while let Some((a, b)) = stack.pop() {
        let (pa, pb) = (at(a), at(b));
        let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
        let len = dx.hypot(dy);
        let (mut worst, mut far) = (0.0, a);
        for k in a + 1..b {
            let p = at(k);
            let (px, py) = (p.0 - pa.0, p.1 - pa.1);
            let d = if len == 0.0 {
                px.hypot(py)
            } else {
                (px * dy - py * dx).abs() / len
            };
            if d > worst {
                worst = d;
                far = k;
            }
        }
        if worst > tolerance {
            keep[far] = true;
            stack.push((a, far));
            stack.push((far, b));
        }
    }
    keep
}

/// Triangles covering a simple polygon `ring` (closed or not, either orientation), as
/// indices into it, by ear clipping: O(n²), for outlines drawn once per layer revision. A
/// ring that crosses itself gets the triangles found before no ear is left.
pub fn triangulate(ring: &[[f64; 2]]) -> Vec<[u32; 3]> {
    let mut n = ring.len();
    if n >= 2 && ring[0] == ring[n - 1] {
        n -= 1;
    }
    if n < 3 {
        return Vec::new();
    }
    let area: f64 = (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum();
    // Counter-clockwise order.
    let mut left: Vec<u32> = if area >= 0.0 {
        (0..n as u32).collect()
    } else {
        (0..n as u32).rev().collect()
    };
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut out = Vec::with_capacity(n - 2);
    let mut i = 0;
    let mut since_ear = 0;
    while left.len() > 3 && since_ear < left.len() {
        let m = left.len();
        let (ia, ib, ic) = (left[(i + m - 1) % m], left[i % m], left[(i + 1) % m]);
        let (a, b, c) = (ring[ia as usize], ring[ib as usize], ring[ic as usize]);
        let convex = cross(a, b, c) > 0.0;
        let empty = convex
            && left.iter().all(|&k| {
                if k == ia || k == ib || k == ic {
                    return true;
                }
                let p = ring[k as usize];
                !(cross(a, b, p) >= 0.0 && cross(b, c, p) >= 0.0 && cross(c, a, p) >= 0.0)
            });
        if empty {
            out.push([ia, ib, ic]);
            left.remove(i % m);
            since_ear = 0;
            i %= left.len();
        } else {
            i = (i + 1) % m;
            since_ear += 1;
        }
    }
    if left.len() == 3 {
        out.push([left[0], left[1], left[2]]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triangles_area(ring: &[[f64; 2]], tris: &[[u32; 3]]) -> f64 {
        tris.iter()
            .map(|t| {
                let [a, b, c] = t.map(|k| ring[k as usize]);
                ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])).abs() / 2.0
            })
            .sum()
    }

    #[test]
    fn ear_clipping_covers_a_concave_outline_exactly() {
        // An L of area 3, clockwise and closed, and a comb of area 8 (three teeth).
        let l = [
            [0.0, 0.0],
            [0.0, 2.0],
            [1.0, 2.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [2.0, 0.0],
            [0.0, 0.0],
        ];
        let tris = triangulate(&l);
        assert_eq!(tris.len(), 4);
        assert!((triangles_area(&l, &tris) - 3.0).abs() < 1e-12);
        let comb = [
            [0.0, 0.0],
            [5.0, 0.0],
            [5.0, 2.0],
            [4.0, 2.0],
            [4.0, 1.0],
            [3.0, 1.0],
            [3.0, 2.0],
            [2.0, 2.0],
            [2.0, 1.0],
            [1.0, 1.0],
            [1.0, 2.0],
            [0.0, 2.0],
        ];
        let tris = triangulate(&comb);
        assert_eq!(tris.len(), comb.len() - 2);
        assert!((triangles_area(&comb, &tris) - 8.0).abs() < 1e-12);
        assert!(triangulate(&[[0.0, 0.0], [1.0, 1.0]]).is_empty());
    }
    use crate::layers::{AreaType, BeatId, CameraId, CameraKind, CameraStatus, Extra, StationId};

    const ORIGIN: LonLat = LonLat::new(13.26, 53.55);

    fn proj() -> LocalProjection {
        LocalProjection::new(ORIGIN)
    }

    /// A square beat from (x0, y0) to (x1, y1) metres east/north of the origin.
    fn square(id: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Beat {
        let p = proj();
        let ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
            .iter()
            .map(|m| p.to_lonlat(*m))
            .collect();
        Beat {
            id: BeatId::from(id),
            name: id.into(),
            station_id: StationId::from("S1"),
            officers_on_duty: 2,
            area_type: AreaType::Urban,
            rings: vec![ring],
            extra: Extra::new(),
        }
    }

    fn camera(id: &str, x: f64, y: f64, heading_deg: f64, fov_deg: f64, range_m: f64) -> Camera {
        Camera {
            id: CameraId::from(id),
            name: id.into(),
            kind: CameraKind::Public,
            pos: proj().to_lonlat([x, y]),
            heading_deg,
            fov_deg,
            range_m,
            status: CameraStatus::Online,
            extra: Extra::new(),
        }
    }

    fn index(beats: &[Beat], cameras: &[Camera]) -> LayerIndex {
        LayerIndex::from_parts(beats, cameras, &[], &[], proj())
    }

    #[test]
    fn projection_is_metric() {
        let p = proj();
        // 0.01° of latitude is 1111.95 m (R = 6371008.8 m).
        let m = p.to_m(LonLat::new(ORIGIN.lon, ORIGIN.lat + 0.01));
        assert!((m[1] - 1111.95).abs() < 0.01, "{m:?}");
        let back = p.to_lonlat([250.0, -400.0]);
        let again = p.to_m(back);
        assert!((again[0] - 250.0).abs() < 1e-6 && (again[1] + 400.0).abs() < 1e-6);
    }

    #[test]
    fn point_on_a_shared_boundary_goes_to_the_first_beat() {
        let beats = [
            square("west", 0.0, 0.0, 500.0, 500.0),
            square("east", 500.0, 0.0, 1000.0, 500.0),
        ];
        let idx = index(&beats, &[]);
        let p = proj();
        assert_eq!(idx.beat_at(p.to_lonlat([250.0, 250.0])), Some(0));
        assert_eq!(idx.beat_at(p.to_lonlat([750.0, 250.0])), Some(1));
        // Exactly on the shared edge (x = 500 m): both contain it; file order decides.
        let on_edge = LonLat::new(beats[1].rings[0][0].lon, p.to_lonlat([500.0, 250.0]).lat);
        assert_eq!(idx.beat_at(on_edge), Some(0));
        assert_eq!(linear::beat_at(&idx, on_edge), Some(0));
        assert_eq!(idx.beat_at(p.to_lonlat([1000.5, 250.0])), None);
    }

    #[test]
    fn holes_are_not_inside() {
        let mut donut = square("donut", 0.0, 0.0, 300.0, 300.0);
        let hole = square("hole", 100.0, 100.0, 200.0, 200.0);
        donut.rings.push(hole.rings[0].clone());
        let idx = index(&[donut, hole], &[]);
        assert_eq!(idx.beat_at(proj().to_lonlat([150.0, 150.0])), Some(1));
        assert_eq!(idx.beat_at(proj().to_lonlat([50.0, 150.0])), Some(0));
    }

    #[test]
    fn camera_wedge_crossing_north() {
        // Heading 350°, 40° wide: sees from 330° through north to 10°.
        let cams = [camera("n", 0.0, 0.0, 350.0, 40.0, 100.0)];
        let idx = index(&[], &cams);
        let p = proj();
        let at = |bearing: f64, dist: f64| {
            let r = bearing.to_radians();
            p.to_lonlat([dist * r.sin(), dist * r.cos()])
        };
        assert_eq!(
            idx.cameras_seeing(at(5.0, 50.0)),
            vec![0],
            "east of north, inside"
        );
        assert_eq!(idx.cameras_seeing(at(335.0, 50.0)), vec![0]);
        assert!(
            idx.cameras_seeing(at(15.0, 50.0)).is_empty(),
            "outside the wedge"
        );
        assert!(idx.cameras_seeing(at(180.0, 50.0)).is_empty(), "behind");
        assert_eq!(
            idx.cameras_seeing(at(0.0, 99.9)),
            vec![0],
            "just inside range"
        );
        assert!(
            idx.cameras_seeing(at(0.0, 100.1)).is_empty(),
            "just outside range"
        );
    }

    #[test]
    fn nearest_cameras_first_and_linear_agrees() {
        let cams = [
            camera("far", 0.0, 0.0, 90.0, 360.0, 500.0),
            camera("near", 200.0, 0.0, 270.0, 90.0, 150.0),
            camera("blind", 150.0, 10.0, 0.0, 30.0, 500.0),
        ];
        let idx = index(&[], &cams);
        let target = proj().to_lonlat([120.0, 0.0]);
        assert_eq!(idx.cameras_seeing(target), vec![1, 0]);
        let mut lin = linear::cameras_seeing(&cams, &proj(), target);
        lin.sort();
        assert_eq!(lin, vec![0, 1]);
    }

    #[test]
    fn label_point_is_inside_a_u_shape() {
        // A U: the vertex mean lies in the gap between the arms.
        let u = vec![vec![
            [0.0, 0.0],
            [30.0, 0.0],
            [30.0, 30.0],
            [20.0, 30.0],
            [20.0, 10.0],
            [10.0, 10.0],
            [10.0, 30.0],
            [0.0, 30.0],
            [0.0, 0.0],
        ]];
        let p = label_point(&u).unwrap();
        assert_eq!(locate_in_polygon(p, &u), Containment::Inside, "{p:?}");
    }

    #[test]
    fn heading_maths() {
        assert_eq!(bearing_deg([0.0, 0.0], [0.0, 1.0]), 0.0);
        assert_eq!(bearing_deg([0.0, 0.0], [1.0, 0.0]), 90.0);
        assert_eq!(bearing_deg([0.0, 0.0], [-1.0, 0.0]), 270.0);
        assert_eq!(heading_difference_deg(350.0, 10.0), 20.0);
        assert_eq!(heading_difference_deg(10.0, 350.0), 20.0);
    }
}
