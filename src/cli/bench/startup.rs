//! `onemap bench --only startup`: each phase of opening a city, timed, with the resident memory
//! after it: read, import, basemap preparation, sample layers, layer index, road graph.
//! Figures, not assertions.

use std::path::Path;
use std::time::Instant;

use onemap_core::routing::{RoadGraph, Speeds};

use super::ms;

/// Current resident set size, MiB (Linux; `None` elsewhere).
pub fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn phase(name: &str, t: Instant) {
    println!(
        "  {name:<28} {:>9.1} ms   rss {:>7.0} MiB",
        ms(t.elapsed()),
        rss_mib().unwrap_or(f64::NAN)
    );
}

pub fn run(osm_path: &Path, cache_dir: Option<&Path>) -> anyhow::Result<()> {
    println!("OneMap start-up phases: {}", osm_path.display());
    let t = Instant::now();
    let bytes = std::fs::read(osm_path)?;
    phase("read extract", t);
    let t = Instant::now();
    let osm = onemap_core::osm::import_pbf(&bytes)?;
    drop(bytes);
    phase("import", t);
    let t = Instant::now();
    let map = onemap::basemap::render::MapData::new(&osm)?;
    phase("basemap data", t);
    let t = Instant::now();
    let layers = onemap_core::layers::demo::generate(&osm);
    phase("sample layers", t);
    let t = Instant::now();
    let index = onemap_core::spatial::LayerIndex::new(&layers, osm.bounds.center());
    phase("layer index", t);
    let t = Instant::now();
    let graph = RoadGraph::build(&osm, &Speeds::default());
    phase("road graph", t);
    println!(
        "  {} roads, {} buildings, {} addresses; {} beats, {} cameras; graph {} nodes, {} segments",
        osm.roads.len(),
        osm.buildings.len(),
        osm.addresses.len(),
        layers.beats.len(),
        layers.cameras.len(),
        graph.nodes.len(),
        graph.segments.len()
    );
    drop((map, index, graph, osm));

    // The console's frame at each zoom, on the city's sample layers (prepared city: the cache).
    let t = Instant::now();
    let city = std::sync::Arc::new(onemap::city::open_city(osm_path, cache_dir, &|_, _| {})?);
    phase("open (prepared city)", t);
    let dir = std::env::temp_dir().join(format!("onemap-bench-layers-{}", std::process::id()));
    onemap::ops::save_dir(&dir, &layers, &Default::default())?;
    let bounds = city.bounds;
    let fit = onemap_core::coord::mercator::zoom_to_fit(
        &bounds,
        super::basemap::VIEW_W,
        super::basemap::VIEW_H,
    );
    println!("  frame CPU (logic + ui + tessellation, 1600×1000, sample layers, no feed):");
    for zoom in [fit, 10.0, 12.0, 14.0, 16.0, 18.0] {
        let (median, p90, drawn) = super::layers::frame_times(&city, &dir, zoom, 30)?;
        println!(
            "    zoom {zoom:>4.1}: median {:>6.2} ms, p90 {:>6.2} ms  ({} beats, {} districts, \
             {} camera symbols, {} stations)",
            ms(median),
            ms(p90),
            drawn.beats,
            drawn.districts,
            drawn.wedges + drawn.clusters,
            drawn.stations
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
