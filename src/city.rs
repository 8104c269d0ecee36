//! Loading a city: reading the `.osm.pbf` from disk (the IO edge), importing it with the core,
//! and preparing the basemap's projected, indexed copy.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use onemap_core::coord::haversine_m;
use onemap_core::osm::{OsmData, PlaceKind, import_pbf};
use onemap_core::routing::Speeds;

use crate::basemap::render::MapData;

/// Bump when the tile renderer's output changes, so cached tiles are not reused.
pub const RENDERER_VERSION: u32 = 1;

/// The demo city committed in the repository.
pub const DEMO_OSM: &str = "layers/neubrandenburg-2016.osm.pbf";

pub struct City {
    pub name: String,
    pub path: PathBuf,
    pub osm: OsmData,
    pub map: Arc<MapData>,
    /// Identifies the data (and renderer) in the tile cache: `{stem}-{hash}-r{version}`.
    pub data_key: String,
    pub summary: CitySummary,
    pub load_time: Duration,
}

/// Figures shown in the status bar, computed once.
#[derive(Clone, Debug, Default)]
pub struct CitySummary {
    pub drivable_km: f64,
    pub buildings: usize,
    pub addresses: usize,
}

/// Where the demo extract is: next to the working directory (a checkout), or beside the
/// source tree the binary was built from.
pub fn demo_osm_path() -> PathBuf {
    let local = PathBuf::from(DEMO_OSM);
    if local.is_file() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO_OSM)
}

fn read_osm(path: &Path) -> anyhow::Result<(Vec<u8>, OsmData)> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read OpenStreetMap extract {}", path.display()))?;
    let osm = import_pbf(&bytes)
        .with_context(|| format!("cannot import OpenStreetMap extract {}", path.display()))?;
    Ok((bytes, osm))
}

/// Only the imported data, for headless tools.
pub fn load_osm(path: &Path) -> anyhow::Result<OsmData> {
    Ok(read_osm(path)?.1)
}

pub fn load_city(path: &Path) -> anyhow::Result<City> {
    let start = Instant::now();
    let (bytes, osm) = read_osm(path)?;
    let map = MapData::new(&osm).context("cannot prepare the basemap")?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("city")
        .trim_end_matches(".osm")
        .to_string();
    let data_key = format!(
        "{stem}-{:016x}-r{RENDERER_VERSION}-{}",
        fnv1a64(&bytes),
        crate::basemap::text::font_tag()
    );
    let name = city_name(&osm).unwrap_or_else(|| stem.clone());
    let summary = CitySummary {
        drivable_km: osm.road_length_m(|r| r.class.is_drivable()) / 1000.0,
        buildings: osm.buildings.len(),
        addresses: osm.addresses.len(),
    };
    Ok(City {
        name,
        path: path.to_path_buf(),
        osm,
        map: Arc::new(map),
        data_key,
        summary,
        load_time: start.elapsed(),
    })
}

/// The most important named place nearest the middle of the extract.
fn city_name(osm: &OsmData) -> Option<String> {
    let centre = osm.bounds.center();
    osm.places
        .iter()
        .filter(|p| p.kind <= PlaceKind::Village)
        .min_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then(haversine_m(a.pos, centre).total_cmp(&haversine_m(b.pos, centre)))
        })
        .map(|p| p.name_zh.as_deref().unwrap_or(&p.name).to_string())
}

/// FNV-1a, 64 bit: a fast content fingerprint for the tile cache key (not for security).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Read a speeds file, or the defaults.
pub fn load_speeds(path: Option<&Path>) -> anyhow::Result<Speeds> {
    let Some(path) = path else {
        return Ok(Speeds::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read speeds file {}", path.display()))?;
    Ok(Speeds::from_json(&path.display().to_string(), &text)?)
}
