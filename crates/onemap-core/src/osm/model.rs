//! The city as OneMap keeps it in memory after import: plain vectors of plain structs.
//!
//! Only what the console draws, routes on or searches is kept; OSM ids are kept so that a
//! feature can be traced back to the source data.

use crate::coord::{BBox, LonLat, polyline_length_m};

/// Road classes, ordered from most to least important. Derived from `highway=*`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum RoadClass {
    Motorway,
    Trunk,
    Primary,
    Secondary,
    Tertiary,
    Unclassified,
    Residential,
    LivingStreet,
    Service,
    /// `highway=road`: a road of unknown classification.
    Road,
    Track,
    Pedestrian,
    Cycleway,
    /// Footways, paths, steps and bridleways.
    Path,
}

impl RoadClass {
    pub const ALL: [RoadClass; 14] = [
        RoadClass::Motorway,
        RoadClass::Trunk,
        RoadClass::Primary,
        RoadClass::Secondary,
        RoadClass::Tertiary,
        RoadClass::Unclassified,
        RoadClass::Residential,
        RoadClass::LivingStreet,
        RoadClass::Service,
        RoadClass::Road,
        RoadClass::Track,
        RoadClass::Pedestrian,
        RoadClass::Cycleway,
        RoadClass::Path,
    ];

    /// From a `highway=*` value. `_link` roads take their parent's class (see [`Road::is_link`]).
    /// Returns `None` for values that are not roads (`proposed`, `construction`, `platform`, ...).
    pub fn from_highway(value: &str) -> Option<RoadClass> {
        let base = value.strip_suffix("_link").unwrap_or(value);
        Some(match base {
            "motorway" => RoadClass::Motorway,
            "trunk" => RoadClass::Trunk,
            "primary" => RoadClass::Primary,
            "secondary" => RoadClass::Secondary,
            "tertiary" => RoadClass::Tertiary,
            "unclassified" => RoadClass::Unclassified,
            "residential" => RoadClass::Residential,
            "living_street" => RoadClass::LivingStreet,
            "service" => RoadClass::Service,
            "road" => RoadClass::Road,
            "track" => RoadClass::Track,
            "pedestrian" => RoadClass::Pedestrian,
            "cycleway" => RoadClass::Cycleway,
            "footway" | "path" | "steps" | "bridleway" => RoadClass::Path,
            _ => return None,
        })
    }

    /// Public roads a patrol car can use: motorway down to service roads (tracks excluded).
    pub fn is_drivable(self) -> bool {
        self <= RoadClass::Road
    }
}

/// One-way rule of a road, in the direction of its points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Oneway {
    #[default]
    No,
    /// Only in the direction of the points.
    Forward,
    /// Only against the direction of the points (`oneway=-1`).
    Backward,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Road {
    pub osm_id: i64,
    pub class: RoadClass,
    pub is_link: bool,
    pub name: Option<Box<str>>,
    /// `ref=*`, e.g. "B 104".
    pub reference: Option<Box<str>>,
    pub oneway: Oneway,
    /// Parsed `maxspeed`, km/h.
    pub maxspeed_kmh: Option<f32>,
    /// `access=private|no` or `motor_vehicle=no`: not for general traffic.
    pub is_restricted: bool,
    pub points: Vec<LonLat>,
}

impl Road {
    pub fn length_m(&self) -> f64 {
        polyline_length_m(&self.points)
    }
}

/// A polygon with holes, filled with the even-odd rule (outer and inner rings alike).
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Area {
    pub rings: Vec<Vec<LonLat>>,
}

impl Area {
    pub fn bbox(&self) -> BBox {
        BBox::from_points(self.rings.iter().flatten().copied())
    }

    /// Area-weighted centroid of the largest ring (planar in degrees; fine at city scale).
    pub fn centroid(&self) -> Option<LonLat> {
        let ring = self
            .rings
            .iter()
            .max_by(|a, b| ring_area_deg2(a).total_cmp(&ring_area_deg2(b)))?;
        ring_centroid(ring)
    }
}

fn ring_area_deg2(ring: &[LonLat]) -> f64 {
    shoelace(ring).abs()
}

/// Twice the signed area is the usual shoelace; this returns the signed area.
fn shoelace(ring: &[LonLat]) -> f64 {
    let n = ring.len();
    if n < 3 {
        return 0.0;
    }
    let mut sum = 0.0;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        sum += a.lon * b.lat - b.lon * a.lat;
    }
    sum / 2.0
}

/// Centroid of a simple ring; the vertex mean when the ring has no area.
pub fn ring_centroid(ring: &[LonLat]) -> Option<LonLat> {
    if ring.is_empty() {
        return None;
    }
    // Relative to the first vertex, to keep precision.
    let o = ring[0];
    let n = ring.len();
    let (mut cx, mut cy, mut a2) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        let (px, py, qx, qy) = (p.lon - o.lon, p.lat - o.lat, q.lon - o.lon, q.lat - o.lat);
        let cross = px * qy - qx * py;
        a2 += cross;
        cx += (px + qx) * cross;
        cy += (py + qy) * cross;
    }
    if a2.abs() < 1e-18 {
        let k = n as f64;
        let (sx, sy) = ring
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p.lon, y + p.lat));
        return Some(LonLat::new(sx / k, sy / k));
    }
    Some(LonLat::new(
        o.lon + cx / (3.0 * a2),
        o.lat + cy / (3.0 * a2),
    ))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LandKind {
    Forest,
    /// Parks, gardens, playgrounds, sports pitches.
    Park,
    /// Grass, meadow, village greens.
    Grass,
    Residential,
    /// Industrial, commercial and retail land.
    Industrial,
    /// Farmland, orchards, allotments.
    Farmland,
    Cemetery,
    /// Wetland, scrub, heath.
    Wild,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LandArea {
    pub kind: LandKind,
    pub area: Area,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LineKind {
    /// Rivers and canals.
    River,
    /// Streams, ditches, drains.
    Stream,
    Rail,
    /// Trams and light rail.
    Tram,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    pub kind: LineKind,
    pub name: Option<Box<str>>,
    pub points: Vec<LonLat>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum PlaceKind {
    City,
    Town,
    Suburb,
    Village,
    Quarter,
    Neighbourhood,
    Hamlet,
    Locality,
}

impl PlaceKind {
    pub fn from_tag(value: &str) -> Option<PlaceKind> {
        Some(match value {
            "city" => PlaceKind::City,
            "town" => PlaceKind::Town,
            "suburb" | "borough" => PlaceKind::Suburb,
            "village" => PlaceKind::Village,
            "quarter" => PlaceKind::Quarter,
            "neighbourhood" => PlaceKind::Neighbourhood,
            "hamlet" | "isolated_dwelling" => PlaceKind::Hamlet,
            "locality" => PlaceKind::Locality,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Place {
    pub kind: PlaceKind,
    pub name: Box<str>,
    /// `name:zh` where the data has it.
    pub name_zh: Option<Box<str>>,
    pub pos: LonLat,
}

/// A named point of interest, for search and labels.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Poi {
    pub osm_id: i64,
    pub name: Box<str>,
    /// The tag that made it a POI, as `key=value` (e.g. `amenity=school`).
    pub tag: Box<str>,
    pub pos: LonLat,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    pub street: Option<Box<str>>,
    pub housenumber: Box<str>,
    pub postcode: Option<Box<str>>,
    pub city: Option<Box<str>>,
    pub pos: LonLat,
}

impl Address {
    /// "Street 12" (or just the number when the street is unknown).
    pub fn label(&self) -> String {
        match &self.street {
            Some(street) => format!("{street} {}", self.housenumber),
            None => self.housenumber.to_string(),
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum StationKind {
    Police,
    Fire,
    Hospital,
}

/// Police and fire stations and hospitals from the OSM data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Station {
    pub osm_id: i64,
    pub kind: StationKind,
    pub name: Option<Box<str>>,
    pub pos: LonLat,
}

/// How the import went: counts, and what had to be repaired.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportStats {
    pub nodes: u64,
    pub ways: u64,
    pub relations: u64,
    /// Way node references whose node is not in the file (clipped extracts).
    pub missing_node_refs: u64,
    /// Ways dropped because fewer than two (lines) or three (areas) of their nodes exist.
    pub ways_dropped: u64,
    /// Multipolygon rings that did not close and were closed by a straight edge.
    pub rings_force_closed: u64,
}

/// Everything imported from one `.osm.pbf`.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct OsmData {
    /// The area of interest: the file's header box, or where most of the data lies.
    pub bounds: BBox,
    pub roads: Vec<Road>,
    pub buildings: Vec<Area>,
    pub water: Vec<Area>,
    pub land: Vec<LandArea>,
    pub lines: Vec<Line>,
    pub places: Vec<Place>,
    pub pois: Vec<Poi>,
    pub addresses: Vec<Address>,
    pub stations: Vec<Station>,
    pub stats: ImportStats,
}

impl Default for BBox {
    fn default() -> Self {
        BBox::EMPTY
    }
}

impl OsmData {
    /// Total length of roads passing `filter`, in metres.
    pub fn road_length_m(&self, filter: impl Fn(&Road) -> bool) -> f64 {
        self.roads
            .iter()
            .filter(|r| filter(r))
            .map(Road::length_m)
            .sum()
    }
}
