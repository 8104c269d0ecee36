//! The live feed's part of the console: the connection banner and the incident queue.

use std::time::Instant;

use egui::{RichText, Ui};
use onemap_core::feed::{Category, Incident, IncidentStatus, UnitKind, UnitStatus};

use super::{Command, OneMapApp};
use crate::feed::Link;
use crate::map::live::{category_glyph, priority_colour};
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::UiTheme;

pub fn category_label(lang: Lang, c: Category) -> &'static str {
    tr(
        lang,
        match c {
            Category::Theft => T::CatTheft,
            Category::Robbery => T::CatRobbery,
            Category::Assault => T::CatAssault,
            Category::Dispute => T::CatDispute,
            Category::TrafficAccident => T::CatTraffic,
            Category::Fire => T::CatFire,
            Category::Medical => T::CatMedical,
            Category::Suspicious => T::CatSuspicious,
            Category::Other => T::CatOther,
        },
    )
}

pub fn incident_status_label(lang: Lang, s: IncidentStatus) -> &'static str {
    tr(
        lang,
        match s {
            IncidentStatus::New => T::StNew,
            IncidentStatus::Dispatched => T::StDispatched,
            IncidentStatus::EnRoute => T::StEnRoute,
            IncidentStatus::OnScene => T::StOnScene,
            IncidentStatus::Cleared => T::StCleared,
            IncidentStatus::Cancelled => T::StCancelled,
        },
    )
}

pub fn unit_kind_label(lang: Lang, k: UnitKind) -> &'static str {
    tr(
        lang,
        match k {
            UnitKind::PatrolCar => T::ModeCar,
            UnitKind::Motorbike => T::ModeMotorbike,
            UnitKind::FootPatrol => T::FootPatrol,
            UnitKind::EbikeVolunteer => T::ModeEBike,
            UnitKind::Drone => T::Drone,
        },
    )
}

pub fn unit_status_label(lang: Lang, s: UnitStatus) -> &'static str {
    tr(
        lang,
        match s {
            UnitStatus::Available => T::UnitAvailable,
            UnitStatus::Dispatched => T::StDispatched,
            UnitStatus::EnRoute => T::StEnRoute,
            UnitStatus::OnScene => T::StOnScene,
            UnitStatus::OffDuty => T::UnitOffDuty,
        },
    )
}

fn mmss(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Open incidents in queue order: priority, then oldest first.
pub fn queue_order(incidents: impl Iterator<Item = Incident>) -> Vec<Incident> {
    let mut open: Vec<Incident> = incidents.filter(|i| i.status.is_open()).collect();
    open.sort_by(|a, b| {
        (a.status != IncidentStatus::New)
            .cmp(&(b.status != IncidentStatus::New))
            .then(a.priority.cmp(&b.priority))
            .then(a.reported_at.cmp(&b.reported_at))
            .then(a.id.cmp(&b.id))
    });
    open
}

impl OneMapApp {
    /// The banner in the top bar: connected / reconnecting (how long) / stale / off.
    pub(super) fn feed_banner_ui(&self, ui: &mut Ui, theme: &UiTheme) {
        let lang = self.settings.lang;
        let now = Instant::now();
        let feed = &self.feed;
        let (text, colour, hover) = match &feed.link {
            Link::Off => (
                tr(lang, T::FeedDisconnected).to_owned(),
                theme.status_off,
                feed.last_error.clone(),
            ),
            Link::Connecting => (
                tr(lang, T::FeedConnecting).to_owned(),
                theme.status_warn,
                None,
            ),
            Link::Connected { .. } if feed.is_stale(now) => {
                let quiet = feed
                    .last_message
                    .map_or(0, |t| now.duration_since(t).as_secs());
                (
                    format!(
                        "{}（{quiet} {}）",
                        tr(lang, T::FeedStale),
                        tr(lang, T::SecondsShort)
                    ),
                    theme.status_warn,
                    None,
                )
            }
            Link::Connected { .. } => {
                let open = feed
                    .state
                    .incidents
                    .values()
                    .filter(|i| i.status.is_open())
                    .count();
                (
                    format!(
                        "{} · {} {} · {open} {}",
                        tr(lang, T::FeedConnected),
                        feed.state.units.len(),
                        tr(lang, T::UnitsCount),
                        tr(lang, T::OpenIncidents)
                    ),
                    theme.status_ok,
                    Some(feed.url.clone()),
                )
            }
            Link::Reconnecting {
                since,
                attempt,
                error,
            } => (
                format!(
                    "{}（{} {} · {}）",
                    tr(lang, T::FeedReconnecting),
                    now.duration_since(*since).as_secs(),
                    tr(lang, T::SecondsShort),
                    tr(lang, T::AttemptN).replace("{}", &attempt.to_string())
                ),
                theme.problem,
                Some(format!("{}: {error}", feed.url)),
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
    }

    /// The incident queue: priority, category, address, age, status; a row flies there.
    pub(super) fn incident_queue_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        let lang = self.settings.lang;
        let queue = queue_order(self.feed.state.incidents.values().cloned());
        ui.horizontal(|ui| {
            ui.heading(format!("{} ({})", tr(lang, T::IncidentQueue), queue.len()));
            if ui.small_button(tr(lang, T::AuditLog)).clicked() {
                self.dispatch.audit_open = true;
                self.request_audit();
            }
        });
        self.response_figures_ui(ui, theme);
        ui.label(
            RichText::new(tr(lang, T::QueueKeys))
                .small()
                .color(theme.muted_text),
        );
        let selected = match &self.selection {
            Some(super::Selection::Incident(id)) => Some(id.clone()),
            _ => None,
        };
        if queue.is_empty() {
            ui.label(RichText::new(tr(lang, T::NoIncidents)).color(theme.muted_text));
            return;
        }
        let now_ms = onemap_feed::server::now_ms();
        for inc in queue.iter().take(60) {
            let colour = priority_colour(inc.priority, theme);
            let is_selected = selected.as_deref() == Some(inc.id.as_str());
            let unseen =
                inc.status == IncidentStatus::New && !self.feed.acknowledged.contains(&inc.id);
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(if is_selected {
                        "→"
                    } else if unseen {
                        "●"
                    } else {
                        " "
                    })
                    .color(colour),
                );
                ui.label(
                    RichText::new(format!(
                        "P{} {}",
                        inc.priority,
                        category_glyph(inc.category, lang)
                    ))
                    .color(colour)
                    .strong(),
                );
                if ui.link(category_label(lang, inc.category)).clicked() {
                    self.commands.push(Command::FlyTo(inc.location.lonlat()));
                    self.commands
                        .push(Command::Select(Some(super::Selection::Incident(
                            inc.id.clone(),
                        ))));
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.monospace(mmss(now_ms - inc.reported_at));
                    ui.label(
                        RichText::new(incident_status_label(lang, inc.status))
                            .small()
                            .color(theme.muted_text),
                    );
                });
            });
            let units = if inc.assigned_units.is_empty() {
                String::new()
            } else {
                format!(" · {}", inc.assigned_units.join(", "))
            };
            ui.add(
                egui::Label::new(
                    RichText::new(format!("{}{units}", inc.address))
                        .small()
                        .color(theme.muted_text),
                )
                .truncate(),
            );
            ui.add_space(2.0);
        }
    }
}
