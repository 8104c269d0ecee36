//! Coordinates, bounding boxes, distances and the Web Mercator tile grid.
//!
//! Everything inside OneMap is WGS84 longitude/latitude in degrees (CGCS2000 agrees to within
//! centimetres). Screen and tile pixels come from [`mercator`]. Distances are metres.

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 position in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// Inside the valid WGS84 range (and finite).
    pub fn is_valid(self) -> bool {
        self.lon.is_finite()
            && self.lat.is_finite()
            && (-180.0..=180.0).contains(&self.lon)
            && (-90.0..=90.0).contains(&self.lat)
    }
}

/// `lat,lon` with 6 decimals (about 0.1 m), the order people type and `--center` takes.
impl std::fmt::Display for LonLat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.6},{:.6}", self.lat, self.lon)
    }
}

/// Great-circle distance in metres (haversine). Error well under 0.5 % at city scale.
///
/// ```
/// use onemap_core::coord::{haversine_m, LonLat};
/// // One degree of latitude is about 111.2 km.
/// let d = haversine_m(LonLat::new(13.0, 53.0), LonLat::new(13.0, 54.0));
/// assert!((d - 111_195.0).abs() < 5.0);
/// ```
pub fn haversine_m(a: LonLat, b: LonLat) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Length of a polyline in metres.
pub fn polyline_length_m(points: &[LonLat]) -> f64 {
    points.windows(2).map(|w| haversine_m(w[0], w[1])).sum()
}

/// An axis-aligned box in lon/lat. `BBox::EMPTY` extends to anything.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BBox {
    pub min: LonLat,
    pub max: LonLat,
}

impl BBox {
    pub const EMPTY: BBox = BBox {
        min: LonLat::new(f64::INFINITY, f64::INFINITY),
        max: LonLat::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
    };

    pub fn from_points(points: impl IntoIterator<Item = LonLat>) -> Self {
        let mut bbox = Self::EMPTY;
        for p in points {
            bbox.extend(p);
        }
        bbox
    }

    pub fn extend(&mut self, p: LonLat) {
        self.min.lon = self.min.lon.min(p.lon);
        self.min.lat = self.min.lat.min(p.lat);
        self.max.lon = self.max.lon.max(p.lon);
        self.max.lat = self.max.lat.max(p.lat);
    }

    pub fn union(&self, other: &BBox) -> BBox {
        let mut out = *self;
        out.extend(other.min);
        out.extend(other.max);
        out
    }

    pub fn is_empty(&self) -> bool {
        !(self.min.lon <= self.max.lon && self.min.lat <= self.max.lat)
    }

    pub fn center(&self) -> LonLat {
        LonLat::new(
            (self.min.lon + self.max.lon) / 2.0,
            (self.min.lat + self.max.lat) / 2.0,
        )
    }

    pub fn contains(&self, p: LonLat) -> bool {
        (self.min.lon..=self.max.lon).contains(&p.lon)
            && (self.min.lat..=self.max.lat).contains(&p.lat)
    }

    pub fn intersects(&self, other: &BBox) -> bool {
        self.min.lon <= other.max.lon
            && other.min.lon <= self.max.lon
            && self.min.lat <= other.max.lat
            && other.min.lat <= self.max.lat
    }

    /// Grown by a fraction of its size on every side.
    pub fn padded(&self, fraction: f64) -> BBox {
        let dx = (self.max.lon - self.min.lon) * fraction;
        let dy = (self.max.lat - self.min.lat) * fraction;
        BBox {
            min: LonLat::new(self.min.lon - dx, self.min.lat - dy),
            max: LonLat::new(self.max.lon + dx, self.max.lat + dy),
        }
    }

    /// Width and height in metres, measured through the centre.
    pub fn size_m(&self) -> (f64, f64) {
        let c = self.center();
        (
            haversine_m(
                LonLat::new(self.min.lon, c.lat),
                LonLat::new(self.max.lon, c.lat),
            ),
            haversine_m(
                LonLat::new(c.lon, self.min.lat),
                LonLat::new(c.lon, self.max.lat),
            ),
        )
    }
}

/// Web Mercator (EPSG:3857) on the standard XYZ tile grid with 256 px tiles.
pub mod mercator {
    use super::{BBox, LonLat};

    pub const TILE_SIZE_PX: f64 = 256.0;
    /// Latitude where Web Mercator stops.
    pub const MAX_LAT: f64 = 85.051_128_779_806_59;

    /// Position on the "world bitmap" of zoom `z` in pixels, origin at the north-west corner.
    pub fn world_px(p: LonLat, zoom: f64) -> (f64, f64) {
        let size = TILE_SIZE_PX * 2f64.powf(zoom);
        let x = (p.lon + 180.0) / 360.0 * size;
        let lat = p.lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
        let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * size;
        (x, y)
    }

    /// Inverse of [`world_px`].
    pub fn lonlat_from_world_px(x: f64, y: f64, zoom: f64) -> LonLat {
        let size = TILE_SIZE_PX * 2f64.powf(zoom);
        let lon = x / size * 360.0 - 180.0;
        let n = std::f64::consts::PI * (1.0 - 2.0 * y / size);
        let lat = n.sinh().atan().to_degrees();
        LonLat::new(lon, lat)
    }

    /// The lon/lat box covered by tile `(z, x, y)`.
    pub fn tile_bbox(z: u8, x: u32, y: u32) -> BBox {
        let z = f64::from(z);
        let nw = lonlat_from_world_px(f64::from(x) * TILE_SIZE_PX, f64::from(y) * TILE_SIZE_PX, z);
        let se = lonlat_from_world_px(
            f64::from(x + 1) * TILE_SIZE_PX,
            f64::from(y + 1) * TILE_SIZE_PX,
            z,
        );
        BBox {
            min: LonLat::new(nw.lon, se.lat),
            max: LonLat::new(se.lon, nw.lat),
        }
    }

    /// Tiles of zoom `z` covering `bbox`, as inclusive x and y ranges.
    pub fn tiles_covering(
        bbox: &BBox,
        z: u8,
    ) -> (std::ops::RangeInclusive<u32>, std::ops::RangeInclusive<u32>) {
        let zf = f64::from(z);
        let max_index = (1u32 << z) - 1;
        let (x0, y0) = world_px(LonLat::new(bbox.min.lon, bbox.max.lat), zf);
        let (x1, y1) = world_px(LonLat::new(bbox.max.lon, bbox.min.lat), zf);
        let to_index = |v: f64| ((v / TILE_SIZE_PX).floor().max(0.0) as u32).min(max_index);
        (to_index(x0)..=to_index(x1), to_index(y0)..=to_index(y1))
    }

    /// Ground metres per pixel at `lat` and `zoom`.
    pub fn metres_per_px(lat: f64, zoom: f64) -> f64 {
        // Web Mercator is defined on the WGS84 equatorial radius.
        let circumference_m = 2.0 * std::f64::consts::PI * 6_378_137.0;
        circumference_m * lat.to_radians().cos() / (TILE_SIZE_PX * 2f64.powf(zoom))
    }

    /// The zoom at which `bbox` fits into a viewport of `width_px` × `height_px`.
    pub fn zoom_to_fit(bbox: &BBox, width_px: f64, height_px: f64) -> f64 {
        if bbox.is_empty() || width_px <= 0.0 || height_px <= 0.0 {
            return 12.0;
        }
        let (x0, y0) = world_px(LonLat::new(bbox.min.lon, bbox.max.lat), 0.0);
        let (x1, y1) = world_px(LonLat::new(bbox.max.lon, bbox.min.lat), 0.0);
        let zx = (width_px / (x1 - x0).max(1e-9)).log2();
        let zy = (height_px / (y1 - y0).max(1e-9)).log2();
        zx.min(zy).clamp(0.0, 19.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_round_trip_and_known_tile() {
        // Tile indices from the OSM wiki formula, computed independently in Python.
        let p = LonLat::new(13.2610, 53.5580);
        let (x, y) = mercator::world_px(p, 14.0);
        assert_eq!(((x / 256.0) as u32, (y / 256.0) as u32), (8795, 5294));
        let back = mercator::lonlat_from_world_px(x, y, 14.0);
        assert!((back.lon - p.lon).abs() < 1e-9 && (back.lat - p.lat).abs() < 1e-9);
    }

    #[test]
    fn tile_bbox_contains_its_centre_and_metres_per_px() {
        let b = mercator::tile_bbox(14, 8795, 5294);
        assert!(b.contains(LonLat::new(13.2610, 53.5580)));
        // 40,075 km · cos(lat) / (256 · 2^14) = 5.676 m/px at 53.558° (computed in Python).
        let m = mercator::metres_per_px(53.558, 14.0);
        assert!((m - 5.6755).abs() < 0.001, "{m}");
    }

    #[test]
    fn bbox_basics() {
        let b = BBox::from_points([LonLat::new(1.0, 2.0), LonLat::new(3.0, 5.0)]);
        assert!(!b.is_empty());
        assert!(BBox::EMPTY.is_empty());
        assert_eq!(b.center(), LonLat::new(2.0, 3.5));
        assert!(b.intersects(&BBox::from_points([
            LonLat::new(2.5, 4.0),
            LonLat::new(9.0, 9.0)
        ])));
        assert!(!b.intersects(&BBox::from_points([
            LonLat::new(3.5, 4.0),
            LonLat::new(9.0, 9.0)
        ])));
    }
}
