//! `onemap-feed bench`: load on a real server over loopback with the real client code.
//!
//! An in-process server (no simulator) with `units` units reporting at 1 Hz and an incident a
//! second, `clients` console clients, for `seconds`; then a burst of 10,000 position updates a
//! second for 3 s. Everything enters as commands through the same rules as any producer's. Prints throughput, latency from just before the append to the log until a
//! client has the parsed event, incident loss (must be 0), positions coalesced for clients
//! that fell behind, and the process's peak memory (server and all clients together).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onemap_core::feed::lifecycle::{CreateIncident, ReportPosition, SignOn};
use onemap_core::feed::{Category, Command, Position, ServerEvent, UnitKind};

use crate::client::{ClientConfig, ClientEvent, FeedClient};
use crate::clock::system_now_ms;
use crate::server::{ServerConfig, start};

struct Received {
    /// (seq, when) of every state event, in arrival order.
    events: Vec<(u64, Instant)>,
    incidents: usize,
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn position(u: usize, k: u64) -> Command {
    let t = k as f64 * 1e-5;
    Command::ReportPosition(ReportPosition {
        unit_id: format!("B-{u:04}").as_str().into(),
        position: Position([
            13.20 + (u % 50) as f64 * 0.002 + t,
            53.52 + (u / 50) as f64 * 0.002,
        ]),
        heading_deg: 90.0,
        speed_kmh: 30.0,
        fix_at_ms: system_now_ms(),
    })
}

fn incident(n: u64) -> Command {
    Command::CreateIncident(CreateIncident {
        category: Category::ALL[(n % 9) as usize],
        priority: (n % 4) as u8 + 1,
        location: Position([13.26, 53.55]),
        address: format!("Lasttest {n}"),
        reported_at_ms: None,
    })
}

pub fn run(clients: usize, units: usize, seconds: u64) -> anyhow::Result<()> {
    let db = std::env::temp_dir().join(format!("onemap-feed-bench-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let server = start(ServerConfig::new(([127, 0, 0, 1], 0).into(), db.clone()))?;
    let url = format!("ws://{}", server.addr);
    server.submit(
        "bench",
        (0..units)
            .map(|u| {
                Command::SignOn(SignOn {
                    unit_id: format!("B-{u:04}").as_str().into(),
                    call_sign: format!("B{u}"),
                    kind: UnitKind::PatrolCar,
                    position: Position([13.2, 53.5]),
                })
            })
            .collect(),
    )?;

    // Clients, each drained by its own thread as the console's logic() would.
    let done = Arc::new(AtomicBool::new(false));
    let backlog = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut handles = Vec::new();
    for c in 0..clients {
        let mut client =
            FeedClient::spawn(ClientConfig::new(url.clone(), format!("bench-{c}")), || {})?;
        let (done, backlog) = (done.clone(), backlog.clone());
        handles.push(std::thread::spawn(move || {
            let mut r = Received {
                events: Vec::with_capacity(200_000),
                incidents: 0,
            };
            while !done.load(Ordering::SeqCst) {
                match client.try_recv() {
                    Some(ClientEvent::Event(env)) if env.event.is_state() => {
                        r.events.push((env.seq, Instant::now()));
                        if matches!(env.event, ServerEvent::IncidentCreated(_)) {
                            r.incidents += 1;
                        }
                    }
                    Some(_) => {}
                    None => {
                        backlog.fetch_max(client.backlog(), Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            }
            client.stop();
            r
        }));
    }
    std::thread::sleep(Duration::from_millis(500));

    let sent: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let mut incidents_sent = 0u64;
    let mut positions_sent = 0u64;
    let publish = |commands: Vec<Command>| -> anyhow::Result<()> {
        let t0 = Instant::now();
        let results = server.submit("bench", commands)?;
        let mut s = sent.lock().unwrap_or_else(|e| e.into_inner());
        for seqs in results.into_iter().flatten() {
            for q in seqs {
                s.insert(q, t0);
            }
        }
        Ok(())
    };
    let started = Instant::now();
    // Steady: units at 1 Hz in 10 slices a second, an incident a second.
    let mut k = 0u64;
    let steady_end = started + Duration::from_secs(seconds);
    let mut next = started;
    while Instant::now() < steady_end {
        let slice = (k % 10) as usize;
        let batch: Vec<Command> = (0..units)
            .filter(|u| u % 10 == slice)
            .map(|u| position(u, k))
            .collect();
        positions_sent += batch.len() as u64;
        publish(batch)?;
        if k.is_multiple_of(10) {
            publish(vec![incident(incidents_sent)])?;
            incidents_sent += 1;
        }
        k += 1;
        next += Duration::from_millis(100);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    let steady_s = started.elapsed().as_secs_f64();
    let burst_from = server.state()?.last_seq;
    // Burst: 10,000 positions a second for 3 s (100 every 10 ms), incidents twice a second.
    let burst_start = Instant::now();
    let mut next = burst_start;
    let mut j = 0u64;
    while burst_start.elapsed() < Duration::from_secs(3) {
        let batch: Vec<Command> = (0..100)
            .map(|i| position((j as usize * 100 + i) % units, j))
            .collect();
        positions_sent += 100;
        publish(batch)?;
        if j.is_multiple_of(50) {
            publish(vec![incident(incidents_sent)])?;
            incidents_sent += 1;
        }
        j += 1;
        next += Duration::from_millis(10);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    let burst_s = burst_start.elapsed().as_secs_f64();
    let last_seq = server.state()?.last_seq;
    // Let the clients catch up (up to 15 s), then stop.
    let wait = Instant::now();
    while wait.elapsed() < Duration::from_secs(15) {
        backlog.store(0, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(200));
        let behind = backlog.load(Ordering::SeqCst) > 0;
        if !behind && wait.elapsed() > Duration::from_secs(1) {
            break;
        }
    }
    done.store(true, Ordering::SeqCst);
    let received: Vec<Received> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
    let total_s = started.elapsed().as_secs_f64();

    let sent = sent.lock().unwrap_or_else(|e| e.into_inner());
    let mut latencies: Vec<f64> = Vec::new();
    let mut steady: Vec<f64> = Vec::new();
    let mut delivered = 0usize;
    let mut incidents_got = 0usize;
    let mut all_got_last = true;
    for r in &received {
        delivered += r.events.len();
        incidents_got += r.incidents;
        all_got_last &= r.events.last().is_some_and(|(s, _)| *s >= last_seq);
        for (seq, at) in &r.events {
            if let Some(t0) = sent.get(seq) {
                let ms = at.duration_since(*t0).as_secs_f64() * 1e3;
                latencies.push(ms);
                if *seq <= burst_from {
                    steady.push(ms);
                }
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    steady.sort_by(f64::total_cmp);
    let pct_of = |v: &[f64], q: f64| {
        v.get(((v.len().max(1) - 1) as f64 * q) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let pct = |q: f64| pct_of(&latencies, q);
    let published = positions_sent + incidents_sent;
    let expected_incidents = incidents_sent as usize * received.len();
    let expected_all = published as usize * received.len();
    println!(
        "feed load: {} clients, {units} units at 1 Hz + 1 incident/s for {steady_s:.1} s, then 10,000 positions/s for {burst_s:.1} s",
        received.len()
    );
    println!(
        "published: {published} events ({positions_sent} positions, {incidents_sent} incidents), each appended to the SQLite log before broadcast"
    );
    println!(
        "delivered: {delivered} events to clients in {total_s:.1} s = {:.0} events/s; server-side publish rate in the burst {:.0} events/s",
        delivered as f64 / total_s,
        (100.0 * j as f64) / burst_s
    );
    println!(
        "latency, append → client has the parsed event: steady p50 {:.2} ms, p99 {:.2} ms; \
         overall incl. burst p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms",
        pct_of(&steady, 0.5),
        pct_of(&steady, 0.99),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "incident events: {incidents_got} of {expected_incidents} delivered (lost: {}); every client reached the last seq: {all_got_last}",
        expected_incidents - incidents_got.min(expected_incidents)
    );
    println!(
        "positions coalesced for clients that fell behind: {} of {}",
        expected_all.saturating_sub(delivered),
        positions_sent as usize * received.len()
    );
    if let Some(mib) = peak_rss_mib() {
        println!(
            "peak memory of the process (server + {} clients): {mib:.0} MiB",
            received.len()
        );
    }
    server.stop();
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    Ok(())
}
