//! Import of the real demo extract (Neubrandenburg, 2016), checked against figures computed
//! independently with osmium-tool and Python:
//!
//! ```sh
//! osmium tags-filter -o hw.osm.pbf layers/neubrandenburg-2016.osm.pbf w/highway
//! osmium export -f geojsonseq -o hw.geojsonseq hw.osm.pbf
//! # sum haversine lengths (R = 6371008.8 m) per highway=* value in Python
//! osmium tags-filter -R -o b.osm.pbf layers/neubrandenburg-2016.osm.pbf w/building r/building
//! osmium fileinfo -e b.osm.pbf     # 15331 ways + 9 relations
//! osmium tags-filter -R -o a.osm.pbf layers/neubrandenburg-2016.osm.pbf n/addr:housenumber w/addr:housenumber
//! osmium fileinfo -e a.osm.pbf     # 7554 nodes + 2707 ways
//! ```

#![allow(clippy::expect_used)] // a failed set-up is a failed test

use onemap_core::osm::{RoadClass, StationKind, import_pbf};

fn demo() -> onemap_core::osm::OsmData {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../layers/neubrandenburg-2016.osm.pbf"
    );
    let bytes = std::fs::read(path).expect("demo extract is committed in layers/");
    import_pbf(&bytes).expect("demo extract imports")
}

#[test]
fn demo_city_matches_osmium() {
    let data = demo();
    assert_eq!(data.stats.nodes, 152_087);
    assert_eq!(data.stats.ways, 25_897);
    assert_eq!(data.stats.relations, 295);

    // osmium + Python: 765.36 km for motorway..service, links and highway=road.
    let drivable_km = data.road_length_m(|r| r.class.is_drivable()) / 1000.0;
    assert!(
        (drivable_km - 765.36).abs() < 0.05,
        "drivable {drivable_km:.2} km"
    );
    let residential_km = data.road_length_m(|r| r.class == RoadClass::Residential) / 1000.0;
    assert!(
        (residential_km - 269.8).abs() < 0.06,
        "residential {residential_km:.2} km"
    );

    // osmium counts 15331 building ways + 9 multipolygons; one way is tagged both highway=*
    // and building=* and is kept as a road.
    assert_eq!(data.buildings.len(), 15_331 + 9 - 1);
    assert_eq!(data.addresses.len(), 7_554 + 2_707);
    assert_eq!(
        data.stats.missing_node_refs, 0,
        "this extract has complete ways"
    );

    // The header box of the extract.
    assert!((data.bounds.min.lon - 13.1094).abs() < 1e-4);
    assert!((data.bounds.max.lat - 53.6153).abs() < 1e-4);
}

#[test]
fn demo_city_has_the_features_the_console_draws() {
    let data = demo();
    // The Tollensesee is a multipolygon lake (1 outer, 6 inner rings), 8.9 km north to south.
    let lake = data
        .water
        .iter()
        .max_by(|a, b| a.bbox().size_m().1.total_cmp(&b.bbox().size_m().1))
        .expect("water areas");
    let (_, lake_length_m) = lake.bbox().size_m();
    assert!(lake_length_m > 8_000.0, "{lake_length_m}");
    assert_eq!(lake.rings.len(), 7);
    assert!(data.stations.iter().any(|s| s.kind == StationKind::Police));
    assert!(data.stations.iter().any(|s| s.kind == StationKind::Fire));
    assert!(data.places.iter().any(|p| &*p.name == "Neubrandenburg"));
    assert!(
        data.roads
            .iter()
            .any(|r| r.name.as_deref() == Some("Friedrich-Engels-Ring"))
    );
    assert!(!data.lines.is_empty(), "railways and streams");
    assert!(!data.land.is_empty(), "forests, parks, landuse");
}

/// Every numbered address of the demo city is found where it is mapped when typed as a
/// call-taker would ("Street 12"), and a number the map lacks lands near its neighbours.
#[test]
fn every_demo_address_is_found_where_it_is_mapped() {
    use onemap_core::coord::haversine_m;
    use onemap_core::geocode::{Found, Geocoder};
    let data = demo();
    let g = Geocoder::new(&data);
    let (mut tried, mut exact) = (0, 0);
    for a in &data.addresses {
        let Some(street) = a.street.as_deref() else {
            continue;
        };
        if !a
            .housenumber
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
        {
            continue;
        }
        tried += 1;
        let hits = g.geocode(&format!("{street} {}", a.housenumber), 1);
        let Some(p) = hits.first() else {
            continue;
        };
        // The same number may be mapped twice (a node and a building): within 150 m.
        if p.found == Found::Exact && haversine_m(p.pos, a.pos) < 150.0 {
            exact += 1;
        }
    }
    assert!(tried > 8_000, "{tried} numbered addresses");
    // Addresses whose street has no road of that name (paths, squares) cannot be found.
    assert!(
        exact * 100 >= tried * 95,
        "{exact} of {tried} found exactly"
    );

    // A gap in the numbering: interpolated, between its neighbours.
    let street = "Friedrich-Engels-Ring";
    let mut numbers: Vec<(u32, onemap_core::coord::LonLat)> = data
        .addresses
        .iter()
        .filter(|a| a.street.as_deref() == Some(street))
        .filter_map(|a| Some((a.housenumber.parse().ok()?, a.pos)))
        .collect();
    numbers.sort_by_key(|n| n.0);
    let gap = numbers
        .windows(2)
        .find(|w| w[1].0 >= w[0].0 + 4 && w[0].0 % 2 == w[1].0 % 2)
        .expect("a gap in the numbering");
    let missing = gap[0].0 + 2;
    let p = &g.geocode(&format!("{street} {missing}"), 1)[0];
    assert_eq!(p.found, Found::Interpolated);
    let span = haversine_m(gap[0].1, gap[1].1);
    assert!(
        haversine_m(p.pos, gap[0].1) <= span + 50.0 && haversine_m(p.pos, gap[1].1) <= span + 50.0,
        "{missing} at {:?}, between {:?} and {:?}",
        p.pos,
        gap[0],
        gap[1]
    );
}
