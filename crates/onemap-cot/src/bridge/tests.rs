use super::*;
use onemap_core::feed::lifecycle::CreateIncident;
use onemap_core::feed::{Category, Envelope, Note, UnitKind, decide};

const T0: i64 = 1_796_000_000_000;

/// Carries a command out as the server would; panics on a refusal.
fn run(state: &mut FeedState, c: &Command, now: i64) {
    let events = decide(state, c, now, "bridge").unwrap_or_else(|r| panic!("{c:?}: {r}"));
    for e in events {
        let env = Envelope::new(state.last_seq + 1, now, e);
        state.apply(&env);
    }
}

fn report(uid: &str, t: i64, lon: f64) -> CotEvent {
    CotEvent {
        uid: uid.into(),
        cot_type: "a-f-G-E-V-C".into(),
        how: "m-g".into(),
        time_ms: t,
        start_ms: t,
        stale_ms: t + 10_000,
        point: Point {
            lat: 53.55,
            lon,
            hae: UNKNOWN,
            ce: UNKNOWN,
            le: UNKNOWN,
        },
        callsign: Some("Alpha 1".into()),
        course_deg: Some(90.0),
        speed_mps: Some(10.0),
        remarks: None,
        link_uid: None,
    }
}

#[test]
fn a_tak_unit_signs_on_reports_and_leaves_after_it_went_stale() {
    let mut b = Bridge::new(BridgeConfig::default());
    let mut state = FeedState::default();
    let first = b.inbound(&report("ANDROID-1", T0, 13.26), &state).unwrap();
    let Command::SignOn(s) = &first else {
        panic!("{first:?}")
    };
    assert_eq!(
        (s.unit_id.as_str(), s.call_sign.as_str(), s.kind),
        ("cot:ANDROID-1", "Alpha 1", UnitKind::PatrolCar)
    );
    assert_eq!(
        s.stale_at_ms,
        Some(T0 + 10_000),
        "the report's stale goes with it"
    );
    run(&mut state, &first, T0);
    let unit = &state.units[&UnitId::new("cot:ANDROID-1")];
    assert!(!unit.fix_is_stale(T0 + 10_000) && unit.fix_is_stale(T0 + 10_001));
    // The same event again (heard twice): skipped; a newer one: a position report.
    assert_eq!(
        b.inbound(&report("ANDROID-1", T0, 13.26), &state),
        Err(Skip::NotNewer)
    );
    let next = b
        .inbound(&report("ANDROID-1", T0 + 1000, 13.27), &state)
        .unwrap();
    let Command::ReportPosition(p) = &next else {
        panic!("{next:?}")
    };
    assert!((p.speed_kmh - 36.0).abs() < 1e-9 && p.heading_deg == 90.0);
    run(&mut state, &next, T0 + 1000);
    // Stale at T0 + 11 s; it leaves a minute after.
    assert!(b.expire(T0 + 11_000 + 60_000, &state).is_empty());
    let gone = b.expire(T0 + 11_001 + 60_000, &state);
    assert_eq!(
        gone,
        vec![Command::SignOff(SignOff {
            unit_id: "cot:ANDROID-1".into()
        })]
    );
    assert_eq!(b.tracked(), 0);
}

#[test]
fn our_own_events_hostiles_and_markers_are_not_taken_in() {
    let mut b = Bridge::new(BridgeConfig::default());
    let state = FeedState::default();
    assert_eq!(
        b.inbound(&report("onemap.U-1", T0, 13.2), &state),
        Err(Skip::Echo)
    );
    let mut hostile = report("h", T0, 13.2);
    hostile.cot_type = "a-h-G".into();
    assert_eq!(b.inbound(&hostile, &state), Err(Skip::NotAUnit));
    assert_eq!(
        b.inbound(&delete("onemap.U-1", T0), &state),
        Err(Skip::Echo)
    );
    let full = &mut Bridge::new(BridgeConfig {
        max_tracked: 1,
        ..BridgeConfig::default()
    });
    assert!(full.inbound(&report("a", T0, 13.2), &state).is_ok());
    assert_eq!(
        full.inbound(&report("b", T0, 13.2), &state),
        Err(Skip::Full)
    );
}

#[test]
fn a_delete_signs_the_unit_off_at_once() {
    let mut b = Bridge::new(BridgeConfig::default());
    let mut state = FeedState::default();
    let c = b.inbound(&report("x", T0, 13.2), &state).unwrap();
    run(&mut state, &c, T0);
    let mut d = delete("x", T0 + 5);
    d.uid = "x-gone".into();
    assert_eq!(
        b.inbound(&d, &state),
        Ok(Command::SignOff(SignOff {
            unit_id: "cot:x".into()
        }))
    );
}

#[test]
fn uids_that_are_not_ids_get_a_stable_hashed_id() {
    assert_eq!(unit_id_for("ANDROID-9f.1").as_str(), "cot:ANDROID-9f.1");
    let odd = unit_id_for("a uid with spaces/and slashes");
    assert!(odd.as_str().starts_with("cot:~") && odd.as_str().len() == 21);
    assert_eq!(odd, unit_id_for("a uid with spaces/and slashes"));
    assert_ne!(odd, unit_id_for("a uid with spaces/and slashes!"));
    assert!(unit_id_for(&"x".repeat(61)).as_str().starts_with("cot:~"));
}

#[test]
fn the_picture_goes_out_without_echoes_private_data_or_repeats() {
    let mut b = Bridge::new(BridgeConfig::default());
    let mut state = FeedState::default();
    let ours = Command::SignOn(SignOn {
        unit_id: "U-1".into(),
        call_sign: "巡01".into(),
        kind: UnitKind::Motorbike,
        position: Position([13.26, 53.55]),
        fix_at_ms: Some(T0),
        stale_at_ms: None,
    });
    run(&mut state, &ours, T0);
    let theirs = b.inbound(&report("ANDROID-1", T0, 13.3), &state).unwrap();
    run(&mut state, &theirs, T0);
    let call = Command::CreateIncident(CreateIncident {
        category: Category::Theft,
        priority: 2,
        location: Position([13.27, 53.56]),
        address: "Turmstraße 3".into(),
        reported_at_ms: None,
        callback: Some("13812345678".into()),
        notes: vec![Note::new("caller is the neighbour", true)],
    });
    run(&mut state, &call, T0);

    let out = b.outbound(T0, &state);
    let uids: Vec<&str> = out.iter().map(|e| e.uid.as_str()).collect();
    assert_eq!(uids, ["onemap.U-1", "onemap.incident.I-000001"]);
    let unit = &out[0];
    assert_eq!(
        (unit.cot_type.as_str(), unit.callsign.as_deref()),
        ("a-f-G-E-V-C-M", Some("巡01"))
    );
    assert_eq!(unit.stale_ms - unit.time_ms, 15_000, "3× the interval");
    let remarks = out[1].remarks.as_deref().unwrap();
    assert!(remarks.contains("Turmstraße 3") && remarks.starts_with("P2 theft"));
    for e in &out {
        let xml = e.to_xml();
        assert!(
            !xml.contains("1381234") && !xml.contains("neighbour"),
            "{xml}"
        );
    }
    // Nothing changed: nothing until the interval; then all again.
    assert!(b.outbound(T0 + 4_999, &state).is_empty());
    assert_eq!(b.outbound(T0 + 5_000, &state).len(), 2);
    // A sign-off and a closed incident: deletes linking their uids.
    run(
        &mut state,
        &Command::SignOff(SignOff {
            unit_id: "U-1".into(),
        }),
        T0 + 5_100,
    );
    let out = b.outbound(T0 + 5_100, &state);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].cot_type.as_str(), out[0].link_uid.as_deref()),
        ("t-x-d-d", Some("onemap.U-1"))
    );
    // After a reconnect, the whole picture again.
    b.republish();
    assert_eq!(b.outbound(T0 + 5_200, &state).len(), 1);
}
