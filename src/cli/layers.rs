//! `onemap demo-layers` and `onemap check-layers`: generate sample layers for any city, and
//! validate layer files (every problem listed, exit status 1 if any feature is rejected).

/// The sample layers of a city into `out`: from the prepared city's copy when `cache_dir` has
/// one (the console made it), else generated (and kept there for next time).
pub fn demo_layers(
    osm_path: &std::path::Path,
    cache_dir: Option<&std::path::Path>,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let city = onemap::city::open_for_tool(osm_path, cache_dir)?;
    let layers = city.sample_layers();
    onemap::ops::save_dir(out, &layers, &Default::default())?;
    println!(
        "generated sample layers for {} into {}: {} beats, {} cameras, {} posts, {} stations",
        osm_path.display(),
        out.display(),
        layers.beats.len(),
        layers.cameras.len(),
        layers.posts.len(),
        layers.stations.len()
    );
    Ok(())
}

pub fn check_layers(dir: &std::path::Path) -> anyhow::Result<()> {
    let (layers, _, problems) = onemap::ops::load_dir(dir);
    for p in &problems {
        println!("{p}");
    }
    println!(
        "{}: {} beats, {} cameras, {} posts, {} stations valid; {} problem(s)",
        dir.display(),
        layers.beats.len(),
        layers.cameras.len(),
        layers.posts.len(),
        layers.stations.len(),
        problems.len()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        // Report once (above); the exit status tells pipelines.
        std::process::exit(1)
    }
}
