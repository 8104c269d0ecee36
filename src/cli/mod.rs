//! The command line: the console (the default) and the headless tools, each in its own file.
//! Nothing here is part of the GUI library; it calls the library and the core.

mod bench;
mod console;
mod layers;
mod patrol;
mod plan;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use onemap::city::demo_osm_path;
use onemap_core::coord::LonLat;

#[derive(Parser, Debug)]
#[command(
    name = "onemap",
    version,
    about = "OneMap (一张图): command console for dispatch centres"
)]
pub struct Cli {
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
    /// Where the prepared city (imported data, road graph, sample layers) is kept so the next
    /// start need not import again. Default: ~/.cache/onemap ($XDG_CACHE_HOME/onemap).
    #[arg(long, global = true)]
    cache: Option<PathBuf>,
    /// Import the extract at every start; keep no prepared city.
    #[arg(long, global = true, conflicts_with = "cache")]
    no_cache: bool,
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
    /// Live feed server to connect to (ws://host:port or wss://host:port). Default: start the
    /// demo simulator in-process on loopback.
    #[arg(long, conflicts_with = "no_feed")]
    feed: Option<String>,
    /// The identity's token for --feed (one line; or the ONEMAP_TOKEN variable).
    #[arg(long, requires = "feed")]
    token_file: Option<PathBuf>,
    /// For wss://: the CA that signed the server's certificate (default: the system's).
    #[arg(long, requires = "feed")]
    ca: Option<PathBuf>,
    /// For wss://: a client certificate naming this console's identity, and its key.
    #[arg(long, requires_all = ["feed", "client_key"])]
    client_cert: Option<PathBuf>,
    #[arg(long, requires = "client_cert")]
    client_key: Option<PathBuf>,
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
    /// Open in planner mode with this many new posts suggested (where they cover the most
    /// demand within 3 minutes; each accepted with a click).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=10))]
    suggest_posts: Option<u8>,
    /// Open drawing this patrol route of patrols.geojson beside the layers (its id).
    #[arg(long)]
    patrol: Option<String>,
    /// The wall display (指挥大屏): full screen, kiosk, signed in as a `wall` identity (the
    /// embedded demo makes one), views in rotation.
    #[arg(long, conflicts_with = "plan")]
    wall: bool,
    /// The wall's layout file (panel size, resolution, farthest viewer, views; docs/wall.md).
    #[arg(long, requires = "wall")]
    layout: Option<PathBuf>,
    /// The monitor the wall fills (0: the first; in the system's order of monitors).
    #[arg(long, requires = "wall")]
    monitor: Option<usize>,
    /// No chime when a new P1 arrives (the window still asks for attention).
    #[arg(long)]
    no_alert_sound: bool,
    /// How long a call may wait for a unit before the queue flags it, per priority P1..P4,
    /// seconds ("60,180,600,1800"): amber past half, red past all of it.
    #[arg(long, value_parser = parse_targets)]
    targets: Option<[i64; 4]>,
    /// How far back the selected unit's track reaches, minutes.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1440))]
    track_min: u32,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Measure start-up, tile rendering and memory, and the operational layers at scale
    /// (100k cameras, 10k beats); prints tables.
    Bench {
        /// Tiles sampled per zoom level.
        #[arg(long, default_value_t = 40)]
        samples: usize,
        /// Only this part: "basemap", "layers", "routing", "dispatch", "patrol", "optimise" or "startup" (the
        /// phases of opening the city, each with its time and memory).
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
        /// Optimise: write the patrol instances and OneMap's plans for
        /// bench/patrol_optimise.py.
        #[arg(long)]
        patrol_out: Option<PathBuf>,
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
        #[arg(long, default_value = "1,3,5", value_parser = plan::parse_minutes)]
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
    /// Plan patrol loops: hot spots from a GeoJSON file of weighted points or from the
    /// incident log; one loop per unit from the depot; writes patrols.geojson (the console's
    /// layer), the roads as GeoJSON, GPX and KML, and report.md into OUT.
    Patrol(patrol::PatrolCli),
    /// Write the road graph as CSV (nodes.csv, edges.csv) for independent tools.
    ExportGraph {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModeArg {
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
pub enum LangArg {
    Zh,
    En,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ThemeArg {
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

/// Run what the command line asks for.
pub fn run(cli: Cli, started: Instant) -> anyhow::Result<()> {
    let osm_path = cli.osm.clone().unwrap_or_else(demo_osm_path);
    match cli.command {
        Some(Cmd::Bench {
            samples,
            only,
            origins,
            json_out,
            mclp_out,
            patrol_out,
        }) => {
            let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
            if let Some(o) = only.as_deref()
                && ![
                    "basemap", "layers", "routing", "dispatch", "patrol", "optimise", "startup",
                ]
                .contains(&o)
            {
                anyhow::bail!(
                    "--only {o}: expected basemap, layers, routing, dispatch, patrol, optimise or startup"
                );
            }
            if only.as_deref() == Some("startup") {
                let cache = (!cli.no_cache).then(|| {
                    cli.cache
                        .clone()
                        .unwrap_or_else(onemap::prepared::default_dir)
                });
                return bench::startup::run(&osm_path, cache.as_deref());
            }
            if part("basemap") {
                bench::basemap::run(&osm_path, samples, started)?;
            }
            if part("layers") {
                println!();
                bench::layers::run_layers(&osm_path)?;
            }
            if part("routing") {
                println!();
                bench::routing::run_routing(
                    &osm_path,
                    origins.as_deref(),
                    json_out.as_deref(),
                    mclp_out.as_deref(),
                )?;
            }
            if part("dispatch") {
                println!();
                bench::dispatch::run_dispatch(&osm_path)?;
            }
            if part("patrol") {
                println!();
                bench::patrol::run_patrol(&osm_path)?;
            }
            if part("optimise") {
                println!();
                bench::optimise::run_optimise(&osm_path, patrol_out.as_deref())?;
            }
            return Ok(());
        }
        Some(Cmd::DemoLayers { out }) => {
            let cache = (!cli.no_cache).then(|| {
                cli.cache
                    .clone()
                    .unwrap_or_else(onemap::prepared::default_dir)
            });
            return layers::demo_layers(&osm_path, cache.as_deref(), &out);
        }
        Some(Cmd::CheckLayers { dir }) => return layers::check_layers(&dir),
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
            let args = plan::PlanArgs {
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
            let summary = plan::run_plan(&args, &osm)?;
            print!("{summary}");
            println!("written to {}", out.display());
            return Ok(());
        }
        Some(Cmd::Patrol(args)) => {
            let speeds = cli.speeds.clone();
            return patrol::command(args, &osm_path, speeds);
        }
        Some(Cmd::ExportGraph { out }) => {
            let osm = onemap::city::load_osm(&osm_path)?;
            let speeds = onemap::city::load_speeds(cli.speeds.as_deref())?;
            println!("{}", plan::export_graph(&osm, &speeds, &out)?);
            return Ok(());
        }
        None => {}
    }
    console::run(cli, &osm_path, started)
}

/// Four positive per-priority targets in seconds: "60,180,600,1800".
fn parse_targets(s: &str) -> Result<[i64; 4], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [a, b, c, d] = parts.as_slice() else {
        return Err(format!(
            "\"{s}\": four seconds, for P1 to P4 (e.g. 60,180,600,1800)"
        ));
    };
    let mut out = [0i64; 4];
    for (k, p) in [a, b, c, d].into_iter().enumerate() {
        out[k] =
            p.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
                format!("\"{p}\" (P{}): a whole number of seconds above 0", k + 1)
            })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_are_four_positive_seconds() {
        assert_eq!(
            super::parse_targets("60, 180,600,1800"),
            Ok([60, 180, 600, 1800])
        );
        assert!(
            super::parse_targets("60,180,600")
                .unwrap_err()
                .contains("four")
        );
        assert!(
            super::parse_targets("60,x,600,1800")
                .unwrap_err()
                .contains("P2")
        );
        assert!(super::parse_targets("60,0,600,1800").is_err());
    }
}
