//! The operational layers in the console: loading and saving the layer files (the IO edge),
//! the spatial index, and the editing history (undo/redo).
//!
//! Edits are recorded as before/after snapshots of one feature, so undo and redo are exact and
//! cheap. The index is rebuilt after every change (milliseconds even for 100k cameras).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use onemap_core::coord::{BBox, LonLat};
use onemap_core::layers::districts::{self, District};
use onemap_core::layers::io::{self, Problem};
use onemap_core::layers::{Camera, CameraId, LayerKind, OpLayers, Post, PostId};
use onemap_core::spatial::LayerIndex;
use serde_json::Value;

/// Where the layers came from and where "save" writes them.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerSource {
    Dir(PathBuf),
    /// Generated in memory for a city without layer files; saving writes to `save_dir`.
    Generated {
        save_dir: PathBuf,
    },
}

/// One feature as an edit sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Editable {
    Camera(Camera),
    Post(Post),
}

/// An edit: `before` is `None` for an addition, `after` is `None` for a deletion.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub before: Option<Editable>,
    pub after: Option<Editable>,
}

pub struct OpState {
    pub layers: OpLayers,
    pub index: LayerIndex,
    /// The beats dissolved by station, drawn below the zoom where beats are readable.
    pub districts: Vec<District>,
    /// Per beat, its district in [`Self::districts`].
    pub district_of_beat: Vec<usize>,
    /// Per district, its cameras (all, offline): drawn in its label where districts are shown.
    pub district_cameras: Vec<(u32, u32)>,
    /// Rejected features per file, written back unchanged on save.
    pub rejected: [Vec<Value>; 4],
    pub problems: Vec<Problem>,
    pub source: LayerSource,
    undo: Vec<Edit>,
    redo: Vec<Edit>,
    /// Changes since the last save.
    pub unsaved: usize,
    /// Bumped on every change, so caches of drawn shapes know when to rebuild.
    pub revision: u64,
}

fn kind_slot(kind: LayerKind) -> usize {
    match kind {
        LayerKind::Beats => 0,
        LayerKind::Cameras => 1,
        LayerKind::Posts => 2,
        LayerKind::Stations => 3,
    }
}

/// Replace the item with `item`'s key, or append it.
fn upsert<T: Clone, K: PartialEq>(items: &mut Vec<T>, item: &T, key: impl Fn(&T) -> &K) {
    match items.iter().position(|x| key(x) == key(item)) {
        Some(i) => items[i] = item.clone(),
        None => items.push(item.clone()),
    }
}

/// The station districts of `layers`, and each beat's district.
fn dissolve(layers: &OpLayers) -> (Vec<District>, Vec<usize>) {
    let districts = districts::dissolve(&layers.beats);
    let mut of_beat = vec![0; layers.beats.len()];
    for (d, district) in districts.iter().enumerate() {
        for &b in &district.beats {
            of_beat[b] = d;
        }
    }
    (districts, of_beat)
}

/// Per district, how many cameras stand in its beats, and how many of those are offline.
fn cameras_per_district(
    layers: &OpLayers,
    index: &LayerIndex,
    districts: &[District],
    district_of_beat: &[usize],
) -> Vec<(u32, u32)> {
    let mut counts = vec![(0u32, 0u32); districts.len()];
    for c in &layers.cameras {
        if let Some(d) = index.beat_at(c.pos).and_then(|b| district_of_beat.get(b)) {
            counts[*d].0 += 1;
            counts[*d].1 += u32::from(!c.is_online());
        }
    }
    counts
}

/// Read the four layer files of `dir`. Missing or broken files are problems, not errors: the
/// console starts with whatever is valid.
pub fn load_dir(dir: &Path) -> (OpLayers, [Vec<Value>; 4], Vec<Problem>) {
    let mut layers = OpLayers::default();
    let mut rejected: [Vec<Value>; 4] = Default::default();
    let mut problems = Vec::new();
    let mut generated = true;
    for kind in LayerKind::ALL {
        let path = dir.join(kind.file_name());
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(err) => {
                problems.push(Problem {
                    file,
                    feature: None,
                    id: None,
                    reason: format!("cannot read: {err}"),
                });
                generated = false;
                continue;
            }
        };
        let slot = kind_slot(kind);
        macro_rules! take {
            ($parse:expr, $field:ident) => {{
                let parsed = $parse(&file, &text);
                generated &= parsed.generated;
                layers.$field = parsed.items;
                rejected[slot] = parsed.rejected;
                problems.extend(parsed.problems);
            }};
        }
        match kind {
            LayerKind::Beats => take!(io::parse_beats, beats),
            LayerKind::Cameras => take!(io::parse_cameras, cameras),
            LayerKind::Posts => take!(io::parse_posts, posts),
            LayerKind::Stations => take!(io::parse_stations, stations),
        }
    }
    layers.generated = generated;
    (layers, rejected, problems)
}

/// Write `text` to `path` atomically: a temporary file in the same directory, then rename.
pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = path.with_extension("geojson.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Write all four layers into `dir`.
pub fn save_dir(dir: &Path, layers: &OpLayers, rejected: &[Vec<Value>; 4]) -> anyhow::Result<()> {
    let g = layers.generated;
    for kind in LayerKind::ALL {
        let r = &rejected[kind_slot(kind)];
        let text = match kind {
            LayerKind::Beats => io::write_beats(&layers.beats, g, r),
            LayerKind::Cameras => io::write_cameras(&layers.cameras, g, r),
            LayerKind::Posts => io::write_posts(&layers.posts, g, r),
            LayerKind::Stations => io::write_stations(&layers.stations, g, r),
        };
        write_atomically(&dir.join(kind.file_name()), &text)?;
    }
    Ok(())
}

impl OpState {
    /// Layers from `dir`, or generated from the city when `dir` is `None`.
    /// `generate` makes the sample layers (or reads them from the city's cache).
    pub fn open(
        dir: Option<&Path>,
        bounds: &BBox,
        generate: impl FnOnce() -> OpLayers,
        generated_save_dir: PathBuf,
    ) -> Self {
        let (layers, rejected, problems, source) = match dir {
            Some(dir) => {
                let (l, r, p) = load_dir(dir);
                (l, r, p, LayerSource::Dir(dir.to_path_buf()))
            }
            None => (
                generate(),
                Default::default(),
                Vec::new(),
                LayerSource::Generated {
                    save_dir: generated_save_dir,
                },
            ),
        };
        let index = LayerIndex::new(&layers, bounds.center());
        let (districts, district_of_beat) = dissolve(&layers);
        let district_cameras = cameras_per_district(&layers, &index, &districts, &district_of_beat);
        Self {
            layers,
            index,
            districts,
            district_of_beat,
            district_cameras,
            rejected,
            problems,
            source,
            undo: Vec::new(),
            redo: Vec::new(),
            unsaved: 0,
            revision: 0,
        }
    }

    pub fn save_target(&self) -> &Path {
        match &self.source {
            LayerSource::Dir(d) => d,
            LayerSource::Generated { save_dir } => save_dir,
        }
    }

    pub fn save(&mut self) -> anyhow::Result<PathBuf> {
        let dir = self.save_target().to_path_buf();
        save_dir(&dir, &self.layers, &self.rejected)?;
        self.unsaved = 0;
        Ok(dir)
    }

    fn reindex(&mut self) {
        self.index = LayerIndex::new(&self.layers, self.index.projection.origin);
        (self.districts, self.district_of_beat) = dissolve(&self.layers);
        self.district_cameras = cameras_per_district(
            &self.layers,
            &self.index,
            &self.districts,
            &self.district_of_beat,
        );
        self.revision += 1;
    }

    fn put(&mut self, before: Option<&Editable>, after: Option<&Editable>) {
        // Ids are not editable, so `after` replaces the feature with its own id.
        match (before, after) {
            (_, Some(Editable::Camera(c))) => upsert(&mut self.layers.cameras, c, |x| &x.id),
            (_, Some(Editable::Post(p))) => upsert(&mut self.layers.posts, p, |x| &x.id),
            (Some(Editable::Camera(c)), None) => self.layers.cameras.retain(|x| x.id != c.id),
            (Some(Editable::Post(p)), None) => self.layers.posts.retain(|x| x.id != p.id),
            (None, None) => {}
        }
        self.reindex();
    }

    /// Apply an edit and record it for undo.
    pub fn apply(&mut self, edit: Edit) {
        if edit.before == edit.after {
            return;
        }
        self.put(edit.before.as_ref(), edit.after.as_ref());
        self.undo.push(edit);
        self.redo.clear();
        self.unsaved += 1;
    }

    /// Like [`Self::apply`], but merged into the previous edit of the same feature (one undo
    /// step for a whole drag).
    pub fn apply_merged(&mut self, edit: Edit) {
        let same_feature = |a: &Option<Editable>, b: &Option<Editable>| match (a, b) {
            (Some(Editable::Camera(x)), Some(Editable::Camera(y))) => x.id == y.id,
            (Some(Editable::Post(x)), Some(Editable::Post(y))) => x.id == y.id,
            _ => false,
        };
        let merges = self
            .undo
            .last()
            .is_some_and(|last| last.after.is_some() && same_feature(&last.after, &edit.before));
        if !merges {
            self.apply(edit);
            return;
        }
        self.put(edit.before.as_ref(), edit.after.as_ref());
        if let Some(last) = self.undo.last_mut() {
            last.after = edit.after;
        }
        self.redo.clear();
    }

    pub fn undo(&mut self) -> bool {
        let Some(edit) = self.undo.pop() else {
            return false;
        };
        self.put(edit.after.as_ref(), edit.before.as_ref());
        self.redo.push(edit);
        self.unsaved += 1;
        true
    }

    pub fn redo(&mut self) -> bool {
        let Some(edit) = self.redo.pop() else {
            return false;
        };
        self.put(edit.before.as_ref(), edit.after.as_ref());
        self.undo.push(edit);
        self.unsaved += 1;
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// A fresh id like `C-0587` that no camera has.
    pub fn new_camera_id(&self) -> CameraId {
        let n = (1..)
            .find(|n| {
                !self
                    .layers
                    .cameras
                    .iter()
                    .any(|c| c.id.as_str() == format!("C-{n:04}"))
            })
            .unwrap_or(0);
        CameraId(format!("C-{n:04}").into())
    }

    pub fn new_post_id(&self) -> PostId {
        let n = (1..)
            .find(|n| {
                !self
                    .layers
                    .posts
                    .iter()
                    .any(|p| p.id.as_str() == format!("P-{n:02}"))
            })
            .unwrap_or(0);
        PostId(format!("P-{n:02}").into())
    }

    pub fn camera(&self, id: &CameraId) -> Option<&Camera> {
        self.layers.cameras.iter().find(|c| &c.id == id)
    }

    pub fn post(&self, id: &PostId) -> Option<&Post> {
        self.layers.posts.iter().find(|p| &p.id == id)
    }

    /// Rejected features across all files.
    pub fn rejected_count(&self) -> usize {
        self.problems.iter().filter(|p| p.feature.is_some()).count()
    }

    pub fn centre_of_beat(&self, i: usize) -> Option<LonLat> {
        let m = onemap_core::spatial::label_point(self.index.beat_rings_m(i))?;
        Some(self.index.projection.to_lonlat(m))
    }
}
