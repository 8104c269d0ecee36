//! Level of detail at the zoom that fits a city with ten thousand beats: station districts
//! instead of beat outlines, one camera count per district, stations clustered, and every open
//! incident drawn, in view and on top of all of it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::floor::floor;
use egui::epaint::Shape;
use onemap_core::coord::LonLat;
use onemap_core::layers::io::{write_beats, write_cameras, write_posts, write_stations};
use onemap_core::layers::*;

const SIDE: usize = 100; // 10,000 beats
const BLOCK: usize = 20; // 5×5 stations, each with 400 beats

/// A grid of beats sharing corners over `bounds`, a police station per block of beats, cameras
/// and posts spread over it.
fn dense_layers(dir: &std::path::Path, b: onemap_core::coord::BBox) {
    let (w, h) = (b.max.lon - b.min.lon, b.max.lat - b.min.lat);
    let at = |i: f64, j: f64| {
        LonLat::new(
            b.min.lon + w * i / SIDE as f64,
            b.min.lat + h * j / SIDE as f64,
        )
    };
    let station_of = |i: usize, j: usize| format!("PS-{}-{}", i / BLOCK, j / BLOCK);
    let mut beats = Vec::new();
    for i in 0..SIDE {
        for j in 0..SIDE {
            let (x, y) = (i as f64, j as f64);
            beats.push(Beat {
                id: BeatId(format!("B-{i}-{j}").into()),
                name: format!("Beat {i}/{j}"),
                station_id: StationId(station_of(i, j).into()),
                officers_on_duty: 1,
                area_type: AreaType::Urban,
                rings: vec![vec![
                    at(x, y),
                    at(x + 1.0, y),
                    at(x + 1.0, y + 1.0),
                    at(x, y + 1.0),
                    at(x, y),
                ]],
                extra: Extra::new(),
            });
        }
    }
    let blocks = SIDE / BLOCK;
    let stations: Vec<Station> = (0..blocks * blocks)
        .map(|k| {
            let (i, j) = (k / blocks, k % blocks);
            Station {
                id: StationId(format!("PS-{i}-{j}").into()),
                name: format!("Station {i}-{j}"),
                kind: StationKind::Police,
                pos: at((i * BLOCK) as f64 + 3.0, (j * BLOCK) as f64 + 3.0),
                extra: Extra::new(),
            }
        })
        .collect();
    let spread = |k: usize, s: usize| ((k * 7919 + s * 104_729) % 9973) as f64 / 9973.0;
    let cameras: Vec<Camera> = (0..20_000)
        .map(|k| Camera {
            id: CameraId(format!("C-{k}").into()),
            name: format!("Camera {k}"),
            kind: CameraKind::Public,
            pos: at(
                0.5 + spread(k, 1) * (SIDE as f64 - 1.0),
                0.5 + spread(k, 2) * (SIDE as f64 - 1.0),
            ),
            heading_deg: 90.0,
            fov_deg: 60.0,
            range_m: 50.0,
            status: CameraStatus::Online,
            extra: Extra::new(),
        })
        .collect();
    let posts: Vec<Post> = (0..300)
        .map(|k| Post {
            id: PostId(format!("P-{k}").into()),
            name: format!("Post {k}"),
            kind: PostKind::QuickResponse,
            pos: at(spread(k, 3) * SIDE as f64, spread(k, 4) * SIDE as f64),
            staffed_hours: "24/7".into(),
            extra: Extra::new(),
        })
        .collect();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("beats.geojson"), write_beats(&beats, false, &[])).unwrap();
    std::fs::write(
        dir.join("cameras.geojson"),
        write_cameras(&cameras, false, &[]),
    )
    .unwrap();
    std::fs::write(dir.join("posts.geojson"), write_posts(&posts, false, &[])).unwrap();
    std::fs::write(
        dir.join("stations.geojson"),
        write_stations(&stations, false, &[]),
    )
    .unwrap();
}

#[test]
fn at_the_zoom_that_fits_ten_thousand_beats_districts_replace_them_and_incidents_stay_on_top() {
    let floor = floor("lod", 4, 12);
    let dir = std::env::temp_dir().join(format!("onemap-lod-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dense_layers(&dir, floor.city.bounds);
    let mut h = floor.console_with_layers("lod", Some(dir.clone()));
    common::run_until_map_complete(&mut h);
    h.run_steps(3);

    let app = h.state();
    assert_eq!(app.state.ops.layers.beats.len(), SIDE * SIDE);
    assert_eq!(app.state.ops.districts.len(), 25);
    let drawn = app.last_ops_drawn().clone();
    // Districts, not beats; their outlines only, each named.
    assert_eq!(drawn.beats, 0, "{drawn:?}");
    assert!(drawn.districts >= 20, "{drawn:?}");
    // 20,000 cameras counted in their districts' labels, not drawn as bubbles.
    assert_eq!(drawn.clusters, 0, "{drawn:?}");
    let counted: u32 = app.state.ops.district_cameras.iter().map(|c| c.0).sum();
    assert_eq!(counted, 20_000);
    // 25 stations and 300 posts: fewer icons than features.
    assert!(drawn.stations > 0 && drawn.stations <= 25, "{drawn:?}");
    assert!(drawn.posts > 0 && drawn.posts < 300, "{drawn:?}");
    // Every open incident drawn.
    let open = app.state.live.feed.open_incidents().count();
    assert_eq!(open, 12);
    assert_eq!(drawn.incidents, open, "{drawn:?}");

    // And on top: in the map's paint order, every incident diamond comes after every district
    // outline and every count bubble.
    let theme = onemap::ui::theme::ui_theme(app.state.settings.theme);
    let shapes = &h.output().shapes;
    let is_diamond = |shape: &Shape| {
        matches!(shape, Shape::Path(p)
            if p.points.len() == 4 && p.closed && theme.priority.contains(&p.fill))
    };
    // The map's clip: the largest one holding diamonds (the legend's four are in the side panel).
    let map_clip = shapes
        .iter()
        .filter(|c| is_diamond(&c.shape))
        .map(|c| c.clip_rect)
        .max_by(|a, b| a.area().total_cmp(&b.area()))
        .expect("incidents were drawn");
    let diamonds: Vec<usize> = shapes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.clip_rect == map_clip && is_diamond(&c.shape))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(diamonds.len(), open, "one diamond per incident");
    let last_below = shapes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.clip_rect == map_clip)
        .filter(|(_, c)| match &c.shape {
            Shape::Mesh(_) => true,
            // Count bubbles (stations' and posts') and station icons.
            Shape::Circle(circle) => circle.fill == theme.cluster_fill || circle.radius > 6.0,
            _ => false,
        })
        .map(|(k, _)| k)
        .max()
        .expect("districts and clusters were drawn");
    let first_diamond = diamonds.iter().copied().min().unwrap();
    assert!(
        first_diamond > last_below,
        "an incident ({first_diamond}) is drawn under a district or cluster ({last_below})"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
