//! The prepared city: a start from the cache gives the same city, graph and sample layers as a
//! fresh import, and a damaged cache is rebuilt.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

use std::path::{Path, PathBuf};

use onemap::city::{load_osm, open_city};
use onemap::prepared::{CityCache, Part};
use onemap_core::routing::{RoadGraph, Speeds};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("layers/neubrandenburg-2016.osm.pbf")
}

fn fingerprint<T: serde::Serialize>(value: &T) -> u64 {
    xxhash_rust::xxh3::xxh3_64(&postcard::to_stdvec(value).expect("serialises"))
}

fn cache_of(dir: &Path) -> CityCache {
    let bytes = std::fs::read(demo()).expect("demo extract");
    CityCache {
        dir: dir.to_path_buf(),
        stem: "neubrandenburg-2016".into(),
        source: onemap::prepared::source_hash(&bytes),
    }
}

#[test]
fn a_start_from_the_cache_equals_a_fresh_import_and_damage_is_rebuilt() {
    let dir = std::env::temp_dir().join(format!("onemap-prepared-city-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut fresh = load_osm(&demo()).expect("imports");
    let fresh_graph = RoadGraph::build(&fresh, &Speeds::default());
    let fresh_layers = onemap_core::layers::demo::generate(&fresh);
    let fresh_buildings = std::mem::take(&mut fresh.buildings);

    // First start: imports and writes the city; the graph and layers are written on first use.
    let first = open_city(&demo(), Some(&dir), &|_, _| {}).expect("opens");
    let cache = cache_of(&dir);
    assert!(cache.path(Part::City).is_file() && cache.path(Part::Head).is_file());
    assert_eq!(first.bounds, fresh.bounds);
    assert_eq!(first.graph().nodes.len(), fresh_graph.nodes.len());
    assert_eq!(first.sample_layers(), fresh_layers);
    assert!(cache.path(Part::Graph).is_file() && cache.path(Part::Layers).is_file());
    drop(first);

    // Second start: everything from the cache, equal to the fresh import; the window's part
    // (box, name, figures) at once, the data from a thread.
    let second = open_city(&demo(), Some(&dir), &|_, _| {}).expect("opens from the cache");
    assert_eq!(second.bounds, fresh.bounds);
    assert_eq!(second.summary.roads, fresh.roads.len());
    assert_eq!(second.osm().roads.len(), fresh.roads.len());
    // The buildings go to the basemap, not the shared city.
    assert!(second.osm().buildings.is_empty());
    assert_eq!(second.summary.buildings, fresh_buildings.len());
    assert_eq!(second.osm().addresses.len(), fresh.addresses.len());
    assert_eq!(fingerprint(&**second.osm()), fingerprint(&fresh));
    let graph = second.graph();
    assert_eq!(graph.nodes.len(), fresh_graph.nodes.len());
    assert_eq!(graph.segments.len(), fresh_graph.segments.len());
    assert_eq!(fingerprint(&*graph), fingerprint(&fresh_graph));
    assert!(
        std::sync::Arc::ptr_eq(&graph, &second.graph()),
        "one graph, shared"
    );
    assert_eq!(second.sample_layers(), fresh_layers);
    // The graph read back routes like the fresh one.
    let from = fresh_graph.nodes.len() as u32 / 2;
    let reach = |g: &RoadGraph| {
        use onemap_core::routing::{Direction, Mode, bounded_dijkstra};
        bounded_dijkstra(g, Mode::Car, Direction::Forward, &[(from, 0.0)], 300.0)
    };
    assert_eq!(reach(&graph), reach(&fresh_graph));
    drop(second);

    // A flipped byte in the head, the city, a cut graph: each noticed and written anew.
    let head_file = cache.path(Part::Head);
    let mut head = std::fs::read(&head_file).expect("head");
    let last = head.len() - 1;
    head[last] ^= 0x40;
    std::fs::write(&head_file, &head).expect("damaged");
    let city_file = cache.path(Part::City);
    let mut bytes = std::fs::read(&city_file).expect("city cache");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&city_file, &bytes).expect("damaged");
    let graph_file = cache.path(Part::Graph);
    let len = std::fs::metadata(&graph_file).expect("graph cache").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&graph_file)
        .and_then(|f| f.set_len(len / 3))
        .expect("cut");
    assert!(cache.read::<onemap_core::osm::OsmData>(Part::City).is_err());
    let third = open_city(&demo(), Some(&dir), &|_, _| {}).expect("rebuilds");
    assert_eq!(fingerprint(&**third.osm()), fingerprint(&fresh));
    assert_eq!(fingerprint(&*third.graph()), fingerprint(&fresh_graph));
    assert_eq!(third.bounds, fresh.bounds);
    assert!(cache.read::<onemap_core::osm::OsmData>(Part::City).is_ok());
    assert!(cache.read::<RoadGraph>(Part::Graph).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}
