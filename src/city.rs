//! Loading a city: reading the `.osm.pbf` from disk (the IO edge), importing it with the core,
//! and preparing the basemap's projected, indexed copy.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use std::time::{Duration, Instant};

use anyhow::Context as _;
use onemap_core::coord::{BBox, haversine_m};
use onemap_core::geocode::Geocoder;
use onemap_core::layers::OpLayers;
use onemap_core::osm::{OsmData, PlaceKind, import_pbf_with_progress};
use onemap_core::routing::{RoadGraph, Speeds};

use crate::basemap::render::LazyMapData;
use crate::prepared::{self, CacheProblem, CityCache, Part};

/// Bump when the tile renderer's output changes, so cached tiles are not reused.
pub const RENDERER_VERSION: u32 = 2;

/// The demo city committed in the repository.
pub const DEMO_OSM: &str = "layers/neubrandenburg-2016.osm.pbf";

pub struct City {
    pub name: String,
    pub path: PathBuf,
    /// The area of interest (known before the city's data: see [`City::osm`]).
    pub bounds: BBox,
    /// The imported city, without its buildings (the basemap holds those): set at once, or,
    /// from a prepared copy, by the thread `city-data` while the window opens.
    data: Arc<OnceLock<Arc<OsmData>>>,
    /// The basemap's projected, indexed copy: prepared on a thread when the city opens.
    pub map: Arc<LazyMapData>,
    /// Identifies the data (and renderer) in the tile cache: `{stem}-{hash}-r{version}`.
    pub data_key: String,
    pub summary: CitySummary,
    pub load_time: Duration,
    /// Where the prepared parts of this city are kept; `None`: never written (tests, tools).
    pub cache: Option<CityCache>,
    /// The road graph at the default speeds, built (or read) once and shared by everyone who
    /// routes: the planner, the dispatcher and the embedded server.
    graph: OnceLock<Arc<RoadGraph>>,
    /// Sample layers made ahead (before the window opens), taken by the console.
    sample: std::sync::Mutex<Option<OpLayers>>,
    /// Opened by the console at its first complete map frame: preparation nothing on screen
    /// waits for (the basemap's projected copy, the simulator's graph) holds back until then,
    /// so a prefecture's first frame does not share two cores with it. Open for tools.
    pub ready_for_background: Arc<Gate>,
    /// The address finder for call intake: built on a thread the first time it is asked for.
    geocoder: Arc<OnceLock<Geocoder>>,
    geocoder_started: std::sync::atomic::AtomicBool,
}

/// A one-way gate threads may wait at, for a bounded time.
pub struct Gate {
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

impl Gate {
    pub fn new(open: bool) -> Self {
        Self {
            open: std::sync::Mutex::new(open),
            opened: std::sync::Condvar::new(),
        }
    }

    pub fn open(&self) {
        if let Ok(mut open) = self.open.lock() {
            *open = true;
        }
        self.opened.notify_all();
    }

    /// Wait until the gate opens, or `timeout` has passed.
    pub fn wait(&self, timeout: Duration) {
        if let Ok(open) = self.open.lock() {
            let _ = self.opened.wait_timeout_while(open, timeout, |open| !*open);
        }
    }
}

/// How long background preparation waits for the console's first frame at most.
pub const BACKGROUND_WAIT: Duration = Duration::from_secs(3);

/// Figures shown in the status bar, computed once.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CitySummary {
    pub drivable_km: f64,
    pub roads: usize,
    pub buildings: usize,
    pub addresses: usize,
}

/// What the window needs before the city's data (the prepared city's `.head`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Head {
    bounds: BBox,
    name: String,
    summary: CitySummary,
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

fn read_extract(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path)
        .with_context(|| format!("cannot read OpenStreetMap extract {}", path.display()))
}

fn import(path: &Path, bytes: &[u8], progress: &dyn Fn(f32)) -> anyhow::Result<OsmData> {
    import_pbf_with_progress(bytes, progress)
        .with_context(|| format!("cannot import OpenStreetMap extract {}", path.display()))
}

/// Only the imported data, for headless tools.
pub fn load_osm(path: &Path) -> anyhow::Result<OsmData> {
    import(path, &read_extract(path)?, &|_| {})
}

/// What opening a city reports as it goes: a phase and the share done, 0 to 1.
pub type Progress<'a> = &'a (dyn Fn(Phase, f32) + Sync);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Reading,
    Importing,
    Basemap,
    Writing,
    Layers,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Reading => "reading the prepared city",
            Phase::Importing => "importing the extract",
            Phase::Basemap => "preparing the basemap",
            Phase::Writing => "writing the prepared city",
            Phase::Layers => "preparing the sample layers",
        }
    }
}

/// When the basemap's data (projected roads, areas, their indexes) is prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Basemap {
    /// Before `open` returns.
    Now,
    /// On a thread, once the window's first complete frame is drawn (or after
    /// [`BACKGROUND_WAIT`]).
    Behind,
    /// Only if something draws (tools that never do).
    OnUse,
}

/// Open a city without a cache: import the extract every time (tests and tools).
pub fn load_city(path: &Path) -> anyhow::Result<City> {
    open(path, None, Basemap::Now, &|_, _| {})
}

/// Open a city for a tool that draws nothing (`demo-layers`): from the prepared copy when
/// there is one, and no basemap prepared.
pub fn open_for_tool(path: &Path, cache_dir: Option<&Path>) -> anyhow::Result<City> {
    open(path, cache_dir, Basemap::OnUse, &|_, _| {})
}

/// Open a city, from the prepared copy in `cache_dir` when there is a valid one; otherwise
/// import the extract and write the prepared copy for the next start. A stale or corrupt copy
/// is reported on the terminal and rebuilt. The basemap's data is prepared on a thread.
pub fn open_city(
    path: &Path,
    cache_dir: Option<&Path>,
    progress: Progress<'_>,
) -> anyhow::Result<City> {
    open(path, cache_dir, Basemap::Behind, progress)
}

fn open(
    path: &Path,
    cache_dir: Option<&Path>,
    basemap: Basemap,
    progress: Progress<'_>,
) -> anyhow::Result<City> {
    let start = Instant::now();
    let bytes = read_extract(path)?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("city")
        .trim_end_matches(".osm")
        .to_string();
    let source = prepared::source_hash(&bytes);
    // Not held while the prepared copy is read (a prefecture's extract is 170 MB); read again
    // only if there is none.
    let mut bytes = cache_dir.is_none().then_some(bytes);
    let cache = cache_dir.map(|dir| CityCache {
        dir: dir.to_path_buf(),
        stem: stem.clone(),
        source,
    });
    progress(Phase::Reading, 0.0);
    let data_key = format!(
        "{stem}-{source:016x}-r{RENDERER_VERSION}-{}",
        crate::basemap::text::font_tag()
    );
    let ready_for_background = Arc::new(Gate::new(basemap != Basemap::Behind));
    let data = Arc::new(OnceLock::new());
    let head = cache.as_ref().and_then(|c| c.read::<Head>(Part::Head).ok());
    let (head, map) = match head {
        // Prepared before: the window opens on the head while the data is read behind it.
        Some(head) => {
            let map = Arc::new(LazyMapData::pending().context("cannot prepare the basemap")?);
            let (data, map2, cache2, path2) =
                (data.clone(), map.clone(), cache.clone(), path.to_path_buf());
            let read = move || {
                match read_or_import(&path2, cache2.as_ref(), None, source, &|_, _| {}) {
                    Ok(osm) => hand_over(osm, &data, &map2),
                    Err(err) => {
                        // The extract was readable a moment ago; nothing can be shown without it.
                        eprintln!("onemap: {err:#}");
                        std::process::exit(1);
                    }
                }
            };
            if let Err(err) = std::thread::Builder::new()
                .name("city-data".into())
                .spawn(read)
            {
                anyhow::bail!("cannot start the thread that reads the city: {err}");
            }
            (head, map)
        }
        None => {
            let osm = read_or_import(path, cache.as_ref(), bytes.take(), source, progress)?;
            let head = Head {
                bounds: osm.bounds,
                name: city_name(&osm).unwrap_or_else(|| stem.clone()),
                summary: CitySummary {
                    drivable_km: osm.road_length_m(|r| r.class.is_drivable()) / 1000.0,
                    roads: osm.roads.len(),
                    buildings: osm.buildings.len(),
                    addresses: osm.addresses.len(),
                },
            };
            if let Some(c) = &cache
                && let Err(err) = c.write(Part::Head, &head)
            {
                eprintln!("onemap: {err:#}");
            }
            let map = Arc::new(LazyMapData::pending().context("cannot prepare the basemap")?);
            hand_over(osm, &data, &map);
            (head, map)
        }
    };
    if basemap == Basemap::Behind {
        let map = map.clone();
        let gate = ready_for_background.clone();
        let spawned = std::thread::Builder::new()
            .name("basemap-data".into())
            .spawn(move || {
                // A tile that needs the data before then prepares it itself.
                gate.wait(BACKGROUND_WAIT);
                map.get();
            });
        if let Err(err) = spawned {
            eprintln!("onemap: cannot start the basemap thread ({err}); preparing it on use");
        }
    } else if basemap == Basemap::Now {
        progress(Phase::Basemap, 0.0);
        map.get();
    }
    Ok(City {
        name: head.name,
        path: path.to_path_buf(),
        bounds: head.bounds,
        data,
        map,
        data_key,
        summary: head.summary,
        load_time: start.elapsed(),
        cache,
        graph: OnceLock::new(),
        sample: std::sync::Mutex::new(None),
        ready_for_background,
        geocoder: Arc::new(OnceLock::new()),
        geocoder_started: std::sync::atomic::AtomicBool::new(false),
    })
}

/// The city's data: the prepared copy when there is a valid one, else the extract imported
/// (`bytes` if already read, checked against `source`) and the copy written for next time.
fn read_or_import(
    path: &Path,
    cache: Option<&CityCache>,
    bytes: Option<Vec<u8>>,
    source: u64,
    progress: Progress<'_>,
) -> anyhow::Result<OsmData> {
    match cache.map(|c| c.read::<OsmData>(Part::City)) {
        Some(Ok(osm)) => return Ok(osm),
        Some(Err(CacheProblem::Missing)) | None => {}
        Some(Err(problem)) => eprintln!("onemap: {problem}; importing the extract again"),
    }
    progress(Phase::Importing, 0.0);
    let bytes = match bytes {
        Some(b) => b,
        None => {
            let again = read_extract(path)?;
            anyhow::ensure!(
                prepared::source_hash(&again) == source,
                "{} changed while it was being opened; open it again",
                path.display()
            );
            again
        }
    };
    let osm = import(path, &bytes, &|done| progress(Phase::Importing, done))?;
    drop(bytes);
    if let Some(c) = cache {
        progress(Phase::Writing, 0.0);
        if let Err(err) = c.write(Part::City, &osm) {
            eprintln!("onemap: {err:#}");
        }
    }
    Ok(osm)
}

/// The data to its holders: the buildings to the basemap (only it draws them), the rest to the
/// city.
fn hand_over(mut osm: OsmData, data: &OnceLock<Arc<OsmData>>, map: &LazyMapData) {
    let buildings = std::mem::take(&mut osm.buildings);
    let osm = Arc::new(osm);
    map.provide(osm.clone(), buildings);
    let _ = data.set(osm);
}

impl City {
    /// The city's data, without its buildings. Waits while it is still being read (a second or
    /// two after a prefecture opens): for threads, or once [`City::osm_ready`] says it is there.
    pub fn osm(&self) -> &Arc<OsmData> {
        self.data.wait()
    }

    /// The city's data if it has been read.
    pub fn osm_ready(&self) -> Option<&Arc<OsmData>> {
        self.data.get()
    }

    /// The address finder, if it is built; the first call starts building it on a thread of
    /// its own (a prefecture's million addresses take a moment; a frame never waits).
    pub fn geocoder(&self) -> Option<&Geocoder> {
        if let Some(g) = self.geocoder.get() {
            return Some(g);
        }
        let started = self
            .geocoder_started
            .swap(true, std::sync::atomic::Ordering::AcqRel);
        if !started {
            let (cell, data) = (self.geocoder.clone(), self.data.clone());
            let spawned = std::thread::Builder::new()
                .name("geocoder".into())
                .spawn(move || {
                    let _ = cell.set(Geocoder::new(data.wait()));
                });
            if let Err(err) = spawned {
                eprintln!("onemap: cannot start the geocoder's thread: {err}");
            }
        }
        None
    }

    /// The address finder, built now if need be (tests and tools).
    pub fn geocoder_now(&self) -> &Geocoder {
        self.geocoder.get_or_init(|| Geocoder::new(self.osm()))
    }

    /// The road graph at the default speeds: read from the cache or built, once.
    pub fn graph(&self) -> Arc<RoadGraph> {
        self.graph
            .get_or_init(|| {
                Arc::new(self.cached(Part::Graph, "road graph", || {
                    RoadGraph::build(self.osm(), &Speeds::default())
                }))
            })
            .clone()
    }

    /// The sample layers generated from the city (for a city opened without layer files): the
    /// ones made ahead by [`Self::prepare_sample_layers`], else read from the cache or generated.
    pub fn sample_layers(&self) -> OpLayers {
        if let Some(ready) = self.sample.lock().ok().and_then(|mut s| s.take()) {
            return ready;
        }
        self.cached(Part::Layers, "sample layers", || {
            onemap_core::layers::demo::generate(self.osm())
        })
    }

    /// Make the sample layers now (a phase of opening, before any window), so the console's
    /// first frame does not wait for them.
    pub fn prepare_sample_layers(&self, progress: Progress<'_>) {
        progress(Phase::Layers, 0.0);
        let layers = self.sample_layers();
        progress(Phase::Layers, 1.0);
        if let Ok(mut slot) = self.sample.lock() {
            *slot = Some(layers);
        }
    }

    fn cached<T: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        part: Part,
        what: &str,
        make: impl FnOnce() -> T,
    ) -> T {
        let Some(cache) = &self.cache else {
            return make();
        };
        match cache.read::<T>(part) {
            Ok(value) => return value,
            Err(CacheProblem::Missing) => {}
            Err(problem) => eprintln!("onemap: {problem}; making the {what} again"),
        }
        let value = make();
        if let Err(err) = cache.write(part, &value) {
            eprintln!("onemap: {err:#}");
        }
        value
    }
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
