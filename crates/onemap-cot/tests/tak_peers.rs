//! The TAK bridge against real peers from PyPI: `pytak` clients and receivers, a `taky`
//! server, and `takproto` as the reference encoder, all on 127.0.0.1. The feed server is the
//! real one on a temporary log. They need those packages, so they are ignored by a plain
//! `cargo test`; `scripts/tak.sh` installs them into a virtual environment and runs them
//! (`ONEMAP_TAK_PYTHON` names its python).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use onemap_core::feed::lifecycle::{ReportPosition, SignOff, SignOn};
use onemap_core::feed::{
    ClientEnvelope, Command as FeedCommand, FeedState, Position, RequestId, Role, ServerEvent,
    UnitKind,
};
use onemap_cot::bridge::BridgeConfig;
use onemap_cot::bridge::net::{NetConfig, Running, start as start_bridge};
use onemap_cot::{CotEvent, Point, parse_xml, proto};
use onemap_feed::client::{ClientConfig, ClientEvent, FeedClient};
use onemap_feed::clock::system_now_ms;
use onemap_feed::identity::IdentityDb;
use onemap_feed::server::{ServerConfig, ServerHandle, start};

const LON: f64 = 13.26;
const LAT: f64 = 53.556;

fn python() -> PathBuf {
    PathBuf::from(
        std::env::var("ONEMAP_TAK_PYTHON")
            .expect("ONEMAP_TAK_PYTHON: a python with pytak, taky and takproto (scripts/tak.sh)"),
    )
}

fn peers_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/tak_peers.py")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("onemap-cot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The feed server on a fresh log, and tokens for a gateway (the bridge) and a second one (the
/// test's own units).
struct Feed {
    server: ServerHandle,
    db: PathBuf,
    url: String,
    bridge_token: String,
    units_token: String,
    console_token: String,
}

impl Feed {
    fn start(dir: &Path) -> Feed {
        let db = dir.join("feed.sqlite");
        let server = start(ServerConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            db.clone(),
        ))
        .unwrap();
        let mut ids = IdentityDb::open(&db).unwrap();
        let now = system_now_ms();
        let bridge_token = ids
            .create("tak-bridge", Role::Gateway, &[], now, true)
            .unwrap();
        let units_token = ids.create("avl", Role::Gateway, &[], now, true).unwrap();
        let console_token = ids.create("desk", Role::Commander, &[], now, true).unwrap();
        Feed {
            url: format!("ws://{}", server.addr),
            server,
            db,
            bridge_token,
            units_token,
            console_token,
        }
    }

    fn bridge(&self, tcp: bool, udp: bool, tak: Option<SocketAddr>) -> Running {
        start_bridge(NetConfig {
            tcp: tcp.then(|| "127.0.0.1:0".parse().unwrap()),
            udp: udp.then(|| "127.0.0.1:0".parse().unwrap()),
            tak_server: tak.map(|a| a.to_string()),
            bridge: BridgeConfig {
                interval_ms: 5_000,
                ..BridgeConfig::default()
            },
            ..NetConfig::new(&self.url, &self.bridge_token)
        })
        .unwrap()
    }

    /// Rows of the log's events of `kind` for units whose id begins `prefix`.
    fn count(&self, kind: &str, prefix: &str) -> i64 {
        let c = rusqlite::Connection::open(&self.db).unwrap();
        c.query_row(
            "SELECT count(*) FROM events WHERE kind = ?1
                AND (unit LIKE ?2 OR (unit IS NULL AND json LIKE ?3))",
            (kind, format!("{prefix}%"), format!("%\"id\":\"{prefix}%")),
            |r| r.get(0),
        )
        .unwrap()
    }
}

/// A client of the feed that keeps the picture and sends commands.
struct Client {
    client: FeedClient,
    state: FeedState,
    n: u64,
    refused: u64,
}

impl Client {
    fn connect(url: &str, token: &str) -> Client {
        let client = FeedClient::spawn(
            ClientConfig {
                token: Some(token.to_owned()),
                ..ClientConfig::new(url, "test")
            },
            || {},
        )
        .unwrap();
        let mut c = Client {
            client,
            state: FeedState::default(),
            n: 0,
            refused: 0,
        };
        let end = Instant::now() + Duration::from_secs(10);
        while !c.client.is_connected() {
            assert!(Instant::now() < end, "the feed did not answer");
            std::thread::sleep(Duration::from_millis(10));
            c.pump();
        }
        c
    }

    fn pump(&mut self) {
        while let Some(e) = self.client.try_recv() {
            if let ClientEvent::Event(env) = e {
                if let ServerEvent::CommandResult(r) = &env.event
                    && !r.ok
                {
                    // On a loaded machine a report may come too late or too close to the
                    // last one; what these tests check is the bridge, not this client.
                    self.refused += 1;
                    eprintln!("test client: {}", r.message);
                }
                self.state.apply(&env);
            }
        }
    }

    fn send(&mut self, c: FeedCommand) {
        self.n += 1;
        let env = ClientEnvelope::request(
            RequestId::from(format!("t-{}", self.n).as_str()),
            Some(system_now_ms() + 10_000),
            c.into(),
        );
        // The client holds 64 commands at most: wait for room, as a gateway would.
        loop {
            match self.client.send(env.clone()) {
                Ok(()) => return,
                Err(onemap_feed::client::Unsent::Busy) => {
                    std::thread::sleep(Duration::from_millis(1));
                    self.pump();
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

fn wait_for(what: &str, secs: u64, done: impl FnMut() -> bool) {
    wait_or(what, secs, done, String::new);
}

fn wait_or(what: &str, secs: u64, mut done: impl FnMut() -> bool, why: impl Fn() -> String) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(
            Instant::now() < end,
            "timed out waiting for {what}: {}",
            why()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run_senders(url: &str, n: usize, seconds: u32, proto: bool, prefix: &str) -> i64 {
    let mut cmd = Command::new(python());
    cmd.arg(peers_script())
        .args(["senders", url, &n.to_string(), &seconds.to_string()])
        .args([LON.to_string(), LAT.to_string()])
        .args(["--prefix", prefix]);
    if proto {
        cmd.arg("--proto");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["sent"].as_i64().unwrap()
}

/// Our events written as takproto writes their XML: the same bytes.
#[test]
#[ignore = "needs takproto: scripts/tak.sh"]
fn our_tak_protocol_is_byte_for_byte_takprotos() {
    let dir = temp_dir("takproto");
    let mut events = Vec::new();
    for (k, kind) in UnitKind::ALL.into_iter().enumerate() {
        let t = 1_796_000_000_000 + k as i64 * 7_919 + 123;
        events.push(CotEvent {
            uid: format!("onemap.U-{k}"),
            cot_type: onemap_cot::cot_type_for(kind).into(),
            how: "m-g".into(),
            time_ms: t,
            start_ms: t,
            stale_ms: t + 15_000,
            point: Point {
                lat: LAT + k as f64 * 0.001_37,
                lon: LON - k as f64 * 0.002_11,
                hae: 9_999_999.0,
                ce: 9_999_999.0,
                le: 9_999_999.0,
            },
            callsign: Some(format!("巡0{k} & <\"x\">")),
            course_deg: Some(k as f64 * 45.5),
            speed_mps: Some(if k == 0 { 0.0 } else { 8.25 * k as f64 }),
            remarks: (k % 2 == 1).then(|| format!("P{k} theft · a & b < c > d \"e\" 'f'")),
            link_uid: None,
        });
    }
    events.push(onemap_cot::bridge::delete("onemap.U-3", 1_796_000_100_001));
    let xml: Vec<String> = events.iter().map(CotEvent::to_xml).collect();
    let file = dir.join("events.xml");
    std::fs::write(&file, xml.join("\n")).unwrap();
    let out = Command::new(python())
        .arg(peers_script())
        .arg("encode")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(theirs.len(), events.len());
    for (e, hex) in events.iter().zip(&theirs) {
        let ours: String = proto::encode_stream(e)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&ours, hex, "{}", e.to_xml());
        // And what takproto wrote reads back as the XML does (times within its 1 ms).
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let frames = proto::StreamReader::new().push(&bytes);
        let proto::Frame::Message(m) = &frames[0] else {
            panic!("{frames:?}")
        };
        let back = proto::decode(m).unwrap();
        let xml = parse_xml(&e.to_xml()).unwrap();
        assert!((back.time_ms - xml.time_ms).abs() <= 1);
        assert_eq!(
            CotEvent {
                time_ms: xml.time_ms,
                start_ms: xml.start_ms,
                stale_ms: xml.stale_ms,
                ..back
            },
            xml
        );
    }
}

/// pytak clients over TCP (XML and TAK protocol) and UDP: every position they send is in the
/// feed's log, and nothing else is.
#[test]
#[ignore = "needs pytak: scripts/tak.sh"]
fn pytak_clients_positions_all_reach_the_log() {
    let dir = temp_dir("senders");
    let feed = Feed::start(&dir);
    let bridge = feed.bridge(true, true, None);
    let tcp = format!("tcp://{}", bridge.tcp.unwrap());
    let udp = format!("udp+wo://{}", bridge.udp.unwrap());
    // A console, counting the TAK positions it is sent.
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let console = {
        let (url, token, seen) = (feed.url.clone(), feed.console_token.clone(), seen.clone());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let t = std::thread::spawn(move || {
            let mut c = Client::connect(&url, &token);
            while !flag.load(Ordering::SeqCst) {
                if let Some(ClientEvent::Event(env)) =
                    c.client.recv_timeout(Duration::from_millis(50))
                {
                    let tak = match &env.event {
                        ServerEvent::UnitPosition(p) => p.id.as_str().starts_with("cot:"),
                        ServerEvent::UnitJoined(u) => u.id.as_str().starts_with("cot:"),
                        _ => false,
                    };
                    if tak {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
        (stop, t)
    };
    let n: usize = std::env::var("ONEMAP_TAK_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let secs: u32 = std::env::var("ONEMAP_TAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let t0 = Instant::now();
    let xml = std::thread::spawn({
        let tcp = tcp.clone();
        move || run_senders(&tcp, n, secs, false, "xml-")
    });
    let pb = std::thread::spawn(move || run_senders(&tcp, 5, 5, true, "pb-"));
    let sent_udp = run_senders(&udp, 5, 5, true, "udp-");
    let (sent_xml, sent_pb) = (xml.join().unwrap(), pb.join().unwrap());
    assert_eq!(sent_xml, (n as u32 * secs) as i64);
    let logged = |p: &str| feed.count("unit_joined", p) + feed.count("unit_position", p);
    let s = &bridge.stats;
    let status = || {
        format!(
            "xml {}/{sent_xml}, pb {}/{sent_pb}, udp {}/{sent_udp}; bridge: {:?}",
            logged("cot:xml-"),
            logged("cot:pb-"),
            logged("cot:udp-"),
            s
        )
    };
    wait_or(
        "every position in the log",
        20,
        || logged("cot:xml-") == sent_xml && logged("cot:pb-") == sent_pb,
        status,
    );
    // UDP may lose a datagram on a busy machine; none was lost here, on loopback.
    wait_or(
        "the UDP positions",
        10,
        || logged("cot:udp-") == sent_udp,
        status,
    );
    let total = sent_xml + sent_pb + sent_udp;
    wait_for("the console to see them all", 10, || {
        seen.load(Ordering::SeqCst) == total
    });
    console.0.store(true, Ordering::SeqCst);
    console.1.join().unwrap();
    println!(
        "{n} pytak clients × {secs} s over TCP: {sent_xml} positions sent, {} in the log \
         ({:.1} s); TAK protocol over TCP {sent_pb}/{}, over UDP {sent_udp}/{}; a console \
         saw {} of {total}; malformed {}",
        logged("cot:xml-"),
        t0.elapsed().as_secs_f64(),
        logged("cot:pb-"),
        logged("cot:udp-"),
        seen.load(Ordering::SeqCst),
        s.malformed.load(Ordering::Relaxed),
    );
    assert_eq!(s.malformed.load(Ordering::Relaxed), 0);
    assert_eq!(s.commands_refused.load(Ordering::Relaxed), 0);
    bridge.stop();
    feed.server.stop();
}

/// A taky server on a free port, in `dir`.
struct Taky {
    child: Child,
    addr: SocketAddr,
}

impl Taky {
    fn start(dir: &Path, port: u16) -> Taky {
        let conf = dir.join("taky.conf");
        std::fs::write(
            &conf,
            format!(
                "[taky]\nhostname = localhost\nnode_id = TAKY\nbind_ip = 127.0.0.1\n\
                 root_dir = {d}\n\n[cot_server]\nport = {port}\n\n[dp_server]\n\
                 upload_path = {d}/dp\n\n[ssl]\nenabled = false\n",
                d = dir.display()
            ),
        )
        .unwrap();
        let taky = python().with_file_name("taky");
        let child = Command::new(taky)
            .arg("-c")
            .arg(&conf)
            .arg("-l")
            .arg("warning")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        wait_for("taky to listen", 20, || TcpStream::connect(addr).is_ok());
        Taky { child, addr }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Taky {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A pytak receiver on `addr` for `secs`, writing what it gets to `out`; returns once it has
/// connected.
fn receiver(addr: SocketAddr, secs: u32, out: &Path) -> Child {
    let mut child = Command::new(python())
        .arg(peers_script())
        .args(["receiver", &format!("tcp://{addr}"), &secs.to_string()])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    child
}

fn received(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn sign_on(k: usize) -> FeedCommand {
    FeedCommand::SignOn(SignOn {
        unit_id: format!("U-{k}").as_str().into(),
        call_sign: format!("巡{k:03}"),
        kind: UnitKind::ALL[k % UnitKind::ALL.len()],
        position: Position([LON + k as f64 * 1e-4, LAT]),
        fix_at_ms: Some(system_now_ms() - 1_000),
        stale_at_ms: None,
    })
}

/// Our units reach a pytak receiver through taky with their uid, call sign and type; a
/// sign-off is a delete there; taky killed and started again gets the picture back.
#[test]
#[ignore = "needs pytak and taky: scripts/tak.sh"]
fn our_units_reach_pytak_through_taky_and_come_back_after_a_restart() {
    let dir = temp_dir("taky");
    let feed = Feed::start(&dir);
    let port = free_port();
    let taky = Taky::start(&dir, port);
    let bridge = feed.bridge(false, false, Some(taky.addr));
    let out = dir.join("received.jsonl");
    let mut rx = receiver(taky.addr, 120, &out);
    let n: usize = std::env::var("ONEMAP_TAK_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let mut avl = Client::connect(&feed.url, &feed.units_token);
    for k in 0..n {
        avl.send(sign_on(k));
    }
    // Five rounds of reports, a second apart; each round's latitude tells it apart.
    let mut sent_at = Vec::new();
    for r in 1..=5 {
        std::thread::sleep(Duration::from_millis(1000));
        let now = system_now_ms();
        for k in 0..n {
            avl.send(FeedCommand::ReportPosition(ReportPosition {
                unit_id: format!("U-{k}").as_str().into(),
                position: Position([LON + k as f64 * 1e-4, LAT + r as f64 * 1e-3]),
                heading_deg: 10.0,
                speed_kmh: 20.0,
                fix_at_ms: now,
                stale_at_ms: None,
            }));
        }
        avl.pump();
        sent_at.push(now);
    }
    wait_for("every unit's last round at the receiver", 20, || {
        received(&out)
            .iter()
            .filter(|e| {
                e["lat"]
                    .as_f64()
                    .is_some_and(|l| (l - (LAT + 5e-3)).abs() < 1e-7)
            })
            .count()
            >= n
    });
    let got = received(&out);
    for k in 0..n {
        let uid = format!("onemap.U-{k}");
        let e = got
            .iter()
            .find(|e| e["uid"] == uid.as_str())
            .expect("every unit");
        assert_eq!(e["callsign"], format!("巡{k:03}").as_str());
        assert_eq!(
            e["type"],
            onemap_cot::cot_type_for(UnitKind::ALL[k % UnitKind::ALL.len()])
        );
    }
    let mut delays: Vec<i64> = got
        .iter()
        .filter_map(|e| {
            let r = ((e["lat"].as_f64()? - LAT) / 1e-3).round() as usize;
            (1..=5)
                .contains(&r)
                .then(|| e["at_ms"].as_i64().unwrap() - sent_at[r - 1])
        })
        .collect();
    delays.sort_unstable();
    let p99 = delays[(delays.len() * 99 / 100).min(delays.len() - 1)];
    // A sign-off: a delete at the receiver.
    let off = system_now_ms();
    avl.send(FeedCommand::SignOff(SignOff {
        unit_id: "U-0".into(),
    }));
    wait_for("the delete", 10, || {
        received(&out)
            .iter()
            .any(|e| e["type"] == "t-x-d-d" && e["link"] == "onemap.U-0")
    });
    let deleted = received(&out)
        .iter()
        .find(|e| e["type"] == "t-x-d-d" && e["link"] == "onemap.U-0")
        .and_then(|e| e["at_ms"].as_i64())
        .unwrap();
    // No unit of ours came back into the feed.
    avl.pump();
    assert!(
        avl.state
            .units
            .keys()
            .all(|u| !u.as_str().starts_with("cot:onemap.")),
    );

    // taky dies and comes back on the same port.
    let _ = rx.kill();
    let _ = rx.wait();
    taky.kill();
    std::thread::sleep(Duration::from_secs(3));
    let back = Taky::start(&dir, port);
    let returned = system_now_ms();
    let out2 = dir.join("after.jsonl");
    let mut rx2 = receiver(back.addr, 60, &out2);
    wait_for("the picture after the restart", 30, || {
        let uids: std::collections::HashSet<String> = received(&out2)
            .iter()
            .filter_map(|e| e["uid"].as_str().map(str::to_owned))
            .filter(|u| u.starts_with("onemap.U-"))
            .collect();
        uids.len() >= n - 1
    });
    let complete = received(&out2)
        .iter()
        .filter_map(|e| e["at_ms"].as_i64())
        .max()
        .unwrap();
    println!(
        "{n} units through taky: position p99 {p99} ms (of {}), delete {} ms after the \
         sign-off, picture again {} ms after taky's return ({} connections)",
        delays.len(),
        deleted - off,
        complete - returned,
        bridge.stats.tak_connects.load(Ordering::Relaxed)
    );
    assert!(bridge.stats.tak_connects.load(Ordering::Relaxed) >= 2);
    let _ = rx2.kill();
    let _ = rx2.wait();
    bridge.stop();
    feed.server.stop();
}

/// Two bridges on one feed and one taky, with a TAK device and our units: nothing of ours
/// comes back as a TAK unit, and nothing from TAK goes back to TAK as ours.
#[test]
#[ignore = "needs pytak and taky: scripts/tak.sh"]
fn two_bridges_never_echo() {
    let dir = temp_dir("echo");
    let feed = Feed::start(&dir);
    let taky = Taky::start(&dir, free_port());
    let secs: u32 = std::env::var("ONEMAP_TAK_ECHO_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let (a, b) = (
        feed.bridge(false, false, Some(taky.addr)),
        feed.bridge(false, false, Some(taky.addr)),
    );
    let out = dir.join("received.jsonl");
    let mut rx = receiver(taky.addr, secs + 5, &out);
    let mut avl = Client::connect(&feed.url, &feed.units_token);
    for k in 0..10 {
        avl.send(sign_on(k));
    }
    let device = Command::new(python())
        .arg(peers_script())
        .args(["device", &format!("tcp://{}", taky.addr), &secs.to_string()])
        .args([LON.to_string(), LAT.to_string(), "ATAK-1".into()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(u64::from(secs));
    let mut r = 0;
    while Instant::now() < end {
        r += 1;
        for k in 0..10 {
            avl.send(FeedCommand::ReportPosition(ReportPosition {
                unit_id: format!("U-{k}").as_str().into(),
                position: Position([LON + k as f64 * 1e-4, LAT + r as f64 * 1e-5]),
                heading_deg: 0.0,
                speed_kmh: 10.0,
                fix_at_ms: system_now_ms(),
                stale_at_ms: None,
            }));
        }
        avl.pump();
        std::thread::sleep(Duration::from_millis(1000));
    }
    let _ = { device }.wait();
    avl.pump();
    let got = received(&out);
    let echoes_in_tak = got
        .iter()
        .filter(|e| {
            e["uid"]
                .as_str()
                .is_some_and(|u| u.starts_with("onemap.cot:"))
        })
        .count();
    let echoes_in_feed = avl
        .state
        .units
        .keys()
        .filter(|u| u.as_str().starts_with("cot:onemap."))
        .count();
    let skipped = a.stats.echoes.load(Ordering::Relaxed) + b.stats.echoes.load(Ordering::Relaxed);
    println!(
        "two bridges, {secs} s: {} events at the receiver, {echoes_in_tak} echoes to TAK, \
         {echoes_in_feed} echoes in the feed, {skipped} of our own events skipped \
         ({} of the test's reports refused)",
        got.len(),
        avl.refused
    );
    assert!(
        avl.state
            .units
            .contains_key(&onemap_core::feed::UnitId::new("cot:ATAK-1")),
        "the device came in"
    );
    assert!(
        got.iter().any(|e| e["uid"] == "onemap.U-3"),
        "our units went out"
    );
    assert_eq!((echoes_in_tak, echoes_in_feed), (0, 0));
    assert!(
        skipped > 0,
        "each bridge heard the other's events and left them out"
    );
    let _ = rx.kill();
    let _ = rx.wait();
    a.stop();
    b.stop();
    feed.server.stop();
}
