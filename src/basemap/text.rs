//! Text for the basemap tiles: glyph outlines from the embedded CJK font turned into
//! tiny-skia paths, so labels can be rotated along streets and drawn with a halo.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ab_glyph::{Font as _, FontRef, OutlineCurve};
use tiny_skia::{Path, PathBuilder, Transform};

/// The embedded Noto Sans SC (SIL OFL 1.1), which covers Latin and GB2312 Chinese.
pub static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular-GB2312.ttf");

struct Glyph {
    /// Outline in em units (1.0 = font size), y pointing down, origin on the baseline.
    path: Option<Path>,
    advance_em: f32,
}

/// Glyph outlines, cached per character. Shared by all render threads.
pub struct GlyphFont {
    font: FontRef<'static>,
    units_per_em: f32,
    cache: Mutex<HashMap<char, Arc<Glyph>>>,
}

impl GlyphFont {
    pub fn embedded() -> anyhow::Result<Self> {
        let font = FontRef::try_from_slice(FONT_BYTES)
            .map_err(|err| anyhow::anyhow!("embedded font is unreadable: {err}"))?;
        let units_per_em = font.units_per_em().unwrap_or(1000.0);
        Ok(Self {
            font,
            units_per_em,
            cache: Mutex::new(HashMap::new()),
        })
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
        let id = self.font.glyph_id(c);
        let s = 1.0 / self.units_per_em;
        let advance_em = self.font.h_advance_unscaled(id) * s;
        let path = self.font.outline(id).and_then(|outline| {
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
            .all(|c| c.is_whitespace() || self.font.glyph_id(c).0 != 0)
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
}
