//! Text for the basemap tiles and the UI's fonts: a full system CJK font when one is installed
//! (Debian `fonts-noto-cjk`), the embedded GB2312 subset as the fallback for what it lacks.
//! Glyph outlines turned into tiny-skia paths, so labels can be rotated along streets and
//! drawn with a halo.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ab_glyph::{Font as _, FontRef, OutlineCurve};
use tiny_skia::{Path, PathBuilder, Transform};

/// The embedded Noto Sans SC (SIL OFL 1.1), which covers Latin and GB2312 Chinese.
pub static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular-GB2312.ttf");

/// Where full CJK fonts are installed, with the face index of Simplified Chinese in each file
/// (Debian and Ubuntu, Arch, Fedora).
pub const SYSTEM_CJK: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
];

/// A font file read from the system, kept for the life of the process.
pub struct SystemFont {
    pub path: String,
    pub bytes: &'static [u8],
    pub index: u32,
}

/// The system's full CJK font, read once: `ONEMAP_CJK_FONT=path[#index]` chooses the file,
/// `ONEMAP_CJK_FONT=embedded` keeps to the embedded subset. A file that cannot be read or
/// parsed is reported once and skipped.
pub fn system_cjk_font() -> Option<&'static SystemFont> {
    static FONT: OnceLock<Option<SystemFont>> = OnceLock::new();
    FONT.get_or_init(|| {
        let chosen = std::env::var("ONEMAP_CJK_FONT").ok();
        let candidates: Vec<(String, u32)> = match chosen.as_deref() {
            Some("embedded") => Vec::new(),
            Some(spec) => {
                let (path, index) = spec.split_once('#').unwrap_or((spec, "0"));
                vec![(path.to_owned(), index.parse().unwrap_or(0))]
            }
            None => SYSTEM_CJK
                .iter()
                .filter(|(p, _)| std::path::Path::new(p).is_file())
                .map(|(p, i)| ((*p).to_owned(), *i))
                .collect(),
        };
        candidates.into_iter().find_map(|(path, index)| {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("onemap: font {path}: {e}; using the embedded subset");
                    return None;
                }
            };
            if let Err(e) = FontRef::try_from_slice_and_index(&bytes, index) {
                eprintln!("onemap: font {path} (face {index}): {e}; using the embedded subset");
                return None;
            }
            Some(SystemFont {
                path,
                bytes: Box::leak(bytes.into_boxed_slice()),
                index,
            })
        })
    })
    .as_ref()
}

/// Which fonts the tiles are drawn with (part of the tile cache's key).
pub fn font_tag() -> &'static str {
    if system_cjk_font().is_some() {
        "sys"
    } else {
        "emb"
    }
}

struct Glyph {
    /// Outline in em units (1.0 = font size), y pointing down, origin on the baseline.
    path: Option<Path>,
    advance_em: f32,
}

/// Glyph outlines, cached per character. Shared by all render threads.
pub struct GlyphFont {
    /// In order of preference, each with its units per em: a character comes from the first
    /// that has it.
    fonts: Vec<(FontRef<'static>, f32)>,
    cache: Mutex<HashMap<char, Arc<Glyph>>>,
}

impl GlyphFont {
    /// The embedded subset alone.
    pub fn embedded() -> anyhow::Result<Self> {
        Self::with(None)
    }

    /// The system's CJK font if there is one, then the embedded subset.
    pub fn system() -> anyhow::Result<Self> {
        Self::with(system_cjk_font())
    }

    fn with(system: Option<&'static SystemFont>) -> anyhow::Result<Self> {
        let embedded = FontRef::try_from_slice(FONT_BYTES)
            .map_err(|err| anyhow::anyhow!("embedded font is unreadable: {err}"))?;
        let mut fonts = Vec::new();
        if let Some(f) =
            system.and_then(|s| FontRef::try_from_slice_and_index(s.bytes, s.index).ok())
        {
            fonts.push(f);
        }
        fonts.push(embedded);
        Ok(Self {
            fonts: fonts
                .into_iter()
                .map(|f| {
                    let upem = f.units_per_em().unwrap_or(1000.0);
                    (f, upem)
                })
                .collect(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The font that has `c` (the last one if none does: it draws the missing-glyph box).
    fn font_for(&self, c: char) -> &(FontRef<'static>, f32) {
        self.fonts
            .iter()
            .find(|(f, _)| f.glyph_id(c).0 != 0)
            .unwrap_or(&self.fonts[self.fonts.len() - 1])
    }

    fn glyph(&self, c: char) -> Arc<Glyph> {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        cache
            .entry(c)
            .or_insert_with(|| Arc::new(self.load_glyph(c)))
            .clone()
    }

    fn load_glyph(&self, c: char) -> Glyph {
        let (font, units_per_em) = self.font_for(c);
        let id = font.glyph_id(c);
        let s = 1.0 / units_per_em;
        let advance_em = font.h_advance_unscaled(id) * s;
        let path = font.outline(id).and_then(|outline| {
            let mut pb = PathBuilder::new();
            let mut last: Option<ab_glyph::Point> = None;
            let pt = |p: ab_glyph::Point| (p.x * s, -p.y * s);
            for curve in &outline.curves {
                let (start, end) = match curve {
                    OutlineCurve::Line(a, b) => (*a, *b),
                    OutlineCurve::Quad(a, _, b) => (*a, *b),
                    OutlineCurve::Cubic(a, _, _, b) => (*a, *b),
                };
                if last != Some(start) {
                    if last.is_some() {
                        pb.close();
                    }
                    let (x, y) = pt(start);
                    pb.move_to(x, y);
                }
                match curve {
                    OutlineCurve::Line(_, b) => {
                        let (x, y) = pt(*b);
                        pb.line_to(x, y);
                    }
                    OutlineCurve::Quad(_, c, b) => {
                        let ((cx, cy), (x, y)) = (pt(*c), pt(*b));
                        pb.quad_to(cx, cy, x, y);
                    }
                    OutlineCurve::Cubic(_, c1, c2, b) => {
                        let ((ax, ay), (bx, by), (x, y)) = (pt(*c1), pt(*c2), pt(*b));
                        pb.cubic_to(ax, ay, bx, by, x, y);
                    }
                }
                last = Some(end);
            }
            if last.is_some() {
                pb.close();
            }
            pb.finish()
        });
        Glyph { path, advance_em }
    }

    /// Width of `text` at `size_px`.
    pub fn width_px(&self, text: &str, size_px: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).advance_em).sum::<f32>() * size_px
    }

    /// Whether every character of `text` has a glyph in the font.
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| c.is_whitespace() || self.fonts.iter().any(|(f, _)| f.glyph_id(c).0 != 0))
    }

    /// One path for the whole line of text, centred on the origin horizontally and vertically
    /// (for a typical cap height), then scaled, rotated by `angle_rad` and moved to `(x, y)`.
    pub fn text_path(
        &self,
        text: &str,
        size_px: f32,
        x: f32,
        y: f32,
        angle_rad: f32,
    ) -> Option<Path> {
        let width_em: f32 = text.chars().map(|c| self.glyph(c).advance_em).sum();
        let place = Transform::from_translate(x, y)
            .pre_rotate(angle_rad.to_degrees())
            .pre_scale(size_px, size_px)
            .pre_translate(-width_em / 2.0, 0.36);
        let mut pb = PathBuilder::new();
        let mut pen_em = 0.0;
        for c in text.chars() {
            let glyph = self.glyph(c);
            if let Some(path) = &glyph.path
                && let Some(p) = path.clone().transform(place.pre_translate(pen_em, 0.0))
            {
                pb.push_path(&p);
            }
            pen_em += glyph.advance_em;
        }
        pb.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_covers_chinese_and_german_and_measures() {
        let font = GlyphFont::embedded().unwrap();
        assert!(font.covers("一张图 新勃兰登堡"));
        assert!(font.covers("Friedrich-Engels-Ring Straße Müritz"));
        let w = font.width_px("一张图", 20.0);
        assert!((w - 60.0).abs() < 1.0, "CJK glyphs are one em wide: {w}");
        let path = font.text_path("Ring", 12.0, 100.0, 50.0, 0.3).unwrap();
        let b = path.bounds();
        assert!(b.left() > 70.0 && b.right() < 130.0, "{b:?}");
    }

    /// Names outside GB2312 (堃, 喆, 玥, 琇 are common in real street and place names) need the
    /// system font; the embedded subset alone lacks them.
    #[test]
    fn the_system_font_covers_names_outside_gb2312() {
        let rare = "堃喆玥琇路";
        assert!(!GlyphFont::embedded().unwrap().covers(rare));
        let Some(sys) = system_cjk_font() else {
            eprintln!("no system CJK font installed (apt-get install fonts-noto-cjk): skipped");
            return;
        };
        let font = GlyphFont::system().unwrap();
        assert!(font.covers(rare), "{} lacks {rare}", sys.path);
        assert!(font.covers("Friedrich-Engels-Ring Straße 一张图"));
        assert!(font.text_path(rare, 14.0, 50.0, 50.0, 0.0).is_some());
    }
}
