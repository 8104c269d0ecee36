//! Opening the console's window on a city: checks before any window opens (a bad file is a
//! clear error on the terminal and exit status 1), then eframe.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use onemap::app::opening::{BuildApp, Opening, Progress};
use onemap::app::{AppOptions, OneMapApp};
use onemap::basemap::sources::TileSourceSpec;
use onemap::city::{City, demo_osm_path, open_city};
use onemap::live::FeedSource;
use onemap::model::Settings;
use onemap::ui::i18n::{Lang, T, tr};
use onemap::ui::theme::ThemeKind;
use onemap::wall::WallLayout;

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
    let cache_dir = (!cli.no_cache).then(|| {
        cli.cache
            .clone()
            .unwrap_or_else(onemap::prepared::default_dir)
    });
    // The city opens on a thread while the window shows how far it is. A file that fails at
    // once (not a PBF, missing) is a clear error on the terminal before any window opens.
    let progress = Arc::new(Mutex::new(Progress::default()));
    let (opener, city_rx) = spawn_opener(
        osm_path,
        cache_dir,
        layers_dir.is_none(),
        started,
        progress.clone(),
    )?;
    let early = match city_rx.recv_timeout(Duration::from_secs(1)) {
        Ok(Err(err)) => return Err(err),
        Ok(Ok(city)) => Some(city),
        Err(_) => None,
    };
    let settings = settings(&cli);
    let (lang, theme) = (settings.lang, settings.theme);
    let feed = feed_source(&cli)?;
    let stem = osm_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("city")
        .trim_end_matches(".osm")
        .to_owned();
    let fixed = AppOptions {
        tiles,
        tile_cache: (!cli.no_tile_cache).then_some(cli.tile_cache.clone()),
        settings,
        started,
        layers_dir,
        generated_layers_dir: PathBuf::from(format!("layers-{stem}")),
        plan_on_start: cli.plan,
        suggest_on_start: cli.suggest_posts.map_or(0, usize::from),
        patrol_on_start: cli.patrol.clone(),
        speeds,
        wall: match (&cli.layout, cli.wall) {
            (Some(path), _) => Some(WallLayout::read(path).map_err(anyhow::Error::msg)?),
            (None, true) => Some(WallLayout::default()),
            (None, false) => None,
        },
        ..AppOptions::default()
    };
    let wall_size = fixed.wall.as_ref().map(|l| l.resolution);
    let build = build_app(&cli, fixed, feed);
    let name = osm_path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let failure = Arc::new(Mutex::new(None));
    let opened = eframe::run_native(
        "onemap",
        native_options(lang, wall_size.map(|size| (size, cli.monitor))),
        Box::new({
            let failure = failure.clone();
            move |cc| {
                let rx = match early {
                    Some(city) => {
                        // Already open: hand it over on a channel of its own.
                        let (tx, rx) = mpsc::sync_channel(1);
                        let _ = tx.send(Ok(city));
                        rx
                    }
                    None => city_rx,
                };
                let opening = Opening::new(
                    &cc.egui_ctx,
                    theme,
                    lang,
                    name,
                    started,
                    progress,
                    rx,
                    build,
                );
                if let Ok(mut slot) = failure.lock() {
                    *slot = Some(opening.failure());
                }
                Ok(Box::new(opening))
            }
        }),
    );
    // A failure to open the city is the error to report, before the window's own.
    let failed = failure
        .lock()
        .ok()
        .and_then(|slot| slot.clone())
        .and_then(|f| f.lock().ok().and_then(|mut e| e.take()));
    if let Some(err) = failed {
        return Err(err);
    }
    if let Err(err) = opened {
        if let Ok(Some(Err(city_err))) = opener.join() {
            return Err(city_err);
        }
        return Err(anyhow::anyhow!("{err}"))
            .context("the window could not be opened (is a display available?)");
    }
    Ok(())
}

type Opened = anyhow::Result<Arc<City>>;

/// Open the city on the thread `city-open`. Its result goes to the receiver, or comes back from
/// `join` when nobody took it (the window never opened).
fn spawn_opener(
    osm_path: &Path,
    cache_dir: Option<PathBuf>,
    sample_layers: bool,
    started: Instant,
    progress: Arc<Mutex<Progress>>,
) -> anyhow::Result<(
    std::thread::JoinHandle<Option<Opened>>,
    mpsc::Receiver<Opened>,
)> {
    let (sent, city_rx) = mpsc::sync_channel(1);
    let path = osm_path.to_path_buf();
    let opener = std::thread::Builder::new()
        .name("city-open".into())
        .spawn(move || {
            let city = open_with_progress(
                &path,
                cache_dir.as_deref(),
                sample_layers,
                started,
                &progress,
            );
            if let Ok(city) = &city {
                eprintln!(
                    "onemap: {} opened in {:.2} s ({} roads, {} buildings, {} addresses)",
                    path.display(),
                    city.load_time.as_secs_f64(),
                    city.summary.roads,
                    city.summary.buildings,
                    city.summary.addresses
                );
            }
            // Kept for the caller when the window never took it (no display).
            sent.send(city).err().map(|e| e.0)
        })
        .context("cannot start the thread that opens the city")?;
    Ok((opener, city_rx))
}

fn settings(cli: &Cli) -> Settings {
    Settings {
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
    }
}

/// The feed chosen on the command line; None is the embedded server, whose database is named
/// after the city and so known only once it is open.
fn feed_source(cli: &Cli) -> anyhow::Result<Option<FeedSource>> {
    Ok(match (&cli.feed, cli.no_feed) {
        (_, true) => Some(FeedSource::Off),
        (Some(url), _) => Some(FeedSource::External {
            url: url.clone(),
            token: feed_token(cli)?,
            tls: onemap_feed::tls::ClientTls {
                ca: cli.ca.clone(),
                identity: cli.client_cert.clone().zip(cli.client_key.clone()),
            },
        }),
        (None, false) => None,
    })
}

/// What makes the console once the city is open: the options known now, completed by what
/// depends on the city (the embedded feed's database, the initial view).
fn build_app(cli: &Cli, fixed: AppOptions, feed: Option<FeedSource>) -> BuildApp {
    let (feed_db, seed) = (cli.feed_db.clone(), cli.seed);
    let (centre, zoom) = (cli.center, cli.zoom);
    let wall = cli.wall;
    Box::new(move |ctx, city: Arc<City>| {
        let feed = feed.unwrap_or_else(|| FeedSource::Embedded {
            db: feed_db.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("onemap-feed-v2-{}.sqlite", city.data_key))
            }),
            sim: onemap_feed::sim::SimConfig {
                seed,
                // The commander dispatches; calls left waiting 2 minutes are taken by the
                // simulated neighbouring desk so the demo city never piles up.
                auto_dispatch_after_ms: Some(120_000),
                ..Default::default()
            },
            wall,
        });
        let initial_view = match (centre, zoom) {
            (None, None) => None,
            (centre, zoom) => Some((
                centre.unwrap_or_else(|| city.bounds.center()),
                zoom.unwrap_or(16.0).clamp(2.0, 20.0),
            )),
        };
        let options = AppOptions {
            initial_view,
            feed,
            ..fixed
        };
        OneMapApp::new(ctx, city, options)
    })
}

/// The window: the console's, or with `wall` (its resolution and monitor) full screen.
fn native_options(lang: Lang, wall: Option<([u32; 2], Option<usize>)>) -> eframe::NativeOptions {
    let viewport = egui::ViewportBuilder::default()
        .with_title(tr(lang, T::AppTitle))
        .with_inner_size([1600.0, 1000.0])
        .with_min_inner_size([900.0, 600.0]);
    eframe::NativeOptions {
        // The wall: full screen, no decorations (a kiosk: nothing needs a mouse).
        viewport: if let Some(([w, h], monitor)) = wall {
            let wall = viewport
                .with_fullscreen(true)
                .with_decorations(false)
                .with_position([0.0, 0.0])
                .with_inner_size([w as f32, h as f32]);
            match monitor {
                Some(m) => wall.with_monitor(m),
                None => wall,
            }
        } else {
            viewport
        },
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    }
}

/// Open the city (from the prepared copy when there is one), telling the terminal each phase
/// once and a long one every tenth of the way, and `shared` (the window) every step.
fn open_with_progress(
    osm_path: &Path,
    cache_dir: Option<&Path>,
    sample_layers: bool,
    started: Instant,
    shared: &Mutex<Progress>,
) -> anyhow::Result<Arc<City>> {
    let shown = Mutex::new((None, -1i32));
    let progress = |phase: onemap::city::Phase, done: f32| {
        if let Ok(mut now) = shared.lock() {
            *now = Progress {
                phase: Some(phase),
                done,
            };
        }
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
    let city = Arc::new(open_city(osm_path, cache_dir, &progress)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_fills_its_monitor_and_the_console_has_a_window() {
        let wall = native_options(Lang::Zh, Some(([3840, 2160], Some(1)))).viewport;
        assert_eq!(wall.monitor, Some(1));
        assert_eq!(wall.fullscreen, Some(true));
        assert_eq!(wall.inner_size, Some(egui::vec2(3840.0, 2160.0)));
        let console = native_options(Lang::Zh, None).viewport;
        assert_eq!((console.monitor, console.fullscreen), (None, None));
    }
}
