//! History from the log: the state replayed at a moment equals what a real client held at
//! that moment; figures of logged incidents equal the hand counts; positions are thinned past
//! the full-rate age and tracks are thinned to what is asked; queries go through the role
//! table and redaction like everything else.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Console, call, commander, sign_on, temp_db, token, world};
use onemap_core::feed::history::HistoryQuery;
use onemap_core::feed::lifecycle::CreateIncident;
use onemap_core::feed::period::{DAY_MS, WEEK_MS};
use onemap_core::feed::wire::{HistoryAnswer, HistoryBody};
use onemap_core::feed::{
    Category, ClientEnvelope, ClientMessage, Command, Envelope, FeedState, Incident,
    IncidentStatus, IncidentTimes, Position, Role, ServerEvent, UnitPosition,
};
use onemap_feed::client::ClientEvent;
use onemap_feed::server::{ServerConfig, start};
use onemap_feed::sim::SimConfig;
use onemap_feed::store::{Batch, EventStore, Retention, SqliteStore, figures};

fn ask(c: &mut Console, id: &str, query: HistoryQuery) -> HistoryBody {
    c.other.clear();
    c.client
        .send(ClientEnvelope::request(
            id.into(),
            None,
            ClientMessage::History(query),
        ))
        .unwrap();
    let mine =
        |e: &ServerEvent| matches!(e, ServerEvent::History(a) if a.request_id.as_str() == id);
    c.pump_until(|c| c.other.iter().any(mine));
    c.other
        .iter()
        .find_map(|e| match e {
            ServerEvent::History(HistoryAnswer { request_id, body })
                if request_id.as_str() == id =>
            {
                Some(body.clone())
            }
            _ => None,
        })
        .unwrap()
}

/// A real client on a real server with the simulator: at moments between two of the
/// server's batches (the last event applied is older than the next one), the client's state
/// is recorded; afterwards the history's state at each moment must equal it.
#[test]
fn the_state_at_a_moment_equals_what_a_client_held_then() {
    let db = temp_db("state-at");
    let tok = commander(&db, "desk");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), db.clone());
    config.world = Some(Box::new(world));
    config.sim = SimConfig {
        seed: 3,
        units: 8,
        incidents_per_hour: 2_000.0,
        report_interval_ms: 400,
        auto_dispatch_after_ms: Some(1_000),
        on_scene_ms: (1_000, 3_000),
        initial_incidents: 4,
    };
    // Snapshots often, so the answer starts from one and adds events after it.
    config.hub.snapshot_every = 40;
    let server = start(config).unwrap();
    let url = format!("ws://{}", server.addr);
    let mut c = Console::connect(&url, &tok);
    let mut recorded: Vec<(i64, FeedState)> = Vec::new();
    let mut held: Option<(i64, FeedState)> = None;
    let end = Instant::now() + Duration::from_secs(8);
    while Instant::now() < end || recorded.len() < 5 {
        assert!(
            Instant::now() < end + Duration::from_secs(20),
            "too few moments"
        );
        let Some(ClientEvent::Event(env)) = c.client.recv_timeout(Duration::from_millis(50)) else {
            continue;
        };
        if !env.event.is_state() && !matches!(env.event, ServerEvent::Snapshot(_)) {
            continue;
        }
        if let Some((t, state)) = held.take()
            && env.ts > t
            && recorded.last().is_none_or(|(last, _)| t - last > 1_000)
        {
            recorded.push((t, state));
        }
        c.state.apply(&env);
        held = Some((env.ts, c.state.clone()));
    }
    assert!(recorded.len() >= 5, "{} moments", recorded.len());
    for (k, (t, state)) in recorded.iter().enumerate() {
        let HistoryBody::State(answer) = ask(
            &mut c,
            &format!("s{k}"),
            HistoryQuery::StateAt { at_ms: *t },
        ) else {
            panic!("no state");
        };
        assert_eq!(answer.seq, state.last_seq, "moment {k}");
        let mut replayed = FeedState::default();
        replayed.apply(&Envelope::new(
            answer.seq,
            *t,
            ServerEvent::Snapshot(answer.state.clone()),
        ));
        assert_eq!(
            replayed.incidents, state.incidents,
            "incidents at moment {k}"
        );
        assert_eq!(replayed.units, state.units, "units at moment {k}");
    }
    // The moments straddle snapshots: the answers did not all come from one.
    let size = SqliteStore::open(&db)
        .unwrap()
        .reader()
        .unwrap()
        .size()
        .unwrap();
    assert!(size.snapshots >= 2, "{size:?}");
    drop(server);
}

const MON: i64 = 1_795_392_000_000; // 2026-11-23 00:00 UTC, a Monday
const H: i64 = 3_600_000;

fn incident(n: u32, category: Category, priority: u8, at: i64, c2d_s: Option<i64>) -> Incident {
    let dispatched = c2d_s.map(|s| at + s * 1000);
    Incident {
        id: format!("I-{n:06}").as_str().into(),
        category,
        priority,
        location: Position([13.26, 53.55]),
        address: "Markt 1".into(),
        reported_at_ms: at,
        status: IncidentStatus::New,
        assigned_units: vec![],
        times: IncidentTimes::default(),
        callback: Some("13812341234".into()),
        notes: vec![],
        acknowledged: None,
        calls: 1,
    }
    .with_times(dispatched, dispatched.map(|d| d + 300_000))
}

trait WithTimes {
    fn with_times(self, dispatched: Option<i64>, on_scene: Option<i64>) -> Self;
}

impl WithTimes for Incident {
    fn with_times(mut self, dispatched: Option<i64>, on_scene: Option<i64>) -> Incident {
        self.times.dispatched_at_ms = dispatched;
        self.times.on_scene_at_ms = on_scene;
        self
    }
}

/// Figures from the log equal the hand counts: each incident is logged as created and then
/// updated (the figures use its latest record), in four windows.
#[test]
fn figures_from_the_log_equal_the_hand_counts() {
    let db = temp_db("figures");
    let mut store = SqliteStore::open(&db).unwrap();
    let fixture = [
        // The window, Monday: P1 dispatched after 20, 40, 60, 100 s; one P2 never dispatched.
        incident(1, Category::Theft, 1, MON + 8 * H, Some(20)),
        incident(2, Category::Theft, 1, MON + 8 * H + 5, Some(60)),
        incident(3, Category::Robbery, 1, MON + 13 * H, Some(40)),
        incident(4, Category::Theft, 1, MON + 20 * H, Some(100)),
        incident(5, Category::Fire, 2, MON + 23 * H, None),
        // The day before (环比): two.
        incident(6, Category::Theft, 3, MON - 3 * H, Some(200)),
        incident(7, Category::Theft, 3, MON - 10 * H, Some(400)),
        // A week before (同比): none. A year before: four.
        incident(8, Category::Dispute, 4, MON - 365 * DAY_MS + H, Some(30)),
        incident(
            9,
            Category::Dispute,
            4,
            MON - 365 * DAY_MS + 2 * H,
            Some(30),
        ),
        incident(
            10,
            Category::Dispute,
            4,
            MON - 365 * DAY_MS + 3 * H,
            Some(30),
        ),
        incident(
            11,
            Category::Dispute,
            4,
            MON - 365 * DAY_MS + 4 * H,
            Some(30),
        ),
    ];
    let mut seq = 0;
    for i in &fixture {
        // Created without times, then updated with them: the latest record counts.
        let created = Incident {
            times: IncidentTimes::default(),
            ..i.clone()
        };
        seq += 2;
        let events = [
            Envelope::new(
                seq - 1,
                i.reported_at_ms,
                ServerEvent::IncidentCreated(created),
            ),
            Envelope::new(
                seq,
                i.reported_at_ms + 1,
                ServerEvent::IncidentUpdated(i.clone()),
            ),
        ];
        store
            .append(&Batch {
                events: &events,
                ..Batch::default()
            })
            .unwrap();
    }
    let mut reader = store.reader().unwrap();
    let day = onemap_core::feed::period::Window::new(MON, MON + DAY_MS).unwrap();
    let c = figures(reader.as_mut(), day, 480).unwrap();
    let f = &c.current;
    assert_eq!(f.incidents, 5);
    assert_eq!(f.by_priority, [4, 1, 0, 0]);
    assert_eq!(f.by_category[&Category::Theft], 3);
    assert_eq!(f.by_category[&Category::Robbery], 1);
    // Local time UTC+8: 08:00 UTC Monday is hour 16 of the week.
    assert_eq!(f.by_hour_of_week[16], 2);
    assert_eq!(f.by_hour_of_week[21], 1);
    // 20:00 and 23:00 UTC are Tuesday 04:00 and 07:00 local.
    assert_eq!(f.by_hour_of_week[24 + 4], 1);
    assert_eq!(f.by_hour_of_week[24 + 7], 1);
    // P1 call → dispatch 20, 40, 60, 100 s: median (nearest rank of index 1.5 → 2) 60,
    // p90 (index 2.7 → 3) 100. Dispatch → arrival 300 s each.
    let p1 = f.call_to_dispatch[0];
    assert_eq!((p1.count, p1.median_s, p1.p90_s), (4, 60.0, 100.0));
    assert_eq!(f.dispatch_to_arrival[0].median_s, 300.0);
    assert_eq!(
        f.call_to_dispatch[1].count, 0,
        "never dispatched: no figure"
    );
    assert_eq!(c.previous.incidents, 2);
    assert_eq!(c.count_vs_previous(), Some(150.0));
    assert_eq!(c.previous.call_to_dispatch[2].median_s, 400.0);
    assert_eq!(c.week_earlier.incidents, 0);
    assert_eq!(c.count_vs_week(), None, "a zero base has no ratio");
    assert_eq!(c.year_earlier.incidents, 4);
    assert_eq!(c.count_vs_year(), Some(25.0));
    let _ = WEEK_MS;
}

/// Ten days of two units at one fix per 10 s: past seven days one fix a minute remains per
/// unit, the last seven days are whole, and a track is thinned to what was asked.
#[test]
fn positions_are_thinned_past_the_full_rate_age_and_tracks_to_what_is_asked() {
    let db = temp_db("retain");
    let mut store = SqliteStore::open(&db).unwrap();
    let start = MON - 10 * DAY_MS;
    let mut seq = 0;
    let mut batch = Vec::new();
    let mut t = start;
    while t < MON {
        for unit in ["U-1", "U-2"] {
            seq += 1;
            batch.push(Envelope::new(
                seq,
                t,
                ServerEvent::UnitPosition(UnitPosition {
                    id: unit.into(),
                    position: Position([13.26 + (t - start) as f64 * 1e-10, 53.55]),
                    heading_deg: 0.0,
                    speed_kmh: 30.0,
                    fix_at_ms: t,
                    stale_at_ms: None,
                }),
            ));
        }
        if batch.len() >= 10_000 {
            store
                .append(&Batch {
                    events: &batch,
                    ..Batch::default()
                })
                .unwrap();
            batch.clear();
        }
        t += 10_000;
    }
    store
        .append(&Batch {
            events: &batch,
            ..Batch::default()
        })
        .unwrap();
    let mut reader = store.reader().unwrap();
    let before = reader.size().unwrap();
    assert_eq!(before.positions, 2 * 10 * 8_640);
    let retention = Retention {
        chunk: 5_000,
        ..Retention::default()
    };
    let mut steps = 0;
    while store.retain(MON, &retention).unwrap() > 0 {
        steps += 1;
        assert!(steps < 1_000, "retention never caught up");
    }
    assert!(steps > 1, "bounded steps");
    let old = reader
        .tracks(Some(&"U-1".into()), start, start + DAY_MS, 1_000_000)
        .unwrap();
    let n_old = old[0].points.len();
    // One a minute, and a few more where a chunk's edge split a minute.
    assert!(
        (1_440..1_440 + 30).contains(&n_old),
        "{n_old} fixes on an old day"
    );
    let recent = reader
        .tracks(Some(&"U-1".into()), MON - DAY_MS, MON, 1_000_000)
        .unwrap();
    assert_eq!(recent[0].points.len(), 8_640, "a recent day is whole");
    let thinned = reader
        .tracks(Some(&"U-1".into()), MON - DAY_MS, MON, 100)
        .unwrap();
    assert_eq!(thinned[0].points.len(), 100);
    assert_eq!(thinned[0].points[0], recent[0].points[0]);
    assert_eq!(thinned[0].points.last(), recent[0].points.last());
    let both = reader.tracks(None, MON - H, MON, 50).unwrap();
    assert_eq!(both.len(), 2);
    let after = reader.size().unwrap();
    assert!(after.positions < before.positions * 8 / 10, "{after:?}");
}

/// Through the server: a wall gets past states without callback numbers, a device may not
/// ask, a window that is empty or too long is refused with the reason.
#[test]
fn history_queries_obey_the_role_table_and_redaction() {
    let db = temp_db("history-roles");
    let desk = commander(&db, "desk");
    let wall = token(&db, "wall-1", Role::Wall);
    let device = onemap_feed::identity::IdentityDb::open(&db)
        .unwrap()
        .create(
            "car-1",
            Role::Device,
            &["U-1".into()],
            onemap_feed::clock::system_now_ms(),
            true,
        )
        .unwrap();
    let server = start(ServerConfig::new("127.0.0.1:0".parse().unwrap(), db)).unwrap();
    let now = onemap_feed::clock::system_now_ms();
    let mut create = call("Marktplatz 1", now);
    if let Command::CreateIncident(CreateIncident { callback, .. }) = &mut create {
        *callback = Some("13812341234".into());
    }
    server.submit("test", vec![sign_on("U-1"), create]).unwrap();
    let url = format!("ws://{}", server.addr);
    let mut d = Console::connect(&url, &desk);
    d.pump_until(|c| !c.state.incidents.is_empty());
    std::thread::sleep(Duration::from_millis(20));
    let at = onemap_feed::clock::system_now_ms();
    let HistoryBody::State(s) = ask(&mut d, "d1", HistoryQuery::StateAt { at_ms: at }) else {
        panic!()
    };
    assert_eq!(
        s.state.incidents[0].callback.as_deref(),
        Some("13812341234")
    );
    let mut w = Console::connect(&url, &wall);
    let HistoryBody::State(s) = ask(&mut w, "w1", HistoryQuery::StateAt { at_ms: at }) else {
        panic!()
    };
    assert_eq!(s.state.incidents.len(), 1);
    assert_eq!(
        s.state.incidents[0].callback, None,
        "a wall never gets a callback number"
    );
    let HistoryBody::Events { events, more } = ask(
        &mut w,
        "w2",
        HistoryQuery::Events {
            from_ms: now - 60_000,
            to_ms: at + 1,
            after_seq: 0,
            limit: 100,
        },
    ) else {
        panic!()
    };
    assert!(!more && events.len() >= 2);
    assert!(events.iter().all(|e| match &e.event {
        ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) => i.callback.is_none(),
        _ => true,
    }));
    let HistoryBody::Failed { code, message } = ask(
        &mut w,
        "w3",
        HistoryQuery::Figures {
            from_ms: at,
            to_ms: at,
            utc_offset_min: 0,
        },
    ) else {
        panic!()
    };
    assert_eq!(code, "bad_query");
    assert!(message.contains("empty"), "{message}");
    let mut dev = Console::connect(&url, &device);
    dev.client
        .send(ClientEnvelope::request(
            "x1".into(),
            None,
            ClientMessage::History(HistoryQuery::StateAt { at_ms: at }),
        ))
        .unwrap();
    dev.pump_until(|c| {
        c.other
            .iter()
            .any(|e| matches!(e, ServerEvent::Error(e) if e.code == "forbidden"))
    });
}
