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
use onemap_core::layers::OpLayers;
use walkers::TileId;

use crate::basemap::render::{MapData, RenderOptions};
use crate::basemap::tiles::Producer;
use crate::city::load_city;
use crate::ui::theme::ThemeKind;

const VIEW_W: f64 = 1600.0;
const VIEW_H: f64 = 1000.0;

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

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size, MiB (Linux; `None` elsewhere).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn run(osm_path: &Path, samples: usize, started: Instant) -> anyhow::Result<()> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let cache = std::env::temp_dir().join(format!("onemap-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);

    // Cold: import, then every tile of the first view rendered and cached.
    let t0 = Instant::now();
    let city = load_city(osm_path)?;
    let import = t0.elapsed();
    let bounds = city.osm.bounds;
    let zoom = mercator::zoom_to_fit(&bounds, VIEW_W, VIEW_H);
    let view = view_tiles(bounds.center(), zoom, VIEW_W, VIEW_H);
    let producer = |data: std::sync::Arc<MapData>| Producer::Rendered {
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
        city.osm.roads.len(),
        city.osm.buildings.len(),
        city.osm.water.len(),
        city.osm.land.len(),
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
        let _ = city.map.labels(z);
        let label_layout = t.elapsed();
        let tiles = sample_tiles(centre, z, samples, &bounds);
        let mut times: Vec<Duration> = tiles
            .iter()
            .map(|tile| {
                let t = Instant::now();
                let pixmap = city.map.render_tile(
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

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A deterministic uniform number in `[0, 1)` for index `i` and stream `s`.
fn unit(i: u64, s: u64) -> f64 {
    (mix(i.wrapping_mul(0x1000_0000_01b3) ^ s) >> 11) as f64 / (1u64 << 53) as f64
}

/// `n_side`² beats as a jittered grid of quadrilaterals (shared corners, so they tile the city
/// without gaps) and `n_cameras` cameras at random places, headings, fields of view and ranges.
pub fn synthetic_layers(bounds: &BBox, n_side: usize, n_cameras: usize) -> OpLayers {
    use onemap_core::layers::*;
    let (w, h) = (
        bounds.max.lon - bounds.min.lon,
        bounds.max.lat - bounds.min.lat,
    );
    let corner = |i: usize, j: usize| {
        let interior = i > 0 && j > 0 && i < n_side && j < n_side;
        let k = (i * (n_side + 1) + j) as u64;
        let (jx, jy) = if interior {
            (unit(k, 1) - 0.5, unit(k, 2) - 0.5)
        } else {
            (0.0, 0.0)
        };
        LonLat::new(
            bounds.min.lon + w * (i as f64 + 0.6 * jx) / n_side as f64,
            bounds.min.lat + h * (j as f64 + 0.6 * jy) / n_side as f64,
        )
    };
    let mut beats = Vec::with_capacity(n_side * n_side);
    for i in 0..n_side {
        for j in 0..n_side {
            let ring = vec![
                corner(i, j),
                corner(i + 1, j),
                corner(i + 1, j + 1),
                corner(i, j + 1),
                corner(i, j),
            ];
            beats.push(Beat {
                id: BeatId(format!("SB-{i}-{j}").into()),
                name: format!("Synthetic {i}/{j}"),
                station_id: StationId("PS-01".into()),
                officers_on_duty: 2,
                area_type: AreaType::Urban,
                rings: vec![ring],
                extra: Extra::new(),
            });
        }
    }
    let cameras = (0..n_cameras as u64)
        .map(|k| Camera {
            id: CameraId(format!("SC-{k}").into()),
            name: format!("Synthetic camera {k}"),
            kind: CameraKind::Public,
            pos: LonLat::new(
                bounds.min.lon + w * unit(k, 3),
                bounds.min.lat + h * unit(k, 4),
            ),
            heading_deg: (unit(k, 5) * 3600.0).floor() / 10.0,
            fov_deg: 30.0 + (unit(k, 6) * 90.0).floor(),
            range_m: 30.0 + (unit(k, 7) * 120.0).floor(),
            status: if unit(k, 8) < 0.05 {
                CameraStatus::Offline
            } else {
                CameraStatus::Online
            },
            extra: Extra::new(),
        })
        .collect();
    OpLayers {
        beats,
        cameras,
        posts: Vec::new(),
        stations: vec![Station {
            id: StationId("PS-01".into()),
            name: "Synthetic station".into(),
            kind: StationKind::Police,
            pos: bounds.center(),
            extra: Extra::new(),
        }],
        generated: true,
    }
}

fn per_call(total: Duration, calls: usize) -> Duration {
    total / calls.max(1) as u32
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Median and p90 CPU time of one full console frame (logic, ui, tessellation) at `zoom`.
fn frame_times(
    city: &std::sync::Arc<crate::city::City>,
    layers_dir: &Path,
    zoom: f64,
    frames: usize,
) -> anyhow::Result<(Duration, Duration, crate::map::ops::OpsDrawn)> {
    use crate::app::{AppOptions, OneMapApp};
    let ctx = egui::Context::default();
    let mut app = OneMapApp::new(
        &ctx,
        city.clone(),
        AppOptions {
            layers_dir: Some(layers_dir.to_path_buf()),
            initial_view: Some((city.osm.bounds.center(), zoom)),
            ..AppOptions::default()
        },
    )?;
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(VIEW_W as f32, VIEW_H as f32),
        )),
        ..Default::default()
    };
    let frame = |app: &mut OneMapApp| {
        let t = Instant::now();
        app.logic(&ctx);
        let out = ctx.run_ui(input(), |ui| app.ui(ui));
        let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
        std::hint::black_box(prims);
        t.elapsed()
    };
    // Warm up until the basemap's tiles for this view are all there.
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.first_complete_frame.is_none() && Instant::now() < deadline {
        frame(&mut app);
        std::thread::sleep(Duration::from_millis(5));
    }
    for _ in 0..5 {
        frame(&mut app);
    }
    let mut times: Vec<Duration> = (0..frames).map(|_| frame(&mut app)).collect();
    times.sort();
    Ok((
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        app.last_ops_drawn.clone(),
    ))
}

pub fn run_layers(osm_path: &Path) -> anyhow::Result<()> {
    use onemap_core::spatial::{LayerIndex, linear};
    let city = std::sync::Arc::new(load_city(osm_path)?);
    let bounds = city.osm.bounds;
    let layers = synthetic_layers(&bounds, 100, 100_000);
    println!(
        "OneMap layer benchmark: {} beats, {} cameras (synthetic, over {})",
        layers.beats.len(),
        layers.cameras.len(),
        osm_path.display()
    );

    let t = Instant::now();
    let index = LayerIndex::new(&layers, bounds.center());
    println!("  index build: {:.1} ms", ms(t.elapsed()));

    let points: Vec<LonLat> = (0..20_000u64)
        .map(|k| {
            LonLat::new(
                bounds.min.lon + (bounds.max.lon - bounds.min.lon) * unit(k, 11),
                bounds.min.lat + (bounds.max.lat - bounds.min.lat) * unit(k, 12),
            )
        })
        .collect();
    let t = Instant::now();
    let found: usize = points.iter().filter_map(|p| index.beat_at(*p)).count();
    let beat_rtree = per_call(t.elapsed(), points.len());
    let lin_n = 1000;
    let t = Instant::now();
    let lin_found: usize = points[..lin_n]
        .iter()
        .filter_map(|p| linear::beat_at(&index, *p))
        .count();
    let beat_linear = per_call(t.elapsed(), lin_n);
    let check: usize = points[..lin_n]
        .iter()
        .filter_map(|p| index.beat_at(*p))
        .count();
    assert_eq!(check, lin_found, "R-tree and linear scan agree");

    let t = Instant::now();
    let seen: usize = points.iter().map(|p| index.cameras_seeing(*p).len()).sum();
    let cam_rtree = per_call(t.elapsed(), points.len());
    let lin_c = 200;
    let t = Instant::now();
    let lin_seen: usize = points[..lin_c]
        .iter()
        .map(|p| linear::cameras_seeing(&layers.cameras, &index.projection, *p).len())
        .sum();
    let cam_linear = per_call(t.elapsed(), lin_c);
    let check: usize = points[..lin_c]
        .iter()
        .map(|p| index.cameras_seeing(*p).len())
        .sum();
    assert_eq!(check, lin_seen, "R-tree and linear scan agree");

    println!();
    println!("  query                 R-tree/call   linear/call   ratio   (hits)");
    println!(
        "  beat containing point {:>9.2} µs {:>10.1} µs {:>6.0}×   ({found} of {})",
        us(beat_rtree),
        us(beat_linear),
        beat_linear.as_secs_f64() / beat_rtree.as_secs_f64(),
        points.len()
    );
    println!(
        "  cameras seeing point  {:>9.2} µs {:>10.1} µs {:>6.0}×   ({seen} sightings)",
        us(cam_rtree),
        us(cam_linear),
        cam_linear.as_secs_f64() / cam_rtree.as_secs_f64()
    );

    // Whole console frames with these layers loaded from files, as a user would.
    let dir = std::env::temp_dir().join(format!("onemap-bench-layers-{}", std::process::id()));
    crate::ops::save_dir(&dir, &layers, &Default::default())?;
    let t = Instant::now();
    let (loaded, _, problems) = crate::ops::load_dir(&dir);
    println!();
    println!(
        "  load + validate the files: {:.0} ms ({} cameras, {} problems)",
        ms(t.elapsed()),
        loaded.cameras.len(),
        problems.len()
    );
    println!();
    println!(
        "  one console frame (logic + ui + tessellation), view {VIEW_W}x{VIEW_H}, median / p90:"
    );
    let fit = mercator::zoom_to_fit(&bounds, VIEW_W - 270.0, VIEW_H - 60.0);
    for (label, zoom) in [("city zoom", fit), ("street zoom", 17.0)] {
        let (median, p90, drawn) = frame_times(&city, &dir, zoom, 60)?;
        println!(
            "    {label:<11} z{zoom:>4.1}: {:>6.2} ms / {:>6.2} ms   (beats {}, clusters {}, wedges {})",
            ms(median),
            ms(p90),
            drawn.beats,
            drawn.clusters,
            drawn.wedges
        );
    }
    let demo_dir = osm_path.parent().map(Path::to_path_buf).unwrap_or_default();
    if demo_dir.join("cameras.geojson").is_file() {
        let (median, p90, drawn) = frame_times(&city, &demo_dir, fit, 60)?;
        println!(
            "    demo layers at city zoom: {:>6.2} ms / {:>6.2} ms   (beats {}, clusters {})",
            ms(median),
            ms(p90),
            drawn.beats,
            drawn.clusters
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

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
