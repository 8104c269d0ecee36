//! Headless planning: `onemap plan` (rings, coverage table, gap layer, suggested posts) and
//! `onemap export-graph` (the road graph as CSV for independent tools: networkx, pgRouting,
//! pandana). The routing itself is the core's; this module reads files and writes files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use onemap_core::coord::LonLat;
use onemap_core::layers::{Beat, Post, io::parse_beats, io::parse_plan_posts};
use onemap_core::osm::OsmData;
use onemap_core::routing::coverage::{Coverage, CoverageSetup, Demand, coverage, gaps};
use onemap_core::routing::export::{
    coverage_csv, gaps_geojson, piece_lines, rings_geojson, suggested_geojson,
};
use onemap_core::routing::isochrone::{Piece, Workspace};
use onemap_core::routing::rings::{Polygon, RingRaster, rings_of};
use onemap_core::routing::{MAX_SNAP_M, Mode, Origin, RoadGraph, Speeds, mclp};
use onemap_core::spatial::LayerIndex;

use onemap::city::load_speeds;
use onemap::ops::write_atomically;

pub struct PlanArgs {
    pub posts: PathBuf,
    pub beats: Option<PathBuf>,
    pub minutes: Vec<f64>,
    pub mode: Mode,
    pub turnout_s: f32,
    pub speeds: Option<PathBuf>,
    pub demand: Option<PathBuf>,
    pub add_posts: usize,
    /// Instead of adding, place all the posts afresh (as many as are placeable now).
    pub relocate: bool,
    pub out: PathBuf,
}

/// Parse minute thresholds: positive numbers, at most an hour.
pub fn parse_minutes(s: &str) -> Result<Vec<f64>, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let v: f64 = part
            .trim()
            .parse()
            .map_err(|e| format!("\"{}\": {e}", part.trim()))?;
        if !(v > 0.0 && v <= 60.0) {
            return Err(format!(
                "{v} minutes: a threshold must be more than 0 and at most 60"
            ));
        }
        out.push(v);
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    Ok(out)
}

/// A demand file: CSV `lon,lat,weight` (a header line is allowed), e.g. incident history.
pub fn load_demand(path: &Path) -> anyhow::Result<Vec<Demand>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read demand file {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (n == 0 && line.chars().next().is_some_and(char::is_alphabetic)) {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed = (|| -> Option<Demand> {
            let [lon, lat, weight] = fields[..] else {
                return None;
            };
            let pos = LonLat::new(lon.parse().ok()?, lat.parse().ok()?);
            let weight: f64 = weight.parse().ok()?;
            (pos.is_valid() && weight >= 0.0 && weight.is_finite())
                .then_some(Demand { pos, weight })
        })();
        match parsed {
            Some(d) => out.push(d),
            None => bail!(
                "{}:{}: expected \"lon,lat,weight\" with a valid position and a weight >= 0, \
                 found \"{line}\"",
                path.display(),
                n + 1
            ),
        }
    }
    Ok(out)
}

/// Snap each post; posts that cannot be placed are reported, not dropped silently.
pub fn snap_posts(
    graph: &RoadGraph,
    posts: &[Post],
    mode: Mode,
    turnout_s: f32,
) -> (Vec<Origin>, Vec<String>) {
    let mut origins = Vec::new();
    let mut problems = Vec::new();
    for p in posts {
        match graph.snap(p.pos, mode, MAX_SNAP_M) {
            Ok(snap) => origins.push(Origin {
                snap,
                delay_s: turnout_s,
            }),
            Err(e) => problems.push(format!("post {} ({}): {e}", p.id, p.name)),
        }
    }
    (origins, problems)
}

/// Everything `onemap plan` computed, before it is written.
pub struct PlanResult {
    pub coverage: Coverage,
    pub rings: Vec<Vec<Polygon>>,
    /// Each post's own rings, by its id (beside the union in `rings`).
    pub post_rings: Vec<(String, Vec<Vec<Polygon>>)>,
    pub gaps: Vec<Piece>,
    pub suggested: Vec<(LonLat, f64)>,
    pub summary: String,
    pub graph: RoadGraph,
    pub beats: Vec<Beat>,
}

fn read_layer<T>(
    path: &Path,
    parse: fn(&str, &str) -> onemap_core::layers::io::Parsed<T>,
) -> anyhow::Result<(Vec<T>, Vec<String>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let parsed = parse(&path.display().to_string(), &text);
    Ok((
        parsed.items,
        parsed.problems.iter().map(ToString::to_string).collect(),
    ))
}

/// The inputs `onemap plan` reads: posts, beats, speeds, demand; problems so far.
struct Inputs {
    posts: Vec<Post>,
    beats: Vec<Beat>,
    speeds: Speeds,
    demand: Vec<Demand>,
    skipped: Vec<String>,
}

fn read_inputs(args: &PlanArgs) -> anyhow::Result<Inputs> {
    let (posts, mut skipped) = read_layer(&args.posts, parse_plan_posts)?;
    if posts.is_empty() {
        bail!(
            "{}: no valid posts to plan from{}",
            args.posts.display(),
            if skipped.is_empty() {
                String::new()
            } else {
                format!(" ({})", skipped.join("; "))
            }
        );
    }
    let beats: Vec<Beat> = match &args.beats {
        Some(path) => {
            let (beats, problems) = read_layer(path, parse_beats)?;
            skipped.extend(problems);
            beats
        }
        None => Vec::new(),
    };
    Ok(Inputs {
        posts,
        beats,
        speeds: load_speeds(args.speeds.as_deref())?,
        demand: match &args.demand {
            Some(p) => load_demand(p)?,
            None => Vec::new(),
        },
        skipped,
    })
}

pub fn plan(args: &PlanArgs, osm: &OsmData) -> anyhow::Result<PlanResult> {
    let Inputs {
        posts,
        beats,
        speeds,
        demand,
        mut skipped,
    } = read_inputs(args)?;
    let t0 = Instant::now();
    let graph = RoadGraph::build(osm, &speeds);
    let mode = args.mode;
    let (origins, problems) = snap_posts(&graph, &posts, mode, args.turnout_s);
    skipped.extend(problems);
    if origins.is_empty() {
        bail!(
            "none of the {} posts in {} is on the {} network: {}",
            posts.len(),
            args.posts.display(),
            mode.name(),
            skipped.join("; ")
        );
    }
    let layers = onemap_core::layers::OpLayers {
        beats,
        ..Default::default()
    };
    let index = LayerIndex::new(&layers, osm.bounds.center());
    let beats = layers.beats;
    let addresses: Vec<LonLat> = osm.addresses.iter().map(|a| a.pos).collect();
    let setup = CoverageSetup::new(
        &graph,
        mode,
        Some((&index, beats.len())),
        &addresses,
        &demand,
    );
    let limits: Vec<f32> = args.minutes.iter().map(|m| (m * 60.0) as f32).collect();
    let mut ws = Workspace::new(&graph);
    let cov = coverage(&graph, &mut ws, &setup, &origins, &limits)?;
    let largest = cov
        .reaches
        .last()
        .map(|r| gaps(&graph, mode, r))
        .unwrap_or_default();
    // The same rings the console draws for these posts.
    let rings = rings_of(
        &graph,
        cov.reaches.clone(),
        RingRaster::for_origins(origins.len()),
    )
    .polygons;
    let post_rings = post_rings(&graph, &mut ws, mode, &posts, args.turnout_s, &limits);
    let mut summary = String::new();
    let _ = writeln!(
        summary,
        "{} posts ({} skipped), mode {}, turnout {} s, {} beats, {} addresses{}",
        origins.len(),
        posts.len() - origins.len(),
        mode.name(),
        args.turnout_s,
        beats.len(),
        addresses.len(),
        if demand.is_empty() {
            String::new()
        } else {
            format!(", {} demand points", demand.len())
        }
    );
    let _ = writeln!(
        summary,
        "graph: {} nodes, {} segments; computed in {:.2} s",
        graph.node_count(),
        graph.segment_count(),
        t0.elapsed().as_secs_f64()
    );
    coverage_summary(&mut summary, &args.minutes, &cov);
    let suggested = if args.add_posts > 0 || args.relocate {
        let demand_points: Vec<_> = setup.demand_points().collect();
        suggest(
            &mut summary,
            args,
            &graph,
            &origins,
            &limits,
            &demand_points,
        )
    } else {
        Vec::new()
    };
    for s in &skipped {
        let _ = writeln!(summary, "skipped: {s}");
    }
    Ok(PlanResult {
        rings,
        post_rings,
        gaps: largest,
        coverage: cov,
        suggested,
        summary,
        graph,
        beats,
    })
}

/// Each post's own rings at `limits` (the posts off the network are left out, as in the
/// union).
fn post_rings(
    graph: &RoadGraph,
    ws: &mut Workspace,
    mode: Mode,
    posts: &[Post],
    turnout_s: f32,
    limits: &[f32],
) -> Vec<(String, Vec<Vec<Polygon>>)> {
    posts
        .iter()
        .filter_map(|p| {
            let snap = graph.snap(p.pos, mode, MAX_SNAP_M).ok()?;
            let origin = Origin {
                snap,
                delay_s: turnout_s,
            };
            let reaches = onemap_core::routing::isochrone::isochrones(
                graph,
                ws,
                mode,
                onemap_core::routing::Direction::Forward,
                &[origin],
                limits,
            )
            .ok()?;
            let rings = rings_of(graph, reaches, RingRaster::for_origins(1)).polygons;
            Some((p.id.to_string(), rings))
        })
        .collect()
}

/// One line per limit: the shares of roads, addresses and demand covered.
fn coverage_summary(summary: &mut String, minutes: &[f64], cov: &Coverage) {
    for (k, &m) in minutes.iter().enumerate() {
        let (road, addr, dem) = cov.city.shares(k);
        let _ = writeln!(
            summary,
            "within {:>7}: roads {:5.1} % ({:.1} of {:.1} km), addresses {:5.1} %, demand {:5.1} %",
            format!("{m} min"),
            road * 100.0,
            cov.city.road_covered_m[k] / 1000.0,
            cov.city.road_m / 1000.0,
            addr * 100.0,
            dem * 100.0
        );
    }
}

/// New posts (`--add-posts K`) or all posts placed afresh (`--relocate`) by maximal
/// covering at the 3-minute limit (or the next larger one): where, and the demand each adds.
fn suggest(
    summary: &mut String,
    args: &PlanArgs,
    graph: &RoadGraph,
    origins: &[Origin],
    limits: &[f32],
    demand_points: &[(Option<onemap_core::routing::Snap>, f64)],
) -> Vec<(LonLat, f64)> {
    let mode = args.mode;
    let first = *limits.first().unwrap_or(&180.0);
    let limit = limits
        .iter()
        .copied()
        .find(|&l| l >= 180.0)
        .unwrap_or(first);
    let candidates = mclp::intersections(graph, mode);
    let t = Instant::now();
    let (fixed, k, what) = if args.relocate {
        (&[][..], origins.len(), "relocated posts")
    } else {
        (origins, args.add_posts, "new posts")
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut inst = mclp::build(
        graph,
        mode,
        limit,
        args.turnout_s,
        &candidates,
        demand_points,
        fixed,
        threads,
    );
    let sol = mclp::solve(&mut inst, k);
    if args.relocate {
        // What the posts cover where they are now, for comparison.
        let now = mclp::build(
            graph,
            mode,
            limit,
            args.turnout_s,
            &[],
            demand_points,
            origins,
            1,
        );
        let _ = writeln!(
            summary,
            "the {} posts where they are cover {:.1} % of demand within {} min",
            origins.len(),
            now.fixed_covered / now.total.max(1e-9) * 100.0,
            limit / 60.0
        );
    }
    let _ = writeln!(
        summary,
        "{} {what} for {} min among {} intersections: +{:.0} demand covered \
         ({:.1} % → {:.1} %; greedy alone +{:.0}, {} swaps; {:.2} s)",
        sol.chosen.len(),
        limit / 60.0,
        candidates.len(),
        sol.covered,
        inst.fixed_covered / inst.total.max(1e-9) * 100.0,
        (inst.fixed_covered + sol.covered) / inst.total.max(1e-9) * 100.0,
        sol.greedy_covered,
        sol.swaps,
        t.elapsed().as_secs_f64()
    );
    sol.chosen
        .iter()
        .map(|&c| (graph.nodes[inst.candidates[c] as usize], inst.alone[c]))
        .collect()
}

/// `onemap plan`: compute and write `rings.geojson` (the union), `post-rings.geojson` (each
/// post's own, with its id), `coverage.csv`, `gaps.geojson`,
/// `summary.txt` (and `suggested-posts.geojson` with `--add-posts`) into the output folder.
pub fn run_plan(args: &PlanArgs, osm: &OsmData) -> anyhow::Result<String> {
    let result = plan(args, osm)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let largest = args.minutes.last().copied().unwrap_or(0.0);
    let files = [
        (
            "rings.geojson",
            rings_geojson(&args.minutes, args.mode, &result.rings),
        ),
        (
            "post-rings.geojson",
            onemap_core::routing::export::post_rings_geojson(
                &args.minutes,
                args.mode,
                &result.post_rings,
            ),
        ),
        (
            "coverage.csv",
            coverage_csv(
                &args.minutes,
                &result.beats,
                &result.coverage.beats,
                &result.coverage.city,
            ),
        ),
        ("gaps.geojson", {
            let (lines, km) = piece_lines(&result.graph, &result.gaps);
            gaps_geojson(largest, &lines, km)
        }),
        ("summary.txt", result.summary.clone()),
    ];
    for (name, text) in files {
        write_atomically(&args.out.join(name), &text)?;
    }
    if args.add_posts > 0 || args.relocate {
        let minutes = args
            .minutes
            .iter()
            .copied()
            .find(|&m| m >= 3.0)
            .unwrap_or(largest);
        write_atomically(
            &args.out.join("suggested-posts.geojson"),
            &suggested_geojson(&result.suggested, minutes),
        )?;
    }
    Ok(result.summary)
}

/// `onemap export-graph`: `nodes.csv` (id, lon, lat, main component per mode) and
/// `edges.csv` (one row per directed edge and mode that may use it, seconds).
pub fn export_graph(osm: &OsmData, speeds: &Speeds, out: &Path) -> anyhow::Result<String> {
    let graph = RoadGraph::build(osm, speeds);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut nodes = String::from("id,lon,lat,main_car,main_motorbike,main_ebike,main_foot\n");
    for (i, p) in graph.nodes.iter().enumerate() {
        let _ = write!(nodes, "{i},{:.7},{:.7}", p.lon, p.lat);
        for m in Mode::ALL {
            let _ = write!(nodes, ",{}", u8::from(graph.in_main(m, i as u32)));
        }
        nodes.push('\n');
    }
    let mut edges = String::from("tail,head,segment,length_m,mode,seconds\n");
    for (i, s) in graph.segments.iter().enumerate() {
        for m in Mode::ALL {
            for (tail, head, t) in [
                (s.a, s.b, s.time_ab[m.index()]),
                (s.b, s.a, s.time_ba[m.index()]),
            ] {
                if t.is_finite() {
                    // `{:?}` of an f32 is its shortest exact representation.
                    let _ = writeln!(
                        edges,
                        "{tail},{head},{i},{:?},{},{t:?}",
                        s.length_m,
                        m.name()
                    );
                }
            }
        }
    }
    write_atomically(&out.join("nodes.csv"), &nodes)?;
    write_atomically(&out.join("edges.csv"), &edges)?;
    Ok(format!(
        "{}: {} nodes, {} segments, {} car edges (main component {} nodes)",
        out.display(),
        graph.node_count(),
        graph.segment_count(),
        graph.edge_count(Mode::Car),
        graph.main_count(Mode::Car)
    ))
}
