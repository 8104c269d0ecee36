//! The basemap as walkers sees it: a [`walkers::Tiles`] that never blocks a frame.
//!
//! A tile that is not in memory is queued for the worker threads and, meanwhile, the nearest
//! lower-zoom tile that is in memory stands in for it (scaled up). Workers render tiles with
//! [`MapData::render_tile`] (or read them from a user's tile source), cache rendered tiles on
//! disk as PNG, upload the texture and wake the UI. The queue is last-in-first-out and forgets
//! requests the map stopped asking for, so panning never waits behind stale work.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossbeam_channel::{Receiver, Sender};
use egui::{ColorImage, Rect, TextureHandle, TextureOptions, pos2};
use walkers::sources::Attribution;
use walkers::{Tile, TileId, TilePiece, Tiles};

use super::render::{LazyMapData, RenderOptions, TILE_PX};
use super::sources::TileReader;
use crate::ui::theme::ThemeKind;

/// Textures kept in memory per manager (256 KiB each).
const MAX_TEXTURES: usize = 600;

/// What produces the pixels of a tile.
pub enum Producer {
    /// Render from the OSM data, caching PNGs under `cache_dir` (if any).
    Rendered {
        data: Arc<LazyMapData>,
        theme: ThemeKind,
        options: RenderOptions,
        cache_dir: Option<PathBuf>,
    },
    /// Decode tiles from a user's source.
    User(Box<dyn TileReader>),
}

impl Producer {
    fn max_zoom(&self) -> u8 {
        match self {
            Producer::Rendered { .. } => super::render::MAX_ZOOM,
            Producer::User(reader) => reader.max_zoom(),
        }
    }

    /// The image of `tile`; `Ok(None)` where the source simply has no such tile.
    pub fn produce(&self, tile: TileId) -> anyhow::Result<Option<ColorImage>> {
        match self {
            Producer::Rendered {
                data,
                theme,
                options,
                cache_dir,
            } => {
                let path = cache_dir
                    .as_ref()
                    .map(|dir| dir.join(format!("{}/{}/{}.png", tile.zoom, tile.x, tile.y)));
                // A corrupt cache file is re-rendered and overwritten, not an error.
                if let Some(path) = &path
                    && let Ok(bytes) = std::fs::read(path)
                    && let Ok(image) = decode(&bytes)
                {
                    return Ok(Some(image));
                }
                let pixmap = data
                    .get()
                    .render_tile(tile.zoom, tile.x, tile.y, *theme, *options);
                if let Some(path) = &path {
                    // Failing to cache is not worth failing the tile for.
                    let _ = write_atomically(path, &pixmap);
                }
                let size = [pixmap.width() as usize, pixmap.height() as usize];
                // Tiles are opaque, so premultiplied and straight alpha agree.
                Ok(Some(ColorImage::from_rgba_premultiplied(
                    size,
                    pixmap.data(),
                )))
            }
            Producer::User(reader) => {
                let Some(bytes) = reader.read(tile.zoom, tile.x, tile.y)? else {
                    return Ok(None);
                };
                decode(&bytes).map(Some)
            }
        }
    }
}

fn decode(bytes: &[u8]) -> anyhow::Result<ColorImage> {
    let image = image::load_from_memory(bytes).context("not a PNG, JPEG or WebP image")?;
    let rgba = image.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()))
}

fn write_atomically(path: &std::path::Path, pixmap: &tiny_skia::Pixmap) -> anyhow::Result<()> {
    let png = pixmap.encode_png()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("png.tmp{:?}", std::thread::current().id()));
    std::fs::write(&tmp, png)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

struct Queue {
    /// Most recent request last.
    stack: Mutex<Vec<TileId>>,
    wake: Condvar,
    alive: AtomicBool,
}

type Outcome = (TileId, Result<Option<TextureHandle>, String>, Duration);

/// Counters shown in the status bar and used by the benchmark.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TileStats {
    pub pending: usize,
    pub errors: usize,
    pub last_error: Option<String>,
    pub in_memory: usize,
    /// Tiles asked for in the last frame that were not yet available at their own zoom.
    pub missing_last_frame: usize,
    pub requested_last_frame: usize,
}

pub struct TileManager {
    producer_max_zoom: u8,
    attribution: Attribution,
    textures: HashMap<TileId, (TextureHandle, u64)>,
    /// Tiles the source does not have (drawn as nothing), or that failed.
    absent: HashSet<TileId>,
    /// Pending tile -> frame it was last asked for.
    pending: HashMap<TileId, u64>,
    queue: Arc<Queue>,
    results: Receiver<Outcome>,
    frame: u64,
    stats: TileStats,
    /// Render/load times of finished tiles, for the benchmark and the status bar.
    pub durations: Vec<(u8, Duration)>,
}

impl TileManager {
    pub fn new(
        producer: Producer,
        attribution: Attribution,
        workers: usize,
        ctx: egui::Context,
    ) -> Self {
        let queue = Arc::new(Queue {
            stack: Mutex::new(Vec::new()),
            wake: Condvar::new(),
            alive: AtomicBool::new(true),
        });
        // Bounded: workers wait if the UI falls behind (it drains every frame).
        let (tx, rx) = crossbeam_channel::bounded(1024);
        let producer_max_zoom = producer.max_zoom();
        let producer = Arc::new(producer);
        for i in 0..workers.max(1) {
            let (queue, producer, tx, ctx) =
                (queue.clone(), producer.clone(), tx.clone(), ctx.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("tile-worker-{i}"))
                .spawn(move || worker(&queue, &producer, &tx, &ctx));
            if let Err(err) = spawned {
                eprintln!("onemap: cannot start a tile worker thread: {err}");
            }
        }
        Self {
            producer_max_zoom,
            attribution,
            textures: HashMap::new(),
            absent: HashSet::new(),
            pending: HashMap::new(),
            queue,
            results: rx,
            frame: 0,
            stats: TileStats::default(),
            durations: Vec::new(),
        }
    }

    /// Call once per frame before the map is drawn: takes finished tiles, forgets requests
    /// the map no longer needs, evicts old textures.
    pub fn begin_frame(&mut self) {
        self.frame += 1;
        while let Ok((tile, outcome, took)) = self.results.try_recv() {
            self.pending.remove(&tile);
            self.durations.push((tile.zoom, took));
            match outcome {
                Ok(Some(texture)) => {
                    self.textures.insert(tile, (texture, self.frame));
                }
                Ok(None) => {
                    self.absent.insert(tile);
                }
                Err(err) => {
                    self.absent.insert(tile);
                    self.stats.errors += 1;
                    self.stats.last_error =
                        Some(format!("tile {}/{}/{}: {err}", tile.zoom, tile.x, tile.y));
                }
            }
        }
        // Forget queued requests the map stopped asking for; tiles already being rendered
        // arrive anyway and are kept.
        let frame = self.frame;
        let mut dropped = Vec::new();
        {
            let mut stack = self.queue.stack.lock().unwrap_or_else(|p| p.into_inner());
            stack.retain(|t| {
                let wanted = self.pending.get(t).is_some_and(|asked| asked + 2 >= frame);
                if !wanted {
                    dropped.push(*t);
                }
                wanted
            });
        }
        for t in dropped {
            self.pending.remove(&t);
        }
        if self.textures.len() > MAX_TEXTURES {
            let mut by_age: Vec<(u64, TileId)> = self
                .textures
                .iter()
                .map(|(t, (_, used))| (*used, *t))
                .collect();
            by_age.sort_unstable_by_key(|(used, t)| (*used, t.zoom, t.x, t.y));
            for (_, t) in by_age.iter().take(self.textures.len() - MAX_TEXTURES) {
                self.textures.remove(t);
            }
        }
        self.stats.missing_last_frame = 0;
        self.stats.requested_last_frame = 0;
    }

    pub fn stats(&self) -> TileStats {
        TileStats {
            pending: self.pending.len(),
            in_memory: self.textures.len(),
            ..self.stats.clone()
        }
    }

    fn request(&mut self, tile: TileId) {
        if self.textures.contains_key(&tile) || self.absent.contains(&tile) {
            return;
        }
        let frame = self.frame;
        let first_ask = self.pending.insert(tile, frame).is_none();
        if first_ask {
            let mut stack = self.queue.stack.lock().unwrap_or_else(|p| p.into_inner());
            stack.push(tile);
            self.queue.wake.notify_one();
        }
    }

    fn piece(&mut self, tile: TileId, source: TileId) -> Option<TilePiece> {
        let frame = self.frame;
        let (texture, used) = self.textures.get_mut(&source)?;
        *used = frame;
        let levels = tile.zoom - source.zoom;
        let n = 1u32 << levels;
        let (sx, sy) = (tile.x % n, tile.y % n);
        let f = 1.0 / n as f32;
        let uv = Rect::from_min_max(
            pos2(sx as f32 * f, sy as f32 * f),
            pos2((sx + 1) as f32 * f, (sy + 1) as f32 * f),
        );
        Some(TilePiece::new(Tile::Raster(texture.clone()), uv))
    }
}

fn ancestor(tile: TileId, zoom: u8) -> TileId {
    let shift = tile.zoom - zoom;
    TileId {
        x: tile.x >> shift,
        y: tile.y >> shift,
        zoom,
    }
}

impl Tiles for TileManager {
    fn at(&mut self, tile: TileId) -> Option<TilePiece> {
        let n = 1u32.checked_shl(u32::from(tile.zoom))?;
        if tile.x >= n || tile.y >= n {
            return None;
        }
        let wanted = if tile.zoom > self.producer_max_zoom {
            ancestor(tile, self.producer_max_zoom)
        } else {
            tile
        };
        self.stats.requested_last_frame += 1;
        self.request(wanted);
        if !self.textures.contains_key(&wanted) && !self.absent.contains(&wanted) {
            self.stats.missing_last_frame += 1;
        }
        (0..=wanted.zoom)
            .rev()
            .find_map(|z| self.piece(tile, ancestor(tile, z)))
    }

    fn attribution(&self) -> Attribution {
        self.attribution.clone()
    }

    fn tile_size(&self) -> u32 {
        TILE_PX
    }
}

impl Drop for TileManager {
    fn drop(&mut self) {
        self.queue.alive.store(false, Ordering::SeqCst);
        self.queue.wake.notify_all();
    }
}

fn worker(queue: &Queue, producer: &Producer, tx: &Sender<Outcome>, ctx: &egui::Context) {
    loop {
        let tile = {
            let mut stack = queue.stack.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if !queue.alive.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(tile) = stack.pop() {
                    break tile;
                }
                stack = queue
                    .wake
                    .wait_timeout(stack, Duration::from_millis(500))
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|p| p.into_inner().0);
            }
        };
        let start = Instant::now();
        let outcome = match producer.produce(tile) {
            Ok(Some(image)) => Ok(Some(ctx.load_texture(
                format!("tile-{}-{}-{}", tile.zoom, tile.x, tile.y),
                image,
                TextureOptions::LINEAR,
            ))),
            Ok(None) => Ok(None),
            Err(err) => Err(format!("{err:#}")),
        };
        if tx.send((tile, outcome, start.elapsed())).is_err() {
            return; // the manager is gone
        }
        ctx.request_repaint();
    }
}
