//! `onemap-feed`: the live feed server, and its load benchmark.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use onemap_feed::server::{ServerConfig, start};
use onemap_feed::sim::{SimConfig, World};

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
    },
    /// Export the audit log (recommendations shown, commands and their results) as CSV.
    Audit {
        #[arg(long, default_value = "feed.sqlite")]
        db: PathBuf,
        /// Where to write the CSV (`-`: standard output).
        #[arg(long, default_value = "-")]
        csv: PathBuf,
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

fn default_osm() -> PathBuf {
    let local = PathBuf::from("layers/neubrandenburg-2016.osm.pbf");
    if local.is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../layers/neubrandenburg-2016.osm.pbf")
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
        } => {
            let mut config = ServerConfig::new(addr, db.clone());
            if keep_closed_min < 1 {
                anyhow::bail!("--keep-closed-min must be at least 1 (got {keep_closed_min})");
            }
            config.hub.keep_closed_ms = keep_closed_min * 60_000;
            if simulate {
                let path = osm.unwrap_or_else(default_osm);
                let bytes = std::fs::read(&path).with_context(|| {
                    format!("cannot read OpenStreetMap extract {}", path.display())
                })?;
                let data = onemap_core::osm::import_pbf(&bytes)
                    .with_context(|| format!("cannot import {}", path.display()))?;
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
                "onemap-feed: serving ws://{} (log {}, last seq {})",
                server.addr,
                db.display(),
                server.state()?.last_seq
            );
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        Cmd::Audit { db, csv } => {
            if !db.is_file() {
                anyhow::bail!("no event log at {}", db.display());
            }
            use onemap_feed::store::{EventStore, SqliteStore, sqlite::audit_csv};
            let mut store = SqliteStore::open(&db)?;
            let text = audit_csv(&store.audit_page(None, u32::MAX)?);
            if csv.as_os_str() == "-" {
                print!("{text}");
            } else {
                std::fs::write(&csv, text)
                    .with_context(|| format!("cannot write {}", csv.display()))?;
            }
            Ok(())
        }
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
