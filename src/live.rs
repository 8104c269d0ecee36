//! The live feed in the console: [`LiveLink`], the IO edge (the embedded server with its
//! simulator, or an external one, and the client thread), and [`LiveState`], the data the
//! panels and the map read (the mirrored `FeedState`, the link's status, commands on their way
//! and their outcomes).
//!
//! Commands act now or not at all: [`LiveLink::command`] gives every command a deadline
//! ([`COMMAND_DEADLINE_MS`]); if the link is down it fails at once and says so; a command the
//! server has not answered by its deadline is reported, never carried out later.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use onemap_core::feed::area::ServedArea;
use onemap_core::feed::wire::{AuditPage, HistoryAnswer, Welcome};
use onemap_core::feed::{
    ClientEnvelope, ClientMessage, Command, FeedState, IncidentId, Refusal, RequestId, Role,
    ServerEvent, UnitId,
};
use onemap_feed::client::{ClientConfig, ClientEvent, ConnStatus, FeedClient, Unsent};
use onemap_feed::clock::Clock;
use onemap_feed::identity::IdentityDb;
use onemap_feed::server::{ServerConfig, ServerHandle, start};

/// Around the city's extent, where the embedded server accepts producers' coordinates.
const SERVED_MARGIN_M: f64 = 5_000.0;
use onemap_feed::sim::{SimConfig, World};
use onemap_feed::tls::ClientTls;

use crate::city::City;

/// Where the console's feed comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FeedSource {
    /// No live feed.
    #[default]
    Off,
    /// Start a server with the simulator in-process on loopback, logging to `db`; the
    /// console signs in as a local identity made for it at each start: a commander, or with
    /// `wall` a wall display (redacted, read only).
    Embedded {
        db: PathBuf,
        sim: SimConfig,
        wall: bool,
    },
    /// Connect to a server: `ws://host:port` or `wss://host:port`, with a token and/or a
    /// client certificate.
    External {
        url: String,
        token: Option<String>,
        tls: ClientTls,
    },
}

/// The identity the embedded demo's console signs in as.
pub const LOCAL_COMMANDER: &str = "local-commander";
/// The identity the embedded demo's wall display signs in as.
pub const LOCAL_WALL: &str = "local-wall";

/// The server sends a heartbeat at least this often.
pub const HEARTBEAT_MS: i64 = 2_000;
/// Two heartbeats missed (with a second's grace): the data may be stale (amber).
pub const STALE_DATA_MS: i64 = 2 * HEARTBEAT_MS + 1_000;
/// Silent or disconnected this long: the feed is lost (red).
pub const LOST_DATA_MS: i64 = 30_000;
/// Every command is refused by the server after this long.
pub const COMMAND_DEADLINE_MS: i64 = 10_000;
/// How long a new incident pulses.
pub const PULSE_MS: i64 = 30_000;
/// Notices kept, at most (the oldest successes go first).
pub const MAX_NOTICES: usize = 50;
/// A success is shown this long; a failure until it is dismissed.
pub const NOTICE_SHOWN_MS: i64 = 20_000;

/// History answers waiting for the shell, at most (it takes them every frame).
pub const MAX_HISTORY_INBOX: usize = 64;

/// How current the live picture is, for the band over the map and the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Messages arriving.
    Live,
    /// Not connected yet and nothing received: there is no picture at all.
    NoData,
    /// Silent (or disconnected) for more than two heartbeats: what is shown is as of `as_of_ms`.
    Late { as_of_ms: i64 },
    /// Silent or disconnected for more than [`LOST_DATA_MS`].
    Lost { as_of_ms: i64 },
}

impl Health {
    pub fn is_live(self) -> bool {
        self == Health::Live
    }

    /// When the shown picture was last known to be current.
    pub fn as_of_ms(self) -> Option<i64> {
        match self {
            Health::Late { as_of_ms } | Health::Lost { as_of_ms } => Some(as_of_ms),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Link {
    Connecting,
    Connected {
        since_ms: i64,
    },
    Reconnecting {
        since_ms: i64,
        attempt: u32,
        error: String,
    },
    /// The server turned this console's credentials away; nothing more is tried.
    Refused {
        error: String,
    },
}

/// A command on its way.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub kind: &'static str,
    pub unit_id: Option<UnitId>,
    pub incident_id: Option<IncidentId>,
    pub sent_ms: i64,
    pub not_after_ms: i64,
}

/// What a notice says; the panels word it in the user's language.
#[derive(Clone, Debug, PartialEq)]
pub enum NoticeText {
    /// The server carried the command out.
    Done { kind: &'static str, message: String },
    /// The server refused it (its reason).
    Refused {
        kind: &'static str,
        refusal: Option<Refusal>,
        message: String,
    },
    /// It never left this console.
    Unsent { kind: &'static str, reason: Unsent },
    /// No answer by its deadline: the server does not carry it out after that.
    NoAnswer {
        kind: &'static str,
        not_after_ms: i64,
    },
    /// The server reported an error about this console's messages (by its code).
    ServerError { code: String, message: String },
    /// Not sent: the console is replaying the past, read-only.
    Replaying { kind: &'static str },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub ok: bool,
    pub text: NoticeText,
    pub at_ms: i64,
}

/// The live picture as this console knows it.
#[derive(Clone, Debug, Default)]
pub struct LiveState {
    pub url: String,
    pub feed: FeedState,
    pub link: Option<Link>,
    pub last_message_ms: Option<i64>,
    /// When each incident was first seen here (new ones pulse); only incidents still in the
    /// picture are kept.
    pub first_seen: HashMap<IncidentId, i64>,
    pub bad_messages: u64,
    pub last_error: Option<String>,
    /// Commands sent and not yet answered, by request id.
    pub pending: BTreeMap<RequestId, Pending>,
    /// The last answers (request id, carried out), newest last, at most [`MAX_ANSWERED`]: for a
    /// form that waits for its command's outcome before it closes.
    pub answered: VecDeque<(RequestId, bool)>,
    /// The selected incident's timeline as the server last answered, and the question out.
    pub timeline: Option<onemap_core::feed::timeline::TimelinePage>,
    pub timeline_asked: Option<RequestId>,
    /// A commander's choice of view for this wall, not yet taken (the view, or `None` for
    /// the rotation).
    pub wall_show: Option<Option<String>>,
    /// The incident as it was when its timeline was asked for (asked again when it changes).
    pub timeline_of: Option<onemap_core::feed::Incident>,
    pub timeline_at_ms: i64,
    /// Outcomes of commands, newest last, at most [`MAX_NOTICES`].
    pub notices: VecDeque<Notice>,
    /// The last audit page received.
    pub audit: Option<AuditPage>,
    /// New P1 incidents that raised an alert (counted; the shell sounds it).
    pub alerts_raised: u64,
    /// The newest alert not yet sounded by the shell.
    pub alert_due: Option<IncidentId>,
    /// Who the server signed this console in as, and what it may send.
    pub me: Option<Welcome>,
    /// History answers not yet taken by the shell (at most [`MAX_HISTORY_INBOX`]).
    pub history_inbox: VecDeque<HistoryAnswer>,
    next_notice: u64,
}

impl LiveState {
    pub fn is_on(&self) -> bool {
        self.link.is_some()
    }

    pub fn is_connected(&self) -> bool {
        matches!(self.link, Some(Link::Connected { .. }))
    }

    /// Whether this console's identity may send `kind`; `Err(role)` if it may not. Before
    /// the server has said who we are, nothing is allowed.
    pub fn may(&self, kind: &str) -> Result<(), Option<Role>> {
        match &self.me {
            Some(me) if me.allowed.iter().any(|k| k == kind) => Ok(()),
            Some(me) => Err(Some(me.role)),
            None => Err(None),
        }
    }

    /// Connected but silent for longer than [`STALE_DATA_MS`].
    pub fn is_stale(&self, now_ms: i64) -> bool {
        self.is_connected()
            && self
                .last_message_ms
                .is_some_and(|t| now_ms - t > STALE_DATA_MS)
    }

    /// How current the picture is: live, late after two missed heartbeats or as soon as the
    /// link drops, lost after [`LOST_DATA_MS`].
    pub fn health(&self, now_ms: i64) -> Health {
        let Some(last) = self.last_message_ms else {
            return Health::NoData;
        };
        let quiet = now_ms - last;
        if quiet > LOST_DATA_MS {
            Health::Lost { as_of_ms: last }
        } else if !self.is_connected() || quiet > STALE_DATA_MS {
            Health::Late { as_of_ms: last }
        } else {
            Health::Live
        }
    }

    /// Whether a command for this unit is on its way.
    pub fn is_pending(&self, unit: &UnitId) -> bool {
        self.pending
            .values()
            .any(|p| p.unit_id.as_ref() == Some(unit))
    }

    pub fn notify(&mut self, ok: bool, text: NoticeText, at_ms: i64) {
        self.next_notice += 1;
        self.notices.push_back(Notice {
            id: self.next_notice,
            ok,
            text,
            at_ms,
        });
        while self.notices.len() > MAX_NOTICES {
            // Successes go first; failures only when nothing else is left to drop.
            match self.notices.iter().position(|n| n.ok) {
                Some(i) => {
                    self.notices.remove(i);
                }
                None => {
                    self.notices.pop_front();
                }
            }
        }
    }

    pub fn dismiss(&mut self, id: u64) {
        self.notices.retain(|n| n.id != id);
    }

    /// Notices still to show: recent successes and every failure not dismissed.
    pub fn shown_notices(&self, now_ms: i64) -> impl Iterator<Item = &Notice> {
        self.notices
            .iter()
            .filter(move |n| !n.ok || now_ms - n.at_ms <= NOTICE_SHOWN_MS)
    }

    /// Apply one event from the client thread.
    fn apply(&mut self, event: ClientEvent, now_ms: i64) {
        match event {
            ClientEvent::Status(ConnStatus::Connected) => {
                self.link = Some(Link::Connected { since_ms: now_ms });
                self.last_message_ms = Some(now_ms);
            }
            ClientEvent::Status(ConnStatus::Connecting { .. }) => {}
            ClientEvent::Status(ConnStatus::Refused { error }) => {
                self.link = Some(Link::Refused { error });
                self.me = None;
            }
            ClientEvent::Status(ConnStatus::Disconnected { error, attempt, .. }) => {
                let since_ms = match &self.link {
                    Some(Link::Reconnecting { since_ms, .. }) => *since_ms,
                    _ => now_ms,
                };
                self.link = Some(Link::Reconnecting {
                    since_ms,
                    attempt,
                    error,
                });
            }
            ClientEvent::BadMessage(why) => {
                self.bad_messages += 1;
                self.last_error = Some(why);
            }
            ClientEvent::Unsent { request_id, reason } => {
                if let Some(p) = request_id.and_then(|r| self.pending.remove(&r)) {
                    self.notify(
                        false,
                        NoticeText::Unsent {
                            kind: p.kind,
                            reason,
                        },
                        now_ms,
                    );
                }
            }
            ClientEvent::Event(env) => {
                self.last_message_ms = Some(now_ms);
                if let ServerEvent::History(answer) = env.event {
                    self.history_inbox.push_back(answer);
                    if self.history_inbox.len() > MAX_HISTORY_INBOX {
                        self.history_inbox.pop_front();
                    }
                    return;
                }
                if let ServerEvent::WallShow(show) = env.event {
                    self.wall_show = Some(show.view);
                    return;
                }
                if let ServerEvent::Timeline(page) = env.event {
                    // Only the answer to the latest question is kept (one incident's at a time).
                    if self.timeline_asked.as_ref() == Some(&page.request_id) {
                        self.timeline = Some(page);
                    }
                    return;
                }
                match &env.event {
                    ServerEvent::IncidentCreated(i) => {
                        self.first_seen.entry(i.id.clone()).or_insert(now_ms);
                        // A replayed old call does not alert; a new P1 does.
                        if i.priority == 1 && env.ts + PULSE_MS >= now_ms {
                            self.alerts_raised += 1;
                            self.alert_due = Some(i.id.clone());
                        }
                    }
                    ServerEvent::Snapshot(s) => {
                        // Incidents already known on connect do not pulse.
                        for i in &s.incidents {
                            self.first_seen
                                .entry(i.id.clone())
                                .or_insert(now_ms - PULSE_MS);
                        }
                    }
                    ServerEvent::IncidentArchived(b) => {
                        self.first_seen.remove(&b.id);
                    }
                    ServerEvent::Error(e) => {
                        self.last_error = Some(format!("{}: {}", e.code, e.message));
                        let text = NoticeText::ServerError {
                            code: e.code.clone(),
                            message: e.message.clone(),
                        };
                        // The same error again replaces the one shown (a burst is one notice).
                        self.notices.retain(|n| n.text != text);
                        self.notify(false, text, now_ms);
                    }
                    ServerEvent::CommandResult(r) => {
                        if let Some(p) = self.pending.remove(&r.request_id) {
                            self.answered(r.request_id.clone(), r.ok);
                            let text = if r.ok {
                                NoticeText::Done {
                                    kind: p.kind,
                                    message: r.message.clone(),
                                }
                            } else {
                                NoticeText::Refused {
                                    kind: p.kind,
                                    refusal: r.refusal.clone(),
                                    message: r.message.clone(),
                                }
                            };
                            self.notify(r.ok, text, now_ms);
                        }
                    }
                    ServerEvent::AuditPage(p) => self.audit = Some(p.clone()),
                    ServerEvent::Welcome(w) => self.me = Some(w.clone()),
                    _ => {}
                }
                self.feed.apply(&env);
                if matches!(env.event, ServerEvent::Snapshot(_)) {
                    let feed = &self.feed;
                    self.first_seen
                        .retain(|id, _| feed.incidents.contains_key(id));
                }
            }
        }
    }

    fn answered(&mut self, id: RequestId, ok: bool) {
        self.answered.push_back((id, ok));
        while self.answered.len() > MAX_ANSWERED {
            self.answered.pop_front();
        }
    }

    /// The outcome of a command sent from here: `None` while it is pending (or unknown).
    pub fn outcome(&self, id: &RequestId) -> Option<bool> {
        self.answered
            .iter()
            .rev()
            .find(|(r, _)| r == id)
            .map(|(_, ok)| *ok)
    }

    /// Commands past their deadline without an answer: reported, and forgotten (the server
    /// refuses them after it; the state stays the server's).
    fn expire(&mut self, now_ms: i64) -> bool {
        let late: Vec<RequestId> = self
            .pending
            .iter()
            .filter(|(_, p)| now_ms > p.not_after_ms + 1_000)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &late {
            if let Some(p) = self.pending.remove(id) {
                self.answered(id.clone(), false);
                let text = NoticeText::NoAnswer {
                    kind: p.kind,
                    not_after_ms: p.not_after_ms,
                };
                self.notify(false, text, now_ms);
            }
        }
        !late.is_empty()
    }
}

/// Answers kept for forms waiting on their command.
const MAX_ANSWERED: usize = 32;

/// The link to the server: the client thread, and the embedded server when there is one.
pub struct LiveLink {
    client: Option<FeedClient>,
    server: Option<ServerHandle>,
    /// Prefix of this console's request ids: unique across restarts.
    session: String,
    next_request: u64,
}

impl LiveLink {
    pub fn off() -> LiveLink {
        LiveLink {
            client: None,
            server: None,
            session: session_prefix(),
            next_request: 0,
        }
    }

    /// Start the feed; an embedded server that cannot start is reported, not fatal.
    /// `wake` is called whenever events arrive.
    pub fn start(
        source: &FeedSource,
        city: &Arc<City>,
        clock: &Clock,
        wake: impl Fn() + Send + 'static,
    ) -> (LiveLink, LiveState) {
        let mut link = LiveLink::off();
        let mut state = LiveState::default();
        let (url, token, tls) = match source {
            FeedSource::Off => return (link, state),
            FeedSource::External { url, token, tls } => (url.clone(), token.clone(), tls.clone()),
            FeedSource::Embedded { db, sim, wall } => {
                // A fresh token at each start, for this console only (loopback, no setup).
                let token = IdentityDb::open(db).and_then(|mut ids| {
                    let now = clock.now_ms();
                    if *wall {
                        ids.create(LOCAL_WALL, Role::Wall, &[], now, true)
                    } else {
                        ids.create(LOCAL_COMMANDER, Role::Commander, &[], now, true)
                    }
                });
                let token = match token {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!("onemap: live feed: {e:#}");
                        state.last_error = Some(format!("{e:#}"));
                        return (link, state);
                    }
                };
                let mut config = ServerConfig::new(([127, 0, 0, 1], 0).into(), db.clone());
                let c = city.clone();
                config.world = Some(Box::new(move || {
                    c.ready_for_background.wait(crate::city::BACKGROUND_WAIT);
                    World::new(c.graph(), c.osm())
                }));
                config.sim = sim.clone();
                config.clock = clock.clone();
                config.hub.served = Some(ServedArea::around(city.bounds, SERVED_MARGIN_M));
                match start(config) {
                    Ok(server) => {
                        let url = format!("ws://{}", server.addr);
                        eprintln!(
                            "onemap: live feed: embedded simulator at {url} (log {})",
                            db.display()
                        );
                        link.server = Some(server);
                        (url, Some(token), ClientTls::default())
                    }
                    Err(e) => {
                        eprintln!("onemap: live feed: cannot start the embedded server: {e:#}");
                        state.last_error = Some(format!("{e:#}"));
                        return (link, state);
                    }
                }
            }
        };
        state.link = Some(Link::Connecting);
        let config = ClientConfig {
            clock: clock.clone(),
            token,
            tls,
            ..ClientConfig::new(url.clone(), format!("onemap-console-{}", link.session))
        };
        match FeedClient::spawn(config, wake) {
            Ok(c) => link.client = Some(c),
            Err(e) => state.last_error = Some(e.to_string()),
        }
        state.url = url;
        (link, state)
    }

    pub fn is_on(&self) -> bool {
        self.client.is_some()
    }

    /// Apply what arrived into `state`, for at most `budget`; whether anything changed.
    pub fn drain(&mut self, state: &mut LiveState, now_ms: i64, budget: Duration) -> bool {
        let start = Instant::now();
        let mut changed = state.expire(now_ms);
        let Some(client) = &mut self.client else {
            return changed;
        };
        while start.elapsed() < budget {
            let Some(event) = client.try_recv() else {
                break;
            };
            changed = true;
            state.apply(event, now_ms);
        }
        changed
    }

    fn request_id(&mut self) -> RequestId {
        self.next_request += 1;
        RequestId(format!("{}-{}", self.session, self.next_request))
    }

    /// Send a command now, due within [`COMMAND_DEADLINE_MS`] (its request id); if it cannot
    /// be sent, say so at once (`None`). It is pending until the server answers. Nothing
    /// changes here until the server's events arrive, so a refused command leaves the view
    /// as the server has it.
    pub fn command(
        &mut self,
        state: &mut LiveState,
        command: Command,
        now_ms: i64,
    ) -> Option<RequestId> {
        let kind = command.kind();
        if let Err(role) = state.may(kind) {
            // The server would refuse it; say so now, in the same words.
            let refusal = role.map(|r| Refusal::Forbidden {
                role: r.name().to_owned(),
                kind: kind.to_owned(),
                reason: String::new(),
            });
            let text = match refusal {
                Some(refusal) => NoticeText::Refused {
                    kind,
                    message: refusal.to_string(),
                    refusal: Some(refusal),
                },
                None => NoticeText::Unsent {
                    kind,
                    reason: Unsent::NotConnected,
                },
            };
            state.notify(false, text, now_ms);
            return None;
        }
        let (incident_id, unit_id) = command.subject();
        let pending = Pending {
            kind,
            unit_id: unit_id.cloned(),
            incident_id: incident_id.cloned(),
            sent_ms: now_ms,
            not_after_ms: now_ms + COMMAND_DEADLINE_MS,
        };
        self.send_pending(state, pending, command.into())
    }

    /// Send `message` due by the pending entry's deadline and keep it pending until the
    /// server answers; if it cannot be sent, a notice now (`None`).
    fn send_pending(
        &mut self,
        state: &mut LiveState,
        pending: Pending,
        message: ClientMessage,
    ) -> Option<RequestId> {
        let request_id = self.request_id();
        let env = ClientEnvelope::request(request_id.clone(), Some(pending.not_after_ms), message);
        let sent = match &self.client {
            Some(c) => c.send(env),
            None => Err(Unsent::NotConnected),
        };
        match sent {
            Ok(()) => {
                state.pending.insert(request_id.clone(), pending);
                Some(request_id)
            }
            Err(reason) => {
                let (kind, at) = (pending.kind, pending.sent_ms);
                state.notify(false, NoticeText::Unsent { kind, reason }, at);
                None
            }
        }
    }

    /// Ask the wall displays to show `view` (`None`: their rotation). Answered like a command
    /// (a notice: on how many walls, or that none is connected); if it cannot be sent, a
    /// notice now.
    pub fn wall_show(&mut self, state: &mut LiveState, view: Option<String>, now_ms: i64) {
        let kind = "wall_show";
        if state.may(kind).is_err() {
            return;
        }
        let pending = Pending {
            kind,
            unit_id: None,
            incident_id: None,
            sent_ms: now_ms,
            not_after_ms: now_ms + COMMAND_DEADLINE_MS,
        };
        let show = onemap_core::feed::wire::WallShow { view };
        self.send_pending(state, pending, ClientMessage::WallShow(show));
    }

    /// Send a message that is not a command (an audit note); lost if not connected.
    pub fn send(&self, message: ClientMessage) -> Result<(), Unsent> {
        match &self.client {
            Some(c) => c.send(ClientEnvelope::plain(message)),
            None => Err(Unsent::NotConnected),
        }
    }

    /// Send a query; the answer carries the request id returned.
    pub fn query(&mut self, message: ClientMessage) -> Result<RequestId, Unsent> {
        let id = self.request_id();
        match &self.client {
            Some(c) => c
                .send(ClientEnvelope::request(id.clone(), None, message))
                .map(|()| id),
            None => Err(Unsent::NotConnected),
        }
    }

    /// Stop the embedded server (tests: a server that disappears).
    pub fn stop_embedded_server(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
    }
}

fn session_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = nanos ^ (u64::from(std::process::id()) << 40);
    format!("c{mixed:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_turns_late_then_lost_and_never_live_without_data() {
        let t = 1_800_000_000_000;
        let mut s = LiveState {
            link: Some(Link::Connecting),
            ..LiveState::default()
        };
        assert_eq!(s.health(t), Health::NoData);
        s.link = Some(Link::Connected { since_ms: t });
        s.last_message_ms = Some(t);
        assert_eq!(s.health(t + HEARTBEAT_MS), Health::Live);
        // Two heartbeats missed: late (amber), as of the last message.
        assert_eq!(
            s.health(t + STALE_DATA_MS + 1),
            Health::Late { as_of_ms: t }
        );
        assert_eq!(s.health(t + LOST_DATA_MS + 1), Health::Lost { as_of_ms: t });
        // The link dropping is late at once, however recent the last message.
        s.link = Some(Link::Reconnecting {
            since_ms: t,
            attempt: 1,
            error: "connection refused".into(),
        });
        assert_eq!(s.health(t + 10), Health::Late { as_of_ms: t });
        assert_eq!(s.health(t + 31_000), Health::Lost { as_of_ms: t });
    }

    #[test]
    fn a_new_p1_raises_an_alert_and_a_replayed_one_does_not() {
        use onemap_core::feed::{Category, Envelope, Incident, IncidentStatus, Position};
        let t = 1_800_000_000_000;
        let call = |id: &str, priority| Incident {
            id: id.into(),
            category: Category::Robbery,
            priority,
            location: Position([13.26, 53.55]),
            address: "Markt 1".into(),
            reported_at_ms: t,
            status: IncidentStatus::New,
            assigned_units: vec![],
            times: Default::default(),
            callback: None,
            notes: vec![],
            acknowledged: None,
            calls: 1,
        };
        let mut s = LiveState::default();
        let event = |seq, ts, i| {
            ClientEvent::Event(Envelope::new(seq, ts, ServerEvent::IncidentCreated(i)))
        };
        s.apply(event(1, t, call("I-1", 2)), t);
        assert_eq!(s.alerts_raised, 0, "a P2 does not alert");
        s.apply(event(2, t, call("I-2", 1)), t + 500);
        assert_eq!(s.alerts_raised, 1);
        assert_eq!(s.alert_due, Some("I-2".into()));
        // Replayed on reconnect an hour later: no alert.
        s.apply(event(3, t, call("I-3", 1)), t + 3_600_000);
        assert_eq!(s.alerts_raised, 1);
    }
}
