//! The wall display (指挥大屏): the second layout on the same rooms. Full screen, nothing to
//! click: a header (title, clock, the age of the data, the view), the current view of the
//! rotation (the live map, figure cards, the incident ticker), a red band when the data is
//! lost, and a new P1 over everything until a console acknowledges it. Every text is at least
//! the layout's smallest size ([`crate::wall::WallLayout::min_text_pt`]).

use egui::{Align, Color32, Layout, RichText, Ui, vec2};
use onemap_core::feed::{Incident, UnitStatus};
use walkers::Tiles;

use crate::frame::Frame;
use crate::map::MapView;
use crate::map::draw::{priority_colour, status_colour};
use crate::model::Command;
use crate::ui::i18n::{T, tr};
use crate::ui::labels::{category_label, incident_status_label, unit_status_label};
use crate::wall::{Freshness, WallState, WallView, burn_in_shift};

/// How the wall's text is sized: every size is a multiple (≥ 1) of the smallest allowed.
struct Type {
    min: f32,
}

impl Type {
    fn text(&self, s: impl Into<String>, times: f32) -> RichText {
        RichText::new(s).size(self.min * times.max(1.0))
    }
}

fn clock(ms: i64, offset_min: i32) -> String {
    chrono::DateTime::from_timestamp_millis(ms + i64::from(offset_min) * 60_000)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Lay the wall out for one frame; the commands the map gave.
pub fn wall_ui(
    ui: &mut Ui,
    f: &Frame<'_>,
    wall: &WallState,
    map: &mut MapView,
    tiles: Option<&mut dyn Tiles>,
) -> Vec<Command> {
    let screen_h = ui.ctx().content_rect().height();
    let t = Type {
        min: wall.layout.min_text_pt(screen_h),
    };
    let fresh = Freshness::from(f.state.live.health(f.now_ms));
    let view = wall.rotation.view(&wall.layout);
    let (dx, dy) = burn_in_shift(f.now_ms, 120_000, 3.0);
    egui::Panel::top("wall_header")
        .exact_size(t.min * 1.6)
        .show(ui, |ui| {
            ui.add_space(dy.max(0.0));
            ui.horizontal_centered(|ui| {
                ui.add_space(8.0 + dx);
                header(ui, f, &t, fresh, view);
            });
        });
    if let Freshness::Lost { as_of_ms } = fresh {
        egui::Panel::top("wall_lost")
            .frame(egui::Frame::NONE.fill(Color32::from_rgb(0xb0, 0x1c, 0x1c)))
            .exact_size(t.min * 1.5)
            .show(ui, |ui| {
                ui.centered_and_justified(|ui| {
                    let at = clock(as_of_ms, f.state.settings.utc_offset_min);
                    let text = tr(f.lang(), T::WallLost).replace("{t}", &at);
                    ui.label(t.text(text, 1.0).color(Color32::WHITE).strong());
                });
            });
    }
    let mut commands = Vec::new();
    let grey = matches!(fresh, Freshness::Lost { .. } | Freshness::NoData);
    match view {
        WallView::Map => {
            egui::CentralPanel::no_frame().show(ui, |ui| commands = map.ui(ui, f, tiles));
        }
        WallView::Coverage | WallView::Heat => {
            // The map (shaded or heated by its layer), with the view's card over its corner.
            egui::CentralPanel::no_frame().show(ui, |ui| {
                let rect = ui.max_rect();
                commands = map.ui(ui, f, tiles);
                let at = rect.left_top() + vec2(t.min * 0.3, t.min * 0.3);
                egui::Area::new(egui::Id::unique(view.name()))
                    .order(egui::Order::Middle)
                    .fixed_pos(at)
                    .show(ui.ctx(), |ui| {
                        // An area is as wide as its content: lines are never broken.
                        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                        if view == WallView::Coverage {
                            coverage_card(ui, f, &t, grey);
                        } else {
                            heat_card(ui, f, &t, grey);
                        }
                    });
            });
        }
        WallView::Cards => {
            egui::CentralPanel::default().show(ui, |ui| cards(ui, f, &t, grey));
        }
        WallView::Figures => {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.add_space(t.min * 0.5);
                today_card(ui, f, &t, grey);
            });
        }
        WallView::Ticker => {
            egui::CentralPanel::default().show(ui, |ui| ticker(ui, f, &t, grey));
        }
    }
    if let Some(id) = &wall.rotation.takeover
        && let Some(inc) = f.state.live.feed.incidents.get(id)
    {
        takeover(ui.ctx(), f, &t, inc);
    }
    commands
}

fn header(ui: &mut Ui, f: &Frame<'_>, t: &Type, fresh: Freshness, view: WallView) {
    let lang = f.lang();
    ui.label(t.text(tr(lang, T::WallTitle), 1.0).strong());
    ui.add_space(t.min);
    let days = f.state.history.analysis.settings.days;
    let mut name = tr(lang, view_name(view)).replace("{d}", &days.to_string());
    if let Some(wall) = &f.state.wall
        && let Some(shift) = wall.rotation.shift.and_then(|k| wall.layout.shifts.get(k))
    {
        name = format!("{} · {name}", shift.name);
    }
    ui.label(t.text(name, 1.0).color(f.theme.muted_text));
    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
        ui.add_space(8.0);
        ui.label(
            t.text(clock(f.now_ms, f.state.settings.utc_offset_min), 1.0)
                .strong(),
        );
        ui.add_space(t.min);
        let (text, colour) = match fresh {
            Freshness::Fresh => (tr(lang, T::WallFresh).to_owned(), f.theme.status_ok),
            Freshness::Late { as_of_ms } => (
                tr(lang, T::WallAge).replace("{s}", &((f.now_ms - as_of_ms) / 1000).to_string()),
                f.theme.status_warn,
            ),
            Freshness::Lost { as_of_ms } => (
                tr(lang, T::WallAge).replace("{s}", &((f.now_ms - as_of_ms) / 1000).to_string()),
                Color32::from_rgb(0xe0, 0x30, 0x30),
            ),
            Freshness::NoData => (tr(lang, T::WallNoData).to_owned(), f.theme.status_warn),
        };
        ui.label(t.text(text, 1.0).color(colour).strong());
        // The map's licence, in the wall's type (only while the map is up).
        let map_up = matches!(view, WallView::Map | WallView::Coverage | WallView::Heat);
        if map_up && ui.available_width() > t.min * 8.0 {
            ui.add_space(t.min);
            ui.add(
                egui::Label::new(t.text("© OpenStreetMap", 1.0).color(f.theme.muted_text))
                    .truncate(),
            );
        }
    });
}

fn view_name(v: WallView) -> T {
    match v {
        WallView::Map => T::WallViewMap,
        WallView::Cards => T::WallViewCards,
        WallView::Figures => T::WallViewFigures,
        WallView::Coverage => T::WallViewCoverage,
        WallView::Ticker => T::WallViewTicker,
        WallView::Heat => T::WallViewHeat,
    }
}

/// One card: a title, big figures under it, and the age of its data.
fn card(
    ui: &mut Ui,
    t: &Type,
    title: &str,
    rows: &[(String, usize, Color32)],
    (grey, age): (bool, &str),
) {
    egui::Frame::group(ui.style())
        .inner_margin(t.min * 0.4)
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.label(t.text(title, 1.0).strong());
                for (label, n, colour) in rows {
                    let colour = if grey { Color32::GRAY } else { *colour };
                    ui.horizontal(|ui| {
                        ui.label(t.text(n.to_string(), 1.8).color(colour).strong());
                        ui.label(t.text(label.as_str(), 1.0));
                    });
                }
                ui.label(t.text(age, 1.0).color(if grey {
                    Color32::from_rgb(0xe0, 0x30, 0x30)
                } else {
                    ui.visuals().weak_text_color()
                }));
            });
        });
}

fn cards(ui: &mut Ui, f: &Frame<'_>, t: &Type, grey: bool) {
    let age = data_age(f);
    let lang = f.lang();
    let feed = &f.state.live.feed;
    let open: Vec<&Incident> = feed.open_incidents().collect();
    let mut by_priority: Vec<(String, usize, Color32)> = (1..=4u8)
        .map(|p| {
            let n = open.iter().filter(|i| i.priority == p).count();
            (format!("P{p}"), n, priority_colour(p, f.theme))
        })
        .collect();
    // Unassigned past their priority's target: flagged.
    let overdue = open.iter().filter(|i| overdue_s(f, i).is_some()).count();
    by_priority.push((
        tr(lang, T::WallOverdueCount).to_owned(),
        overdue,
        Color32::from_rgb(0xe0, 0x30, 0x30),
    ));
    let statuses = [
        UnitStatus::Available,
        UnitStatus::Dispatched,
        UnitStatus::EnRoute,
        UnitStatus::OnScene,
    ];
    let by_status: Vec<(String, usize, Color32)> = statuses
        .into_iter()
        .map(|s| {
            let n = feed.units.values().filter(|u| u.status == s).count();
            (
                unit_status_label(lang, s).to_owned(),
                n,
                status_colour(s, f.theme),
            )
        })
        .collect();
    ui.add_space(t.min * 0.5);
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing = vec2(t.min, t.min * 0.3);
        card(
            ui,
            t,
            tr(lang, T::WallOpenIncidents),
            &by_priority,
            (grey, &age),
        );
        card(ui, t, tr(lang, T::WallUnits), &by_status, (grey, &age));
    });
}

/// `m:ss` of a duration in seconds.
fn min_sec(s: f64) -> String {
    let s = s.round().max(0.0) as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `+12%`, `−5%`, or `—` when there is nothing to compare with.
fn signed_pct(p: Option<f64>) -> String {
    match p {
        Some(p) if p.round() < 0.0 => format!("−{:.0}%", -p),
        Some(p) => format!("+{:.0}%", p),
        None => "—".into(),
    }
}

/// Today's figures from the history: the incidents since midnight against the period before
/// (环比) and a week and a year earlier (同比), and per priority the median call → dispatch
/// and dispatch → arrival against their targets.
fn today_card(ui: &mut Ui, f: &Frame<'_>, t: &Type, grey: bool) {
    let lang = f.lang();
    let today = &f.state.history.today;
    egui::Frame::group(ui.style())
        .inner_margin(t.min * 0.4)
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.label(t.text(tr(lang, T::WallToday), 1.0).strong());
                let Some(a) = &today.figures else {
                    let text = today.failed.as_deref().unwrap_or(tr(lang, T::WallNoData));
                    ui.label(t.text(text, 1.0).color(f.theme.muted_text));
                    return;
                };
                let c = a.to_comparison();
                let strong = |colour: Color32| if grey { Color32::GRAY } else { colour };
                let n = c.current.incidents;
                ui.label(
                    t.text(
                        tr(lang, T::WallTodayIncidents).replace("{n}", &n.to_string()),
                        1.4,
                    )
                    .color(strong(ui.visuals().strong_text_color()))
                    .strong(),
                );
                egui::Grid::new("wall_today_vs")
                    .spacing(vec2(t.min * 0.5, t.min * 0.1))
                    .show(ui, |ui| {
                        for (key, pct) in [
                            (T::WallVsPrevious, c.count_vs_previous()),
                            (T::WallVsWeek, c.count_vs_week()),
                            (T::WallVsYear, c.count_vs_year()),
                        ] {
                            ui.label(t.text(tr(lang, key), 1.0));
                            ui.label(t.text(signed_pct(pct), 1.0).strong());
                            ui.end_row();
                        }
                    });
                ui.add_space(t.min * 0.2);
                let targets = [
                    f.state.settings.targets_s,
                    f.state.settings.arrival_targets_s,
                ];
                egui::Grid::new("wall_today_times")
                    .spacing(vec2(t.min * 0.5, t.min * 0.1))
                    .show(ui, |ui| {
                        ui.label(t.text("", 1.0));
                        ui.label(t.text(tr(lang, T::WallCallToDispatch), 1.0).strong());
                        ui.label(t.text(tr(lang, T::WallDispatchToArrival), 1.0).strong());
                        ui.end_row();
                        for p in 0..4 {
                            ui.label(
                                t.text(format!("P{}", p + 1), 1.0)
                                    .color(strong(priority_colour(p as u8 + 1, f.theme)))
                                    .strong(),
                            );
                            let steps = [
                                c.current.call_to_dispatch[p],
                                c.current.dispatch_to_arrival[p],
                            ];
                            for (d, target) in steps.iter().zip(targets) {
                                let target_s = target[p] as f64;
                                if d.count == 0 {
                                    let text = format!("— / {}", min_sec(target_s));
                                    ui.label(t.text(text, 1.0).color(f.theme.muted_text));
                                    continue;
                                }
                                let colour = if d.median_s > target_s {
                                    Color32::from_rgb(0xe0, 0x30, 0x30)
                                } else {
                                    f.theme.status_ok
                                };
                                let text =
                                    format!("{} / {}", min_sec(d.median_s), min_sec(target_s));
                                ui.label(t.text(text, 1.0).color(strong(colour)).strong());
                            }
                            ui.end_row();
                        }
                    });
                ui.label(
                    t.text(tr(lang, T::WallMedianVsTarget), 1.0)
                        .color(f.theme.muted_text),
                );
                let at = a.current.to_ms;
                let text = tr(lang, T::WallAsOf)
                    .replace("{t}", &clock(at, f.state.settings.utc_offset_min))
                    .replace("{s}", &((f.now_ms - at).max(0) / 1000).to_string());
                ui.label(t.text(text, 1.0).color(if grey {
                    Color32::from_rgb(0xe0, 0x30, 0x30)
                } else {
                    ui.visuals().weak_text_color()
                }));
            });
        });
}

/// The heat view's card: the period, how many incidents it holds, and the data's age.
fn heat_card(ui: &mut Ui, f: &Frame<'_>, t: &Type, grey: bool) {
    let lang = f.lang();
    let a = &f.state.history.analysis;
    egui::Frame::popup(ui.style())
        .fill(ui.visuals().panel_fill)
        .inner_margin(t.min * 0.4)
        .show(ui, |ui| {
            ui.vertical(|ui| {
                let title = tr(lang, T::WallViewHeat).replace("{d}", &a.settings.days.to_string());
                ui.label(t.text(title, 1.0).strong());
                let (Some(grid), Some(w)) = (&a.grid, a.window) else {
                    let text = a.failed.as_deref().unwrap_or(tr(lang, T::WallNoData));
                    ui.label(t.text(text, 1.0).color(f.theme.muted_text));
                    return;
                };
                let n = tr(lang, T::WallHeatCount).replace("{n}", &grid.points.to_string());
                let colour = if grey {
                    Color32::GRAY
                } else {
                    ui.visuals().strong_text_color()
                };
                ui.label(t.text(n, 1.4).color(colour).strong());
                let text = tr(lang, T::WallAsOf)
                    .replace("{t}", &clock(w.to_ms, f.state.settings.utc_offset_min))
                    .replace("{s}", &((f.now_ms - w.to_ms).max(0) / 1000).to_string());
                ui.label(t.text(text, 1.0).color(ui.visuals().weak_text_color()));
            });
        });
}

/// Live coverage: the share of roads and addresses an available unit reaches in 1 and 3
/// minutes now, and when it was computed.
fn coverage_card(ui: &mut Ui, f: &Frame<'_>, t: &Type, grey: bool) {
    let lang = f.lang();
    let Some(wall) = &f.state.wall else {
        return;
    };
    egui::Frame::popup(ui.style())
        .fill(ui.visuals().panel_fill)
        .inner_margin(t.min * 0.4)
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.label(t.text(tr(lang, T::WallCoverage), 1.0).strong());
                let Some((c, at, _)) = &wall.coverage else {
                    ui.label(
                        t.text(tr(lang, T::WallNoData), 1.0)
                            .color(f.theme.muted_text),
                    );
                    return;
                };
                let colour = if grey {
                    Color32::GRAY
                } else {
                    f.theme.status_ok
                };
                for (k, limit) in c.limits_s.iter().enumerate() {
                    let minutes = (limit / 60.0).round() as i64;
                    ui.horizontal(|ui| {
                        let within = tr(lang, T::WallWithin).replace("{m}", &minutes.to_string());
                        ui.label(t.text(within, 1.0).strong());
                        let road = format!("{:.0}%", c.road_share[k] * 100.0);
                        let addr = format!("{:.0}%", c.address_share[k] * 100.0);
                        ui.label(t.text(road, 1.8).color(colour).strong());
                        ui.label(t.text(tr(lang, T::WallRoads), 1.0));
                        ui.label(t.text(addr, 1.8).color(colour).strong());
                        ui.label(t.text(tr(lang, T::WallAddresses), 1.0));
                    });
                }
                // The shading's key: amber past the first limit, red past every one.
                for (k, limit) in c.limits_s.iter().enumerate().take(2) {
                    let minutes = (limit / 60.0).round() as i64;
                    let text = tr(lang, T::WallUncovered).replace("{m}", &minutes.to_string());
                    let last = k + 1 == c.limits_s.len();
                    let swatch = crate::map::layers::shade::SHADE[usize::from(last)];
                    ui.horizontal(|ui| {
                        let (rect, _) =
                            ui.allocate_exact_size(vec2(t.min, t.min), egui::Sense::hover());
                        ui.painter().rect_filled(rect, 2.0, swatch);
                        ui.label(t.text(text, 1.0));
                    });
                }
                let text = tr(lang, T::WallAsOf)
                    .replace("{t}", &clock(*at, f.state.settings.utc_offset_min))
                    .replace("{s}", &((f.now_ms - at).max(0) / 1000).to_string());
                ui.label(t.text(text, 1.0).color(ui.visuals().weak_text_color()));
            });
        });
}

/// How long an unassigned incident has waited, once past its priority's target, seconds.
fn overdue_s(f: &Frame<'_>, i: &Incident) -> Option<i64> {
    let target_s = f.state.settings.targets_s[usize::from(i.priority.clamp(1, 4)) - 1];
    let waited_s = (f.now_ms - i.reported_at_ms) / 1000;
    (i.status == onemap_core::feed::IncidentStatus::New && waited_s > target_s).then_some(waited_s)
}

/// "as of HH:MM:SS (N s)": when the figures were last sent.
fn data_age(f: &Frame<'_>) -> String {
    let Some(at) = f.state.live.last_message_ms else {
        return tr(f.lang(), T::WallNoData).to_owned();
    };
    tr(f.lang(), T::WallAsOf)
        .replace("{t}", &clock(at, f.state.settings.utc_offset_min))
        .replace("{s}", &((f.now_ms - at).max(0) / 1000).to_string())
}

fn ticker(ui: &mut Ui, f: &Frame<'_>, t: &Type, grey: bool) {
    let lang = f.lang();
    let mut open: Vec<&Incident> = f.state.live.feed.open_incidents().collect();
    open.sort_by_key(|i| std::cmp::Reverse((i.reported_at_ms, i.id.clone())));
    let rows = ((ui.available_height() / (t.min * 1.6)).floor() as usize).max(1);
    ui.add_space(t.min * 0.3);
    ui.spacing_mut().item_spacing = vec2(t.min * 0.4, t.min * 0.25);
    for i in open.iter().take(rows) {
        let colour = if grey {
            Color32::GRAY
        } else {
            priority_colour(i.priority, f.theme)
        };
        ui.horizontal(|ui| {
            ui.label(t.text(
                clock(i.reported_at_ms, f.state.settings.utc_offset_min),
                1.0,
            ));
            ui.label(
                t.text(format!("P{}", i.priority), 1.0)
                    .color(colour)
                    .strong(),
            );
            ui.label(t.text(category_label(lang, i.category), 1.0));
            ui.label(
                t.text(incident_status_label(lang, i.status), 1.0)
                    .color(f.theme.muted_text),
            );
            if let Some(late) = overdue_s(f, i) {
                let text = tr(lang, T::WallOverdue)
                    .replace("{m}", &(late / 60).to_string())
                    .replace("{s}", &format!("{:02}", late % 60));
                ui.label(
                    t.text(text, 1.0)
                        .color(Color32::WHITE)
                        .background_color(Color32::from_rgb(0xb0, 0x1c, 0x1c)),
                );
            }
            ui.add(egui::Label::new(t.text(i.address.as_str(), 1.0)).truncate());
        });
    }
    if open.is_empty() {
        // "No open incidents" only when the server said so: never before any data came.
        let key = match f.state.live.last_message_ms {
            Some(_) => T::WallNoOpen,
            None => T::WallNoData,
        };
        ui.label(t.text(tr(lang, key), 1.0).color(f.theme.muted_text));
    }
}

/// A new P1 over everything: what, where, how long it has waited.
fn takeover(ctx: &egui::Context, f: &Frame<'_>, t: &Type, inc: &Incident) {
    let lang = f.lang();
    let colour = priority_colour(1, f.theme);
    egui::Area::new(egui::Id::unique("wall_takeover"))
        .order(egui::Order::Foreground)
        // Top right: the ticker and the cards read from the left, the map is centred on it.
        .anchor(egui::Align2::RIGHT_TOP, vec2(-t.min * 0.3, t.min * 2.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                // Opaque: nothing behind it may show through its text.
                .fill(ui.visuals().panel_fill)
                .stroke(egui::Stroke::new(t.min * 0.15, colour))
                .inner_margin(t.min * 0.6)
                .show(ui, |ui| {
                    // A third of the width: the map, centred on the incident, stays visible.
                    ui.set_max_width(ctx.content_rect().width() * 0.34);
                    let waited = (f.now_ms - inc.reported_at_ms).max(0) / 1000;
                    ui.label(
                        t.text(format!("P1 · {}", category_label(lang, inc.category)), 2.0)
                            .color(colour)
                            .strong(),
                    );
                    ui.add(egui::Label::new(t.text(inc.address.as_str(), 1.2).strong()).wrap());
                    ui.label(
                        t.text(
                            tr(lang, T::WallWaiting)
                                .replace("{m}", &(waited / 60).to_string())
                                .replace("{s}", &format!("{:02}", waited % 60)),
                            1.0,
                        ),
                    );
                    ui.label(
                        t.text(tr(lang, T::WallAwaitAck), 1.0)
                            .color(f.theme.muted_text),
                    );
                });
        });
}
