//! The top bar: title, city, the feed's state, the clock, theme and language switches, and
//! the count of layer problems.

use egui::{RichText, Ui};

use crate::frame::Frame;
use crate::live::Link;
use crate::model::{Command, ReplayCommand};
use crate::ui::i18n::{Lang, T};
use crate::ui::theme::ThemeKind;

/// Local time of an epoch-ms instant, formatted.
pub fn local_time(ms: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format(format).to_string())
        .unwrap_or_default()
}

pub fn top_bar_ui(ui: &mut Ui, f: &Frame<'_>) {
    let theme = f.theme;
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(f.tr(T::AppTitle))
                .size(theme.title_size)
                .strong()
                .color(theme.title),
        );
        ui.separator();
        ui.label(RichText::new(&f.state.city.name).strong());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(f.tr(T::SwitchLanguage)).clicked() {
                let lang = match f.lang() {
                    Lang::Zh => Lang::En,
                    Lang::En => Lang::Zh,
                };
                f.send(Command::SetLang(lang));
            }
            for kind in ThemeKind::ALL.iter().rev() {
                let label = f.tr(match kind {
                    ThemeKind::Day => T::ThemeDay,
                    ThemeKind::Night => T::ThemeNight,
                });
                if ui
                    .selectable_label(f.state.settings.theme == *kind, label)
                    .clicked()
                {
                    f.send(Command::SetTheme(*kind));
                }
            }
            ui.separator();
            ui.label(
                // The date gives way first on a narrow screen (1280 px).
                RichText::new(local_time(
                    f.now_ms,
                    if ui.ctx().content_rect().width() < 1350.0 {
                        "%H:%M:%S"
                    } else {
                        "%Y-%m-%d %H:%M:%S"
                    },
                ))
                .monospace()
                .size(15.0),
            );
            ui.separator();
            replay_button_ui(ui, f);
            feed_banner_ui(ui, f);
            let rejected = f.state.ops.problems.len();
            if rejected > 0 {
                ui.separator();
                ui.label(
                    RichText::new(format!("{} {rejected}", f.tr(T::Problems)))
                        .color(theme.problem)
                        .strong(),
                );
            }
        });
    });
}

/// Into replay (an hour back, paused) or back to live.
fn replay_button_ui(ui: &mut Ui, f: &Frame<'_>) {
    if !f.state.live.is_on() {
        return;
    }
    if f.state.replaying() {
        let back = egui::Button::new(
            RichText::new(f.tr(T::BackToLive))
                .strong()
                .color(egui::Color32::WHITE),
        )
        .fill(f.theme.replay);
        if ui.add(back).clicked() {
            f.send(Command::Replay(ReplayCommand::Live));
        }
    } else if ui
        .button(f.tr(T::Replay))
        .on_hover_text(f.tr(T::ReplayHint))
        .clicked()
    {
        f.send(Command::Replay(ReplayCommand::Open(f.now_ms - 3_600_000)));
    }
    if ui
        .button(f.tr(T::Statistics))
        .on_hover_text(f.tr(T::StatsHint))
        .clicked()
    {
        f.send(Command::OpenStats(!f.state.history.analysis.stats_open));
    }
    ui.separator();
}

/// The feed's state: connected (units, open incidents) / connecting / reconnecting for how
/// long / stale / off.
fn feed_banner_ui(ui: &mut Ui, f: &Frame<'_>) {
    let theme = f.theme;
    let live = &f.state.live;
    let now = f.now_ms;
    let secs = |since: i64| ((now - since) / 1000).max(0);
    let (text, colour, hover) = match &live.link {
        None => (
            f.tr(T::FeedDisconnected).to_owned(),
            theme.status_off,
            live.last_error.clone(),
        ),
        Some(Link::Connecting) => (
            f.tr(T::FeedConnecting).to_owned(),
            theme.status_warn,
            Some(live.url.clone()),
        ),
        Some(Link::Connected { .. }) if live.is_stale(now) => {
            let quiet = live.last_message_ms.map_or(0, secs);
            (
                format!(
                    "{}（{quiet} {}）",
                    f.tr(T::FeedStale),
                    f.tr(T::SecondsShort)
                ),
                theme.status_warn,
                None,
            )
        }
        Some(Link::Connected { .. }) => {
            let open = live.feed.open_incidents().count();
            (
                format!(
                    "{} · {} {} · {open} {}",
                    f.tr(T::FeedConnected),
                    live.feed.units.len(),
                    f.tr(T::UnitsCount),
                    f.tr(T::OpenIncidents)
                ),
                theme.status_ok,
                Some(live.url.clone()),
            )
        }
        Some(Link::Reconnecting {
            since_ms,
            attempt,
            error,
        }) => (
            format!(
                "{}（{} {} · {}）",
                f.tr(T::FeedReconnecting),
                secs(*since_ms),
                f.tr(T::SecondsShort),
                f.tr(T::AttemptN).replace("{}", &attempt.to_string())
            ),
            theme.problem,
            Some(format!("{}: {error}", live.url)),
        ),
        Some(Link::Refused { error }) => (
            f.tr(T::FeedRefused).to_owned(),
            theme.problem,
            Some(format!("{}: {error}", live.url)),
        ),
    };
    let text_colour = if colour == theme.status_ok {
        ui.visuals().text_color()
    } else {
        colour
    };
    let response = ui.label(RichText::new(text).color(text_colour));
    if let Some(why) = hover {
        response.on_hover_text(why);
    }
    ui.label(RichText::new("●").color(colour));
    if let Some(me) = &live.me {
        let role = crate::ui::labels::role_label(f.lang(), me.role);
        let fill = |key| f.tr(key).replace("{n}", &me.name).replace("{r}", role);
        ui.label(RichText::new(fill(T::SignedInAs)).color(theme.muted_text))
            .on_hover_text(fill(T::SignedInHover));
    }
}
