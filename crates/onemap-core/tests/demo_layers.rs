//! Demo layers generated from the real demo city: valid by OneMap's own schema, deterministic,
//! and plausible (beats cover where people live, every beat has a police station).

#![allow(clippy::expect_used)] // a failed set-up is a failed test

use onemap_core::layers::{StationKind, demo, io};
use onemap_core::spatial::LayerIndex;

fn demo_osm() -> onemap_core::osm::OsmData {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../layers/neubrandenburg-2016.osm.pbf"
    );
    onemap_core::osm::import_pbf(&std::fs::read(path).expect("demo extract")).expect("imports")
}

#[test]
fn generated_layers_are_valid_deterministic_and_plausible() {
    let osm = demo_osm();
    let layers = demo::generate(&osm);
    assert!(layers == demo::generate(&osm), "deterministic");
    assert!(layers.generated);

    let (b, c, p, s) = (
        layers.beats.len(),
        layers.cameras.len(),
        layers.posts.len(),
        layers.stations.len(),
    );
    println!("beats {b}, cameras {c}, posts {p}, stations {s}");
    assert!((40..=400).contains(&b), "beats {b}");
    assert!((150..=3000).contains(&c), "cameras {c}");
    assert!((5..=40).contains(&p), "posts {p}");
    assert!(
        layers
            .stations
            .iter()
            .any(|s| s.kind == StationKind::Police)
    );

    // Round trip through the files: nothing rejected.
    let beats = io::parse_beats("beats", &io::write_beats(&layers.beats, true, &[]));
    assert_eq!(beats.problems, vec![]);
    assert!(
        beats.items == layers.beats,
        "beats survive a save and reload"
    );
    let cameras = io::parse_cameras("cameras", &io::write_cameras(&layers.cameras, true, &[]));
    assert_eq!(cameras.problems, vec![]);
    assert!(cameras.generated);
    assert_eq!(
        io::parse_posts("posts", &io::write_posts(&layers.posts, true, &[])).problems,
        vec![]
    );
    assert_eq!(
        io::parse_stations("s", &io::write_stations(&layers.stations, true, &[])).problems,
        vec![]
    );

    // Every beat's station exists.
    for beat in &layers.beats {
        assert!(
            layers.stations.iter().any(|s| s.id == beat.station_id),
            "{}",
            beat.id
        );
    }
    // Beats do not overlap much and cover most addresses.
    let index = LayerIndex::new(&layers, osm.bounds.center());
    let covered = osm
        .addresses
        .iter()
        .filter(|a| index.beat_at(a.pos).is_some())
        .count();
    let share = covered as f64 / osm.addresses.len() as f64;
    println!("addresses inside a beat: {:.1} %", share * 100.0);
    assert!(share > 0.9, "{share}");
    // Neighbouring beats share their outlines exactly: hardly any address lies in two.
    let in_two = osm
        .addresses
        .iter()
        .step_by(5)
        .filter(|a| {
            let m = index.projection.to_m(a.pos);
            (0..layers.beats.len())
                .filter(|&i| {
                    onemap_core::spatial::locate_in_polygon(m, index.beat_rings_m(i))
                        == onemap_core::spatial::Containment::Inside
                })
                .count()
                > 1
        })
        .count();
    println!("sampled addresses inside two beats: {in_two}");
    assert!(
        in_two * 100 <= osm.addresses.len() / 5,
        "{in_two} addresses in two beats"
    );
    let offline = layers.cameras.iter().filter(|c| !c.is_online()).count();
    assert!(
        offline > 0 && offline * 8 < layers.cameras.len(),
        "offline {offline}"
    );
}
