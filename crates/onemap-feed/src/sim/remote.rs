//! The simulator as a remote producer: it signs in to a feed server with ordinary tokens and
//! sends its commands over the socket, like any gateway, call-taker or commander would.
//!
//! Each token is one identity. A command goes out through the first signed-in identity whose
//! role may send its kind (the server's `welcome` lists them), so a gateway token alone moves
//! units, a call-taker's adds calls and a commander's lets the demo's neighbouring desk dispatch
//! and clear. A kind no identity may send is counted, not sent. The state the simulator steps
//! on is the one the server sends back: nothing is assumed accepted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use onemap_core::feed::{ClientEnvelope, Command, FeedState, RequestId, Role, ServerEvent};

use super::{Sim, SimConfig, World};
use crate::client::{ClientConfig, ClientEvent, ConnStatus, FeedClient};
use crate::clock::system_now_ms;
use crate::tls::ClientTls;

/// Where and as whom.
#[derive(Clone, Debug)]
pub struct RemoteConfig {
    /// `ws://…` or `wss://…`.
    pub url: String,
    /// One token per identity; the first one's copy of the state drives the simulator.
    pub tokens: Vec<String>,
    pub tls: ClientTls,
    /// Time between steps.
    pub step: Duration,
    /// A command's deadline after it is sent.
    pub deadline: Duration,
}

impl RemoteConfig {
    pub fn new(url: impl Into<String>, tokens: Vec<String>) -> RemoteConfig {
        RemoteConfig {
            url: url.into(),
            tokens,
            tls: ClientTls::default(),
            step: Duration::from_millis(250),
            deadline: Duration::from_secs(5),
        }
    }
}

/// What happened to the commands so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RemoteReport {
    /// Signed-in identities: name and role.
    pub identities: Vec<(String, Role)>,
    pub sent: u64,
    pub accepted: u64,
    /// Refusals by code.
    pub refused: BTreeMap<String, u64>,
    /// Commands the client could not write (not connected, queue full).
    pub unsent: u64,
    /// Commands of a kind no identity may send, by kind.
    pub no_sender: BTreeMap<String, u64>,
}

impl std::fmt::Display for RemoteReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sent, {} accepted, {} unsent",
            self.sent, self.accepted, self.unsent
        )?;
        if !self.refused.is_empty() {
            write!(f, "; refused: {:?}", self.refused)?;
        }
        if !self.no_sender.is_empty() {
            write!(f, "; no identity may send: {:?}", self.no_sender)?;
        }
        Ok(())
    }
}

struct Producer {
    client: FeedClient,
    /// From `welcome`: the kinds this identity may send.
    allowed: Vec<String>,
}

/// Runs the simulator against the server until `stop` is set; `progress` is called about once
/// a minute. Fails when the server turns a token away (retrying would only count as failed
/// sign-ins) or a client cannot start.
pub fn run(
    config: &RemoteConfig,
    world: World,
    sim_config: SimConfig,
    stop: &AtomicBool,
    mut progress: impl FnMut(&RemoteReport),
) -> anyhow::Result<RemoteReport> {
    if config.tokens.is_empty() {
        anyhow::bail!("the simulator needs at least one token (a gateway's, for its units)");
    }
    let mut producers = Vec::with_capacity(config.tokens.len());
    for (i, token) in config.tokens.iter().enumerate() {
        let client = FeedClient::spawn(
            ClientConfig {
                token: Some(token.clone()),
                tls: config.tls.clone(),
                ..ClientConfig::new(&config.url, format!("simulator-{}", i + 1))
            },
            || {},
        )?;
        producers.push(Producer {
            client,
            allowed: Vec::new(),
        });
    }
    let mut report = RemoteReport::default();
    let mut state = FeedState::default();
    // Whether the first identity has been sent the picture (an empty log's is at seq 0).
    let mut synced = false;
    let mut world = Some(world);
    let mut sim: Option<Sim> = None;
    let mut next_id = 0u64;
    let mut last_progress = Instant::now();
    let mut last_step = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        for (i, p) in producers.iter_mut().enumerate() {
            synced |= drain(i, p, &mut state, &mut report)?;
        }
        if last_progress.elapsed() >= Duration::from_secs(60) {
            last_progress = Instant::now();
            progress(&report);
        }
        if last_step.elapsed() < config.step {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        last_step = Instant::now();
        // The state is the server's: no step without it.
        if !producers[0].client.is_connected() || !synced {
            continue;
        }
        let now = system_now_ms();
        let commands = match (&mut sim, world.take()) {
            (Some(s), _) => s.step(now, &state),
            (None, Some(w)) => {
                let (s, first) = Sim::new(sim_config.clone(), w, &state, now);
                sim = Some(s);
                first
            }
            (None, None) => Vec::new(),
        };
        for command in commands {
            send(&producers, config, command, &mut next_id, &mut report);
        }
    }
    for p in producers {
        p.client.stop();
    }
    Ok(report)
}

/// Takes what identity `i` was sent: its welcome, answers, and (for the first) the state.
/// Whether a snapshot came.
fn drain(
    i: usize,
    p: &mut Producer,
    state: &mut FeedState,
    report: &mut RemoteReport,
) -> anyhow::Result<bool> {
    let mut snapshot = false;
    // Bounded per call, so that one busy link cannot starve the step.
    for _ in 0..10_000 {
        let Some(event) = p.client.try_recv() else {
            break;
        };
        match event {
            ClientEvent::Event(env) => {
                match &env.event {
                    ServerEvent::Welcome(w) => {
                        p.allowed = w.allowed.clone();
                        if !report.identities.iter().any(|(n, _)| *n == w.name) {
                            report.identities.push((w.name.clone(), w.role));
                        }
                    }
                    ServerEvent::CommandResult(r) if r.ok => report.accepted += 1,
                    ServerEvent::CommandResult(r) => {
                        let code = r
                            .refusal
                            .as_ref()
                            .and_then(|f| serde_json::to_value(f).ok())
                            .and_then(|v| v["code"].as_str().map(str::to_owned))
                            .unwrap_or_else(|| "error".to_owned());
                        *report.refused.entry(code).or_default() += 1;
                    }
                    _ => {}
                }
                if i == 0 {
                    snapshot |= matches!(env.event, ServerEvent::Snapshot(_));
                    state.apply(&env);
                }
            }
            ClientEvent::Status(ConnStatus::Refused { error }) => {
                anyhow::bail!(
                    "the server refused token {} of the simulator: {error}",
                    i + 1
                )
            }
            ClientEvent::Unsent { .. } => report.unsent += 1,
            ClientEvent::Status(_) | ClientEvent::BadMessage(_) => {}
        }
    }
    Ok(snapshot)
}

fn send(
    producers: &[Producer],
    config: &RemoteConfig,
    command: Command,
    next_id: &mut u64,
    report: &mut RemoteReport,
) {
    let kind = command.kind();
    let Some(p) = producers
        .iter()
        .find(|p| p.client.is_connected() && p.allowed.iter().any(|k| k == kind))
    else {
        *report.no_sender.entry(kind.to_owned()).or_default() += 1;
        return;
    };
    *next_id += 1;
    let deadline = system_now_ms() + config.deadline.as_millis() as i64;
    let env = ClientEnvelope::request(
        RequestId::from(format!("sim-{next_id}").as_str()),
        Some(deadline),
        command.into(),
    );
    match p.client.send(env) {
        Ok(()) => report.sent += 1,
        Err(_) => report.unsent += 1,
    }
}
