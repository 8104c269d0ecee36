//! Headless patrol planning: `onemap patrol`. Hot spots from a GeoJSON file of weighted points
//! or from the incident log, a loop per unit from the depot (the first station, or
//! `--depot`), laid on the roads and written as `patrols.geojson` (the console's layer), the
//! roads as GeoJSON, GPX and KML, and a short report. The planning itself is the core's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use onemap_core::coord::LonLat;
use onemap_core::layers::io::{parse_beats, parse_stations};
use onemap_core::osm::OsmData;
use onemap_core::patrol::cover::{beats_area_m2, graph_area_m2};
use onemap_core::patrol::file::{export_geojson, export_gpx, export_kml, write_patrols};
use onemap_core::patrol::hotspots::{Hours, clusters, daily_hours, merge_near, parse_hot_spots};
use onemap_core::patrol::optimise::{self, Options, Plan, Problem};
use onemap_core::patrol::plan::Sites;
use onemap_core::patrol::score::{HotSpot, ScoreSetup, VISIT_RADIUS_M, score};
use onemap_core::patrol::{PatrolRoute, SnappedRoute, snap_route};
use onemap_core::routing::search::Search;
use onemap_core::routing::{Mode, RoadGraph};
use onemap_feed::store::HistoryReader as _;
use onemap_feed::store::SqliteHistory;

use onemap::city::load_speeds;
use onemap::ops::write_atomically;

/// `onemap patrol`'s options.
#[derive(clap::Args, Debug)]
pub struct PatrolCli {
    /// Hot spots: GeoJSON points, `weight` (default 1) and `name` optional.
    #[arg(long, conflicts_with = "history")]
    pub hotspots: Option<PathBuf>,
    /// Hot spots from the incident log (the feed's SQLite database): clusters of 2 or more
    /// incidents by 200 m square and category.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// History: the last this many days.
    #[arg(long, default_value_t = 28)]
    pub days: u32,
    /// History: only incidents in these local hours of the day, e.g. 18-23.
    #[arg(long, value_parser = parse_hours)]
    pub hours: Option<(u8, u8)>,
    /// History: local time, minutes east of UTC.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub utc_offset_min: i32,
    /// Where every loop starts and ends. Default: the first station of stations.geojson
    /// beside the OSM extract.
    #[arg(long, value_parser = super::parse_lat_lon)]
    pub depot: Option<LonLat>,
    #[arg(long, default_value_t = 1)]
    pub units: usize,
    /// The shift, minutes.
    #[arg(long, default_value_t = 240.0)]
    pub shift_min: f64,
    /// The longest lap, minutes: every hot spot on a loop is seen again within it.
    #[arg(long, default_value_t = 120.0)]
    pub lap_min: f64,
    /// Minutes stopped at each hot spot (the Koper window is 10 to 16).
    #[arg(long, default_value_t = 12.0)]
    pub dwell_min: f64,
    #[arg(long, value_enum, default_value = "car")]
    pub mode: super::ModeArg,
    /// Also write this many plans in all (within 5 % of the best, sharing few legs), as
    /// patrols-altK.*.
    #[arg(long, default_value_t = 1)]
    pub alternatives: usize,
    #[arg(long)]
    pub out: PathBuf,
}

/// Check the options, plan, write and print the report.
pub fn command(a: PatrolCli, osm_path: &Path, speeds: Option<PathBuf>) -> anyhow::Result<()> {
    for (name, v, lo, hi) in [
        ("--shift-min", a.shift_min, 10.0, 1440.0),
        ("--lap-min", a.lap_min, 10.0, 1440.0),
        ("--dwell-min", a.dwell_min, 0.0, 120.0),
    ] {
        if !(lo..=hi).contains(&v) {
            bail!("{name} {v}: expected {lo} to {hi} minutes");
        }
    }
    let args = PatrolArgs {
        hotspots: a.hotspots,
        history: a.history,
        days: a.days,
        hours: a.hours,
        utc_offset_min: a.utc_offset_min,
        stations: osm_path.with_file_name("stations.geojson"),
        depot: a.depot,
        units: a.units,
        shift_min: a.shift_min,
        lap_min: a.lap_min,
        dwell_min: a.dwell_min,
        mode: a.mode.into(),
        alternatives: a.alternatives.clamp(1, 10),
        speeds,
        out: a.out.clone(),
    };
    let osm = onemap::city::load_osm(osm_path)?;
    print!("{}", run_patrol(&args, &osm)?);
    println!("written to {}", a.out.display());
    Ok(())
}

/// Hot spots planned for at most (the heaviest).
pub const MAX_SPOTS: usize = 500;

pub struct PatrolArgs {
    pub hotspots: Option<PathBuf>,
    pub history: Option<PathBuf>,
    pub days: u32,
    pub hours: Option<(u8, u8)>,
    pub utc_offset_min: i32,
    pub stations: PathBuf,
    pub depot: Option<LonLat>,
    pub units: usize,
    pub shift_min: f64,
    pub lap_min: f64,
    pub dwell_min: f64,
    pub mode: Mode,
    pub alternatives: usize,
    pub speeds: Option<PathBuf>,
    pub out: PathBuf,
}

/// `--hours 18-23`: local hours of the day, wrapping past midnight.
pub fn parse_hours(s: &str) -> Result<(u8, u8), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("\"{s}\": expected FROM-TO hours, e.g. 18-23"))?;
    let hour = |x: &str| -> Result<u8, String> {
        x.trim()
            .parse::<u8>()
            .ok()
            .filter(|h| *h <= 24)
            .ok_or_else(|| format!("\"{x}\": an hour is 0 to 24"))
    };
    let (a, b) = (hour(a)? % 24, hour(b)? % 24);
    if a == b {
        return Err(format!("\"{s}\": the hours are empty"));
    }
    Ok((a, b))
}

/// The hot spots: the file's, or the log's clusters; heaviest first, at most [`MAX_SPOTS`].
fn hot_spots(args: &PatrolArgs, notes: &mut String) -> anyhow::Result<Vec<(String, HotSpot)>> {
    let spots = if let Some(path) = &args.hotspots {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read hot spots {}", path.display()))?;
        let parsed = parse_hot_spots(&path.display().to_string(), &text);
        for p in &parsed.problems {
            writeln!(notes, "- skipped: {p}")?;
        }
        parsed.items
    } else if let Some(path) = &args.history {
        let mut log = SqliteHistory::open(path)
            .with_context(|| format!("cannot open the incident log {}", path.display()))?;
        let now = onemap_feed::clock::system_now_ms();
        let from = now - i64::from(args.days) * 86_400_000;
        let (records, _) = log
            .incidents_between(from, now, 1_000_000)
            .with_context(|| format!("cannot read incidents from {}", path.display()))?;
        let hours: Option<Hours> = args.hours.map(|(a, b)| daily_hours(a, b));
        let found = clusters(&records, args.utc_offset_min, hours.as_ref(), 2);
        writeln!(
            notes,
            "- {} incidents in the last {} days; {} hot spots of 2 or more",
            records.len(),
            args.days,
            found.len()
        )?;
        found
            .iter()
            .map(|c| {
                let name = format!(
                    "{} ×{} (peak {})",
                    c.category.wire_name(),
                    c.count,
                    hour_name(c.peak_hour)
                );
                (name, c.spot)
            })
            .collect()
    } else {
        bail!(
            "give --hotspots FILE (GeoJSON points with a weight) or --history DB (the incident log)"
        );
    };
    // Spots a stop covers together are one stop.
    let mut spots = merge_near(spots, VISIT_RADIUS_M);
    if spots.len() > MAX_SPOTS {
        writeln!(
            notes,
            "- planned for the {MAX_SPOTS} heaviest of {} hot spots",
            spots.len()
        )?;
        spots.truncate(MAX_SPOTS);
    }
    if spots.is_empty() {
        bail!("no hot spots to plan for");
    }
    Ok(spots)
}

fn hour_name(h: u8) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!("{} {:02}:00", DAYS[usize::from(h / 24) % 7], h % 24)
}

/// Where every loop starts: `--depot`, or the first station in the stations file.
fn depot(args: &PatrolArgs) -> anyhow::Result<(String, LonLat)> {
    if let Some(at) = args.depot {
        return Ok(("depot".into(), at));
    }
    let text = std::fs::read_to_string(&args.stations).with_context(|| {
        format!(
            "cannot read stations {} (or give --depot LAT,LON)",
            args.stations.display()
        )
    })?;
    let parsed = parse_stations(&args.stations.display().to_string(), &text);
    let first = parsed.items.first().with_context(|| {
        format!(
            "no station in {} (give --depot LAT,LON)",
            args.stations.display()
        )
    })?;
    Ok((first.name.clone(), first.pos))
}

/// Plan, write and summarise.
pub fn run_patrol(args: &PatrolArgs, osm: &OsmData) -> anyhow::Result<String> {
    if args.units == 0 || args.units > 50 {
        bail!("--units {}: expected 1 to 50", args.units);
    }
    let mut notes = String::new();
    let spots = hot_spots(args, &mut notes)?;
    let (depot_name, depot_at) = depot(args)?;
    let graph = RoadGraph::build(osm, &load_speeds(args.speeds.as_deref())?);
    let mode = args.mode;
    let sites = Sites::new(&graph, mode, depot_at, &spots)
        .map_err(|e| anyhow::anyhow!("the depot ({depot_name}): {e}"))?;
    for (i, e) in &sites.left_out {
        writeln!(notes, "- hot spot \"{}\" left out: {e}", spots[*i].0)?;
    }
    let lap_s = 60.0 * args.lap_min.min(args.shift_min);
    let t0 = Instant::now();
    let problem = sites.problem(&graph, &spots, 60.0 * args.dwell_min, lap_s, args.units);
    let matrix_s = t0.elapsed().as_secs_f64();
    let n = problem.n;
    let t1 = Instant::now();
    let plan = optimise::solve(&problem, &Options::default());
    let solve_s = t1.elapsed().as_secs_f64();
    problem
        .check(&plan)
        .map_err(|e| anyhow::anyhow!("internal: the plan is invalid: {e}"))?;
    let alts = if args.alternatives > 1 {
        optimise::alternatives(
            &problem,
            &plan,
            args.alternatives,
            0.95,
            &Options::default(),
        )
    } else {
        vec![plan.clone()]
    };
    let hot: Vec<HotSpot> = sites.kept.iter().map(|&i| spots[i].1).collect();
    // The PAI counts every hot spot's weight at its place, over the beats beside the
    // stations file (the roads' box without them).
    let incidents: Vec<(LonLat, f64)> = hot.iter().map(|h| (h.at, h.weight)).collect();
    let study_m2 = std::fs::read_to_string(args.stations.with_file_name("beats.geojson"))
        .ok()
        .map(|text| beats_area_m2(&parse_beats("beats.geojson", &text).items))
        .filter(|a| *a > 0.0)
        .unwrap_or_else(|| graph_area_m2(&graph));
    let mut search = Search::with_parents(&graph);
    let mut report = String::new();
    writeln!(
        report,
        "# Patrol plan\n\n{} units, {} loops from {depot_name}; laps of at most {:.0} min in a {:.0}-min shift \
         ({} laps each), {:.0}-min stops; {} hot spots on the roads.\n",
        args.units,
        mode.name(),
        lap_s / 60.0,
        args.shift_min,
        (args.shift_min * 60.0 / lap_s).floor(),
        args.dwell_min,
        sites.kept.len()
    )?;
    for (k, p) in alts.iter().enumerate() {
        let suffix = if k == 0 {
            String::new()
        } else {
            format!("-alt{k}")
        };
        let routes = sites.routes(&problem, p, &spots, ("PATROL", "Patrol", &suffix));
        let snapped: Vec<SnappedRoute> = routes
            .iter()
            .map(|r| snap_route(&graph, &mut search, r))
            .collect::<Result<_, _>>()
            .context("laying a planned loop on the roads")?;
        write_plan(&args.out, &suffix, &routes, &snapped)?;
        let setup = ScoreSetup {
            hot_spots: &hot,
            incidents: &incidents,
            study_m2,
            ..Default::default()
        };
        summarise(
            &mut report,
            &problem,
            p,
            &routes,
            &snapped,
            &setup,
            &graph,
            k,
            &plan,
        )?;
    }
    writeln!(
        report,
        "\nTravel matrix {n}×{n}: {:.2} s; plan: {:.3} s.\n{notes}",
        matrix_s, solve_s
    )?;
    write_atomically(&args.out.join("report.md"), &report)?;
    Ok(report)
}

fn write_plan(
    out: &Path,
    suffix: &str,
    routes: &[PatrolRoute],
    snapped: &[SnappedRoute],
) -> anyhow::Result<()> {
    let pairs: Vec<(&PatrolRoute, &SnappedRoute)> = routes.iter().zip(snapped).collect();
    write_atomically(
        &out.join(format!("patrols{suffix}.geojson")),
        &write_patrols(routes, &[]),
    )?;
    write_atomically(
        &out.join(format!("patrols{suffix}-roads.geojson")),
        &export_geojson(&pairs),
    )?;
    write_atomically(
        &out.join(format!("patrols{suffix}.gpx")),
        &export_gpx(&pairs),
    )?;
    write_atomically(
        &out.join(format!("patrols{suffix}.kml")),
        &export_kml(&pairs),
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    report: &mut String,
    problem: &Problem,
    plan: &Plan,
    routes: &[PatrolRoute],
    snapped: &[SnappedRoute],
    setup: &ScoreSetup<'_>,
    graph: &RoadGraph,
    k: usize,
    best: &Plan,
) -> anyhow::Result<()> {
    let total: f64 = problem.weight.iter().sum();
    if k == 0 {
        writeln!(report, "## Plan\n")?;
    } else {
        writeln!(
            report,
            "\n## Alternative {k}: {:.1} % of the plan's weight, {:.0} % of its legs shared\n",
            100.0 * problem.value(plan) / problem.value(best).max(1e-9),
            100.0 * optimise::overlap(plan, best)
        )?;
    }
    writeln!(
        report,
        "| unit | stops | lap | road km | weight | Koper stops | PAI |"
    )?;
    writeln!(report, "|---|---|---|---|---|---|---|")?;
    for (r, s) in routes.iter().zip(snapped) {
        let sc = score(graph, r, s, setup);
        writeln!(
            report,
            "| {} | {} | {:.0} min | {:.1} | {:.0} | {} | {} |",
            r.name,
            r.waypoints.len() - 1,
            sc.duration_s / 60.0,
            sc.length_m / 1000.0,
            sc.hot_weight,
            sc.hot_spots_koper,
            sc.pai.pai.map_or("—".into(), |p| format!("{p:.1}"))
        )?;
    }
    writeln!(
        report,
        "\nWeight {:.0} of {total:.0} ({:.0} %); longest lap {:.1} % over the mean.",
        problem.value(plan),
        100.0 * problem.value(plan) / total.max(1e-9),
        100.0 * problem.imbalance(plan)
    )?;
    Ok(())
}
