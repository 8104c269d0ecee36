//! Every panel laid out at 1280×800, 1920×1080 and 3840×2160, in Chinese and in English, against a real
//! feed server: no label runs past the edge of its panel or the window (clipped), and no
//! word is broken letter by letter. Checked in the queue and a waiting incident's details,
//! after a dispatch, on a unit, and with the audit log and the unit board open.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::{demo_city, fake_clock, step_until};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use onemap::app::{AppOptions, OneMapApp};
use onemap::live::FeedSource;
use onemap::model::{Command, Selection};
use onemap::ui::i18n::Lang;
use onemap_core::feed::lifecycle::{CreateIncident, SignOn};
use onemap_core::feed::{Category, Command as FeedCommand, IncidentStatus, Role, UnitId, UnitKind};

/// Width of the left panel (`layouts::console`).
const LEFT_WIDTH: f32 = 270.0;

/// Labels that run past their panel or the window, or are broken letter by letter.
fn layout_faults(h: &Harness<'static, OneMapApp>, size: egui::Vec2, windows: bool) -> Vec<String> {
    let mut faults = Vec::new();
    use egui::accesskit::Role as R;
    let nodes = h
        .query_all_by_role(R::Label)
        .chain(h.query_all_by_role(R::Button))
        .chain(h.query_all_by_role(R::CheckBox));
    for node in nodes {
        let n = node.accesskit_node();
        let text = n.label().or_else(|| n.value()).unwrap_or_default();
        if text.trim().is_empty() {
            continue;
        }
        let r = node.rect();
        // Scrolled out of view vertically is not clipped text.
        if r.max.y < 0.0 || r.min.y > size.y || r.height() <= 0.0 {
            continue;
        }
        let chars = text.chars().count();
        if chars >= 4 && r.width() < 30.0 && r.height() > 3.0 * 18.0 {
            faults.push(format!("broken letter by letter: {text:?} at {r:?}"));
        }
        if r.max.x > size.x + 1.0 || r.min.x < -1.0 {
            faults.push(format!("past the window: {text:?} at {r:?}"));
            continue;
        }
        if windows {
            continue;
        }
        let in_left = r.min.x < LEFT_WIDTH - 1.0 && r.min.y > 30.0 && r.max.y < size.y - 30.0;
        if in_left && r.max.x > LEFT_WIDTH + 1.0 {
            faults.push(format!("past the left panel: {text:?} at {r:?}"));
        }
    }
    faults
}

fn check(h: &Harness<'static, OneMapApp>, size: egui::Vec2, what: &str, windows: bool) {
    let faults = layout_faults(h, size, windows);
    assert!(
        faults.is_empty(),
        "{what} at {size:?}:\n{}",
        faults.join("\n")
    );
}

#[test]
fn every_panel_fits_in_both_languages_from_1280_to_3840() {
    let city = demo_city();
    let clock = fake_clock();
    let server = common::fresh_server("layout", &clock);
    let addresses = &city.osm().addresses;
    // Two units are sent per window size: enough for all three.
    let mut setup: Vec<FeedCommand> = (0..8)
        .map(|k| (k, UnitKind::ALL[k % 4]))
        .map(|(k, kind)| {
            FeedCommand::SignOn(SignOn {
                unit_id: UnitId(format!("U-{k}")),
                call_sign: format!("巡{k:02}"),
                kind,
                position: addresses[500 + 900 * k].pos.into(),
                fix_at_ms: None,
                stale_at_ms: None,
            })
        })
        .collect();
    for (k, category) in Category::ALL.iter().enumerate() {
        let at = &addresses[4000 + 300 * k];
        setup.push(FeedCommand::CreateIncident(CreateIncident {
            category: *category,
            priority: (k % 4) as u8 + 1,
            location: at.pos.into(),
            address: at.label(),
            reported_at_ms: Some(clock.now_ms() - 30_000 * (k as i64 + 1)),
            callback: Some("13812341234".into()),
            notes: vec![],
        }));
    }
    for r in server.submit("test", setup).unwrap() {
        r.unwrap();
    }
    let url = format!("ws://{}", server.addr);
    let sizes = [
        egui::vec2(1280.0, 800.0),
        egui::vec2(1920.0, 1080.0),
        egui::vec2(3840.0, 2160.0),
    ];
    for (n, size) in sizes.into_iter().enumerate() {
        let token = onemap_feed::identity::IdentityDb::open(server.db())
            .unwrap()
            .create(&format!("desk-{n}"), Role::Commander, &[], 0, true)
            .unwrap();
        let mut h = common::harness_sized(
            city.clone(),
            AppOptions {
                feed: FeedSource::External {
                    url: url.clone(),
                    token: Some(token),
                    tls: Default::default(),
                },
                clock: clock.clone(),
                ..AppOptions::default()
            },
            size,
        );
        step_until(&mut h, "the feed", |app| {
            app.live.me.is_some() && app.live.feed.units.len() == 8 && app.plan.ready.is_some()
        });
        for lang in [Lang::Zh, Lang::En] {
            h.state_mut().push(Command::SetLang(lang));
            h.state_mut().push(Command::Select(None));
            h.run_steps(3);
            check(&h, size, &format!("{lang:?} queue"), false);
            h.key_press(egui::Key::J);
            step_until(&mut h, "a recommendation", |app| {
                app.recommendation().is_some_and(|o| o.impact.is_some())
            });
            check(&h, size, &format!("{lang:?} waiting incident"), false);
            let id = match &h.state().selection {
                Some(Selection::Incident(id)) => id.clone(),
                _ => unreachable!(),
            };
            h.key_press(egui::Key::D);
            step_until(&mut h, "the units sent", |app| {
                app.live.feed.incidents[&id].status == IncidentStatus::Dispatched
                    && app.recommendation().is_some_and(|o| o.assigned)
            });
            check(&h, size, &format!("{lang:?} after dispatch"), false);
            h.state_mut()
                .push(Command::Select(Some(Selection::Unit(UnitId::from("U-1")))));
            h.run_steps(3);
            check(&h, size, &format!("{lang:?} a unit"), false);
            h.state_mut().push(Command::OpenAudit(true));
            h.state_mut().push(Command::RefreshAudit);
            h.state_mut().push(Command::OpenUnitBoard(true));
            step_until(&mut h, "the audit page", |app| app.live.audit.is_some());
            check(&h, size, &format!("{lang:?} windows"), true);
            h.state_mut().push(Command::OpenAudit(false));
            h.state_mut().push(Command::OpenUnitBoard(false));
        }
    }
    server.stop();
}
