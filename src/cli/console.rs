//! Opening the console's window on a city: checks before any window opens (a bad file is a
//! clear error on the terminal and exit status 1), then eframe.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use onemap::app::{AppOptions, OneMapApp};
use onemap::basemap::sources::TileSourceSpec;
use onemap::city::{City, demo_osm_path, open_city};
use onemap::live::FeedSource;
use onemap::model::Settings;
use onemap::ui::i18n::{Lang, T, tr};
use onemap::ui::theme::ThemeKind;

use super::{Cli, LangArg, ThemeArg};

pub fn run(cli: Cli, osm_path: &Path, started: Instant) -> anyhow::Result<()> {
    let tiles = match &cli.tiles {
        Some(spec) => TileSourceSpec::parse(spec)?,
        None => TileSourceSpec::Rendered,
    };
    if !matches!(tiles, TileSourceSpec::Rendered | TileSourceSpec::Url(_)) {
        // Check the user's tiles before opening a window, so a bad file is a clear error here.
        onemap::basemap::sources::open_reader(&tiles)?;
    }
    // Fail before opening a window: a bad file is reported on the terminal with a non-zero exit.
    let speeds = onemap::city::load_speeds(cli.speeds.as_deref())?;
    let layers_dir = cli.layers.clone().or_else(|| {
        // The demo city's generated layers are committed beside its extract.
        let beside = osm_path.parent()?.to_path_buf();
        let is_demo = osm_path.file_name() == demo_osm_path().file_name();
        (is_demo && beside.join("beats.geojson").is_file()).then_some(beside)
    });
    let city = open_with_progress(&cli, osm_path, layers_dir.is_none(), started)?;
    eprintln!(
        "onemap: {} opened in {:.2} s ({} roads, {} buildings, {} addresses)",
        osm_path.display(),
        city.load_time.as_secs_f64(),
        city.osm.roads.len(),
        city.summary.buildings,
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
        alert_sound: !cli.no_alert_sound,
        targets_s: cli.targets.unwrap_or(onemap::model::DEFAULT_TARGETS_S),
        track_ms: i64::from(cli.track_min) * 60_000,
        // Hours of the day and week in the figures are the console's local time.
        utc_offset_min: chrono::Local::now().offset().local_minus_utc() / 60,
        ..Settings::default()
    };
    let title = tr(settings.lang, T::AppTitle);
    let stem = osm_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("city")
        .trim_end_matches(".osm");
    let feed = match (&cli.feed, cli.no_feed) {
        (_, true) => FeedSource::Off,
        (Some(url), _) => FeedSource::External {
            url: url.clone(),
            token: feed_token(&cli)?,
            tls: onemap_feed::tls::ClientTls {
                ca: cli.ca.clone(),
                identity: cli.client_cert.clone().zip(cli.client_key.clone()),
            },
        },
        (None, false) => FeedSource::Embedded {
            db: cli.feed_db.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("onemap-feed-v2-{}.sqlite", city.data_key))
            }),
            sim: onemap_feed::sim::SimConfig {
                seed: cli.seed,
                // The commander dispatches; calls left waiting 2 minutes are taken by the
                // simulated neighbouring desk so the demo city never piles up.
                auto_dispatch_after_ms: Some(120_000),
                ..Default::default()
            },
        },
    };
    let options = AppOptions {
        tiles,
        tile_cache: (!cli.no_tile_cache).then_some(cli.tile_cache),
        settings,
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
        feed,
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

/// Open the city (from the prepared copy when there is one), telling the terminal each phase
/// once and a long one every tenth of the way.
fn open_with_progress(
    cli: &Cli,
    osm_path: &Path,
    sample_layers: bool,
    started: Instant,
) -> anyhow::Result<Arc<City>> {
    let cache_dir = (!cli.no_cache).then(|| {
        cli.cache
            .clone()
            .unwrap_or_else(onemap::prepared::default_dir)
    });
    let shown = std::sync::Mutex::new((None, -1i32));
    let progress = |phase: onemap::city::Phase, done: f32| {
        let tenth = (done * 10.0).floor() as i32;
        let Ok(mut last) = shown.lock() else { return };
        if last.0 == Some(phase) && last.1 >= tenth {
            return;
        }
        *last = (Some(phase), tenth);
        eprintln!(
            "onemap: {:>6.2} s  {} {:>3.0} %",
            started.elapsed().as_secs_f64(),
            phase.label(),
            done * 100.0
        );
    };
    let city = Arc::new(open_city(osm_path, cache_dir.as_deref(), &progress)?);
    if sample_layers {
        city.prepare_sample_layers(&progress);
    }
    Ok(city)
}

/// The token for `--feed`: from `--token-file`, else `ONEMAP_TOKEN`. None is an error unless a
/// client certificate stands in for it.
fn feed_token(cli: &Cli) -> anyhow::Result<Option<String>> {
    if let Some(path) = &cli.token_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token file {}", path.display()))?;
        let token = text.trim();
        anyhow::ensure!(
            !token.is_empty(),
            "the token file {} is empty",
            path.display()
        );
        return Ok(Some(token.to_owned()));
    }
    match std::env::var("ONEMAP_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_owned())),
        _ if cli.client_cert.is_some() => Ok(None),
        _ => anyhow::bail!(
            "--feed needs credentials: --token-file FILE, the ONEMAP_TOKEN variable, or \
             --client-cert/--client-key (make a token with: onemap-feed token create --db \
             FEED.sqlite --name NAME --role commander)"
        ),
    }
}
