//! Writing the planner's results to files (the IO edge): rings and gaps as GeoJSON and the
//! coverage table as CSV and a short report, into the export folder (chosen in the panel),
//! each written atomically. The texts come
//! from the core (`onemap_core::routing::export`), the same as `onemap plan` writes.

use anyhow::Context as _;
use onemap_core::routing::export::{coverage_csv, gaps_geojson, rings_geojson};

use crate::ops::write_atomically;
use crate::state::AppState;
use crate::state::plan::minutes;
use crate::ui::i18n::T;
use crate::workers::routing::LIMITS_S;

/// Export what the planner shows; the outcome goes to the planner's status line.
pub fn export_plan(state: &mut AppState) {
    let result = (|| -> anyhow::Result<std::path::PathBuf> {
        let Some(out) = &state.plan.output else {
            anyhow::bail!("nothing computed yet");
        };
        let dir = state.plan.export_dir.clone();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        let minutes_list: Vec<f64> = (0..LIMITS_S.len()).map(minutes).collect();
        if let Ok(rings) = &out.rings {
            write_atomically(
                &dir.join("rings.geojson"),
                &rings_geojson(&minutes_list, out.mode, &rings.polygons),
            )?;
        }
        if let Some(Ok(cov)) = &out.coverage {
            write_atomically(
                &dir.join("coverage.csv"),
                &coverage_csv(
                    &minutes_list,
                    &state.ops.layers.beats,
                    &cov.beats,
                    &cov.city,
                ),
            )?;
            write_atomically(
                &dir.join("gaps.geojson"),
                &gaps_geojson(minutes(cov.gap_limit), &cov.gaps, cov.gap_km),
            )?;
        }
        write_atomically(&dir.join("report.md"), &plan_report(state, out))?;
        Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
    })();
    state.plan.status = Some(match result {
        Ok(dir) => (
            format!("{} {}", state.tr(T::Exported), dir.display()),
            false,
        ),
        Err(err) => (format!("{}: {err:#}", state.tr(T::ExportFailed)), true),
    });
}

/// A short report of the plan shown: mode, posts, the city's coverage per limit (with the
/// change from the baseline), the least covered beats and the suggested posts.
fn plan_report(state: &AppState, out: &crate::workers::routing::PlanOutput) -> String {
    use std::fmt::Write as _;
    let s = &state.plan.settings;
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# Coverage plan\n\n{} · {} posts · turnout {:.0} s · exported {}\n",
        out.mode.name(),
        state.ops.layers.posts.len(),
        s.turnout_s,
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let Some(Ok(cov)) = &out.coverage else {
        let _ = writeln!(r, "No coverage computed.");
        return r;
    };
    let base = state.plan.baseline.as_ref().filter(|b| b.mode == out.mode);
    let _ = writeln!(
        r,
        "| within | roads | addresses | demand | addresses at the baseline |\n|---|---|---|---|---|"
    );
    for k in 0..LIMITS_S.len() {
        let (road, addr, dem) = cov.city.shares(k);
        let was = base.map_or("—".into(), |b| {
            format!("{:.1} %", b.city.shares(k).1 * 100.0)
        });
        let _ = writeln!(
            r,
            "| {} min | {:.1} % | {:.1} % | {:.1} % | {was} |",
            minutes(k),
            road * 100.0,
            addr * 100.0,
            dem * 100.0
        );
    }
    for sk in &cov.skipped {
        let _ = writeln!(r, "\nNot placed: {}: {}", sk.name, sk.error);
    }
    let k = cov.gap_limit;
    let mut worst: Vec<(usize, f64)> = cov
        .beats
        .iter()
        .enumerate()
        .filter(|(_, b)| b.addresses > 0)
        .map(|(i, b)| (i, b.shares(k).1))
        .collect();
    worst.sort_by(|a, b| a.1.total_cmp(&b.1));
    let _ = writeln!(
        r,
        "\n## Least covered beats (addresses within {} min)\n",
        minutes(k)
    );
    for (i, share) in worst.iter().take(5) {
        if let Some(beat) = state.ops.layers.beats.get(*i) {
            let _ = writeln!(r, "- {} {}: {:.1} %", beat.id, beat.name, share * 100.0);
        }
    }
    let _ = writeln!(
        r,
        "\nRoads no post reaches within {} min: {:.1} km (gaps.geojson).",
        minutes(cov.gap_limit),
        cov.gap_km
    );
    if let Some(sug) = &out.suggested {
        let _ = writeln!(
            r,
            "\n## Suggested posts (3 min)\n\nDemand covered {:.1} % → {:.1} %.\n",
            sug.before * 100.0,
            sug.after * 100.0
        );
        for (n, (at, gain)) in sug.sites.iter().enumerate() {
            let _ = writeln!(r, "{}. {:.6},{:.6}: +{gain:.0}", n + 1, at.lat, at.lon);
        }
    }
    r
}

/// Save the patrol routes to `patrols.geojson` beside the layers; the outcome goes to the
/// patrol panel's status line. A route of fewer than two waypoints is not a route yet: the
/// save is refused, naming it.
pub fn save_patrols(state: &mut AppState) {
    let p = &state.patrol;
    let short: Vec<&str> = p
        .routes
        .iter()
        .filter(|r| r.waypoints.len() < 2)
        .map(|r| r.name.as_str())
        .collect();
    let result = if short.is_empty() {
        let text = onemap_core::patrol::file::write_patrols(&p.routes, &p.rejected);
        write_atomically(&p.path, &text).map(|()| p.path.clone())
    } else {
        Err(anyhow::anyhow!(
            "{}: {}",
            short.join(", "),
            state.tr(T::PatrolTooShort)
        ))
    };
    state.patrol.status = Some(match result {
        Ok(path) => {
            state.patrol.saved();
            (format!("{} {}", state.tr(T::Saved), path.display()), false)
        }
        Err(err) => (format!("{}: {err:#}", state.tr(T::SaveFailed)), true),
    });
}

/// Export the edited route as laid now (GeoJSON road line and stops, GPX, KML) into the
/// plan's export folder, with a short report of its score.
pub fn export_patrol(state: &mut AppState) {
    use onemap_core::patrol::file::{export_geojson, export_gpx, export_kml};
    let result = (|| -> anyhow::Result<std::path::PathBuf> {
        let p = &state.patrol;
        let route = p
            .route()
            .ok_or_else(|| anyhow::anyhow!("no route chosen"))?;
        let laid = p
            .laid_now()
            .ok_or_else(|| anyhow::anyhow!("the route is still being laid"))?;
        let (snapped, score) = laid.result.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
        let dir = state.plan.export_dir.clone();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        let pair = [(route, snapped)];
        let stem = route
            .id
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
        write_atomically(&dir.join(format!("{stem}.geojson")), &export_geojson(&pair))?;
        write_atomically(&dir.join(format!("{stem}.gpx")), &export_gpx(&pair))?;
        write_atomically(&dir.join(format!("{stem}.kml")), &export_kml(&pair))?;
        let report = format!(
            "# {}\n\n{} ({}), {} waypoints{}\n\n- length {:.2} km; travel {:.0} min, dwell {:.0} min, lap {:.0} min\n\
             - hot spots stopped at 10–16 min: {} (weight {:.0}); longest wait between visits: {}\n\
             - beats: {}; road no camera sees: {:.2} km\n",
            route.name,
            route.id,
            route.mode.name(),
            route.waypoints.len(),
            if route.closed { ", a loop" } else { "" },
            score.length_m / 1000.0,
            score.travel_s / 60.0,
            score.dwell_s / 60.0,
            score.duration_s / 60.0,
            score.hot_spots_koper,
            score.hot_weight,
            score
                .longest_gap_s
                .map_or("—".to_string(), |g| format!("{:.0} min", g / 60.0)),
            score.beats.len(),
            score.blind_m / 1000.0,
        );
        write_atomically(&dir.join(format!("{stem}-report.md")), &report)?;
        Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
    })();
    state.patrol.status = Some(match result {
        Ok(dir) => (
            format!("{} {}", state.tr(T::Exported), dir.display()),
            false,
        ),
        Err(err) => (format!("{}: {err:#}", state.tr(T::ExportFailed)), true),
    });
}
