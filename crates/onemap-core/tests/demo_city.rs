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
