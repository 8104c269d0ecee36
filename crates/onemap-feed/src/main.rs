//! `onemap-feed`: the live feed server, its identities and audit log, and its load benchmark.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use onemap_core::feed::area::ServedArea;
use onemap_core::feed::wire::AuditQuery;
use onemap_core::feed::{Role, UnitId};
use onemap_feed::identity::IdentityDb;
use onemap_feed::server::{ServerConfig, start};
use onemap_feed::sim::{SimConfig, World};
use onemap_feed::store::sqlite::ChainCheck;
use onemap_feed::tls::TlsFiles;

#[derive(Parser, Debug)]
#[command(
    name = "onemap-feed",
    version,
    about = "OneMap's live feed server (WebSocket + SQLite event log)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Serve the feed; with --simulate, a simulated city on real roads.
    Serve {
        #[arg(long, default_value = "127.0.0.1:9400")]
        addr: SocketAddr,
        /// The event log (SQLite); created if missing, resumed if present.
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
        /// OpenStreetMap extract for the simulator. Default: the demo city.
        #[arg(long)]
        osm: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Run the simulator (units patrolling, incidents appearing, auto-dispatch).
        #[arg(long)]
        simulate: bool,
        #[arg(long, default_value_t = 40)]
        units: usize,
        #[arg(long, default_value_t = 120.0)]
        incidents_per_hour: f64,
        /// Milliseconds between a unit's position reports.
        #[arg(long, default_value_t = 1000)]
        report_interval_ms: i64,
        /// Seconds before the simulator dispatches the nearest unit itself (0: never).
        #[arg(long, default_value_t = 20)]
        auto_dispatch_s: i64,
        /// Minutes a cleared or cancelled incident stays in the live picture (it stays in the
        /// log for good).
        #[arg(long, default_value_t = 120)]
        keep_closed_min: i64,
        /// The server's certificate (PEM, with its chain) for wss://.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM; readable by its owner only).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Accept client certificates signed by this CA (PEM); a certificate's subject CN
        /// names the identity.
        #[arg(long, requires = "tls_cert")]
        client_ca: Option<PathBuf>,
        /// Serve plain ws:// on an address other than loopback (tokens in the clear).
        #[arg(long)]
        insecure: bool,
        /// Where producers' coordinates are accepted: a GeoJSON file of polygons. Default:
        /// the extract's extent (`--osm`, else the demo city) with `--served-margin-m`.
        #[arg(long)]
        served_area: Option<PathBuf>,
        #[arg(long, default_value_t = 5_000.0)]
        served_margin_m: f64,
    },
    /// Write simulated history into a new event log, time-accelerated: `--days 30 --fast`
    /// gives a month of the demo city in a few minutes, to try and benchmark history.
    Simulate(SimulateArgs),
    /// History benchmark on a log from `simulate --fast`: figures, the state at a moment,
    /// tracks, against replaying the whole log.
    BenchHistory {
        #[arg(long, default_value = "history.sqlite")]
        db: PathBuf,
    },
    /// The event log's size and what it holds.
    LogSize {
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
    },
    /// The audit log: export it as CSV, or verify its hash chain (`audit verify`).
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        action: Option<AuditCmd>,
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
        /// Where to write the CSV (`-`: standard output).
        #[arg(long, default_value = "-")]
        csv: PathBuf,
    },
    /// An echo server with the feed's WebSocket settings, for the conformance suite.
    Echo {
        #[arg(long, default_value = "127.0.0.1:9001")]
        addr: SocketAddr,
    },
    /// Identities and their tokens.
    Token {
        #[command(subcommand)]
        action: TokenCmd,
    },
    /// Load benchmark: 50 clients, 500 units at 1 Hz plus incidents, then a burst of 10,000
    /// position updates per second; prints throughput, latency, loss and memory.
    Bench {
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long, default_value_t = 500)]
        units: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCmd {
    /// Check that no audit row was edited, inserted or deleted; exit status 1 if one was.
    Verify {
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCmd {
    /// Add an identity and print its token, once (only a hash is stored).
    Create {
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
        #[arg(long)]
        name: String,
        /// admin, commander, call_taker, planner, wall, viewer, device or gateway.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// For a device: the units it reports for (comma-separated).
        #[arg(long, value_delimiter = ',')]
        units: Vec<String>,
        /// Write the token to this file (mode 600) instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The identities: name, role, units, created, revoked (never tokens).
    List {
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
    },
    /// Revoke an identity: its token stops working and its live sessions end within seconds.
    Revoke {
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
        name: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
}

fn token(action: TokenCmd) -> anyhow::Result<()> {
    let now = onemap_feed::clock::system_now_ms();
    match action {
        TokenCmd::Create {
            db,
            name,
            role,
            units,
            out,
        } => {
            let units: Vec<UnitId> = units.iter().map(|u| UnitId::from(u.as_str())).collect();
            let token = IdentityDb::open(&db)?.create(&name, role, &units, now, false)?;
            match out {
                Some(path) => {
                    write_private(&path, &format!("{token}\n"))?;
                    eprintln!(
                        "onemap-feed: {name} ({role}): token written to {}",
                        path.display()
                    );
                }
                None => {
                    eprintln!("onemap-feed: {name} ({role}); the token is shown once:");
                    println!("{token}");
                }
            }
        }
        TokenCmd::List { db } => {
            println!(
                "{:<24} {:<11} {:<20} {:<17} revoked",
                "name", "role", "units", "created"
            );
            for row in IdentityDb::open(&db)?.list()? {
                let units: Vec<&str> = row.principal.units.iter().map(|u| u.as_str()).collect();
                println!(
                    "{:<24} {:<11} {:<20} {:<17} {}",
                    row.principal.name,
                    row.principal.role.name(),
                    units.join(","),
                    utc(row.created_ms),
                    row.revoked_ms.map_or("-".to_owned(), utc)
                );
            }
        }
        TokenCmd::Revoke { db, name } => {
            IdentityDb::open(&db)?.revoke(&name, now)?;
            eprintln!("onemap-feed: {name} revoked; its sessions end within seconds");
        }
    }
    Ok(())
}

fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Write a secret readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn audit(action: Option<AuditCmd>, db: PathBuf, csv: PathBuf) -> anyhow::Result<()> {
    use onemap_feed::store::{EventStore, SqliteStore, sqlite::audit_csv};
    let db = match &action {
        Some(AuditCmd::Verify { db }) => db.clone(),
        None => db,
    };
    if !db.is_file() {
        anyhow::bail!("no event log at {}", db.display());
    }
    let mut store = SqliteStore::open(&db)?;
    if action.is_some() {
        return match store.verify_audit()? {
            ChainCheck::Intact { rows } => {
                println!("{}: the audit chain is intact ({rows} rows)", db.display());
                Ok(())
            }
            ChainCheck::Broken { id, reason } => {
                anyhow::bail!(
                    "{}: the audit chain breaks at row {id}: {reason}",
                    db.display()
                )
            }
        };
    }
    let text = audit_csv(&store.audit_page(&AuditQuery::newest(u32::MAX))?);
    if csv.as_os_str() == "-" {
        print!("{text}");
    } else {
        std::fs::write(&csv, text).with_context(|| format!("cannot write {}", csv.display()))?;
    }
    Ok(())
}

fn default_osm() -> PathBuf {
    let local = PathBuf::from("layers/neubrandenburg-2016.osm.pbf");
    if local.is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../layers/neubrandenburg-2016.osm.pbf")
}

/// `simulate`'s options.
#[derive(clap::Args, Debug)]
struct SimulateArgs {
    /// The new event log to write.
    #[arg(long, default_value = "history.sqlite")]
    db: PathBuf,
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Run on a fake clock as fast as the machine goes, writing `--db`.
    #[arg(long, conflicts_with = "feed")]
    fast: bool,
    /// Drive a live city on this feed server instead (`ws://…` or `wss://…`), as an ordinary
    /// producer through the tokens of `--token-file`.
    #[arg(long, requires = "token_file")]
    feed: Option<String>,
    /// A file holding one identity's token (repeat: a gateway's moves the units, a
    /// call-taker's adds calls, a commander's lets the demo desk dispatch and clear).
    #[arg(long)]
    token_file: Vec<PathBuf>,
    /// For `wss://`: the CA that signed the server's certificate.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long)]
    for_s: Option<u64>,
    /// Seconds before the simulator's desk dispatches the nearest unit itself (0: never).
    #[arg(long, default_value_t = 20)]
    auto_dispatch_s: u64,
    /// OpenStreetMap extract. Default: the demo city.
    #[arg(long)]
    osm: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 40)]
    units: usize,
    #[arg(long, default_value_t = 30.0)]
    incidents_per_hour: f64,
    /// Milliseconds between a unit's position reports (default: 15,000 with --fast, 1,000
    /// live).
    #[arg(long)]
    report_interval_ms: Option<i64>,
    /// The last simulated moment, epoch ms (default: now).
    #[arg(long)]
    end_ms: Option<i64>,
}

fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.feed {
        return simulate_live(url, &args);
    }
    let SimulateArgs {
        db,
        days,
        fast,
        osm,
        seed,
        units,
        incidents_per_hour,
        report_interval_ms,
        end_ms,
        ..
    } = args;
    if !fast {
        anyhow::bail!(
            "simulate needs --fast (history on a fake clock, into --db) or --feed URL \
                 --token-file FILE (a live city on a running server)"
        );
    }
    if days == 0 || days > 800 {
        anyhow::bail!("--days must be 1 to 800 (got {days})");
    }
    let report_interval_ms = report_interval_ms.unwrap_or(15_000);
    if report_interval_ms < 1000 {
        anyhow::bail!("--report-interval-ms must be at least 1000 (got {report_interval_ms})");
    }
    let world = load_world(osm)?;
    let sim = SimConfig {
        seed,
        units,
        incidents_per_hour,
        report_interval_ms,
        initial_incidents: 0,
        ..SimConfig::default()
    };
    let end_ms = end_ms.unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let report = onemap_feed::sim::fast::write_days(
        &db,
        world,
        sim,
        days,
        end_ms,
        report_interval_ms,
        |day, hub| {
            eprintln!(
                "onemap-feed: day {day}/{days} written ({} calls so far)",
                hub.state().incident_counter
            )
        },
    )?;
    let l = report.log;
    println!(
        "{} days ({} calls) written to {} in {:.1} s: {:.1} MB, {} events ({} positions), \
             {} snapshots, {} audit rows",
        report.days,
        report.incidents,
        db.display(),
        report.wall_seconds,
        l.bytes as f64 / 1e6,
        l.events,
        l.positions,
        l.snapshots,
        l.audit_rows
    );
    Ok(())
}

/// `simulate --feed`: the live simulator as a remote producer.
fn simulate_live(url: &str, args: &SimulateArgs) -> anyhow::Result<()> {
    use onemap_feed::sim::remote::{RemoteConfig, run};
    let mut tokens = Vec::new();
    for path in &args.token_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the token: {e}", path.display()))?;
        let token = text.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            anyhow::bail!("{}: expected one token on one line", path.display());
        }
        tokens.push(token.to_owned());
    }
    let world = load_world(args.osm.clone())?;
    let sim = SimConfig {
        seed: args.seed,
        units: args.units,
        incidents_per_hour: args.incidents_per_hour,
        report_interval_ms: args.report_interval_ms.unwrap_or(1000).max(1000),
        auto_dispatch_after_ms: (args.auto_dispatch_s > 0)
            .then_some(args.auto_dispatch_s as i64 * 1000),
        ..SimConfig::default()
    };
    let config = RemoteConfig {
        tls: onemap_feed::tls::ClientTls {
            ca: args.ca.clone(),
            identity: None,
        },
        ..RemoteConfig::new(url, tokens)
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(s) = args.for_s {
        let stop = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(s));
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    eprintln!("onemap-feed: simulating {} units on {url}", sim.units);
    let report = run(&config, world, sim, &stop, |r| {
        eprintln!("onemap-feed: simulator: {r}")
    })?;
    println!("simulator: {report}");
    Ok(())
}

fn load_osm(osm: Option<PathBuf>) -> anyhow::Result<onemap_core::osm::OsmData> {
    let path = osm.unwrap_or_else(default_osm);
    let bytes = std::fs::read(&path)
        .with_context(|| format!("cannot read OpenStreetMap extract {}", path.display()))?;
    onemap_core::osm::import_pbf(&bytes)
        .with_context(|| format!("cannot import {}", path.display()))
}

fn load_world(osm: Option<PathBuf>) -> anyhow::Result<World> {
    Ok(World::from_osm(&load_osm(osm)?))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Cmd::Serve {
            addr,
            db,
            osm,
            seed,
            simulate,
            units,
            incidents_per_hour,
            report_interval_ms,
            auto_dispatch_s,
            keep_closed_min,
            tls_cert,
            tls_key,
            client_ca,
            insecure,
            served_area,
            served_margin_m,
        } => {
            let mut config = ServerConfig::new(addr, db.clone());
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                config.tls = Some(TlsFiles {
                    cert,
                    key,
                    client_ca,
                });
            }
            config.insecure = insecure;
            let scheme = if config.tls.is_some() { "wss" } else { "ws" };
            if keep_closed_min < 1 {
                anyhow::bail!("--keep-closed-min must be at least 1 (got {keep_closed_min})");
            }
            config.hub.keep_closed_ms = keep_closed_min * 60_000;
            let data = load_osm(osm)?;
            config.hub.served = Some(match served_area {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    ServedArea::from_geojson(&text, &path.display().to_string())
                        .map_err(anyhow::Error::msg)?
                }
                None => ServedArea::around(data.bounds, served_margin_m),
            });
            if simulate {
                config.world = Some(Box::new(move || World::from_osm(&data)));
                config.sim = SimConfig {
                    seed,
                    units,
                    incidents_per_hour,
                    report_interval_ms,
                    auto_dispatch_after_ms: (auto_dispatch_s > 0).then_some(auto_dispatch_s * 1000),
                    ..SimConfig::default()
                };
            }
            let server = start(config)?;
            eprintln!(
                "onemap-feed: serving {scheme}://{} (log {}, last seq {}); clients need a token \
                 (onemap-feed token create)",
                server.addr,
                db.display(),
                server.state()?.last_seq
            );
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        Cmd::Simulate(args) => simulate(args),
        Cmd::BenchHistory { db } => onemap_feed::history_bench::run(&db),
        Cmd::LogSize { db } => {
            use onemap_feed::store::EventStore as _;
            let size = onemap_feed::store::SqliteStore::open(&db)?
                .reader()?
                .size()?;
            println!("{}", serde_json::to_string_pretty(&size)?);
            Ok(())
        }
        Cmd::Audit { action, db, csv } => audit(action, db, csv),
        Cmd::Token { action } => token(action),
        Cmd::Echo { addr } => onemap_feed::server::run_echo(addr),
        Cmd::Bench {
            clients,
            units,
            seconds,
        } => onemap_feed::bench::run(clients, units, seconds),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onemap-feed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
