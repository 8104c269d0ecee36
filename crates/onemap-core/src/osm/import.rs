//! Reading an `.osm.pbf` (given as bytes; the caller reads the file) into [`OsmData`].
//!
//! One pass over the elements keeps every node's position and every way's node list, then ways
//! and multipolygon relations are resolved. Extracts clipped by a box reference nodes that are
//! not in the file: lines are split at the gaps, areas lose the missing corners, and rings that
//! cannot be closed are closed by a straight edge. Nothing here panics on bad input: decoder
//! errors and decoder panics both become [`ImportError`].
//!
//! Cost: O(n log n) in the number of nodes (one sort); memory about 24 bytes per node plus
//! 8 bytes per way node reference while importing.

use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};

use super::model::*;
use crate::coord::{BBox, LonLat};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("not a readable OpenStreetMap PBF file (truncated or corrupt?): {0}")]
    Decode(String),
    #[error("the file holds no OpenStreetMap nodes")]
    NoNodes,
}

/// Import an OSM PBF extract from its bytes.
pub fn import_pbf(bytes: &[u8]) -> Result<OsmData, ImportError> {
    import_pbf_with_progress(bytes, &|_| {})
}

/// [`import_pbf`], telling `progress` the share done (0 to 1) as it reads the file's blocks.
pub fn import_pbf_with_progress(
    bytes: &[u8],
    progress: &dyn Fn(f32),
) -> Result<OsmData, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    // osmpbf can panic on some malformed inputs (e.g. unknown enum values); a corrupt file
    // must be an error, never a crash. (Unwind-safe enough: after a panic only the error is
    // used, never the half-read data or the progress callback's state.)
    let raw = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_raw(bytes, progress)))
        .map_err(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "decoder panicked".into());
            ImportError::Decode(why)
        })??;
    if raw.nodes.is_empty() {
        return Err(ImportError::NoNodes);
    }
    let data = assemble(raw);
    progress(1.0);
    Ok(data)
}

// ---------------------------------------------------------------------------------------------
// Pass 1: raw elements

#[derive(Default)]
struct Raw {
    header_bbox: Option<BBox>,
    /// (node id, position), sorted by id after reading.
    nodes: Vec<(i64, LonLat)>,
    ways: Vec<RawWay>,
    relations: Vec<RawRelation>,
    places: Vec<Place>,
    points: PointFeatures,
    relation_count: u64,
}

struct RawWay {
    id: i64,
    kind: Option<WayKind>,
    point_tags: PointTags,
    refs: Vec<i64>,
}

struct RawRelation {
    kind: WayKind,
    point_tags: PointTags,
    /// (way id, is inner)
    members: Vec<(i64, bool)>,
    id: i64,
}

/// What a way or multipolygon is drawn as.
#[derive(Clone, Debug)]
enum WayKind {
    Road(RoadTags),
    Building,
    Water,
    Land(LandKind),
    Line(LineKind, Option<Box<str>>),
}

#[derive(Clone, Debug)]
struct RoadTags {
    class: RoadClass,
    is_link: bool,
    name: Option<Box<str>>,
    reference: Option<Box<str>>,
    oneway: Oneway,
    maxspeed_kmh: Option<f32>,
    is_restricted: bool,
}

/// Point-like facts an element carries whatever its geometry (address, station, POI).
#[derive(Clone, Debug, Default)]
struct PointTags {
    /// Position not yet known (set when the element's geometry is).
    address: Option<Address>,
    station: Option<StationKind>,
    poi_tag: Option<Box<str>>,
    name: Option<Box<str>>,
}

impl PointTags {
    fn is_empty(&self) -> bool {
        self.address.is_none() && self.station.is_none() && self.poi_tag.is_none()
    }
}

struct Tags<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Tags<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
    fn boxed(&self, key: &str) -> Option<Box<str>> {
        self.get(key)
            .filter(|v| !v.trim().is_empty())
            .map(Box::from)
    }
}

/// Reading the blocks is about this share of an import; assembling the rest.
const READ_SHARE: f32 = 0.7;

fn read_raw(bytes: &[u8], progress: &dyn Fn(f32)) -> Result<Raw, ImportError> {
    let mut raw = Raw::default();
    let reader = BlobReader::new_seekable(std::io::Cursor::new(bytes)).map_err(decode_error)?;
    for blob in reader {
        let blob = blob.map_err(decode_error)?;
        if let Some(at) = blob.offset() {
            progress(READ_SHARE * at.0 as f32 / bytes.len().max(1) as f32);
        }
        match blob.decode().map_err(decode_error)? {
            BlobDecode::OsmHeader(header) => {
                raw.header_bbox = header.bbox().map(|b| BBox {
                    min: LonLat::new(b.left, b.bottom),
                    max: LonLat::new(b.right, b.top),
                });
            }
            BlobDecode::OsmData(block) => {
                for element in block.elements() {
                    read_element(&mut raw, element);
                }
            }
            BlobDecode::Unknown(_) => {}
        }
    }
    Ok(raw)
}

fn decode_error(err: osmpbf::Error) -> ImportError {
    ImportError::Decode(err.to_string())
}

fn read_element(raw: &mut Raw, element: Element<'_>) {
    match element {
        Element::Node(node) => {
            let pos = LonLat::new(node.lon(), node.lat());
            let tags = Tags(node.tags().collect());
            read_node(raw, node.id(), pos, &tags);
        }
        Element::DenseNode(node) => {
            let pos = LonLat::new(node.lon(), node.lat());
            let tags = Tags(node.tags().collect());
            read_node(raw, node.id(), pos, &tags);
        }
        Element::Way(way) => {
            let tags = Tags(way.tags().collect());
            let kind = way_kind(&tags, false);
            let point_tags = point_tags(&tags);
            raw.ways.push(RawWay {
                id: way.id(),
                kind,
                point_tags,
                refs: way.refs().collect(),
            });
        }
        Element::Relation(rel) => {
            raw.relation_count += 1;
            let tags = Tags(rel.tags().collect());
            if tags.get("type") != Some("multipolygon") {
                return;
            }
            let Some(kind) = way_kind(&tags, true) else {
                return;
            };
            let members = rel
                .members()
                .filter(|m| m.member_type == RelMemberType::Way)
                .map(|m| (m.member_id, m.role().is_ok_and(|r| r == "inner")))
                .collect();
            raw.relations.push(RawRelation {
                kind,
                point_tags: point_tags(&tags),
                members,
                id: rel.id(),
            });
        }
    }
}

fn read_node(raw: &mut Raw, id: i64, pos: LonLat, tags: &Tags<'_>) {
    if !pos.is_valid() {
        return;
    }
    raw.nodes.push((id, pos));
    if tags.0.is_empty() {
        return;
    }
    if let (Some(kind), Some(name)) = (
        tags.get("place").and_then(PlaceKind::from_tag),
        tags.boxed("name"),
    ) {
        raw.places.push(Place {
            kind,
            name,
            name_zh: tags.boxed("name:zh"),
            pos,
        });
    }
    raw.points.push(id, &point_tags(tags), pos);
}

/// Point features found on nodes, ways and relations alike.
#[derive(Default)]
struct PointFeatures {
    addresses: Vec<Address>,
    stations: Vec<Station>,
    pois: Vec<Poi>,
}

impl PointFeatures {
    fn push(&mut self, osm_id: i64, pt: &PointTags, pos: LonLat) {
        if let Some(address) = &pt.address {
            self.addresses.push(Address {
                pos,
                ..address.clone()
            });
        }
        if let Some(kind) = pt.station {
            self.stations.push(Station {
                osm_id,
                kind,
                name: pt.name.clone(),
                pos,
            });
        }
        if let (Some(tag), Some(name)) = (&pt.poi_tag, &pt.name) {
            self.pois.push(Poi {
                osm_id,
                name: name.clone(),
                tag: tag.clone(),
                pos,
            });
        }
    }
}

fn point_tags(tags: &Tags<'_>) -> PointTags {
    let address = tags.boxed("addr:housenumber").map(|housenumber| Address {
        street: tags
            .boxed("addr:street")
            .or_else(|| tags.boxed("addr:place")),
        housenumber,
        postcode: tags.boxed("addr:postcode"),
        city: tags.boxed("addr:city"),
        pos: LonLat::default(),
    });
    let station = match tags.get("amenity") {
        Some("police") => Some(StationKind::Police),
        Some("fire_station") => Some(StationKind::Fire),
        Some("hospital") => Some(StationKind::Hospital),
        _ => None,
    };
    let poi_tag = [
        "amenity", "shop", "tourism", "leisure", "office", "historic", "railway",
    ]
    .iter()
    .find_map(|key| {
        let value = tags.get(key)?;
        (*key != "railway" || value == "station").then(|| format!("{key}={value}").into())
    });
    PointTags {
        address,
        station,
        poi_tag,
        name: tags.boxed("name"),
    }
}

fn way_kind(tags: &Tags<'_>, is_multipolygon: bool) -> Option<WayKind> {
    if !is_multipolygon {
        if let Some(class) = tags.get("highway").and_then(RoadClass::from_highway)
            && tags.get("area") != Some("yes")
        {
            return Some(WayKind::Road(road_tags(tags, class)));
        }
        if let Some(kind) = match tags.get("railway") {
            Some("rail" | "narrow_gauge" | "subway" | "monorail") => Some(LineKind::Rail),
            Some("tram" | "light_rail") => Some(LineKind::Tram),
            _ => None,
        } {
            return Some(WayKind::Line(kind, tags.boxed("name")));
        }
        if let Some(kind) = match tags.get("waterway") {
            Some("river" | "canal") => Some(LineKind::River),
            Some("stream" | "ditch" | "drain") => Some(LineKind::Stream),
            _ => None,
        } {
            return Some(WayKind::Line(kind, tags.boxed("name")));
        }
    }
    if tags.get("building").is_some_and(|v| v != "no") {
        return Some(WayKind::Building);
    }
    if tags.get("natural") == Some("water")
        || tags.get("waterway") == Some("riverbank")
        || matches!(tags.get("landuse"), Some("reservoir" | "basin"))
    {
        return Some(WayKind::Water);
    }
    let land = match (
        tags.get("landuse"),
        tags.get("natural"),
        tags.get("leisure"),
    ) {
        (Some("forest"), _, _) | (_, Some("wood"), _) => Some(LandKind::Forest),
        (_, _, Some("park" | "garden" | "playground" | "pitch" | "golf_course")) => {
            Some(LandKind::Park)
        }
        (Some("grass" | "meadow" | "recreation_ground" | "village_green"), _, _) => {
            Some(LandKind::Grass)
        }
        (Some("residential"), _, _) => Some(LandKind::Residential),
        (Some("industrial" | "commercial" | "retail" | "railway"), _, _) => {
            Some(LandKind::Industrial)
        }
        (Some("farmland" | "farmyard" | "orchard" | "allotments" | "vineyard"), _, _) => {
            Some(LandKind::Farmland)
        }
        (Some("cemetery"), _, _) => Some(LandKind::Cemetery),
        (_, Some("wetland" | "scrub" | "heath"), _) => Some(LandKind::Wild),
        _ => None,
    };
    land.map(WayKind::Land)
}

fn road_tags(tags: &Tags<'_>, class: RoadClass) -> RoadTags {
    let highway = tags.get("highway").unwrap_or_default();
    let implied_oneway =
        class == RoadClass::Motorway || tags.get("junction").is_some_and(|j| j == "roundabout");
    let oneway = match tags.get("oneway") {
        Some("yes" | "1" | "true") => Oneway::Forward,
        Some("-1" | "reverse") => Oneway::Backward,
        Some("no" | "false" | "0") => Oneway::No,
        _ if implied_oneway => Oneway::Forward,
        _ => Oneway::No,
    };
    let is_restricted = matches!(tags.get("access"), Some("private" | "no"))
        || matches!(tags.get("motor_vehicle"), Some("private" | "no"));
    RoadTags {
        class,
        is_link: highway.ends_with("_link"),
        name: tags.boxed("name"),
        reference: tags.boxed("ref"),
        oneway,
        maxspeed_kmh: tags.get("maxspeed").and_then(parse_maxspeed_kmh),
        is_restricted,
    }
}

/// `maxspeed` in km/h: "50", "30 mph", "DE:urban", "walk". `None` for "none", "signals" and
/// anything unparseable (the class default applies then).
pub fn parse_maxspeed_kmh(value: &str) -> Option<f32> {
    let value = value.trim();
    if let Some(mph) = value.strip_suffix("mph") {
        return mph.trim().parse::<f32>().ok().map(|v| v * 1.609_344);
    }
    if let Ok(v) = value.trim_end_matches("km/h").trim().parse::<f32>() {
        return (v > 0.0 && v < 400.0).then_some(v);
    }
    // Zone tags used in many countries ("XX:urban"); the usual statutory values.
    let zone = value.rsplit(':').next().unwrap_or(value);
    match zone {
        "walk" | "living_street" => Some(7.0),
        "urban" | "zone30" => Some(if zone == "zone30" { 30.0 } else { 50.0 }),
        "rural" => Some(100.0),
        "motorway" => Some(130.0),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: geometry

struct NodeIndex(Vec<(i64, LonLat)>);

impl NodeIndex {
    fn get(&self, id: i64) -> Option<LonLat> {
        self.0
            .binary_search_by_key(&id, |(n, _)| *n)
            .ok()
            .map(|i| self.0[i].1)
    }
}

fn assemble(mut raw: Raw) -> OsmData {
    if !raw.nodes.is_sorted_by_key(|(id, _)| *id) {
        raw.nodes.sort_unstable_by_key(|(id, _)| *id);
    }
    let Raw {
        header_bbox,
        nodes,
        mut ways,
        relations,
        places,
        mut points,
        relation_count,
    } = raw;
    let nodes = NodeIndex(nodes);
    let mut out = OsmData {
        places,
        ..OsmData::default()
    };
    out.stats.nodes = nodes.0.len() as u64;
    out.stats.ways = ways.len() as u64;
    out.stats.relations = relation_count;

    if !ways.is_sorted_by_key(|w| w.id) {
        ways.sort_unstable_by_key(|w| w.id);
    }
    for way in &ways {
        let resolved: Vec<Option<LonLat>> = way.refs.iter().map(|&r| nodes.get(r)).collect();
        let missing = resolved.iter().filter(|p| p.is_none()).count();
        out.stats.missing_node_refs += missing as u64;

        let is_closed = way.refs.len() > 3 && way.refs.first() == way.refs.last();
        if !way.point_tags.is_empty() {
            // An outline's centroid; for an open way (an address on a fence, say) its middle.
            let coords: Vec<LonLat> = resolved.iter().flatten().copied().collect();
            let pos = if is_closed {
                ring_centroid(&coords[..coords.len().saturating_sub(1)])
            } else {
                coords.get(coords.len() / 2).copied()
            };
            if let Some(c) = pos {
                points.push(way.id, &way.point_tags, c);
            }
        }

        let Some(kind) = &way.kind else { continue };
        match kind {
            WayKind::Road(tags) => {
                let runs = split_at_gaps(&resolved);
                if runs.is_empty() {
                    out.stats.ways_dropped += 1;
                }
                for points in runs {
                    out.roads.push(Road {
                        osm_id: way.id,
                        class: tags.class,
                        is_link: tags.is_link,
                        name: tags.name.clone(),
                        reference: tags.reference.clone(),
                        oneway: tags.oneway,
                        maxspeed_kmh: tags.maxspeed_kmh,
                        is_restricted: tags.is_restricted,
                        points,
                    });
                }
            }
            WayKind::Line(line_kind, name) => {
                let runs = split_at_gaps(&resolved);
                if runs.is_empty() {
                    out.stats.ways_dropped += 1;
                }
                for points in runs {
                    out.lines.push(Line {
                        kind: *line_kind,
                        name: name.clone(),
                        points,
                    });
                }
            }
            WayKind::Building | WayKind::Water | WayKind::Land(_) => {
                if !is_closed {
                    continue; // an open way with area tags is a mapping error; skip it
                }
                let ring: Vec<LonLat> = resolved.iter().flatten().copied().collect();
                if ring.len() < 4 {
                    out.stats.ways_dropped += 1;
                    continue;
                }
                push_area(&mut out, kind, Area { rings: vec![ring] });
            }
        }
    }

    assemble_relations(&mut out, &mut points, &nodes, &ways, &relations);

    out.addresses = points.addresses;
    out.stations = points.stations;
    out.pois = points.pois;
    out.bounds = header_bbox
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| robust_bounds(&out, &nodes));
    out
}

/// Multipolygon relations: member ways joined into rings, each an area of its kind.
fn assemble_relations(
    out: &mut OsmData,
    points: &mut PointFeatures,
    nodes: &NodeIndex,
    ways: &[RawWay],
    relations: &[RawRelation],
) {
    let way_refs = |id: i64| -> Option<&Vec<i64>> {
        ways.binary_search_by_key(&id, |w| w.id)
            .ok()
            .map(|i| &ways[i].refs)
    };
    for rel in relations {
        let member_ways: Vec<&Vec<i64>> = rel
            .members
            .iter()
            .filter_map(|(id, _)| way_refs(*id))
            .collect();
        let (rings, force_closed) = join_rings(&member_ways);
        out.stats.rings_force_closed += force_closed;
        let rings: Vec<Vec<LonLat>> = rings
            .iter()
            .map(|ring| {
                ring.iter()
                    .filter_map(|&r| nodes.get(r))
                    .collect::<Vec<_>>()
            })
            .filter(|ring| ring.len() >= 4)
            .collect();
        if rings.is_empty() {
            continue;
        }
        let area = Area { rings };
        if !rel.point_tags.is_empty()
            && let Some(c) = area.centroid()
        {
            points.push(rel.id, &rel.point_tags, c);
        }
        push_area(out, &rel.kind, area);
    }
}

fn push_area(out: &mut OsmData, kind: &WayKind, area: Area) {
    match kind {
        WayKind::Building => out.buildings.push(area),
        WayKind::Water => out.water.push(area),
        WayKind::Land(kind) => out.land.push(LandArea { kind: *kind, area }),
        WayKind::Road(_) | WayKind::Line(..) => {}
    }
}

/// Runs of at least two consecutive existing nodes.
fn split_at_gaps(resolved: &[Option<LonLat>]) -> Vec<Vec<LonLat>> {
    resolved
        .split(Option::is_none)
        .filter(|run| run.len() >= 2)
        .map(|run| run.iter().flatten().copied().collect())
        .collect()
}

/// Join member ways end to end into rings (by node id). Returns the rings and how many had to
/// be closed by force because their ends never met (clipped extracts).
fn join_rings(ways: &[&Vec<i64>]) -> (Vec<Vec<i64>>, u64) {
    let mut unused: Vec<&[i64]> = ways
        .iter()
        .map(|w| w.as_slice())
        .filter(|w| w.len() >= 2)
        .collect();
    let mut rings = Vec::new();
    let mut force_closed = 0;
    while let Some(first) = unused.pop() {
        let mut ring: Vec<i64> = first.to_vec();
        while ring.first() != ring.last() {
            let end = *ring.last().unwrap_or(&0);
            let Some(i) = unused
                .iter()
                .position(|w| w.first() == Some(&end) || w.last() == Some(&end))
            else {
                break;
            };
            let next = unused.swap_remove(i);
            if next.first() == Some(&end) {
                ring.extend_from_slice(&next[1..]);
            } else {
                ring.extend(next.iter().rev().skip(1));
            }
        }
        if ring.first() != ring.last() {
            force_closed += 1;
            ring.push(ring[0]);
        }
        rings.push(ring);
    }
    (rings, force_closed)
}

/// Where most of the data lies: the 0.5–99.5 percentile box of road nodes (or of all nodes).
/// Relation members far outside a clipped extract must not make "fit city" show a country.
fn robust_bounds(data: &OsmData, nodes: &NodeIndex) -> BBox {
    let mut lons: Vec<f64> = data
        .roads
        .iter()
        .flat_map(|r| r.points.iter().map(|p| p.lon))
        .collect();
    let mut lats: Vec<f64> = data
        .roads
        .iter()
        .flat_map(|r| r.points.iter().map(|p| p.lat))
        .collect();
    if lons.len() < 10 {
        lons = nodes.0.iter().map(|(_, p)| p.lon).collect();
        lats = nodes.0.iter().map(|(_, p)| p.lat).collect();
    }
    lons.sort_by(f64::total_cmp);
    lats.sort_by(f64::total_cmp);
    let pick = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    if lons.is_empty() {
        return BBox::EMPTY;
    }
    let (lo, hi) = if lons.len() >= 200 {
        (0.005, 0.995)
    } else {
        (0.0, 1.0)
    };
    BBox {
        min: LonLat::new(pick(&lons, lo), pick(&lats, lo)),
        max: LonLat::new(pick(&lons, hi), pick(&lats, hi)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxspeed_parsing() {
        assert_eq!(parse_maxspeed_kmh("50"), Some(50.0));
        assert_eq!(parse_maxspeed_kmh("DE:urban"), Some(50.0));
        assert_eq!(parse_maxspeed_kmh("DE:rural"), Some(100.0));
        assert_eq!(parse_maxspeed_kmh("walk"), Some(7.0));
        assert_eq!(parse_maxspeed_kmh("none"), None);
        let mph = parse_maxspeed_kmh("30 mph").unwrap_or_default();
        assert!((mph - 48.28).abs() < 0.01);
    }

    #[test]
    fn rings_join_reversed_members_and_close_clipped_ones() {
        let a = vec![1, 2, 3];
        let b = vec![5, 4, 3]; // reversed
        let c = vec![5, 6, 1];
        let (rings, forced) = join_rings(&[&a, &b, &c]);
        assert_eq!(forced, 0);
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].len(), 7);
        assert_eq!(rings[0].first(), rings[0].last());

        let open = vec![10, 11, 12];
        let (rings, forced) = join_rings(&[&open]);
        assert_eq!((rings[0].clone(), forced), (vec![10, 11, 12, 10], 1));
    }

    #[test]
    fn gaps_split_lines() {
        let p = |x| Some(LonLat::new(x, 0.0));
        let runs = split_at_gaps(&[p(0.0), p(1.0), None, p(2.0), None, p(3.0), p(4.0), p(5.0)]);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].len(), 3);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(import_pbf(b""), Err(ImportError::Empty)));
        assert!(matches!(
            import_pbf(b"<?xml version='1.0'?><osm></osm>"),
            Err(ImportError::Decode(_))
        ));
    }
}
