//! The band over the map while the live picture is not current: amber after two missed
//! heartbeats or as soon as the link drops, red after 30 s, with the time the picture is as
//! of; before any data, what the console is trying to reach and why it cannot. Nothing is
//! drawn while the feed is live.

use egui::{Color32, RichText, Ui};

use super::notices::link_error_text;
use super::top_bar::local_time;
use crate::frame::Frame;
use crate::live::{Health, Link};
use crate::ui::i18n::T;

/// The band's text and colour, if one is to be shown.
pub fn band(f: &Frame<'_>) -> Option<(String, Color32)> {
    let live = &f.state.live;
    let theme = f.theme;
    let lang = f.lang();
    let why = match &live.link {
        Some(Link::Reconnecting { error, .. }) => Some(
            f.tr(T::BandUnreachable)
                .replace("{u}", &live.url)
                .replace("{e}", link_error_text(lang, error)),
        ),
        Some(Link::Refused { error }) => Some(
            f.tr(T::BandRefusedLogin)
                .replace("{u}", &live.url)
                .replace("{e}", link_error_text(lang, error)),
        ),
        _ => None,
    };
    let (text, colour) = match live.health(f.now_ms) {
        Health::Live => return None,
        Health::NoData => (
            why.unwrap_or_else(|| f.tr(T::BandNoData).replace("{u}", &live.url)),
            theme.status_warn,
        ),
        Health::Late { as_of_ms } => (
            f.tr(T::BandLate)
                .replace("{t}", &local_time(as_of_ms, "%H:%M:%S")),
            theme.status_warn,
        ),
        Health::Lost { as_of_ms } => (
            f.tr(T::BandLost)
                .replace("{t}", &local_time(as_of_ms, "%H:%M:%S")),
            theme.problem,
        ),
    };
    let text = match (&live.link, live.last_message_ms) {
        // Had data, now down: say why as well.
        (Some(Link::Reconnecting { error, .. }), Some(_)) => {
            format!("{text} · {}", link_error_text(lang, error))
        }
        _ => text,
    };
    Some((text, colour))
}

/// Above the map, across its width.
pub fn feed_band_ui(ui: &mut Ui, f: &Frame<'_>) {
    let Some((text, colour)) = band(f) else {
        return;
    };
    let raw = match &f.state.live.link {
        Some(Link::Reconnecting { error, .. } | Link::Refused { error }) => Some(error.clone()),
        _ => None,
    };
    egui::Panel::top("feed_band")
        .frame(
            egui::Frame::new()
                .fill(colour)
                .inner_margin(egui::Margin::symmetric(12, 8)),
        )
        .show(ui, |ui| {
            let label = ui.add(
                egui::Label::new(
                    RichText::new(text)
                        .size(f.theme.title_size + 4.0)
                        .strong()
                        .color(Color32::WHITE),
                )
                .wrap(),
            );
            if let Some(raw) = raw {
                label.on_hover_text(format!("{}: {raw}", f.state.live.url));
            }
        });
}
