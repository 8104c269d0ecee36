//! `onemap bench`: the start-up and basemap figures, measured headless and printed.
//!
//! - cold start to first complete map frame: import + render every tile of a 1600×1000 view of
//!   the whole city with an empty disk cache (the console's own tile workers' work);
//! - warm start: import + read those tiles back from the disk cache;
//! - median / p90 render time of one tile per zoom level 11–18, sampled around the centre;
//! - peak resident memory of the process.
//!
//! Timings, not assertions: the machine is shared and noisy.

use std::path::Path;
use std::time::{Duration, Instant};

use onemap_core::coord::{BBox, LonLat, mercator};
use walkers::TileId;

use onemap::basemap::render::{LazyMapData, RenderOptions};
use onemap::basemap::tiles::Producer;
use onemap::city::load_city;
use onemap::ui::theme::ThemeKind;

use super::{ms, peak_rss_mib, percentile};

pub const VIEW_W: f64 = 1600.0;
pub const VIEW_H: f64 = 1000.0;

/// The tiles walkers draws for a view of `w`×`h` pixels centred on `centre` at `zoom`.
pub fn view_tiles(centre: LonLat, zoom: f64, w: f64, h: f64) -> Vec<TileId> {
    let z = zoom.round().clamp(0.0, 19.0) as u8;
    let scale = 2f64.powf(zoom - f64::from(z));
    let (cx, cy) = mercator::world_px(centre, f64::from(z));
    let (hw, hh) = (w / 2.0 / scale, h / 2.0 / scale);
    let max = (1u32 << z) - 1;
    let idx = |v: f64| ((v / 256.0).floor().max(0.0) as u32).min(max);
    let mut out = Vec::new();
    for x in idx(cx - hw)..=idx(cx + hw) {
        for y in idx(cy - hh)..=idx(cy + hh) {
            out.push(TileId { x, y, zoom: z });
        }
    }
    out
}

fn produce_all(producer: &Producer, tiles: &[TileId], workers: usize) -> anyhow::Result<()> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(tile) = tiles.get(i) else {
                            return Ok(());
                        };
                        producer.produce(*tile)?;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("a bench worker panicked"))??;
        }
        Ok(())
    })
}

pub fn run(osm_path: &Path, samples: usize, started: Instant) -> anyhow::Result<()> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let cache = std::env::temp_dir().join(format!("onemap-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);

    // Cold: import, then every tile of the first view rendered and cached.
    let t0 = Instant::now();
    let city = load_city(osm_path)?;
    let import = t0.elapsed();
    let bounds = city.bounds;
    let zoom = mercator::zoom_to_fit(&bounds, VIEW_W, VIEW_H);
    let view = view_tiles(bounds.center(), zoom, VIEW_W, VIEW_H);
    let producer = |data: std::sync::Arc<LazyMapData>| Producer::Rendered {
        data,
        theme: ThemeKind::Day,
        options: RenderOptions::default(),
        cache_dir: Some(cache.join("day")),
    };
    let t1 = Instant::now();
    produce_all(&producer(city.map.clone()), &view, workers)?;
    let cold_tiles = t1.elapsed();
    let cold_total = started.elapsed();

    // Warm: a second start finds the tiles on disk.
    let t2 = Instant::now();
    let city2 = load_city(osm_path)?;
    let import2 = t2.elapsed();
    let t3 = Instant::now();
    produce_all(&producer(city2.map.clone()), &view, workers)?;
    let warm_tiles = t3.elapsed();
    drop(city2);

    println!("OneMap basemap benchmark: {}", osm_path.display());
    println!(
        "  data: {} roads, {} buildings, {} water areas, {} land areas; {} worker threads",
        city.osm().roads.len(),
        city.summary.buildings,
        city.osm().water.len(),
        city.osm().land.len(),
        workers
    );
    println!();
    println!(
        "start-up (view {VIEW_W}x{VIEW_H} at zoom {zoom:.2}, {} tiles)",
        view.len()
    );
    println!(
        "  cold start to first complete map frame: {:>7.3} s  (import {:.3} s + tiles {:.3} s; process {:.3} s)",
        (import + cold_tiles).as_secs_f64(),
        import.as_secs_f64(),
        cold_tiles.as_secs_f64(),
        cold_total.as_secs_f64()
    );
    println!(
        "  warm start (tiles from disk cache):      {:>7.3} s  (import {:.3} s + tiles {:.3} s)",
        (import2 + warm_tiles).as_secs_f64(),
        import2.as_secs_f64(),
        warm_tiles.as_secs_f64()
    );
    println!();
    println!("tile render time, one thread, no cache ({samples} tiles per zoom around the centre)");
    println!("  zoom  labels(ms)  median(ms)  p90(ms)   max(ms)");
    let centre = bounds.center();
    for z in 11u8..=18 {
        let t = Instant::now();
        let _ = city.map.get().labels(z);
        let label_layout = t.elapsed();
        let tiles = sample_tiles(centre, z, samples, &bounds);
        let mut times: Vec<Duration> = tiles
            .iter()
            .map(|tile| {
                let t = Instant::now();
                let pixmap = city.map.get().render_tile(
                    tile.zoom,
                    tile.x,
                    tile.y,
                    ThemeKind::Day,
                    RenderOptions::default(),
                );
                std::hint::black_box(pixmap);
                t.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "  {z:>4}  {:>10.2}  {:>10.2}  {:>7.2}  {:>8.2}",
            ms(label_layout),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.9)),
            ms(percentile(&times, 1.0)),
        );
    }
    println!();
    match peak_rss_mib() {
        Some(mib) => println!("peak resident memory: {mib:.0} MiB"),
        None => println!("peak resident memory: unavailable on this platform"),
    }
    let _ = std::fs::remove_dir_all(&cache);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Operational layers at scale

/// Up to `n` tiles of zoom `z` inside `bounds`, nearest the centre first (a spiral).
fn sample_tiles(centre: LonLat, z: u8, n: usize, bounds: &BBox) -> Vec<TileId> {
    let (xs, ys) = mercator::tiles_covering(bounds, z);
    let (cx, cy) = mercator::world_px(centre, f64::from(z));
    let (cx, cy) = ((cx / 256.0) as i64, (cy / 256.0) as i64);
    let mut tiles: Vec<TileId> = xs
        .flat_map(|x| ys.clone().map(move |y| TileId { x, y, zoom: z }))
        .collect();
    tiles.sort_by_key(|t| {
        let (dx, dy) = (i64::from(t.x) - cx, i64::from(t.y) - cy);
        (dx * dx + dy * dy, t.x, t.y)
    });
    tiles.truncate(n);
    tiles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_hd_view_needs_a_few_dozen_tiles() {
        let tiles = view_tiles(LonLat::new(13.26, 53.56), 12.0, 1600.0, 1000.0);
        // 1600/256 + 1 columns by 1000/256 + 1 rows, give or take alignment.
        assert!((35..=48).contains(&tiles.len()), "{}", tiles.len());
        assert!(tiles.iter().all(|t| t.zoom == 12));
    }
}
