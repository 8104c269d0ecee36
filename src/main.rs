//! `onemap`: the console, and its headless subcommands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use onemap::app::{AppOptions, Clock, OneMapApp, Settings};
use onemap::basemap::sources::TileSourceSpec;
use onemap::city::{demo_osm_path, load_city};
use onemap::ui::i18n::{Lang, T, tr};
use onemap::ui::theme::ThemeKind;
use onemap_core::coord::LonLat;

#[derive(Parser, Debug)]
#[command(
    name = "onemap",
    version,
    about = "OneMap (一张图): command console for dispatch centres"
)]
struct Cli {
    /// OpenStreetMap extract to open (.osm.pbf). Default: the built-in demo city.
    #[arg(long, global = true)]
    osm: Option<PathBuf>,
    /// Basemap tiles instead of rendering from the OSM data: a folder of {z}/{x}/{y}.png, an
    /// .mbtiles or .pmtiles file, or an http(s) URL template with {z}, {x} and {y}.
    #[arg(long)]
    tiles: Option<String>,
    /// Where rendered tiles are cached.
    #[arg(long, default_value = "tiles/cache")]
    tile_cache: PathBuf,
    /// Do not cache rendered tiles on disk.
    #[arg(long)]
    no_tile_cache: bool,
    #[arg(long, value_enum, default_value = "zh")]
    lang: LangArg,
    #[arg(long, value_enum, default_value = "day")]
    theme: ThemeArg,
    /// Open centred here ("LAT,LON", WGS84) instead of on the whole city.
    #[arg(long, value_parser = parse_lat_lon)]
    center: Option<LonLat>,
    /// Open at this zoom level (11 = whole city, 18 = house level).
    #[arg(long)]
    zoom: Option<f64>,
    /// Operational layer files (beats, cameras, posts, stations .geojson). Default: `layers/`
    /// for the demo city; for another city, sample layers generated from its OSM data.
    #[arg(long)]
    layers: Option<PathBuf>,
    /// Travel speeds per mode and road class (JSON, overrides the defaults; see
    /// docs/planning.md).
    #[arg(long, global = true)]
    speeds: Option<PathBuf>,
    /// Live feed server to connect to (ws://host:port). Default: start the demo simulator
    /// in-process on loopback.
    #[arg(long, conflicts_with = "no_feed")]
    feed: Option<String>,
    /// No live feed.
    #[arg(long)]
    no_feed: bool,
    /// Event log of the embedded simulator (default: in the system's temporary folder).
    #[arg(long)]
    feed_db: Option<PathBuf>,
    /// Seed of the embedded simulator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Open in planner mode: 1/3/5-minute rings, coverage and the gap layer shown.
    #[arg(long)]
    plan: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Measure start-up, tile rendering and memory, and the operational layers at scale
    /// (100k cameras, 10k beats); prints tables.
    Bench {
        /// Tiles sampled per zoom level.
        #[arg(long, default_value_t = 40)]
        samples: usize,
        /// Only this part: "basemap", "layers", "routing" or "dispatch".
        #[arg(long)]
        only: Option<String>,
        /// Routing: start isochrones at these graph nodes (one id per line).
        #[arg(long)]
        origins: Option<PathBuf>,
        /// Routing: also write the figures as JSON here.
        #[arg(long)]
        json_out: Option<PathBuf>,
        /// Routing: write a post-placement instance (and OneMap's solutions) for
        /// bench/mclp_spopt.py.
        #[arg(long)]
        mclp_out: Option<PathBuf>,
    },
    /// Generate sample operational layers from a city's OSM data into DIR.
    DemoLayers {
        #[arg(long)]
        out: PathBuf,
    },
    /// Validate the layer files in DIR; list every problem; exit 1 if any feature is rejected.
    CheckLayers { dir: PathBuf },
    /// Response rings, coverage per beat and gaps from the posts; optionally where to put new
    /// posts. Writes rings.geojson, coverage.csv, gaps.geojson and summary.txt into OUT.
    Plan {
        /// Posts layer (.geojson). Default: the demo city's posts.
        #[arg(long)]
        posts: Option<PathBuf>,
        /// Beats layer for the per-beat table. Default: beats.geojson beside the posts.
        #[arg(long)]
        beats: Option<PathBuf>,
        /// Thresholds in minutes, comma-separated.
        #[arg(long, default_value = "1,3,5", value_parser = onemap::plan::parse_minutes)]
        #[allow(unused_qualifications)]
        // the full path tells clap this is one value, not many
        minutes: std::vec::Vec<f64>,
        #[arg(long, value_enum, default_value = "car")]
        mode: ModeArg,
        /// Turnout delay before a unit moves, seconds.
        #[arg(long, default_value_t = 0.0)]
        turnout: f32,
        /// Demand points (CSV lon,lat,weight), e.g. incident history. Default: addresses.
        #[arg(long)]
        demand: Option<PathBuf>,
        /// Also choose this many new posts (maximal covering, 3-minute or next larger limit).
        #[arg(long, default_value_t = 0)]
        add_posts: usize,
        /// Instead, place all the posts afresh where they cover the most (relocation).
        #[arg(long, conflicts_with = "add_posts")]
        relocate: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the road graph as CSV (nodes.csv, edges.csv) for independent tools.
    ExportGraph {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    Car,
    Motorbike,
    Ebike,
    Foot,
}

impl From<ModeArg> for onemap_core::routing::Mode {
    fn from(m: ModeArg) -> Self {
        use onemap_core::routing::Mode;
        match m {
            ModeArg::Car => Mode::Car,
            ModeArg::Motorbike => Mode::Motorbike,
            ModeArg::Ebike => Mode::EBike,
            ModeArg::Foot => Mode::Foot,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LangArg {
    Zh,
    En,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ThemeArg {
    Day,
    Night,
}

fn parse_lat_lon(s: &str) -> Result<LonLat, String> {
    let (lat, lon) = s.split_once(',').ok_or("expected LAT,LON")?;
    let lat: f64 = lat.trim().parse().map_err(|e| format!("latitude: {e}"))?;
    let lon: f64 = lon.trim().parse().map_err(|e| format!("longitude: {e}"))?;
    let p = LonLat::new(lon, lat);
    if !p.is_valid() {
        return Err(format!("{lat},{lon} is outside WGS84"));
    }
    Ok(p)
}

fn demo_layers(osm_path: &std::path::Path, out: &std::path::Path) -> anyhow::Result<()> {
    let city = load_city(osm_path)?;
    let layers = onemap_core::layers::demo::generate(&city.osm);
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

fn check_layers(dir: &std::path::Path) -> anyhow::Result<()> {
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

fn main() -> ExitCode {
    let started = Instant::now();
    let cli = Cli::parse();
    match run(cli, started) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("onemap: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, started: Instant) -> anyhow::Result<()> {
    let osm_path = cli.osm.clone().unwrap_or_else(demo_osm_path);
    match cli.command {
        Some(Cmd::Bench {
            samples,
            only,
            origins,
            json_out,
            mclp_out,
        }) => {
            let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
            if let Some(o) = only.as_deref()
                && !["basemap", "layers", "routing", "dispatch"].contains(&o)
            {
                anyhow::bail!("--only {o}: expected basemap, layers, routing or dispatch");
            }
            if part("basemap") {
                onemap::bench::run(&osm_path, samples, started)?;
            }
            if part("layers") {
                println!();
                onemap::bench::run_layers(&osm_path)?;
            }
            if part("routing") {
                println!();
                onemap::bench_routing::run_routing(
                    &osm_path,
                    origins.as_deref(),
                    json_out.as_deref(),
                    mclp_out.as_deref(),
                )?;
            }
            if part("dispatch") {
                println!();
                onemap::bench_routing::run_dispatch(&osm_path)?;
            }
            return Ok(());
        }
        Some(Cmd::DemoLayers { out }) => return demo_layers(&osm_path, &out),
        Some(Cmd::CheckLayers { dir }) => return check_layers(&dir),
        Some(Cmd::Plan {
            posts,
            beats,
            minutes,
            mode,
            turnout,
            demand,
            add_posts,
            relocate,
            out,
        }) => {
            let posts = posts.unwrap_or_else(|| osm_path.with_file_name("posts.geojson"));
            let beats = beats.or_else(|| {
                let beside = posts.with_file_name("beats.geojson");
                beside.is_file().then_some(beside)
            });
            if !(0.0..=3600.0).contains(&turnout) {
                anyhow::bail!("--turnout {turnout}: expected 0 to 3600 seconds");
            }
            let args = onemap::plan::PlanArgs {
                osm: osm_path.clone(),
                posts,
                beats,
                minutes,
                mode: mode.into(),
                turnout_s: turnout,
                speeds: cli.speeds.clone(),
                demand,
                add_posts,
                relocate,
                out: out.clone(),
            };
            let osm = onemap::city::load_osm(&osm_path)?;
            let summary = onemap::plan::run_plan(&args, &osm)?;
            print!("{summary}");
            println!("written to {}", out.display());
            return Ok(());
        }
        Some(Cmd::ExportGraph { out }) => {
            let osm = onemap::city::load_osm(&osm_path)?;
            let speeds = onemap::plan::load_speeds(cli.speeds.as_deref())?;
            println!("{}", onemap::plan::export_graph(&osm, &speeds, &out)?);
            return Ok(());
        }
        None => {}
    }
    let tiles = match &cli.tiles {
        Some(spec) => TileSourceSpec::parse(spec)?,
        None => TileSourceSpec::Rendered,
    };
    if !matches!(tiles, TileSourceSpec::Rendered | TileSourceSpec::Url(_)) {
        // Check the user's tiles before opening a window, so a bad file is a clear error here.
        onemap::basemap::sources::open_reader(&tiles)?;
    }
    // Fail before opening a window: a bad file is reported on the terminal with a non-zero exit.
    let speeds = onemap::plan::load_speeds(cli.speeds.as_deref())?;
    let city = Arc::new(load_city(&osm_path)?);
    eprintln!(
        "onemap: {} loaded in {:.2} s ({} roads, {} buildings, {} addresses)",
        osm_path.display(),
        city.load_time.as_secs_f64(),
        city.osm.roads.len(),
        city.osm.buildings.len(),
        city.osm.addresses.len()
    );
    let settings = Settings {
        lang: match cli.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
        theme: match cli.theme {
            ThemeArg::Day => ThemeKind::Day,
            ThemeArg::Night => ThemeKind::Night,
        },
        ..Settings::default()
    };
    let title = tr(settings.lang, T::AppTitle);
    let stem = osm_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("city")
        .trim_end_matches(".osm");
    let layers_dir = cli.layers.clone().or_else(|| {
        // The demo city's generated layers are committed beside its extract.
        let beside = osm_path.parent()?.to_path_buf();
        let is_demo = osm_path.file_name() == demo_osm_path().file_name();
        (is_demo && beside.join("beats.geojson").is_file()).then_some(beside)
    });
    let options = AppOptions {
        tiles,
        tile_cache: (!cli.no_tile_cache).then_some(cli.tile_cache),
        settings,
        clock: Clock::System,
        started,
        layers_dir,
        generated_layers_dir: PathBuf::from(format!("layers-{stem}")),
        initial_view: match (cli.center, cli.zoom) {
            (None, None) => None,
            (centre, zoom) => Some((
                centre.unwrap_or_else(|| city.osm.bounds.center()),
                zoom.unwrap_or(16.0).clamp(2.0, 20.0),
            )),
        },
        plan_on_start: cli.plan,
        speeds,
        feed: match (&cli.feed, cli.no_feed) {
            (_, true) => onemap::feed::FeedSource::Off,
            (Some(url), _) => onemap::feed::FeedSource::External(url.clone()),
            (None, false) => onemap::feed::FeedSource::Embedded {
                db: cli.feed_db.clone().unwrap_or_else(|| {
                    std::env::temp_dir().join(format!("onemap-feed-{}.sqlite", city.data_key))
                }),
                sim: onemap_feed::sim::SimConfig {
                    seed: cli.seed,
                    // The commander dispatches; calls left waiting 2 minutes are taken by the
                    // simulated neighbouring desk so the demo city never piles up.
                    auto_dispatch_after_ms: Some(120_000),
                    ..Default::default()
                },
            },
        },
        ..AppOptions::default()
    };
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(title)
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size([900.0, 600.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(
        "onemap",
        native,
        Box::new(move |cc| {
            let app = OneMapApp::new(&cc.egui_ctx, city, options)?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|err| anyhow::anyhow!("{err}"))
    .context("the window could not be opened (is a display available?)")
}
