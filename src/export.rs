//! Writing the planner's results to files (the IO edge): rings and gaps as GeoJSON and the
//! coverage table as CSV, into the export folder, each written atomically. The texts come
//! from the core (`onemap_core::routing::export`), the same as `onemap plan` writes.

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
        std::fs::create_dir_all(&dir)?;
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
