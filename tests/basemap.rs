//! The basemap renderer and tile sources on the real demo city.

mod common;

use common::demo_city;
use onemap::basemap::render::RenderOptions;
use onemap::basemap::tiles::Producer;
use onemap::ui::theme::{DAY, ThemeKind};
use onemap_core::coord::{LonLat, mercator};
use walkers::TileId;

fn tile_at(p: LonLat, z: u8) -> TileId {
    let (x, y) = mercator::world_px(p, f64::from(z));
    TileId {
        x: (x / 256.0) as u32,
        y: (y / 256.0) as u32,
        zoom: z,
    }
}

fn count_colour(pixmap: &tiny_skia::Pixmap, c: egui::Color32) -> usize {
    pixmap
        .pixels()
        .iter()
        .filter(|p| p.red() == c.r() && p.green() == c.g() && p.blue() == c.b())
        .count()
}

#[test]
fn lake_tile_is_mostly_water_and_centre_tile_has_roads_and_labels() {
    let city = demo_city();
    // The Tollensesee is the largest water area; its centroid lies on open water.
    let tollensesee = city
        .osm()
        .water
        .iter()
        .max_by(|a, b| a.bbox().size_m().1.total_cmp(&b.bbox().size_m().1))
        .and_then(|a| a.centroid())
        .unwrap();
    let lake = tile_at(tollensesee, 14);
    let px = city.map.get().render_tile(
        lake.zoom,
        lake.x,
        lake.y,
        ThemeKind::Day,
        RenderOptions::default(),
    );
    let water = count_colour(&px, DAY.water);
    assert!(water > 256 * 256 * 8 / 10, "water pixels: {water}");

    // The old town ring road at street zoom: white road fill, dark label text.
    let centre = tile_at(LonLat::new(13.2610, 53.5580), 17);
    let px = city.map.get().render_tile(
        centre.zoom,
        centre.x,
        centre.y,
        ThemeKind::Day,
        RenderOptions::default(),
    );
    assert!(
        count_colour(&px, DAY.road_fill[5]) > 500,
        "minor roads drawn"
    );
    assert!(count_colour(&px, DAY.building) > 500, "buildings drawn");
    let no_labels = city.map.get().render_tile(
        centre.zoom,
        centre.x,
        centre.y,
        ThemeKind::Day,
        RenderOptions {
            labels: false,
            ..RenderOptions::default()
        },
    );
    assert_ne!(px.data(), no_labels.data(), "labels add pixels");
    let no_buildings = city.map.get().render_tile(
        centre.zoom,
        centre.x,
        centre.y,
        ThemeKind::Day,
        RenderOptions {
            buildings: false,
            ..RenderOptions::default()
        },
    );
    assert_eq!(count_colour(&no_buildings, DAY.building), 0);
}

#[test]
fn rendering_is_deterministic_and_themes_differ() {
    let city = demo_city();
    let t = tile_at(LonLat::new(13.2610, 53.5580), 15);
    let a = city
        .map
        .get()
        .render_tile(t.zoom, t.x, t.y, ThemeKind::Day, RenderOptions::default());
    let b = city
        .map
        .get()
        .render_tile(t.zoom, t.x, t.y, ThemeKind::Day, RenderOptions::default());
    let n =
        city.map
            .get()
            .render_tile(t.zoom, t.x, t.y, ThemeKind::Night, RenderOptions::default());
    assert_eq!(a.data(), b.data());
    assert_ne!(a.data(), n.data());
}

#[test]
fn street_labels_exist_at_street_zoom_and_not_city_zoom() {
    let city = demo_city();
    use onemap::basemap::labels::LabelKind;
    let streets = |z| {
        city.map
            .get()
            .labels(z)
            .labels
            .iter()
            .filter(|l| l.kind == LabelKind::Street)
            .count()
    };
    assert_eq!(streets(12), 0);
    assert!(streets(16) > 100, "{}", streets(16));
    assert!(streets(18) > streets(16));
    let places_11: Vec<_> = city
        .map
        .get()
        .labels(11)
        .labels
        .iter()
        .map(|l| l.text.to_string())
        .collect();
    assert!(
        places_11.contains(&"Neubrandenburg".to_string()),
        "{places_11:?}"
    );
}

#[test]
fn disk_cache_round_trip_and_corrupt_cache_is_rerendered() {
    let city = demo_city();
    let dir = std::env::temp_dir().join(format!("onemap-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let producer = Producer::Rendered {
        data: city.map.clone(),
        theme: ThemeKind::Day,
        options: RenderOptions::default(),
        cache_dir: Some(dir.clone()),
    };
    let t = tile_at(LonLat::new(13.2610, 53.5580), 15);
    let first = producer.produce(t).unwrap().unwrap();
    let file = dir.join(format!("{}/{}/{}.png", t.zoom, t.x, t.y));
    assert!(file.is_file());
    let second = producer.produce(t).unwrap().unwrap();
    assert_eq!(first.pixels, second.pixels, "read back from disk");
    std::fs::write(&file, b"garbage").unwrap();
    let third = producer.produce(t).unwrap().unwrap();
    assert_eq!(first.pixels, third.pixels, "corrupt cache file re-rendered");
    assert!(image::open(&file).is_ok(), "and rewritten");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn user_tile_folder_reports_corrupt_tiles_by_name() {
    use onemap::basemap::sources::{FolderTiles, TileReader as _};
    let dir = std::env::temp_dir().join(format!("onemap-folder-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("3/4")).unwrap();
    let city = demo_city();
    let good = city
        .map
        .get()
        .render_tile(3, 4, 2, ThemeKind::Day, RenderOptions::default());
    std::fs::write(dir.join("3/4/2.png"), good.encode_png().unwrap()).unwrap();
    std::fs::write(dir.join("3/4/3.png"), b"not a png").unwrap();
    let reader = FolderTiles::open(&dir).unwrap();
    assert_eq!(reader.max_zoom(), 3);
    let producer = Producer::User(Box::new(reader));
    let ok = producer
        .produce(TileId {
            x: 4,
            y: 2,
            zoom: 3,
        })
        .unwrap();
    assert_eq!(ok.map(|i| i.size), Some([256, 256]));
    assert!(
        producer
            .produce(TileId {
                x: 4,
                y: 5,
                zoom: 3
            })
            .unwrap()
            .is_none(),
        "absent tile"
    );
    let err = producer
        .produce(TileId {
            x: 4,
            y: 3,
            zoom: 3,
        })
        .unwrap_err();
    assert!(format!("{err:#}").contains("not a PNG"), "{err:#}");
    let _ = std::fs::remove_dir_all(&dir);
}
