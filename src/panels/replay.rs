//! Replay's marks and controls: the band over the map, "回放 · HH:MM:SS", so nobody takes
//! the past for live; and the timeline bar under the map (back to live, play and pause, the
//! speed, the span, and a slider to scrub to any moment of the log).

use egui::{Color32, RichText, Ui};

use super::top_bar::local_time;
use crate::frame::Frame;
use crate::model::{Command, ReplayCommand};
use crate::state::history::SPEEDS;
use crate::ui::i18n::T;

const HOUR_MS: i64 = 3_600_000;
/// The spans the timeline offers: 1 h, 24 h, 7 days, 30 days.
pub const SPANS: [(i64, &str); 4] = [
    (HOUR_MS, "1h"),
    (24 * HOUR_MS, "24h"),
    (7 * 24 * HOUR_MS, "7d"),
    (30 * 24 * HOUR_MS, "30d"),
];

/// The band's text while replaying.
pub fn band_text(f: &Frame<'_>) -> Option<String> {
    let r = f.state.history.replay.as_ref()?;
    let when = local_time(r.at_ms, "%Y-%m-%d %H:%M:%S");
    Some(match (&r.failed, r.feed.is_none()) {
        (Some(e), _) => format!(
            "{} · {}",
            f.tr(T::ReplayBand).replace("{t}", &when),
            f.tr(T::ReplayFailed).replace("{e}", e)
        ),
        (None, true) => f.tr(T::ReplayLoading).replace("{t}", &when),
        (None, false) => f.tr(T::ReplayBand).replace("{t}", &when),
    })
}

/// Across the map's top, in the replay colour, while replaying.
pub fn replay_band_ui(ui: &mut Ui, f: &Frame<'_>) {
    let Some(text) = band_text(f) else {
        return;
    };
    egui::Panel::top("replay_band")
        .frame(
            egui::Frame::new()
                .fill(f.theme.replay)
                .inner_margin(egui::Margin::symmetric(12, 8)),
        )
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.add(
                    egui::Label::new(
                        RichText::new(text)
                            .size(f.theme.title_size + 4.0)
                            .strong()
                            .color(Color32::WHITE),
                    )
                    .wrap(),
                );
                ui.label(
                    RichText::new(f.tr(T::ReplayReadOnly))
                        .color(Color32::WHITE)
                        .size(f.theme.title_size - 2.0),
                );
            });
        });
}

/// The timeline under the map while replaying.
pub fn timeline_ui(ui: &mut Ui, f: &Frame<'_>) {
    let Some(r) = f.state.history.replay.as_ref() else {
        return;
    };
    let now = f.now_ms;
    ui.horizontal(|ui| {
        let back = egui::Button::new(RichText::new(f.tr(T::BackToLive)).strong());
        if ui.add(back).clicked() {
            f.send(Command::Replay(ReplayCommand::Live));
        }
        ui.separator();
        let (label, play) = match r.playing {
            true => (f.tr(T::Pause), false),
            false => (f.tr(T::Play), true),
        };
        if ui.button(label).clicked() {
            f.send(Command::Replay(ReplayCommand::Play(play)));
        }
        for x in SPEEDS {
            if ui.selectable_label(r.speed == x, format!("{x}×")).clicked() {
                f.send(Command::Replay(ReplayCommand::Speed(x)));
            }
        }
        ui.separator();
        ui.label(f.tr(T::ReplaySpan));
        for (ms, label) in SPANS {
            if ui.selectable_label(r.span_ms == ms, label).clicked() {
                f.send(Command::Replay(ReplayCommand::Span(ms)));
            }
        }
        ui.separator();
        ui.label(
            RichText::new(local_time(r.at_ms, "%m-%d %H:%M:%S"))
                .monospace()
                .strong()
                .color(f.theme.replay),
        );
        let from = (now - r.span_ms).min(r.at_ms);
        // The moment under the pointer while it is held; asked for on release (not every step).
        let id = egui::Id::unique("replay_scrub");
        let mut at = ui.data(|d| d.get_temp::<i64>(id)).unwrap_or(r.at_ms) as f64;
        let slider = egui::Slider::new(&mut at, from as f64..=now as f64)
            .show_value(false)
            .trailing_fill(true);
        ui.spacing_mut().slider_width = (ui.available_width() - 140.0).max(120.0);
        let response = ui.add(slider);
        if response.changed() {
            ui.data_mut(|d| d.insert_temp(id, at as i64));
        }
        if response.dragged() {
            response
                .clone()
                .on_hover_text(local_time(at as i64, "%Y-%m-%d %H:%M:%S"));
        }
        // A click jumps there; a drag is asked for when it ends.
        // A slider senses drags only: a click is a release over it without a drag.
        let clicked = !response.dragged()
            && !response.drag_stopped()
            && response.hovered()
            && ui.input(|i| i.pointer.primary_released());
        if clicked && let Some(p) = ui.input(|i| i.pointer.interact_pos()) {
            // A click quicker than a frame: the place clicked.
            let rect = response.rect.shrink(rect_margin(ui));
            let t = ((p.x - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0);
            at = from as f64 + f64::from(t) * (now - from) as f64;
        }
        if response.drag_stopped() || clicked {
            ui.data_mut(|d| d.remove::<i64>(id));
            f.send(Command::Replay(ReplayCommand::Seek(at as i64)));
        }
        let ago_h = (now - r.at_ms) as f64 / HOUR_MS as f64;
        ui.label(
            RichText::new(f.tr(T::HoursAgo).replace("{n}", &format!("{ago_h:.1}")))
                .color(f.theme.muted_text),
        );
    });
}

/// The slider's handle keeps this far from the ends of its rectangle.
fn rect_margin(ui: &Ui) -> f32 {
    ui.spacing().interact_size.y / 2.0
}
