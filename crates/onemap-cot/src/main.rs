//! `onemap-cot`: the TAK bridge. Signs in to a OneMap feed with a `gateway` token, takes CoT
//! position reports in (TCP and UDP listeners, and whatever a TAK server relays), and
//! publishes the feed's units and open incidents to a TAK server. See `docs/cot.md`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Parser;
use onemap_cot::bridge::BridgeConfig;
use onemap_cot::bridge::net::{Format, NetConfig, start};

#[derive(Parser, Debug)]
#[command(
    name = "onemap-cot",
    version,
    about = "The TAK / Cursor-on-Target bridge for a OneMap feed"
)]
struct Cli {
    /// The feed server: ws://host:port or wss://host:port.
    #[arg(long)]
    feed: String,
    /// A file holding a `gateway` identity's token (onemap-feed token create --role gateway).
    #[arg(long)]
    token_file: PathBuf,
    /// For wss://: the CA that signed the feed server's certificate.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Listen for CoT over TCP (XML, or TAK protocol v1 stream framing).
    #[arg(long)]
    listen_tcp: Option<SocketAddr>,
    /// Listen for CoT datagrams (XML, or TAK protocol v1 mesh); a multicast address such as
    /// 239.2.3.1:6969 joins its group.
    #[arg(long)]
    listen_udp: Option<SocketAddr>,
    /// A TAK server to publish the feed's units and incidents to (host:port, plain TCP).
    #[arg(long)]
    tak_server: Option<String>,
    /// Write TAK protocol v1 (protobuf, stream framing) instead of XML to the TAK server.
    #[arg(long)]
    tak_proto: bool,
    /// Seconds between a unit's events to TAK at the least (they go stale after 3×).
    #[arg(long, default_value_t = 5.0)]
    interval_s: f64,
    /// Seconds after a TAK unit's report went stale before it signs off.
    #[arg(long, default_value_t = 60.0)]
    leave_after_s: f64,
    /// Print the counters every this many seconds (0: never).
    #[arg(long, default_value_t = 60)]
    stats_s: u64,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&cli.token_file)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the token: {e}", cli.token_file.display()))?;
    let token = text.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        anyhow::bail!(
            "{}: expected one token on one line",
            cli.token_file.display()
        );
    }
    if !(0.5..=3600.0).contains(&cli.interval_s) {
        anyhow::bail!("--interval-s must be 0.5 to 3600 (got {})", cli.interval_s);
    }
    if cli.listen_tcp.is_none() && cli.listen_udp.is_none() && cli.tak_server.is_none() {
        anyhow::bail!("nothing to bridge: give --listen-tcp, --listen-udp or --tak-server");
    }
    let config = NetConfig {
        tls: onemap_feed::tls::ClientTls {
            ca: cli.ca,
            identity: None,
        },
        tcp: cli.listen_tcp,
        udp: cli.listen_udp,
        tak_server: cli.tak_server,
        format: if cli.tak_proto {
            Format::Proto
        } else {
            Format::Xml
        },
        bridge: BridgeConfig {
            interval_ms: (cli.interval_s * 1000.0) as i64,
            leave_after_ms: (cli.leave_after_s.max(0.0) * 1000.0) as i64,
            ..BridgeConfig::default()
        },
        ..NetConfig::new(cli.feed, token)
    };
    let running = start(config)?;
    if let Some(a) = running.tcp {
        eprintln!("onemap-cot: CoT over TCP on {a}");
    }
    if let Some(a) = running.udp {
        eprintln!("onemap-cot: CoT datagrams on {a}");
    }
    let stats = running.stats.clone();
    if cli.stats_s > 0 {
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(cli.stats_s));
                let g = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
                eprintln!(
                    "onemap-cot: {} received ({} malformed, {} echoes skipped), {} commands \
                     ({} accepted, {} refused), {} published ({} deletes)",
                    g(&stats.received),
                    g(&stats.malformed),
                    g(&stats.echoes),
                    g(&stats.commands_sent),
                    g(&stats.commands_accepted),
                    g(&stats.commands_refused),
                    g(&stats.published),
                    g(&stats.deletes)
                );
            }
        });
    }
    running.wait();
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onemap-cot: {e:#}");
            ExitCode::FAILURE
        }
    }
}
