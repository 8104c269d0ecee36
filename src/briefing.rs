//! The statistics exports (IO): the period's figures as CSV, and the one-page briefing, the
//! city's map with the heat map beside the key figures and tables, as PNG and PDF.
//!
//! A [`Briefing`] is a copy of what the statistics panel shows, taken on the UI thread; the
//! rendering and the writing run on their own thread (rendering the basemap for the page
//! takes about a second), so no frame waits for them.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use onemap_core::coord::{BBox, LonLat, mercator};
use onemap_core::feed::Category;
use onemap_core::feed::history::FiguresAnswer;
use onemap_core::feed::period::{CategorySeries, Comparison, Window, change_pct};
use onemap_core::heat::{HeatGrid, HotSpot};
use tiny_skia::{Paint, Pixmap, PixmapPaint, Rect, Transform};

use crate::basemap::render::{LazyMapData, TILE_PX, color};
use crate::basemap::text::GlyphFont;
use crate::model::StatsExport;
use crate::panels::top_bar::local_time;
use crate::state::AppState;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::labels::category_label;
use crate::ui::theme::{ThemeKind, heat_colour};

/// The page, pixels (A4 landscape at about 140 dpi).
pub const PAGE_W: u32 = 1600;
pub const PAGE_H: u32 = 1131;
const MAP_PX: u32 = 1000;
const MARGIN: f32 = 40.0;

/// What the statistics panel shows, copied for an export.
pub struct Briefing {
    pub lang: Lang,
    pub map: Arc<LazyMapData>,
    pub bounds: BBox,
    pub window: Window,
    pub figures: Option<Box<FiguresAnswer>>,
    pub series: Option<CategorySeries>,
    pub grid: Option<Arc<HeatGrid>>,
    pub hot_by_count: Vec<HotSpot>,
    pub hot_by_rise: Vec<HotSpot>,
    /// `(beat id, name, count, previous)`.
    pub by_beat: Vec<(String, String, usize, usize)>,
    pub targets_s: [i64; 4],
}

impl Briefing {
    /// A copy of the statistics shown; `None` until the period's records have arrived.
    pub fn of(state: &AppState) -> Option<Briefing> {
        let a = &state.history.analysis;
        let window = a.window?;
        a.current.as_ref()?;
        let beats = &state.ops.layers.beats;
        Some(Briefing {
            lang: state.settings.lang,
            map: state.city.map.clone(),
            bounds: state.city.bounds,
            window,
            figures: a.figures.clone(),
            series: a.series.clone(),
            grid: a.grid.clone(),
            hot_by_count: a.hot_by_count.clone(),
            hot_by_rise: a.hot_by_rise.clone(),
            by_beat: a
                .by_beat
                .iter()
                .filter_map(|&(b, n, p)| {
                    beats
                        .get(b)
                        .map(|beat| (beat.id.to_string(), beat.name.clone(), n, p))
                })
                .collect(),
            targets_s: state.settings.targets_s,
        })
    }

    /// Write the export of `kind` to `path` (its folder is made if missing).
    pub fn write(&self, kind: StatsExport, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let bytes = match kind {
            StatsExport::Csv => self.csv().into_bytes(),
            StatsExport::Png => self
                .render()?
                .encode_png()
                .context("cannot encode the PNG")?,
            StatsExport::Pdf => pdf(&self.render()?),
        };
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    /// The figures as CSV: one section per table, each with its header row, separated by a
    /// blank line. Column names are fixed English keys (for spreadsheets and scripts);
    /// categories by their wire names.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        let pct = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.2}"));
        let _ = writeln!(out, "section,from,to");
        let _ = writeln!(
            out,
            "period,{},{}",
            iso(self.window.from_ms),
            iso(self.window.to_ms)
        );
        if let Some(f) = &self.figures {
            let c = f.to_comparison();
            out.push_str("\nmetric,current,previous,change_pct,week_earlier,change_week_pct,year_earlier,change_year_pct\n");
            let _ = writeln!(
                out,
                "incidents,{},{},{},{},{},{},{}",
                c.current.incidents,
                c.previous.incidents,
                pct(c.count_vs_previous()),
                c.week_earlier.incidents,
                pct(c.count_vs_week()),
                c.year_earlier.incidents,
                pct(c.count_vs_year())
            );
            for p in 0..4 {
                let n = |x: &onemap_core::feed::period::PeriodFigures| x.by_priority[p] as f64;
                let _ = writeln!(
                    out,
                    "incidents_p{},{},{},{},{},{},{},{}",
                    p + 1,
                    n(&c.current),
                    n(&c.previous),
                    pct(change_pct(n(&c.current), n(&c.previous))),
                    n(&c.week_earlier),
                    pct(change_pct(n(&c.current), n(&c.week_earlier))),
                    n(&c.year_earlier),
                    pct(change_pct(n(&c.current), n(&c.year_earlier)))
                );
            }
            out.push_str("\npriority,target_s,call_to_dispatch_n,call_to_dispatch_median_s,call_to_dispatch_p90_s,dispatch_to_arrival_n,dispatch_to_arrival_median_s,dispatch_to_arrival_p90_s\n");
            for p in 0..4 {
                let (a, b) = (
                    c.current.call_to_dispatch[p],
                    c.current.dispatch_to_arrival[p],
                );
                let _ = writeln!(
                    out,
                    "P{},{},{},{:.1},{:.1},{},{:.1},{:.1}",
                    p + 1,
                    self.targets_s[p],
                    a.count,
                    a.median_s,
                    a.p90_s,
                    b.count,
                    b.median_s,
                    b.p90_s
                );
            }
        }
        if let Some(s) = &self.series {
            let cats: Vec<&str> = Category::ALL.iter().map(|c| c.wire_name()).collect();
            let _ = writeln!(out, "\nday,{}", cats.join(","));
            for (day, counts) in s.day_starts_ms.iter().zip(&s.per_day) {
                let _ = writeln!(out, "{},{}", local_time(*day, "%Y-%m-%d"), join(counts));
            }
            let _ = writeln!(out, "\nhour,{}", cats.join(","));
            for (h, counts) in s.per_hour.iter().enumerate() {
                let _ = writeln!(out, "{h:02},{}", join(counts));
            }
        }
        out.push_str("\nbeat,name,count,previous,change_pct\n");
        for (id, name, n, p) in &self.by_beat {
            let _ = writeln!(
                out,
                "{id},{},{n},{p},{}",
                csv_field(name),
                pct(change_pct(*n as f64, *p as f64))
            );
        }
        out.push_str("\nhot_spot,list,lat,lon,count,previous,change_pct\n");
        for (list, spots) in [("count", &self.hot_by_count), ("rise", &self.hot_by_rise)] {
            for (k, h) in spots.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{},{list},{:.5},{:.5},{},{},{}",
                    k + 1,
                    h.centre.lat,
                    h.centre.lon,
                    h.count,
                    h.previous,
                    pct(h.change_pct())
                );
            }
        }
        out
    }

    /// The one-page briefing: the map with the heat map on the left, the figures and tables
    /// on the right.
    pub fn render(&self) -> anyhow::Result<Pixmap> {
        let font = GlyphFont::system()?;
        let mut page = Pixmap::new(PAGE_W, PAGE_H).context("the page is too large")?;
        page.fill(tiny_skia::Color::WHITE);
        let map = self.render_map();
        page.draw_pixmap(
            MARGIN as i32,
            (PAGE_H as i32 - MAP_PX as i32) / 2 + 30,
            map.as_ref(),
            &PixmapPaint::default(),
            Transform::identity(),
            None,
        );
        let mut w = Writer {
            page: &mut page,
            font: &font,
            x: MARGIN,
            y: MARGIN + 10.0,
        };
        let t = |k| tr(self.lang, k);
        let period = t(T::BriefingPeriod)
            .replace("{a}", &local_time(self.window.from_ms, "%Y-%m-%d %H:%M"))
            .replace("{b}", &local_time(self.window.to_ms, "%Y-%m-%d %H:%M"));
        w.line(&format!("{} · {period}", t(T::BriefingTitle)), 30.0, DARK);
        w.x = MARGIN + MAP_PX as f32 + 40.0;
        w.y = MARGIN + 90.0;
        self.write_figures(&mut w);
        Ok(page)
    }

    fn write_figures(&self, w: &mut Writer<'_>) {
        let t = |k| tr(self.lang, k);
        let ratio =
            |v: Option<f64>| v.map_or_else(|| t(T::NoRatio).to_owned(), |v| format!("{v:+.1}%"));
        if let Some(f) = &self.figures {
            let c: Comparison = f.to_comparison();
            w.line(
                &format!("{}  {}", t(T::TotalIncidents), c.current.incidents),
                26.0,
                DARK,
            );
            w.line(
                &format!(
                    "{} {}   {} {}   {} {}",
                    t(T::VsPrevious),
                    ratio(c.count_vs_previous()),
                    t(T::VsWeek),
                    ratio(c.count_vs_week()),
                    t(T::VsYear),
                    ratio(c.count_vs_year())
                ),
                17.0,
                DARK,
            );
            w.gap(10.0);
            w.line(t(T::ResponseVsTarget), 19.0, DARK);
            for p in 0..4 {
                let (a, b) = (
                    c.current.call_to_dispatch[p],
                    c.current.dispatch_to_arrival[p],
                );
                w.line(
                    &format!(
                        "P{}  {} {:.0}/{:.0}  {} {:.0}/{:.0}  {} {}",
                        p + 1,
                        t(T::CallToDispatch),
                        a.median_s,
                        a.p90_s,
                        t(T::DispatchToArrival),
                        b.median_s,
                        b.p90_s,
                        t(T::TargetLine),
                        self.targets_s[p]
                    ),
                    15.0,
                    MUTED,
                );
            }
        }
        w.gap(10.0);
        w.line(t(T::HotSpots), 19.0, DARK);
        if self.hot_by_count.is_empty() {
            w.line(t(T::HotNone), 15.0, MUTED);
        }
        for (k, h) in self.hot_by_count.iter().take(8).enumerate() {
            w.line(
                &format!(
                    "{}. {:.4}, {:.4}   {}   {} {}",
                    k + 1,
                    h.centre.lat,
                    h.centre.lon,
                    h.count,
                    t(T::VsPrevious),
                    ratio(h.change_pct())
                ),
                15.0,
                MUTED,
            );
        }
        w.gap(10.0);
        w.line(t(T::ByBeat), 19.0, DARK);
        for (_, name, n, p) in self.by_beat.iter().take(10) {
            w.line(
                &format!(
                    "{name}   {n}   {} {}",
                    t(T::VsPrevious),
                    ratio(change_pct(*n as f64, *p as f64))
                ),
                15.0,
                MUTED,
            );
        }
        if let Some(s) = &self.series {
            w.gap(10.0);
            w.line(t(T::Categories), 19.0, DARK);
            let mut totals: Vec<(usize, Category)> = Category::ALL
                .iter()
                .enumerate()
                .map(|(i, c)| (s.per_day.iter().map(|d| d[i]).sum(), *c))
                .filter(|(n, _)| *n > 0)
                .collect();
            totals.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
            let line: Vec<String> = totals
                .iter()
                .take(6)
                .map(|(n, c)| format!("{} {n}", category_label(self.lang, *c)))
                .collect();
            w.line(&line.join("  "), 15.0, MUTED);
        }
    }

    /// The city at the zoom that fits it into [`MAP_PX`], with the heat map over it.
    fn render_map(&self) -> Pixmap {
        let Some(mut out) = Pixmap::new(MAP_PX, MAP_PX) else {
            unreachable!("the map's size is valid")
        };
        let fit = mercator::zoom_to_fit(&self.bounds, f64::from(MAP_PX), f64::from(MAP_PX));
        let z = (fit.floor().clamp(1.0, 18.0)) as u8;
        let zf = f64::from(z);
        let centre = self.bounds.center();
        let (cx, cy) = mercator::world_px(centre, zf);
        let (ox, oy) = (cx - f64::from(MAP_PX) / 2.0, cy - f64::from(MAP_PX) / 2.0);
        let tile = f64::from(TILE_PX);
        let (tx0, ty0) = ((ox / tile).floor() as i64, (oy / tile).floor() as i64);
        let (tx1, ty1) = (
            ((ox + f64::from(MAP_PX)) / tile).floor() as i64,
            ((oy + f64::from(MAP_PX)) / tile).floor() as i64,
        );
        let max = (1i64 << z) - 1;
        for ty in ty0.max(0)..=ty1.min(max) {
            for tx in tx0.max(0)..=tx1.min(max) {
                let pixmap = self.map.get().render_tile(
                    z,
                    tx as u32,
                    ty as u32,
                    ThemeKind::Day,
                    Default::default(),
                );
                out.draw_pixmap(
                    (tx as f64 * tile - ox).round() as i32,
                    (ty as f64 * tile - oy).round() as i32,
                    pixmap.as_ref(),
                    &PixmapPaint::default(),
                    Transform::identity(),
                    None,
                );
            }
        }
        if let Some(grid) = self.grid.as_ref().filter(|g| g.max > 0.0) {
            let mut heat = Pixmap::new(MAP_PX, MAP_PX).unwrap_or_else(|| out.clone());
            heat.fill(tiny_skia::Color::TRANSPARENT);
            let px = heat.pixels_mut();
            for y in 0..MAP_PX {
                for x in 0..MAP_PX {
                    let p: LonLat = mercator::lonlat_from_world_px(
                        ox + f64::from(x) + 0.5,
                        oy + f64::from(y) + 0.5,
                        zf,
                    );
                    let [r, g, b, a] = heat_colour(grid.at(p) / grid.max).to_srgba_unmultiplied();
                    px[(y * MAP_PX + x) as usize] =
                        tiny_skia::ColorU8::from_rgba(r, g, b, a).premultiply();
                }
            }
            out.draw_pixmap(
                0,
                0,
                heat.as_ref(),
                &PixmapPaint::default(),
                Transform::identity(),
                None,
            );
        }
        let mut frame = Paint::default();
        frame.set_color(color(egui::Color32::from_gray(120)));
        for r in [
            Rect::from_xywh(0.0, 0.0, MAP_PX as f32, 1.0),
            Rect::from_xywh(0.0, MAP_PX as f32 - 1.0, MAP_PX as f32, 1.0),
            Rect::from_xywh(0.0, 0.0, 1.0, MAP_PX as f32),
            Rect::from_xywh(MAP_PX as f32 - 1.0, 0.0, 1.0, MAP_PX as f32),
        ]
        .into_iter()
        .flatten()
        {
            out.fill_rect(r, &frame, Transform::identity(), None);
        }
        out
    }
}

const DARK: egui::Color32 = egui::Color32::from_rgb(20, 30, 50);
const MUTED: egui::Color32 = egui::Color32::from_rgb(70, 70, 80);

/// Lines of text down the page.
struct Writer<'a> {
    page: &'a mut Pixmap,
    font: &'a GlyphFont,
    x: f32,
    y: f32,
}

impl Writer<'_> {
    fn line(&mut self, text: &str, size: f32, colour: egui::Color32) {
        let w = self.font.width_px(text, size);
        self.y += size * 0.7;
        if let Some(path) = self
            .font
            .text_path(text, size, self.x + w / 2.0, self.y, 0.0)
        {
            let mut paint = Paint::default();
            paint.set_color(color(colour));
            paint.anti_alias = true;
            self.page.fill_path(
                &path,
                &paint,
                tiny_skia::FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
        self.y += size * 0.75;
    }

    fn gap(&mut self, px: f32) {
        self.y += px;
    }
}

/// A one-page PDF holding the page image (A4 landscape, fitted).
pub fn pdf(page: &Pixmap) -> Vec<u8> {
    use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, TextStr};
    let (catalog, tree, page_id, image_id, content_id, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
    );
    let name = Name(b"Im1");
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let a4 = Rect::new(0.0, 0.0, 842.0, 595.0);
    let mut p = pdf.page(page_id);
    p.media_box(a4);
    p.parent(tree);
    p.contents(content_id);
    p.resources().x_objects().pair(name, image_id);
    p.finish();
    // The pixmap is premultiplied RGBA over an opaque page: its RGB is the colour.
    let rgb: Vec<u8> = page
        .data()
        .chunks_exact(4)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let encoded = std::io::Write::write_all(&mut z, &rgb)
        .and_then(|()| z.finish())
        .unwrap_or_default();
    let mut image = pdf.image_xobject(image_id, &encoded);
    image.filter(Filter::FlateDecode);
    image.width(page.width() as i32);
    image.height(page.height() as i32);
    image.color_space().device_rgb();
    image.bits_per_component(8);
    image.finish();
    let (w, h) = (a4.x2, a4.x2 * page.height() as f32 / page.width() as f32);
    let mut content = Content::new();
    content.save_state();
    content.transform([w, 0.0, 0.0, h, 0.0, (a4.y2 - h) / 2.0]);
    content.x_object(name);
    content.restore_state();
    pdf.stream(content_id, &content.finish());
    pdf.document_info(info)
        .title(TextStr("OneMap briefing"))
        .creator(TextStr("OneMap"));
    pdf.finish()
}

fn iso(ms: i64) -> String {
    local_time(ms, "%Y-%m-%dT%H:%M:%S%:z")
}

fn join(counts: &[usize; 9]) -> String {
    counts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
