//! The hub: the authoritative state, the `seq` counter, the store and every client's queue,
//! owned by one thread (`feed-hub`). Sessions and internal producers (the simulator, tools)
//! talk to it through a bounded channel, so commands are handled one at a time in one order,
//! and every disk flush happens here, never on an async worker.
//!
//! A command is checked against its deadline, decided by the core's rulebook
//! (`onemap_core::feed::decide`), and its events, audit rows and answer are appended to the
//! store in one durable batch; only then are the events broadcast and the answer sent. A
//! repeated `request_id` is answered with the first answer and not applied again.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use onemap_core::feed::area::ServedArea;
use onemap_core::feed::lifecycle::archive_due;
use onemap_core::feed::policy::redact_envelope;
use onemap_core::feed::wire::{AuditQuery, Empty, Hello};
use onemap_core::feed::{
    AuditEntry, ClientEnvelope, Command, CommandResult, Envelope, FeedState, Principal, Refusal,
    RequestId, Role, ServerEvent, decide,
};
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::identity::Identities;
use crate::queue::{ClientQueue, MAX_QUEUE, Outgoing};
use crate::sim::{Sim, SimConfig, World};
use crate::store::{Answer, Batch, EventStore, Retention, StoreError};

mod auth;
mod history;
mod messages;
pub mod producers;

/// Messages to the hub waiting at most this many before senders wait (backpressure).
pub const HUB_CHANNEL: usize = 4096;

#[derive(Clone, Debug, PartialEq)]
pub struct HubConfig {
    /// Closed incidents stay in the live picture this long (they stay in the log for good).
    pub keep_closed_ms: i64,
    /// How long a command's answer is remembered for retries.
    pub answer_memory_ms: i64,
    /// At most this many answers are remembered (the oldest go first).
    pub max_answers: usize,
    /// State events kept in memory for replays; an older `last_seq` is served from the store.
    pub replay_window: usize,
    /// A snapshot every this many state events.
    pub snapshot_every: u64,
    /// What the log keeps at which rate.
    pub retention: Retention,
    /// Heartbeats to every client, this often (real time: they keep connections alive).
    pub heartbeat: Duration,
    /// The simulator steps and housekeeping run this often (real time).
    pub tick: Duration,
    /// Failed authentications from one address within `auth_window_ms` before it is blocked
    /// for `auth_block_ms`.
    pub auth_failures: u32,
    pub auth_window_ms: i64,
    pub auth_block_ms: i64,
    /// The identities table is looked at this often (revocations reach live sessions).
    pub identity_poll: Duration,
    /// Where producers' coordinates are accepted (none: anywhere on Earth).
    pub served: Option<ServedArea>,
    /// Position reports a unit may send a second.
    pub reports_per_s: u32,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            keep_closed_ms: 2 * 3_600_000,
            answer_memory_ms: 24 * 3_600_000,
            max_answers: 200_000,
            replay_window: 200_000,
            snapshot_every: 20_000,
            retention: Retention::default(),
            heartbeat: Duration::from_secs(2),
            tick: Duration::from_millis(250),
            auth_failures: 5,
            auth_window_ms: 60_000,
            auth_block_ms: 60_000,
            identity_poll: Duration::from_secs(1),
            served: None,
            reports_per_s: producers::MAX_REPORTS_PER_S,
        }
    }
}

/// Who sent something: a name for answers (stable across reconnects) and one for the audit
/// log (with the peer address).
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub name: String,
    pub shown: String,
}

impl Actor {
    pub fn internal(name: &str) -> Actor {
        Actor {
            name: name.to_owned(),
            shown: name.to_owned(),
        }
    }
}

/// What a connection presented to prove who it is.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// From `Authorization: Bearer` on the upgrade request.
    pub bearer: Option<String>,
    /// The subject (CN) of a client certificate the TLS layer verified against `--client-ca`.
    pub certificate: Option<String>,
}

/// A connection the hub let in.
#[derive(Clone, Debug)]
pub struct Admitted {
    pub client: u64,
    pub principal: Arc<Principal>,
}

/// A subscribed connection.
struct Subscriber {
    queue: Arc<ClientQueue>,
    principal: Arc<Principal>,
    peer: SocketAddr,
    /// The hash of the token it signed in with (`None`: a certificate alone): a session
    /// ends when its token is revoked or replaced, not only when the name goes.
    token_hash: Option<String>,
}

/// Failed authentications from one address.
#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    since_ms: i64,
    blocked_until_ms: i64,
}

/// At most this many addresses are tracked for failed authentications (the oldest go).
const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// What the hub is asked to do.
pub enum HubMsg {
    /// A client said hello: authenticate it, then queue what it missed and subscribe it. On
    /// failure it gets one `unauthorized` error and its queue is closed.
    Hello {
        queue: Arc<ClientQueue>,
        hello: Hello,
        credentials: Credentials,
        peer: SocketAddr,
        reply: oneshot::Sender<Option<Admitted>>,
    },
    /// A connection that did not authenticate (spoke before hello, or too late): one
    /// `unauthorized` error, audited, counted against its address.
    Refuse {
        queue: Arc<ClientQueue>,
        peer: SocketAddr,
        reason: String,
    },
    /// Something a session turned away (messages over the rate), for the audit log.
    Denied {
        actor: Arc<Actor>,
        action: String,
        detail: String,
    },
    /// A message from a subscribed client.
    Client {
        client: u64,
        actor: Arc<Actor>,
        env: ClientEnvelope,
    },
    /// A per-connection event (an error found by the session), numbered here.
    Direct {
        queue: Arc<ClientQueue>,
        event: ServerEvent,
    },
    Leave {
        client: u64,
    },
    /// Commands from an internal producer (tools, tests, load benchmarks), without deadlines.
    Submit {
        actor: Actor,
        commands: Vec<Command>,
        reply: oneshot::Sender<Vec<Result<Vec<u64>, Refusal>>>,
    },
    /// The simulator's world is built: start simulating.
    World(Box<World>, SimConfig),
    State {
        reply: oneshot::Sender<FeedState>,
    },
    AuditPage {
        query: AuditQuery,
        reply: oneshot::Sender<Result<Vec<AuditEntry>, String>>,
    },
    Stop,
}

/// Counters for tools and tests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HubStats {
    /// Simulator commands the rules refused (races with commanders are normal).
    pub sim_refused: u64,
    /// Batches the store could not write.
    pub store_failures: u64,
}

pub struct Hub {
    state: FeedState,
    seq: u64,
    store: Box<dyn EventStore>,
    recent: VecDeque<Envelope>,
    clients: HashMap<u64, Subscriber>,
    next_client: u64,
    identities: Identities,
    /// Names of the live identities, to audit what the `token` tool changed.
    known_identities: HashSet<String>,
    failures: HashMap<IpAddr, Failures>,
    last_identity_poll: Instant,
    /// Re-read outside the poll; the poll still audits and ends sessions.
    identities_changed: bool,
    answers: HashMap<RequestId, Answer>,
    answer_order: VecDeque<(i64, RequestId)>,
    since_snapshot: u64,
    clock: Clock,
    config: HubConfig,
    sim: Option<Sim>,
    stats: HubStats,
    last_beat: Instant,
    last_prune_ms: i64,
    /// The worker answering history queries (none if the store has no reader).
    history: Option<history::HistoryDesk>,
    retention: Retention,
    /// Retention has caught up until this time (nothing to thin before the next minute).
    retained_at_ms: i64,
    /// The served area and the per-unit report rate.
    producers: producers::ProducerGate,
}

/// What one step of work writes and then sends.
#[derive(Default)]
struct Work {
    events: Vec<Envelope>,
    audit: Vec<AuditEntry>,
    answers: Vec<Answer>,
    replies: Vec<(Arc<ClientQueue>, CommandResult)>,
}

/// A command's way in: from a client (answered, remembered) or from inside (neither).
struct Origin<'a> {
    actor: &'a Actor,
    reply: Option<(&'a Arc<ClientQueue>, RequestId)>,
}

impl Hub {
    /// A hub over `store`, continuing what it holds.
    pub fn open(
        mut store: Box<dyn EventStore>,
        identities: Identities,
        clock: Clock,
        config: HubConfig,
    ) -> Result<Hub, StoreError> {
        let now = clock.now_ms();
        let loaded = store.load(now - config.answer_memory_ms)?;
        let mut answers = HashMap::new();
        let mut answer_order = VecDeque::new();
        let mut remembered = loaded.answers;
        remembered.sort_by_key(|a| a.ts_ms);
        for a in remembered {
            answer_order.push_back((a.ts_ms, a.request_id.clone()));
            answers.insert(a.request_id.clone(), a);
        }
        let history = match store.reader() {
            Ok(reader) => history::HistoryDesk::start(reader, clock.clone()).ok(),
            Err(e) => {
                eprintln!("onemap-feed: history queries are off: {e}");
                None
            }
        };
        Ok(Hub {
            producers: producers::ProducerGate::new(config.served.clone(), config.reports_per_s),
            history,
            retention: config.retention.clone(),
            retained_at_ms: i64::MIN,
            state: loaded.state,
            seq: loaded.last_seq,
            store,
            recent: VecDeque::new(),
            clients: HashMap::new(),
            next_client: 0,
            known_identities: identities.names(),
            identities,
            failures: HashMap::new(),
            last_identity_poll: Instant::now(),
            identities_changed: false,
            answers,
            answer_order,
            since_snapshot: 0,
            clock,
            config,
            sim: None,
            stats: HubStats::default(),
            last_beat: Instant::now(),
            last_prune_ms: now,
        })
    }

    /// One bounded step of retention per tick while there is a backlog; once caught up,
    /// the next look a minute later.
    fn retain(&mut self, now: i64) {
        if now.saturating_sub(self.retained_at_ms) < 60_000 {
            return;
        }
        match self.store.retain(now, &self.retention) {
            Ok(0) => self.retained_at_ms = now,
            Ok(_) => {}
            Err(e) => {
                eprintln!("onemap-feed: retention: {e}");
                self.retained_at_ms = now;
            }
        }
    }

    pub fn state(&self) -> &FeedState {
        &self.state
    }

    pub fn stats(&self) -> &HubStats {
        &self.stats
    }

    /// How many answers are remembered (bounded by time and count).
    pub fn remembered_answers(&self) -> usize {
        self.answers.len()
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A per-client event (error, answer, heartbeat): numbered, not logged.
    fn direct(&mut self, queue: &ClientQueue, event: ServerEvent) {
        let seq = self.next_seq();
        queue.push(Envelope::new(seq, self.clock.now_ms(), event));
    }

    /// Handle one message; `false` once asked to stop.
    pub fn handle(&mut self, msg: HubMsg) -> bool {
        match msg {
            HubMsg::Hello {
                queue,
                hello,
                credentials,
                peer,
                reply,
            } => {
                let admitted = self.admit(&queue, &hello, &credentials, peer);
                let _ = reply.send(admitted);
            }
            HubMsg::Refuse {
                queue,
                peer,
                reason,
            } => self.refuse(&queue, peer, &reason),
            HubMsg::Denied {
                actor,
                action,
                detail,
            } => self.audit_denial(&actor, &action, None, detail),
            HubMsg::Client { client, actor, env } => {
                if let Some(sub) = self.clients.get(&client) {
                    let (queue, principal) = (sub.queue.clone(), sub.principal.clone());
                    self.client_message(&queue, &principal, &actor, env);
                }
            }
            HubMsg::Direct { queue, event } => self.direct(&queue, event),
            HubMsg::Leave { client } => {
                self.clients.remove(&client);
            }
            HubMsg::Submit {
                actor,
                commands,
                reply,
            } => {
                let results = self.submit(&actor, commands);
                let _ = reply.send(results);
            }
            HubMsg::World(world, config) => {
                let (sim, commands) = Sim::new(config, *world, &self.state, self.clock.now_ms());
                self.sim = Some(sim);
                self.run_internal(&Actor::internal("simulator"), commands);
            }
            HubMsg::State { reply } => {
                let _ = reply.send(self.state.clone());
            }
            HubMsg::AuditPage { query, reply } => {
                let page = self.store.audit_page(&query).map_err(|e| e.to_string());
                let _ = reply.send(page);
            }
            HubMsg::Stop => return false,
        }
        true
    }

    /// Run commands from inside (no deadline, no answer): per command, the seqs of the events
    /// it published, or its refusal.
    pub fn submit(
        &mut self,
        actor: &Actor,
        commands: Vec<Command>,
    ) -> Vec<Result<Vec<u64>, Refusal>> {
        let mut work = Work::default();
        let origin = Origin { actor, reply: None };
        let now = self.clock.now_ms();
        let results: Vec<Result<Vec<u64>, Refusal>> = commands
            .into_iter()
            .map(|c| self.run_command(&mut work, &origin, c, now))
            .collect();
        match self.commit(work) {
            Ok(()) => results,
            Err(why) => results
                .into_iter()
                .map(|r| {
                    r.and(Err(Refusal::Invalid {
                        field: "store".into(),
                        reason: why.clone(),
                    }))
                })
                .collect(),
        }
    }

    fn run_internal(&mut self, actor: &Actor, commands: Vec<Command>) {
        let refused = self
            .submit(actor, commands)
            .iter()
            .filter(|r| r.is_err())
            .count();
        self.stats.sim_refused += refused as u64;
    }

    /// Decide one command and stage what it writes; the state moves on at once (so the next
    /// command of the same step sees it), the world sees it only after [`Self::commit`].
    fn run_command(
        &mut self,
        work: &mut Work,
        origin: &Origin<'_>,
        command: Command,
        now: i64,
    ) -> Result<Vec<u64>, Refusal> {
        let outcome = self
            .producers
            .check_area(&command)
            .and_then(|()| decide(&self.state, &command, now, &origin.actor.name));
        self.stage(work, origin, &command, outcome, now)
    }

    fn stage(
        &mut self,
        work: &mut Work,
        origin: &Origin<'_>,
        command: &Command,
        outcome: Result<Vec<ServerEvent>, Refusal>,
        now: i64,
    ) -> Result<Vec<u64>, Refusal> {
        let (incident_id, unit_id) = command.subject();
        // A command that names no incident but changed one (a call created, a unit's status
        // moving its incident along) is audited under that incident: its timeline.
        let incident_id = incident_id.cloned().or_else(|| {
            outcome.as_ref().ok()?.iter().find_map(|e| match e {
                ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) => {
                    Some(i.id.clone())
                }
                _ => None,
            })
        });
        let unit_id = unit_id.cloned();
        // Positions are in the event log already; auditing each would drown the log.
        let audited = !matches!(command, Command::ReportPosition(_));
        let request = origin.reply.as_ref().map(|(_, r)| r.clone());
        if audited {
            work.audit.push(AuditEntry {
                id: 0,
                ts_ms: now,
                client: origin.actor.shown.clone(),
                action: command.kind().to_owned(),
                incident_id: incident_id.clone(),
                unit_id: unit_id.clone(),
                ok: None,
                detail: command.body_json(),
            });
        }
        let result = match outcome {
            Ok(events) => {
                let mut seqs = Vec::with_capacity(events.len());
                for event in events {
                    let env = Envelope::new(self.next_seq(), now, event);
                    self.state.apply(&env);
                    seqs.push(env.seq);
                    work.events.push(env);
                }
                Ok(seqs)
            }
            Err(refusal) => Err(refusal),
        };
        let message = match &result {
            Ok(_) => format!("{} done", command.kind()),
            Err(r) => r.to_string(),
        };
        if audited {
            work.audit.push(AuditEntry {
                id: 0,
                ts_ms: now,
                client: origin.actor.shown.clone(),
                action: "result".to_owned(),
                incident_id,
                unit_id,
                ok: Some(result.is_ok()),
                detail: match &request {
                    Some(r) => format!("{} {r}: {message}", command.kind()),
                    None => format!("{}: {message}", command.kind()),
                },
            });
        }
        if let Some((queue, request_id)) = &origin.reply {
            let answer = CommandResult {
                request_id: request_id.clone(),
                ok: result.is_ok(),
                message,
                refusal: result.as_ref().err().cloned(),
            };
            work.answers.push(Answer {
                request_id: request_id.clone(),
                client: origin.actor.name.clone(),
                ts_ms: now,
                result: answer.clone(),
            });
            work.replies.push(((*queue).clone(), answer));
        }
        result
    }

    /// Write a step durably, then let everyone see it. If the store fails, the state goes
    /// back to what the store holds and nothing is broadcast; the error is returned.
    fn commit(&mut self, work: Work) -> Result<(), String> {
        let batch = Batch {
            events: &work.events,
            answers: &work.answers,
            audit: &work.audit,
        };
        if let Err(e) = self.store.append(&batch) {
            self.stats.store_failures += 1;
            let why = format!("the event log cannot be written: {e}");
            eprintln!("onemap-feed: {why}");
            match self
                .store
                .load(self.clock.now_ms() - self.config.answer_memory_ms)
            {
                Ok(loaded) => self.state = loaded.state,
                Err(e) => eprintln!("onemap-feed: cannot reload the event log: {e}"),
            }
            for (queue, mut answer) in work.replies {
                answer.ok = false;
                answer.message = format!("not carried out: {why}");
                answer.refusal = None;
                self.direct(&queue, ServerEvent::CommandResult(answer));
            }
            return Err(why);
        }
        for a in work.answers {
            self.remember(a);
        }
        self.since_snapshot += work.events.len() as u64;
        for env in work.events {
            self.broadcast(&env);
            self.recent.push_back(env);
        }
        while self.recent.len() > self.config.replay_window {
            self.recent.pop_front();
        }
        for (queue, answer) in work.replies {
            self.direct(&queue, ServerEvent::CommandResult(answer));
        }
        if self.since_snapshot >= self.config.snapshot_every {
            self.since_snapshot = 0;
            if let Err(e) = self.store.write_snapshot(&self.state) {
                eprintln!("onemap-feed: {e}");
            }
        }
        Ok(())
    }

    fn remember(&mut self, answer: Answer) {
        self.answer_order
            .push_back((answer.ts_ms, answer.request_id.clone()));
        self.answers.insert(answer.request_id.clone(), answer);
        while self.answers.len() > self.config.max_answers {
            let Some((_, id)) = self.answer_order.pop_front() else {
                break;
            };
            self.answers.remove(&id);
        }
    }

    fn broadcast(&mut self, env: &Envelope) {
        let out = Outgoing::new(env.clone());
        // Walls and viewers get the same event without what they must not see; built once.
        let redacted = redact_envelope(env).map(Outgoing::new);
        let mut slow = Vec::new();
        for (&id, sub) in &self.clients {
            let item = match &redacted {
                Some(r) if sub.principal.role.redacted() => r.clone(),
                _ => out.clone(),
            };
            if !sub.queue.push_shared(item) {
                slow.push(id);
            }
        }
        for id in slow {
            if let Some(Subscriber { queue: q, .. }) = self.clients.remove(&id) {
                let seq = self.next_seq();
                q.push(Envelope::new(
                    seq,
                    self.clock.now_ms(),
                    ServerEvent::error(
                        "too_slow",
                        format!(
                            "more than {MAX_QUEUE} events waiting for this client; reconnect \
                             with hello and last_seq to resume"
                        ),
                    ),
                ));
                q.close();
            }
        }
    }

    /// Subscribe a client that has seen up to `last_seq`: queue what it missed (or a snapshot)
    /// and add it to the broadcast list, in one step with respect to publishing.
    fn subscribe(
        &mut self,
        queue: &Arc<ClientQueue>,
        (principal, token_hash): (Arc<Principal>, Option<String>),
        peer: SocketAddr,
        last_seq: u64,
    ) -> u64 {
        let redacted = principal.role.redacted();
        let push = |e: Envelope| {
            let e = if redacted {
                redact_envelope(&e).unwrap_or(e)
            } else {
                e
            };
            queue.push(e);
        };
        let oldest = self.recent.front().map_or(self.seq + 1, |e| e.seq);
        let behind = self.state.last_seq.saturating_sub(last_seq);
        let known = last_seq > 0 && last_seq <= self.state.last_seq;
        if known && last_seq >= oldest.saturating_sub(1) {
            for e in self.recent.iter().filter(|e| e.seq > last_seq) {
                push(e.clone());
            }
        } else if known
            && behind <= self.config.replay_window as u64
            && let Ok(events) = self.store.events_after(last_seq, self.config.replay_window)
        {
            // Older than memory (a restarted server): from the store.
            for e in events {
                push(e);
            }
        } else {
            push(self.state.snapshot_envelope(self.clock.now_ms()));
        }
        let id = self.next_client;
        self.next_client += 1;
        self.clients.insert(
            id,
            Subscriber {
                queue: queue.clone(),
                principal,
                peer,
                token_hash,
            },
        );
        id
    }

    /// The periodic step: the simulator, closed incidents leaving, old answers forgotten,
    /// heartbeats.
    pub fn tick(&mut self) {
        let now = self.clock.now_ms();
        if let Some(mut sim) = self.sim.take() {
            let staffed = self
                .clients
                .values()
                .any(|c| c.principal.role == Role::Commander);
            sim.set_staffed(staffed);
            let commands = sim.step(now, &self.state);
            self.run_internal(&Actor::internal("simulator"), commands);
            self.sim = Some(sim);
        }
        let archive = archive_due(&self.state, now, self.config.keep_closed_ms);
        if !archive.is_empty() {
            let mut work = Work::default();
            for event in archive {
                let env = Envelope::new(self.next_seq(), now, event);
                self.state.apply(&env);
                work.events.push(env);
            }
            let _ = self.commit(work);
        }
        if now - self.last_prune_ms >= 60_000 {
            self.last_prune_ms = now;
            self.producers.forget_gone(&self.state);
            self.forget_answers(now - self.config.answer_memory_ms);
        }
        self.retain(now);
        if self.last_identity_poll.elapsed() >= self.config.identity_poll {
            self.last_identity_poll = Instant::now();
            self.poll_identities();
            self.forget_failures(now);
        }
        if self.last_beat.elapsed() >= self.config.heartbeat {
            self.last_beat = Instant::now();
            let queues: Vec<Arc<ClientQueue>> =
                self.clients.values().map(|s| s.queue.clone()).collect();
            for q in queues {
                self.direct(&q, ServerEvent::Heartbeat(Empty {}));
            }
        }
    }

    fn forget_answers(&mut self, before_ms: i64) {
        while let Some((ts, _)) = self.answer_order.front() {
            if *ts >= before_ms {
                break;
            }
            if let Some((_, id)) = self.answer_order.pop_front() {
                self.answers.remove(&id);
            }
        }
        if let Err(e) = self.store.forget_answers_before(before_ms) {
            eprintln!("onemap-feed: {e}");
        }
    }
}

/// The hub's thread body: handle messages and tick until stopped.
pub(crate) fn run(mut hub: Hub, mut rx: mpsc::Receiver<HubMsg>) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("onemap-feed: cannot start the hub: {e}");
            return;
        }
    };
    rt.block_on(async move {
        let mut ticks = tokio::time::interval(hub.config.tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                msg = rx.recv() => {
                    let Some(msg) = msg else { return };
                    if !hub.handle(msg) {
                        return;
                    }
                }
                _ = ticks.tick() => hub.tick(),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;
    use onemap_core::feed::lifecycle::SignOn;
    use onemap_core::feed::{Position, UnitKind};

    #[test]
    fn answers_are_remembered_within_bounds_of_count_and_time() {
        let path =
            std::env::temp_dir().join(format!("onemap-hub-answers-{}.sqlite", std::process::id()));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
        let clock = Clock::fake(1_795_400_000_000);
        let config = HubConfig {
            max_answers: 5,
            ..HubConfig::default()
        };
        let store = SqliteStore::open(&path).unwrap();
        let token = crate::identity::IdentityDb::open(&path)
            .unwrap()
            .create("desk", Role::Commander, &[], 0, false)
            .unwrap();
        let identities = Identities::open(&path).unwrap();
        let mut hub = Hub::open(Box::new(store), identities, clock.clone(), config).unwrap();
        let queue = Arc::new(ClientQueue::default());
        let (reply, mut answer) = oneshot::channel();
        hub.handle(HubMsg::Hello {
            queue: queue.clone(),
            hello: Hello {
                last_seq: 0,
                client: "desk".into(),
                token: Some(token),
            },
            credentials: Credentials::default(),
            peer: "127.0.0.1:1".parse().unwrap(),
            reply,
        });
        let client = answer.try_recv().unwrap().unwrap().client;
        let actor = Arc::new(Actor::internal("desk"));
        for k in 0..8 {
            let command = Command::SignOn(SignOn {
                unit_id: format!("U-{k}").as_str().into(),
                call_sign: format!("U{k}"),
                kind: UnitKind::PatrolCar,
                position: Position([13.2, 53.5]),
                fix_at_ms: None,
                stale_at_ms: None,
            });
            let env = ClientEnvelope::request(
                format!("r-{k}").as_str().into(),
                Some(clock.now_ms() + 10_000),
                command.into(),
            );
            hub.handle(HubMsg::Client {
                client,
                actor: actor.clone(),
                env,
            });
        }
        assert_eq!(hub.state().units.len(), 8);
        assert_eq!(hub.remembered_answers(), 5, "at most max_answers");
        clock.advance(25 * 3_600_000);
        hub.tick();
        assert_eq!(hub.remembered_answers(), 0, "forgotten after a day");
    }
}
