//! Call intake in the real console against a real feed server on 127.0.0.1: a call-taker
//! presses N, types an address, picks the geocoder's answer, describes the call and creates
//! it; a commander's console sees it in its queue. A second call at the same place is offered
//! as the same event and linked to it instead of opening another incident.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::floor::floor;
use common::step_until;
use egui_kittest::kittest::Queryable as _;
use onemap::model::{Command, Selection};
use onemap::ui::i18n::{Lang, T, tr};
use onemap_core::feed::Role;
use onemap_core::geocode::Found;

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

#[test]
fn a_call_taker_creates_an_incident_by_address_and_a_second_call_is_linked_to_it() {
    let floor = floor("intake", 4, 0);
    // An address of the demo city that the map has exactly, typed as a call-taker hears it.
    let geocoder = floor.city.geocoder_now();
    let address = floor
        .city
        .osm()
        .addresses
        .iter()
        .filter(|a| a.street.is_some() && a.housenumber.chars().all(|c| c.is_ascii_digit()))
        .find(|a| {
            geocoder
                .geocode(&a.label(), 1)
                .first()
                .is_some_and(|p| p.found == Found::Exact && p.label == a.label())
        })
        .expect("a numbered address")
        .clone();
    let label = address.label();
    let typed = label.to_lowercase();
    let mut ct = floor.console_as("ct-1", Role::CallTaker);
    let mut cmd = floor.console("cmd-1");

    let take_call = |ct: &mut egui_kittest::Harness<'static, onemap::app::OneMapApp>,
                     description: &str| {
        ct.key_press(egui::Key::N);
        step_until(ct, "the new-call form", |app| app.intake.is_some());
        ct.get_by_label(zh(T::IntakeAddress)).click();
        ct.run_steps(1);
        ct.get_by_label(zh(T::IntakeAddress)).type_text(&typed);
        step_until(ct, "the geocoder's answer", |app| {
            !app.intake_hits.1.is_empty() && app.intake.as_ref().unwrap().query == app.intake_hits.0
        });
        ct.get_by_label_contains(&format!("{label}  ·")).click();
        step_until(ct, "the place chosen", |app| {
            app.intake.as_ref().unwrap().place.is_some()
        });
        ct.get_by_label(zh(T::IntakeDescription)).click();
        ct.run_steps(1);
        ct.get_by_label(zh(T::IntakeDescription))
            .type_text(description);
        ct.run_steps(2);
    };

    take_call(&mut ct, "Rauch aus einem Fenster");
    let form = ct.state().intake.clone().unwrap();
    let place = form.place.clone().unwrap();
    assert_eq!(place.address, label);
    assert!(onemap_core::coord::haversine_m(place.pos, address.pos) < 1.0);
    ct.get_by_label(zh(T::IntakeCreate)).click();
    step_until(
        &mut ct,
        "the form closed once the server created it",
        |app| app.intake.is_none(),
    );
    step_until(&mut cmd, "the commander sees the new call", |app| {
        app.live.feed.incidents.values().any(|i| i.address == label)
    });
    let incident = cmd
        .state()
        .live
        .feed
        .incidents
        .values()
        .find(|i| i.address == label)
        .unwrap()
        .clone();
    assert_eq!(incident.notes[0].text, "Rauch aus einem Fenster");
    assert_eq!(incident.notes[0].by, "ct-1");
    // In the commander's queue; its details show the timeline from the server.
    cmd.run_steps(3);
    cmd.get_by_label_contains(incident.id.as_str());
    cmd.state_mut()
        .push(Command::Select(Some(Selection::Incident(
            incident.id.clone(),
        ))));
    step_until(&mut cmd, "the incident's timeline", |app| {
        app.live.timeline.as_ref().is_some_and(|t| {
            t.incident_id == incident.id
                && t.entries
                    .iter()
                    .any(|e| e.kind == "create_incident" && e.by == "ct-1" && e.ok)
        })
    });
    cmd.get_by_label(zh(T::Timeline));

    // The same place again: offered as the same event, linked instead of created.
    take_call(&mut ct, "Nachbar meldet Rauch");
    ct.get_by_label(zh(T::IntakeDuplicates));
    ct.get_by_label_contains(&format!("{}  P{}", incident.id, incident.priority));
    ct.get_by_label(zh(T::IntakeLink)).click();
    step_until(&mut ct, "the form closed once the call was linked", |app| {
        app.intake.is_none()
    });
    let id = incident.id.clone();
    step_until(&mut cmd, "the incident counts two calls", |app| {
        app.live.feed.incidents[&id].calls == 2
    });
    let after = &cmd.state().live.feed.incidents;
    assert_eq!(
        after.len(),
        1,
        "no second incident: {:?}",
        after.keys().collect::<Vec<_>>()
    );
    assert!(
        after[&id]
            .notes
            .iter()
            .any(|n| n.text.contains("Nachbar meldet Rauch"))
    );
}
