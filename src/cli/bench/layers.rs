//! `onemap bench --only layers`: the operational layers at scale (100k cameras, 10k beats):
//! index queries against linear scans, loading and validating the files, and the CPU time of
//! whole console frames at city and street zoom.
//!
//! Timings, not assertions: the machine is shared and noisy.

use std::path::Path;
use std::time::{Duration, Instant};

use onemap_core::coord::{BBox, LonLat, mercator};
use onemap_core::layers::OpLayers;

use onemap::city::load_city;

use super::basemap::{VIEW_H, VIEW_W};
use super::{ms, percentile};

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
pub(super) fn frame_times(
    city: &std::sync::Arc<onemap::city::City>,
    layers_dir: &Path,
    zoom: f64,
    frames: usize,
) -> anyhow::Result<(Duration, Duration, onemap::map::layer::Drawn)> {
    use onemap::app::{AppOptions, OneMapApp};
    // The frame alone: the city's data and the basemap's projection (which the console
    // prepares behind its first frame) are ready, and no planner runs beside it.
    city.osm();
    city.map.get();
    let ctx = egui::Context::default();
    let mut app = OneMapApp::new(
        &ctx,
        city.clone(),
        AppOptions {
            layers_dir: Some(layers_dir.to_path_buf()),
            initial_view: Some((city.bounds.center(), zoom)),
            planner: false,
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
        app.last_ops_drawn().clone(),
    ))
}

pub fn run_layers(osm_path: &Path) -> anyhow::Result<()> {
    use onemap_core::spatial::{LayerIndex, linear};
    let city = std::sync::Arc::new(load_city(osm_path)?);
    let bounds = city.bounds;
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
    onemap::ops::save_dir(&dir, &layers, &Default::default())?;
    let t = Instant::now();
    let (loaded, _, problems) = onemap::ops::load_dir(&dir);
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
