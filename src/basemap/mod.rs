//! The basemap: drawn from the OSM data itself (offline), or from the user's own tiles.
//!
//! [`Basemap`] owns one tile manager per look (theme and detail options) so that switching
//! theme is instant once the tiles exist, and hands walkers the one in use.

pub mod labels;
pub mod projected;
pub mod render;
pub mod sources;
pub mod text;
pub mod tiles;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use walkers::sources::Attribution;
use walkers::{HttpTiles, Tiles};

use self::render::{LazyMapData, RenderOptions};
use self::sources::TileSourceSpec;
use self::tiles::{Producer, TileManager, TileStats};
use crate::ui::theme::ThemeKind;

pub const OSM_ATTRIBUTION: Attribution = Attribution {
    text: "© OpenStreetMap contributors, ODbL",
    url: "https://www.openstreetmap.org/copyright",
    logo_light: None,
    logo_dark: None,
};

pub enum Basemap {
    Rendered {
        data: Arc<LazyMapData>,
        /// `tiles/cache/{data key}`; `None` keeps tiles in memory only.
        cache_root: Option<PathBuf>,
        managers: HashMap<(ThemeKind, RenderOptions), TileManager>,
        workers: usize,
        ctx: egui::Context,
    },
    User(Box<TileManager>),
    Http(Box<HttpTiles>),
}

/// An XYZ URL template as a walkers tile source.
struct UrlTemplate {
    template: String,
}

impl walkers::sources::TileSource for UrlTemplate {
    fn tile_url(&self, tile: walkers::TileId) -> String {
        self.template
            .replace("{z}", &tile.zoom.to_string())
            .replace("{x}", &tile.x.to_string())
            .replace("{y}", &tile.y.to_string())
    }

    fn attribution(&self) -> Attribution {
        OSM_ATTRIBUTION
    }
}

impl Basemap {
    pub fn new(
        spec: &TileSourceSpec,
        data: Arc<LazyMapData>,
        cache_root: Option<PathBuf>,
        workers: usize,
        ctx: &egui::Context,
    ) -> anyhow::Result<Self> {
        Ok(match spec {
            TileSourceSpec::Rendered => Basemap::Rendered {
                data,
                cache_root,
                managers: HashMap::new(),
                workers,
                ctx: ctx.clone(),
            },
            TileSourceSpec::Url(template) => {
                // reqwest (inside walkers) needs a process-wide TLS crypto provider, even for
                // plain http; installing it twice is harmless, so the result is ignored.
                let _ = rustls::crypto::ring::default_provider().install_default();
                Basemap::Http(Box::new(HttpTiles::new(
                    UrlTemplate {
                        template: template.clone(),
                    },
                    ctx.clone(),
                )))
            }
            other => Basemap::User(Box::new(TileManager::new(
                Producer::User(sources::open_reader(other)?),
                OSM_ATTRIBUTION,
                workers,
                ctx.clone(),
            ))),
        })
    }

    fn manager(&mut self, theme: ThemeKind, options: RenderOptions) -> Option<&mut TileManager> {
        match self {
            Basemap::Rendered {
                data,
                cache_root,
                managers,
                workers,
                ctx,
            } => Some(managers.entry((theme, options)).or_insert_with(|| {
                let producer = Producer::Rendered {
                    data: data.clone(),
                    theme,
                    options,
                    cache_dir: cache_root
                        .as_ref()
                        .map(|root| root.join(format!("{}-{}", theme.key(), options.key()))),
                };
                TileManager::new(producer, OSM_ATTRIBUTION, *workers, ctx.clone())
            })),
            Basemap::User(manager) => Some(manager),
            Basemap::Http(_) => None,
        }
    }

    pub fn begin_frame(&mut self, theme: ThemeKind, options: RenderOptions) {
        if let Some(m) = self.manager(theme, options) {
            m.begin_frame();
        }
    }

    pub fn tiles(&mut self, theme: ThemeKind, options: RenderOptions) -> &mut dyn Tiles {
        if let Basemap::Http(http) = self {
            return http.as_mut();
        }
        match self.manager(theme, options) {
            Some(m) => m,
            None => unreachable!("only the HTTP basemap has no tile manager"),
        }
    }

    pub fn stats(&mut self, theme: ThemeKind, options: RenderOptions) -> TileStats {
        match self.manager(theme, options) {
            Some(m) => m.stats(),
            None => TileStats::default(),
        }
    }

    pub fn is_rendered(&self) -> bool {
        matches!(self, Basemap::Rendered { .. })
    }
}
