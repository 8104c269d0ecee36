//! `onemap-feed bench`: load on a real server over loopback with the real client code.
//!
//! An in-process server (no simulator) with `units` units reporting at 1 Hz and an incident a
//! second, `clients` console clients, for `seconds`; then a burst of 10,000 position updates a
//! second for 3 s; then the steady load again for 5 s while one identity floods the server
//! with commands as fast as it can write them (reconnecting whenever it is cut off).
//! Everything enters as commands through the same rules as any producer's. Prints
//! throughput, latency from just before the append to the log until a client has the parsed
//! event, incident loss (must be 0), positions coalesced for clients that fell behind, the
//! others' latency under the flood against the steady phase, and the process's peak memory
//! (server and all clients together).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use onemap_core::feed::lifecycle::{CreateIncident, ReportPosition, SignOn};
use onemap_core::feed::{Category, Command, Position, ServerEvent, UnitKind};

use crate::client::{ClientConfig, ClientEvent, FeedClient};
use crate::clock::system_now_ms;
use crate::identity::IdentityDb;
use crate::server::{ServerConfig, ServerHandle, start};

struct Received {
    /// (seq, when) of every state event, in arrival order.
    events: Vec<(u64, Instant)>,
    /// Per state event, milliseconds from the hub stamping it (its `ts`, just before the
    /// append to the log) to the client having it parsed.
    since_log_ms: Vec<i64>,
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
        stale_at_ms: None,
    })
}

fn incident(n: u64) -> Command {
    Command::CreateIncident(CreateIncident {
        category: Category::ALL[(n % 9) as usize],
        priority: (n % 4) as u8 + 1,
        location: Position([13.26, 53.55]),
        address: format!("Lasttest {n}"),
        reported_at_ms: None,
        callback: None,
        notes: vec![],
    })
}

/// Clients, each drained by its own thread as the console's `logic()` would.
struct Clients {
    done: Arc<AtomicBool>,
    /// The largest backlog any client saw since it was last reset.
    backlog: Arc<std::sync::atomic::AtomicUsize>,
    handles: Vec<std::thread::JoinHandle<Received>>,
}

impl Clients {
    fn spawn(url: &str, token: &str, n: usize) -> anyhow::Result<Clients> {
        let done = Arc::new(AtomicBool::new(false));
        let backlog = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut handles = Vec::new();
        for c in 0..n {
            let config = ClientConfig {
                token: Some(token.to_owned()),
                ..ClientConfig::new(url.to_owned(), format!("bench-{c}"))
            };
            let mut client = FeedClient::spawn(config, || {})?;
            let (done, backlog) = (done.clone(), backlog.clone());
            handles.push(std::thread::spawn(move || {
                let mut r = Received {
                    events: Vec::with_capacity(200_000),
                    since_log_ms: Vec::with_capacity(200_000),
                    incidents: 0,
                };
                while !done.load(Ordering::SeqCst) {
                    let event = client.recv_timeout(Duration::from_millis(20));
                    backlog.fetch_max(client.backlog(), Ordering::SeqCst);
                    if let Some(ClientEvent::Event(env)) = event
                        && env.event.is_state()
                    {
                        r.events.push((env.seq, Instant::now()));
                        r.since_log_ms.push(system_now_ms() - env.ts);
                        if matches!(env.event, ServerEvent::IncidentCreated(_)) {
                            r.incidents += 1;
                        }
                    }
                }
                client.stop();
                r
            }));
        }
        Ok(Clients {
            done,
            backlog,
            handles,
        })
    }

    /// Let the clients catch up (up to 15 s), then stop them; what each received.
    fn finish(self) -> Vec<Received> {
        let wait = Instant::now();
        while wait.elapsed() < Duration::from_secs(15) {
            self.backlog.store(0, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
            let behind = self.backlog.load(Ordering::SeqCst) > 0;
            if !behind && wait.elapsed() > Duration::from_secs(1) {
                break;
            }
        }
        self.done.store(true, Ordering::SeqCst);
        self.handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .collect()
    }
}

/// Sends the load and remembers when each event's seq was submitted.
struct Publisher<'a> {
    server: &'a ServerHandle,
    units: usize,
    sent: HashMap<u64, Instant>,
    /// How long each submit took (the rules, the log, the broadcast), ms.
    submit_ms: Vec<f64>,
    positions: u64,
    incidents: u64,
}

impl Publisher<'_> {
    fn publish(&mut self, commands: Vec<Command>) -> anyhow::Result<()> {
        let t0 = Instant::now();
        let results = self.server.submit("bench", commands)?;
        self.submit_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        for seqs in results.into_iter().flatten() {
            for q in seqs {
                self.sent.insert(q, t0);
            }
        }
        Ok(())
    }

    fn incident(&mut self) -> anyhow::Result<()> {
        let c = incident(self.incidents);
        self.incidents += 1;
        self.publish(vec![c])
    }

    /// Steady: units at 1 Hz in 10 slices a second, an incident a second; seconds taken.
    fn steady(&mut self, seconds: u64) -> anyhow::Result<f64> {
        let started = Instant::now();
        let (mut k, mut next) = (0u64, started);
        while started.elapsed() < Duration::from_secs(seconds) {
            let slice = (k % 10) as usize;
            let batch: Vec<Command> = (0..self.units)
                .filter(|u| u % 10 == slice)
                .map(|u| position(u, k))
                .collect();
            self.positions += batch.len() as u64;
            self.publish(batch)?;
            if k.is_multiple_of(10) {
                self.incident()?;
            }
            k += 1;
            next += Duration::from_millis(100);
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        Ok(started.elapsed().as_secs_f64())
    }

    /// Burst: 10,000 positions a second for 3 s (100 every 10 ms), incidents twice a second;
    /// seconds taken and batches sent.
    fn burst(&mut self) -> anyhow::Result<(f64, u64)> {
        let start = Instant::now();
        let (mut j, mut next) = (0u64, start);
        while start.elapsed() < Duration::from_secs(3) {
            let batch: Vec<Command> = (0..100)
                .map(|i| position((j as usize * 100 + i) % self.units, j))
                .collect();
            self.positions += 100;
            self.publish(batch)?;
            if j.is_multiple_of(50) {
                self.incident()?;
            }
            j += 1;
            next += Duration::from_millis(10);
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        Ok((start.elapsed().as_secs_f64(), j))
    }
}

pub fn run(clients: usize, units: usize, seconds: u64) -> anyhow::Result<()> {
    let db = std::env::temp_dir().join(format!("onemap-feed-bench-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let (viewer, flooder) = {
        let mut ids = IdentityDb::open(&db)?;
        let now = system_now_ms();
        (
            ids.create(
                "bench-viewer",
                onemap_core::feed::Role::Viewer,
                &[],
                now,
                true,
            )?,
            ids.create(
                "bench-flood",
                onemap_core::feed::Role::Commander,
                &[],
                now,
                true,
            )?,
        )
    };
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
                    fix_at_ms: None,
                    stale_at_ms: None,
                })
            })
            .collect(),
    )?;
    let clients = Clients::spawn(&url, &viewer, clients)?;
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let mut publisher = Publisher {
        server: &server,
        units,
        sent: HashMap::new(),
        submit_ms: Vec::new(),
        positions: 0,
        incidents: 0,
    };
    let steady_s = publisher.steady(seconds)?;
    let burst_from = server.state()?.last_seq;
    let (burst_s, batches) = publisher.burst()?;
    std::thread::sleep(Duration::from_secs(1));
    let flood_from = server.state()?.last_seq;
    let flood = Flood::start(&url, &flooder);
    publisher.steady(5)?;
    let flooded = flood.stop();
    let flood_to = server.state()?.last_seq;
    let last_seq = flood_to;
    let received = clients.finish();
    let run = Run {
        units,
        steady_s,
        burst_s,
        batches,
        total_s: started.elapsed().as_secs_f64(),
        burst_from,
        last_seq,
    };
    report(&run, &publisher, &received);
    report_flood(
        &publisher,
        &received,
        (burst_from, flood_from, flood_to),
        &flooded,
    );
    server.stop();
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    Ok(())
}

/// The figures of one run.
struct Run {
    units: usize,
    steady_s: f64,
    burst_s: f64,
    batches: u64,
    total_s: f64,
    /// The last seq before the burst (latencies up to it are "steady").
    burst_from: u64,
    last_seq: u64,
}

fn report(run: &Run, publisher: &Publisher<'_>, received: &[Received]) {
    let (mut latencies, mut steady) = (Vec::new(), Vec::new());
    let (mut delivered, mut incidents_got, mut all_got_last) = (0usize, 0usize, true);
    for r in received {
        delivered += r.events.len();
        incidents_got += r.incidents;
        all_got_last &= r.events.last().is_some_and(|(s, _)| *s >= run.last_seq);
        for (seq, at) in &r.events {
            if let Some(t0) = publisher.sent.get(seq) {
                let ms = at.duration_since(*t0).as_secs_f64() * 1e3;
                latencies.push(ms);
                if *seq <= run.burst_from {
                    steady.push(ms);
                }
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    steady.sort_by(f64::total_cmp);
    let mut since_log: Vec<f64> = received
        .iter()
        .flat_map(|r| r.since_log_ms.iter().map(|&ms| ms as f64))
        .collect();
    since_log.sort_by(f64::total_cmp);
    let pct_of = percentile;
    let pct = |q: f64| pct_of(&latencies, q);
    let (positions_sent, incidents_sent) = (publisher.positions, publisher.incidents);
    let published = positions_sent + incidents_sent;
    let expected_incidents = incidents_sent as usize * received.len();
    let expected_all = published as usize * received.len();
    println!(
        "feed load: {} clients, {} units at 1 Hz + 1 incident/s for {:.1} s, then 10,000 positions/s for {:.1} s",
        received.len(),
        run.units,
        run.steady_s,
        run.burst_s
    );
    println!(
        "published: {published} events ({positions_sent} positions, {incidents_sent} incidents), each a command through the rules, appended to the SQLite log before broadcast"
    );
    println!(
        "delivered: {delivered} events to clients in {:.1} s = {:.0} events/s; server-side publish rate in the burst {:.0} events/s",
        run.total_s,
        delivered as f64 / run.total_s,
        (100.0 * run.batches as f64) / run.burst_s
    );
    println!(
        "latency, submit → client has the parsed event: steady p50 {:.2} ms, p99 {:.2} ms; \
         overall incl. burst p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms",
        pct_of(&steady, 0.5),
        pct_of(&steady, 0.99),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "latency, the hub stamps the event (just before the log) → client has it parsed, 1 ms \
         resolution, whole run: p50 {:.0} ms, p99 {:.0} ms",
        pct_of(&since_log, 0.5),
        pct_of(&since_log, 0.99)
    );
    let mut submit = publisher.submit_ms.clone();
    submit.sort_by(f64::total_cmp);
    println!(
        "server side, one batch through the rules, the log and the broadcast: p50 {:.2} ms, p99 {:.2} ms",
        pct_of(&submit, 0.5),
        pct_of(&submit, 0.99)
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
}

/// The `q` quantile of sorted figures (NaN for none).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * q) as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// One identity writing commands as fast as it can, on raw connections, reconnecting when
/// the server cuts it off.
struct Flood {
    done: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Flooded>,
}

#[derive(Default)]
struct Flooded {
    sent: u64,
    answered: u64,
    rate_limited: u64,
    connections: u64,
    seconds: f64,
}

impl Flood {
    fn start(url: &str, token: &str) -> Flood {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        use tokio_tungstenite::tungstenite::{Message, connect, stream::MaybeTlsStream};
        let done = Arc::new(AtomicBool::new(false));
        let (url, token, stop) = (url.to_owned(), token.to_owned(), done.clone());
        let handle = std::thread::spawn(move || {
            let mut f = Flooded::default();
            let t0 = Instant::now();
            let hello = r#"{"v":2,"kind":"hello","body":{"last_seq":0}}"#;
            while !stop.load(Ordering::SeqCst) {
                let Ok(mut request) = url.as_str().into_client_request() else {
                    break;
                };
                if let Ok(v) = format!("Bearer {token}").parse() {
                    request.headers_mut().insert("authorization", v);
                }
                let Ok((mut ws, _)) = connect(request) else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                f.connections += 1;
                if let MaybeTlsStream::Plain(s) = ws.get_ref() {
                    let _ = s.set_read_timeout(Some(Duration::from_micros(200)));
                }
                if ws.send(Message::text(hello)).is_err() {
                    continue;
                }
                'conn: while !stop.load(Ordering::SeqCst) {
                    for _ in 0..50 {
                        f.sent += 1;
                        let text = format!(
                            r#"{{"v":2,"request_id":"flood-{}","not_after":{},"kind":"set_unit_status","body":{{"unit_id":"B-0000","status":"available"}}}}"#,
                            f.sent,
                            system_now_ms() + 10_000
                        );
                        if ws.write(Message::text(text)).is_err() {
                            break 'conn;
                        }
                    }
                    if ws.flush().is_err() {
                        break;
                    }
                    // Read what is there without waiting, so the server need not queue it.
                    loop {
                        match ws.read() {
                            Ok(Message::Text(t)) => {
                                if t.contains(r#""kind":"command_result""#) {
                                    f.answered += 1;
                                } else if t.contains("rate_limited") {
                                    f.rate_limited += 1;
                                }
                            }
                            Ok(Message::Close(_)) => break 'conn,
                            Ok(_) => {}
                            Err(tokio_tungstenite::tungstenite::Error::Io(e))
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                                ) =>
                            {
                                break;
                            }
                            Err(_) => break 'conn,
                        }
                    }
                }
            }
            f.seconds = t0.elapsed().as_secs_f64();
            f
        });
        Flood { done, handle }
    }

    fn stop(self) -> Flooded {
        self.done.store(true, Ordering::SeqCst);
        self.handle.join().unwrap_or_default()
    }
}

/// The others' latency while one identity floods, against the steady phase before the burst.
fn report_flood(
    publisher: &Publisher<'_>,
    received: &[Received],
    (steady_to, flood_from, flood_to): (u64, u64, u64),
    flooded: &Flooded,
) {
    let (mut steady, mut flood) = (Vec::new(), Vec::new());
    for r in received {
        for (seq, at) in &r.events {
            if let Some(t0) = publisher.sent.get(seq) {
                let ms = at.duration_since(*t0).as_secs_f64() * 1e3;
                if *seq <= steady_to {
                    steady.push(ms);
                } else if *seq > flood_from && *seq <= flood_to {
                    flood.push(ms);
                }
            }
        }
    }
    steady.sort_by(f64::total_cmp);
    flood.sort_by(f64::total_cmp);
    let pct = percentile;
    println!(
        "flood: one identity wrote {} commands in {:.1} s ({:.0}/s) on {} connection(s); {} reached the rules (answered), {} rate-limit notices, the rest dropped before the hub",
        flooded.sent,
        flooded.seconds,
        flooded.sent as f64 / flooded.seconds.max(1e-9),
        flooded.connections,
        flooded.answered,
        flooded.rate_limited
    );
    println!(
        "others' latency under the flood: p50 {:.2} ms, p99 {:.2} ms (steady phase without it: p50 {:.2} ms, p99 {:.2} ms; p99 ratio {:.2}×; target p99 < 50 ms)",
        pct(&flood, 0.5),
        pct(&flood, 0.99),
        pct(&steady, 0.5),
        pct(&steady, 0.99),
        pct(&flood, 0.99) / pct(&steady, 0.99)
    );
}
